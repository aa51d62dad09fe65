"""Before and after: which measurements really changed between sessions, and in which direction.

Pure code: it takes :class:`~posture.analysis.Analysis` results (one or more
photos per session) and returns a :class:`Comparison`; it reads no files and
runs no model. The CLI (``posture compare``) and the HTML report are built on
it.

A change counts as real only when it exceeds the minimal detectable change
(MDC), ``sqrt(u1² + u2²)`` from the two photos' 95% repeatability
half-widths. A real change is *improved* when the value moved toward the
measurement's typical range (the band no finding rule flags, from the
knowledge base), *worsened* when it moved away, and just *changed* when the
measurement has no range or stayed inside it. Results from different models,
runtimes or calibrations are refused as not comparable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np

from posture.analysis import Analysis
from posture.combine import combine_photos, repeated_photos
from posture.core.pose import Landmark, side_landmark
from posture.errors import ExitCode, PostureError
from posture.knowledge import registry
from posture.knowledge.changes import ChangeTexts, load_change_texts
from posture.stages.findings import typical_range

Verdict = Literal["improved", "worsened", "changed", "no detectable change", "not judged"]
VERDICTS: tuple[Verdict, ...] = ("improved", "worsened", "changed", "no detectable change", "not judged")

VIEW_ORDER = ("side", "front", "back")

PROPORTION_TOLERANCE = {"leg_to_trunk": 0.08, "arm_to_trunk": 0.10, "thigh_to_shin": 0.08, "breadth": 0.10}
"""Relative differences in body proportions above which two photos may show different people.

Measured on renders of one body in different postures (at most ~4% for the
limb ratios, ~4% for the breadth) and of different bodies (breadth 11% between two rendered
bodies, 25-35% between real people in different clothes). Thigh to shin, which no posture changes:
at most 4.4% between photos of one real person (the same person in two clips of
../shared/photos, walking, side and front and back views of bench/real's people) and 6.9% across
one rendered body's postures, against 8.6-10% between real people of ../shared/photos the other
ratios let pass. Upper arm to forearm and shoulder width to trunk were measured too and left out:
one real person's photos differ by up to 22% and 7.6%, as much as different people's.
"""


class NotComparableError(PostureError):
    """Two results cannot be compared: different models, runtimes, calibrations or units.

    The command exits with the bad-input code (3): the photos cannot be used together.
    """

    exit_code = ExitCode.BAD_INPUT


@dataclass(frozen=True, slots=True)
class Session:
    """The photos of one visit.

    Attributes:
        label: what the report calls it (a date, or ``"session 1"``).
        analyses: one analysis per photo, in the order given.
    """

    label: str
    analyses: tuple[Analysis, ...]

    @property
    def capture_time(self) -> str | None:
        """The earliest EXIF capture time of its photos, or None when none has one."""
        times = [a.provenance.capture_time for a in self.analyses if a.provenance.capture_time]
        return min(times, key=_sort_key) if times else None


@dataclass(frozen=True, slots=True)
class Reading:
    """One session's value of one measurement."""

    value: float
    uncertainty: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class Step:
    """The change of one measurement between two sessions.

    Attributes:
        change: later minus earlier, in the measurement's unit.
        mdc: the minimal detectable change ``sqrt(u1² + u2²)``, or None without both uncertainties.
        verdict: see :data:`Verdict`.
    """

    change: float
    mdc: float | None
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class MeasurementChange:
    """One measurement across the sessions of one view.

    Attributes:
        id: the registry id.
        unit: the unit of every reading.
        readings: per session, the reading or None where it was not measured.
        overall: first measured session → last measured session.
        steps: each consecutive pair of measured sessions.
        text: what the change means (from ``knowledge/changes.toml``).
        article_sections: the article sections the text draws on.
    """

    id: str
    unit: str
    readings: tuple[Reading | None, ...]
    overall: Step
    steps: tuple[Step, ...]
    text: str
    article_sections: tuple[str, ...]

    @property
    def definition(self) -> registry.Definition:
        return registry.definition(self.id)


@dataclass(frozen=True, slots=True)
class ViewSeries:
    """One view kind (``side``, ``front``, ``back``) followed across sessions.

    Attributes:
        view: the view kind.
        analyses: per session, its photo of this view, or None.
        changes: one entry per measurement measured in at least two sessions.
    """

    view: str
    analyses: tuple[Analysis | None, ...]
    changes: tuple[MeasurementChange, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    """Everything ``posture compare`` reports.

    Attributes:
        sessions: in time order.
        order: one sentence on how the order was decided (EXIF times or as given).
        series: the views seen in at least two sessions.
        notes: views without a partner, refused photos, extra photos ignored.
        warnings: e.g. photos that may show different people.
        caveats: ``(id, text)`` cautions for every comparison.
    """

    sessions: tuple[Session, ...]
    order: str
    series: tuple[ViewSeries, ...]
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    caveats: tuple[tuple[str, str], ...]

    def change(self, view: str, measurement_id: str) -> MeasurementChange | None:
        """The change of ``measurement_id`` in view kind ``view``, or None."""
        for series in self.series:
            if series.view == view:
                return next((c for c in series.changes if c.id == measurement_id), None)
        return None


# ------------------------------------------------------------------ verdicts


def minimal_detectable_change(u1: float | None, u2: float | None) -> float | None:
    """``sqrt(u1² + u2²)``: the 95% half-width of a difference of two readings; None without both."""
    if u1 is None or u2 is None:
        return None
    return math.hypot(u1, u2)


def distance_to_range(value: float, low: float | None, high: float | None) -> float:
    """How far ``value`` lies outside ``[low, high]`` (0 inside; an open end never counts)."""
    below = low - value if low is not None else 0.0
    above = value - high if high is not None else 0.0
    return max(below, above, 0.0)


def judge(before: Reading, after: Reading) -> Step:
    """The verdict on one measurement between two readings.

    A change within the MDC is "no detectable change", whatever its direction.
    A larger one is "improved" when the value got closer to its typical range,
    "worsened" when it got further, and "changed" when there is no range or
    both values lie inside it.
    """
    change = after.value - before.value
    mdc = minimal_detectable_change(before.uncertainty, after.uncertainty)
    if mdc is None:
        return Step(change, None, "not judged")
    if abs(change) <= mdc:
        return Step(change, mdc, "no detectable change")
    if before.low is None and before.high is None and after.low is None and after.high is None:
        return Step(change, mdc, "changed")
    d_before = distance_to_range(before.value, before.low, before.high)
    d_after = distance_to_range(after.value, after.low, after.high)
    if d_after < d_before:
        return Step(change, mdc, "improved")
    if d_after > d_before:
        return Step(change, mdc, "worsened")
    return Step(change, mdc, "changed")


def _reading(analysis: Analysis, measurement_id: str) -> Reading | None:
    measurement = analysis.measurement(measurement_id)
    if measurement is None or analysis.frame is None:
        return None
    low, high = typical_range(measurement_id, view=analysis.view, scale=analysis.frame.scale,
                              knowledge=analysis.knowledge)
    return Reading(measurement.value, measurement.uncertainty, low, high)


def _text_for(measurement_id: str, verdict: Verdict, texts: ChangeTexts) -> tuple[str, tuple[str, ...]]:
    entry = texts.for_measurement(measurement_id)
    if verdict == "improved":
        return entry.toward, entry.article_sections
    if verdict == "worsened":
        return entry.away, entry.article_sections
    if verdict == "no detectable change":
        return texts.no_change, ()
    if verdict == "not judged":
        return texts.not_judged, ()
    return texts.changed, ()


# ------------------------------------------------------------------ comparability


_PROVENANCE_CHECKS = (
    ("the pose model", lambda p: p.model.sha256),
    ("the MediaPipe version", lambda p: p.mediapipe_version),
    ("the calibration", lambda p: p.calibration_version),
    ("the posture version", lambda p: p.posture_version),
)


def check_comparable(analyses: Sequence[Analysis]) -> None:
    """Refuse results that came from different models, runtimes, calibrations or posture versions.

    Raises:
        NotComparableError: names the field and the two photos that differ.
    """
    if not analyses:
        return
    first = analyses[0]
    for other in analyses[1:]:
        for what, read in _PROVENANCE_CHECKS:
            a, b = read(first.provenance), read(other.provenance)
            if a != b:
                raise NotComparableError(
                    f"{first.image.display_name!r} and {other.image.display_name!r} were measured with different "
                    f"{what.removeprefix('the ')} ({str(a)[:16]!r} vs {str(b)[:16]!r}), so their numbers are not "
                    "comparable; analyse both again with the same posture installation.")


def person_proportions(analysis: Analysis) -> dict[str, float] | None:
    """Size-free proportions that tell one person from another, or None for a refused photo.

    Not the gate's :func:`posture.stages.gate.body_proportions`, which tells a
    standing body from other shapes.

    ``leg_to_trunk``, ``arm_to_trunk`` and ``thigh_to_shin`` come from
    MediaPipe's metric (world) landmarks: limb length over shoulder-to-hip
    length, and hip-to-knee over knee-to-ankle length. ``breadth`` is the
    width of the body outline (mask) across the trunk, halfway and
    three-quarters of the way from shoulders to hips, over the body height:
    the trunk's depth, in side views only (in front views the arms blur it).
    """
    pose, frame = analysis.pose, analysis.frame
    if pose is None or frame is None or not analysis.ok:
        return None
    world = pose.world

    def mid(xy: np.ndarray, name: str) -> np.ndarray:
        return (xy[side_landmark("left", name)] + xy[side_landmark("right", name)]) / 2.0

    def limb(*names: str) -> float:
        return float(np.mean([
            sum(np.linalg.norm(world[side_landmark(s, a)] - world[side_landmark(s, b)])
                for a, b in zip(names, names[1:]))
            for s in ("left", "right")]))

    trunk = float(np.linalg.norm(mid(world, "SHOULDER") - mid(world, "HIP"))) or 1e-9
    result = {"leg_to_trunk": limb("HIP", "KNEE", "ANKLE") / trunk,
              "arm_to_trunk": limb("SHOULDER", "ELBOW", "WRIST") / trunk,
              "thigh_to_shin": limb("HIP", "KNEE") / (limb("KNEE", "ANKLE") or 1e-9)}
    # In front and back views the arms often touch the trunk's outline, so its width is not the body's.
    breadth = _trunk_breadth(analysis) if analysis.view.kind == "side" else None
    if breadth is not None:
        result["breadth"] = breadth
    return result


def _trunk_breadth(analysis: Analysis) -> float | None:
    pose, frame = analysis.pose, analysis.frame
    if pose is None or frame is None or pose.mask is None:
        return None
    mask, s = pose.mask, pose.mask_scale
    shoulders = (pose.xy[Landmark.LEFT_SHOULDER] + pose.xy[Landmark.RIGHT_SHOULDER]) / 2.0
    hips = (pose.xy[Landmark.LEFT_HIP] + pose.xy[Landmark.RIGHT_HIP]) / 2.0
    widths = []
    for fraction in (0.5, 0.75):
        centre = shoulders + fraction * (hips - shoulders)
        row_index, col = int(round(centre[1] * s)), int(round(centre[0] * s))
        if not (0 <= row_index < mask.shape[0] and 0 <= col < mask.shape[1]):
            continue
        row = mask[row_index] > 0.5
        if not row[col]:
            continue
        outside = np.flatnonzero(~row)
        left = outside[outside < col]
        right = outside[outside > col]
        start = int(left[-1]) + 1 if left.size else 0
        end = int(right[0]) if right.size else row.size
        widths.append((end - start) / s / frame.body_height_px)
    return float(np.mean(widths)) if widths else None


_PROPORTION_NAMES = {"leg_to_trunk": "leg length to trunk length", "arm_to_trunk": "arm length to trunk length",
                     "thigh_to_shin": "thigh length to shin length", "breadth": "trunk breadth to body height"}


def different_people(a: Analysis, b: Analysis) -> str | None:
    """A warning when two photos of one view kind seem to show different people, else None."""
    pa, pb = person_proportions(a), person_proportions(b)
    if pa is None or pb is None:
        return None
    for key, tolerance in PROPORTION_TOLERANCE.items():
        if key not in pa or key not in pb:
            continue
        relative = abs(pa[key] - pb[key]) / max(abs(pa[key]), abs(pb[key]), 1e-9)
        if relative > tolerance:
            return (f"{a.image.display_name!r} and {b.image.display_name!r} may show different people: their "
                    f"{_PROPORTION_NAMES[key]} differ by {round(100 * relative)}% ({pa[key]:.2f} vs {pb[key]:.2f}), "
                    "more than one person's photos do. Loose or different clothing can do this too.")
    return None


# ------------------------------------------------------------------ ordering


def _sort_key(text: str) -> datetime:
    """A capture time as a naive local clock time (EXIF often has no offset, so mixed times compare as local)."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=None) if moment.tzinfo is not None else moment


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def order_sessions(sessions: Sequence[Session]) -> tuple[tuple[Session, ...], str]:
    """Sessions in time order, and one sentence saying how the order was decided.

    When every session has an EXIF capture time they are sorted by it (a
    session's time is its earliest photo's); otherwise the order given is kept.
    """
    times = [session.capture_time for session in sessions]
    if len(sessions) > 1 and all(times):
        with_offsets = all(_instant(t or "").tzinfo is not None for t in times)
        key = _instant if with_offsets else _sort_key
        ordered = tuple(sorted(sessions, key=lambda s: key(s.capture_time or "")))
        moved = " (not the order given)" if ordered != tuple(sessions) else ""
        return ordered, f"In the order the photos were taken, from their EXIF capture times{moved}."
    if any(times):
        return tuple(sessions), ("In the order given: not every photo records when it was taken (EXIF), "
                                 "so the times could not decide it.")
    return tuple(sessions), "In the order given: the photos do not record when they were taken (no EXIF time)."


# ------------------------------------------------------------------ the comparison


def compare_sessions(sessions: Sequence[Session], *, order_by_time: bool = True,
                     texts: ChangeTexts | None = None) -> Comparison:
    """Compare sessions view by view.

    Photos are matched across sessions by view kind (a side view facing left
    and one facing right are both ``side``: their measurements are in the
    person's own forward direction). Several photos of one view in a session
    are combined into one (:func:`posture.combine.combine_photos`). Refused
    photos, combined photos, and a view seen in only one session are
    reported in ``notes``, not raised.

    Args:
        sessions: at least one session; the order given is the time order
            unless ``order_by_time`` and every session has an EXIF time.
        order_by_time: sort by EXIF capture time when every session has one.
        texts: the change texts (default: ``knowledge/changes.toml``).

    Raises:
        NotComparableError: two analysed photos come from different models,
            runtimes, calibrations or posture versions, or one view's
            measurements are in different units (cm vs % of height).
        ValueError: no session given, or a session without photos.
    """
    if not sessions:
        raise ValueError("compare_sessions needs at least one session")
    for session in sessions:
        if not session.analyses:
            raise ValueError(f"session {session.label!r} has no photos")
    texts = texts or load_change_texts()
    if order_by_time:
        ordered, order = order_sessions(sessions)
    else:
        ordered, order = tuple(sessions), "In the order given."
    check_comparable([a for s in ordered for a in s.analyses if a.ok])

    notes: list[str] = []
    warnings: list[str] = []
    by_view: dict[str, list[Analysis | None]] = {view: [None] * len(ordered) for view in VIEW_ORDER}
    every_photo = [a for s in ordered for a in s.analyses]
    for earlier, repeat in repeated_photos(every_photo):
        warnings.append(f"{every_photo[repeat].image.display_name!r} is the same image as "
                        f"{every_photo[earlier].image.display_name!r}; "
                        "comparing a photo with itself shows only the method's noise.")
    shots: dict[tuple[str, int], list[Analysis]] = {}
    for index, session in enumerate(ordered):
        for analysis in session.analyses:
            name = analysis.image.display_name
            if not analysis.ok:
                notes.append(f"{session.label}: {name!r} was not measured: {analysis.problem}")
                continue
            shots.setdefault((analysis.view.kind, index), []).append(analysis)
    for (kind, index), taken in shots.items():
        slot = by_view.setdefault(kind, [None] * len(ordered))
        # Several shots of one view in a session give one steadier value (posture.combine).
        slot[index] = taken[0] if len(taken) == 1 else combine_photos(taken)
        if len(taken) > 1:
            notes.append(f"{ordered[index].label}: {len(taken)} {kind} photos combined "
                         f"({', '.join(a.image.display_name for a in taken)}).")

    series = []
    for kind, slot in by_view.items():
        present = [a for a in slot if a is not None]
        if len(present) == 1:
            only = next(i for i, a in enumerate(slot) if a is not None)
            notes.append(f"The {kind} view was photographed only in {ordered[only].label} "
                         f"({present[0].image.display_name!r}): it has no photo to compare with.")
        if len(present) < 2:
            continue
        units = {a.frame.scale.unit for a in present if a.frame is not None}
        if len(units) > 1:
            raise NotComparableError(
                f"The {kind} photos were measured with and without a body height (--height-cm): offsets in cm and "
                "in % of body height cannot be compared; give the same height for every photo, or none.")
        for earlier, later in zip(present, present[1:]):
            warning = different_people(earlier, later)
            if warning is not None:
                warnings.append(warning)
        series.append(ViewSeries(view=kind, analyses=tuple(slot), changes=_changes(slot, texts)))
    if not series and len(ordered) > 1:
        notes.append("No view was photographed in two sessions, so nothing could be compared.")
    return Comparison(sessions=ordered, order=order, series=tuple(series), notes=tuple(notes),
                      warnings=tuple(warnings), caveats=texts.caveats)


def compare(analyses: Sequence[Analysis], *, labels: Sequence[str] | None = None,
            order_by_time: bool = True) -> Comparison:
    """Compare photos of one person, one photo per session (before, after, ...).

    Args:
        analyses: the photos, in the order taken (EXIF times re-order them when all have one).
        labels: a name per photo (default: the file names).
        order_by_time: see :func:`compare_sessions`.
    """
    names = list(labels) if labels is not None else [a.image.display_name for a in analyses]
    if len(names) != len(analyses):
        raise ValueError(f"{len(names)} labels for {len(analyses)} photos")
    return compare_sessions([Session(label, (a,)) for label, a in zip(names, analyses)],
                            order_by_time=order_by_time)


def _changes(slot: Sequence[Analysis | None], texts: ChangeTexts) -> tuple[MeasurementChange, ...]:
    changes = []
    for definition in registry.DEFINITIONS:
        readings = tuple(None if a is None else _reading(a, definition.id) for a in slot)
        measured = [r for r in readings if r is not None]
        if len(measured) < 2:
            continue
        unit = next(a.measurement(definition.id).unit for a in slot  # type: ignore[union-attr]
                    if a is not None and a.measurement(definition.id) is not None)
        overall = judge(measured[0], measured[-1])
        steps = tuple(judge(a, b) for a, b in zip(measured, measured[1:]))
        text, sections = _text_for(definition.id, overall.verdict, texts)
        changes.append(MeasurementChange(id=definition.id, unit=unit, readings=readings, overall=overall,
                                         steps=steps, text=text, article_sections=sections))
    return tuple(changes)
