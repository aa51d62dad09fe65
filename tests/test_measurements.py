"""Geometry of the measurements (posture.measurements) on synthetic people of exactly known posture.

Every person here comes from tests/builders.py: joints are placed by how far
they stand ahead of the vertical through the ankle, at fixed fractions of the
body height (builders.LEVELS), so each measurement has a closed-form answer.
With the default height of 1000 px: ear 110 px above the shoulder, shoulder
300 px above the hip, knee 240 px below the hip and 240 px above the ankle.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from builders import LEVELS, front_person, move, side_person

from posture.core.geometry import (
    forward_angle_from_vertical,
    interior_angle_deviation,
    joint_bend,
)
from posture.core.measurement import Measurement
from posture.core.pose import Landmark
from posture.core.units import DEG as DEGREES
from posture.stages.frame import CM, PERCENT_HEIGHT, BodyScale
from posture.stages.measure.views import measure_front_view, measure_side_view

# The side measurements landmarks alone give; the outline measures need a mask (tests/test_outline.py).
SIDE_MEASUREMENT_IDS = ("head_forward_angle", "head_forward_offset", "trunk_lean", "hip_extension",
                        "foot_hip_offset", "plumb_line", "knee_angle")

H = 1000.0
EAR_OVER_SHOULDER = (LEVELS["shoulder"] - LEVELS["ear"]) * H  # 110 px
TRUNK = (LEVELS["hip"] - LEVELS["shoulder"]) * H  # 300 px
THIGH = (LEVELS["knee"] - LEVELS["hip"]) * H  # 240 px
SHANK = (LEVELS["ankle"] - LEVELS["knee"]) * H  # 240 px

# Every combination of the direction faced and the side measured (the unphysical ones too:
# the near side is whatever the quality gate says, and the geometry must not care).
VIEWS = pytest.mark.parametrize(
    ("facing", "near_side"),
    [(1, "right"), (-1, "left"), (1, "left"), (-1, "right")],
    ids=["faces-right-near-right", "faces-left-near-left", "faces-right-near-left", "faces-left-near-right"],
)


def atan_deg(opposite: float, adjacent: float) -> float:
    return math.degrees(math.atan2(opposite, adjacent))


def side(facing: int = 1, near_side: str = "right", *, height_cm: float | None = None,
         body_height: float = H, **person: float) -> dict[str, Measurement]:
    xy = side_person(facing=facing, near_side=near_side, **person)
    scale = BodyScale(body_height_px=body_height, height_cm=height_cm)
    return {m.id: m for m in measure_side_view(xy, facing=facing, near_side=near_side, scale=scale).measurements}


def values(measurements: tuple[Measurement, ...] | dict[str, Measurement]) -> dict[str, object]:
    items = measurements.values() if isinstance(measurements, dict) else measurements
    return {m.id: (m.value, m.unit, dict(m.components)) for m in items}


# ------------------------------------------------------------------ the whole set


@VIEWS
def test_upright_person_is_neutral_in_every_measurement(facing: int, near_side: str) -> None:
    m = side(facing, near_side)
    assert m["head_forward_angle"].value == pytest.approx(90.0)
    for measurement_id in SIDE_MEASUREMENT_IDS[1:]:
        assert m[measurement_id].value == pytest.approx(0.0, abs=1e-12), measurement_id


def test_side_view_returns_the_spec_ids_in_order() -> None:
    xy = side_person()
    result = measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(H)).measurements
    assert tuple(m.id for m in result) == SIDE_MEASUREMENT_IDS
    assert SIDE_MEASUREMENT_IDS == (
        "head_forward_angle", "head_forward_offset", "trunk_lean", "hip_extension",
        "foot_hip_offset", "plumb_line", "knee_angle",
    )


@pytest.mark.parametrize(
    ("measurement_id", "unit"),
    [
        ("head_forward_angle", DEGREES),
        ("head_forward_offset", PERCENT_HEIGHT),
        ("trunk_lean", DEGREES),
        ("hip_extension", DEGREES),
        ("foot_hip_offset", PERCENT_HEIGHT),
        ("plumb_line", PERCENT_HEIGHT),
        ("knee_angle", DEGREES),
    ],
)
def test_units_without_height(measurement_id: str, unit: str) -> None:
    assert side()[measurement_id].unit == unit


@pytest.mark.parametrize("measurement_id", ["head_forward_offset", "foot_hip_offset", "plumb_line"])
def test_offsets_are_in_cm_when_the_height_is_known(measurement_id: str) -> None:
    assert side(height_cm=170.0)[measurement_id].unit == CM


@pytest.mark.parametrize("measurement_id", ["head_forward_angle", "trunk_lean", "hip_extension", "knee_angle"])
def test_angles_stay_in_degrees_when_the_height_is_known(measurement_id: str) -> None:
    assert side(height_cm=170.0)[measurement_id].unit == DEGREES


@pytest.mark.parametrize(
    ("near_side", "measurement_id", "landmarks"),
    [
        ("right", "head_forward_angle", {"right_shoulder", "right_ear"}),
        ("left", "head_forward_offset", {"left_ear", "left_shoulder"}),
        ("right", "trunk_lean", {"right_hip", "right_shoulder"}),
        ("left", "hip_extension", {"left_shoulder", "left_hip", "left_knee"}),
        ("right", "foot_hip_offset", {"right_hip", "right_ankle"}),
        ("left", "plumb_line", {"left_ear", "left_shoulder", "left_hip", "left_knee", "left_ankle"}),
        ("right", "knee_angle", {"right_hip", "right_knee", "right_ankle"}),
    ],
)
def test_each_measurement_names_the_near_side_landmarks_it_used(
    near_side: str, measurement_id: str, landmarks: set[str]
) -> None:
    assert set(side(1, near_side)[measurement_id].landmarks) == landmarks


def test_measures_of_anatomical_points_mediapipe_lacks_are_proxies() -> None:
    """Tragus, C7, acromion and Kendall's plumb-line points have no landmark; joint angles are the landmarks' own."""
    assert {m.id for m in side().values() if m.proxy} == {"head_forward_angle", "head_forward_offset", "plumb_line"}


def test_every_measurement_states_its_method_and_has_no_uncertainty_yet() -> None:
    for m in side().values():
        assert m.method.strip()
        assert m.uncertainty is None


@pytest.mark.parametrize("facing", [0, 2, -2, 0.5, None])
def test_facing_other_than_plus_or_minus_one_is_refused(facing: object) -> None:
    with pytest.raises(ValueError, match="facing"):
        measure_side_view(side_person(), facing=facing, near_side="right", scale=BodyScale(H)).measurements  # type: ignore[arg-type]


# ------------------------------------------------------------------ head_forward_angle


@VIEWS
@pytest.mark.parametrize(
    ("ear_ahead", "shoulder_ahead", "expected"),
    [
        pytest.param(0.0, 0.0, 90.0, id="ear-straight-above"),
        pytest.param(40.0, 40.0, 90.0, id="both-ahead-ear-above"),
        pytest.param(110.0, 0.0, 45.0, id="ear-ahead-by-its-height"),
        pytest.param(30.0, 0.0, atan_deg(110.0, 30.0), id="ear-ahead-30"),
        pytest.param(50.0, 20.0, atan_deg(110.0, 30.0), id="relative-to-shoulder"),
        pytest.param(-30.0, 0.0, 180.0 - atan_deg(110.0, 30.0), id="ear-behind-30"),
        pytest.param(0.0, 30.0, 180.0 - atan_deg(110.0, 30.0), id="shoulder-ahead-of-ear"),
        pytest.param(110.0 * math.sqrt(3.0), 0.0, 30.0, id="ear-far-ahead-30deg"),
    ],
)
def test_head_forward_angle(facing: int, near_side: str, ear_ahead: float, shoulder_ahead: float,
                            expected: float) -> None:
    m = side(facing, near_side, ear_ahead=ear_ahead, shoulder_ahead=shoulder_ahead)
    assert m["head_forward_angle"].value == pytest.approx(expected)


def test_head_forward_angle_exact_formula() -> None:
    value = side(ear_ahead=37.0)["head_forward_angle"].value
    assert value == pytest.approx(math.degrees(math.atan2(EAR_OVER_SHOULDER, 37.0)))
    assert value == pytest.approx(71.4089, abs=1e-4)


@pytest.mark.parametrize(("ear_ahead", "is_above_90"), [(-1.0, True), (1.0, False)])
def test_head_forward_angle_above_90_only_when_the_ear_is_behind(ear_ahead: float, is_above_90: bool) -> None:
    assert (side(ear_ahead=ear_ahead)["head_forward_angle"].value > 90.0) is is_above_90


def test_head_forward_angle_decreases_as_the_head_goes_forward() -> None:
    angles = [side(ear_ahead=d)["head_forward_angle"].value for d in (-20.0, 0.0, 20.0, 60.0, 120.0)]
    assert angles == sorted(angles, reverse=True)
    assert len(set(angles)) == len(angles)


# ------------------------------------------------------------------ head_forward_offset


@VIEWS
@pytest.mark.parametrize(
    ("ear_ahead", "shoulder_ahead", "percent"),
    [(0.0, 0.0, 0.0), (50.0, 0.0, 5.0), (-20.0, 0.0, -2.0), (35.0, 10.0, 2.5), (0.0, 30.0, -3.0)],
)
def test_head_forward_offset_percent(facing: int, near_side: str, ear_ahead: float, shoulder_ahead: float,
                                     percent: float) -> None:
    m = side(facing, near_side, ear_ahead=ear_ahead, shoulder_ahead=shoulder_ahead)["head_forward_offset"]
    assert m.value == pytest.approx(percent, abs=1e-12)
    assert m.unit == PERCENT_HEIGHT


@pytest.mark.parametrize(("ear_ahead", "cm"), [(50.0, 8.5), (-20.0, -3.4), (0.0, 0.0)])
def test_head_forward_offset_cm(ear_ahead: float, cm: float) -> None:
    m = side(ear_ahead=ear_ahead, height_cm=170.0)["head_forward_offset"]
    assert m.value == pytest.approx(cm, abs=1e-12)
    assert m.unit == CM


# ------------------------------------------------------------------ trunk_lean


@VIEWS
@pytest.mark.parametrize(
    ("shoulder_ahead", "hip_ahead", "expected"),
    [
        pytest.param(0.0, 0.0, 0.0, id="upright"),
        pytest.param(30.0, 0.0, atan_deg(30.0, 300.0), id="forward"),
        pytest.param(-30.0, 0.0, -atan_deg(30.0, 300.0), id="back"),
        pytest.param(0.0, 30.0, -atan_deg(30.0, 300.0), id="hips-forward-is-leaning-back"),
        pytest.param(300.0, 0.0, 45.0, id="forward-45"),
        pytest.param(60.0, 60.0, 0.0, id="whole-trunk-ahead-but-vertical"),
        pytest.param(-100.0, -50.0, -atan_deg(50.0, 300.0), id="back-relative"),
    ],
)
def test_trunk_lean(facing: int, near_side: str, shoulder_ahead: float, hip_ahead: float, expected: float) -> None:
    m = side(facing, near_side, shoulder_ahead=shoulder_ahead, hip_ahead=hip_ahead)
    assert m["trunk_lean"].value == pytest.approx(expected, abs=1e-12)


def test_trunk_lean_exact_value() -> None:
    assert side(shoulder_ahead=52.0)["trunk_lean"].value == pytest.approx(9.8336, abs=1e-4)


# ------------------------------------------------------------------ hip_extension


def hip_extension_expected(shoulder_ahead: float, hip_ahead: float, knee_ahead: float) -> float:
    """Independent: 180° minus the interior shoulder–hip–knee angle, + when the hip is ahead of the
    shoulder → knee line (hips pushed forward), − when behind it (hips flexed)."""
    shoulder = np.array([shoulder_ahead, TRUNK])  # (forward, up) with the hip at the origin
    hip = np.array([hip_ahead, 0.0])
    knee = np.array([knee_ahead, -THIGH])
    a, b = shoulder - hip, knee - hip
    interior = math.degrees(math.acos(float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b))))
    # Forward position of the shoulder → knee line at the hip's height.
    line_at_hip = shoulder_ahead + (knee_ahead - shoulder_ahead) * TRUNK / (TRUNK + THIGH)
    return math.copysign(180.0 - interior, hip_ahead - line_at_hip)


@VIEWS
@pytest.mark.parametrize(
    ("shoulder_ahead", "hip_ahead", "knee_ahead", "expected"),
    [
        pytest.param(0.0, 0.0, 0.0, 0.0, id="collinear-vertical"),
        pytest.param(30.0, 0.0, -24.0, 0.0, id="collinear-slanted"),
        pytest.param(0.0, 30.0, 0.0, atan_deg(30.0, 300.0) + atan_deg(30.0, 240.0), id="hips-pushed-forward"),
        pytest.param(-30.0, 0.0, 0.0, atan_deg(30.0, 300.0), id="trunk-back-over-hips"),
        pytest.param(0.0, 0.0, -24.0, atan_deg(24.0, 240.0), id="thigh-back"),
        pytest.param(100.0, 0.0, 0.0, -atan_deg(100.0, 300.0), id="flexed-bending-forward"),
        pytest.param(60.0, 0.0, 40.0, -(atan_deg(60.0, 300.0) + atan_deg(40.0, 240.0)), id="flexed-both"),
        pytest.param(300.0, 0.0, 0.0, -45.0, id="flexed-45"),
    ],
)
def test_hip_extension(facing: int, near_side: str, shoulder_ahead: float, hip_ahead: float, knee_ahead: float,
                       expected: float) -> None:
    m = side(facing, near_side, shoulder_ahead=shoulder_ahead, hip_ahead=hip_ahead, knee_ahead=knee_ahead)
    assert m["hip_extension"].value == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx(hip_extension_expected(shoulder_ahead, hip_ahead, knee_ahead), abs=1e-9)


@pytest.mark.parametrize(
    ("shoulder_ahead", "hip_ahead", "knee_ahead"),
    [(-40.0, 25.0, -10.0), (10.0, 45.0, 5.0), (120.0, -20.0, 70.0), (0.0, -35.0, 12.0)],
)
def test_hip_extension_is_the_signed_deviation_of_the_shoulder_hip_knee_angle(
    shoulder_ahead: float, hip_ahead: float, knee_ahead: float
) -> None:
    for facing in (1, -1):
        m = side(facing, "right", shoulder_ahead=shoulder_ahead, hip_ahead=hip_ahead, knee_ahead=knee_ahead)
        assert m["hip_extension"].value == pytest.approx(
            hip_extension_expected(shoulder_ahead, hip_ahead, knee_ahead), abs=1e-9)


@pytest.mark.parametrize(("hip_ahead", "positive"), [(15.0, True), (-15.0, False)])
def test_hip_extension_sign(hip_ahead: float, positive: bool) -> None:
    assert (side(hip_ahead=hip_ahead)["hip_extension"].value > 0) is positive


# ------------------------------------------------------------------ foot_hip_offset


@VIEWS
@pytest.mark.parametrize(
    ("hip_ahead", "percent"),
    [
        pytest.param(0.0, 0.0, id="hip-over-ankle"),
        pytest.param(45.0, 4.5, id="hips-ahead-sway"),
        pytest.param(-30.0, -3.0, id="feet-ahead-stoop"),
        pytest.param(7.0, 0.7, id="slightly-ahead"),
    ],
)
def test_foot_hip_offset(facing: int, near_side: str, hip_ahead: float, percent: float) -> None:
    m = side(facing, near_side, hip_ahead=hip_ahead)["foot_hip_offset"]
    assert m.value == pytest.approx(percent, abs=1e-12)


@pytest.mark.parametrize(("hip_ahead", "cm"), [(45.0, 7.65), (-30.0, -5.1)])
def test_foot_hip_offset_cm(hip_ahead: float, cm: float) -> None:
    assert side(hip_ahead=hip_ahead, height_cm=170.0)["foot_hip_offset"].value == pytest.approx(cm, abs=1e-12)


def test_foot_hip_offset_ignores_the_shoulders_and_knees() -> None:
    m = side(hip_ahead=20.0, shoulder_ahead=-50.0, knee_ahead=35.0, ear_ahead=80.0)
    assert m["foot_hip_offset"].value == pytest.approx(2.0, abs=1e-12)


# ------------------------------------------------------------------ plumb_line


@VIEWS
def test_plumb_line_components_are_each_joint_ahead_of_the_ankle(facing: int, near_side: str) -> None:
    m = side(facing, near_side, ear_ahead=62.0, shoulder_ahead=31.0, hip_ahead=-12.0, knee_ahead=8.0)["plumb_line"]
    assert dict(m.components) == pytest.approx({"ear": 6.2, "shoulder": 3.1, "hip": -1.2, "knee": 0.8}, abs=1e-12)
    assert [name for name, _ in m.components] == ["ear", "shoulder", "hip", "knee"]
    assert m.value == pytest.approx(6.2, abs=1e-12)


def test_plumb_line_value_equals_the_ear_component() -> None:
    m = side(ear_ahead=-25.0, shoulder_ahead=10.0)["plumb_line"]
    assert m.value == pytest.approx(-2.5, abs=1e-12)
    assert m.value == dict(m.components)["ear"]


def test_plumb_line_in_cm() -> None:
    m = side(ear_ahead=50.0, shoulder_ahead=20.0, hip_ahead=10.0, knee_ahead=-10.0, height_cm=180.0)["plumb_line"]
    assert m.unit == CM
    assert dict(m.components) == pytest.approx({"ear": 9.0, "shoulder": 3.6, "hip": 1.8, "knee": -1.8}, abs=1e-12)


def test_plumb_line_hip_component_is_the_foot_hip_offset() -> None:
    m = side(hip_ahead=33.0, ear_ahead=5.0)
    assert dict(m["plumb_line"].components)["hip"] == pytest.approx(m["foot_hip_offset"].value)


def test_plumb_line_is_relative_to_the_ankle_not_the_image() -> None:
    near = side(ear_ahead=40.0, ankle_x=300.0)["plumb_line"]
    far = side(ear_ahead=40.0, ankle_x=900.0)["plumb_line"]
    assert dict(near.components) == pytest.approx(dict(far.components))


# ------------------------------------------------------------------ knee_angle


def knee_expected(hip_ahead: float, knee_ahead: float) -> float:
    """Independent: the turn from the thigh's direction to the shank's, + = knee behind the hip–ankle line."""
    thigh = math.atan2(knee_ahead - hip_ahead, THIGH)  # from the downward vertical, + = forward
    shank = math.atan2(0.0 - knee_ahead, SHANK)
    return math.degrees(shank - thigh)


@VIEWS
@pytest.mark.parametrize(
    ("hip_ahead", "knee_ahead", "expected"),
    [
        pytest.param(0.0, 0.0, 0.0, id="straight-vertical"),
        pytest.param(40.0, 20.0, 0.0, id="straight-slanted"),
        pytest.param(0.0, -20.0, 2.0 * atan_deg(20.0, 240.0), id="hyperextended"),
        pytest.param(0.0, 20.0, -2.0 * atan_deg(20.0, 240.0), id="flexed"),
        pytest.param(40.0, 0.0, atan_deg(40.0, 240.0), id="behind-a-slanted-line"),
        pytest.param(40.0, 40.0, -atan_deg(40.0, 240.0), id="ahead-of-a-slanted-line"),
        pytest.param(0.0, 80.0, -2.0 * atan_deg(80.0, 240.0), id="deeply-flexed"),
        pytest.param(-30.0, -30.0, atan_deg(30.0, 240.0), id="hip-behind-ankle-knee-behind-line"),
    ],
)
def test_knee_angle(facing: int, near_side: str, hip_ahead: float, knee_ahead: float, expected: float) -> None:
    m = side(facing, near_side, hip_ahead=hip_ahead, knee_ahead=knee_ahead)
    assert m["knee_angle"].value == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx(knee_expected(hip_ahead, knee_ahead), abs=1e-9)


def test_knee_angle_exact_value() -> None:
    # Knee 21 px behind the vertical hip-ankle line: 2 * atan(21 / 240).
    assert side(knee_ahead=-21.0)["knee_angle"].value == pytest.approx(10.0013, abs=1e-4)


@pytest.mark.parametrize(("knee_ahead", "sign"), [(-5.0, 1.0), (5.0, -1.0)])
def test_knee_angle_sign(knee_ahead: float, sign: float) -> None:
    assert math.copysign(1.0, side(knee_ahead=knee_ahead)["knee_angle"].value) == sign


# ------------------------------------------------------------------ which side is measured


@VIEWS
def test_the_far_side_does_not_change_any_measurement(facing: int, near_side: str) -> None:
    posture = {"ear_ahead": 40.0, "shoulder_ahead": 15.0, "hip_ahead": 25.0, "knee_ahead": -8.0}
    plain = side(facing, near_side, **posture)
    moved = side(facing, near_side, far_side_dx=37.0,
                 far_side_ahead={"ear": -60.0, "shoulder": 90.0, "hip": -40.0, "knee": 55.0, "ankle": 30.0},
                 **posture)
    assert values(moved) == values(plain)


def test_the_near_side_argument_selects_the_landmarks() -> None:
    xy = side_person(facing=1, near_side="right", hip_ahead=30.0,
                     far_side_ahead={"ear": 0.0, "shoulder": 0.0, "hip": -20.0, "knee": 0.0, "ankle": 0.0})
    scale = BodyScale(H)
    right = {m.id: m.value for m in measure_side_view(xy, facing=1, near_side="right", scale=scale).measurements}
    left = {m.id: m.value for m in measure_side_view(xy, facing=1, near_side="left", scale=scale).measurements}
    assert right["foot_hip_offset"] == pytest.approx(3.0)
    assert left["foot_hip_offset"] == pytest.approx(-2.0)


# ------------------------------------------------------------------ invariances

POSTURES = [
    pytest.param({}, id="upright"),
    pytest.param({"ear_ahead": 70.0, "shoulder_ahead": 20.0, "hip_ahead": 45.0, "knee_ahead": 10.0}, id="sway"),
    pytest.param({"ear_ahead": 120.0, "shoulder_ahead": 90.0, "hip_ahead": -30.0, "knee_ahead": 25.0}, id="stoop"),
    pytest.param({"ear_ahead": -15.0, "shoulder_ahead": -25.0, "hip_ahead": 5.0, "knee_ahead": -18.0}, id="back"),
]


def assert_same(first: tuple[Measurement, ...], second: tuple[Measurement, ...]) -> None:
    assert [m.id for m in first] == [m.id for m in second]
    for a, b in zip(first, second):
        assert a.unit == b.unit, a.id
        assert a.value == pytest.approx(b.value, abs=1e-9), a.id
        assert dict(a.components) == pytest.approx(dict(b.components), abs=1e-9), a.id


@pytest.mark.parametrize("posture", POSTURES)
@pytest.mark.parametrize("near_side", ["left", "right"])
def test_mirroring_the_photo_and_the_facing_changes_nothing(posture: dict[str, float], near_side: str) -> None:
    width = 1234.0
    xy = side_person(facing=1, near_side=near_side, **posture)
    mirrored = xy.copy()
    mirrored[:, 0] = width - mirrored[:, 0]
    scale = BodyScale(H)
    assert_same(measure_side_view(xy, facing=1, near_side=near_side, scale=scale).measurements,
                measure_side_view(mirrored, facing=-1, near_side=near_side, scale=scale).measurements)


@pytest.mark.parametrize("posture", POSTURES)
def test_the_builder_mirrors_exactly(posture: dict[str, float]) -> None:
    right = side_person(facing=1, ankle_x=400.0, **posture)
    left = side_person(facing=-1, near_side="right", ankle_x=600.0, **posture)
    assert np.allclose(left[:, 0], 1000.0 - right[:, 0])
    assert np.allclose(left[:, 1], right[:, 1])


@pytest.mark.parametrize("posture", POSTURES)
@pytest.mark.parametrize("k", [0.25, 0.5, 3.0, 7.5])
@pytest.mark.parametrize("height_cm", [None, 165.0])
def test_scaling_the_photo_changes_no_angle_and_no_relative_offset(
    posture: dict[str, float], k: float, height_cm: float | None
) -> None:
    xy = side_person(facing=-1, **posture)
    shift = np.array([17.0, -9.0])
    original = measure_side_view(xy, facing=-1, near_side="left", scale=BodyScale(H, height_cm)).measurements
    scaled = measure_side_view(k * xy + shift, facing=-1, near_side="left", scale=BodyScale(k * H, height_cm)).measurements
    assert_same(original, scaled)


def test_pixel_offsets_scale_with_the_body_height_given() -> None:
    xy = side_person(hip_ahead=40.0)
    at_1000 = {m.id: m.value for m in measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(1000.0)).measurements}
    at_800 = {m.id: m.value for m in measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(800.0)).measurements}
    assert at_1000["foot_hip_offset"] == pytest.approx(4.0)
    assert at_800["foot_hip_offset"] == pytest.approx(5.0)
    assert at_800["trunk_lean"] == pytest.approx(at_1000["trunk_lean"])


def test_moving_only_the_near_knee_changes_only_the_knee_measurements() -> None:
    xy = side_person()
    before = {m.id: m.value for m in measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(H)).measurements}
    move(xy, "right", ("KNEE",), dx=-10.0)
    after = {m.id: m.value for m in measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(H)).measurements}
    changed = {k for k in before if before[k] != pytest.approx(after[k], abs=1e-12)}
    assert changed == {"hip_extension", "knee_angle"}


# ------------------------------------------------------------------ the geometric helpers


@pytest.mark.parametrize(
    ("start", "end", "facing", "expected"),
    [
        ((0.0, 0.0), (0.0, -10.0), 1, 0.0),
        ((0.0, 0.0), (10.0, -10.0), 1, 45.0),
        ((0.0, 0.0), (10.0, -10.0), -1, -45.0),
        ((0.0, 0.0), (-10.0, -10.0), -1, 45.0),
        ((5.0, 5.0), (5.0 + math.sqrt(3.0), 4.0), 1, 60.0),
        ((0.0, 0.0), (10.0, 0.0), 1, 90.0),
        ((0.0, 0.0), (0.0, 10.0), 1, 180.0),
    ],
)
def test_forward_angle_from_vertical(start: tuple[float, float], end: tuple[float, float], facing: int,
                                     expected: float) -> None:
    assert forward_angle_from_vertical(np.array(start), np.array(end), facing) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("start", "joint", "end", "expected"),
    [
        ((0.0, 0.0), (0.0, 1.0), (0.0, 2.0), 0.0),
        ((0.0, 0.0), (0.0, 1.0), (1.0, 1.0), 90.0),
        ((0.0, 0.0), (0.0, 1.0), (-1.0, 1.0), 90.0),
        ((0.0, 0.0), (0.0, 1.0), (1.0, 1.0 + math.sqrt(3.0)), 30.0),
        ((0.0, 0.0), (0.0, 10.0), (0.0, 0.0 + 1e-9), 180.0),
        ((3.0, 4.0), (6.0, 8.0), (9.0, 12.0), 0.0),
    ],
)
def test_joint_bend_is_unsigned_deviation_from_straight(start: tuple[float, float], joint: tuple[float, float],
                                                         end: tuple[float, float], expected: float) -> None:
    assert joint_bend(np.array(start), np.array(joint), np.array(end)) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("knee_dx", "facing", "expected_sign"),
    [(-10.0, 1, 1.0), (10.0, 1, -1.0), (10.0, -1, 1.0), (-10.0, -1, -1.0)],
)
def test_interior_angle_deviation_sign_follows_the_facing(knee_dx: float, facing: int, expected_sign: float) -> None:
    hip, knee, ankle = np.array([100.0, 0.0]), np.array([100.0 + knee_dx, 240.0]), np.array([100.0, 480.0])
    value = interior_angle_deviation(hip, knee, ankle, facing)
    assert value == pytest.approx(expected_sign * 2.0 * atan_deg(10.0, 240.0))


def test_interior_angle_deviation_is_zero_on_the_line() -> None:
    hip, knee, ankle = np.array([130.0, 0.0]), np.array([115.0, 240.0]), np.array([100.0, 480.0])
    assert interior_angle_deviation(hip, knee, ankle, 1) == pytest.approx(0.0, abs=1e-6)
    assert interior_angle_deviation(hip, knee, ankle, -1) == pytest.approx(0.0, abs=1e-6)


# ------------------------------------------------------------------ BodyScale


@pytest.mark.parametrize(
    ("body_height_px", "height_cm", "distance_px", "expected", "unit"),
    [
        (1000.0, None, 50.0, 5.0, PERCENT_HEIGHT),
        (800.0, None, -20.0, -2.5, PERCENT_HEIGHT),
        (1000.0, 170.0, 50.0, 8.5, CM),
        (850.0, 170.0, 85.0, 17.0, CM),
        (1200.0, 180.0, -30.0, -4.5, CM),
        (1000.0, None, 0.0, 0.0, PERCENT_HEIGHT),
    ],
)
def test_body_scale_convert(body_height_px: float, height_cm: float | None, distance_px: float, expected: float,
                            unit: str) -> None:
    scale = BodyScale(body_height_px, height_cm)
    assert scale.convert(distance_px) == pytest.approx(expected)
    assert scale.unit == unit


@pytest.mark.parametrize(
    ("height_cm", "percent", "expected"),
    [(None, 3.0, 3.0), (None, -2.0, -2.0), (170.0, 3.0, 5.1), (170.0, -2.0, -3.4), (200.0, 1.5, 3.0)],
)
def test_body_scale_from_percent(height_cm: float | None, percent: float, expected: float) -> None:
    assert BodyScale(1000.0, height_cm).from_percent(percent) == pytest.approx(expected)


def test_body_scale_round_trip_of_one_percent() -> None:
    scale = BodyScale(731.0, 163.0)
    assert scale.convert(7.31) == pytest.approx(scale.from_percent(1.0))


# ------------------------------------------------------------------ front and back views


def front(back: bool, *, height_cm: float | None = None, **person: float) -> dict[str, Measurement]:
    xy = front_person(back=back, **person)
    return {m.id: m for m in measure_front_view(xy, back=back, scale=BodyScale(H, height_cm)).measurements}


def test_front_view_returns_the_spec_ids_in_order() -> None:
    """Without a mask the hip outline is not read: the landmark measures only, in the registry's order."""
    assert tuple(front(False)) == ("shoulder_height_difference", "apparent_leg_length_difference",
                                   "lateral_trunk_shift")


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_apparent_leg_length_is_left_minus_right(back: bool) -> None:
    xy = front_person(back=back)
    xy[Landmark.LEFT_ANKLE, 1] += 17.0  # the left leg reaches 17 px further down
    m = {m.id: m for m in measure_front_view(xy, back=back, scale=BodyScale(H, 170.0)).measurements}
    assert m["apparent_leg_length_difference"].value == pytest.approx(17.0 * 170.0 / H, abs=0.05)
    assert m["apparent_leg_length_difference"].proxy


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_level_centred_person_reads_zero(back: bool) -> None:
    m = front(back)
    assert m["shoulder_height_difference"].value == pytest.approx(0.0, abs=1e-12)
    assert dict(m["shoulder_height_difference"].components)["shoulder_tilt_deg"] == pytest.approx(0.0, abs=1e-12)
    assert m["lateral_trunk_shift"].value == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
@pytest.mark.parametrize(("rise", "percent"), [(20.0, 2.0), (-20.0, -2.0), (7.0, 0.7)])
def test_shoulder_height_difference_is_positive_when_the_persons_left_is_higher(
    back: bool, rise: float, percent: float
) -> None:
    m = front(back, shoulder_rise=rise)["shoulder_height_difference"]
    assert m.value == pytest.approx(percent)
    span = 2.0 * 0.115 * H
    assert dict(m.components)["shoulder_tilt_deg"] == pytest.approx(atan_deg(rise, span))


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_the_persons_left_shoulder_is_on_the_expected_image_side(back: bool) -> None:
    xy = front_person(back=back)
    left_on_image_right = bool(xy[Landmark.LEFT_SHOULDER, 0] > xy[Landmark.RIGHT_SHOULDER, 0])
    assert left_on_image_right is (not back)


def test_a_higher_image_left_shoulder_reads_oppositely_in_front_and_back_views() -> None:
    # One picture: the shoulder on the image left is 20 px higher. In a front view that is the
    # person's right (−); in a back view it is the person's left (+).
    xy = front_person(back=False)
    image_left = Landmark.RIGHT_SHOULDER  # the person's right is on the image left in a front view
    xy[image_left, 1] -= 20.0
    as_front = {m.id: m.value for m in measure_front_view(xy, back=False, scale=BodyScale(H)).measurements}
    swapped = xy.copy()  # the same picture, labelled as a back view: MediaPipe swaps the labels
    swapped[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]] = xy[[Landmark.RIGHT_SHOULDER, Landmark.LEFT_SHOULDER]]
    swapped[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP]] = xy[[Landmark.RIGHT_HIP, Landmark.LEFT_HIP]]
    as_back = {m.id: m.value for m in measure_front_view(swapped, back=True, scale=BodyScale(H)).measurements}
    assert as_front["shoulder_height_difference"] == pytest.approx(-2.0)
    assert as_back["shoulder_height_difference"] == pytest.approx(2.0)


def test_shoulder_height_difference_in_cm() -> None:
    m = front(False, shoulder_rise=30.0, height_cm=160.0)["shoulder_height_difference"]
    assert m.unit == CM
    assert m.value == pytest.approx(4.8)


def test_hip_height_does_not_enter_the_shoulder_measurement() -> None:
    m = front(False, hip_rise=25.0)
    assert m["shoulder_height_difference"].value == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
@pytest.mark.parametrize(("shift", "percent"), [(30.0, 3.0), (-30.0, -3.0), (12.5, 1.25)])
def test_lateral_trunk_shift_is_positive_towards_the_persons_left(back: bool, shift: float, percent: float) -> None:
    assert front(back, trunk_shift=shift)["lateral_trunk_shift"].value == pytest.approx(percent)


def test_lateral_trunk_shift_reads_oppositely_when_the_view_is_flipped() -> None:
    xy = front_person(back=False, trunk_shift=30.0)
    as_back = {m.id: m.value for m in measure_front_view(xy, back=True, scale=BodyScale(H)).measurements}
    assert as_back["lateral_trunk_shift"] == pytest.approx(-3.0)


def test_lateral_trunk_shift_in_cm() -> None:
    assert front(True, trunk_shift=-40.0, height_cm=175.0)["lateral_trunk_shift"].value == pytest.approx(-7.0)


@pytest.mark.parametrize("k", [0.5, 4.0])
def test_front_measurements_do_not_depend_on_the_photo_scale(k: float) -> None:
    xy = front_person(shoulder_rise=15.0, trunk_shift=-22.0)
    original = measure_front_view(xy, back=False, scale=BodyScale(H)).measurements
    scaled = measure_front_view(k * xy + 3.0, back=False, scale=BodyScale(k * H)).measurements
    assert_same(original, scaled)


def test_calibrations_apply_to_the_landmark_value_and_keep_it_as_a_component() -> None:
    from posture.knowledge.calibration import Calibrations, LinearCalibration

    calibrations = Calibrations(
        corrections={"head_forward_angle": LinearCalibration(offset=-30.0, slope=1.1),
                     "foot_hip_offset": LinearCalibration(offset=-1.0)},
        model_sha256="", fitted_on="", version="",
    )
    xy = side_person(facing=1, ear_ahead=0.0, hip_ahead=50.0)
    scale = BodyScale(H, 170.0)
    plain = {m.id: m for m in measure_side_view(xy, facing=1, near_side="right", scale=scale).measurements}
    fitted = {m.id: m for m in measure_side_view(xy, facing=1, near_side="right", scale=scale,
                                                 calibrations=calibrations).measurements}
    assert fitted["head_forward_angle"].value == pytest.approx(-30.0 + 1.1 * 90.0)
    assert dict(fitted["head_forward_angle"].components) == {"uncalibrated": pytest.approx(90.0)}
    # 50 px of 1000 is 5% of body height; the correction is in % of body height, then converted to cm.
    assert plain["foot_hip_offset"].value == pytest.approx(8.5)
    assert fitted["foot_hip_offset"].value == pytest.approx((5.0 - 1.0) * 1.7)
    assert fitted["foot_hip_offset"].landmark_value == pytest.approx(8.5)  # in cm, like the value
    assert "fitted on rendered bodies" in fitted["foot_hip_offset"].method
    assert fitted["trunk_lean"].value == plain["trunk_lean"].value  # no correction given, none applied
    assert not plain["head_forward_angle"].components


def test_the_shipped_calibrations_were_fitted_with_the_model_posture_builds() -> None:
    from posture.io.model import BUILT_BUNDLE_SHA256
    from posture.knowledge.calibration import load_calibrations

    calibrations = load_calibrations()
    assert calibrations.model_sha256 == BUILT_BUNDLE_SHA256
    outline_fits = {"pelvic_tilt", "hip_height_difference", "hip_height_difference_back",
                    "shoulder_height_difference", "shoulder_height_difference_back"}
    assert set(calibrations.corrections) == {"head_forward_angle", "head_forward_angle_changes", "trunk_lean",
                                             "hip_extension", "foot_hip_offset"} | outline_fits
    for outline_measure in outline_fits:
        assert calibrations.get(outline_measure).weights  # type: ignore[union-attr]
    assert calibrations.get("head_forward_angle").slope != 1.0  # type: ignore[union-attr]


def test_the_calibration_version_follows_the_file_content() -> None:
    from posture.knowledge.calibration import load_calibrations, parse_calibrations

    text = 'model_sha256 = "m"\nfitted_on = "f"\n[trunk_lean]\noffset = 2.0\n'
    refit = text.replace("2.0", "2.5")
    assert parse_calibrations(text).version != parse_calibrations(refit).version
    assert len(parse_calibrations(text).version) == 12
    assert load_calibrations().version == parse_calibrations(
        (Path(__file__).resolve().parents[1] / "posture" / "knowledge" / "calibration.toml").read_text("utf-8")).version
