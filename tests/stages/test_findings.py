"""Tests for posture.stages.findings: measurements against the thresholds of the real knowledge base."""

from __future__ import annotations

import dataclasses

import pytest
from builders import SIDE_MEASUREMENT_IDS, front_person, side_person

from posture.core.measurement import Measurement
from posture.core.units import DEG as DEGREES
from posture.knowledge.explanations import KnowledgeBase
from posture.stages.findings import Finding, detectable, evaluate, near_a_limit, noise, typical_range
from posture.stages.frame import CM, PERCENT_HEIGHT, BodyScale
from posture.stages.measure.views import measure_front_view, measure_side_view

PERCENT_SCALE = BodyScale(body_height_px=1000.0)
CM_SCALE = BodyScale(body_height_px=1000.0, height_cm=170.0)

# Values inside every threshold (degrees, or % of body height).
NEUTRAL: dict[str, float] = {
    "head_forward_angle": 80.0,
    "head_forward_offset": 2.0,
    "trunk_lean": 0.0,
    "hip_extension": 0.0,
    "foot_hip_offset": 0.5,
    "plumb_line": 1.0,
    "knee_angle": 0.0,
}
UNITS = {"head_forward_angle": DEGREES, "trunk_lean": DEGREES, "hip_extension": DEGREES, "knee_angle": DEGREES}


def side_measurements(scale: BodyScale = PERCENT_SCALE, **overrides: float) -> tuple[Measurement, ...]:
    """Side measurements with the neutral values (offsets converted to the scale's unit) and ``overrides``
    (already in the scale's unit)."""
    result = []
    for measurement_id in SIDE_MEASUREMENT_IDS:
        unit = UNITS.get(measurement_id, scale.unit)
        value = NEUTRAL[measurement_id]
        if unit != DEGREES:
            value = scale.from_percent(value)
        value = overrides.get(measurement_id, value)
        result.append(Measurement(measurement_id, value, unit, "synthetic", ()))
    return tuple(result)


def ids(findings: tuple[Finding, ...]) -> list[str]:
    return [f.id for f in findings]


# ------------------------------------------------------------------ the knowledge base these tests assume


def test_the_rules_of_the_knowledge_base(kb: KnowledgeBase) -> None:
    """The thresholds the rest of this file is written for; a change to findings.toml should be seen here."""
    rules = {(r.id, r.measurement, r.comparison, r.threshold, r.unit) for r in kb.findings}
    assert rules == {
        ("forward_head", "head_forward_angle", "below", 45.5, DEGREES),
        ("feet_behind_hips", "foot_hip_offset", "above", 3.0, PERCENT_HEIGHT),
        ("feet_ahead_of_hips", "foot_hip_offset", "below", -2.0, PERCENT_HEIGHT),
        ("trunk_leaning_forward", "trunk_lean", "above", 5.0, DEGREES),
        ("trunk_leaning_back", "trunk_lean", "below", -5.0, DEGREES),
        ("knee_hyperextension", "knee_angle", "above", 5.0, DEGREES),
        ("knees_bent", "knee_angle", "below", -10.0, DEGREES),
        ("hip_pushed_forward", "hip_extension", "above", 10.0, DEGREES),
        ("pelvis_tipped_forward", "pelvic_tilt", "above", 18.0, DEGREES),
        ("pelvis_tucked_under", "pelvic_tilt", "below", 3.0, DEGREES),
        ("belly_pushed_out", "belly_prominence", "above", 2.5, PERCENT_HEIGHT),
        ("left_hip_higher", "hip_height_difference", "above", 0.59, PERCENT_HEIGHT),
        ("right_hip_higher", "hip_height_difference", "below", -0.59, PERCENT_HEIGHT),
        ("legs_look_unequal", "apparent_leg_length_difference", "above", 1.18, PERCENT_HEIGHT),
        ("legs_look_unequal_right", "apparent_leg_length_difference", "below", -1.18, PERCENT_HEIGHT),
        ("left_shoulder_higher", "shoulder_height_difference", "above", 0.88, PERCENT_HEIGHT),
        ("right_shoulder_higher", "shoulder_height_difference", "below", -0.88, PERCENT_HEIGHT),
    }


# ------------------------------------------------------------------ one measurement past one threshold

PAST = [
    pytest.param("head_forward_angle", 45.4, "forward_head", id="forward_head"),
    pytest.param("head_forward_angle", 40.0, "forward_head", id="forward_head-far"),
    pytest.param("foot_hip_offset", 3.1, "feet_behind_hips", id="feet_behind_hips"),
    pytest.param("foot_hip_offset", -2.1, "feet_ahead_of_hips", id="feet_ahead_of_hips"),
    pytest.param("trunk_lean", 5.1, "trunk_leaning_forward", id="trunk_leaning_forward"),
    pytest.param("trunk_lean", -5.1, "trunk_leaning_back", id="trunk_leaning_back"),
    pytest.param("knee_angle", 5.1, "knee_hyperextension", id="knee_hyperextension"),
    pytest.param("knee_angle", -10.1, "knees_bent", id="knees_bent"),
    pytest.param("hip_extension", 10.1, "hip_pushed_forward", id="hip_pushed_forward"),
]


@pytest.mark.parametrize("view", ["side-left", "side-right"])
@pytest.mark.parametrize(("measurement_id", "value", "finding_id"), PAST)
def test_a_value_past_a_threshold_flags_its_finding(kb: KnowledgeBase, view: str, measurement_id: str,
                                                    value: float, finding_id: str) -> None:
    findings = evaluate(side_measurements(**{measurement_id: value}), view=view, scale=PERCENT_SCALE, knowledge=kb)
    assert ids(findings) == [finding_id]
    finding = findings[0]
    rule = next(r for r in kb.findings if r.id == finding_id)
    assert finding.measurement == measurement_id
    assert finding.value == value
    assert finding.unit == UNITS.get(measurement_id, PERCENT_HEIGHT)
    assert finding.threshold == rule.threshold
    assert finding.comparison == rule.comparison
    assert finding.proxy is False  # the constructed measurements are not proxies, whatever the rule allows
    assert finding.title == rule.title
    assert finding.explanation == rule.explanation
    assert finding.article_sections == rule.article_sections
    assert finding.threshold_source == rule.threshold_source


JUST_INSIDE = [
    pytest.param("head_forward_angle", 45.5, id="head-angle-at-45.5"),
    pytest.param("head_forward_angle", 70.1, id="head-angle-70.1"),
    pytest.param("foot_hip_offset", 3.0, id="foot-hip-at-3"),
    pytest.param("foot_hip_offset", -2.0, id="foot-hip-at-minus-2"),
    pytest.param("trunk_lean", 5.0, id="trunk-at-5"),
    pytest.param("trunk_lean", -4.9, id="trunk-minus-4.9"),
    pytest.param("knee_angle", 5.0, id="knee-at-5"),
    pytest.param("knee_angle", -9.9, id="knee-minus-9.9"),
    pytest.param("hip_extension", 10.0, id="hip-extension-at-10"),
    pytest.param("hip_extension", -30.0, id="hip-flexed-unbounded"),
    pytest.param("plumb_line", 25.0, id="plumb-line-has-no-rule"),
    pytest.param("head_forward_offset", 25.0, id="head-offset-has-no-rule"),
]


@pytest.mark.parametrize(("measurement_id", "value"), JUST_INSIDE)
def test_a_value_on_or_inside_the_threshold_is_not_flagged(kb: KnowledgeBase, measurement_id: str,
                                                           value: float) -> None:
    findings = evaluate(side_measurements(**{measurement_id: value}), view="side-right", scale=PERCENT_SCALE,
                        knowledge=kb)
    assert ids(findings) == ["balanced_alignment"]


def test_values_inside_every_threshold_give_exactly_balanced_alignment(kb: KnowledgeBase) -> None:
    findings = evaluate(side_measurements(), view="side-left", scale=PERCENT_SCALE, knowledge=kb)
    assert len(findings) == 1
    balanced = findings[0]
    assert balanced.id == "balanced_alignment"
    assert balanced.title == kb.balanced.title
    assert balanced.explanation == kb.balanced.explanation
    assert balanced.article_sections == kb.balanced.article_sections
    assert balanced.measurement is None
    assert balanced.value is None
    assert balanced.threshold is None


def test_several_findings_come_in_knowledge_base_order_without_balanced(kb: KnowledgeBase) -> None:
    measured = side_measurements(head_forward_angle=40.0, foot_hip_offset=4.0, knee_angle=7.0, trunk_lean=-6.0)
    findings = evaluate(measured, view="side-right", scale=PERCENT_SCALE, knowledge=kb)
    assert ids(findings) == ["forward_head", "feet_behind_hips", "trunk_leaning_back", "knee_hyperextension"]


# ------------------------------------------------------------------ percent thresholds in cm


@pytest.mark.parametrize(
    ("cm", "expected"),
    [
        pytest.param(6.0, ["feet_behind_hips"], id="6cm-is-3.53%"),
        pytest.param(5.2, ["feet_behind_hips"], id="5.2cm-is-3.06%"),
        pytest.param(5.0, ["balanced_alignment"], id="5cm-is-2.94%"),
        pytest.param(4.0, ["balanced_alignment"], id="4cm-is-2.35%"),
        pytest.param(-3.3, ["balanced_alignment"], id="-3.3cm-is-1.94%"),
        pytest.param(-3.5, ["feet_ahead_of_hips"], id="-3.5cm-is-2.06%"),
    ],
)
def test_percent_thresholds_are_converted_to_cm(kb: KnowledgeBase, cm: float, expected: list[str]) -> None:
    findings = evaluate(side_measurements(CM_SCALE, foot_hip_offset=cm), view="side-right", scale=CM_SCALE,
                        knowledge=kb)
    assert ids(findings) == expected
    if expected != ["balanced_alignment"]:
        assert findings[0].unit == CM
        assert findings[0].threshold == pytest.approx(5.1 if cm > 0 else -3.4)


def test_degree_thresholds_are_not_converted_with_the_height(kb: KnowledgeBase) -> None:
    findings = evaluate(side_measurements(CM_SCALE, trunk_lean=5.5), view="side-right", scale=CM_SCALE, knowledge=kb)
    assert ids(findings) == ["trunk_leaning_forward"]
    assert findings[0].threshold == 5.0


def test_the_same_person_is_flagged_alike_with_or_without_the_height(kb: KnowledgeBase) -> None:
    # Hips 35 px ahead of the ankles in a 1000 px body: 3.5% of the height, 5.95 cm of 170 cm.
    xy = side_person(facing=-1, ear_ahead=35.0, shoulder_ahead=35.0, hip_ahead=35.0, knee_ahead=17.5)
    for scale in (PERCENT_SCALE, CM_SCALE):
        measured = measure_side_view(xy, facing=-1, near_side="left", scale=scale).measurements
        foot_hip = next(m for m in measured if m.id == "foot_hip_offset")
        assert foot_hip.value == pytest.approx(3.5 if scale is PERCENT_SCALE else 5.95)
        assert ids(evaluate(measured, view="side-left", scale=scale, knowledge=kb)) == ["feet_behind_hips"]


def test_an_upright_synthetic_person_is_balanced(kb: KnowledgeBase) -> None:
    measured = measure_side_view(side_person(facing=1, ear_ahead=20.0), facing=1, near_side="right", scale=CM_SCALE).measurements
    assert ids(evaluate(measured, view="side-right", scale=CM_SCALE, knowledge=kb)) == ["balanced_alignment"]


@pytest.mark.parametrize(
    ("posture", "expected"),
    [
        pytest.param({"ear_ahead": 120.0}, ["forward_head"], id="head-forward-atan2(110,120)=42.5"),
        pytest.param({"ear_ahead": 40.0}, ["balanced_alignment"], id="head-atan2(110,40)=70.0-not-flagged"),
        pytest.param({"ear_ahead": 45.0, "shoulder_ahead": 45.0, "hip_ahead": 45.0, "knee_ahead": 22.5},
                     ["feet_behind_hips"],
                     id="whole-body-ahead-of-the-feet"),
        pytest.param({"knee_ahead": -30.0}, ["knee_hyperextension"], id="knee-back-14.3deg"),
        pytest.param({"knee_ahead": 50.0}, ["knees_bent"], id="knee-bent-23.5deg"),
        pytest.param({"hip_ahead": 20.0, "shoulder_ahead": -20.0, "ear_ahead": -20.0},
                     ["trunk_leaning_back", "hip_pushed_forward"], id="sway"),
    ],
)
def test_synthetic_postures_flag_their_findings(kb: KnowledgeBase, posture: dict[str, float],
                                                expected: list[str]) -> None:
    measured = measure_side_view(side_person(facing=1, **posture), facing=1, near_side="right", scale=PERCENT_SCALE).measurements
    assert ids(evaluate(measured, view="side-right", scale=PERCENT_SCALE, knowledge=kb)) == expected


# ------------------------------------------------------------------ front and back views


@pytest.mark.parametrize("view", ["front", "back"])
def test_front_measurements_give_front_findings_only(kb: KnowledgeBase, view: str) -> None:
    xy = front_person(back=view == "back", shoulder_rise=40.0, trunk_shift=60.0)
    measured = measure_front_view(xy, back=view == "back", scale=PERCENT_SCALE).measurements
    # The left shoulder 40 px (4% of the body) higher: far beyond the threshold and the noise.
    assert ids(evaluate(measured, view=view, scale=PERCENT_SCALE, knowledge=kb)) == ["left_shoulder_higher"]


@pytest.mark.parametrize("view", ["front", "back"])
def test_level_front_measurements_are_balanced(kb: KnowledgeBase, view: str) -> None:
    measured = measure_front_view(front_person(back=view == "back"), back=view == "back", scale=PERCENT_SCALE).measurements
    assert ids(evaluate(measured, view=view, scale=PERCENT_SCALE, knowledge=kb)) == ["balanced_alignment"]


@pytest.mark.parametrize("view", ["front", "back"])
def test_side_rules_do_not_apply_to_a_front_view_even_with_side_values(kb: KnowledgeBase, view: str) -> None:
    measured = side_measurements(head_forward_angle=30.0, trunk_lean=20.0, foot_hip_offset=10.0)
    assert evaluate(measured, view=view, scale=PERCENT_SCALE, knowledge=kb) == ()


def test_a_side_view_without_side_measurements_is_not_called_balanced(kb: KnowledgeBase) -> None:
    measured = measure_front_view(front_person(), back=False, scale=PERCENT_SCALE).measurements
    assert evaluate(measured, view="side-right", scale=PERCENT_SCALE, knowledge=kb) == ()


def test_no_measurements_no_findings(kb: KnowledgeBase) -> None:
    assert evaluate((), view="side-left", scale=PERCENT_SCALE, knowledge=kb) == ()


# ------------------------------------------------------------------ typical ranges


@pytest.mark.parametrize(
    ("measurement_id", "scale", "expected"),
    [
        ("head_forward_angle", PERCENT_SCALE, (45.5, None)),
        ("trunk_lean", PERCENT_SCALE, (-5.0, 5.0)),
        ("knee_angle", PERCENT_SCALE, (-10.0, 5.0)),
        ("hip_extension", PERCENT_SCALE, (None, 10.0)),
        ("foot_hip_offset", PERCENT_SCALE, (-2.0, 3.0)),
        ("foot_hip_offset", CM_SCALE, (-3.4, 5.1)),
        ("trunk_lean", CM_SCALE, (-5.0, 5.0)),
        ("plumb_line", PERCENT_SCALE, (None, None)),
        ("head_forward_offset", CM_SCALE, (None, None)),
        ("no_such_measurement", PERCENT_SCALE, (None, None)),
    ],
)
def test_typical_range(kb: KnowledgeBase, measurement_id: str, scale: BodyScale,
                       expected: tuple[float | None, float | None]) -> None:
    low, high = typical_range(measurement_id, view="side-right", scale=scale, knowledge=kb)
    for got, want in ((low, expected[0]), (high, expected[1])):
        if want is None:
            assert got is None
        else:
            assert got == pytest.approx(want)


@pytest.mark.parametrize("view", ["front", "back"])
@pytest.mark.parametrize("measurement_id", ["head_forward_angle", "foot_hip_offset", "lateral_trunk_shift"])
def test_no_typical_range_where_no_rule_applies(kb: KnowledgeBase, view: str, measurement_id: str) -> None:
    assert typical_range(measurement_id, view=view, scale=PERCENT_SCALE, knowledge=kb) == (None, None)


@pytest.mark.parametrize("scale", [PERCENT_SCALE, CM_SCALE], ids=["percent", "cm"])
@pytest.mark.parametrize("measurement_id", sorted({"head_forward_angle", "foot_hip_offset", "trunk_lean",
                                                   "knee_angle", "hip_extension"}))
def test_typical_range_agrees_with_evaluate(kb: KnowledgeBase, scale: BodyScale, measurement_id: str) -> None:
    low, high = typical_range(measurement_id, view="side-left", scale=scale, knowledge=kb)
    eps = 1e-6

    def flagged(value: float) -> bool:
        findings = evaluate(side_measurements(scale, **{measurement_id: value}), view="side-left", scale=scale,
                            knowledge=kb)
        return any(f.measurement == measurement_id for f in findings)

    for bound, outward in ((low, -1.0), (high, 1.0)):
        if bound is None:
            assert not flagged(outward * 1e6)
            continue
        assert not flagged(bound)
        assert not flagged(bound - outward * eps)
        assert flagged(bound + outward * eps)
    assert low is None or high is None or low < high


def test_typical_range_is_the_band_inside_the_strictest_rules(kb: KnowledgeBase) -> None:
    # Two more trunk rules, each looser than the real ones: the band stays (-5, 5), and a value between
    # the two thresholds flags only the real finding.
    lean_forward, lean_back = kb.finding("trunk_leaning_forward"), kb.finding("trunk_leaning_back")
    extended = dataclasses.replace(kb, findings=kb.findings + (
        dataclasses.replace(lean_forward, id="trunk_far_forward", threshold=8.0),
        dataclasses.replace(lean_back, id="trunk_far_back", threshold=-8.0),
    ))
    assert typical_range("trunk_lean", view="side-left", scale=PERCENT_SCALE, knowledge=extended) == (-5.0, 5.0)
    assert typical_range("trunk_lean", view="side-left", scale=CM_SCALE, knowledge=extended) == (-5.0, 5.0)
    assert ids(evaluate(side_measurements(trunk_lean=6.0), view="side-left", scale=PERCENT_SCALE,
                        knowledge=extended)) == ["trunk_leaning_forward"]
    assert ids(evaluate(side_measurements(trunk_lean=9.0), view="side-left", scale=PERCENT_SCALE,
                        knowledge=extended)) == ["trunk_leaning_forward", "trunk_far_forward"]


@pytest.mark.parametrize(
    ("value", "uncertainty", "flagged", "borderline"),
    [
        pytest.param(44.0, 2.0, False, True, id="1.5-past-with-2-uncertainty"),
        pytest.param(44.0, 1.5, False, True, id="exactly-its-uncertainty-past"),  # 45.5 - 44.0 is 1.5 exactly
        pytest.param(44.0, 1.4, True, False, id="just-more-than-its-uncertainty-past"),
        pytest.param(40.0, 2.0, True, False, id="5.5-past-with-2-uncertainty"),
        pytest.param(44.0, None, True, None, id="no-uncertainty-unknown-not-false"),
    ],
)
def test_a_pattern_is_flagged_only_past_its_threshold_by_more_than_its_uncertainty(
    kb: KnowledgeBase, value: float, uncertainty: float | None, flagged: bool, borderline: bool | None
) -> None:
    measured = tuple(
        dataclasses.replace(m, value=value, uncertainty=uncertainty) if m.id == "head_forward_angle" else m
        for m in side_measurements()
    )
    (finding,) = evaluate(measured, view="side-left", scale=PERCENT_SCALE, knowledge=kb)
    # Within its ± of the threshold the photo shows balanced alignment, itself borderline.
    assert finding.id == ("forward_head" if flagged else "balanced_alignment")
    assert finding.borderline is borderline


def test_balanced_alignment_is_borderline_when_a_value_is_within_its_uncertainty_of_a_threshold(
    kb: KnowledgeBase,
) -> None:
    measured = tuple(
        dataclasses.replace(m, value=46.0, uncertainty=1.0) if m.id == "head_forward_angle" else m
        for m in side_measurements()
    )
    (finding,) = evaluate(measured, view="side-left", scale=PERCENT_SCALE, knowledge=kb)
    assert finding.id == "balanced_alignment"
    assert finding.borderline
    (clear,) = evaluate(tuple(dataclasses.replace(m, uncertainty=0.1) for m in side_measurements()),
                        view="side-left", scale=PERCENT_SCALE, knowledge=kb)
    assert clear.borderline is False
    (unknown,) = evaluate(side_measurements(), view="side-left", scale=PERCENT_SCALE, knowledge=kb)
    assert unknown.borderline is None  # without uncertainties nobody knows; the JSON says null, not false


@pytest.mark.parametrize(
    ("value", "uncertainty", "low", "high", "near"),
    [
        pytest.param(3.5, 0.5, None, 3.0, True, id="exactly-its-uncertainty-above-the-high-limit"),
        pytest.param(3.6, 0.5, None, 3.0, False, id="beyond-its-uncertainty"),
        pytest.param(-2.25, 0.25, -2.0, 3.0, True, id="exactly-its-uncertainty-below-the-low-limit"),
        pytest.param(3.2, None, -2.0, 3.0, False, id="no-uncertainty"),
    ],
)
def test_a_value_within_its_uncertainty_of_a_limit_is_near_it(value: float, uncertainty: float | None,
                                                               low: float | None, high: float | None,
                                                               near: bool) -> None:
    measured = Measurement("foot_hip_offset", value, PERCENT_HEIGHT, "synthetic", (), uncertainty=uncertainty)
    assert near_a_limit(measured, low, high) is near


def test_a_finding_carries_its_rules_texts(kb: KnowledgeBase) -> None:
    (finding,) = evaluate(side_measurements(head_forward_angle=40.0), view="side-left", scale=PERCENT_SCALE,
                          knowledge=kb)
    (rule,) = [r for r in kb.findings if r.id == finding.id]
    assert (finding.title, finding.summary, finding.explanation, finding.article_sections,
            finding.threshold_source) == (rule.title, rule.summary, rule.explanation, rule.article_sections,
                                          rule.threshold_source)


# ------------------------------------------------------------------ what one photo can support


@pytest.mark.parametrize(("proxy", "labelled"), [(True, True), (False, False)])
def test_a_finding_is_a_proxy_only_when_its_value_was_one(kb: KnowledgeBase, proxy: bool, labelled: bool) -> None:
    """A forward pelvis from the outline is a proxy finding; the same from skin markers on ASIS and PSIS is not."""
    measured = (*side_measurements(), Measurement("pelvic_tilt", 30.0, DEGREES, "m", (), proxy=proxy))
    (finding,) = [f for f in evaluate(measured, view="side-left", scale=PERCENT_SCALE, knowledge=kb)
                  if f.id == "pelvis_tipped_forward"]
    assert finding.proxy is labelled


@pytest.mark.parametrize(("tilt", "expected"), [(20.0, []), (25.0, ["pelvis_tipped_forward"]), (-1.0, []),
                                                (-4.0, ["pelvis_tucked_under"])])
def test_one_photo_flags_pelvic_tilt_only_beyond_its_accuracy(kb: KnowledgeBase, tilt: float,
                                                              expected: list[str]) -> None:
    """One photo's tilt is uncertain by about 6° (registry accuracy): 18° and 3° move out to 24° and -3°."""
    measured = (*side_measurements(), Measurement("pelvic_tilt", tilt, DEGREES, "outline", (), proxy=True))
    found = [i for i in ids(evaluate(measured, view="side-left", scale=PERCENT_SCALE, knowledge=kb))
             if i != "balanced_alignment"]
    assert found == expected
    assert typical_range("pelvic_tilt", view="side-left", scale=PERCENT_SCALE, knowledge=kb) == (-3.0, 24.0)


def test_skin_markers_measure_the_tilt_itself_so_the_clinical_thresholds_apply(kb: KnowledgeBase) -> None:
    measured = (*side_measurements(), Measurement("pelvic_tilt", 20.0, DEGREES, "markers", (), proxy=False))
    assert "pelvis_tipped_forward" in ids(evaluate(measured, view="side-left", scale=PERCENT_SCALE, knowledge=kb))
    assert typical_range("pelvic_tilt", view="side-left", scale=PERCENT_SCALE, knowledge=kb,
                         proxy=False) == (3.0, 18.0)


@pytest.mark.parametrize(
    ("value", "uncertainty", "flagged", "sided"),
    [(0.8, None, False, False), (1.5, None, True, True), (1.0, 0.3, True, True), (0.8, 0.3, False, True),
     (1.5, 1.6, False, False), (-1.5, None, True, True)],
    ids=["inside-resolution", "beyond-resolution", "past-threshold-by-more-than-its-±",
         "past-threshold-by-less-than-its-±", "inside-own-uncertainty", "right"],
)
def test_a_hip_difference_inside_its_noise_names_no_side(kb: KnowledgeBase, value: float, uncertainty: float | None,
                                                         flagged: bool, sided: bool) -> None:
    """The threshold is 0.59% of height (1 cm at 170 cm); the noise is the ± or, without one, the resolution (1.2%).

    A difference out of its noise has a side, but is flagged only past the threshold by more than its ±."""
    hips = Measurement("hip_height_difference", value, PERCENT_HEIGHT, "synthetic", (), uncertainty=uncertainty)
    found = ids(evaluate((hips,), view="front", scale=PERCENT_SCALE, knowledge=kb))
    side = "left_hip_higher" if value > 0 else "right_hip_higher"
    assert (side in found) is flagged
    assert detectable(hips, PERCENT_SCALE) is sided


def test_a_difference_exactly_its_noise_names_no_side() -> None:
    hips = Measurement("hip_height_difference", 0.5, PERCENT_HEIGHT, "synthetic", (), uncertainty=0.5)
    assert detectable(hips, PERCENT_SCALE) is False
    assert detectable(dataclasses.replace(hips, value=-0.5001), PERCENT_SCALE) is True


def test_without_uncertainty_the_noise_is_the_resolution_in_the_measurements_unit() -> None:
    """The hip height's resolution, 1.2% of body height, is 2.04 cm for a person of 170 cm."""
    hips = Measurement("hip_height_difference", 2.0, CM, "synthetic", ())
    assert noise(hips, CM_SCALE) == pytest.approx(2.04)
    assert detectable(hips, CM_SCALE) is False and detectable(dataclasses.replace(hips, value=2.1), CM_SCALE) is True
