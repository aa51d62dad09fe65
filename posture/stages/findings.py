"""Findings: measurements compared with the thresholds of the knowledge base.

The thresholds, their sources, the explanations and the links between a
finding and the other measurements the article expects with it are data
(``knowledge/findings.toml``); this module only applies them, and writes each
link's cross-check from what the linked measurement reads in the same photo.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from posture.core.measurement import Measurement
from posture.core.units import format_measured, format_value
from posture.core.views import View
from posture.knowledge import registry
from posture.knowledge.explanations import FindingRule, KnowledgeBase, Link
from posture.stages.frame import PERCENT_HEIGHT, BodyScale


@dataclass(frozen=True, slots=True)
class Finding:
    """One flagged pattern (or the balanced-alignment finding), with its explanation.

    Attributes:
        id: the knowledge-base id, e.g. ``"forward_head"``; ``"balanced_alignment"`` when nothing was flagged.
        measurement: the measurement id that triggered it, or None for balanced alignment.
        value: that measurement's value, in ``unit``.
        threshold: the threshold in the same unit as the value.
        comparison: ``"above"`` or ``"below"``: how the value passed the threshold.
        proxy: True when the rule's measurement is a proxy of a clinical measure and this photo's value was one
            (skin markers measure pelvic tilt and the head angle directly).
        borderline: for balanced alignment, some value lies within its
            uncertainty of a threshold, so a repeat photo could be flagged. A
            pattern is flagged only when its value passes the threshold by more
            than its uncertainty, so a flagged finding is never borderline
            (False). None when no uncertainty was estimated (``--fast``), so
            nobody knows.
        threshold_vs_article: whether the threshold's source means what the article means
            (:data:`posture.knowledge.explanations.ThresholdFit`), with ``threshold_vs_article_note`` saying how.
        cross_checks: one sentence per measurement the article expects with this finding (the knowledge base's
            links), saying what it reads in this photo and whether that bears the expectation out.
    """

    id: str
    title: str
    summary: str
    explanation: str
    article_sections: tuple[str, ...]
    measurement: str | None = None
    value: float | None = None
    unit: str | None = None
    threshold: float | None = None
    comparison: str | None = None
    proxy: bool = False
    threshold_source: str | None = None
    borderline: bool | None = None
    threshold_vs_article: str | None = None
    threshold_vs_article_note: str | None = None
    cross_checks: tuple[str, ...] = ()


def noise(measurement: Measurement, scale: BodyScale) -> float | None:
    """How large a value must be to be told from zero: its uncertainty, else the method's resolution (registry)."""
    if measurement.uncertainty is not None:
        return measurement.uncertainty
    resolution = registry.definition(measurement.id).resolution
    if resolution is None:
        return None
    return resolution if measurement.unit == "deg" else scale.from_percent(resolution)


def detectable(measurement: Measurement, scale: BodyScale) -> bool | None:
    """For a sided measurement (left vs right), whether the difference stands out of the noise; None otherwise.

    A difference inside the noise has no side: reports call it "no detectable difference".
    """
    if registry.definition(measurement.id).directions is None:
        return None
    size = noise(measurement, scale)
    return None if size is None else abs(measurement.value) > size


def _threshold(rule: FindingRule, scale: BodyScale, *, proxy: bool = True) -> float:
    """Where the rule flags, in the unit of the measurement it applies to.

    For a measurement whose single-photo value is known only roughly (the
    registry's ``accuracy``), the threshold moves outward by that much: a
    finding is claimed only where the photo supports it.
    """
    threshold = scale.from_percent(rule.threshold) if rule.unit == PERCENT_HEIGHT else rule.threshold
    margin = registry.definition(rule.measurement).accuracy
    # A measure taken directly (skin markers) is not a proxy and needs no such margin.
    if margin is not None and proxy:
        threshold += margin if rule.comparison == "above" else -margin
    return threshold


def evaluate(
    measurements: tuple[Measurement, ...], *, view: str, scale: BodyScale, knowledge: KnowledgeBase,
    withheld: Collection[str] = (),
) -> tuple[Finding, ...]:
    """Apply every rule for this view; when a side view flags nothing, report balanced alignment.

    Each flagged finding then reads the measurements its links name (:func:`cross_check`).

    Args:
        measurements: the measurements of one photo.
        view: the photo's view (``"side-left"``, ``"front"``, ...).
        scale: converts thresholds given in % of body height to the measurements' unit.
        knowledge: the loaded knowledge base.
        withheld: ids of the measures this photo's view could give but this photo does not.
    """
    by_id = {m.id: m for m in measurements}
    kind = View(view).kind
    findings = []
    near_a_threshold = False
    # Borderline is unknown, not "no", where a measurement the rules read has no uncertainty.
    all_estimated = True
    for rule in knowledge.findings:
        measurement = by_id.get(rule.measurement)
        if kind not in rule.views or measurement is None:
            continue
        threshold = _threshold(rule, scale, proxy=measurement.proxy)
        passed = measurement.value < threshold if rule.comparison == "below" else measurement.value > threshold
        # A side is named only for a difference that stands out of the noise.
        passed = passed and detectable(measurement, scale) is not False
        close = _within(measurement, threshold)
        near_a_threshold = near_a_threshold or bool(close)
        all_estimated = all_estimated and close is not None
        # A value past the threshold by less than its ± could as well lie on this side of it: the photo does not
        # show the pattern, and the table says the value is near its limit instead.
        if passed and not close:
            findings.append(
                Finding(
                    id=rule.id, title=rule.title, summary=rule.summary, explanation=rule.explanation,
                    article_sections=rule.article_sections, measurement=rule.measurement,
                    value=measurement.value, unit=measurement.unit, threshold=threshold,
                    comparison=rule.comparison, proxy=rule.proxy and measurement.proxy,
                    threshold_source=rule.threshold_source, borderline=close,
                    threshold_vs_article=rule.threshold_vs_article,
                    threshold_vs_article_note=rule.threshold_vs_article_note,
                )
            )
    # A link reads whether its measurement was flagged, so the cross-checks wait for every rule.
    flagged = tuple(findings)
    findings = [dataclasses.replace(finding, cross_checks=tuple(
        cross_check(link, by_id.get(link.measurement), flagged=flagged, withheld=link.measurement in withheld,
                    view=view, scale=scale, knowledge=knowledge)
        for link in knowledge.links_of(finding.id))) for finding in flagged]
    rules_applied = any(kind in rule.views and rule.measurement in by_id for rule in knowledge.findings)
    if not findings and rules_applied:
        balanced = knowledge.balanced
        # Balanced is borderline when some value lies within its uncertainty of a threshold.
        findings.append(
            Finding(id="balanced_alignment", title=balanced.title, summary=balanced.summary,
                    explanation=balanced.explanation, article_sections=balanced.article_sections,
                    borderline=True if near_a_threshold else (False if all_estimated else None))
        )
    return tuple(findings)


def _within(measurement: Measurement, threshold: float) -> bool | None:
    """Whether the value lies within its uncertainty of the threshold; None when it has no uncertainty."""
    if measurement.uncertainty is None:
        return None
    return abs(measurement.value - threshold) <= measurement.uncertainty


def typical_range(
    measurement_id: str, *, view: str, scale: BodyScale, knowledge: KnowledgeBase, proxy: bool = True
) -> tuple[float | None, float | None]:
    """The (low, high) band inside which no rule flags the measurement; None where no rule bounds it.

    ``proxy``: the measurement is an estimate (the registry's accuracy margin applies) rather than taken directly.
    """
    kind = View(view).kind
    low = high = None
    for rule in knowledge.findings:
        if rule.measurement != measurement_id or kind not in rule.views:
            continue
        threshold = _threshold(rule, scale, proxy=proxy)
        if rule.comparison == "below":
            low = threshold if low is None else max(low, threshold)
        else:
            high = threshold if high is None else min(high, threshold)
    return low, high


def near_a_limit(measurement: Measurement, low: float | None, high: float | None) -> bool:
    """Whether a value lies within its ± of a limit of its typical range (:func:`typical_range`).

    Such a value is not flagged, on either side of the limit: a re-taken photo may be.
    """
    if measurement.uncertainty is None:
        return False
    return any(limit is not None and abs(measurement.value - limit) <= measurement.uncertainty for limit in (low, high))


def cross_check(
    link: Link, related: Measurement | None, *, flagged: Sequence[Finding], withheld: bool, view: str,
    scale: BodyScale, knowledge: KnowledgeBase,
) -> str:
    """The sentence that tells a finding's reader what a linked measurement reads in the same photo.

    It opens with the link's claim (what the article expects with the finding) and ends with the verdict of this
    photo: consistent (the measurement was flagged the expected way), just so (flagged, within its ± of the
    limit), the opposite (flagged the other way), neither shown nor ruled out (within its ± of the limit), not
    shown (within its typical range, or a left-right difference inside its noise), or unknown (withheld, not
    measured in this photo, or not measured in this view at all).

    Args:
        link: the knowledge base's link.
        related: the linked measurement in this photo, or None.
        flagged: the photo's flagged findings, which say whether ``related`` passed a threshold and which.
        withheld: the linked measurement was withheld from this photo for a reason of its own.
        view, scale, knowledge: as for :func:`evaluate`, for the linked measurement's typical range.
    """
    definition = registry.definition(link.measurement)
    name = definition.name
    lead = f"{link.claim}; "
    if related is None:
        if View(view).kind not in definition.views:
            kinds = " or ".join(kind for kind in ("side", "front", "back") if kind in definition.views)
            return lead + (f"the {name} is measured only in a {kinds} photo, so this one can neither confirm nor rule "
                           f"out {link.pattern}.")
        cause = "was not given for this photo" if withheld else "was not measured in this photo"
        return lead + f"the {name} {cause}, so it can neither confirm nor rule out {link.pattern}."
    signed = definition.signed
    reads = f"here the {name} reads {format_measured(related.value, related.uncertainty, related.unit, signed=signed)}"
    expected = ("above", "below") if link.expects == "either" else (link.expects,)
    passed = sorted((f for f in flagged if f.measurement == link.measurement), key=lambda f: f.comparison not in expected)
    for finding in passed:
        limit = format_value(finding.threshold if finding.threshold is not None else related.value, related.unit,
                             signed=signed)
        if finding.comparison not in expected:
            return lead + f"{reads}, past its limit of {limit} the other way: the opposite of {link.pattern}."
        return lead + f"{reads}, past its limit of {limit}, consistent with {link.pattern}."
    if detectable(related, scale) is False:
        return lead + f"{reads}, a difference inside its noise, so this photo does not show {link.pattern}."
    low, high = typical_range(link.measurement, view=view, scale=scale, knowledge=knowledge, proxy=related.proxy)
    limits = [limit for comparison, limit in (("above", high), ("below", low))
              if comparison in expected and limit is not None]
    uncertainty = related.uncertainty
    near = [limit for limit in limits if uncertainty is not None and abs(related.value - limit) <= uncertainty]
    if near:
        limit = format_value(near[0], related.unit, signed=signed)
        return lead + (f"{reads}, closer to its limit of {limit} than its ±, so this photo neither shows nor rules "
                       f"out {link.pattern}.")
    return lead + f"{reads}, {_range_words(low, high, related.unit, signed)}, so this photo does not show {link.pattern}."


def _range_words(low: float | None, high: float | None, unit: str, signed: bool) -> str:
    """``"within its typical range (-3.0° to +24.0°)"``, or with one limit, ``"... (up to +2.5% ht)"``."""
    if low is not None and high is not None:
        band = f"{format_value(low, unit, signed=signed)} to {format_value(high, unit, signed=signed)}"
    elif high is not None:
        band = f"up to {format_value(high, unit, signed=signed)}"
    elif low is not None:
        band = f"from {format_value(low, unit, signed=signed)} up"
    else:
        return "with no typical range in this view"
    return f"within its typical range ({band})"
