"""Tests for posture.knowledge.explanations: the knowledge base (findings.toml), its schema and its content,
written in the project's own words (checked against the psoas article kept beside the checkout).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext

import pytest
from builders import SHARED

from posture.knowledge import registry
from posture.knowledge.explanations import KnowledgeBase, load_knowledge_base, parse_knowledge_base

ARTICLE = SHARED / "article" / "psoas-article.txt"

needs_article = pytest.mark.skipif(
    not ARTICLE.is_file(),
    reason=f"the psoas article is kept outside the repository and is not at {ARTICLE}",
)

SIDE_VIEW_MEASUREMENTS = frozenset(d.id for d in registry.for_view("side"))

CAVEATS = ("not_a_diagnosis", "misdiagnosis_common", "si_joint", "see_a_professional")

# Longest run of consecutive words a knowledge-base text may share with the
# article: the texts are written in this project's own words.
MAX_SHARED_WORDS = 7


@pytest.fixture(scope="module")
def article() -> str:
    return ARTICLE.read_text(encoding="utf-8")


def prose(kb: KnowledgeBase) -> Iterator[tuple[str, str]]:
    """Yield (where, text) for every text the project wrote itself.

    Left out: the article citation and section headings, which quote the
    article on purpose, and ids.
    """
    for rule in kb.findings:
        yield f"finding {rule.id!r} title", rule.title
        yield f"finding {rule.id!r} threshold_source", rule.threshold_source
        yield f"finding {rule.id!r} threshold_vs_article_note", rule.threshold_vs_article_note
        yield f"finding {rule.id!r} summary", rule.summary
        yield f"finding {rule.id!r} explanation", rule.explanation
    for link in kb.links:
        yield f"link {link.finding!r} → {link.measurement!r}", f"{link.claim}; {link.pattern}"
    for suggestion in kb.suggestions:
        yield f"suggestion {suggestion.id!r}", suggestion.text
        for number, tie in enumerate(suggestion.ties, start=1):
            yield f"suggestion {suggestion.id!r} tie {number}", tie.text
    yield "balanced title", kb.balanced.title
    yield "balanced summary", kb.balanced.summary
    yield "balanced explanation", kb.balanced.explanation
    yield "walk title", kb.walk.title
    yield "walk summary", kb.walk.summary
    yield "walk explanation", kb.walk.explanation
    for item in kb.not_measured:
        yield f"not_measured {item.id!r} title", item.title
        yield f"not_measured {item.id!r} reason", item.reason
        yield f"not_measured {item.id!r} what_to_look_for", item.what_to_look_for
    for caveat in kb.caveats:
        yield f"caveat {caveat.id!r}", caveat.text


def words(text: str) -> list[str]:
    """Lower-cased words with punctuation stripped ("S-I" gives "s", "i")."""
    return re.findall(r"[a-z0-9]+", text.lower())


def test_loads_once(kb: KnowledgeBase) -> None:
    assert kb.findings
    assert load_knowledge_base() is kb
    assert kb.article_author == "Lawrence Gold"


def test_ids_are_unique(kb: KnowledgeBase) -> None:
    for ids in (
        [rule.id for rule in kb.findings],
        [item.id for item in kb.not_measured],
        [caveat.id for caveat in kb.caveats],
    ):
        assert len(ids) == len(set(ids)), ids


def test_each_rule_applies_in_the_views_its_measurement_is_taken(kb: KnowledgeBase) -> None:
    for rule in kb.findings:
        if rule.measurement in SIDE_VIEW_MEASUREMENTS:
            assert rule.views == ("side",), rule.id
        else:
            assert rule.views == ("front", "back"), rule.id


def test_every_threshold_cites_a_source(kb: KnowledgeBase) -> None:
    for rule in kb.findings:
        assert rule.threshold_source.strip(), rule.id
        if rule.proxy:  # a proxy's threshold says how it relates to the clinical measure
            text = rule.threshold_source.lower()
            assert "provisional" in text or "calibrat" in text, rule.id


@pytest.mark.parametrize(
    ("finding_id", "measurement", "comparison", "threshold", "unit", "proxy"),
    [
        ("forward_head", "head_forward_angle", "below", 45.5, "deg", True),
        ("feet_behind_hips", "foot_hip_offset", "above", 3.0, "percent_height", False),
        ("feet_ahead_of_hips", "foot_hip_offset", "below", -2.0, "percent_height", False),
        ("trunk_leaning_forward", "trunk_lean", "above", 5.0, "deg", False),
        ("trunk_leaning_back", "trunk_lean", "below", -5.0, "deg", False),
        ("knee_hyperextension", "knee_angle", "above", 5.0, "deg", False),
        ("knees_bent", "knee_angle", "below", -10.0, "deg", False),
        ("hip_pushed_forward", "hip_extension", "above", 10.0, "deg", False),
        ("pelvis_tipped_forward", "pelvic_tilt", "above", 18.0, "deg", True),
        ("pelvis_tucked_under", "pelvic_tilt", "below", 3.0, "deg", True),
        ("belly_pushed_out", "belly_prominence", "above", 2.5, "percent_height", False),
        ("left_hip_higher", "hip_height_difference", "above", 0.59, "percent_height", True),
        ("right_hip_higher", "hip_height_difference", "below", -0.59, "percent_height", True),
        ("legs_look_unequal", "apparent_leg_length_difference", "above", 1.18, "percent_height", True),
        ("legs_look_unequal_right", "apparent_leg_length_difference", "below", -1.18, "percent_height", True),
        ("left_shoulder_higher", "shoulder_height_difference", "above", 0.88, "percent_height", True),
        ("right_shoulder_higher", "shoulder_height_difference", "below", -0.88, "percent_height", True),
    ],
)
def test_rules_as_specified(
    kb: KnowledgeBase,
    finding_id: str,
    measurement: str,
    comparison: str,
    threshold: float,
    unit: str,
    proxy: bool,
) -> None:
    rule = kb.finding(finding_id)
    assert (rule.measurement, rule.comparison, rule.threshold, rule.unit, rule.proxy) == (
        measurement,
        comparison,
        threshold,
        unit,
        proxy,
    )


def test_unknown_finding_raises_key_error(kb: KnowledgeBase) -> None:
    with pytest.raises(KeyError, match="'slouch'"):
        kb.finding("slouch")


def test_caveats_present(kb: KnowledgeBase) -> None:
    assert {caveat.id for caveat in kb.caveats} >= set(CAVEATS)


def test_not_measured_covers_pelvic_tilt_and_hip_height(kb: KnowledgeBase) -> None:
    assert {item.id for item in kb.not_measured} >= {"pelvic_tilt", "hip_height_asymmetry"}


@needs_article
def test_article_sections_are_article_headings(kb: KnowledgeBase, article: str) -> None:
    headings = {line.strip() for line in article.splitlines()}
    referenced = [
        *((rule.id, section) for rule in kb.findings for section in rule.article_sections),
        *(("balanced", section) for section in kb.balanced.article_sections),
        *(("walk", section) for section in kb.walk.article_sections),
        *((item.id, section) for item in kb.not_measured for section in item.article_sections),
        *((link.finding, section) for link in kb.links for section in link.article_sections),
        *((s.id, section) for s in kb.suggestions for section in s.article_sections),
        *((s.id, section) for s in kb.suggestions for tie in s.ties for section in tie.article_sections),
    ]
    wrong = [(owner, section) for owner, section in referenced if section not in headings]
    assert not wrong, f"not a heading of the article: {wrong}"


@needs_article
def test_no_text_copies_the_article(kb: KnowledgeBase, article: str) -> None:
    n = MAX_SHARED_WORDS + 1
    article_words = words(article)
    article_runs = {
        tuple(article_words[i : i + n]) for i in range(len(article_words) - n + 1)
    }
    copied = []
    for where, text in prose(kb):
        text_words = words(text)
        for i in range(len(text_words) - n + 1):
            run = tuple(text_words[i : i + n])
            if run in article_runs:
                copied.append(f"{where}: {' '.join(run)!r}")
    assert not copied, "copied from the article:\n" + "\n".join(copied)


def test_explanations_are_two_to_four_sentences(kb: KnowledgeBase) -> None:
    texts = [(rule.id, rule.explanation) for rule in kb.findings]
    texts.append(("balanced", kb.balanced.explanation))
    texts.append(("walk", kb.walk.explanation))
    for owner, text in texts:
        sentences = re.findall(r"[.!?](?:\s|$)", text)
        assert 2 <= len(sentences) <= 4, (owner, len(sentences))


# A small knowledge base that breaks nothing; the cases below each break one thing.
MINIMAL = '''
schema_version = 2
article = { title = "T", author = "A", year = "2004" }

[[finding]]
id = "forward_head"
title = "Head forward"
views = ["side"]
measurement = "head_forward_angle"
comparison = "below"
threshold = 70.0
unit = "deg"
proxy = true
threshold_source = "Provisional."
threshold_vs_article = "matches"
threshold_vs_article_note = "Same meaning."
article_sections = ["S"]
summary = "The head is forward."
explanation = "One. Two."

[[finding]]
id = "leaning_forward"
title = "Leaning"
views = ['side']
measurement = "trunk_lean"
comparison = "above"
threshold = 5.0
unit = 'deg'
proxy = false
threshold_source = "Kendall."
threshold_vs_article = "differs"
threshold_vs_article_note = "Another meaning."
article_sections = ['S']
summary = "The trunk leans."
explanation = "One. Two."

[[link]]
finding = "forward_head"
measurement = "trunk_lean"
expects = "above"
claim = "The article expects a lean"
pattern = "a lean"
article_sections = ["S"]

[balanced]
title = "Balanced"
summary = "Nothing flagged."
explanation = "One. Two."
article_sections = ["S"]

[walk]
title = "Uneven"
summary = "One side differs."
explanation = "One. Two."
article_sections = ["S"]

[[not_measured]]
id = "pelvic_tilt"
title = "Not measured"
measurements = ["pelvic_tilt"]
reason = "Landmarks cannot show it."
what_to_look_for = "A groin crease."
article_sections = ["S"]

[[caveat]]
id = "not_a_diagnosis"
text = "Not a diagnosis."

[[suggestion]]
id = "fold"
kind = "notice"
text = "Notice the fold."
article_sections = ["S"]

[[suggestion.tie]]
findings = ["forward_head"]
text = "The head goes with it."
article_sections = ["S"]

[[suggestion]]
id = "training"
kind = "recommends"
text = "Train by feel."
article_sections = ["S"]
'''


def test_minimal_knowledge_base_parses() -> None:
    kb = parse_knowledge_base(MINIMAL)
    assert kb.finding("forward_head").threshold == 70.0
    assert kb.finding("leaning_forward").threshold_vs_article == "differs"
    assert kb.caveats[0].id == "not_a_diagnosis"
    assert kb.links_of("forward_head")[0].measurement == "trunk_lean"
    assert kb.links_of("leaning_forward") == ()
    assert [s.id for s in kb.suggestions] == ["fold", "training"]


def test_links_are_optional() -> None:
    start = MINIMAL.index("[[link]]")
    end = MINIMAL.index("[balanced]")
    assert parse_knowledge_base(MINIMAL[:start] + MINIMAL[end:]).links == ()


def test_a_photo_keeps_only_the_ties_to_its_own_findings() -> None:
    kb = parse_knowledge_base(MINIMAL)
    assert [len(s.ties) for s in kb.suggestions_for([])] == [0, 0]
    assert [len(s.ties) for s in kb.suggestions_for(["leaning_forward"])] == [0, 0]
    tied = kb.suggestions_for(["forward_head", "leaning_forward"])
    assert tied[0].ties[0].findings == ("forward_head",)
    assert tied[0].text == kb.suggestions[0].text


def test_a_tie_is_narrowed_to_the_findings_the_photo_shows(kb: KnowledgeBase) -> None:
    walk = {s.id: s for s in kb.suggestions_for(["right_hip_higher"])}["walk"]
    assert [tie.findings for tie in walk.ties] == [("right_hip_higher",)]


def rejects(key: str) -> AbstractContextManager[object]:
    """Expect a ValueError whose message quotes ``key``."""
    return pytest.raises(ValueError, match=re.escape(repr(key)))


@pytest.mark.parametrize(
    ("old", "new", "expectation"),
    [
        ('unit = "deg"', 'unit = "deg"\ncolour = "red"', rejects("colour")),
        ('summary = "The head is forward."\n', "", rejects("summary")),
        ('comparison = "below"', 'comparison = "under"', rejects("comparison")),
        ('unit = "deg"', 'unit = "cm"', rejects("unit")),
        ('views = ["side"]', 'views = ["top"]', rejects("views")),
        ("threshold = 70.0", 'threshold = "70"', rejects("threshold")),
        ("threshold = 70.0", "threshold = nan", rejects("threshold")),
        ("threshold = 70.0", "threshold = 70", nullcontext()),  # an integer is a number
        ("proxy = true", 'proxy = "yes"', rejects("proxy")),
        ('source = "Provisional."', 'source = " "', rejects("threshold_source")),
        ('sections = ["S"]\nsummary', 'sections = []\nsummary', rejects("article_sections")),
        ("schema_version = 2", "schema_version = 1", rejects("schema_version")),
        ("schema_version = 2\n", "", rejects("schema_version")),
        ("schema_version = 2", "schema_version = 2\nextra = 1", rejects("extra")),
        ('"matches"', '"agrees"', rejects("threshold_vs_article")),
        ('threshold_vs_article_note = "Same meaning."\n', "", rejects("threshold_vs_article_note")),
        ('finding = "forward_head"', 'finding = "slouch"', rejects("finding")),
        ('measurement = "trunk_lean"\nexpects', 'measurement = "head_forward_angle"\nexpects', rejects("measurement")),
        ('measurement = "trunk_lean"\nexpects', 'measurement = "pelvic_tlit"\nexpects', rejects("measurement")),
        ('expects = "above"', 'expects = "below"', rejects("expects")),
        ('expects = "above"', 'expects = "either"', nullcontext()),
        ('pattern = "a lean"\n', "", rejects("pattern")),
        ('kind = "notice"', 'kind = "advice"', rejects("kind")),
        ('kind = "recommends"', 'kind = "notice"', nullcontext()),
        ('kind = "notice"', 'kind = "cautions"', rejects("suggestion")),
        ('findings = ["forward_head"]', 'findings = ["slouch"]', rejects("findings")),
        ('text = "The head goes with it."', 'text = "The head goes with it."\nwhy = "x"', rejects("why")),
        ('author = "A", ', "", rejects("author")),
        ('text = "Not a diagnosis."', 'text = "Not a diagnosis."\nlink = "x"', rejects("link")),
        ('what_to_look_for = "A groin crease."\n', "", rejects("what_to_look_for")),
        ('[balanced]\ntitle = "Balanced"\n', "[balanced]\n", rejects("title")),
    ],
)
def test_schema_errors_name_the_key(
    old: str, new: str, expectation: AbstractContextManager[object]
) -> None:
    assert MINIMAL.count(old) == 1, old
    with expectation:
        parse_knowledge_base(MINIMAL.replace(old, new))


def test_error_names_the_entry() -> None:
    broken = MINIMAL.replace('comparison = "below"', 'comparison = "under"')
    with pytest.raises(ValueError, match=r"finding 'forward_head'.*'under'"):
        parse_knowledge_base(broken)


def test_duplicate_finding_id_is_rejected() -> None:
    start = MINIMAL.index("[[finding]]")
    end = MINIMAL.index("[balanced]")
    doubled = MINIMAL[:end] + MINIMAL[start:end] + MINIMAL[end:]
    with rejects("forward_head"):
        parse_knowledge_base(doubled)
