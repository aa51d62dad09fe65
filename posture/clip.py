"""A clip of quiet standing into one :class:`Analysis`: many frames measured, combined into one steadier reading.

The clip is read a few frames a second (:data:`SAMPLE_RATE_HZ`); a
video-mode landmarker follows the person from frame to frame, and each frame
goes through the photo pipeline alone (``--fast``: the frames themselves are
the re-takes that altered copies stand in for with a photo); every half
second a frame is also read with its altered copies, as a photo is by
default, and the combined reading is moved by how far that moves a frame's
(the calibrations were fitted on such readings). The longest
stretch without a step (:func:`~posture.stages.sway.still_stretch`) is kept;
each measurement is the mean of its frames there, outlying frames left out,
with a ± from their spread and the repeatability
(:func:`~posture.combine.combine_frames`); the sway is read from the same
frames. The frame nearest the stretch's middle stands for the clip: its
picture, landmarks and scale are the report's.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from posture.analysis import Analysis, ClipSummary, ModelIdentity
from posture.combine import combine_frames
from posture.core.measurement import Measurement
from posture.core.pose import Landmark
from posture.errors import InputError
from posture.io.video import ClipInfo, read_frames
from posture.knowledge.explanations import KnowledgeBase
from posture.knowledge.repeatability import repeatability
from posture.pipeline import analyze_image
from posture.stages.detect import PoseDetector
from posture.stages.findings import Finding, evaluate
from posture.stages.frame import BodyScale
from posture.core.units import CM, PERCENT_HEIGHT
from posture.stages.gait import Walk, walk
from posture.stages.sway import (HIP_BAND_SHARE, StillStretch, band_centre, outline_centre, still_stretch,
                                 sway)

SAMPLE_RATE_HZ = 8.0
"""Frames read a second: sway's fastest part (1 Hz) four times over, and a 10-s 1080p clip read within 10 s on
two cores."""

COPY_INTERVAL_S = 0.5
"""How often a frame is also read the way a photo is by default, with its altered copies: the mean of a frame and
its copies is what the calibrations were fitted on, and the mirrored copy cancels the model's left-right bias,
which every frame alike carries."""

UNEVEN_WALK = "uneven_walk"
"""The finding of a walk whose left and right steps differ beyond their noise and the margin."""

Progress = Callable[[float, float], None]
"""Told the time reached and the clip's length, in seconds, after each frame read."""


@dataclass(frozen=True, slots=True)
class FrameReading:
    """What one frame gave: enough to find the still stretch and combine, without the frame's pixels."""

    time_s: float
    ok: bool
    view: str
    xy: np.ndarray
    body_height_px: float
    measurements: tuple[Measurement, ...]
    with_copies: tuple[Measurement, ...] = ()
    """The same frame's measurements read with its altered copies, on the frames read so (:data:`COPY_INTERVAL_S`)."""
    hips_outline_x: float = float("nan")
    """The outline's middle column at the hips' height (:func:`~posture.stages.sway.band_centre`), NaN without one."""
    body_outline_xy: tuple[float, float] = (float("nan"), float("nan"))
    """The whole outline's middle (:func:`~posture.stages.sway.outline_centre`), NaN without one."""


def _reading(time_s: float, analysis: Analysis, with_copies: Analysis | None) -> FrameReading:
    pose = analysis.pose
    frame = analysis.frame
    hips_x = float("nan")
    body_xy = (float("nan"), float("nan"))
    if pose is not None and pose.mask is not None and frame is not None:
        hips_y = float((pose.xy[Landmark.LEFT_HIP, 1] + pose.xy[Landmark.RIGHT_HIP, 1]) / 2.0)
        hips_x = band_centre(pose.mask, pose.mask_scale, hips_y, HIP_BAND_SHARE * frame.body_height_px)
        body_xy = outline_centre(pose.mask, pose.mask_scale)
    return FrameReading(time_s=time_s, ok=analysis.ok, view=analysis.view.kind, hips_outline_x=hips_x,
                        body_outline_xy=body_xy,
                        xy=np.full((33, 2), np.nan) if pose is None else np.array(pose.xy),
                        body_height_px=np.nan if frame is None else frame.body_height_px,
                        measurements=analysis.measurements,
                        with_copies=with_copies.measurements if with_copies is not None and with_copies.ok else ())


def analyze_clip(clip: ClipInfo, detector: PoseDetector, tracker: PoseDetector, *, model: ModelIdentity,
                 mediapipe_version: str, knowledge: KnowledgeBase, height_cm: float | None = None,
                 roll: float | None = None, level: bool = True, progress: Progress | None = None,
                 copy_detectors: Sequence[PoseDetector] = (), walker: PoseDetector | None = None) -> Analysis:
    """Analyse a clip of one person standing; a clip with no still stretch gives a refused :class:`Analysis`.

    Args:
        clip: the opened clip (:func:`~posture.io.video.open_clip`).
        detector: an image-mode landmarker, for the frame that stands for the clip.
        tracker: a fresh video-mode landmarker, which reads every sampled frame.
        roll, level: as for a photo (:func:`~posture.pipeline.analyze_image`).
        progress: told the time reached after each frame.
        copy_detectors: landmarkers that read the altered copies beside ``detector``, one thread each.
        walker: a fresh video-mode landmarker that reads every frame of a clip with no still stretch, for its
            walk (:func:`read_walk`); None reads no walk.
    """
    readings: list[FrameReading] = []
    last_ms = -1
    copies_due = 0.0
    duration = clip.duration_s or 0.0
    for frame in read_frames(clip, every_s=1.0 / SAMPLE_RATE_HZ):
        last_ms = max(last_ms + 1, round(1000 * frame.time_s))
        poses = tracker.detect(frame.image, last_ms)
        analysis = analyze_image(frame.image, detector, model=model, mediapipe_version=mediapipe_version,
                                 knowledge=knowledge, height_cm=height_cm, roll=roll, level=level, poses=poses)
        with_copies = None
        if analysis.ok and frame.time_s >= copies_due:
            copies_due = frame.time_s + COPY_INTERVAL_S
            with_copies = analyze_image(frame.image, detector, model=model, mediapipe_version=mediapipe_version,
                                        knowledge=knowledge, height_cm=height_cm, roll=roll, level=level,
                                        poses=poses, uncertainty=True, copy_detectors=copy_detectors)
        readings.append(_reading(frame.time_s, analysis, with_copies))
        if progress is not None:
            progress(frame.time_s, max(duration, frame.time_s))
    if readings:
        duration = max(duration, readings[-1].time_s)
    read = [r for r in readings if r.ok]
    views = Counter(r.view for r in read)
    view = views.most_common(1)[0][0] if views else None
    usable = [r for r in read if r.view == view]
    stretch: StillStretch | str
    if not usable:
        stretch = (f"no standing person the photo checks accept was found in any of the {len(readings)} frames read"
                   if readings else "no frame of the clip could be decoded")
    else:
        stretch = still_stretch(np.array([r.time_s for r in usable]), np.stack([r.xy for r in usable]),
                                float(np.median([r.body_height_px for r in usable])))
    if isinstance(stretch, str) and usable and walker is not None and view is not None:
        walked = read_walk(clip, walker, view, detector, model=model, mediapipe_version=mediapipe_version,
                           knowledge=knowledge, height_cm=height_cm, roll=roll, level=level,
                           copy_detectors=copy_detectors)
        if isinstance(walked, Analysis):
            return walked
        stretch = f"{stretch}; nor does it show a walk to read: {walked}"
    middle = (duration / 2 if isinstance(stretch, str) else (stretch.start_s + stretch.end_s) / 2)
    base = _standing_frame(clip, detector, middle, view, model=model, mediapipe_version=mediapipe_version,
                           knowledge=knowledge, height_cm=height_cm, roll=roll, level=level)
    summary = ClipSummary(duration_s=duration, frames_read=len(readings), frames_used=0, start_s=0.0, end_s=0.0)
    if not isinstance(stretch, str) and base is not None and not base.ok:
        # The frame standing for the clip is refused as a photo would be (e.g. two people in it), for its reason.
        return dataclasses.replace(base, frame=None, measurements=(), findings=(), clip=summary)
    if isinstance(stretch, str) or base is None:
        problem = stretch if isinstance(stretch, str) else "the frame in the middle of the still stretch is unreadable"
        if base is None:
            raise InputError(f"{clip.name}: {problem}.")
        verdict = dataclasses.replace(base.verdict, problem=f"{problem[0].upper()}{problem[1:]}.",
                                      problem_kind="person")
        return dataclasses.replace(base, verdict=verdict, frame=None, measurements=(), findings=(), clip=summary)
    return _combined(base, [usable[i] for i in stretch.indices], stretch, summary, height_cm)


def _standing_frame(clip: ClipInfo, detector: PoseDetector, time_s: float, view: str | None, *,
                    model: ModelIdentity, mediapipe_version: str, knowledge: KnowledgeBase,
                    height_cm: float | None, roll: float | None, level: bool,
                    copy_detectors: Sequence[PoseDetector] | None = None) -> Analysis | None:
    """The analysis of the first frame from ``time_s`` on that is read in ``view`` (or of the first frame, when
    none is), by the image-mode landmarker; None when no frame is left there. With ``copy_detectors`` the frame is
    read as a photo is by default, with its altered copies and each value's ±."""
    first = None
    for frame in read_frames(clip, start_s=time_s):
        # The frame stands for the clip, so it is also searched for a second person the tracker did not follow.
        analysis = analyze_image(frame.image, detector, model=model, mediapipe_version=mediapipe_version,
                                 knowledge=knowledge, height_cm=height_cm, roll=roll, level=level,
                                 uncertainty=copy_detectors is not None, copy_detectors=copy_detectors or (),
                                 look_beside=True)
        if view is None or (analysis.ok and analysis.view.kind == view):
            return analysis
        first = first or analysis
        if frame.time_s > time_s + 1.0:
            break
    return first


def moved_as_with_copies(combined: Measurement, frames: list[FrameReading]) -> Measurement:
    """The frames' combined reading moved by how far reading a frame with its altered copies moves it, on average
    over the frames read both ways: the value a photo's default reading would give."""
    shifts: list[float] = []
    component_shifts: dict[str, list[float]] = {}
    for reading in frames:
        alone = next((m for m in reading.measurements if m.id == combined.id), None)
        copied = next((m for m in reading.with_copies if m.id == combined.id), None)
        if alone is None or copied is None:
            continue
        shifts.append(copied.value - alone.value)
        alone_parts = dict(alone.components)
        for name, value in copied.components:
            if name in alone_parts:
                component_shifts.setdefault(name, []).append(value - alone_parts[name])
    if not shifts:
        return combined
    components = tuple((name, value + float(np.mean(component_shifts[name])) if name in component_shifts else value)
                       for name, value in combined.components)
    return dataclasses.replace(combined, value=combined.value + float(np.mean(shifts)), components=components)


def _combined(base: Analysis, frames: list[FrameReading], stretch: StillStretch, summary: ClipSummary,
              height_cm: float | None) -> Analysis:
    """``base`` with each measurement combined over the still stretch's frames, and the clip's summary and sway."""
    assert base.frame is not None  # an analysed frame has one
    repeat = repeatability()
    ids = list(dict.fromkeys(m.id for r in frames for m in r.measurements))
    own = {m.id: m for m in base.measurements}
    measurements = []
    rejected = []
    for measurement_id in ids:
        found = [(r.time_s, m) for r in frames for m in r.measurements if m.id == measurement_id]
        combined, left_out = combine_frames([m for _, m in found], [t for t, _ in found], repeat, height_cm,
                                            stretch.seconds, levelled=base.frame.levelling.applied)
        combined = moved_as_with_copies(combined, frames)
        drawn = own.get(measurement_id)
        # The points drawn are the standing frame's own, on the picture shown; a measure it lacks is not drawn.
        measurements.append(dataclasses.replace(combined, points=drawn.points if drawn is not None else ()))
        if left_out:
            rejected.append((measurement_id, left_out))
    measured = tuple(measurements)
    frame = base.frame
    scale = BodyScale(float(np.median([r.body_height_px for r in frames])), height_cm)
    readings = sway(np.array([r.time_s for r in frames]), np.stack([r.xy for r in frames]), view=base.view.kind,
                    camera_roll_deg=frame.levelling.camera_roll, units_per_px=scale.convert(1.0), unit=scale.unit,
                    hips_outline_x=np.array([r.hips_outline_x for r in frames]),
                    body_outline_xy=np.array([r.body_outline_xy for r in frames]))
    summary = dataclasses.replace(summary, frames_used=len(frames), start_s=stretch.start_s, end_s=stretch.end_s,
                                  frames_rejected=tuple(rejected), sway=readings)
    findings = evaluate(measured, view=base.view, scale=frame.scale, knowledge=base.knowledge)
    withheld = tuple(w for w in base.withheld if w.id not in ids)
    provenance = dataclasses.replace(base.provenance,
                                     uncertainty=any(m.uncertainty is not None for m in measured))
    return dataclasses.replace(base, measurements=measured, findings=findings, withheld=withheld,
                               provenance=provenance, warnings=(summary.sentence, *base.warnings), clip=summary)


def read_walk(clip: ClipInfo, walker: PoseDetector, view: str, detector: PoseDetector, *, model: ModelIdentity,
              mediapipe_version: str, knowledge: KnowledgeBase, height_cm: float | None, roll: float | None,
              level: bool, copy_detectors: Sequence[PoseDetector] = ()) -> Analysis | str:
    """A clip of walking: every frame's heels followed (:func:`~posture.stages.gait.walk`), and the frame in the
    middle of the walk analysed as a photo is by default, with its altered copies (a walking frame: head and trunk
    only, as the SPEC's rule has it).

    Returns:
        The analysis, carrying the walk in its clip summary, or a sentence saying why there is no walk to read.
    """
    times, tracks = [], []
    last_ms = -1
    width = 0
    for frame in read_frames(clip):
        last_ms = max(last_ms + 1, round(1000 * frame.time_s))
        width = frame.image.width
        poses = walker.detect(frame.image, last_ms)
        if poses:
            times.append(frame.time_s)
            tracks.append(np.array(poses[0].xy))
    if len(times) < 4:
        return "the person was found in too few frames"
    xy = np.stack(tracks)
    extents = np.ptp(xy[:, :, 1], axis=1)
    middle_s = times[len(times) // 2]
    base = _standing_frame(clip, detector, middle_s, view, model=model, mediapipe_version=mediapipe_version,
                           knowledge=knowledge, height_cm=height_cm, roll=roll, level=level,
                           copy_detectors=copy_detectors)
    if base is not None and base.problem is not None:
        reason = base.problem.rstrip(".")
        return f"its middle frame is refused as a photo would be: {reason[0].lower()}{reason[1:]}"
    if base is None or not base.ok or base.frame is None or base.pose is None:
        return "the frame in the middle of the walk is not read as a person in this view"
    # The landmarks span eyes to heels; the frame's body height is the whole body's, so each frame's extent is
    # scaled by the middle frame's ratio of the two.
    heights = extents * base.frame.body_height_px / max(float(np.ptp(base.pose.xy[:, 1])), 1e-9)
    reading = walk(np.array(times), xy, heights, view=base.view.kind, facing=base.verdict.facing or 1,
                   units_per_height=height_cm if height_cm is not None else 100.0,
                   unit=CM if height_cm is not None else PERCENT_HEIGHT, centre_x=width / 2.0)
    if isinstance(reading, str):
        return reading
    summary = ClipSummary(duration_s=max(clip.duration_s or 0.0, times[-1]), frames_read=len(times), frames_used=0,
                          start_s=reading.start_s, end_s=reading.end_s, walk=reading)
    return dataclasses.replace(base, clip=summary, warnings=(summary.sentence, *base.warnings),
                               findings=with_walk_finding(base.findings, reading, knowledge))


def with_walk_finding(findings: tuple[Finding, ...], reading: Walk, knowledge: KnowledgeBase) -> tuple[Finding, ...]:
    """The walking frame's findings, and an uneven walk's when a comparison of the steps is one-sided; balanced
    alignment then gives way, since it says that nothing passed its threshold."""
    if not any(item.one_sided for item in reading.symmetries):
        return findings
    text = knowledge.walk
    uneven = Finding(id=UNEVEN_WALK, title=text.title, summary=text.summary, explanation=text.explanation,
                     article_sections=text.article_sections, borderline=False)
    return (*(f for f in findings if f.id != "balanced_alignment"), uneven)
