"""The knowledge base: which measurement flags which finding, and why.

The content lives as data in ``posture/knowledge/findings.toml``: for each
finding, the measurement and threshold that trigger it, where the threshold
comes from and whether it means what the article means, and a plain-language
explanation of how the finding relates to the psoas article, with the article
sections it draws on; the links between a finding and the other measurements
the article expects to go with it; and what the article suggests doing, each
point tied to the findings it bears on. This module reads that file into
frozen dataclasses and checks it strictly, so that a typo in the file fails
loudly instead of silently dropping a field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, cast, get_args

from posture.knowledge import registry
from posture.knowledge.reader import (
    check_keys,
    check_schema_version,
    check_unique,
    choice,
    entries,
    flag,
    loads,
    measurement_id,
    number,
    required_table,
    required_text,
    required_texts,
)

Comparison = Literal["below", "above"]
"""``below``: flagged when value < threshold; ``above``: when value > threshold."""

Unit = Literal["deg", "percent_height"]
"""Unit of a threshold: degrees, or percent of body height."""

ThresholdFit = Literal["matches", "differs", "not_in_article"]
"""Whether a threshold's source means what the article means by the pattern: the same, something else, or the
article has no such pattern."""

Expects = Literal["above", "below", "either"]
"""Where the article expects a linked measurement: past its upper limit, its lower one, or either (a side)."""

SuggestionKind = Literal["notice", "recommends", "cautions"]
"""The three groups of what the article suggests."""

SCHEMA_VERSION = 2
"""The only ``schema_version`` of ``findings.toml`` this module reads."""

COMPARISONS: frozenset[str] = frozenset(get_args(Comparison))
UNITS: frozenset[str] = frozenset(get_args(Unit))
VIEWS: frozenset[str] = frozenset({"side", "front", "back"})
THRESHOLD_FITS: frozenset[str] = frozenset(get_args(ThresholdFit))
EXPECTS: frozenset[str] = frozenset(get_args(Expects))

THRESHOLD_FIT_WORDS: dict[str, str] = {
    "matches": "This threshold matches the article's meaning",
    "differs": "This threshold differs from the article's meaning",
    "not_in_article": "The article has no such pattern",
}
"""How a report introduces a threshold's ``threshold_vs_article_note`` (the sentence it opens, without its stop)."""

SUGGESTIONS_TITLE = "What the article suggests"
SUGGESTIONS_INTRO = ("The article's approach in this project's words, each point with the sections it rests on: "
                     "what it describes, not a programme of exercises or a treatment.")
SUGGESTION_HEADINGS: dict[str, str] = {
    "notice": "What to notice",
    "recommends": "What it recommends",
    "cautions": "What it cautions about",
}
"""The heading of each group of suggestions, in report order."""

_TOP_KEYS = frozenset(
    {"schema_version", "article", "finding", "balanced", "walk", "not_measured", "caveat", "suggestion"}
)
_OPTIONAL_TOP_KEYS = frozenset({"link"})
_ARTICLE_KEYS = frozenset({"title", "author", "year"})
_FINDING_KEYS = frozenset(
    {
        "id",
        "title",
        "views",
        "measurement",
        "comparison",
        "threshold",
        "unit",
        "proxy",
        "threshold_source",
        "threshold_vs_article",
        "threshold_vs_article_note",
        "article_sections",
        "summary",
        "explanation",
    }
)
_LINK_KEYS = frozenset({"finding", "measurement", "expects", "claim", "pattern", "article_sections"})
_SUGGESTION_KEYS = frozenset({"id", "kind", "text", "article_sections"})
_TIE_KEYS = frozenset({"findings", "text", "article_sections"})
_PLAIN_FINDING_KEYS = frozenset({"title", "summary", "explanation", "article_sections"})
_NOT_MEASURED_KEYS = frozenset(
    {"id", "title", "measurements", "reason", "what_to_look_for", "article_sections"}
)
_CAVEAT_KEYS = frozenset({"id", "text"})


@dataclass(frozen=True, slots=True)
class FindingRule:
    """One finding: the measurement and threshold that flag it, and its explanation.

    Attributes:
        id: Stable identifier, e.g. ``"forward_head"``.
        title: Short heading for the finding.
        views: Views the rule applies to (``"side"``, ``"front"``, ``"back"``).
        measurement: Id of the measurement that triggers the finding.
        comparison: ``"below"`` flags values under the threshold, ``"above"``
            values over it.
        threshold: The threshold, in ``unit``.
        unit: ``"deg"`` or ``"percent_height"``.
        proxy: True when the measurement is a landmark proxy of a clinical
            measure, so its threshold is set for the proxy.
        threshold_source: Where the threshold comes from.
        threshold_vs_article: Whether that source means what the article
            means by the pattern (``"matches"``, ``"differs"``,
            ``"not_in_article"``).
        threshold_vs_article_note: How, in a sentence or two.
        article_sections: Exact headings of the article sections the
            explanation draws on.
        summary: One sentence on what the measurement shows.
        explanation: The article's ideas about the finding, in 2-4 sentences.
    """

    id: str
    title: str
    views: tuple[str, ...]
    measurement: str
    comparison: Comparison
    threshold: float
    unit: Unit
    proxy: bool
    threshold_source: str
    threshold_vs_article: ThresholdFit
    threshold_vs_article_note: str
    article_sections: tuple[str, ...]
    summary: str
    explanation: str


@dataclass(frozen=True, slots=True)
class Link:
    """A measurement the article expects to go with a finding, so that the finding's text can say what it reads.

    Attributes:
        finding: id of the finding whose text carries the link.
        measurement: id of the related measurement.
        expects: where the article expects that measurement: past its upper limit (``"above"``), its lower one
            (``"below"``), or past either (``"either"``, for a left-right difference).
        claim: what the article expects, as the opening clause of a sentence (no final stop).
        pattern: the expected pattern as a noun phrase, for "so this photo does not show ...".
        article_sections: the article sections the claim rests on.
    """

    finding: str
    measurement: str
    expects: Expects
    claim: str
    pattern: str
    article_sections: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Tie:
    """Why a suggestion bears on a photo that shows one of ``findings``."""

    findings: tuple[str, ...]
    text: str
    article_sections: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One point of what the article suggests: something to notice, a recommendation or a caution.

    Attributes:
        id: stable identifier, e.g. ``"groin_fold"``.
        kind: its group (:data:`SUGGESTION_HEADINGS`).
        text: the point, in one or two sentences.
        article_sections: the article sections it rests on.
        ties: the findings it bears on, each with why; for one photo, only those of its findings.
    """

    id: str
    kind: SuggestionKind
    text: str
    article_sections: tuple[str, ...]
    ties: tuple[Tie, ...] = ()


@dataclass(frozen=True, slots=True)
class PlainFinding:
    """A finding's texts that no threshold rule carries: balanced alignment, when no rule flags anything, and an
    uneven walk, which a walking clip's comparisons flag."""

    title: str
    summary: str
    explanation: str
    article_sections: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NotMeasured:
    """Something the article cares about that a photo may leave unmeasured, and why.

    It is reported when none of its ``measurements`` was taken in the photo.
    """

    id: str
    title: str
    measurements: tuple[str, ...]
    reason: str
    what_to_look_for: str
    article_sections: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Caveat:
    """A caution every report carries."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """The whole of ``findings.toml``, checked.

    Attributes:
        article_title: Title of the article, as printed.
        article_author: Its author, as printed.
        article_year: Its year(s), e.g. ``"2004, revised 2015"``.
        findings: Finding rules in file order.
        balanced: The text for a photo with nothing flagged.
        walk: The text for a walking clip whose left and right steps differ beyond their noise.
        not_measured: Things posture does not measure, in file order.
        caveats: Cautions shown with every report, in file order.
        links: The measurements each finding's text reads besides its own, in file order.
        suggestions: What the article suggests, in report order (grouped by kind).
    """

    article_title: str
    article_author: str
    article_year: str
    findings: tuple[FindingRule, ...]
    balanced: PlainFinding
    walk: PlainFinding
    not_measured: tuple[NotMeasured, ...]
    caveats: tuple[Caveat, ...]
    links: tuple[Link, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()

    def links_of(self, finding_id: str) -> tuple[Link, ...]:
        """The links a finding's text carries, in file order."""
        return tuple(link for link in self.links if link.finding == finding_id)

    def suggestions_for(self, finding_ids: Iterable[str]) -> tuple[Suggestion, ...]:
        """Every suggestion, each keeping only the ties to ``finding_ids`` (a photo's findings), narrowed to them."""
        present = set(finding_ids)
        tied = []
        for suggestion in self.suggestions:
            ties = tuple(dataclasses.replace(tie, findings=tuple(f for f in tie.findings if f in present))
                         for tie in suggestion.ties if present.intersection(tie.findings))
            tied.append(dataclasses.replace(suggestion, ties=ties))
        return tuple(tied)

    def finding(self, id: str) -> FindingRule:
        """Return the finding rule with this id.

        Raises:
            KeyError: No finding has this id.
        """
        for rule in self.findings:
            if rule.id == id:
                return rule
        known = ", ".join(rule.id for rule in self.findings)
        raise KeyError(f"no finding {id!r}; known findings: {known}")


@cache
def load_knowledge_base() -> KnowledgeBase:
    """Read and check the knowledge base shipped with the package (cached).

    Raises:
        ValueError: ``findings.toml`` is not valid TOML or breaks the schema.
    """
    text = (
        resources.files("posture")
        .joinpath("knowledge")
        .joinpath("findings.toml")
        .read_text(encoding="utf-8")
    )
    return parse_knowledge_base(text)


def parse_knowledge_base(text: str) -> KnowledgeBase:
    """Parse and check the text of a ``findings.toml`` file.

    Every table must have exactly its schema's keys, with values of the
    right type; text values must not be blank.

    Args:
        text: The TOML document.

    Returns:
        The checked knowledge base.

    Raises:
        ValueError: The text is not valid TOML (``tomllib.TOMLDecodeError``
            is a ``ValueError``), or an entry has an unknown, missing or
            malformed key; the message names the entry and the key.
    """
    data = loads(text)
    entry = "knowledge base"
    check_schema_version(data, entry, SCHEMA_VERSION)
    check_keys(data, entry, _TOP_KEYS, _OPTIONAL_TOP_KEYS)

    article = required_table(data, "article", entry)
    check_keys(article, "article", _ARTICLE_KEYS)
    findings = tuple(_finding(table, name) for name, table in entries(data, "finding", entry))
    check_unique((rule.id for rule in findings), "finding")
    not_measured = tuple(_not_measured(table, name) for name, table in entries(data, "not_measured", entry))
    check_unique((item.id for item in not_measured), "not_measured")
    caveats = tuple(_caveat(table, name) for name, table in entries(data, "caveat", entry))
    check_unique((caveat.id for caveat in caveats), "caveat")
    rules = {rule.id: rule for rule in findings}
    links = tuple(_link(table, name, rules) for name, table in entries(data, "link", entry)) if "link" in data else ()
    check_unique((f"{link.finding} → {link.measurement}" for link in links), "link", "finding and measurement")
    suggestions = tuple(_suggestion(table, name, rules) for name, table in entries(data, "suggestion", entry))
    check_unique((suggestion.id for suggestion in suggestions), "suggestion")
    # Reports list the suggestions group by group, so the file keeps each group together, in report order.
    kinds = [suggestion.kind for suggestion in suggestions]
    order = list(SUGGESTION_HEADINGS)
    if kinds != sorted(kinds, key=order.index):
        raise ValueError(f"{entry}: key 'suggestion' must keep each 'kind' together, in the order {order}, "
                         f"not {kinds}")
    return KnowledgeBase(
        article_title=required_text(article, "title", "article"),
        article_author=required_text(article, "author", "article"),
        article_year=required_text(article, "year", "article"),
        findings=findings,
        balanced=_plain_finding(required_table(data, "balanced", entry), "balanced"),
        walk=_plain_finding(required_table(data, "walk", entry), "walk"),
        not_measured=not_measured,
        caveats=caveats,
        links=links,
        suggestions=suggestions,
    )


def _finding(table: Mapping[str, Any], entry: str) -> FindingRule:
    check_keys(table, entry, _FINDING_KEYS)
    views = required_texts(table, "views", entry)
    for view in views:
        if view not in VIEWS:
            raise ValueError(
                f"{entry}: key 'views' has {view!r}; expected one of {sorted(VIEWS)}"
            )
    measurement = measurement_id(table, "measurement", entry)
    definition = registry.BY_ID[measurement]
    unmeasured_views = sorted(set(views) - definition.views)
    if unmeasured_views:
        raise ValueError(f"{entry}: key 'views' has {unmeasured_views!r}, where {measurement!r} is not measured")
    unit = choice(table, "unit", entry, UNITS)
    expected_unit = "deg" if definition.quantity == "angle" else "percent_height"
    if unit != expected_unit:
        raise ValueError(f"{entry}: key 'unit' is {unit!r}; {measurement!r} is a {definition.quantity}, "
                         f"so its thresholds are in {expected_unit!r}")
    return FindingRule(
        id=required_text(table, "id", entry),
        title=required_text(table, "title", entry),
        views=views,
        measurement=measurement,
        comparison=cast(Comparison, choice(table, "comparison", entry, COMPARISONS)),
        threshold=number(table, "threshold", entry),
        unit=cast(Unit, unit),
        proxy=flag(table, "proxy", entry),
        threshold_source=required_text(table, "threshold_source", entry),
        threshold_vs_article=cast(ThresholdFit, choice(table, "threshold_vs_article", entry, THRESHOLD_FITS)),
        threshold_vs_article_note=required_text(table, "threshold_vs_article_note", entry),
        article_sections=required_texts(table, "article_sections", entry),
        summary=required_text(table, "summary", entry),
        explanation=required_text(table, "explanation", entry),
    )


def _link(table: Mapping[str, Any], entry: str, rules: Mapping[str, FindingRule]) -> Link:
    check_keys(table, entry, _LINK_KEYS)
    finding = choice(table, "finding", entry, frozenset(rules))
    measurement = measurement_id(table, "measurement", entry)
    if measurement == rules[finding].measurement:
        raise ValueError(f"{entry}: key 'measurement' is {measurement!r}, the finding's own measurement")
    expects = cast(Expects, choice(table, "expects", entry, EXPECTS))
    # "Past its limit" needs a limit: a rule on the measurement in the expected direction.
    directions = {rule.comparison for rule in rules.values() if rule.measurement == measurement}
    wanted = {"above", "below"} if expects == "either" else {expects}
    if not directions & wanted:
        raise ValueError(f"{entry}: key 'expects' is {expects!r}, but no finding judges {measurement!r} that way")
    return Link(finding=finding, measurement=measurement, expects=expects,
                claim=required_text(table, "claim", entry), pattern=required_text(table, "pattern", entry),
                article_sections=required_texts(table, "article_sections", entry))


def _suggestion(table: Mapping[str, Any], entry: str, rules: Mapping[str, FindingRule]) -> Suggestion:
    check_keys(table, entry, _SUGGESTION_KEYS, frozenset({"tie"}))
    ties = tuple(_tie(tie, f"{entry} {name}", rules) for name, tie in entries(table, "tie", entry)) if "tie" in table \
        else ()
    return Suggestion(id=required_text(table, "id", entry),
                      kind=cast(SuggestionKind, choice(table, "kind", entry, frozenset(SUGGESTION_HEADINGS))),
                      text=required_text(table, "text", entry),
                      article_sections=required_texts(table, "article_sections", entry), ties=ties)


def _tie(table: Mapping[str, Any], entry: str, rules: Mapping[str, FindingRule]) -> Tie:
    check_keys(table, entry, _TIE_KEYS)
    findings = required_texts(table, "findings", entry)
    unknown = [f for f in findings if f not in rules]
    if unknown:
        raise ValueError(f"{entry}: key 'findings' has {unknown!r}, which is no finding of this file")
    return Tie(findings=findings, text=required_text(table, "text", entry),
               article_sections=required_texts(table, "article_sections", entry))


def _plain_finding(table: Mapping[str, Any], entry: str) -> PlainFinding:
    check_keys(table, entry, _PLAIN_FINDING_KEYS)
    return PlainFinding(
        title=required_text(table, "title", entry),
        summary=required_text(table, "summary", entry),
        explanation=required_text(table, "explanation", entry),
        article_sections=required_texts(table, "article_sections", entry),
    )


def _not_measured(table: Mapping[str, Any], entry: str) -> NotMeasured:
    check_keys(table, entry, _NOT_MEASURED_KEYS)
    measurements = required_texts(table, "measurements", entry)
    unknown = [m for m in measurements if m not in registry.BY_ID]
    if unknown:
        raise ValueError(f"{entry}: key 'measurements' has {unknown!r}, which posture does not measure")
    return NotMeasured(
        id=required_text(table, "id", entry),
        title=required_text(table, "title", entry),
        measurements=measurements,
        reason=required_text(table, "reason", entry),
        what_to_look_for=required_text(table, "what_to_look_for", entry),
        article_sections=required_texts(table, "article_sections", entry),
    )


def _caveat(table: Mapping[str, Any], entry: str) -> Caveat:
    check_keys(table, entry, _CAVEAT_KEYS)
    return Caveat(id=required_text(table, "id", entry), text=required_text(table, "text", entry))
