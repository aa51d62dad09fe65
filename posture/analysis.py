"""The result of analysing one photo: :class:`Analysis`, and where it came from: :class:`Provenance`.

One :class:`Analysis` flows from stage to stage (``pipeline``), and every
renderer only reads it. A photo the quality gate refuses is an
:class:`Analysis` too, with ``status == "refused"``, the reason, and whatever
was found on the way (view, landmarks), so a batch keeps the verdict and
``--json`` can print it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from posture.core.image import LoadedImage
from posture.core.measurement import Measurement, Withheld
from posture.core.paths import path_text
from posture.core.pose import Pose
from posture.core.units import round_for_data
from posture.core.views import View
from posture.errors import MarkerError, PersonError, PostureError, ViewError
from posture.knowledge import registry
from posture.knowledge.explanations import Caveat, KnowledgeBase, NotMeasured, Suggestion
from posture.stages.findings import Finding
from posture.stages.frame import Frame
from posture.stages.gate import Verdict
from posture.stages.gait import Walk
from posture.stages.sway import DIRECTIONS, SWAY_PARTS, SwayReading

SCHEMA_VERSION = "2.7"
"""Of the JSON document and the flat row (docs/json-output.md): major for breaking changes, minor for additions."""

Status = Literal["ok", "refused"]


@dataclass(frozen=True, slots=True)
class ModelIdentity:
    """Which pose model produced the landmarks.

    Attributes:
        name: the bundle's file name, e.g. ``"pose_landmarker_full.task"``.
        sha256: hex digest of the bundle's bytes.
        calibrated: the calibrations were fitted on this exact model's landmarks.
    """

    name: str
    sha256: str
    calibrated: bool


@dataclass(frozen=True, slots=True)
class Provenance:
    """What a result depends on, so two results can be checked as comparable.

    Attributes:
        posture_version: this package's version.
        mediapipe_version: the MediaPipe runtime's version.
        model: the pose model.
        calibration_version: short content hash of ``knowledge/calibration.toml``.
        input_sha256: hex digest of the input file's bytes (of the RGB pixels for in-memory images).
        input_format: ``"JPEG"``, ``"PNG"``, ``"WEBP"``, ``"HEIF"``, ``"MPO"``, ``"array"`` or ``"PIL"``.
        input_width: width in pixels after EXIF orientation.
        input_height: height in pixels after EXIF orientation.
        exif_orientation: the EXIF orientation applied (1 = as stored).
        capture_time: ISO 8601 capture time from EXIF ``DateTimeOriginal``, or None.
        uncertainty: each measurement's uncertainty was estimated from re-measured copies.
        people_detected: how many people the landmarker found (at most 2 are looked for).
    """

    posture_version: str
    mediapipe_version: str
    model: ModelIdentity
    calibration_version: str
    input_sha256: str
    input_format: str
    input_width: int
    input_height: int
    exif_orientation: int
    capture_time: str | None
    uncertainty: bool
    people_detected: int


SWAY_NORMS_NOTE = ("No published typical range for the sway of the head, shoulders, hips or body centre read from "
                   "video was found, so none is given: compare a person's sway with their own earlier clips. The "
                   "body centre is the middle of the whole outline, a proxy for the centre of mass.")


@dataclass(frozen=True, slots=True)
class ClipSummary:
    """What a clip's reading rests on: which frames and seconds were measured, and the body's sway.

    Attributes:
        duration_s: the clip's length in seconds (the last frame read's time, when the container does not say).
        frames_read: frames the landmarker looked at (the clip subsampled in time).
        frames_used: frames of the still stretch whose measurements were combined.
        start_s: the still stretch's first frame time in seconds.
        end_s: its last frame's time.
        frames_rejected: per measurement id, frames left out as outliers.
        sway: each part's sway in the direction the view shows; empty when the view shows none.
        sway_note: why the sway has no typical range beside it.
        walk: for a clip of walking (no still stretch), the steps' reading; its posture measures are then those
            of one walking frame, as a photo's, under the walking-frame rule.
    """

    duration_s: float
    frames_read: int
    frames_used: int
    start_s: float
    end_s: float
    frames_rejected: tuple[tuple[str, int], ...] = ()
    sway: tuple[SwayReading, ...] = ()
    sway_note: str = SWAY_NORMS_NOTE
    walk: Walk | None = None

    @property
    def seconds_used(self) -> float:
        return self.end_s - self.start_s

    @property
    def sentence(self) -> str:
        """How much of the clip the reading rests on, in one sentence."""
        if self.walk is not None:
            walk = self.walk
            return (f"A walk: {walk.steps} steps read over {walk.end_s - walk.start_s:.1f} s "
                    f"({walk.start_s:.1f}-{walk.end_s:.1f} s of a {self.duration_s:.1f}-s clip, {walk.cadence:.0f} "
                    f"steps a minute, {self.frames_read} frames read); the posture measures are those of one "
                    "walking frame.")
        return (f"Combined from {self.frames_used} frames over {self.seconds_used:.1f} s of quiet standing "
                f"({self.start_s:.1f}-{self.end_s:.1f} s of a {self.duration_s:.1f}-s clip, "
                f"{self.frames_read} frames read).")


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything posture found in one photo, or why it measured nothing.

    Attributes:
        image: the loaded photo.
        verdict: the quality gate's verdict (view, person, or the problem).
        frame: scale and levelling; None for a refused photo.
        measurements: in the registry's order; empty for a refused photo.
        findings: flagged patterns, or balanced alignment; empty for a refused photo.
        knowledge: the knowledge base the findings were judged with.
        warnings: sentences a reader should see with the result.
        provenance: what the result depends on (of the first photo, when combined).
        combined_from: the names of the photos of one view combined into this
            result (:mod:`posture.combine`); empty for a single photo.
        withheld: the measures this photo's view could give but this photo does not, each with the cause in
            this photo and what to change.
        clip: for a video clip, the frames and seconds combined and the sway; None for a photo.
    """

    image: LoadedImage
    verdict: Verdict
    frame: Frame | None
    measurements: tuple[Measurement, ...]
    findings: tuple[Finding, ...]
    knowledge: KnowledgeBase
    warnings: tuple[str, ...]
    provenance: Provenance
    combined_from: tuple[str, ...] = ()
    withheld: tuple[Withheld, ...] = ()
    clip: ClipSummary | None = None

    @property
    def status(self) -> Status:
        return "ok" if self.verdict.ok else "refused"

    @property
    def ok(self) -> bool:
        return self.verdict.ok

    @property
    def problem(self) -> str | None:
        """Why nothing was measured, in one sentence, or None."""
        return self.verdict.problem

    @property
    def problem_kind(self) -> str | None:
        """``"person"`` (no usable person), ``"view"`` (unsupported view), ``"markers"`` (skin markers asked for
        but not found unambiguously), or None."""
        return self.verdict.problem_kind

    @property
    def view(self) -> View:
        return self.verdict.view

    @property
    def pose(self) -> Pose | None:
        """The measured person; for a refused photo, the person found, if any."""
        return self.verdict.pose

    @property
    def not_measured(self) -> tuple[NotMeasured, ...]:
        """What the article cares about that this photo did not measure (none of the entry's measurements taken or
        withheld with a reason of its own)."""
        # A measure withheld for this photo has its own, specific reason (``withheld``), not the general one.
        taken = {m.id for m in self.measurements} | {w.id for w in self.withheld}
        return tuple(item for item in self.knowledge.not_measured if not taken.intersection(item.measurements))

    @property
    def caveats(self) -> tuple[Caveat, ...]:
        return self.knowledge.caveats

    @property
    def suggestions(self) -> tuple[Suggestion, ...]:
        """What the article suggests, each point with its ties to this photo's findings only."""
        return self.knowledge.suggestions_for(finding.id for finding in self.findings)

    @property
    def withheld_groups(self) -> tuple[tuple[tuple[str, ...], str], ...]:
        """The withheld measures' ids gathered by their reason, in order: one sentence said once for all it affects."""
        groups: dict[str, list[str]] = {}
        for item in self.withheld:
            groups.setdefault(item.reason, []).append(item.id)
        return tuple((tuple(ids), reason) for reason, ids in groups.items())

    def measurement(self, measurement_id: str) -> Measurement | None:
        """The measurement with this id, or None when it was not measured in this photo."""
        return next((m for m in self.measurements if m.id == measurement_id), None)

    def error(self) -> PostureError | None:
        """The exception that stands for this refusal (its exit code included), or None when analysed."""
        if self.verdict.ok:
            return None
        kinds: dict[str | None, type[PostureError]] = {"view": ViewError, "markers": MarkerError}
        return kinds.get(self.verdict.problem_kind, PersonError)(self.verdict.problem)

    def raise_for_refusal(self) -> Analysis:
        """This analysis, or its refusal raised as :meth:`error` (for callers who prefer exceptions).

        Raises:
            PersonError: no single, whole, plausible person of useful size.
            ViewError: the person is not standing in a side, front or back view.
            MarkerError: the skin markers asked for cannot be found or paired.
        """
        error = self.error()
        if error is not None:
            raise error
        return self

    def to_row(self) -> dict[str, Any]:
        """One flat dict of scalars with stable column names (see :func:`to_row`)."""
        return to_row(self)


Scalar = str | int | float | bool | None

_HEAD = ("schema_version", "path", "name", "status", "problem_kind", "problem", "view", "near_side", "stride",
         "height_cm", "body_height_px", "camera_roll_deg", "camera_roll_source")
_TAIL = ("findings", "borderline_findings", "withheld", "warnings", "posture_version", "mediapipe_version",
         "model_name",         "model_sha256", "model_calibrated", "calibration_version", "input_sha256", "input_format", "input_width",
         "input_height", "exif_orientation", "capture_time", "uncertainty_computed", "people_detected")


def sway_stem(part: str, direction: str) -> str:
    """How the row's columns of one part's sway in one direction begin: ``sway_hips_front_back``."""
    return f"sway_{part.replace(' ', '_')}_{direction.replace('-', '_')}"


def walk_stem(quantity: str) -> str:
    """How the row's columns of one walk comparison begin: ``walk_step_time``."""
    return "walk_" + quantity.replace(" ", "_")


SWAY_QUANTITIES = ("range", "rms", "frequency_hz")
WALK_QUANTITIES = ("step time", "stance time", "step length", "arm swing")
WALK_FIELDS = ("left", "right", "index_percent", "interval_percent", "one_sided")
"""Each walk comparison's columns, named as its fields in the JSON's ``clip.walk.symmetries``."""
WALK_COLUMNS = ("walk_steps", "walk_cadence_per_min",
                *(f"{walk_stem(quantity)}_{field}" for quantity in WALK_QUANTITIES for field in WALK_FIELDS),
                "walk_length_unit", "walk_trunk_sway_deg")
CLIP_COLUMNS = ("clip_frames_read", "clip_frames_used", "clip_seconds_used",
                *(f"{sway_stem(part, direction)}_{quantity}" for part in SWAY_PARTS
                  for direction in dict.fromkeys(DIRECTIONS.values()) for quantity in SWAY_QUANTITIES), "sway_unit",
                *WALK_COLUMNS)
"""A clip's summary in the row: empty for a photo, each sway column empty when the view does not show it, and the
walk's columns empty for a clip of standing."""
LIST_SEPARATOR = "; "
"""Joins the finding ids and warnings held in one cell."""


def _measurement_columns(definition: registry.Definition) -> tuple[str, ...]:
    base = definition.id
    return (base, f"{base}_unit", f"{base}_uncertainty",
            *(f"{base}_{component}" for component in definition.components))


def columns() -> tuple[str, ...]:
    """Every column of the row, in order."""
    measured = tuple(name for d in registry.DEFINITIONS for name in _measurement_columns(d))
    return _HEAD + measured + CLIP_COLUMNS + _TAIL


def _clip_cells(clip: ClipSummary | None) -> dict[str, Scalar]:
    cells: dict[str, Scalar] = dict.fromkeys(CLIP_COLUMNS)
    if clip is None:
        return cells
    cells.update(clip_frames_read=clip.frames_read, clip_frames_used=clip.frames_used,
                 clip_seconds_used=round(clip.seconds_used, 3))
    for reading in clip.sway:
        stem = sway_stem(reading.part, reading.direction)
        cells.update({f"{stem}_range": round_for_data(reading.range), f"{stem}_rms": round_for_data(reading.rms),
                      f"{stem}_frequency_hz": None if reading.frequency_hz is None else round(reading.frequency_hz, 3),
                      "sway_unit": reading.unit})
    walk = clip.walk
    if walk is not None:
        cells.update(walk_steps=walk.steps, walk_cadence_per_min=round(walk.cadence, 1),
                     walk_trunk_sway_deg=round_for_data(walk.trunk_sway))
        for item in walk.symmetries:
            values = (round_for_data(item.left), round_for_data(item.right), round(item.index, 2),
                      None if item.interval is None else round(item.interval, 2), item.one_sided)
            cells.update({f"{walk_stem(item.quantity)}_{field}": value for field, value in zip(WALK_FIELDS, values)})
            if item.quantity == "step length":
                cells["walk_length_unit"] = item.unit
    return cells


def to_row(analysis: Analysis) -> dict[str, Scalar]:
    """The analysis as one flat dict whose keys are exactly :func:`columns`."""
    frame = analysis.frame
    image = analysis.image
    row: dict[str, Scalar] = {
        "schema_version": SCHEMA_VERSION,
        "path": None if image.path is None else path_text(image.path),
        "name": image.display_name,
        "status": analysis.status,
        "problem_kind": analysis.problem_kind,
        "problem": analysis.problem,
        "view": analysis.view,
        "near_side": analysis.verdict.near_side,
        "stride": analysis.verdict.stride,
        "height_cm": None if frame is None else frame.scale.height_cm,
        "body_height_px": None if frame is None else round(frame.body_height_px, 1),
        "camera_roll_deg": None if frame is None else round(frame.levelling.camera_roll, 2),
        "camera_roll_source": None if frame is None else frame.levelling.source,
    }
    for definition in registry.DEFINITIONS:
        measurement = analysis.measurement(definition.id)
        components: dict[str, Any] = dict(measurement.components) if measurement else {}
        row[definition.id] = None if measurement is None else round_for_data(measurement.value)
        row[f"{definition.id}_unit"] = None if measurement is None else measurement.unit
        row[f"{definition.id}_uncertainty"] = None if measurement is None else round_for_data(measurement.uncertainty)
        for component in definition.components:
            row[f"{definition.id}_{component}"] = round_for_data(components.get(component))
    row.update(_clip_cells(analysis.clip))
    provenance = analysis.provenance
    row.update({
        "findings": LIST_SEPARATOR.join(f.id for f in analysis.findings),
        "borderline_findings": LIST_SEPARATOR.join(f.id for f in analysis.findings if f.borderline),
        "withheld": LIST_SEPARATOR.join(w.id for w in analysis.withheld),
        "warnings": LIST_SEPARATOR.join(analysis.warnings),
        "posture_version": provenance.posture_version,
        "mediapipe_version": provenance.mediapipe_version,
        "model_name": provenance.model.name,
        "model_sha256": provenance.model.sha256,
        "model_calibrated": provenance.model.calibrated,
        "calibration_version": provenance.calibration_version,
        "input_sha256": provenance.input_sha256,
        "input_format": provenance.input_format,
        "input_width": provenance.input_width,
        "input_height": provenance.input_height,
        "exif_orientation": provenance.exif_orientation,
        "capture_time": provenance.capture_time,
        "uncertainty_computed": provenance.uncertainty,
        "people_detected": provenance.people_detected,
    })
    return row
