"""Tests for posture.stages.measure.views: the whole sets of side and of front/back measurements.

Every person here comes from tests/builders.py: joints are placed by how far
they stand ahead of the vertical through the ankle, at fixed fractions of the
body height (builders.LEVELS), so each measurement has a closed-form answer.
Also: which side is measured, invariance under mirroring, scaling and moving
one joint, and calibrations applied to the landmark values.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import SIDE_MEASUREMENT_IDS, atan_deg, front_person, move, side_person
from side_views import VIEWS, H, side

from posture.core.measurement import Measurement
from posture.core.pose import Landmark
from posture.core.units import DEG as DEGREES
from posture.stages.frame import CM, PERCENT_HEIGHT, BodyScale
from posture.stages.measure.bodies import Mask
from posture.stages.measure.views import measure_front_view, measure_side_view


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


@pytest.mark.parametrize(("columns", "withheld"), [(200, False), (201, True), (None, False)],
                         ids=["two-hundred-columns", "just-wider", "a-gap-between-the-shins"])
def test_one_outline_across_both_shins_wider_than_a_fifth_of_the_height_withholds_the_legs(
        columns: int | None, withheld: bool) -> None:
    # A quarter of the way from the knees (y 770) to the ankles (y 1010) lies row 830, between the shins at x 500:
    # one run of 200 columns is 20% of the 1000 px height, 201 just over; with no outline between the shins the
    # legs stand apart.
    mask = np.zeros((1200, 1000), dtype=np.float32)
    if columns is None:
        mask[:, 400:480] = mask[:, 520:600] = 1.0
    else:
        mask[:, 400:400 + columns] = 1.0
    measured = measure_front_view(front_person(), back=False, scale=BodyScale(H), outline=Mask(mask, 1.0))
    legs = "apparent_leg_length_difference"
    assert (legs in {m.id for m in measured.measurements}) is not withheld
    assert [w.id for w in measured.withheld] == ([legs] if withheld else [])
    if withheld:
        assert measured.withheld[0].kind == "clothing"
        assert measured.withheld[0].reason.startswith("One outline 20% of the body's height wide runs across both "
                                                      "shins")
