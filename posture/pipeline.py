"""The one orchestrator: a loaded photo through every stage into one :class:`Analysis`.

detect (with the background's line search alongside) → gate, and in the
default reading of a photo a closer search for a second person beside the
first → review of the pose → level once → frame → measure → altered copies
(the default reading), which must read each measure again (witnesses) → a
side for left–right differences only where the outline and the landmarks
agree → skin markers (when asked) → findings, judged once → the
measurements' points turned back into the photo's pixels → :class:`Analysis`.

Everything is measured in the levelled frame and turned back only at the
end, for drawing on the photo as taken. A refusal, by the quality gate, the
pose review or for unusable skin markers, is not an exception here: it ends the run early
with an :class:`Analysis` whose ``status`` is ``"refused"``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
import queue
from concurrent.futures import Executor, ThreadPoolExecutor

import numpy as np

from posture._version import __version__
from posture.analysis import Analysis, ModelIdentity, Provenance
from posture.core.image import LoadedImage
from posture.core.measurement import Measurement, Withheld
from posture.core.pose import Landmark, Pose
from posture.knowledge.calibration import load_calibrations
from posture.knowledge import registry
from posture.knowledge.explanations import KnowledgeBase
from posture.stages.copies import (
    CopyReadings,
    altered_copies,
    averaged_measurements,
    copy_sign,
    gather_readings,
)
from posture.stages.detect import PoseDetector
from posture.stages.findings import evaluate
from posture.stages.frame import Frame, build_frame
from posture.stages.gate import Verdict, assess, with_people_beside
from posture.stages.level import (
    NOT_LEVELLED,
    Levelling,
    find_levelling,
    level_pose,
    levelling_before_the_person,
    levelling_centre,
    unlevel_points,
)
from posture.stages.lines import start_line_search
from posture.stages.measure.bodies import Measured
from posture.stages.measure.markers import MarkersUnusable, measure_markers
from posture.stages.measure.views import measure_person
from posture.stages.pose_checks import review
from posture.stages.witnesses import copies_problem, sides_agree, steady_measurements

UNCALIBRATED_MODEL_WARNING = (
    "This pose model is not the one posture's calibrations were fitted with, so calibrated values may be off by "
    "a little more than bench/ACCURACY.md says; `posture model --force --from-wheel` installs that exact model.")


MARKERS_SINGLE_READING = (" The markers' measures are read once, from the photo as taken, and carry no ±: markers "
                          "are found by their colour, which the grey copy removes; their precision is in "
                          "bench/MARKERS.md.")


def gate(image: LoadedImage, poses: tuple[Pose, ...]) -> Verdict:
    """The quality gate's verdict on the people found in ``image``."""
    return assess(poses, width=image.width, height=image.height, dark=image.is_dark)


def measure(verdict: Verdict, height_cm: float | None,
            levelling: Levelling = NOT_LEVELLED) -> tuple[Frame, Measured]:
    """The frame and the measurements, in the levelled frame, of an accepted verdict's person and view.

    The person's landmarks and mask are turned by ``levelling``'s camera roll
    first, so that every measurement, from landmarks or outline, is taken
    against the true vertical; :func:`photo_points` turns the points back.

    Raises:
        ValueError: the verdict is a refusal (there is nothing to measure).
    """
    if verdict.pose is None or not verdict.ok:
        raise ValueError(f"only an accepted verdict can be measured, not one refused with {verdict.problem!r}")
    pose = level_pose(verdict.pose, levelling.camera_roll) if levelling.applied else verdict.pose
    frame = build_frame(pose, height_cm=height_cm, levelling=levelling)
    return frame, measure_person(verdict, pose, frame.scale)


class CopyReading:
    """The altered copies of a photo being read: each detected, gated and measured, in threads of their own.

    The copy landmarkers start as soon as the copies are made, beside the main landmarker's work on the
    photo itself; the main landmarker then takes whatever copies are left (:meth:`readings`). A landmarker
    runs on about one core and lets go of the interpreter while it runs, so on two cores the copies cost
    little more than one landmark run. Each copy is read by one landmarker only, and the readings are
    gathered in the copies' own order, so the result is the same however they were shared out.
    """

    def __init__(self, image: LoadedImage, roll: float, height_cm: float | None,
                 detectors: Sequence[PoseDetector], pool: Executor | None) -> None:
        self.roll = roll
        self._height_cm = height_cm
        self._waiting: queue.SimpleQueue[tuple[int, tuple[str, LoadedImage]]] = queue.SimpleQueue()
        for indexed in enumerate(altered_copies(image, roll)):
            self._waiting.put(indexed)
        self._read: dict[int, tuple[str, Verdict, tuple[Measurement, ...]]] = {}
        self._helpers = [pool.submit(self._work, detector) for detector in detectors] if pool is not None else []

    def _work(self, detector: PoseDetector) -> None:
        while True:
            try:
                index, (name, copy) = self._waiting.get_nowait()
            except queue.Empty:
                return
            verdict = gate(copy, detector.detect(copy))
            self._read[index] = (name, verdict, measure(verdict, self._height_cm)[1].measurements if verdict.ok
                                 else ())

    def readings(self, detector: PoseDetector, verdict: Verdict, measurements: tuple[Measurement, ...]) -> CopyReadings:
        """Every measurement of the photo with its readings in the copies: the photo's own first.

        ``detector`` reads the copies not yet taken. A copy the gate refuses, or sees in another view than
        ``verdict``'s, adds no reading and is named among the ``lost``.
        """
        self._work(detector)
        for helper in self._helpers:
            helper.result()
        accepted, lost = [], []
        for _, (name, copy_verdict, taken) in sorted(self._read.items()):
            if copy_verdict.ok and copy_verdict.view.kind == verdict.view.kind:
                accepted.append((name, copy_sign(name, verdict.view), taken))
            else:
                lost.append(name)
        return gather_readings(measurements, accepted, lost)

    def abandon(self) -> None:
        """Take no more copies and wait for those being read: their readings are not wanted."""
        while True:
            try:
                self._waiting.get_nowait()
            except queue.Empty:
                break
        for helper in self._helpers:
            helper.exception()


def copy_readings(image: LoadedImage, verdict: Verdict, frame: Frame, measurements: tuple[Measurement, ...],
                  detectors: Sequence[PoseDetector]) -> CopyReadings:
    """Every measurement read again in each altered copy of the photo (:class:`CopyReading`): the photo's first.

    The first of ``detectors`` reads in this thread, the others each in a thread of their own.
    """
    with ThreadPoolExecutor(max_workers=max(1, len(detectors) - 1), thread_name_prefix="posture-copies") as pool:
        run = CopyReading(image, frame.levelling.camera_roll, frame.scale.height_cm, detectors[1:], pool)
        return run.readings(detectors[0], verdict, measurements)


def merged_withheld(*groups: tuple[Withheld, ...]) -> tuple[Withheld, ...]:
    """The withheld measures of several stages, one entry per id: the first reason given wins.

    The pose review comes first, because a pose to change is the first thing to fix; the outline's reasons
    (loose cloth) follow for the measures the pose left alone.
    """
    merged: dict[str, Withheld] = {}
    for group in groups:
        for entry in group:
            merged.setdefault(entry.id, entry)
    return tuple(merged.values())


def photo_points(measurements: tuple[Measurement, ...], levelling: Levelling,
                 pose_xy: np.ndarray) -> tuple[Measurement, ...]:
    """The measurements with their points turned back from the levelled frame into the photo's pixels.

    ``pose_xy`` is the person as detected, whose landmarks' centre the levelling turned about.
    """
    if not levelling.applied:
        return measurements
    centre = levelling_centre(pose_xy)
    turned = []
    for measurement in measurements:
        if measurement.points:
            xy = unlevel_points(np.array([(x, y) for _, x, y in measurement.points]), levelling.camera_roll, centre)
            points = tuple((name, float(x), float(y)) for (name, _, _), (x, y) in zip(measurement.points, xy))
            measurement = dataclasses.replace(measurement, points=points)
        turned.append(measurement)
    return tuple(turned)


def provenance(image: LoadedImage, *, model: ModelIdentity, mediapipe_version: str, people_detected: int,
               uncertainty: bool = False) -> Provenance:
    """What a result from this image and model depends on."""
    origin = image.origin
    return Provenance(
        posture_version=__version__, mediapipe_version=mediapipe_version, model=model,
        calibration_version=load_calibrations().version, input_sha256=origin.sha256,
        input_format=origin.format, input_width=image.width, input_height=image.height,
        exif_orientation=origin.exif_orientation, capture_time=origin.capture_time,
        uncertainty=uncertainty, people_detected=people_detected,
    )


def analyze_image(
    image: LoadedImage,
    detector: PoseDetector,
    *,
    model: ModelIdentity,
    mediapipe_version: str,
    knowledge: KnowledgeBase,
    height_cm: float | None = None,
    roll: float | None = None,
    level: bool = True,
    uncertainty: bool = False,
    markers: str | None = None,
    copy_detectors: Sequence[PoseDetector] = (),
    poses: tuple[Pose, ...] | None = None,
    look_beside: bool | None = None,
) -> Analysis:
    """Analyse one loaded photo with an open detector; a refused photo gives a refused :class:`Analysis`.

    Args:
        roll: degrees (see :class:`~posture.stages.level.Levelling`); replaces the levelling found in the photo.
        level: False measures the photo as it is.
        uncertainty: average over the altered copies and give each measurement its ± (the default reading).
        markers: the skin markers' colour; the markers' measures then replace the estimates of the same ids.
        copy_detectors: landmarkers that read altered copies alongside ``detector``, one thread each.
        poses: the people already found in ``image`` (a clip's frame, found by a video-mode landmarker);
            ``detector`` then only reads the altered copies.
        look_beside: search the photo again beside the person for a second one of similar size (a few more
            landmark runs, about 40 ms); None does so in the default reading of a photo (``uncertainty`` and no
            ``poses``).
    """
    with ThreadPoolExecutor(max_workers=max(1, len(copy_detectors)), thread_name_prefix="posture-copies") as pool:
        copies = None
        if uncertainty and copy_detectors:
            # The copies are read beside the photo from the start: turned upright by a roll known without the
            # person, or else as taken, on the bet that the background's lines will not level the photo (a
            # lost bet is read again once the roll is known).
            early = levelling_before_the_person(image, roll=roll, level=level)
            copies = CopyReading(image, early.camera_roll if early is not None else 0.0, height_cm, copy_detectors,
                                 pool)
        try:
            return _analyze(image, detector, model=model, mediapipe_version=mediapipe_version, knowledge=knowledge,
                            height_cm=height_cm, roll=roll, level=level, uncertainty=uncertainty, markers=markers,
                            copies=copies, copy_detectors=copy_detectors, pool=pool, poses=poses,
                            look_beside=(uncertainty and poses is None) if look_beside is None else look_beside)
        finally:
            if copies is not None:
                copies.abandon()


def _analyze(image: LoadedImage, detector: PoseDetector, *, model: ModelIdentity, mediapipe_version: str,
             knowledge: KnowledgeBase, height_cm: float | None, roll: float | None, level: bool, uncertainty: bool,
             markers: str | None, copies: CopyReading | None, copy_detectors: Sequence[PoseDetector],
             pool: Executor, poses: tuple[Pose, ...] | None = None, look_beside: bool = False) -> Analysis:
    """:func:`analyze_image` with the copies' reading already under way (``copies``), if it is."""
    # The background's lines need only the pixels: they are searched while the landmarker looks for the person.
    lines = start_line_search(image, roll=roll, level=level)
    if poses is None:
        poses = detector.detect(image)
    verdict = gate(image, poses)
    if look_beside and verdict.ok and verdict.pose is not None:
        verdict = with_people_beside(verdict, detector.people_beside(image, verdict.pose))
    model_warning = () if model.calibrated else (UNCALIBRATED_MODEL_WARNING,)
    origin = provenance(image, model=model, mediapipe_version=mediapipe_version, people_detected=len(poses),
                        uncertainty=uncertainty and verdict.ok)
    if not verdict.ok or verdict.pose is None:
        return Analysis(image=image, verdict=verdict, frame=None, measurements=(), findings=(), knowledge=knowledge,
                        warnings=image.warnings + verdict.warnings + model_warning, provenance=origin)
    checked = review(verdict, poses[1:])
    if checked.problem is not None:
        refusal = dataclasses.replace(verdict, problem=checked.problem, problem_kind=checked.problem_kind)
        return Analysis(image=image, verdict=refusal, frame=None, measurements=(), findings=(), knowledge=knowledge,
                        warnings=image.warnings + verdict.warnings + model_warning,
                        provenance=dataclasses.replace(origin, uncertainty=False))
    levelling = find_levelling(image, verdict.pose, roll=roll, level=level, lines=lines)
    frame, measured = measure(verdict, height_cm, levelling)
    warnings = image.warnings + verdict.warnings + (levelling.note,) + model_warning
    withheld = merged_withheld(checked.withheld, measured.withheld)
    # What the pose cannot support is not measured at all: the copies' readings of it go unused too.
    unsupported = {w.id for w in checked.withheld}
    measurements = tuple(m for m in measured.measurements if m.id not in unsupported)
    if markers is not None:
        try:
            marked = measure_markers(image, verdict, frame, colour=markers)
        except MarkersUnusable as problem:
            refusal = dataclasses.replace(verdict, problem=str(problem), problem_kind="markers")
            return Analysis(image=image, verdict=refusal, frame=None, measurements=(), findings=(),
                            knowledge=knowledge, warnings=warnings, provenance=origin)
    if uncertainty:
        if copies is None or copies.roll != levelling.camera_roll:
            if copies is not None:
                copies.abandon()
            copies = CopyReading(image, levelling.camera_roll, height_cm, copy_detectors, pool)
        readings = copies.readings(detector, verdict, measurements)
        unreadable = copies_problem(readings)
        if unreadable is not None:
            refusal = dataclasses.replace(verdict, problem=unreadable[0].upper() + unreadable[1:],
                                          problem_kind="person")
            return Analysis(image=image, verdict=refusal, frame=None, measurements=(), findings=(),
                            knowledge=knowledge, warnings=warnings, provenance=origin)
        measurements = averaged_measurements(measurements, readings.by_id, frame.scale.height_cm)
        measurements, unsteady = steady_measurements(measurements, readings, frame.scale.height_cm)
        withheld += unsteady
    measurements, one_sided = sides_agree(measurements, frame.scale)
    withheld += one_sided
    if markers is not None:
        by_id = {m.id: m for m in marked.measurements}
        # Markers read the body where the landmarks do, but not a pose that bends what they mark.
        measurements = tuple(by_id.pop(m.id, m) for m in measurements) + tuple(
            m for m in by_id.values() if m.id not in unsupported)
        # The markers' own reading of a measure replaces the estimate, and whatever kept that estimate back.
        marked_ids = {m.id for m in marked.measurements} - unsupported
        withheld = tuple(w for w in withheld if w.id not in marked_ids)
        warnings += (marked.note + MARKERS_SINGLE_READING if uncertainty else marked.note,)
    findings = evaluate(measurements, view=verdict.view, scale=frame.scale, knowledge=knowledge,
                        withheld={w.id for w in withheld})
    return Analysis(image=image, verdict=verdict, frame=frame,
                    measurements=photo_points(measurements, levelling, verdict.pose.xy), findings=findings,
                    knowledge=knowledge, warnings=warnings, provenance=origin, withheld=merged_withheld(withheld))


CORRECTED = "Corrected by hand"
"""How a measurement recomputed from landmarks placed by hand begins its method."""


def remeasure(analysis: Analysis, moved: dict[str, tuple[float, float]], *, when: str) -> Analysis:
    """The analysis with some landmarks placed by hand: the measurements that use them recomputed, the rest kept.

    The corrected pose is measured in the analysis's own levelled frame, and
    every measurement whose landmarks include a moved one takes the new value,
    with a method beginning "Corrected by hand" and ``when``, and no ± (a hand
    placed point is a single reading). The findings are judged again, and a
    warning names the moved landmarks and the recomputed measurements. The
    analysis given is left as it is.

    Args:
        analysis: an analysed (not refused) photo.
        moved: landmark name (``"left_ear"``) → its position in the photo's original pixels.
        when: the time of the correction, as the reports should show it.

    Raises:
        ValueError: the analysis is refused, or a name is not a landmark.
    """
    if not analysis.ok or analysis.pose is None or analysis.frame is None:
        raise ValueError("only an analysed photo's landmarks can be corrected")
    unknown = sorted(set(moved) - {landmark.name.lower() for landmark in Landmark})
    if unknown:
        raise ValueError(f"not landmarks: {', '.join(unknown)}")
    detected = analysis.pose
    xy = detected.xy.copy()
    for name, point in moved.items():
        xy[Landmark[name.upper()]] = point
    verdict = dataclasses.replace(analysis.verdict, pose=dataclasses.replace(detected, xy=xy))
    levelling = analysis.frame.levelling
    frame, measured = measure(verdict, analysis.frame.scale.height_cm, levelling)
    fresh = {m.id: m for m in photo_points(measured.measurements, levelling, detected.xy)}
    measurements, recomputed = [], []
    for measurement in analysis.measurements:
        if measurement.id in fresh and set(moved) & set(measurement.landmarks):
            again = fresh[measurement.id]
            measurement = dataclasses.replace(again, uncertainty=None,
                                              method=f"{CORRECTED} on {when}: {again.method}")
            recomputed.append(registry.definition(measurement.id).name)
        measurements.append(measurement)
    findings = evaluate(tuple(measurements), view=verdict.view, scale=frame.scale, knowledge=analysis.knowledge)
    note = (f"{CORRECTED} on {when}: {', '.join(name.replace('_', ' ') for name in sorted(moved))} placed by hand; "
            + (f"recomputed from them, without a ±: {', '.join(recomputed)}." if recomputed
               else "no measurement uses them, so every number is as measured."))
    return dataclasses.replace(analysis, verdict=verdict, frame=frame, measurements=tuple(measurements),
                               findings=findings, warnings=analysis.warnings + (note,))
