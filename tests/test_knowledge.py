"""Schema and content checks for the knowledge files (posture/knowledge/*.toml), their strict reader and defaults."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest

from posture.core.measurement import Measurement
from posture.core.units import CM, DEG
from posture.knowledge import registry
from posture.knowledge.calibration import parse_calibrations
from posture.knowledge.explanations import (
    KnowledgeBase,
    load_knowledge_base,
    parse_knowledge_base,
)
from posture.knowledge.reader import check_keys, check_unique, entries, number, number_table
from posture.knowledge.repeatability import (
    Repeatability,
    half_width_of_mean,
    parse_repeatability,
    repeatability,
)

REPO = Path(__file__).resolve().parents[1]
KNOWLEDGE = REPO / "posture" / "knowledge"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
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
def kb() -> KnowledgeBase:
    return load_knowledge_base()


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
        yield f"finding {rule.id!r} summary", rule.summary
        yield f"finding {rule.id!r} explanation", rule.explanation
    yield "balanced title", kb.balanced.title
    yield "balanced summary", kb.balanced.summary
    yield "balanced explanation", kb.balanced.explanation
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
        *((item.id, section) for item in kb.not_measured for section in item.article_sections),
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
    for owner, text in texts:
        sentences = re.findall(r"[.!?](?:\s|$)", text)
        assert 2 <= len(sentences) <= 4, (owner, len(sentences))


# A small knowledge base that breaks nothing; the cases below each break one thing.
MINIMAL = '''
schema_version = 1
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
article_sections = ["S"]
summary = "The head is forward."
explanation = "One. Two."

[balanced]
title = "Balanced"
summary = "Nothing flagged."
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
'''


def test_minimal_knowledge_base_parses() -> None:
    kb = parse_knowledge_base(MINIMAL)
    assert kb.finding("forward_head").threshold == 70.0
    assert kb.caveats[0].id == "not_a_diagnosis"


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
        ("schema_version = 1", "schema_version = 2", rejects("schema_version")),
        ("schema_version = 1\n", "", rejects("schema_version")),
        ("schema_version = 1", "schema_version = 1\nextra = 1", rejects("extra")),
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


# ------------------------------------------------------------------ the strict reader


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"a": 1, "b": 2, "c": 3}, "unknown key 'c'"),
        ({"b": 2}, "missing key 'a'"),
        ({"a": 1}, None),  # an optional key may be left out
        ({"a": 1, "b": 2}, None),
    ],
)
def test_keys_are_required_or_optional_and_nothing_else(table: dict[str, int], message: str | None) -> None:
    expectation = pytest.raises(ValueError, match=f"entry: {message}") if message else nullcontext()
    with expectation:
        check_keys(table, "entry", frozenset({"a"}), frozenset({"b"}))


@pytest.mark.parametrize(
    ("value", "positive", "message"),
    [
        (True, False, "must be a number"),
        ("1", False, "must be a number"),
        (float("inf"), False, "must be finite"),
        (0, True, "must be above zero"),
        (-0.5, True, "must be above zero"),
    ],
)
def test_numbers_are_finite_real_numbers(value: object, positive: bool, message: str) -> None:
    with pytest.raises(ValueError, match=f"where: key 'x' {message}"):
        number({"x": value}, "x", "where", positive=positive)
    assert number({"x": 2}, "x", "where", positive=positive) == 2.0


def test_entries_are_named_by_their_key_or_position_and_must_be_unique() -> None:
    data = {"item": [{"id": "first"}, {"other": 1}]}
    assert [name for name, _ in entries(data, "item", "file")] == ["item 'first'", "item #2"]
    with pytest.raises(ValueError, match="item #1: must be a table"):
        entries({"item": ["text"]}, "item", "file")
    with pytest.raises(ValueError, match=r"file: key 'item' must be a non-empty array of tables \[\[item\]\]"):
        entries({"item": []}, "item", "file")
    with pytest.raises(ValueError, match="change 'knee_angle': its measurement is listed more than once"):
        check_unique(["knee_angle", "trunk_lean", "knee_angle"], "change", key="measurement")
    check_unique(["a", "b"], "change")


def test_a_table_of_numbers_names_the_table_of_a_bad_value() -> None:
    assert number_table({"factor": {"a": 1, "b": 2.5}}, "factor", "file") == {"a": 1.0, "b": 2.5}
    with pytest.raises(ValueError, match=r"file \[factor\]: key 'b' must be a number"):
        number_table({"factor": {"a": 1, "b": "x"}}, "factor", "file")


# ------------------------------------------------------------------ calibration.toml


CALIBRATION = (KNOWLEDGE / "calibration.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("[trunk_lean]", "[trunk_leen]"), "'trunk_leen' names no measurement"),
        (lambda t: t.replace("[trunk_lean]\noffset", "[trunk_lean]\nofset"), "unknown key 'ofset'"),
        (lambda t: t.replace("offset = 2.9353", 'offset = "2.9353"'), "key 'offset' must be a number"),
        (lambda t: t.replace("outline_angle = 0.91059", "outline_angle = nan"), "must be finite"),
        (lambda t: t.replace('model_sha256 = "', 'model = "'), "unknown key 'model'"),
        (lambda t: t.replace('fitted_on = "', 'fitted_on = 3 # "'), "'fitted_on' must be non-blank text"),
    ],
)
def test_the_calibration_file_is_read_strictly(edit: Callable[[str], str], message: str) -> None:
    parse_calibrations(CALIBRATION)
    with pytest.raises(ValueError, match=message):
        parse_calibrations(edit(CALIBRATION))


def test_a_calibration_has_an_optional_slope_and_weights() -> None:
    calibrations = parse_calibrations(CALIBRATION)
    assert calibrations.get("trunk_lean") == dataclasses.replace(calibrations.get("trunk_lean"), slope=1.0,
                                                                 weights={})
    assert dict(calibrations.get("pelvic_tilt").weights)["hollow_depth"] == pytest.approx(42.18693)
    assert calibrations.get("hip_height_difference_back") is not None  # a variant fit of a measurement


# ------------------------------------------------------------------ repeatability.toml and its defaults


REPEATABILITY = (KNOWLEDGE / "repeatability.toml").read_text(encoding="utf-8")
KNEE_FACTOR = re.search(r"^knee_angle = [0-9.]+$", REPEATABILITY, re.MULTILINE).group(0)  # type: ignore[union-attr]
"""The shipped file's line with the knee angle's factor (the first of its two lines), whatever the fit gave."""


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace(KNEE_FACTOR, KNEE_FACTOR.replace("knee_angle", "knee_bend"), 1),
         r"\[factor\]: key 'knee_bend' is not a"),
        (lambda t: t.replace(KNEE_FACTOR, "knee_angle = 0", 1), "must be above zero"),
        (lambda t: t.replace(KNEE_FACTOR + "\n", "", 1), "'knee_angle' needs both a factor and a typical_spread"),
        (lambda t: re.sub(r"prior_readings = \d+", "prior_readings = 2.5", t), "'prior_readings' must be a whole"),
        (lambda t: re.sub(r"(prior_readings = \d+)", "\\1\nextra = 1", t), "unknown key 'extra'"),
    ],
)
def test_the_repeatability_file_is_read_strictly(edit: Callable[[str], str], message: str) -> None:
    parse_repeatability(REPEATABILITY)
    with pytest.raises(ValueError, match=message):
        parse_repeatability(edit(REPEATABILITY))


@pytest.fixture
def new_measurements(monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Two measurements the registry defines but no fit has seen: an angle and a length."""
    angle = dataclasses.replace(registry.definition("trunk_lean"), id="neck_twist")
    length = dataclasses.replace(registry.definition("lateral_trunk_shift"), id="waist_shift")
    for definition in (angle, length):
        monkeypatch.setitem(registry.BY_ID, definition.id, definition)
    return angle.id, length.id


def test_an_unfitted_measurement_gets_the_widest_fitted_factor_and_spread_of_its_quantity(
    new_measurements: tuple[str, str],
) -> None:
    angle, length = new_measurements
    shipped = repeatability()
    assert not shipped.is_fitted(angle) and shipped.is_fitted("trunk_lean")
    def widest(quantity: str) -> float:
        return max(v for k, v in shipped.typical_spread.items() if registry.definition(k).quantity == quantity)

    widest_factor = max(shipped.factor.values())
    assert shipped.factor_of(angle) == shipped.factor_of(length) == widest_factor
    assert shipped.spread_of(angle) == widest("angle") and shipped.spread_of(length) == widest("length")
    assert widest("angle") > min(shipped.typical_spread.values())  # the test would not tell a minimum apart
    values = [1.0, 2.0, 3.0]
    in_cm = Measurement(length, 1.0, CM, "landmarks", ())
    assert shipped.half_width(in_cm, values, 170.0) == pytest.approx(
        half_width_of_mean(values, widest_factor, widest("length") * 1.7, shipped.prior_readings))


def test_an_unfitted_measurement_gets_no_narrower_an_interval_than_any_fitted_one(
    new_measurements: tuple[str, str],
) -> None:
    angle, _ = new_measurements
    shipped = repeatability()
    values = [10.0, 10.5, 11.0, 10.2, 10.8, 10.4]
    unfitted = shipped.half_width(Measurement(angle, 10.5, DEG, "landmarks", ()), values, None)
    fitted_angles = [name for name in shipped.factor if registry.definition(name).quantity == "angle"]
    assert unfitted is not None and fitted_angles
    for name in fitted_angles:
        fitted = shipped.half_width(Measurement(name, 10.5, DEG, "landmarks", ()), values, None)
        assert fitted is not None and unfitted >= fitted, name


def test_a_measurement_left_out_of_the_fit_still_gets_an_interval() -> None:
    shipped = repeatability()
    without = Repeatability(prior_readings=shipped.prior_readings,
                            factor={k: v for k, v in shipped.factor.items() if k != "trunk_lean"},
                            typical_spread={k: v for k, v in shipped.typical_spread.items() if k != "trunk_lean"})
    lean = Measurement("trunk_lean", 3.0, DEG, "landmarks", ())
    values = [2.5, 3.0, 3.5]
    assert without.half_width(lean, values, None) == pytest.approx(
        half_width_of_mean(values, max(without.factor.values()),
                           max(v for k, v in without.typical_spread.items() if registry.definition(k).quantity == "angle"),
                           shipped.prior_readings))
    assert without.half_width(lean, values, None) > shipped.half_width(lean, values, None)  # type: ignore[operator]


def test_the_coverage_bench_marks_a_measurement_the_fit_has_not_seen(
    new_measurements: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loaded from its file: bench/ is no package, and the name `coverage` belongs to a well-known one.
    spec = importlib.util.spec_from_file_location("coverage_bench", REPO / "bench" / "coverage.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # its dataclasses look their module up there
    spec.loader.exec_module(bench)
    angle, _ = new_measurements
    assert bench.measurement_cell(angle, repeatability()) == f"{angle} (default, not fitted)"
    assert bench.measurement_cell("trunk_lean", repeatability()) == "trunk_lean"
