"""The terminal report: a measurement table, then findings, then what was not measured and why."""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from posture.analysis import Analysis
from posture.core.measurement import Measurement
from posture.core.units import NO_TYPICAL_RANGE, SINGLE_READING, format_measured, format_value
from posture.knowledge import registry
from posture.knowledge.explanations import (
    SUGGESTION_HEADINGS,
    SUGGESTIONS_INTRO,
    SUGGESTIONS_TITLE,
    THRESHOLD_FIT_WORDS,
    KnowledgeBase,
    NotMeasured,
)
from posture.stages.findings import Finding
from posture.stages.gait import Walk
from posture.stages.findings import detectable, near_a_limit, typical_range


def _flag_rule_text(low: float | None, high: float | None, unit: str, signed: bool) -> str:
    """When a value is flagged: below ``low`` or above ``high``; a measure no finding judges says it is for reference."""
    parts = ([f"< {format_value(low, unit, signed=signed)}"] if low is not None else []) + (
        [f"> {format_value(high, unit, signed=signed)}"] if high is not None else [])
    return "\nor ".join(parts) or NO_TYPICAL_RANGE.replace("; ", ";\n")


def _value_text(measurement: Measurement) -> str:
    return format_measured(measurement.value, measurement.uncertainty, measurement.unit,
                           signed=registry.definition(measurement.id).signed)


def measurement_table(analysis: Analysis) -> Table:
    flags: dict[str, list[str]] = {}
    for finding in analysis.findings:
        if finding.measurement is not None:
            flags.setdefault(finding.measurement, []).append(finding.id.replace("_", " "))
    table = Table(title=None, show_lines=False, expand=False)
    table.add_column("measurement", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("flagged when", justify="right")
    table.add_column("flag", ratio=1, min_width=10)
    frame = analysis.frame
    if frame is None:
        raise ValueError("a refused photo has no measurement table")
    for measurement in analysis.measurements:
        low, high = typical_range(measurement.id, view=analysis.view, scale=frame.scale,
                                  knowledge=analysis.knowledge, proxy=measurement.proxy)
        definition = registry.definition(measurement.id)
        signed = definition.signed
        name = measurement.id + ("\n[dim](proxy)[/dim]" if measurement.proxy else "")
        # The table shows what a reader acts on: the offsets that make up a length (the plumb line's);
        # bare landmark values and an outline's features are in the JSON.
        shown = set(definition.components) if definition.quantity == "length" else set()
        detail = "\n".join(f"{n} {format_value(v, measurement.unit)}" for n, v in measurement.components
                            if n in shown and not n.endswith("_deg"))
        value = _value_text(measurement)
        if detectable(measurement, frame.scale) is False:
            value = f"no detectable\ndifference\n[dim]{value}[/dim]"
        flag = "; ".join(flags.get(measurement.id, []))
        if not flag and near_a_limit(measurement, low, high):
            flag = "near the limit: a re-take may be flagged"
        table.add_row(
            name,
            value + (f"\n[dim]{detail}[/dim]" if detail else ""),
            _flag_rule_text(low, high, measurement.unit, signed),
            Text(flag, style="bold yellow"),
        )
    return table


def _indented(text: str, style: str = "") -> Padding:
    return Padding(Text(text, style=style), (0, 0, 0, 2), expand=False)


def _photo_parts(analysis: Analysis) -> list[RenderableType]:
    """One photo's heading, measurement table, findings and warnings."""
    verdict = analysis.verdict
    frame = analysis.frame
    if frame is None:
        return [Text.from_markup(f"[bold]{escape(analysis.image.display_name)}[/bold]: not analysed. "
                                 f"{escape(analysis.problem or '')}")]
    if analysis.combined_from:
        head = (f"[bold]{len(analysis.combined_from)} {verdict.view.kind} photos combined[/bold] "
                f"({escape(', '.join(analysis.combined_from))}): each value is their weighted mean; "
                f"{verdict.view} view as in {escape(analysis.combined_from[0])}")
    else:
        head = f"[bold]{escape(analysis.image.display_name)}[/bold]: {verdict.view} view"
    if verdict.near_side:
        head += f", measured on the {verdict.near_side} side"
    scale = frame.scale
    head += (f"; offsets in cm for a body height of {scale.height_cm:g} cm" if scale.height_cm is not None
             else "; offsets in % of body height (give --height-cm for cm)")
    parts: list[RenderableType] = [Text.from_markup(head), measurement_table(analysis)]
    parts.extend(Text(f"{measurement_id}, for reference: {note}.", style="dim")
                 for measurement_id, note in reference_notes(analysis))
    if any(m.uncertainty is not None for m in analysis.measurements):
        clip = analysis.clip
        source = ("re-measured copies of the walk's middle frame" if clip is not None and clip.walk is not None
                  else "the clip's still frames" if clip is not None else "re-measured copies of the photo")
        parts.append(Text(f"± : 95% repeatability over {source}; accuracy against the "
                          "clinical measures is in bench/ACCURACY.md.", style="dim"))
    elif analysis.measurements:
        parts.append(Text(SINGLE_READING, style="dim"))
    knowledge = analysis.knowledge
    parts.append(Text(""))
    parts.append(Text("Findings", style="bold underline"))
    parts.append(_indented(f"Explained with the ideas of \"{knowledge.article_title}\" by "
                           f"{knowledge.article_author} ({knowledge.article_year}), in this project's own words.",
                           "dim"))
    if not analysis.findings:
        parts.append(_indented("None: nothing measured in this photo has a threshold to judge it by."))
    for finding in analysis.findings:
        title = finding.title + (" [proxy measure]" if finding.proxy else "") + (
            " [borderline: a value lies within its ± of a threshold]" if finding.borderline else "")
        parts.append(Text("• " + title, style="bold"))
        parts.append(_indented(finding.summary))
        parts.append(_indented(finding.explanation))
        parts.extend(_indented(sentence) for sentence in finding.cross_checks)
        parts.append(_indented("Article: " + "; ".join(finding.article_sections), "dim"))
        if finding.threshold_source:
            parts.append(_indented("Threshold: " + finding.threshold_source, "dim"))
        against = threshold_against_article(finding)
        if against:
            parts.append(_indented(against, "dim"))
    if analysis.clip is not None and analysis.clip.sway:
        parts.append(Text(""))
        parts.extend(sway_parts(analysis))
    if analysis.clip is not None and analysis.clip.walk is not None:
        parts.append(Text(""))
        parts.extend(walk_parts(analysis.clip.walk))
    if analysis.withheld:
        parts.append(Text(""))
        parts.append(Text("Not given for this photo", style="bold underline"))
        for ids, reason in analysis.withheld_groups:
            parts.append(Text("• " + ", ".join(registry.definition(i).name for i in ids), style="bold"))
            parts.append(_indented(reason))
    if analysis.warnings:
        parts.append(Text(""))
        parts.append(Text("Warnings", style="bold underline"))
        parts.extend(Text("• " + warning) for warning in analysis.warnings)
    return parts


def reference_notes(analysis: Analysis) -> list[tuple[str, str]]:
    """(measurement id, what it is for) for each row of the table that no finding judges."""
    frame = analysis.frame
    if frame is None:
        return []
    notes = []
    for measurement in analysis.measurements:
        note = registry.definition(measurement.id).for_reference
        low, high = typical_range(measurement.id, view=analysis.view, scale=frame.scale,
                                  knowledge=analysis.knowledge, proxy=measurement.proxy)
        if note is not None and low is None and high is None:
            notes.append((measurement.id, note))
    return notes


def threshold_against_article(finding: Finding) -> str | None:
    """Whether the finding's threshold means what the article means, and how; None for balanced alignment."""
    if finding.threshold_vs_article is None or finding.threshold_vs_article_note is None:
        return None
    return f"{THRESHOLD_FIT_WORDS[finding.threshold_vs_article]}. {finding.threshold_vs_article_note}"


def suggestion_parts(knowledge: KnowledgeBase, finding_ids: set[str]) -> list[RenderableType]:
    """What the article suggests, group by group, each point with its sections and its ties to these findings."""
    parts: list[RenderableType] = [Text(SUGGESTIONS_TITLE, style="bold underline"),
                                   _indented(SUGGESTIONS_INTRO, "dim")]
    suggestions = knowledge.suggestions_for(finding_ids)
    for kind, heading in SUGGESTION_HEADINGS.items():
        parts.append(Text(heading, style="bold"))
        for suggestion in (s for s in suggestions if s.kind == kind):
            parts.append(Text("• " + suggestion.text))
            for tie in suggestion.ties:
                titles = "; ".join(knowledge.finding(f).title for f in tie.findings)
                parts.append(_indented(f"Seen in this photo: {titles}. {tie.text}"))
            sections = dict.fromkeys(suggestion.article_sections + tuple(
                section for tie in suggestion.ties for section in tie.article_sections))
            parts.append(_indented("Article: " + "; ".join(sections), "dim"))
    return parts


def sway_parts(analysis: Analysis) -> list[RenderableType]:
    """The clip's sway: one row per part, with the range, the RMS and the main frequency, and why no typical range."""
    clip = analysis.clip
    if clip is None or not clip.sway:
        return []
    first = clip.sway[0]
    table = Table(title=None, show_lines=False, expand=False)
    for column in ("part", "range", "RMS", "main frequency"):
        table.add_column(column, justify="left" if column == "part" else "right")
    for reading in clip.sway:
        table.add_row(reading.part, format_value(reading.range, reading.unit, signed=False),
                      format_value(reading.rms, reading.unit, signed=False),
                      "-" if reading.frequency_hz is None else f"{reading.frequency_hz:.2f} Hz")
    return [Text(f"Sway, {first.direction}, over {clip.seconds_used:.1f} s of quiet standing", style="bold underline"),
            table, _indented(clip.sway_note, "dim")]


def walk_parts(walk: Walk) -> list[RenderableType]:
    """A walk's left-against-right table, what each comparison says, and the trunk's sway."""
    table = Table(title=None, show_lines=False, expand=False)
    for column in ("", "left", "right", "left vs right"):
        table.add_column(column, justify="left" if not column else "right")
    for item in walk.symmetries:
        table.add_row(item.quantity, item.value_text(item.left), item.value_text(item.right), item.index_text)
    sway = format_value(walk.trunk_sway, walk.sway_unit, signed=False)
    return [Text(f"Walk: {walk.steps} steps, {walk.cadence:.0f} a minute", style="bold underline"), table,
            *(_indented(item.sentence) for item in walk.symmetries),
            _indented(f"Trunk sway over the walk: {sway} (the range of its lean, front to back).", "dim"),
            _indented(WALK_NOTE, "dim")]


WALK_NOTE = ("Left against right: 100 × (left − right) / their mean, with a 95% interval from the steps' own "
             "spread (docs/video.md). On rendered walks filmed from the side the indices come within 3 points; real "
             "heels scatter more, and then the sides are not compared.")


def not_measured_in_any(analyses: Sequence[Analysis]) -> tuple[NotMeasured, ...]:
    """What none of the photos measured: a side photo's missing hip height is covered by a front photo."""
    taken = {m.id for analysis in analyses for m in analysis.measurements}
    items = analyses[0].knowledge.not_measured if analyses else ()
    return tuple(item for item in items if not taken.intersection(item.measurements))


def report_renderable(analyses: Analysis | Sequence[Analysis]) -> RenderableType:
    """The report for one photo, or one combined report for several photos of one person.

    Each photo contributes its own table and findings; what none of them
    measured, and the cautions, are said once at the end.
    """
    photos = [analyses] if isinstance(analyses, Analysis) else list(analyses)
    if not photos:
        raise ValueError("a report needs at least one photo")
    parts: list[RenderableType] = []
    for index, analysis in enumerate(photos):
        if index:
            parts.append(Rule(style="dim"))
        parts.extend(_photo_parts(analysis))
    missing = not_measured_in_any(photos)
    if missing:
        parts.append(Text(""))
        parts.append(Text("Not measured" + (" in any of the photos" if len(photos) > 1 else ""),
                          style="bold underline"))
        for item in missing:
            parts.append(Text("• " + item.title, style="bold"))
            parts.append(_indented(item.reason))
            parts.append(_indented(item.what_to_look_for))
    if any(analysis.ok for analysis in photos):
        parts.append(Text(""))
        parts.extend(suggestion_parts(photos[0].knowledge, {f.id for analysis in photos for f in analysis.findings}))
    parts.append(Text(""))
    parts.append(Text("Please note", style="bold underline"))
    parts.extend(Text("• " + caveat.text) for caveat in photos[0].caveats)
    return Group(*parts)


def render_terminal(analyses: Analysis | Sequence[Analysis], *, width: int = 100, color: bool = False) -> str:
    """The report as text (ANSI-coloured when ``color``), for one photo or several of one person."""
    # A console of its own file: rich's capture still touches the console's file on leaving, and a renderer
    # must not write to (or fail on) standard output.
    console = Console(file=io.StringIO(), width=width, color_system="standard" if color else None,
                      force_terminal=color)
    with console.capture() as capture:
        console.print(report_renderable(analyses))
    text: str = capture.get()
    return text
