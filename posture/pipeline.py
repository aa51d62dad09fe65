"""The stages after loading: landmarks → quality gate → levelling → frame → measurements → findings → :class:`Analysis`.

Each stage is a function of the previous stage's result. A refusal by the
quality gate is not an exception here: it ends the pipeline early with an
:class:`Analysis` whose ``status`` is ``"refused"``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from posture.analysis import Analysis, ModelIdentity, Provenance
from posture.core.image import LoadedImage
from posture.core.measurement import Measurement
from posture.core.pose import Pose
from posture.knowledge.calibration import load_calibrations
from posture.knowledge.explanations import KnowledgeBase
from posture.stages.detect import PoseDetector
from posture.stages.findings import evaluate
from posture.stages.frame import Frame, build_frame
from posture.stages.gate import Verdict, assess, view_kind
from posture.stages.level import (
    NOT_LEVELLED,
    Levelling,
    find_levelling,
    level_pose,
    levelling_centre,
    unlevel_points,
)
from posture.stages.lines import start_line_search
from posture.stages.measure.bodies import Mask, withheld_notes
from posture.stages.measure.views import measure_front_view, measure_side_view

UNCALIBRATED_MODEL_WARNING = (
    "This pose model is not the one posture's calibrations were fitted with, so calibrated values may be off by "
    "a little more than bench/ACCURACY.md says; `posture model --force --from-wheel` installs that exact model.")


def gate(image: LoadedImage, poses: tuple[Pose, ...]) -> Verdict:
    """The quality gate's verdict on the people found in ``image``."""
    return assess(poses, width=image.width, height=image.height, dark=image.is_dark)


def measure(verdict: Verdict, height_cm: float | None,
            levelling: Levelling = NOT_LEVELLED) -> tuple[Frame, tuple[Measurement, ...]]:
    """The frame and the measurements for an accepted verdict's person and view.

    The person's landmarks and mask are first turned by ``levelling``'s
    camera roll, so that every measurement, from landmarks or outline, is
    taken against the true vertical. The verdict's own pose (drawn on the
    photo) stays as detected.

    Raises:
        ValueError: the verdict is a refusal (there is nothing to measure).
    """
    if verdict.pose is None or not verdict.ok:
        raise ValueError(f"only an accepted verdict can be measured, not one refused with {verdict.problem!r}")
    pose = level_pose(verdict.pose, levelling.camera_roll) if levelling.applied else verdict.pose
    frame = build_frame(pose, height_cm=height_cm, levelling=levelling)
    mask = None if pose.mask is None else Mask(probability=pose.mask, scale=pose.mask_scale)
    if view_kind(verdict.view) == "side":
        if verdict.near_side is None:
            raise ValueError("a side-view verdict must name the near side")
        measurements = measure_side_view(pose.xy, facing=verdict.facing, near_side=verdict.near_side,
                                         scale=frame.scale, calibrations=load_calibrations(),
                                         stride=verdict.stride, outline=mask)
    else:
        measurements = measure_front_view(pose.xy, back=verdict.view == "back", scale=frame.scale,
                                          calibrations=load_calibrations(), outline=mask)
    if levelling.applied:
        measurements = photo_points(measurements, levelling.camera_roll, levelling_centre(verdict.pose.xy))
    return frame, measurements


def photo_points(measurements: tuple[Measurement, ...], roll: float,
                 centre: tuple[float, float]) -> tuple[Measurement, ...]:
    """The measurements with their outline points turned back from the levelled frame into the photo's pixels.

    Measuring happens in the levelled frame; the picture is drawn on the photo as taken.
    """
    turned = []
    for measurement in measurements:
        if measurement.points:
            xy = unlevel_points(np.array([(x, y) for _, x, y in measurement.points]), roll, centre)
            points = tuple((name, float(x), float(y)) for (name, _, _), (x, y) in zip(measurement.points, xy))
            measurement = dataclasses.replace(measurement, points=points)
        turned.append(measurement)
    return tuple(turned)


def provenance(image: LoadedImage, *, model: ModelIdentity, mediapipe_version: str, people_detected: int,
               uncertainty: bool = False) -> Provenance:
    """What a result from this image and model depends on."""
    from posture._version import __version__

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
) -> Analysis:
    """Analyse one loaded photo with an open detector; a refused photo gives a refused :class:`Analysis`.

    ``roll`` (degrees, see :class:`~posture.level.Levelling`) overrides the
    levelling found in the photo; ``level=False`` measures the photo as it is.
    """
    # The background's lines need only the pixels: they are searched while the landmarker looks for the person.
    lines = start_line_search(image, roll=roll, level=level)
    poses = detector.detect(image)
    verdict = gate(image, poses)
    origin = provenance(image, model=model, mediapipe_version=mediapipe_version, people_detected=len(poses))
    model_warning = () if model.calibrated else (UNCALIBRATED_MODEL_WARNING,)
    if not verdict.ok or verdict.pose is None:
        return Analysis(image=image, verdict=verdict, frame=None, measurements=(), findings=(), knowledge=knowledge,
                        warnings=image.warnings + verdict.warnings + model_warning, provenance=origin)
    levelling = find_levelling(image, verdict.pose, roll=roll, level=level, lines=lines)
    frame, measurements = measure(verdict, height_cm, levelling)
    findings = evaluate(measurements, view=verdict.view, scale=frame.scale, knowledge=knowledge)
    return Analysis(
        image=image, verdict=verdict, frame=frame, measurements=measurements, findings=findings,
        knowledge=knowledge,
        warnings=image.warnings + verdict.warnings + (levelling.note,) + withheld_notes(measurements) + model_warning,
        provenance=origin,
    )
