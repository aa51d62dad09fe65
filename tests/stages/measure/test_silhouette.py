"""Tests for posture.stages.measure.silhouette: the measures read from the body outline (the back's hollow,
the pelvis, the cloth checks), on constructed masks with known answers (builders.soft_mask, builders.side_mask).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from builders import back_outline, front_outline, front_person, side_mask, side_person, soft_mask
from side_views import H

from posture.core.measurement import Measurement, Withheld
from posture.core.pose import Landmark
from posture.knowledge.calibration import Calibrations, LinearCalibration
from posture.stages.findings import detectable
from posture.stages.frame import BodyScale
from posture.stages.measure import outline
from posture.stages.measure.bodies import FrontBody, Mask, Measured, SideProfile
from posture.stages.measure.silhouette import (
    BUTTOCK_SPAN,
    ARM_NEAR,
    CLOTH_BACK_STEP,
    CLOTH_RECESSION,
    CLOTH_WAIST_DEPTH,
    CLOTH_WAIST_INSET,
    CLOTH_WAIST_WIDTH,
    CREST_WIDTH_SHARE,
    FLANKS_OVER_HIP_JOINTS,
    HIP_LEVELS,
    LUMBAR_SPAN,
    MIN_WAIST_SHARE,
    PROFILE_LEVELS,
    WAIST_SPAN,
    plumb_recession,
    shoulder_tops,
    side_cloth,
    waist_inset,
)
from posture.stages.measure.views import measure_front_view, measure_side_view
from posture.stages.witnesses import sides_agree

FEATURES_ONLY = Calibrations(corrections={"pelvic_tilt": LinearCalibration(offset=0.0, weights={"hollow_depth": 100.0})},
                             model_sha256="", fitted_on="", version="")


# ------------------------------------------------------------------ the measures


@pytest.mark.parametrize("facing", [1, -1], ids=["faces-right", "faces-left"])
def test_pelvic_tilt_reads_the_hollow_of_the_low_back(facing: int) -> None:
    xy = side_person(facing=facing, near_side="right")
    mask = side_mask(xy, facing, back_outline, front_outline)
    measured = {m.id: m for m in measure_side_view(xy, facing=facing, near_side="right", scale=BodyScale(H, 170.0),
                                                   calibrations=FEATURES_ONLY, outline=Mask(mask, 1.0)).measurements}
    tilt = measured["pelvic_tilt"]
    components = dict(tilt.components)
    # The hull touches the buttock (0.25 at the hip) and the upper back (0.22 at 0.8): at 0.3 it lies at
    # 0.25 - 0.03 * 0.3 / 0.8, 0.08875 above the hollow's 0.15.
    assert components["hollow_depth"] == pytest.approx(0.25 - 0.03 * 0.3 / 0.8 - 0.15, abs=0.004)
    assert components["buttock_prominence"] == pytest.approx(0.10, abs=0.004)
    assert tilt.value == pytest.approx(100.0 * components["hollow_depth"])
    assert tilt.unit == "deg" and tilt.proxy
    assert dict((name, (x, y)) for name, x, y in tilt.points)["lumbar"][1] == pytest.approx(
        xy[Landmark.RIGHT_HIP][1] - 0.3 * (xy[Landmark.RIGHT_HIP][1] - xy[Landmark.RIGHT_SHOULDER][1]), abs=3.0)
    belly = measured["belly_prominence"]
    # Chord from the groin (0.15 at 0) to the ribs (0.22 at 0.55); at 0.25 it stands at 0.18182: 0.11818 behind 0.30.
    assert belly.value == pytest.approx(170.0 * (0.30 - (0.15 + 0.07 * 0.25 / 0.55)) * (
        xy[Landmark.RIGHT_HIP][1] - xy[Landmark.RIGHT_SHOULDER][1]) / H, abs=0.1)
    assert belly.unit == "cm"


def test_a_deeper_hollow_reads_as_more_anterior_tilt() -> None:
    xy = side_person(facing=1, near_side="right")

    def deeper(t: float) -> float:
        return back_outline(t) - (0.03 if 0.15 < t < 0.45 else 0.0)

    def tilt(profile: Callable[[float], float]) -> float:
        mask = side_mask(xy, 1, profile, front_outline)
        (measurement,) = [m for m in measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(H),
                                                       calibrations=FEATURES_ONLY, outline=Mask(mask, 1.0)).measurements
                          if m.id == "pelvic_tilt"]
        return measurement.value

    assert tilt(deeper) > tilt(back_outline) + 2.0


def test_no_calibration_or_no_mask_means_no_pelvic_tilt() -> None:
    xy = side_person(facing=1, near_side="right")
    mask = Mask(side_mask(xy, 1, back_outline, front_outline), 1.0)
    without_fit = {m.id for m in measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(H), outline=mask).measurements}
    without_mask = {m.id for m in measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(H),
                                                    calibrations=FEATURES_ONLY).measurements}
    assert "pelvic_tilt" not in without_fit and "belly_prominence" in without_fit
    assert "pelvic_tilt" not in without_mask and "belly_prominence" not in without_mask


def test_the_spans_do_not_overlap() -> None:
    assert BUTTOCK_SPAN[1] <= LUMBAR_SPAN[0]


FLANK = 0.28
"""Half the waist's width in trunk lengths, as on the rendered bodies (a much wider waist reads as loose cloth)."""


def _hip_mask(xy: np.ndarray, left_peak: float, right_peak: float, back: bool,
              arms_gap: float | None = 0.05, flank_width: float = FLANK) -> np.ndarray:
    """A pelvis whose flanks are widest ``left_peak`` / ``right_peak`` trunk lengths above the mid-hip point."""
    mid = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2.0
    length = float(mid[1] - (xy[Landmark.LEFT_SHOULDER][1] + xy[Landmark.RIGHT_SHOULDER][1]) / 2.0)

    def flank(y: float, peak: float) -> float:
        t = (float(mid[1]) - y) / length
        return (flank_width + 0.12 * math.exp(-((t - peak) / 0.09) ** 2)) * length

    persons_left_is_image_right = not back
    image_right_peak = left_peak if persons_left_is_image_right else right_peak
    image_left_peak = right_peak if persons_left_is_image_right else left_peak
    pelvis = soft_mask(lambda y: mid[0] - flank(y, image_left_peak), lambda y: mid[0] + flank(y, image_right_peak))
    if arms_gap is None:
        return pelvis
    # Arms hanging beside the hips, ``arms_gap`` trunk lengths clear of the widest flank (0: resting on it).
    reach = (flank_width + 0.12 + arms_gap) * length
    arms = [soft_mask(lambda y: mid[0] + reach, lambda y: mid[0] + reach + 0.15 * length),
            soft_mask(lambda y: mid[0] - reach - 0.15 * length, lambda y: mid[0] - reach)]
    return np.maximum(pelvis, np.maximum(*arms))


def _only(feature: str) -> Calibrations:
    return Calibrations(corrections={"hip_height_difference": LinearCalibration(offset=0.0, weights={feature: 1.0})},
                        model_sha256="", fitted_on="", version="")


def _trunk_length(xy: np.ndarray) -> float:
    mid_y = (xy[Landmark.LEFT_HIP][1] + xy[Landmark.RIGHT_HIP][1]) / 2.0
    return float(mid_y - (xy[Landmark.LEFT_SHOULDER][1] + xy[Landmark.RIGHT_SHOULDER][1]) / 2.0)


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_a_higher_left_flank_reads_as_a_positive_shift(back: bool) -> None:
    xy = front_person(back=back)
    mask = Mask(_hip_mask(xy, -0.10 + 0.02, -0.10 - 0.02, back), 1.0)
    measured = {m.id: m for m in measure_front_view(xy, back=back, scale=BodyScale(H), calibrations=_only(
        "outline_shift"), outline=mask).measurements}
    hips = measured["hip_height_difference"]
    # The left flank sits 0.04 trunk lengths higher: that many pixels, in % of a 1000 px body.
    assert hips.value == pytest.approx(100.0 * 0.04 * _trunk_length(xy) / H, abs=0.03)
    # Over the crests' span: 0.7 of the flanks' widest span, 2 x (FLANK + 0.12) trunk lengths.
    expected = math.degrees(math.atan2(0.04, 0.7 * 2 * (FLANK + 0.12)))
    assert dict(hips.components)["pelvic_obliquity_deg"] == pytest.approx(expected, abs=0.3)


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_a_narrower_left_waist_reads_positive(back: bool) -> None:
    """A hip drawn up narrows the waist above it: here the left waist is 0.05 trunk lengths narrower.

    Both flanks widen to the hips below the waist, as a body's do (flanks straight from chest to hips read as cloth).
    """
    xy = front_person(back=back)
    mid = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2.0
    length = _trunk_length(xy)
    left_to_image_right = not back

    def flank(y: float, narrower: float) -> float:
        t = (float(mid[1]) - y) / length
        hips = 0.12 * math.exp(-((t + 0.1) / 0.09) ** 2)
        return (FLANK - (narrower if 0.1 < t < 0.5 else 0.0) + hips) * length

    image_right, image_left = (0.05, 0.0) if left_to_image_right else (0.0, 0.05)
    pelvis = soft_mask(lambda y: mid[0] - flank(y, image_left), lambda y: mid[0] + flank(y, image_right))
    arms = [soft_mask(lambda y: mid[0] + (FLANK + 0.2) * length, lambda y: mid[0] + (FLANK + 0.35) * length),
            soft_mask(lambda y: mid[0] - (FLANK + 0.35) * length, lambda y: mid[0] - (FLANK + 0.2) * length)]
    mask = Mask(np.maximum(pelvis, np.maximum(*arms)), 1.0)
    (hips,) = [m for m in measure_front_view(xy, back=back, scale=BodyScale(H), calibrations=_only("waist_difference"),
                                             outline=mask).measurements if m.id == "hip_height_difference"]
    assert hips.value == pytest.approx(100.0 * 0.05 * length / H, abs=0.02)


def _hips_read(back: bool, hip_rise: float, weights: dict[str, float]) -> Measurement:
    """The hip height of a person whose left flank sits 0.04 trunk lengths higher and whose left hip landmark
    ``hip_rise`` pixels higher, estimated with these calibration ``weights``."""
    xy = front_person(back=back, hip_rise=hip_rise)
    mask = Mask(_hip_mask(xy, -0.10 + 0.02, -0.10 - 0.02, back), 1.0)
    fit = Calibrations(corrections={"hip_height_difference": LinearCalibration(offset=0.0, weights=weights)},
                       model_sha256="", fitted_on="", version="")
    (hips,) = [m for m in measure_front_view(xy, back=back, scale=BodyScale(H), calibrations=fit,
                                             outline=mask).measurements if m.id == "hip_height_difference"]
    return hips


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
@pytest.mark.parametrize("hip_rise", [10.0, -10.0], ids=["left-higher", "right-higher"])
def test_the_hip_landmarks_read_plus_for_a_higher_left_hip(back: bool, hip_rise: float) -> None:
    """The landmark half of the hip reading: + when the person's left hip landmark is higher, in % of height."""
    components = dict(_hips_read(back, hip_rise, {"landmark_difference": 1.0}).components)
    assert components["landmark_difference"] == pytest.approx(100.0 * hip_rise / H)


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_the_outline_estimate_leaves_the_landmarks_out(back: bool) -> None:
    """The outline's own witness of the side is the calibrated estimate without the landmark term."""
    hips = _hips_read(back, -10.0, {"outline_shift": 3.0, "landmark_difference": 1.0})
    components = dict(hips.components)
    assert components["outline_shift"] == pytest.approx(100.0 * 0.04 * _trunk_length(front_person()) / H, abs=0.03)
    assert components["outline_estimate"] == pytest.approx(3.0 * components["outline_shift"])
    assert hips.value == pytest.approx(components["outline_estimate"] + components["landmark_difference"])


@pytest.mark.parametrize("hip_rise", [10.0, -10.0], ids=["landmarks-agree", "landmarks-disagree"])
def test_the_side_is_kept_only_when_the_flanks_and_the_hip_landmarks_both_point_to_it(hip_rise: float) -> None:
    """From the measure to its witnesses: a higher left flank and a higher left hip landmark keep the side; the
    same flank with the right hip landmark higher withholds it, naming each witness's side."""
    hips = _hips_read(False, hip_rise, {"outline_shift": 3.0, "landmark_difference": 1.0})
    assert detectable(hips, BodyScale(H)) is True
    kept, withheld = sides_agree((hips,), BodyScale(H))
    if hip_rise > 0:
        assert kept == (hips,) and withheld == ()
    else:
        (item,) = withheld
        assert kept == () and item.kind == "sides"
        assert "flanks points to the person's left, the hip landmarks to the person's right" in item.reason


def test_level_hips_read_zero_in_every_feature() -> None:
    xy = front_person()
    mask = Mask(_hip_mask(xy, -0.1, -0.1, False), 1.0)
    weights = {"waist_difference": 1.0, "outline_shift": 1.0, "landmark_difference": 1.0}
    fit = Calibrations(corrections={"hip_height_difference": LinearCalibration(offset=0.0, weights=weights)},
                       model_sha256="", fitted_on="", version="")
    (hips,) = [m for m in measure_front_view(xy, back=False, scale=BodyScale(H), calibrations=fit, outline=mask).measurements
               if m.id == "hip_height_difference"]
    for name in weights:
        assert dict(hips.components)[name] == pytest.approx(0.0, abs=0.02), name


def test_measurements_keep_their_outline_points_in_the_json() -> None:
    from posture.render.json import _measurement

    entry = _measurement(Measurement("belly_prominence", 1.0, "cm", "m", (), points=(("belly", 10.04, 20.06),)))
    assert entry["points"] == {"belly": [10.0, 20.1]}


def test_arms_resting_on_the_hips_withhold_the_hip_height() -> None:
    """With no gap between arm and hip the outline there is the arm's: no hip height rather than a wrong one."""
    xy = front_person()
    fit = Calibrations(corrections={"hip_height_difference": LinearCalibration(offset=0.0,
                                                                               weights={"outline_shift": 1.0})},
                       model_sha256="", fitted_on="", version="")

    def measured(arms_gap: float | None) -> set[str]:
        mask = Mask(_hip_mask(xy, -0.08, -0.12, False, arms_gap=arms_gap), 1.0)
        return {m.id for m in measure_front_view(xy, back=False, scale=BodyScale(H), calibrations=fit, outline=mask).measurements}

    assert "hip_height_difference" in measured(0.05)
    assert "hip_height_difference" not in measured(-0.15)  # the arms overlap the flanks all along


# ------------------------------------------------------------------ arms resting at the sides
WAIST_ONLY = Calibrations(corrections={
    "hip_height_difference": LinearCalibration(offset=0.0, weights={"outline_shift": 1.0}),
    "hip_height_difference_waist": LinearCalibration(offset=0.0, weights={"narrowest_waist_difference": 1.0})},
    model_sha256="", fitted_on="", version="")


def _resting_arms_mask(xy: np.ndarray, back: bool, arms: dict[str, str], *, narrower_left: float = 0.0,
                       seam_top: float = WAIST_SPAN[1]) -> np.ndarray:
    """A pelvis whose left waist is ``narrower_left`` trunk lengths narrower, and an arm beside each flank.

    ``arms`` gives each of the person's sides: "clear" (a gap between arm and flank), "seam" (the arm rests
    along the flank, and the probability sinks to 0.7 along the seam between them from the bottom of the
    waist up to ``seam_top`` trunk lengths above the hips) or "fused" (the arm rests along it with no seam).
    """
    mid = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2.0
    length = _trunk_length(xy)

    def level(y: float) -> float:
        return (float(mid[1]) - y) / length

    def flank(y: float, side: str) -> float:
        t = level(y)
        narrower = narrower_left if side == "left" and 0.1 < t < 0.5 else 0.0
        return (FLANK - narrower + 0.12 * math.exp(-((t + 0.1) / 0.09) ** 2)) * length

    to_left = -1.0 if back else 1.0  # image-x direction of the person's left
    image_side = {"left": to_left, "right": -to_left}
    right_side = "left" if to_left > 0 else "right"
    left_side = "right" if right_side == "left" else "left"
    mask = soft_mask(lambda y: mid[0] - flank(y, left_side), lambda y: mid[0] + flank(y, right_side))
    for side, state in arms.items():
        sign = image_side[side]
        if state == "clear":
            inner, outer = (lambda y: (FLANK + 0.2) * length), (lambda y: (FLANK + 0.35) * length)
        else:  # resting: overlapping the flank by 0.03 trunk lengths, more than a soft edge's width
            inner = (lambda y, side=side: flank(y, side) - 0.03 * length)
            outer = (lambda y, side=side: flank(y, side) + 0.15 * length)
        if sign > 0:
            arm = soft_mask(lambda y, inner=inner: mid[0] + inner(y), lambda y, outer=outer: mid[0] + outer(y))
        else:
            arm = soft_mask(lambda y, outer=outer: mid[0] - outer(y), lambda y, inner=inner: mid[0] - inner(y))
        mask = np.maximum(mask, arm)
        if state == "seam":
            x = np.arange(mask.shape[1]) + 0.5
            for row in range(mask.shape[0]):
                y = row + 0.5
                if WAIST_SPAN[0] - 0.005 <= level(y) <= seam_top + 0.005:
                    seam_x = mid[0] + sign * (flank(y, side) - 0.015 * length)
                    mask[row] *= 1.0 - 0.3 * np.exp(-(((x - seam_x) / 2.0) ** 2))
    return mask


def _hips(xy: np.ndarray, back: bool, mask: np.ndarray) -> Measurement | Withheld:
    measured = measure_front_view(xy, back=back, scale=BodyScale(H), calibrations=WAIST_ONLY, outline=Mask(mask, 1.0))
    found = [m for m in (*measured.measurements, *measured.withheld) if m.id == "hip_height_difference"]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_with_the_arms_resting_at_the_sides_the_waist_gives_the_hip_height(back: bool) -> None:
    """The seams between arms and flanks stand in for the flanks: the left waist, 0.05 trunk lengths narrower,
    reads as its own calibration weighs it, with no outline shift (the hips themselves are hidden)."""
    xy = front_person(back=back)
    hips = _hips(xy, back, _resting_arms_mask(xy, back, {"left": "seam", "right": "seam"}, narrower_left=0.05))
    assert isinstance(hips, Measurement)
    length = _trunk_length(xy)
    assert hips.value == pytest.approx(100.0 * 0.05 * length / H, abs=0.03)
    components = dict(hips.components)
    assert "outline_shift" not in components and "waist alone" in hips.method
    # The outline's own witness of the side, for the two-witness check (posture.stages.witnesses).
    assert components["outline_estimate"] == pytest.approx(hips.value, abs=1e-9)
    # The obliquity over the crests' span, taken from the hip landmarks' span (120 px) where the hands hide the hips.
    expected = math.degrees(math.atan2(0.05 * length, CREST_WIDTH_SHARE * FLANKS_OVER_HIP_JOINTS * 120.0))
    assert components["pelvic_obliquity_deg"] == pytest.approx(expected, abs=0.3)


def test_the_waist_must_show_its_share_on_each_side() -> None:
    xy = front_person()
    waist = WAIST_SPAN[1] - WAIST_SPAN[0]

    def hips(share: float) -> Measurement | Withheld:
        top = WAIST_SPAN[0] + share * waist
        return _hips(xy, False, _resting_arms_mask(xy, False, {"left": "seam", "right": "seam"}, seam_top=top))

    assert isinstance(hips(MIN_WAIST_SHARE + 0.05), Measurement)
    assert isinstance(hips(MIN_WAIST_SHARE - 0.05), Withheld)


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_an_arm_hiding_the_waist_is_named_with_the_fix(back: bool) -> None:
    xy = front_person(back=back)
    left_only = _hips(xy, back, _resting_arms_mask(xy, back, {"left": "fused", "right": "clear"}))
    assert isinstance(left_only, Withheld) and left_only.kind == "pose"
    assert left_only.reason == ("In this photo the left arm rests against the body from the elbow down to the "
                                "wrist, hiding the outline of the waist and hip: stand with both arms a hand's width "
                                "away from the body.")
    both = _hips(xy, back, _resting_arms_mask(xy, back, {"left": "fused", "right": "fused"}))
    assert isinstance(both, Withheld) and "In this photo both arms rest against the body from the elbow" in both.reason


def test_an_arm_touching_neither_at_the_elbow_nor_at_the_wrist_is_said_to_rest_from_waist_to_hip() -> None:
    """The elbow above the flank read and the wrist well below the fingertips' level: the unread stretch of
    flank reaches neither (ARM_NEAR)."""
    xy = front_person()
    length = _trunk_length(xy)
    mid_y = float(xy[Landmark.LEFT_HIP][1] + xy[Landmark.RIGHT_HIP][1]) / 2.0
    fingertips = (mid_y - float(xy[Landmark.LEFT_INDEX][1])) / length
    mask = _resting_arms_mask(xy, False, {"left": "fused", "right": "clear"})

    def reason(elbow: float, wrist: float) -> str:
        moved = xy.copy()
        moved[Landmark.LEFT_ELBOW, 1] = mid_y - elbow * length
        moved[Landmark.LEFT_WRIST, 1] = mid_y - wrist * length
        hips = _hips(moved, False, mask)
        assert isinstance(hips, Withheld)
        return hips.reason

    top, bottom = float(HIP_LEVELS[-1]), fingertips - ARM_NEAR
    assert "the left arm rests against the body from the waist down to the hip," in reason(
        top + ARM_NEAR + 0.02, bottom - 0.02)
    assert "the left arm rests against the body from the elbow down to the wrist," in reason(
        top + ARM_NEAR - 0.02, bottom + 0.02)


def test_without_the_waist_calibration_resting_arms_withhold_the_hip_height() -> None:
    xy = front_person()
    mask = _resting_arms_mask(xy, False, {"left": "seam", "right": "seam"})
    only_whole = Calibrations(corrections={"hip_height_difference": WAIST_ONLY.corrections["hip_height_difference"]},
                              model_sha256="", fitted_on="", version="")
    measured = measure_front_view(xy, back=False, scale=BodyScale(H), calibrations=only_whole, outline=Mask(mask, 1.0))
    (withheld,) = [w for w in measured.withheld if w.id == "hip_height_difference"]
    assert "both arms rest against the body" in withheld.reason


# ------------------------------------------------------------------ loose clothing


def _hanging_back(t: float) -> float:
    """A loose top's back: it hangs plumb from the shoulder blades (0.25) over the lumbar hollow to its hem at
    the hip, where it stands 0.06 off the buttock below it."""
    return 0.19 if t < 0.0 else 0.25


def _side_ids_and_notes(back: Callable[[float], float], front: Callable[[float], float]) -> tuple[set[str], tuple[Withheld, ...]]:
    xy = side_person(facing=1, near_side="right")
    measured = measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(H), calibrations=FEATURES_ONLY,
                                 outline=Mask(side_mask(xy, 1, back, front), 1.0))
    return {m.id for m in measured.measurements}, measured.withheld


def test_a_body_like_side_outline_is_measured_without_a_note() -> None:
    ids, notes = _side_ids_and_notes(back_outline, front_outline)
    assert {"pelvic_tilt", "belly_prominence"} <= ids
    assert notes == ()


def test_a_trunk_too_deep_for_a_body_reads_as_cloth() -> None:
    """A shirt hanging from chest and shoulder blades: 0.30 + 0.30 trunk lengths deep at the waist."""
    ids, notes = _side_ids_and_notes(lambda t: 0.30, lambda t: 0.30)
    assert "pelvic_tilt" not in ids and "belly_prominence" not in ids
    assert [note.id for note in notes] == ["pelvic_tilt", "belly_prominence"]
    assert all(note.kind == "clothing" and "loose clothing" in note.reason and "0.60" in note.reason
               for note in notes)


def test_a_hem_standing_off_the_body_reads_as_cloth() -> None:
    """Only as deep as the body-like outline at the waist, but with a 0.06 step in the back outline at the hem."""
    ids, notes = _side_ids_and_notes(_hanging_back, front_outline)
    assert "pelvic_tilt" not in ids
    assert {note.id for note in notes} == {"pelvic_tilt", "belly_prominence"} and all("hem" in note.reason for note in notes)


@pytest.mark.parametrize("facing", [1, -1], ids=["faces-right", "faces-left"])
def test_outlines_hanging_plumb_from_chest_and_shoulder_blades_read_as_cloth(facing: int) -> None:
    """A body's depth at the waist and no hem step, but the back hangs from the upper back over the lumbar hollow
    and the front from the belly: neither outline draws in on the way down, as a loose top's does not."""
    xy = side_person(facing=facing, near_side="right")

    def measured(back: Callable[[float], float], front: Callable[[float], float]) -> Measured:
        return measure_side_view(xy, facing=facing, near_side="right", scale=BodyScale(H), calibrations=FEATURES_ONLY,
                                 outline=Mask(side_mask(xy, facing, back, front), 1.0))

    hanging = measured(lambda t: max(back_outline(t), 0.22), lambda t: 0.30 if 0.0 <= t < 0.25 else front_outline(t))
    assert not {"pelvic_tilt", "belly_prominence"} & {m.id for m in hanging.measurements}
    assert [note.id for note in hanging.withheld] == ["pelvic_tilt", "belly_prominence"]
    assert all("hang plumb" in note.reason for note in hanging.withheld)
    assert measured(back_outline, front_outline).withheld == ()  # the body draws in by 0.07 behind


def test_the_cloth_limits_sit_above_what_bodies_showed() -> None:
    # The largest values of 350 close-fitting side renders and 280 front/back ones (bench/ACCURACY.md, "Looser clothing").
    assert CLOTH_WAIST_DEPTH > 0.53 and CLOTH_BACK_STEP > 0.024 and CLOTH_WAIST_WIDTH > 1.07
    # Recession is the other way round: bodies drew in by 0.058 at least, loose T-shirts by 0.034 at most.
    assert 0.034 < CLOTH_RECESSION < 0.058
    # So is the waist inset: close-fitting flanks drew in by 0.091 at least, loose T-shirts on lean bodies by 0.066.
    assert 0.066 < CLOTH_WAIST_INSET < 0.091


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_flanks_wider_than_a_body_withhold_the_hip_height(back: bool) -> None:
    xy = front_person(back=back)

    def measured(flank_width: float) -> Measured:
        mask = Mask(_hip_mask(xy, -0.1, -0.1, back, flank_width=flank_width), 1.0)
        return measure_front_view(xy, back=back, scale=BodyScale(H), calibrations=_only("outline_shift"),
                                  outline=mask)

    body_like, cloth_like = measured(FLANK), measured(0.45)
    assert "hip_height_difference" in {m.id for m in body_like.measurements} and body_like.withheld == ()
    assert "hip_height_difference" not in {m.id for m in cloth_like.measurements}
    note = cloth_like.withheld[0]
    assert note.id == "hip_height_difference" and note.kind == "clothing" and "wider than a body" in note.reason
    assert [w.id for w in cloth_like.withheld[1:]] == ["apparent_leg_length_difference"]


def test_the_waist_inset_of_a_flank() -> None:
    levels = HIP_LEVELS
    # 0.30 below the armpits, 0.25 at the waist, 0.40 at the hips: in by 0.05, out again by 0.15.
    body = np.where(levels < 0.05, 0.40, np.where(levels > 0.5, 0.30, 0.25))
    assert waist_inset(levels, body) == pytest.approx(0.20)
    assert waist_inset(levels, np.full(levels.shape, 0.33)) == pytest.approx(0.0)  # hanging straight
    assert math.isnan(waist_inset(levels, np.where(levels > 0.45, np.nan, body)))  # nothing read below the armpits


def _shirt_mask(xy: np.ndarray, back: bool, waist: float) -> np.ndarray:
    """Flanks ``waist`` trunk lengths out from the mid-line between the hip joints and the armpits, 0.32 above
    (the chest); below the hip joints the person's left flank is 0.34 out, the right 0.36 (shorts), and the arms
    hang clear beyond."""
    mid = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2.0
    length = _trunk_length(xy)

    def flank(y: float, hips: float) -> float:
        t = (float(mid[1]) - y) / length
        return (hips if t < 0.0 else 0.32 if t > 0.5 else waist) * length

    image_right, image_left = (0.34, 0.36) if not back else (0.36, 0.34)
    person = soft_mask(lambda y: mid[0] - flank(y, image_left), lambda y: mid[0] + flank(y, image_right))
    arms = [soft_mask(lambda y: mid[0] + 0.42 * length, lambda y: mid[0] + 0.57 * length),
            soft_mask(lambda y: mid[0] - 0.57 * length, lambda y: mid[0] - 0.42 * length)]
    mask = np.maximum(person, np.maximum(*arms))
    # Below the knees the legs stand apart, as shorts show them.
    knees = float(xy[Landmark.LEFT_KNEE][1] + xy[Landmark.RIGHT_KNEE][1]) / 2.0
    mask[int(knees):, int(mid[0] - 0.05 * length):int(mid[0] + 0.05 * length)] = 0.0
    return mask


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_flanks_hanging_straight_from_chest_to_hips_withhold_the_hip_height(back: bool) -> None:
    """A loose top hangs plumb from the chest (0.32) to its hem at the hip joints, over shorts 0.34 and 0.36 out:
    the flanks draw in at the waist by 0.02 and 0.04, 0.030 on average. A body's waist 0.26 out draws in by 0.14."""
    xy = front_person(back=back)

    def measured(waist: float) -> Measured:
        return measure_front_view(xy, back=back, scale=BodyScale(H), calibrations=_only("outline_shift"),
                                  outline=Mask(_shirt_mask(xy, back, waist), 1.0))

    shirt, body = measured(0.32), measured(0.26)
    assert not {"hip_height_difference", "apparent_leg_length_difference"} & {m.id for m in shirt.measurements}
    hips, legs = shirt.withheld
    assert hips.id == "hip_height_difference" and "hang almost straight" in hips.reason and "by 0.030 " in hips.reason
    # The cloth that hides the flanks hides where the legs begin: their length is withheld with the hips.
    assert (legs.id, legs.kind) == ("apparent_leg_length_difference", "clothing") and "hip landmarks" in legs.reason
    assert {"hip_height_difference", "apparent_leg_length_difference"} <= {m.id for m in body.measurements}
    assert body.withheld == ()


def test_a_back_view_uses_its_own_calibration_where_there_is_one() -> None:
    from posture.stages.measure.bodies import FrontBody

    generic, behind = LinearCalibration(offset=1.0), LinearCalibration(offset=2.0)
    both = Calibrations(corrections={"hip_height_difference": generic, "hip_height_difference_back": behind},
                        model_sha256="", fitted_on="", version="")
    only_generic = Calibrations(corrections={"hip_height_difference": generic}, model_sha256="", fitted_on="",
                                version="")
    xy = front_person()

    def chosen(back: bool, calibrations: Calibrations) -> LinearCalibration | None:
        return FrontBody(xy=xy, back=back, scale=BodyScale(H), calibrations=calibrations).correction(
            "hip_height_difference")

    assert chosen(True, both) is behind
    assert chosen(False, both) is generic
    assert chosen(True, only_generic) is generic


# ------------------------------------------------------------------ the tops of the shoulders


def _shoulders_mask(xy: np.ndarray, left_top: float, right_top: float, *, right_width: float = 120.0) -> np.ndarray:
    """A trunk below the shoulder line, a neck, and over each shoulder a block whose top lies ``left_top`` /
    ``right_top`` pixels above the shoulder landmarks (the right block ``right_width`` pixels wide)."""
    mask = np.zeros((1100, 1000), np.float32)
    line = int(xy[Landmark.LEFT_SHOULDER][1])
    middle = int((xy[Landmark.LEFT_SHOULDER][0] + xy[Landmark.RIGHT_SHOULDER][0]) / 2)
    mask[line:300, 340:660] = 1.0  # the trunk's outline ends 70 px below the shoulder line
    mask[100:300, middle - 30:middle + 30] = 1.0
    for name, top, width in (("LEFT", left_top, 120.0), ("RIGHT", right_top, right_width)):
        x = xy[Landmark[f"{name}_SHOULDER"]][0]
        outward = 1 if x > middle else -1
        near, far = sorted((x - outward * 60, x - outward * 60 + outward * width))
        mask[line - int(top):300, int(near):int(far)] = 1.0
    return mask


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_the_tops_of_the_shoulders_are_read_above_the_shoulder_line(back: bool) -> None:
    xy = front_person(back=back)
    body = FrontBody(xy, back, BodyScale(H), outline=Mask(_shoulders_mask(xy, 20.0, 12.0), 1.0))
    tops = shoulder_tops(body)
    assert tops is not None and set(tops) == {"left", "right"}
    assert tops["left"].shape == (11,)
    np.testing.assert_allclose(tops["left"], 20.0, atol=0.01)
    np.testing.assert_allclose(tops["right"], 12.0, atol=0.01)


def test_shoulder_tops_read_on_too_few_rays_or_without_a_span_give_nothing() -> None:
    xy = front_person()
    # The right shoulder ends 413 px from the image's left edge: its rays from 0.55 to 0.75 of the half span
    # find its top, the others nothing (five of eleven, under 60%).
    cut = _shoulders_mask(xy, 20.0, 12.0, right_width=32.0)
    cut[:, :413] = 0.0
    narrow = FrontBody(xy, False, BodyScale(H), outline=Mask(cut, 1.0))
    assert shoulder_tops(narrow) is None
    together = xy.copy()
    together[Landmark.LEFT_SHOULDER, 0] = together[Landmark.RIGHT_SHOULDER, 0] = 500.0
    assert shoulder_tops(FrontBody(together, False, BodyScale(H), outline=Mask(_shoulders_mask(xy, 20.0, 12.0),
                                                                                1.0))) is None
    assert shoulder_tops(FrontBody(xy, False, BodyScale(H))) is None
    # A top beyond 0.6 trunk lengths of the rays' start (24 px below the line) is out of their reach.
    high = FrontBody(xy, False, BodyScale(H), outline=Mask(_shoulders_mask(xy, 200.0, 12.0), 1.0))
    assert shoulder_tops(high) is None


# ------------------------------------------------------------------ cloth, read from a side outline given level by level


def _profile(back: dict[float, float] | None = None, front: dict[float, float] | None = None, *, facing: int = 1,
             base_back: float = 0.0, base_front: float = 0.2) -> SideProfile:
    """A side outline (trunk lengths behind and ahead of the axis) constant but at the levels given, NaN where
    a value is NaN; a trunk 300 px long standing upright."""
    levels = PROFILE_LEVELS
    back_values, front_values = np.full(levels.size, base_back), np.full(levels.size, base_front)
    for values, changes in ((back_values, back or {}), (front_values, front or {})):
        for level, value in changes.items():
            values[np.flatnonzero(np.isclose(levels, level))] = value
    frame = outline.trunk_frame(np.array([500.0, 530.0]), np.array([500.0, 230.0]), facing)
    return SideProfile(levels=levels, back=back_values, front=front_values, frame=frame)


def _levels(low: float, high: float) -> list[float]:
    return [float(level) for level in PROFILE_LEVELS if low - 1e-9 <= level <= high + 1e-9]


@pytest.mark.parametrize("facing", [1, -1], ids=["faces-right", "faces-left"])
@pytest.mark.parametrize(("behind", "level"), [(True, 0.80), (False, 0.80), (True, 0.15), (False, 0.15)])
def test_an_outline_drawing_in_at_either_end_of_the_span_recedes(facing: int, behind: bool, level: float) -> None:
    """0.1 trunk lengths further out at the span's top (0.80) than below it, or further in at its bottom (0.15)."""
    base = 0.1 if behind else 0.2
    step = {level: base + (0.1 if level == 0.80 else -0.1)}
    profile = _profile(back=step, base_back=base) if behind else _profile(front=step, base_front=base)
    assert plumb_recession(profile, behind) == pytest.approx(0.1)
    assert plumb_recession(profile, not behind) == 0.0


def test_two_outline_points_are_enough_for_a_recession() -> None:
    gaps = {level: math.nan for level in _levels(0.16, 0.79)}
    assert plumb_recession(_profile(front={**gaps, 0.80: 0.3}), False) == pytest.approx(0.1)
    assert math.isnan(plumb_recession(_profile(front={**gaps, 0.80: math.nan}), False))


def test_a_body_whose_back_or_front_draws_in_is_not_cloth_and_plumb_outlines_are() -> None:
    assert side_cloth(_profile(front={0.80: 0.3})) is None
    assert side_cloth(_profile(back={0.80: 0.2}, base_back=0.1)) is None
    plumb = side_cloth(_profile())
    assert plumb == ("the back and front of the trunk hang plumb from the chest to the waist, as cloth does: together "
                     "they draw in by 0.000 trunk lengths, a body by more than 0.045")


@pytest.mark.parametrize("level", [0.20, 0.50], ids=["waist-bottom", "waist-top"])
def test_the_waist_depth_is_read_over_its_span_its_ends_included(level: float) -> None:
    only_there = {other: math.nan for other in _levels(0.20, 0.50) if other != level}
    profile = _profile(back={**only_there, level: 0.35}, front={**only_there, 0.80: 0.3, level: 0.25})
    assert side_cloth(profile) == ("the trunk is 0.60 trunk lengths deep at the waist, more than a body in "
                                   "close-fitting clothes")


def test_a_waist_exactly_as_deep_as_the_limit_is_a_body() -> None:
    only = {other: math.nan for other in _levels(0.21, 0.50)}
    assert side_cloth(_profile(back=only, front={**only, 0.80: 0.37}, base_back=0.27, base_front=0.27)) is None
    # Deep outside the waist's span (the chest) is no sign.
    assert side_cloth(_profile(back={0.70: 0.3}, front={0.70: 0.3, 0.80: 0.3})) is None


@pytest.mark.parametrize(("low", "high"), [(-0.30, -0.29), (0.59, 0.60)], ids=["span-bottom", "span-top"])
def test_a_hem_stepping_out_at_either_end_of_the_steps_span_is_cloth(low: float, high: float) -> None:
    profile = _profile(back={low if low < 0 else high: 0.05}, front={0.80: 0.3})
    assert side_cloth(profile) == "the back outline steps out as a garment's hem does"


def test_a_step_of_exactly_the_limit_is_no_hem() -> None:
    assert side_cloth(_profile(back={0.0: 0.03}, front={0.80: 0.3})) is None
# ------------------------------------------------------------------ an outline that cannot be read


def test_a_side_outline_missing_the_trunk_withholds_the_outline_measures_with_that_reason() -> None:
    xy = side_person(facing=1, near_side="right")
    mask = side_mask(xy, 1, back_outline, front_outline)
    shoulder_row, hip_row = int(xy[Landmark.RIGHT_SHOULDER][1]), int(xy[Landmark.RIGHT_HIP][1])
    mask[shoulder_row:hip_row] = 0.0  # the trunk blends into the background: its outline is not there to follow
    measured = measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(H), calibrations=FEATURES_ONLY,
                                 outline=Mask(mask, 1.0))
    assert {(w.id, w.kind) for w in measured.withheld} == {("pelvic_tilt", "outline"), ("belly_prominence", "outline")}
    assert all("most of the trunk" in w.reason for w in measured.withheld)


def test_without_any_outline_the_outline_measures_are_simply_not_measured() -> None:
    xy = side_person(facing=1, near_side="right")
    measured = measure_side_view(xy, facing=1, near_side="right", scale=BodyScale(H), calibrations=FEATURES_ONLY)
    assert measured.withheld == () and not {"pelvic_tilt", "belly_prominence"} & {m.id for m in measured.measurements}


@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_the_hip_height_carries_its_unit_landmarks_and_the_waist_points_on_each_side(back: bool) -> None:
    """Each waist point is drawn on its own side of the mid-hip, at the waist's middle level (0.3 trunk lengths
    up); the obliquity is the height over the crests' span."""
    hips = _hips_read(back, 10.0, {"outline_shift": 1.0, "landmark_difference": 1.0})
    xy = front_person(back=back, hip_rise=10.0)
    mid = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2.0
    assert (hips.unit, hips.proxy) == (BodyScale(H).unit, True)
    assert hips.landmarks == ("left_hip", "right_hip")
    (left, lx, ly), (right, rx, ry) = hips.points
    assert (left, right) == ("left_waist", "right_waist")
    persons_left = -1.0 if back else 1.0
    assert persons_left * (lx - mid[0]) > 0.2 * _trunk_length(xy) and persons_left * (mid[0] - rx) > 0.2 * _trunk_length(xy)
    assert ly == pytest.approx(mid[1] - 0.3 * _trunk_length(xy), abs=1.0) and ry == pytest.approx(ly, abs=1.0)
