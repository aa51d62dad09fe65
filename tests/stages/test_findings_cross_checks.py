"""Tests for the cross-checks of posture.stages.findings: a finding's text says what the measurements the article
links with it read in the same photo (the knowledge base's links), so that no finding claims what the report's
other rows contradict (issue 19).
"""

from __future__ import annotations

import pytest
from builders import SIDE_MEASUREMENT_IDS

from posture.core.measurement import Measurement
from posture.core.units import DEG, PERCENT_HEIGHT
from posture.knowledge.explanations import KnowledgeBase, Link
from posture.stages.findings import Finding, cross_check, evaluate
from posture.stages.frame import BodyScale

SCALE = BodyScale(body_height_px=1000.0)
CLAIM = ("The article links feet set behind the hips with a deepened low-back hollow, which goes with a pelvis "
         "tipped forward; ")
"""The claim of the link from feet behind the hips to the pelvic tilt (findings.toml)."""

NEUTRAL = {"head_forward_angle": 52.0, "head_forward_offset": 2.0, "trunk_lean": 0.0, "hip_extension": 0.0,
           "foot_hip_offset": 6.9, "plumb_line": 1.0, "knee_angle": 0.0}
"""The demo photo's stance: feet well behind the hips, nothing else flagged."""


def side(tilt: float | None, uncertainty: float | None = None, **values: float) -> tuple[Measurement, ...]:
    """Side measurements (the feet behind the hips) with a pelvic tilt estimated from the outline, or none."""
    measured = [Measurement(i, values.get(i, NEUTRAL[i]), DEG if i in ("head_forward_angle", "trunk_lean",
                                                                        "hip_extension", "knee_angle")
                            else PERCENT_HEIGHT, "synthetic", ()) for i in SIDE_MEASUREMENT_IDS]
    if tilt is not None:
        measured.append(Measurement("pelvic_tilt", tilt, DEG, "outline", (), uncertainty=uncertainty, proxy=True))
    return tuple(measured)


def feet_behind(kb: KnowledgeBase, measurements: tuple[Measurement, ...], *, withheld: frozenset[str] = frozenset(),
                view: str = "side-right") -> Finding:
    findings = evaluate(measurements, view=view, scale=SCALE, knowledge=kb, withheld=withheld)
    return next(f for f in findings if f.id == "feet_behind_hips")


def test_the_demo_photo_says_its_tilt_does_not_show_the_hollow_the_article_expects(kb: KnowledgeBase) -> None:
    finding = feet_behind(kb, side(8.1, 1.8))
    assert finding.cross_checks == (
        CLAIM + "here the pelvic tilt reads +8.1 ± 1.8°, within its typical range (-3.0° to +24.0°), so this photo "
        "does not show that forward tip.",)


@pytest.mark.parametrize(
    ("tilt", "uncertainty", "ending"),
    [
        pytest.param(23.9, None, "here the pelvic tilt reads +23.9°, within its typical range (-3.0° to +24.0°), so "
                     "this photo does not show that forward tip.", id="just-inside"),
        pytest.param(23.9, 0.5, "here the pelvic tilt reads +23.9 ± 0.5°, closer to its limit of +24.0° than its ±, "
                     "so this photo neither shows nor rules out that forward tip.", id="just-inside-within-its-±"),
        pytest.param(24.1, None, "here the pelvic tilt reads +24.1°, past its limit of +24.0°, consistent with that "
                     "forward tip.", id="just-outside"),
        # Past the limit by less than its ±, the tilt is not flagged: the photo neither shows nor rules it out.
        pytest.param(24.1, 0.5, "here the pelvic tilt reads +24.1 ± 0.5°, closer to its limit of +24.0° than its ±, "
                     "so this photo neither shows nor rules out that forward tip.", id="just-outside-within-its-±"),
        pytest.param(24.6, 0.5, "here the pelvic tilt reads +24.6 ± 0.5°, past its limit of +24.0°, consistent with "
                     "that forward tip.", id="past-the-limit-by-more-than-its-±"),
        pytest.param(30.0, 1.0, "here the pelvic tilt reads +30.0 ± 1.0°, past its limit of +24.0°, consistent with "
                     "that forward tip.", id="well-outside"),
        pytest.param(-3.1, None, "here the pelvic tilt reads -3.1°, past its limit of -3.0° the other way: the "
                     "opposite of that forward tip.", id="just-outside-the-other-way"),
        pytest.param(-2.9, 0.5, "here the pelvic tilt reads -2.9 ± 0.5°, within its typical range (-3.0° to +24.0°), "
                     "so this photo does not show that forward tip.", id="near-the-other-limit"),
    ],
)
def test_the_tilt_against_its_typical_range(kb: KnowledgeBase, tilt: float, uncertainty: float | None,
                                            ending: str) -> None:
    assert feet_behind(kb, side(tilt, uncertainty)).cross_checks == (CLAIM + ending,)


def test_a_withheld_tilt_neither_confirms_nor_rules_out(kb: KnowledgeBase) -> None:
    finding = feet_behind(kb, side(None), withheld=frozenset({"pelvic_tilt"}))
    assert finding.cross_checks == (
        CLAIM + "the pelvic tilt was not given for this photo, so it can neither confirm nor rule out that forward "
        "tip.",)


def test_a_tilt_not_measured_for_no_stated_reason_says_so(kb: KnowledgeBase) -> None:
    assert feet_behind(kb, side(None)).cross_checks == (
        CLAIM + "the pelvic tilt was not measured in this photo, so it can neither confirm nor rule out that forward "
        "tip.",)


def test_a_measurement_of_another_view_is_said_to_need_that_view(kb: KnowledgeBase) -> None:
    link = Link(finding="feet_behind_hips", measurement="hip_height_difference", expects="either",
                claim="A claim", pattern="a raised hip", article_sections=("S",))
    sentence = cross_check(link, None, flagged=(), withheld=False, view="side-left", scale=SCALE, knowledge=kb)
    assert sentence == ("A claim; the hip height difference is measured only in a front or back photo, so this one "
                        "can neither confirm nor rule out a raised hip.")


FRONT = {"shoulder_height_difference": 1.5, "apparent_leg_length_difference": 0.0, "lateral_trunk_shift": 0.0}


def front(hips: float | None, hips_uncertainty: float | None = None) -> tuple[Measurement, ...]:
    measured = [Measurement(i, v, PERCENT_HEIGHT, "synthetic", ()) for i, v in FRONT.items()]
    if hips is not None:
        measured.append(Measurement("hip_height_difference", hips, PERCENT_HEIGHT, "outline", (),
                                    uncertainty=hips_uncertainty, proxy=True))
    return tuple(measured)


SHOULDER_CLAIM = ("In the article's one-sided pattern the trunk bends to one side and that side's hip is drawn up "
                  "into the waist; ")


@pytest.mark.parametrize(
    ("hips", "uncertainty", "ending"),
    [
        pytest.param(-1.5, None, "here the hip height difference reads -1.5% ht, past its limit of -0.6% ht, "
                     "consistent with a hip higher on one side.", id="either-side-counts"),
        pytest.param(0.3, 0.1, "here the hip height difference reads +0.3 ± 0.1% ht, within its typical range (-0.6% ht "
                     "to +0.6% ht), so this photo does not show a hip higher on one side.", id="level"),
        pytest.param(1.0, 1.5, "here the hip height difference reads +1.0 ± 1.5% ht, a difference inside its noise, "
                     "so this photo does not show a hip higher on one side.", id="inside-its-noise"),
    ],
)
def test_a_left_right_link_reads_either_side(kb: KnowledgeBase, hips: float, uncertainty: float | None,
                                            ending: str) -> None:
    findings = evaluate(front(hips, uncertainty), view="front", scale=SCALE, knowledge=kb)
    shoulder = next(f for f in findings if f.id == "left_shoulder_higher")
    assert shoulder.cross_checks == (SHOULDER_CLAIM + ending,)


def test_every_link_of_every_flagged_finding_gives_one_sentence(kb: KnowledgeBase) -> None:
    # Each finding in turn, with every measurement it links to missing: the sentences still come, one per link.
    for rule in kb.findings:
        value = rule.threshold + (1.0 if rule.comparison == "above" else -1.0)
        view = "side-left" if "side" in rule.views else "front"
        measured = (Measurement(rule.measurement, value, DEG if rule.unit == "deg" else PERCENT_HEIGHT, "synthetic",
                                ()),)
        finding = next(f for f in evaluate(measured, view=view, scale=SCALE, knowledge=kb) if f.id == rule.id)
        links = kb.links_of(rule.id)
        assert len(finding.cross_checks) == len(links), rule.id
        for link, sentence in zip(links, finding.cross_checks):
            assert sentence.startswith(link.claim + "; ") and sentence.endswith(link.pattern + "."), sentence


def test_balanced_alignment_and_unflagged_rules_carry_no_cross_check(kb: KnowledgeBase) -> None:
    findings = evaluate(side(8.1, foot_hip_offset=0.5), view="side-left", scale=SCALE, knowledge=kb)
    assert [(f.id, f.cross_checks) for f in findings] == [("balanced_alignment", ())]


def test_a_finding_says_whether_its_threshold_means_what_the_article_means(kb: KnowledgeBase) -> None:
    finding = feet_behind(kb, side(8.1))
    assert finding.threshold_vs_article == "differs"
    assert "tucked under" in (finding.threshold_vs_article_note or "")
