"""Tests for posture.knowledge.registry: one definition per measurement id, read by every other part of posture."""

from __future__ import annotations

import pytest
from builders import REPO

from posture.knowledge import registry
from posture.knowledge.explanations import load_knowledge_base, parse_knowledge_base
from posture.render.docs import JSON_TABLE, README_LIST, measurement_table, readme_list, regenerated
from posture.stages.measure.bodies import FRONT_MEASURES, SIDE_MEASURES


def test_every_definition_has_exactly_one_function() -> None:
    side = {d.id for d in registry.DEFINITIONS if "side" in d.views}
    front = {d.id for d in registry.DEFINITIONS if d.views & registry.FRONT_OR_BACK}
    assert set(SIDE_MEASURES) == side
    assert set(FRONT_MEASURES) == front
    assert not side & front


def test_stride_keeps_only_head_and_trunk() -> None:
    assert [d.id for d in registry.for_view("side", stride=True)] == [
        "head_forward_angle", "head_forward_offset", "trunk_lean"]
    assert len(registry.for_view("side")) == 9
    assert [d.id for d in registry.for_view("back")] == [d.id for d in registry.for_view("front")]


def test_an_unknown_id_names_the_known_ones() -> None:
    with pytest.raises(KeyError) as caught:
        registry.definition("pelvic_tlit")
    assert caught.value.args[0] == ("no measurement 'pelvic_tlit'; defined: "
                                    + ", ".join(d.id for d in registry.DEFINITIONS))


def test_every_finding_rule_feeds_from_a_defined_measurement() -> None:
    for rule in load_knowledge_base().findings:
        definition = registry.definition(rule.measurement)
        assert set(rule.views) <= definition.views
        assert rule.unit == ("deg" if definition.quantity == "angle" else "percent_height")


def _with_rule(measurement: str, unit: str = "deg", views: str = '["side"]') -> str:
    text = (REPO / "posture" / "knowledge" / "findings.toml").read_text(encoding="utf-8")
    first = text.index("[[finding]]")
    rule = f'''[[finding]]
id = "extra"
title = "t"
views = {views}
measurement = "{measurement}"
comparison = "above"
threshold = 1.0
unit = "{unit}"
proxy = false
threshold_source = "s"
threshold_vs_article = "matches"
threshold_vs_article_note = "n"
article_sections = ["a"]
summary = "s"
explanation = "e"

'''
    return text[:first] + rule + text[first:]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_with_rule("pelvic_tlit"), "does not measure"),
        (_with_rule("trunk_lean", unit="percent_height"), "angle"),
        (_with_rule("trunk_lean", views='["front"]'), "not measured"),
    ],
    ids=["unknown-id", "wrong-unit", "wrong-view"],
)
def test_the_knowledge_base_refuses_rules_the_registry_contradicts(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_knowledge_base(text)


def test_the_json_documentation_lists_every_measurement_as_the_registry_defines_it() -> None:
    document = (REPO / "docs" / "json-output.md").read_text(encoding="utf-8")
    assert regenerated(document) == document, "docs/json-output.md is behind the registry: run `make docs`"
    for definition in registry.DEFINITIONS:
        assert f"| `{definition.id}` |" in measurement_table()


def test_the_readme_lists_every_measurement_as_the_registry_defines_it() -> None:
    document = (REPO / "README.md").read_text(encoding="utf-8")
    assert regenerated(document) == document, "README.md's measurement list is behind the registry: run `make docs`"
    listed = readme_list()
    for definition in registry.DEFINITIONS:
        assert f"| `{definition.id}` | {definition.brief or definition.summary} |" in listed


def test_the_readme_list_has_one_table_per_view_kind_with_each_unit() -> None:
    side, front = readme_list().split("\n\nFront or back view")
    assert "| `trunk_lean` | hip → shoulder line from vertical, corrected for the landmarks' bias | deg |" in side
    assert "| `lateral_trunk_shift` | mid-shoulder sideways of mid-hip | % of height, or cm |" in front
    assert "lateral_trunk_shift" not in side and "trunk_lean" not in front


def test_a_stale_block_is_rewritten_and_a_document_without_markers_refused() -> None:
    stale = f"intro\n{README_LIST.start}\n| old |\n{README_LIST.end}\noutro\n"
    assert regenerated(stale) == f"intro\n{README_LIST.start}\n{readme_list()}\n{README_LIST.end}\noutro\n"
    both = f"{JSON_TABLE.start}\n{JSON_TABLE.end}\n\n{README_LIST.start}\n{README_LIST.end}\n"
    assert measurement_table() in regenerated(both) and readme_list() in regenerated(both)
    with pytest.raises(ValueError, match="none of the markers"):
        regenerated("no markers here\n")
    with pytest.raises(ValueError, match="after it"):
        regenerated(f"{README_LIST.end}\n{README_LIST.start}\n")


SIDE_WORDS = {
    "shoulder_height_difference": ("left higher", "right higher"),
    "hip_height_difference": ("left higher", "right higher"),
    "apparent_leg_length_difference": ("left longer", "right longer"),
    "lateral_trunk_shift": ("to the left", "to the right"),
}
"""The words a report puts after a left–right difference: the first for a positive value, the second for a negative."""


def test_every_left_right_measure_names_the_side_its_sign_convention_gives() -> None:
    assert {d.id: d.directions for d in registry.DEFINITIONS if d.directions is not None} == SIDE_WORDS
    for measurement_id, (positive, negative) in SIDE_WORDS.items():
        # "+ = the person's left hip higher": the positive value's words must name the left, and only the left.
        plus_clause = registry.definition(measurement_id).sign.split("+ =")[1]
        assert "left" in plus_clause and "right" not in plus_clause, measurement_id
        assert "left" in positive and "right" not in positive, measurement_id
        assert "right" in negative and "left" not in negative, measurement_id


def test_a_measurement_says_what_it_is_for_exactly_when_no_finding_judges_it() -> None:
    judged = {rule.measurement for rule in load_knowledge_base().findings}
    for definition in registry.DEFINITIONS:
        assert (definition.for_reference is None) == (definition.id in judged), definition.id
