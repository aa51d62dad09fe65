"""Tests for the colours of posture.render.image and compare_image: every keyed colour stays apart from every other,
for people with typical colour vision and for the red–green colour-blind.

The keyed colours are the ones a reader matches between the picture and its key: each drawn measurement's colour
(its line on the photo and its square in the panel), the plumb and level lines, the two colours of findings in the
panel, and the comparison picture's ghost skeleton ("faint pink" in its label).

Two colours count as apart when their CIEDE2000 difference (Sharma, Wu and Dalal 2005, implemented below and checked
against their published test pairs) is at least 20, a difference seen at a glance. For protanopia and deuteranopia
each colour is first turned into what such a viewer sees, with the matrices of Machado, Oliveira and Fernandes
(2009) at severity 1.0 applied to linear RGB, and the pair must then still differ by at least 10.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from posture.knowledge import registry
from posture.render.compare_image import GHOST
from posture.render.image import BALANCED, FLAG, NEAR, PALETTE, PLUMB, RGB

TYPICAL_APART = 20.0
"""The least CIEDE2000 between two keyed colours, seen with typical colour vision."""
COLOUR_BLIND_APART = 10.0
"""The least CIEDE2000 between two keyed colours, seen with protanopia or deuteranopia (simulated)."""

PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868],
                       [0.114503, 0.786281, 0.099216],
                       [-0.003882, -0.048116, 1.051998]])
"""Machado et al. (2009), protanomaly at severity 1.0 (protanopia), on linear RGB."""
DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968],
                         [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])
"""Machado et al. (2009), deuteranomaly at severity 1.0 (deuteranopia), on linear RGB."""

_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                         [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_D65 = _SRGB_TO_XYZ.sum(axis=1)  # the white point: sRGB's white, (1, 1, 1) in linear RGB

KEYED: dict[str, RGB] = {
    **{f"measurement {index + 1}": colour for index, colour in enumerate(PALETTE)},
    "plumb and level lines": PLUMB,
    "flagged row and finding": FLAG,
    "balanced finding": BALANCED,
    "previous skeleton": GHOST,
}

FORMER: dict[str, RGB] = {
    "measurement 1": (255, 120, 40), "measurement 2": (90, 220, 120), "measurement 3": (240, 90, 200),
    "measurement 4": (255, 230, 80), "measurement 5": (120, 170, 255), "measurement 6": (255, 90, 90),
    "plumb and level lines": (255, 210, 0), "flagged row and finding": (255, 196, 60),
    "balanced finding": (140, 220, 140), "previous skeleton": (255, 80, 200),
}
"""The colours before issue 17: the fourth measurement's yellow and the flag's amber nearly the plumb line's."""


def linear_rgb(rgb: RGB | np.ndarray) -> np.ndarray:
    """sRGB (0-255) to linear RGB (0-1)."""
    c = np.asarray(rgb, dtype=float) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab_from_linear(linear: np.ndarray) -> np.ndarray:
    """CIELAB (D65) from linear sRGB."""
    xyz = linear @ _SRGB_TO_XYZ.T / _D65
    epsilon, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > epsilon, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def seen_as(rgb: RGB, vision: np.ndarray | None) -> np.ndarray:
    """The colour's CIELAB as a viewer with ``vision`` (a Machado matrix; None: typical vision) sees it."""
    linear = linear_rgb(rgb)
    if vision is not None:
        linear = np.clip(vision @ linear, 0.0, 1.0)
    return lab_from_linear(linear)


def ciede2000(lab1: np.ndarray | tuple[float, float, float], lab2: np.ndarray | tuple[float, float, float]) -> float:
    """The CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1), after Sharma, Wu and Dalal (2005)."""
    l1, a1, b1 = (float(v) for v in lab1)
    l2, a2, b2 = (float(v) for v in lab2)
    chroma_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(chroma_mean ** 7 / (chroma_mean ** 7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = float(np.hypot(a1p, b1)), float(np.hypot(a2p, b2))
    h1p = float(np.degrees(np.arctan2(b1, a1p))) % 360 if c1p else 0.0
    h2p = float(np.degrees(np.arctan2(b2, a2p))) % 360 if c2p else 0.0
    delta_l, delta_c = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        delta_h_angle = 0.0
    else:
        delta_h_angle = h2p - h1p
        if delta_h_angle > 180:
            delta_h_angle -= 360
        elif delta_h_angle < -180:
            delta_h_angle += 360
    delta_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(delta_h_angle / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(h_mean - 30)) + 0.24 * np.cos(np.radians(2 * h_mean))
         + 0.32 * np.cos(np.radians(3 * h_mean + 6)) - 0.20 * np.cos(np.radians(4 * h_mean - 63)))
    delta_theta = 30 * np.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(c_mean ** 7 / (c_mean ** 7 + 25.0 ** 7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * c_mean
    s_h = 1 + 0.015 * c_mean * t
    r_t = -np.sin(np.radians(2 * delta_theta)) * r_c
    return float(np.sqrt((delta_l / s_l) ** 2 + (delta_c / s_c) ** 2 + (delta_h / s_h) ** 2
                         + r_t * (delta_c / s_c) * (delta_h / s_h)))


VISIONS: dict[str, tuple[np.ndarray | None, float]] = {
    "typical vision": (None, TYPICAL_APART),
    "protanopia": (PROTANOPIA, COLOUR_BLIND_APART),
    "deuteranopia": (DEUTERANOPIA, COLOUR_BLIND_APART),
}


def too_close(colours: dict[str, RGB], vision: np.ndarray | None, apart: float) -> list[str]:
    """Every pair of ``colours`` closer than ``apart`` as seen with ``vision``, named with its CIEDE2000."""
    return [f"{first} {colours[first]} and {second} {colours[second]}: "
            f"{ciede2000(seen_as(colours[first], vision), seen_as(colours[second], vision)):.1f}"
            for first, second in itertools.combinations(colours, 2)
            if ciede2000(seen_as(colours[first], vision), seen_as(colours[second], vision)) < apart]


# Sharma, Wu and Dalal (2005), table 1: pairs that exercise the hue's wrap-around, the mean hue and the rotation term.
SHARMA_PAIRS = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0009), 7.1792),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0011), 7.2195),
    ((50.0, -0.001, 2.49), (50.0, 0.0009, -2.49), 4.8045),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
]


@pytest.mark.parametrize(("lab1", "lab2", "expected"), SHARMA_PAIRS)
def test_ciede2000_matches_the_published_test_pairs(lab1: tuple[float, float, float], lab2: tuple[float, float, float],
                                                    expected: float) -> None:
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_the_colour_conversion_and_the_simulation_keep_their_anchors() -> None:
    """White is L* 100 and neutral; greys stay grey for the colour-blind (each matrix's rows sum to 1)."""
    assert seen_as((255, 255, 255), None) == pytest.approx([100.0, 0.0, 0.0], abs=0.01)
    assert seen_as((255, 0, 0), None) == pytest.approx([53.24, 80.09, 67.20], abs=0.01)
    for matrix in (PROTANOPIA, DEUTERANOPIA):
        assert seen_as((128, 128, 128), matrix) == pytest.approx(seen_as((128, 128, 128), None), abs=0.05)
    # Red and green, far apart for most people, nearly meet for the red-green colour-blind.
    assert ciede2000(seen_as((200, 60, 40), None), seen_as((90, 160, 40), None)) > 40
    assert ciede2000(seen_as((200, 60, 40), DEUTERANOPIA), seen_as((90, 160, 40), DEUTERANOPIA)) < 15


def test_a_pair_is_too_close_just_below_the_bound_and_apart_just_above() -> None:
    """Two greys whose difference straddles the bound: the one just below is named, the one just above is not."""
    base = (100, 100, 100)
    differences = {level: ciede2000(seen_as(base, None), seen_as((level, level, level), None))
                   for level in range(101, 256)}
    below = max(level for level, difference in differences.items() if difference < TYPICAL_APART)
    above = below + 1
    assert TYPICAL_APART - 1.5 < differences[below] < TYPICAL_APART <= differences[above] < TYPICAL_APART + 1.5
    assert too_close({"a": base, "b": (below,) * 3}, None, TYPICAL_APART)
    assert not too_close({"a": base, "b": (above,) * 3}, None, TYPICAL_APART)


@pytest.mark.parametrize("vision", list(VISIONS))
def test_every_pair_of_keyed_colours_stays_apart(vision: str) -> None:
    """CIEDE2000 ≥ 20 between every two keyed colours for typical vision, and ≥ 10 for protanopia and deuteranopia
    (Machado et al. 2009 at severity 1.0, in linear RGB)."""
    matrix, apart = VISIONS[vision]
    assert too_close(KEYED, matrix, apart) == []


@pytest.mark.parametrize("vision", list(VISIONS))
def test_the_former_colours_fail_the_same_rule(vision: str) -> None:
    """The rule names the pairs issue 17 saw: the fourth measurement's yellow and the flag beside the plumb line's."""
    matrix, apart = VISIONS[vision]
    close = too_close(FORMER, matrix, apart)
    assert any("measurement 4" in pair and "plumb" in pair for pair in close), close


def test_the_palette_has_a_colour_for_every_drawn_measurement_of_a_view() -> None:
    """No two drawn measurements of one photo share a colour: the palette covers the most a view draws."""
    for view in ("side", "front", "back"):
        drawn = [d for d in registry.for_view(view)
                 if d.drawing is not None and not isinstance(d.drawing, registry.Plumb)]
        assert len(drawn) <= len(PALETTE), view
    assert len(set(PALETTE)) == len(PALETTE)


def test_every_measurement_colour_stands_apart_from_the_near_side_skeleton() -> None:
    """The lines of a side view are drawn over the near side's skeleton: CIEDE2000 ≥ 20 from it for typical vision."""
    measurements = {name: colour for name, colour in KEYED.items() if name.startswith("measurement")}
    assert too_close({**measurements, "near-side skeleton": NEAR}, None, TYPICAL_APART) == []
