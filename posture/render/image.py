"""The annotated picture: skeleton, plumb line, each angle drawn where it is measured, findings as captions.

:func:`render_annotated` returns a new RGB array; the input photo is never drawn on.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from posture.analysis import Analysis
from posture.landmarks import SKELETON, Landmark, side_landmark
from posture.render.terminal import format_value

FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE = (255, 255, 255)
DARK = (20, 20, 20)
NEAR = (60, 200, 255)
PLUMB = (255, 210, 0)
ANGLE = (255, 120, 40)
FLAG = (255, 200, 60)


def _text(canvas: np.ndarray, text: str, origin: tuple[int, int], scale: float, color: tuple[int, int, int],
          *, ending_at: bool = False) -> None:
    """Outlined text starting (or with ``ending_at``, ending) at ``origin``, kept inside the picture."""
    thickness = max(1, round(scale * 2))
    (text_width, text_height), _ = cv2.getTextSize(text, FONT, scale, thickness + 2)
    rows, cols = canvas.shape[:2]
    x = origin[0] - text_width if ending_at else origin[0]
    origin = (min(max(2, x), cols - text_width - 2), min(max(text_height + 2, origin[1]), rows - 2))
    cv2.putText(canvas, text, origin, FONT, scale, DARK, thickness + 2, cv2.LINE_AA)
    cv2.putText(canvas, text, origin, FONT, scale, color, thickness, cv2.LINE_AA)


def _line(canvas: np.ndarray, a: np.ndarray, b: np.ndarray, color: tuple[int, int, int], width: int) -> None:
    pa, pb = tuple(int(v) for v in np.round(a)), tuple(int(v) for v in np.round(b))
    cv2.line(canvas, pa, pb, DARK, width + 2, cv2.LINE_AA)
    cv2.line(canvas, pa, pb, color, width, cv2.LINE_AA)


def _dashed_vertical(canvas: np.ndarray, x: float, y0: float, y1: float, color: tuple[int, int, int],
                     width: int, dash: int) -> None:
    for start in np.arange(y0, y1, 2 * dash):
        _line(canvas, np.array([x, start]), np.array([x, min(start + dash, y1)]), color, width)


def _angle_mark(canvas: np.ndarray, vertex: np.ndarray, reference_deg: float, target: np.ndarray, radius: int,
                label: str, font_scale: float, width: int) -> None:
    """An arc at ``vertex`` from the reference direction to the direction of ``target``, with a label."""
    target_deg = math.degrees(math.atan2(target[1] - vertex[1], target[0] - vertex[0]))
    sweep = (target_deg - reference_deg + 180.0) % 360.0 - 180.0
    reference_end = vertex + radius * 1.6 * np.array([math.cos(math.radians(reference_deg)),
                                                      math.sin(math.radians(reference_deg))])
    _line(canvas, vertex, reference_end, ANGLE, max(1, width // 2))
    centre = tuple(int(v) for v in np.round(vertex))
    cv2.ellipse(canvas, centre, (radius, radius), 0.0, reference_deg, reference_deg + sweep, ANGLE, width,
                cv2.LINE_AA)
    middle = math.radians(reference_deg + sweep / 2.0)
    anchor = vertex + (radius + 8) * np.array([math.cos(middle), math.sin(middle)])
    _text(canvas, label, (int(anchor[0]), int(anchor[1])), font_scale, ANGLE)


def _wrap(text: str, limit: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > limit:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return lines + ([current] if current else [])


def render_annotated(analysis: Analysis) -> np.ndarray:
    """A new RGB image (working resolution) with the analysis drawn on it, captions in a band below."""
    photo = analysis.image.rgb
    canvas = photo.copy()
    rows, cols = canvas.shape[:2]
    xy = analysis.pose.xy * analysis.image.scale
    size = max(rows, cols)
    width = max(2, round(size / 400))
    font_scale = max(0.45, size / 1500)
    radius = max(18, round(size / 30))
    verdict = analysis.verdict
    near = verdict.near_side

    for a, b in SKELETON:
        on_near = near is not None and a.name.startswith(near.upper()) and b.name.startswith(near.upper())
        _line(canvas, xy[a], xy[b], NEAR if on_near else WHITE, width)
    for point in xy:
        cv2.circle(canvas, (int(point[0]), int(point[1])), width + 1, NEAR, -1, cv2.LINE_AA)

    values = {m.id: m for m in analysis.measurements}
    if near is not None:
        facing = verdict.facing
        forward_deg = 0.0 if facing > 0 else 180.0
        ear, shoulder, hip, knee, ankle = (xy[side_landmark(near, n)] for n in
                                           ("EAR", "SHOULDER", "HIP", "KNEE", "ANKLE"))
        if "plumb_line" in values:
            _dashed_vertical(canvas, ankle[0], analysis.frame.head_top_y * analysis.image.scale, ankle[1],
                             PLUMB, max(1, width // 2), dash=radius // 2)
        # An arc shows the landmark angle it spans; a calibrated value is named beside it.
        if "head_forward_angle" in values:
            head = values["head_forward_angle"]
            label = f"{head.landmark_value:.0f} deg" + (f", CVA est. {head.value:.0f}" if head.components else "")
            _angle_mark(canvas, shoulder, forward_deg, ear, radius, label, font_scale, width)
        if "trunk_lean" in values:
            lean = values["trunk_lean"]
            label = f"lean {lean.landmark_value:+.1f} deg" + (
                f" (corrected {lean.value:+.1f})" if lean.components else "")
            _angle_mark(canvas, hip, -90.0, shoulder, radius, label, font_scale, width)
        if "knee_angle" in values:
            _text(canvas, f"knee {values['knee_angle'].value:+.1f} deg",
                  (int(knee[0] + facing * radius), int(knee[1])), font_scale, ANGLE, ending_at=facing < 0)
        if "foot_hip_offset" in values:
            m = values["foot_hip_offset"]
            _line(canvas, np.array([ankle[0], hip[1]]), hip, PLUMB, width)
            label = "hip " + format_value(m.value, m.unit).replace("% ht", "%")
            if m.components:
                label += " (landmarks " + format_value(m.landmark_value, m.unit).replace("% ht", "%") + ")"
            _text(canvas, label, (int(min(ankle[0], hip[0])), int(hip[1] + radius)), font_scale, PLUMB)
    elif "shoulder_height_difference" in values:
        # Only the shoulders: the hip landmarks do not follow hip height (bench/ACCURACY.md), so no hip line.
        left, right = xy[Landmark.LEFT_SHOULDER], xy[Landmark.RIGHT_SHOULDER]
        _line(canvas, left, right, ANGLE, width)
        level_y = (left[1] + right[1]) / 2.0
        _line(canvas, np.array([left[0], level_y]), np.array([right[0], level_y]), PLUMB, max(1, width // 2))
        m = values["shoulder_height_difference"]
        amount = format_value(abs(m.value), m.unit).replace("% ht", "%").lstrip("+")
        on_image_right = left[0] > right[0]
        _text(canvas, f"left shoulder {amount} {'higher' if m.value >= 0 else 'lower'}",
              (int(left[0] + (radius if on_image_right else -radius)), int(left[1] - radius / 2)), font_scale,
              ANGLE, ending_at=not on_image_right)

    captions = [f"{analysis.image.path.name}: {verdict.view} view"]
    for finding in analysis.findings:
        line = finding.title + (" (proxy)" if finding.proxy else "") + (" (borderline)" if finding.borderline else "")
        if finding.value is not None and finding.unit is not None:
            line += f": {format_value(finding.value, finding.unit)}".replace("°", " deg")
        captions.append(line)
    limit = max(30, int(cols / (font_scale * 20)))
    lines = [wrapped for caption in captions for wrapped in _wrap(caption, limit)]
    line_height = int(32 * font_scale) + 6
    band = np.full((line_height * len(lines) + line_height // 2, cols, 3), 30, dtype=np.uint8)
    for index, line in enumerate(lines):
        color = WHITE if index == 0 else FLAG
        cv2.putText(band, line, (10, line_height * (index + 1)), FONT, font_scale, color,
                    max(1, round(font_scale * 2)), cv2.LINE_AA)
    return np.vstack([canvas, band])
