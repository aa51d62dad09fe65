"""Before/after comparison: verdicts against the noise, provenance, view matching, time order, renders."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from builders import SAMPLES, SYNTHETIC, analysis_image, built, refused
from PIL import ExifTags, Image

from posture.analysis import Analysis, ModelIdentity
from posture.analyzer import Analyzer
from posture.cli.main import main
from posture.compare import (
    NotComparableError,
    Reading,
    Session,
    check_comparable,
    compare,
    compare_sessions,
    different_people,
    distance_to_range,
    judge,
    minimal_detectable_change,
    order_sessions,
    person_proportions,
)
from posture.core.pose import Landmark, side_landmark
from posture.core.units import PERCENT_HEIGHT
from posture.errors import ExitCode
from posture.knowledge import registry
from posture.knowledge.changes import ChangeText, load_change_texts, parse_change_texts
from posture.knowledge.explanations import load_knowledge_base
from posture.render.compare_image import tile_size
from posture.render.comparison import render_comparison_json
from posture.stages.findings import typical_range
from posture.render.html import render_comparison_html

# ------------------------------------------------------------------ verdicts, pure


def R(value: float, u: float | None = 1.0, low: float | None = -5.0, high: float | None = 5.0) -> Reading:
    return Reading(value, u, low, high)


@pytest.mark.parametrize(
    ("before", "after", "verdict"),
    [
        pytest.param(R(8.0), R(6.0), "improved", id="toward-range-beyond-noise"),
        pytest.param(R(8.0), R(7.0), "no detectable change", id="toward-range-inside-noise"),
        pytest.param(R(8.0), R(8.0 - 2 ** 0.5), "no detectable change", id="about-the-mdc"),
        # hypot(3, 4) is exactly 5.0 and 8 - 3 exactly 5.0: the change sits on the MDC in floating point.
        pytest.param(R(8.0, u=3.0), R(3.0, u=4.0), "no detectable change", id="exactly-the-mdc"),
        pytest.param(R(8.0, u=3.0), R(2.99, u=4.0), "improved", id="just-beyond-the-mdc"),
        pytest.param(R(8.0), R(12.0), "worsened", id="away-from-range"),
        pytest.param(R(-8.0), R(-12.0), "worsened", id="away-below-range"),
        pytest.param(R(-8.0), R(0.0), "improved", id="into-range-from-below"),
        pytest.param(R(0.0), R(4.0), "changed", id="inside-range-both"),
        pytest.param(R(0.0, low=None, high=None), R(4.0, low=None, high=None), "changed", id="no-range"),
        pytest.param(R(0.0, low=None, high=None), R(1.0, low=None, high=None), "no detectable change",
                     id="no-range-inside-noise"),
        pytest.param(R(8.0, u=None), R(0.0), "not judged", id="no-uncertainty"),
        pytest.param(R(50.0, low=45.5, high=None), R(40.0, low=45.5, high=None), "worsened", id="open-range"),
    ],
)
def test_judge(before: Reading, after: Reading, verdict: str) -> None:
    step = judge(before, after)
    assert step.verdict == verdict
    assert step.change == after.value - before.value
    assert step.mdc == minimal_detectable_change(before.uncertainty, after.uncertainty)


@pytest.mark.parametrize(
    ("before", "after", "verdict"),
    [
        pytest.param(R(8.0), R(0.0, low=None, high=None), "improved", id="range-before-only"),
        pytest.param(R(8.0, low=None), R(0.0, low=None, high=None), "improved", id="high-limit-before-only"),
        pytest.param(R(40.0, low=45.5, high=None), R(50.0, low=None, high=None), "improved",
                     id="low-limit-before-only"),
        pytest.param(R(0.0, low=None, high=None), R(40.0, low=45.5, high=None), "worsened", id="low-limit-after-only"),
        pytest.param(R(0.0, low=None, high=None), R(8.0, low=None), "worsened", id="high-limit-after-only"),
    ],
)
def test_a_range_on_one_side_of_the_change_is_enough_to_judge_it(before: Reading, after: Reading,
                                                                  verdict: str) -> None:
    """Only when neither reading has a range is a real change merely "changed"."""
    assert judge(before, after).verdict == verdict


def test_mdc_combines_the_two_uncertainties() -> None:
    assert minimal_detectable_change(3.0, 4.0) == pytest.approx(5.0)
    assert minimal_detectable_change(3.0, None) is None
    # 5.5 is beyond sqrt(3² + 4²) = 5, though within the plain sum 3 + 4; 4.9 is within both.
    assert judge(R(0.0, u=3.0, low=None, high=None), R(5.5, u=4.0, low=None, high=None)).verdict == "changed"
    assert judge(R(0.0, u=3.0, low=None, high=None), R(4.9, u=4.0, low=None, high=None)).verdict == \
        "no detectable change"


@pytest.mark.parametrize(("value", "expected"), [(0.0, 0.0), (7.0, 2.0), (-6.0, 1.0), (5.0, 0.0)])
def test_distance_to_range(value: float, expected: float) -> None:
    assert distance_to_range(value, -5.0, 5.0) == expected


def test_an_open_end_of_the_range_is_never_passed() -> None:
    assert distance_to_range(-100.0, None, 5.0) == 0.0
    assert distance_to_range(100.0, -5.0, None) == 0.0
    assert distance_to_range(7.0, None, 5.0) == 2.0


# ------------------------------------------------------------------ analyses built from landmarks


def test_hips_moving_back_over_the_ankles_is_improved() -> None:
    before = built("before.jpg", hip_ahead=80.0)
    after = built("after.jpg", hip_ahead=10.0)
    change = compare([before, after]).change("side", "foot_hip_offset")
    assert change is not None and change.overall.verdict == "improved"
    assert change.overall.change < 0
    assert change.text == load_change_texts().for_measurement("foot_hip_offset").toward  # type: ignore[union-attr]
    assert compare([after, before]).change("side", "foot_hip_offset").overall.verdict == "worsened"  # type: ignore[union-attr]


def test_large_uncertainty_makes_the_same_move_no_detectable_change() -> None:
    before = built("before.jpg", hip_ahead=80.0, uncertainty=10.0)
    after = built("after.jpg", hip_ahead=10.0, uncertainty=10.0)
    change = compare([before, after]).change("side", "foot_hip_offset")
    assert change is not None and change.overall.verdict == "no detectable change"


def test_without_uncertainty_nothing_is_judged() -> None:
    comparison = compare([built("a.jpg", uncertainty=None, hip_ahead=80.0), built("b.jpg", uncertainty=None)])
    assert {c.overall.verdict for s in comparison.series for c in s.changes} == {"not judged"}


@pytest.mark.parametrize(
    ("field", "value", "raises"),
    [
        ("model", ModelIdentity(name="pose_landmarker_heavy.task", sha256="cd" * 32, calibrated=False),
         pytest.raises(NotComparableError, match="pose model")),
        ("calibration_version", "000000000000", pytest.raises(NotComparableError, match="calibration")),
        ("mediapipe_version", "0.10.21", pytest.raises(NotComparableError, match="MediaPipe")),
        ("capture_time", "2026-03-02T10:00:00", nullcontext()),  # differs between sessions by nature
    ],
)
def test_provenance_must_match(field: str, value: object, raises: Any) -> None:
    before = built("before.jpg")
    after = built("after.jpg")
    after = dataclasses.replace(after, provenance=dataclasses.replace(after.provenance, **{field: value}))
    with raises:
        check_comparable([before, after])
    with raises:
        compare([before, after])


def test_not_comparable_exits_with_bad_input() -> None:
    assert NotComparableError("x").exit_code == ExitCode.BAD_INPUT


def test_views_are_matched_and_unpartnered_views_reported() -> None:
    first = Session("10 Jan", (built("side1.jpg", hip_ahead=60.0), built("front1.jpg", front=True)))
    second = Session("2 Mar", (built("side2.jpg", hip_ahead=10.0), refused("blurred.jpg")))
    comparison = compare_sessions([first, second])
    assert [s.view for s in comparison.series] == ["side"]
    assert [a.image.display_name for a in comparison.series[0].analyses] == ["side1.jpg", "side2.jpg"]
    notes = " ".join(comparison.notes)
    assert "front view was photographed only in 10 Jan" in notes
    assert "'blurred.jpg' was not measured" in notes


def test_several_photos_of_one_view_in_a_session_are_combined() -> None:
    first = Session("one", (built("a.jpg"), built("a2.jpg", hip_ahead=60.0)))
    comparison = compare_sessions([first, Session("two", (built("b.jpg"),))])
    combined = comparison.series[0].analyses[0]
    assert combined is not None and combined.combined_from == ("a.jpg", "a2.jpg")
    singles = [a.measurement("foot_hip_offset").value for a in first.analyses]  # type: ignore[union-attr]
    assert combined.measurement("foot_hip_offset").value == pytest.approx(sum(singles) / 2)  # type: ignore[union-attr]
    assert any("2 side photos combined (a.jpg, a2.jpg)" in note for note in comparison.notes)


def _with_offset(analysis: Analysis, value: float) -> Analysis:
    """``analysis`` with its foot–hip offset set to ``value`` (cm, ± 0.5 as :func:`builders.built` gives)."""
    return dataclasses.replace(analysis, measurements=tuple(
        dataclasses.replace(m, value=value) if m.id == "foot_hip_offset" else m for m in analysis.measurements))


def test_the_overall_verdict_of_three_sessions_spans_the_whole_run() -> None:
    """Each step inside the noise (MDC 0.71 cm), the whole run of 1.2 cm beyond it: the overall verdict is the
    first session against the last, not against the second."""
    sessions = [_with_offset(built(f"s{n}.jpg"), value) for n, value in enumerate((10.0, 9.4, 8.8))]
    (change,) = [c for c in compare(sessions).series[0].changes if c.id == "foot_hip_offset"]
    assert [step.verdict for step in change.steps] == ["no detectable change"] * 2
    assert change.overall.change == pytest.approx(-1.2)
    assert change.overall.verdict == "improved"  # closer to the typical range (-2 to 3 cm)


def test_a_session_without_the_view_is_left_out_of_its_verdicts() -> None:
    """The side view missing from the first session: it is compared from the second session on."""
    sessions = [Session("one", (built("f.jpg", front=True),)), Session("two", (built("a.jpg", hip_ahead=80.0),)),
                Session("three", (built("b.jpg", hip_ahead=10.0),))]
    comparison = compare_sessions(sessions, order_by_time=False)
    change = comparison.change("side", "foot_hip_offset")
    assert change is not None and change.readings[0] is None and change.unit == PERCENT_HEIGHT
    assert change.overall.verdict == "improved" and len(change.steps) == 1
    assert comparison.change("side", "no_such_measurement") is None
    assert comparison.change("back", "foot_hip_offset") is None


def test_the_readings_carry_the_typical_range() -> None:
    comparison = compare([built("a.jpg"), built("b.jpg")])
    first = comparison.series[0].analyses[0]
    assert first is not None and first.frame is not None
    expected = typical_range("foot_hip_offset", view=first.view, scale=first.frame.scale, knowledge=first.knowledge)
    change = comparison.change("side", "foot_hip_offset")
    assert change is not None and expected[0] is not None and expected[1] is not None
    assert all((r.low, r.high) == expected for r in change.readings if r is not None)


@pytest.mark.parametrize(("hip_ahead", "uncertainty", "verdict", "text"), [
    (80.0, 0.5, "no detectable change", "no_change"),
    (80.0, None, "not judged", "not_judged"),
])
def test_each_verdict_gets_its_text(hip_ahead: float, uncertainty: float | None, verdict: str, text: str) -> None:
    texts = load_change_texts()
    pair = [built("a.jpg", hip_ahead=hip_ahead, uncertainty=uncertainty),
            built("b.jpg", hip_ahead=hip_ahead + 0.1, uncertainty=uncertainty)]
    change = compare(pair).change("side", "foot_hip_offset")
    assert change is not None and change.overall.verdict == verdict
    assert (change.text, change.article_sections) == (getattr(texts, text), ())


def test_a_real_change_without_a_range_is_changed_with_its_text() -> None:
    texts = load_change_texts()
    pair = [built("a.jpg"), built("b.jpg", shoulder_ahead=40.0)]
    changed = [c for c in compare(pair).series[0].changes if c.overall.verdict == "changed"]
    assert changed and all((c.text, c.article_sections) == (texts.changed, ()) for c in changed)


def test_the_comparison_refuses_nothing_to_compare_in_words() -> None:
    with pytest.raises(ValueError, match="^compare_sessions needs at least one session$"):
        compare_sessions([])
    with pytest.raises(ValueError, match="^session 'empty' has no photos$"):
        compare_sessions([Session("empty", ())])
    with pytest.raises(ValueError, match="^1 labels for 2 photos$"):
        compare([built("a.jpg"), built("b.jpg")], labels=["one"])


def test_labels_name_the_sessions_and_the_order_given_is_said() -> None:
    comparison = compare([built("a.jpg"), built("b.jpg")], labels=["before", "after"], order_by_time=False)
    assert [s.label for s in comparison.sessions] == ["before", "after"]
    assert comparison.order == "In the order given."
    assert comparison.notes == () and comparison.warnings == ()


def test_compare_orders_by_capture_time_unless_told_not_to() -> None:
    late, early = built("late.jpg", capture_time="2026-03-02T10:00:00"), built("early.jpg",
                                                                              capture_time="2026-01-10T09:00:00")
    assert [s.label for s in compare([late, early]).sessions] == ["early.jpg", "late.jpg"]
    assert [s.label for s in compare([late, early], order_by_time=False).sessions] == ["late.jpg", "early.jpg"]
    assert [s.label for s in compare_sessions([Session("late", (late,)), Session("early", (early,))]).sessions] == [
        "early", "late"]


def test_times_with_and_without_an_offset_are_compared_as_clock_times() -> None:
    """09:00+05:00 is read as 09:00 on the clock, beside a time that has no offset."""
    early = Session("early", (built("e.jpg", capture_time="2026-01-10T09:00:00+05:00"),))
    late = Session("late", (built("l.jpg", capture_time="2026-01-10T10:00:00"),))
    ordered, _ = order_sessions([late, early])
    assert [s.label for s in ordered] == ["early", "late"]


def test_a_refused_photo_does_not_hide_the_sessions_other_photos() -> None:
    sessions = [Session("one", (refused("blurred.jpg"), built("a.jpg", hip_ahead=80.0))),
                Session("two", (built("b.jpg", hip_ahead=10.0),))]
    comparison = compare_sessions(sessions, order_by_time=False)
    assert comparison.change("side", "foot_hip_offset") is not None
    assert comparison.notes == ("one: 'blurred.jpg' was not measured: " + refused("x.jpg").problem,)  # type: ignore[operator]


def test_nothing_in_common_is_said_only_when_there_were_sessions_to_compare() -> None:
    apart = compare_sessions([Session("one", (built("a.jpg"),)), Session("two", (built("f.jpg", front=True),))])
    assert "No view was photographed in two sessions, so nothing could be compared." in apart.notes
    alone = compare_sessions([Session("one", (built("a.jpg"),))])
    assert alone.series == () and not any("No view" in note for note in alone.notes)


def test_the_same_photo_twice_is_warned_in_words() -> None:
    a = built("a.jpg")
    copy = dataclasses.replace(a, image=analysis_image("copy.jpg", sha=a.provenance.input_sha256))
    assert compare([a, copy]).warnings == (
        "'copy.jpg' is the same image as 'a.jpg'; comparing a photo with itself shows only the method's noise.",)


def test_photos_with_and_without_a_height_are_refused_in_words() -> None:
    with pytest.raises(NotComparableError) as caught:
        compare([built("a.jpg"), _in_cm(built("b.jpg"))])
    assert str(caught.value) == (
        "The side photos were measured with and without a body height (--height-cm): offsets in cm and in % of body "
        "height cannot be compared; give the same height for every photo, or none.")


def _in_cm(analysis: Analysis) -> Analysis:
    assert analysis.frame is not None
    scale = dataclasses.replace(analysis.frame.scale, height_cm=170.0)
    return dataclasses.replace(analysis, frame=dataclasses.replace(analysis.frame, scale=scale))


def test_different_provenance_is_refused_naming_both_photos_and_values() -> None:
    before, after = built("before.jpg"), built("after.jpg")
    after = dataclasses.replace(after, provenance=dataclasses.replace(after.provenance, mediapipe_version="0.10.21"))
    with pytest.raises(NotComparableError) as caught:
        check_comparable([before, after])
    assert str(caught.value) == (
        "'before.jpg' and 'after.jpg' were measured with different MediaPipe version ('1.2.2' vs '0.10.21'), so "
        "their numbers are not comparable; analyse both again with the same posture installation.")
    model = ModelIdentity(name="pose_landmarker_heavy.task", sha256="cd" * 32, calibrated=False)
    other = dataclasses.replace(after, provenance=dataclasses.replace(before.provenance, model=model))
    with pytest.raises(NotComparableError, match=r"different pose model \('[0-9a-f]{16}' vs 'cdcdcdcdcdcdcdcd'\)"):
        check_comparable([before, other])


def _longer_legs(analysis: Analysis, factor: float) -> Analysis:
    """``analysis`` with both legs' world landmarks (knee, ankle) moved ``factor`` times as far from the hip."""
    pose = analysis.pose
    assert pose is not None
    world = pose.world.copy()
    for side in ("LEFT", "RIGHT"):
        hip = world[Landmark[f"{side}_HIP"]]
        for joint in ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX"):
            world[Landmark[f"{side}_{joint}"]] = hip + factor * (world[Landmark[f"{side}_{joint}"]] - hip)
    return dataclasses.replace(analysis, verdict=dataclasses.replace(
        analysis.verdict, pose=dataclasses.replace(pose, world=world)))


def test_legs_a_tenth_longer_are_warned_as_maybe_another_person() -> None:
    a = built("a.jpg")
    same, other = _longer_legs(built("b.jpg"), 1.05), _longer_legs(built("c.jpg"), 1.10)
    assert different_people(a, same) is None
    legs = person_proportions(a)["leg_to_trunk"]  # type: ignore[index]
    expected = (f"'a.jpg' and 'c.jpg' may show different people: their leg length to trunk length differ by 9% "
                f"({legs:.2f} vs {1.1 * legs:.2f}), more than one person's photos do. Loose or different clothing "
                "can do this too.")
    assert different_people(a, other) == expected
    # Each pair of neighbouring sessions is checked: here the second and the third.
    assert compare([a, built("b.jpg"), other]).warnings == (expected.replace("'a.jpg'", "'b.jpg'"),)


def _trunk_mask(columns: tuple[int, int], *, hole: tuple[int, int] = (0, 0)) -> np.ndarray:
    """A mask at half resolution whose person fills ``columns`` from head to feet, less the rows of ``hole``.

    The constructed person stands at x = 500 (mask column 250), shoulders at y = 230 and hips at 530: the trunk
    is read halfway and three quarters of the way down, at mask rows 190 and 228.
    """
    mask = np.zeros((550, 500), np.float32)
    mask[30:530, columns[0]:columns[1]] = 1.0
    mask[hole[0]:hole[1]] = 0.0
    return mask


@pytest.mark.parametrize(("columns", "width"), [((210, 290), 80), ((0, 290), 290), ((210, 500), 290)],
                         ids=["inside", "from-the-left-edge", "to-the-right-edge"])
def test_the_trunk_breadth_is_the_outline_across_the_trunk_over_the_body_height(columns: tuple[int, int],
                                                                                 width: int) -> None:
    analysis = built("a.jpg", mask=_trunk_mask(columns), mask_scale=0.5)
    assert analysis.frame is not None
    proportions = person_proportions(analysis)
    assert proportions is not None
    assert proportions["breadth"] == pytest.approx(width / 0.5 / analysis.frame.body_height_px)
    front = person_proportions(built("f.jpg", front=True, mask=_trunk_mask(columns), mask_scale=0.5))
    assert front is not None and "breadth" not in front  # the arms blur it in front views


def test_no_trunk_breadth_where_the_trunk_is_not_in_the_outline() -> None:
    analysis = built("a.jpg", mask=_trunk_mask((210, 290), hole=(185, 235)), mask_scale=0.5)
    assert "breadth" not in person_proportions(analysis)  # type: ignore[operator]


def test_the_order_is_told_in_one_sentence() -> None:
    def session(label: str, time: str | None) -> Session:
        return Session(label, (built(f"{label}.jpg", capture_time=time),))

    early, late = session("early", "2026-01-10T09:00:00"), session("late", "2026-03-02T10:00:00")
    assert order_sessions([early, late])[1] == "In the order the photos were taken, from their EXIF capture times."
    assert order_sessions([late, early])[1] == ("In the order the photos were taken, from their EXIF capture times "
                                                "(not the order given).")
    assert order_sessions([early, session("none", None)])[1] == (
        "In the order given: not every photo records when it was taken (EXIF), so the times could not decide it.")
    assert order_sessions([session("a", None), session("b", None)])[1] == (
        "In the order given: the photos do not record when they were taken (no EXIF time).")
    assert order_sessions([early])[1].startswith("In the order given")


def test_a_refused_photo_or_a_missing_breadth_is_no_evidence_of_another_person() -> None:
    a = built("a.jpg")
    assert different_people(a, refused("r.jpg")) is None and different_people(refused("r.jpg"), a) is None
    with_breadth = built("m.jpg", mask=_trunk_mask((210, 290)), mask_scale=0.5)
    assert different_people(a, with_breadth) is None and different_people(with_breadth, a) is None


def test_the_difference_is_over_the_larger_of_the_two() -> None:
    a, longer = built("a.jpg"), _longer_legs(built("c.jpg"), 1.10)
    assert "differ by 9% (" in different_people(longer, a)  # type: ignore[operator]


def test_a_trunk_a_fifth_broader_is_warned() -> None:
    narrow = built("n.jpg", mask=_trunk_mask((210, 290)), mask_scale=0.5)
    broad = built("b.jpg", mask=_trunk_mask((200, 300)), mask_scale=0.5)
    warning = different_people(narrow, broad)
    assert warning is not None and "their trunk breadth to body height differ by 20% (0.16 vs 0.20)" in warning


def test_the_trunk_breadth_is_the_mean_of_its_two_rows_each_read_where_it_is() -> None:
    """Narrower above mask row 210 (60 px, halfway down the trunk) than below it (80 px, three quarters down), with a
    column of probability exactly 0.5 on each side, which is not the person."""
    mask = _trunk_mask((210, 290))
    mask[30:210, 210:220] = mask[30:210, 280:290] = 0.0
    mask[:, 209] = mask[:, 290] = 0.5
    analysis = built("a.jpg", mask=mask, mask_scale=0.5)
    assert analysis.frame is not None
    breadth = person_proportions(analysis)["breadth"]  # type: ignore[index]
    assert breadth == pytest.approx((60 + 80) / 2 / 0.5 / analysis.frame.body_height_px)
    # Halfway down out of the outline: three quarters down alone gives the breadth.
    hole = _trunk_mask((210, 290), hole=(185, 195))
    only_lower = person_proportions(built("b.jpg", mask=hole, mask_scale=0.5))["breadth"]  # type: ignore[index]
    assert only_lower == pytest.approx(80 / 0.5 / analysis.frame.body_height_px)


def test_a_leg_is_as_long_as_its_thigh_and_shin_however_bent() -> None:
    """The knees moved forward (bent): the leg is the sum of its two segments, not the hip–ankle distance."""
    analysis = built("a.jpg")
    pose = analysis.pose
    assert pose is not None
    world = pose.world.copy()
    world[[Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE], 0] += 0.15
    world[[Landmark.LEFT_ELBOW, Landmark.RIGHT_ELBOW], 0] += 0.1
    bent = dataclasses.replace(analysis, verdict=dataclasses.replace(analysis.verdict, pose=dataclasses.replace(
        pose, world=world)))

    def length(*names: str) -> float:
        return float(np.mean([sum(np.linalg.norm(world[Landmark[f"{side}_{a}"]] - world[Landmark[f"{side}_{b}"]])
                                  for a, b in zip(names, names[1:])) for side in ("LEFT", "RIGHT")]))

    trunk = float(np.linalg.norm((world[Landmark.LEFT_SHOULDER] + world[Landmark.RIGHT_SHOULDER]) / 2
                                 - (world[Landmark.LEFT_HIP] + world[Landmark.RIGHT_HIP]) / 2))
    proportions = person_proportions(bent)
    assert proportions is not None
    assert proportions["leg_to_trunk"] == pytest.approx(length("HIP", "KNEE", "ANKLE") / trunk)
    assert proportions["arm_to_trunk"] == pytest.approx(length("SHOULDER", "ELBOW", "WRIST") / trunk)


def test_the_difference_is_rounded_to_a_whole_percent() -> None:
    """Trunks 80 and 98 mask pixels broad: 18/98 is 18.4%, said as 18%."""
    narrow = built("n.jpg", mask=_trunk_mask((210, 290)), mask_scale=0.5)
    broad = built("b.jpg", mask=_trunk_mask((201, 299)), mask_scale=0.5)
    assert "differ by 18% (0.16 vs 0.20)" in different_people(narrow, broad)  # type: ignore[operator]


def test_front_views_compare_without_judgement() -> None:
    comparison = compare([built("f1.jpg", front=True), built("f2.jpg", front=True)])
    assert comparison.series[0].view == "front"
    verdicts = {c.id: c.overall.verdict for c in comparison.series[0].changes}
    assert "shoulder_height_difference" in verdicts
    assert not {"improved", "worsened"} & set(verdicts.values())


def test_person_proportions_are_size_free_ratios_and_none_for_a_refused_photo() -> None:
    side = person_proportions(built("a.jpg"))
    assert side is not None and set(side) == {"leg_to_trunk", "arm_to_trunk", "thigh_to_shin"}  # no mask: no breadth
    assert 1.2 < side["leg_to_trunk"] < 2.0 and 0.8 < side["arm_to_trunk"] < 1.3
    assert person_proportions(refused("r.jpg")) is None


def _knees_moved(analysis: Analysis, thigh_to_shin: float) -> Analysis:
    """The same person with each knee moved along the straight leg so that thigh over shin is ``thigh_to_shin``:
    the leg's length, and so every other proportion, stays as it was."""
    pose = analysis.pose
    assert pose is not None
    world = pose.world.copy()
    for side in ("left", "right"):
        hip, knee, ankle = (side_landmark(side, name) for name in ("HIP", "KNEE", "ANKLE"))
        leg = float(np.linalg.norm(world[hip] - world[knee]) + np.linalg.norm(world[knee] - world[ankle]))
        direction = (world[ankle] - world[hip]) / np.linalg.norm(world[ankle] - world[hip])
        world[knee] = world[hip] + direction * leg * thigh_to_shin / (1 + thigh_to_shin)
        world[ankle] = world[hip] + direction * leg
    moved = dataclasses.replace(pose, world=world)
    return dataclasses.replace(analysis, verdict=dataclasses.replace(analysis.verdict, pose=moved),
                               image=analysis_image("other.jpg", sha="cd" * 32))


@pytest.mark.parametrize(("ratio_after", "warned"), [(1.0 / (1 - 0.079), False), (1.0 / (1 - 0.081), True)])
def test_a_thigh_to_shin_ratio_beyond_one_persons_spread_is_warned(ratio_after: float, warned: bool) -> None:
    # Proportions no posture changes: one person's photos differ by at most 4.4% (real) and 6.9% (renders).
    before = _knees_moved(built("a.jpg"), 1.0)
    after = _knees_moved(built("b.jpg"), ratio_after)
    proportions_before, proportions_after = person_proportions(before), person_proportions(after)
    assert proportions_before is not None and proportions_after is not None
    for key in ("leg_to_trunk", "arm_to_trunk"):
        assert proportions_after[key] == pytest.approx(proportions_before[key], rel=1e-9)
    warning = different_people(before, after)
    assert (warning is not None) == warned, warning
    if warned:
        assert warning is not None and "thigh length to shin length differ by 8%" in warning


def test_the_same_photo_twice_is_warned() -> None:
    a = built("a.jpg")
    comparison = compare([a, dataclasses.replace(a, image=analysis_image("copy.jpg", sha=a.provenance.input_sha256))])
    assert any("same image" in w for w in comparison.warnings)


@pytest.mark.parametrize(
    ("times", "order", "says"),
    [
        (("2026-03-02T10:00:00", "2026-01-10T09:00:00"), ["late", "early"], "taken"),
        ((None, "2026-01-10T09:00:00"), ["early", "late"], "not every photo"),
        ((None, None), ["early", "late"], "do not record"),
        # With offsets the instants decide: 09:00+01:00 is after 07:30+00:00... and before 08:30 UTC.
        (("2026-01-10T08:30:00+00:00", "2026-01-10T09:00:00+01:00"), ["late", "early"], "taken"),
    ],
)
def test_sessions_are_ordered_by_capture_time(times: tuple[str | None, str | None], order: list[str],
                                              says: str) -> None:
    early = Session("early", (built("e.jpg", capture_time=times[0]),))
    late = Session("late", (built("l.jpg", capture_time=times[1]),))
    ordered, sentence = order_sessions([early, late])
    names = ["early" if s is early else "late" for s in ordered]
    expected = order if times[0] and times[1] else ["early", "late"]
    assert names == expected
    assert says in sentence


# ------------------------------------------------------------------ the knowledge file


def test_change_texts_hold_the_generic_texts_and_the_caveats() -> None:
    texts = load_change_texts()
    assert texts.caveats and texts.no_change and texts.changed and texts.generic_toward and texts.generic_away
    ranged = {rule.measurement for rule in load_knowledge_base().findings}
    assert {c.measurement for c in texts.changes} <= ranged, "a text for a change toward no range is never said"


def test_a_measurement_without_its_own_change_text_gets_the_generic_one_in_every_report() -> None:
    shipped = load_change_texts()
    without = dataclasses.replace(shipped, changes=tuple(c for c in shipped.changes
                                                         if c.measurement != "foot_hip_offset"))
    assert without.for_measurement("foot_hip_offset") == ChangeText("foot_hip_offset", shipped.generic_toward,
                                                                    shipped.generic_away, ())
    sessions = [Session("before", (built("before.jpg", hip_ahead=80.0),)),
                Session("after", (built("after.jpg", hip_ahead=10.0),))]
    better = compare_sessions(sessions, texts=without)
    change = better.change("side", "foot_hip_offset")
    assert change is not None and change.overall.verdict == "improved"
    assert (change.text, change.article_sections) == (shipped.generic_toward, ())
    worse = compare_sessions(sessions[::-1], texts=without).change("side", "foot_hip_offset")
    assert worse is not None and (worse.overall.verdict, worse.text) == ("worsened", shipped.generic_away)
    side = json.loads(render_comparison_json(better))["series"][0]
    assert side["measurements"]["foot_hip_offset"]["explanation"] == shipped.generic_toward
    assert shipped.generic_toward in render_comparison_html(better)


def test_change_texts_of_an_unknown_measurement_are_refused() -> None:
    with pytest.raises(KeyError, match="trunk_lean"):
        load_change_texts().for_measurement("trunk_tilt")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('measurement = "knee_angle"', 'measurement = "knee_bend"'), "does not measure"),
        (lambda t: t.replace("[generic]", "[generic]\nsurprise = 'x'"), "unknown key 'surprise'"),
        (lambda t: t.replace('measurement = "knee_angle"', 'measurement = "trunk_lean"'), "more than once"),
        (lambda t: t.replace("schema_version = 1", "schema_version = 2"), "schema_version"),
    ],
)
def test_change_texts_schema_is_strict(edit: Callable[[str], str], message: str) -> None:
    from importlib import resources

    text = resources.files("posture").joinpath("knowledge/changes.toml").read_text(encoding="utf-8")
    parse_change_texts(text)
    with pytest.raises(ValueError, match=message):
        parse_change_texts(edit(text))


# ------------------------------------------------------------------ renders of known change (the model)


@pytest.fixture(scope="module")
def measured(analyzer: Analyzer) -> Callable[[Any], Analysis]:
    cache: dict[str, Analysis] = {}

    def get(source: Any, key: str | None = None) -> Analysis:
        key = key or str(source)
        if key not in cache:
            cache[key] = analyzer.analyze(source)
        return cache[key]

    return get


def jittered(path: Path) -> np.ndarray:
    """The render as a second camera shot: 3% closer, shifted a few pixels, re-compressed as JPEG.

    Stands in for a camera-jitter render until the renderer's environment is built.
    """
    rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    rows, cols = rgb.shape[:2]
    matrix = np.float32([[1.03, 0, -9], [0, 1.03, -14]])
    moved = cv2.warpAffine(rgb, matrix, (cols, rows), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(moved, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return np.ascontiguousarray(cv2.cvtColor(cv2.imdecode(encoded, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))


@pytest.mark.parametrize(
    ("body", "change", "measurement", "sign"),
    [
        ("man_tall_lean_side-right", "feet-behind+10", "foot_hip_offset", +1),
        ("woman_average_side-left", "feet-behind+10", "foot_hip_offset", +1),
        ("man_tall_lean_side-right", "neck-flexion+30", "head_forward_angle", -1),
        ("woman_average_side-left", "neck-flexion+30", "head_forward_angle", -1),
    ],
)
def test_known_change_is_reported_in_the_right_direction(measured: Callable[..., Analysis], body: str,
                                                         change: str, measurement: str, sign: int) -> None:
    neutral = measured(SYNTHETIC / f"{body}_neutral.png")
    changed = measured(SYNTHETIC / f"{body}_{change}.png")
    forward = compare([neutral, changed])
    result = forward.change("side", measurement)
    assert result is not None
    assert np.sign(result.overall.change) == sign
    assert result.overall.verdict == "worsened", (result.overall, result.readings)
    # The same pair the other way round: the programme worked.
    backward = compare([changed, neutral]).change("side", measurement)
    assert backward is not None and backward.overall.verdict == "improved"
    assert not forward.warnings  # one body: no different-people warning


@pytest.mark.parametrize("name", ["man_tall_lean_side-right_neutral", "woman_average_side-left_neutral",
                                  "woman_average_side-right_neutral",
                                  "woman_average_front_pelvic-drop+0_shoulder-drop+0"])
def test_camera_jitter_is_no_detectable_change(measured: Callable[..., Analysis], name: str) -> None:
    path = SYNTHETIC / f"{name}.png"
    comparison = compare([measured(path), measured(jittered(path), key=f"jitter:{name}")], labels=["a", "b"])
    verdicts = {c.id: c.overall.verdict for s in comparison.series for c in s.changes}
    assert verdicts and set(verdicts.values()) == {"no detectable change"}, verdicts
    assert not comparison.warnings


def test_different_people_are_warned(measured: Callable[..., Analysis]) -> None:
    comparison = compare([measured(SAMPLES / "side-left_neutral.png"),
                          measured(SAMPLES / "side-left_neck-flexion-20deg.png")])
    assert any("different people" in w for w in comparison.warnings), comparison.warnings


def test_real_photos_of_different_people_are_warned(measured: Callable[..., Analysis],
                                                    shared_photo: Callable[[str], Path]) -> None:
    comparison = compare([measured(shared_photo("side_biomechgait_normal01.jpg")),
                          measured(shared_photo("side_biomechgait_noarmswing06.jpg"))])
    assert any("different people" in w for w in comparison.warnings)


# ------------------------------------------------------------------ the command


def _dated_copy(source: Path, target: Path, when: str) -> Path:
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = when
    Image.open(source).convert("RGB").save(target, quality=95, exif=exif)
    return target


def test_compare_command_orders_by_exif_and_prints_json(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        pose_model: Path) -> None:
    # Given after-first on the command line, the capture times put them right.
    after = _dated_copy(SYNTHETIC / "man_tall_lean_side-right_feet-behind+10.png", tmp_path / "b.jpg",
                        "2026:03:02 10:00:00")
    before = _dated_copy(SYNTHETIC / "man_tall_lean_side-right_neutral.png", tmp_path / "a.jpg",
                         "2026:01:10 09:00:00")
    code = main(["compare", str(after), str(before), "--json", "--png", str(tmp_path / "pair.png")])
    out = capsys.readouterr().out
    assert code == ExitCode.OK
    document = json.loads(out)
    assert [s["label"] for s in document["sessions"]] == ["a.jpg", "b.jpg"]
    assert "EXIF" in document["order"] and "not the order given" in document["order"]
    feet = document["series"][0]["measurements"]["foot_hip_offset"]
    assert feet["verdict"] == "worsened" and feet["change"] > feet["mdc"] > 0
    assert set(document["series"][0]["measurements"]) <= set(registry.BY_ID)
    picture = np.asarray(Image.open(tmp_path / "pair.png"))
    assert picture.shape[1] >= 2 * tile_size()[0]  # two tiles side by side


def test_compare_command_sessions_and_usage(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            pose_model: Path) -> None:
    side1 = SYNTHETIC / "woman_average_side-left_neutral.png"
    side2 = SYNTHETIC / "woman_average_side-left_neck-flexion+30.png"
    front = SYNTHETIC / "woman_average_front_pelvic-drop+0_shoulder-drop+0.png"
    code = main(["compare", "--session", "Jan", str(side1), str(front), "--session", "Mar", str(side2)])
    out = capsys.readouterr().out
    assert code == ExitCode.OK
    assert "head forward angle" in out and "worsened" in out
    assert "front view was photographed only in Jan" in out
    assert main(["compare", str(side1)]) == ExitCode.USAGE
    assert "at least two photos" in capsys.readouterr().err
    assert main(["compare", str(side1), "--session", "x", str(side2)]) == ExitCode.USAGE


def test_compare_command_protects_the_photos(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                             pose_model: Path) -> None:
    photo = tmp_path / "a.png"
    photo.write_bytes((SYNTHETIC / "woman_average_side-left_neutral.png").read_bytes())
    before = photo.read_bytes()
    code = main(["compare", str(photo), str(SYNTHETIC / "woman_average_side-left_neutral.png"),
                 "--png", str(photo)])
    assert code == ExitCode.OUTPUT
    assert photo.read_bytes() == before


def test_a_pelvis_tipped_ten_degrees_further_is_a_detected_change(measured: Callable[..., Analysis]) -> None:
    """The held-out body with its pelvis tilted 10° further forward: the change is seen, and forward."""
    neutral = measured(SYNTHETIC / "man_tall_lean_side-right_neutral.png")
    tilted = measured(SYNTHETIC / "man_tall_lean_side-right_pelvic-tilt+10.png")
    result = compare([neutral, tilted]).change("side", "pelvic_tilt")
    assert result is not None
    assert result.overall.verdict != "no detectable change", (result.overall, result.readings)
    assert result.overall.change == pytest.approx(10.0, abs=4.0)  # bench/ACCURACY.md: change P95 3.6° held out


def test_compare_png_with_nothing_comparable_exits_like_without_it_and_still_writes_the_html(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, pose_model: Path) -> None:
    """A side and a front photo share no view: the same exit code and sentence as without --png, and the HTML."""
    side = SYNTHETIC / "woman_average_side-left_neutral.png"
    front = SYNTHETIC / "woman_average_front_pelvic-drop+0_shoulder-drop+0.png"
    expected = main(["compare", str(side), str(front)])
    expected_err = capsys.readouterr().err
    code = main(["compare", str(side), str(front), "--png", str(tmp_path / "pair.png"),
                 "-o", str(tmp_path / "report.html")])
    err = capsys.readouterr().err
    assert code == expected == ExitCode.BAD_INPUT
    assert err == expected_err and len(err.strip().splitlines()) == 1, err
    assert (tmp_path / "report.html").is_file()
    assert not (tmp_path / "pair.png").exists()


def test_compare_html_of_photos_named_not_utf8_names_them_with_xnn(capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path, pose_model: Path) -> None:
    folder = os.fsencode(tmp_path)
    photos = []
    for raw, source in ((b"before\xff.png", "woman_average_side-left_neutral.png"),
                        (b"after\xfe.png", "woman_average_side-left_neck-flexion+30.png")):
        photo = Path(os.fsdecode(os.path.join(folder, raw)))
        photo.write_bytes((SYNTHETIC / source).read_bytes())
        photos.append(str(photo))
    code = main(["compare", *photos, "-o", str(tmp_path / "report.html")])
    assert code == ExitCode.OK, capsys.readouterr().err
    page = (tmp_path / "report.html").read_bytes().decode("utf-8")
    assert "before\\xff.png" in page and "after\\xfe.png" in page
