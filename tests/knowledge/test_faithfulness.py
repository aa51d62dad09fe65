"""The attributed-claims table: every passage of the knowledge base that speaks for the psoas article, and the
article sections it rests on.

The table was drawn up by reading each passage against the article (issue 19): a passage is listed with the
sections whose ideas it uses, and only those. A text edited to use another section, or a citation changed in a
TOML file, makes these tests fail until the table and the citation agree again, so every change of what is
attributed to the article passes a reviewer who checks it against the article.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from builders import SHARED

from posture.knowledge.changes import ChangeTexts, load_change_texts
from posture.knowledge.explanations import KnowledgeBase

ARTICLE = SHARED / "article" / "psoas-article.txt"

HELPFUL = "It's Helpful to Know"
STRETCHES = "Abdominal Strengthening Exercises and Psoas Stretches"
BELLY = "Correcting the Bulging Belly"
RELATIONSHIP = "The Relationship of Psoas, Abdominal Muscles and Back Pain"
SYMPTOMS = "Surprising Other Symptoms Of Psoas Muscle Malfunction That You May Have"
HEALTH = "Signs of Psoas Health"
PAIN = 'Where Does Psoas Muscle Pain ("Iliopsoas Syndrome") Show up and What Does It Feel Like?'

# Passage id → the article sections it rests on. Ids are "<kind>:<id>": finding, not_measured and caveat
# (findings.toml), change (changes.toml, by measurement) and change_caveat (changes.toml); "balanced" is the
# text for a photo with nothing flagged; threshold_note:<finding> is whether its threshold means what the article
# means; link:<finding>:<measurement> is a cross-check's claim and pattern; suggestion:<id> and
# suggestion_tie:<id>:<n> are what the article suggests and why a point bears on a finding (findings.toml).
# An empty tuple marks a text that attributes nothing to the article.
ATTRIBUTED: dict[str, tuple[str, ...]] = {
    "finding:forward_head": (RELATIONSHIP, SYMPTOMS),
    "finding:feet_behind_hips": (SYMPTOMS, RELATIONSHIP, HEALTH),
    "finding:feet_ahead_of_hips": (SYMPTOMS,),
    "finding:trunk_leaning_forward": (HEALTH, SYMPTOMS),
    "finding:trunk_leaning_back": (SYMPTOMS,),
    "finding:knee_hyperextension": (STRETCHES, SYMPTOMS),
    "finding:knees_bent": (SYMPTOMS, STRETCHES, HEALTH),
    "finding:hip_pushed_forward": (STRETCHES, BELLY),
    "finding:pelvis_tipped_forward": (STRETCHES, BELLY, RELATIONSHIP),
    "finding:pelvis_tucked_under": (SYMPTOMS, HEALTH),
    "finding:belly_pushed_out": (STRETCHES, BELLY),
    "finding:left_hip_higher": (SYMPTOMS, RELATIONSHIP, HEALTH, HELPFUL),
    "finding:right_hip_higher": (SYMPTOMS, RELATIONSHIP, HEALTH, HELPFUL),
    "finding:legs_look_unequal": (SYMPTOMS,),
    "finding:legs_look_unequal_right": (SYMPTOMS,),
    "finding:left_shoulder_higher": (RELATIONSHIP,),
    "finding:right_shoulder_higher": (RELATIONSHIP,),
    "balanced": (HEALTH,),
    "not_measured:pelvic_tilt": (STRETCHES, BELLY),
    "not_measured:hip_height_asymmetry": (SYMPTOMS, HEALTH, HELPFUL),
    "caveat:not_a_diagnosis": (),
    "caveat:misdiagnosis_common": (HELPFUL,),
    "caveat:si_joint": (HELPFUL,),
    "caveat:see_a_professional": (),
    "change:head_forward_angle": (SYMPTOMS, RELATIONSHIP),
    "change:foot_hip_offset": (SYMPTOMS,),
    "change:trunk_lean": (HEALTH, SYMPTOMS),
    "change:hip_extension": (BELLY, HEALTH),
    "change:knee_angle": (SYMPTOMS,),
    "change:pelvic_tilt": (BELLY, HEALTH, STRETCHES),
    "change:belly_prominence": (BELLY, STRETCHES),
    "change:hip_height_difference": (SYMPTOMS, RELATIONSHIP, HEALTH, HELPFUL),
    "change:apparent_leg_length_difference": (SYMPTOMS,),
    "change:shoulder_height_difference": (RELATIONSHIP,),
    "change_caveat:same_conditions": (),
    "change_caveat:repeatability_only": (),
    "threshold_note:forward_head": (SYMPTOMS,),
    "threshold_note:feet_behind_hips": (SYMPTOMS,),
    "threshold_note:feet_ahead_of_hips": (SYMPTOMS,),
    "threshold_note:trunk_leaning_forward": (HEALTH,),
    "threshold_note:trunk_leaning_back": (),
    "threshold_note:knee_hyperextension": (),
    "threshold_note:knees_bent": (),
    "threshold_note:hip_pushed_forward": (),
    "threshold_note:pelvis_tipped_forward": (STRETCHES,),
    "threshold_note:pelvis_tucked_under": (HEALTH,),
    "threshold_note:belly_pushed_out": (BELLY,),
    "threshold_note:left_hip_higher": (SYMPTOMS,),
    "threshold_note:right_hip_higher": (SYMPTOMS,),
    "threshold_note:legs_look_unequal": (SYMPTOMS,),
    "threshold_note:legs_look_unequal_right": (SYMPTOMS,),
    "threshold_note:left_shoulder_higher": (RELATIONSHIP,),
    "threshold_note:right_shoulder_higher": (RELATIONSHIP,),
    "link:feet_behind_hips:pelvic_tilt": (SYMPTOMS, HEALTH),
    "link:feet_ahead_of_hips:trunk_lean": (SYMPTOMS,),
    "link:trunk_leaning_forward:pelvic_tilt": (HEALTH,),
    "link:trunk_leaning_forward:belly_prominence": (HEALTH,),
    "link:trunk_leaning_back:foot_hip_offset": (SYMPTOMS,),
    "link:hip_pushed_forward:pelvic_tilt": (STRETCHES,),
    "link:pelvis_tipped_forward:belly_prominence": (STRETCHES,),
    "link:belly_pushed_out:pelvic_tilt": (STRETCHES, BELLY),
    "link:pelvis_tucked_under:foot_hip_offset": (SYMPTOMS,),
    "link:left_hip_higher:apparent_leg_length_difference": (SYMPTOMS,),
    "link:right_hip_higher:apparent_leg_length_difference": (SYMPTOMS,),
    "link:legs_look_unequal:hip_height_difference": (SYMPTOMS,),
    "link:legs_look_unequal_right:hip_height_difference": (SYMPTOMS,),
    "link:left_shoulder_higher:hip_height_difference": (RELATIONSHIP,),
    "link:right_shoulder_higher:hip_height_difference": (RELATIONSHIP,),
    "suggestion:groin_fold": (BELLY,),
    "suggestion_tie:groin_fold:1": (STRETCHES, BELLY),
    "suggestion_tie:groin_fold:2": (SYMPTOMS, HEALTH, BELLY),
    "suggestion:belly": (STRETCHES, BELLY),
    "suggestion_tie:belly:1": (STRETCHES, HEALTH),
    "suggestion_tie:belly:2": (HEALTH, SYMPTOMS),
    "suggestion:walk": (HEALTH,),
    "suggestion_tie:walk:1": (HEALTH,),
    "suggestion:active_training": (HELPFUL,),
    "suggestion:movement_memory": (HELPFUL, STRETCHES),
    "suggestion:healthy_function": (HELPFUL, HEALTH),
    "suggestion:stretches_and_crunches": (HELPFUL, STRETCHES, SYMPTOMS),
    "suggestion_tie:stretches_and_crunches:1": (SYMPTOMS,),
    "suggestion_tie:stretches_and_crunches:2": (STRETCHES,),
    "suggestion:pain": (PAIN, HELPFUL),
    "suggestion:lower_legs": (HEALTH,),
    "suggestion_tie:lower_legs:1": (SYMPTOMS,),
}


def cited(kb: KnowledgeBase, texts: ChangeTexts) -> Iterator[tuple[str, tuple[str, ...] | None, str]]:
    """Yield (passage id, the sections its TOML entry cites, its text) for every passage.

    Caveats and threshold notes name no sections in their TOML (their schema has no such key), so they yield None.
    """
    for rule in kb.findings:
        yield f"finding:{rule.id}", rule.article_sections, rule.explanation
        yield f"threshold_note:{rule.id}", None, rule.threshold_vs_article_note
    for link in kb.links:
        yield f"link:{link.finding}:{link.measurement}", link.article_sections, f"{link.claim}; {link.pattern}"
    for suggestion in kb.suggestions:
        yield f"suggestion:{suggestion.id}", suggestion.article_sections, suggestion.text
        for number, tie in enumerate(suggestion.ties, start=1):
            yield f"suggestion_tie:{suggestion.id}:{number}", tie.article_sections, tie.text
    yield "balanced", kb.balanced.article_sections, kb.balanced.explanation
    for item in kb.not_measured:
        yield f"not_measured:{item.id}", item.article_sections, item.what_to_look_for
    for caveat in kb.caveats:
        yield f"caveat:{caveat.id}", None, caveat.text
    for change in texts.changes:
        yield f"change:{change.measurement}", change.article_sections, change.toward + " " + change.away
    for ident, text in texts.caveats:
        yield f"change_caveat:{ident}", None, text


@pytest.fixture(scope="module")
def passages(kb: KnowledgeBase) -> list[tuple[str, tuple[str, ...] | None, str]]:
    return list(cited(kb, load_change_texts()))


def test_the_table_lists_every_passage_and_nothing_else(passages: list[tuple[str, tuple[str, ...] | None, str]]) -> None:
    ids = [ident for ident, _, _ in passages]
    assert len(ids) == len(set(ids)), ids
    assert sorted(set(ids) - ATTRIBUTED.keys()) == [], "passages missing from the table"
    assert sorted(ATTRIBUTED.keys() - set(ids)) == [], "table entries with no passage"


def test_each_passage_cites_exactly_the_sections_of_the_table(
    passages: list[tuple[str, tuple[str, ...] | None, str]],
) -> None:
    wrong = {ident: (sorted(sections), sorted(ATTRIBUTED[ident]))
             for ident, sections, _ in passages
             if sections is not None and sorted(sections) != sorted(ATTRIBUTED[ident])}
    assert not wrong, f"cited (TOML, table): {wrong}"


def test_a_passage_rests_on_sections_exactly_when_it_speaks_for_the_article(
    passages: list[tuple[str, tuple[str, ...] | None, str]],
) -> None:
    # Caveats cite nothing in their TOML, so this is what ties their table entries to their texts.
    wrong = [ident for ident, _, text in passages if ("article" in text.lower()) != bool(ATTRIBUTED[ident])]
    assert not wrong, f"speaks for the article without sections, or has sections without doing so: {wrong}"


def test_the_table_has_no_section_twice_in_one_entry() -> None:
    assert all(len(set(sections)) == len(sections) for sections in ATTRIBUTED.values())


@pytest.mark.skipif(not ARTICLE.is_file(), reason=f"the psoas article is kept outside the repository, not at {ARTICLE}")
def test_every_section_is_a_heading_of_the_article() -> None:
    headings = {line.strip() for line in ARTICLE.read_text(encoding="utf-8").splitlines()}
    named = {section for sections in ATTRIBUTED.values() for section in sections}
    assert sorted(named - headings) == []
