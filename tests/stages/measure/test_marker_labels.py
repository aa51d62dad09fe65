"""Tests for posture.stages.measure.marker_labels: constructed marker sets named by anatomy, each rule just inside
and just outside its limit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from builders import front_pose, side_pose

from posture.core.pose import Landmark, midpoint
from posture.stages.gate import Verdict
from posture.stages.measure.marker_labels import (
    CREST_BELOW,
    CREST_BOUNDARY,
    MIDLINE,
    ORDER_GAP,
    SPREAD,
    Marker,
    MarkerProblem,
    label_markers,
)

EPSILON = 0.5  # px: just inside or just outside a limit


def marker(x: float, y: float) -> Marker:
    return Marker(x=float(x), y=float(y), diameter=16.0, roundness=1.0)


def side(facing: int = 1) -> Verdict:
    pose = side_pose(facing=facing)
    return Verdict(pose=pose, view="side-right" if facing == 1 else "side-left",
                   near_side="right" if facing == 1 else "left", facing=facing)


def behind(back: bool = True) -> Verdict:
    return Verdict(pose=front_pose(back=back), view="back" if back else "front")


def trunk(verdict: Verdict) -> float:
    assert verdict.pose is not None
    return float(np.hypot(*(midpoint(verdict.pose.xy, "SHOULDER") - midpoint(verdict.pose.xy, "HIP"))))


def near_hip(verdict: Verdict) -> np.ndarray:
    assert verdict.pose is not None
    return verdict.pose.xy[Landmark.RIGHT_HIP if verdict.near_side == "right" else Landmark.LEFT_HIP]


def pelvis_from_the_side(verdict: Verdict, tilt_deg: float, *, crest_above: float = 20.0) -> dict[str, Marker]:
    """ASIS and PSIS 140 px apart at ``tilt_deg`` (+ = ASIS lower), the crest halfway, ``crest_above`` px above
    the line between them (across it)."""
    facing, centre = verdict.facing, near_hip(verdict) + np.array([0.0, -60.0])
    along = np.array([facing * math.cos(math.radians(tilt_deg)), math.sin(math.radians(tilt_deg))])  # to the ASIS
    up = np.array([along[1], -along[0]]) if along[0] * facing > 0 else np.array([-along[1], along[0]])
    up = up if up[1] < 0 else -up
    asis, psis = centre + 70.0 * along, centre - 70.0 * along
    crest = centre + crest_above * up
    return {"asis": marker(*asis), "iliac_crest": marker(*crest), "psis": marker(*psis)}


# --- side view: the pelvis ---


@pytest.mark.parametrize("facing", [1, -1], ids=["faces-right", "faces-left"])
@pytest.mark.parametrize("tilt", [-10.0, 0.0, 12.0, 25.0])
def test_from_the_side_asis_crest_and_psis_are_named_front_to_back(facing: int, tilt: float) -> None:
    verdict = side(facing)
    truth = pelvis_from_the_side(verdict, tilt)
    shuffled = (truth["psis"], truth["asis"], truth["iliac_crest"])
    assert label_markers(shuffled, verdict).named == truth


def test_two_markers_at_the_pelvis_are_the_asis_in_front_and_the_psis_behind() -> None:
    verdict = side(-1)
    truth = pelvis_from_the_side(verdict, 12.0)
    assert label_markers((truth["psis"], truth["asis"]), verdict).named == {"asis": truth["asis"],
                                                                            "psis": truth["psis"]}


@pytest.mark.parametrize(("above", "named"), [(EPSILON, True), (-EPSILON, False)], ids=["above", "below"])
def test_the_middle_marker_is_a_crest_only_above_the_line_from_asis_to_psis(above: float, named: bool) -> None:
    verdict = side(1)
    truth = pelvis_from_the_side(verdict, 12.0, crest_above=above)
    if named:
        assert label_markers(tuple(truth.values()), verdict).named == truth
    else:
        with pytest.raises(MarkerProblem, match="lies below the line from one to the other"):
            label_markers(tuple(truth.values()), verdict)


@pytest.mark.parametrize(("extra", "named"), [(EPSILON, True), (-EPSILON, False)], ids=["apart", "one-above"])
def test_markers_at_the_pelvis_must_lie_apart_front_to_back(extra: float, named: bool) -> None:
    verdict = side(1)
    hip = near_hip(verdict)
    gap = ORDER_GAP * trunk(verdict) + extra
    asis, psis = marker(hip[0] + 70.0, hip[1] - 50.0), marker(hip[0] - 70.0, hip[1] - 60.0)
    crest = marker(psis.x + gap, hip[1] - 90.0)  # well above the line, just ahead of the PSIS
    if named:
        assert label_markers((asis, crest, psis), verdict).named == {"asis": asis, "iliac_crest": crest,
                                                                     "psis": psis}
    else:
        with pytest.raises(MarkerProblem, match="lie one above the other"):
            label_markers((asis, crest, psis), verdict)


def test_four_markers_at_the_pelvis_from_the_side_are_refused() -> None:
    verdict = side(1)
    truth = pelvis_from_the_side(verdict, 12.0)
    far_psis = marker(truth["psis"].x + 20.0, truth["psis"].y)  # the far side's PSIS beside the near one
    with pytest.raises(MarkerProblem, match="found 4 markers near the pelvis.*take the far side's markers off"):
        label_markers((*truth.values(), far_psis), verdict)


def test_a_lone_marker_at_the_pelvis_names_nothing() -> None:
    verdict = side(1)
    labels = label_markers((pelvis_from_the_side(verdict, 12.0)["asis"],), verdict)
    assert labels.named == {} and labels.unnamed == (("near the pelvis", 1),)


# --- side view: the neck ---


def neck(verdict: Verdict, drop: float) -> tuple[Marker, Marker]:
    """The tragus by the ear, C7 ``drop`` px lower and 60 px behind it."""
    assert verdict.pose is not None
    ear = verdict.pose.xy[Landmark.RIGHT_EAR if verdict.near_side == "right" else Landmark.LEFT_EAR]
    return marker(ear[0] + 4.0, ear[1] + 3.0), marker(ear[0] + 4.0 - verdict.facing * 60.0, ear[1] + 3.0 + drop)


@pytest.mark.parametrize(("extra", "named"), [(EPSILON, True), (-EPSILON, False)], ids=["apart", "level"])
def test_the_tragus_is_the_higher_neck_marker_when_they_lie_apart_in_height(extra: float, named: bool) -> None:
    verdict = side(1)
    tragus, c7 = neck(verdict, ORDER_GAP * trunk(verdict) + extra)
    if named:
        assert label_markers((c7, tragus), verdict).named == {"tragus": tragus, "c7": c7}
    else:
        with pytest.raises(MarkerProblem, match="at the same height"):
            label_markers((c7, tragus), verdict)


def test_three_markers_at_the_neck_are_refused() -> None:
    verdict = side(1)
    tragus, c7 = neck(verdict, 70.0)
    with pytest.raises(MarkerProblem, match="found 3 markers at the neck"):
        label_markers((tragus, c7, marker(c7.x + 5.0, c7.y + 30.0)), verdict)


def test_side_markers_far_from_pelvis_and_neck_are_counted_elsewhere() -> None:
    verdict = side(1)
    truth = pelvis_from_the_side(verdict, 12.0)
    knee = verdict.pose.xy[Landmark.RIGHT_KNEE] if verdict.pose is not None else None
    assert knee is not None
    labels = label_markers((*truth.values(), *neck(verdict, 70.0), marker(*knee)), verdict)
    assert set(labels.named) == {"asis", "iliac_crest", "psis", "tragus", "c7"} and labels.elsewhere == 1


# --- back and front views ---


def across(verdict: Verdict, share: float, side_: str, rise: float = 0.0) -> Marker:
    """A marker ``share`` of the hip landmarks' half-distance from the spine's line on the person's ``side_``,
    80 px above the hips and ``rise`` px higher."""
    assert verdict.pose is not None
    xy = verdict.pose.xy
    hips = midpoint(xy, "HIP")
    half = abs(float(xy[Landmark.LEFT_HIP][0] - xy[Landmark.RIGHT_HIP][0])) / 2.0
    persons_left = -1.0 if verdict.view == "back" else 1.0
    direction = persons_left if side_ == "left" else -persons_left
    return marker(hips[0] + direction * share * half, hips[1] - 80.0 - rise)


def half_width(verdict: Verdict) -> float:
    assert verdict.pose is not None
    return abs(float(verdict.pose.xy[Landmark.LEFT_HIP][0] - verdict.pose.xy[Landmark.RIGHT_HIP][0])) / 2.0


@pytest.mark.parametrize("back", [True, False], ids=["back", "front"])
def test_four_markers_from_behind_are_each_sides_spine_inside_and_crest_outside(back: bool) -> None:
    verdict = behind(back)
    spine = "psis" if back else "asis"
    truth = {f"left_{spine}": across(verdict, 0.5, "left", 3.0), "left_iliac_crest": across(verdict, 1.6, "left", 8.0),
             f"right_{spine}": across(verdict, 0.5, "right"), "right_iliac_crest": across(verdict, 1.6, "right", 5.0)}
    labels = label_markers(tuple(reversed(truth.values())), verdict)
    assert labels.named == truth and labels.elsewhere == 0


@pytest.mark.parametrize(("extra", "named"), [(EPSILON, True), (-EPSILON, False)], ids=["off", "on"])
def test_a_marker_on_the_spines_line_has_no_side(extra: float, named: bool) -> None:
    verdict = behind()
    share = MIDLINE + extra / half_width(verdict)
    left, right = across(verdict, share, "left"), across(verdict, 0.5, "right")
    if named:
        assert label_markers((left, right), verdict).named == {"left_psis": left, "right_psis": right}
    else:
        with pytest.raises(MarkerProblem, match="on the spine's line"):
            label_markers((left, right), verdict)


@pytest.mark.parametrize(("extra", "named"), [(EPSILON, True), (-EPSILON, False)], ids=["apart", "one-above"])
def test_two_markers_on_one_side_must_lie_apart_side_to_side(extra: float, named: bool) -> None:
    verdict = behind()
    inner = across(verdict, 0.5, "left")
    outer = across(verdict, 0.5 + SPREAD + extra / half_width(verdict), "left", 10.0)
    if named:
        assert label_markers((outer, inner), verdict).named == {"left_psis": inner, "left_iliac_crest": outer}
    else:
        with pytest.raises(MarkerProblem, match="person's left of the pelvis lie one above the other"):
            label_markers((outer, inner), verdict)


@pytest.mark.parametrize(("extra", "named"), [(-EPSILON, True), (EPSILON, False)], ids=["near-level", "far-below"])
def test_the_crest_marker_may_not_lie_far_below_the_psis(extra: float, named: bool) -> None:
    verdict = behind()
    inner = across(verdict, 0.5, "right")
    outer = across(verdict, 1.6, "right", -(CREST_BELOW * trunk(verdict) + extra))
    if named:
        assert label_markers((outer, inner), verdict).named == {"right_psis": inner, "right_iliac_crest": outer}
    else:
        with pytest.raises(MarkerProblem, match="lies well below the PSIS"):
            label_markers((outer, inner), verdict)


def test_three_markers_on_one_side_are_refused() -> None:
    verdict = behind()
    markers = tuple(across(verdict, share, "left") for share in (0.5, 1.2, 1.9))
    with pytest.raises(MarkerProblem, match="found 3 markers on the person's left of the pelvis"):
        label_markers(markers, verdict)


@pytest.mark.parametrize(("offset", "name"), [(-EPSILON, "right_psis"), (EPSILON, "right_iliac_crest")],
                         ids=["nearer-psis", "nearer-crest"])
def test_a_lone_marker_is_named_as_the_one_it_mirrors_on_the_other_side(offset: float, name: str) -> None:
    verdict = behind()
    inner, outer = across(verdict, 0.5, "left"), across(verdict, 1.6, "left")
    lone = across(verdict, (0.5 + 1.6) / 2.0 + offset / half_width(verdict), "right")
    assert label_markers((inner, outer, lone), verdict).named == {"left_psis": inner, "left_iliac_crest": outer,
                                                                   name: lone}


@pytest.mark.parametrize(("share", "name"), [
    (CREST_BOUNDARY[0] - 0.01, "psis"), (CREST_BOUNDARY[0] + 0.01, None),
    (CREST_BOUNDARY[1] - 0.01, None), (CREST_BOUNDARY[1] + 0.01, "iliac_crest"),
], ids=["psis", "above-the-joint-inner", "above-the-joint-outer", "crest"])
def test_a_pair_without_partners_is_named_by_the_hip_joints_line(share: float, name: str | None) -> None:
    verdict = behind()
    left, right = across(verdict, share, "left"), across(verdict, share, "right", 4.0)
    if name is not None:
        assert label_markers((left, right), verdict).named == {f"left_{name}": left, f"right_{name}": right}
    else:
        with pytest.raises(MarkerProblem, match="straight above the hip joint"):
            label_markers((left, right), verdict)


def test_mismatched_lone_markers_are_named_apart() -> None:
    verdict = behind()
    left, right = across(verdict, 0.5, "left"), across(verdict, 1.6, "right")
    assert label_markers((left, right), verdict).named == {"left_psis": left, "right_iliac_crest": right}


def test_a_lone_pair_from_the_front_is_the_pelvis_s() -> None:
    verdict = behind(back=False)
    left, right = across(verdict, 1.3, "left"), across(verdict, 1.3, "right")
    assert label_markers((left, right), verdict).named == {"left_pelvis": left, "right_pelvis": right}
