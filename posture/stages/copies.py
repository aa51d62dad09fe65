"""Each measurement averaged over slightly changed copies of the photo, with its repeatability interval.

Landmarks jitter: the same body photographed a little larger, shifted or
mirrored gives slightly different landmarks. posture measures the photo and
five altered copies and reports the mean: the mirrored copy cancels the pose
model's left-right bias, and the mean scatters less between re-taken photos
than a single run (bench/COVERAGE.md). When the camera was rolled, the
copies are made from the photo turned upright, so five of every six
readings come from pixels like a level camera's. The readings' spread gives each
measurement its 95% half-width for repeatability (what a before/after
comparison needs), widened to match how far re-taken photos land. Six
readings say little about their own spread, so it is pooled with the spread
such readings typically have (fitted on rendered photos): the interval then
varies less from photo to photo and needs a smaller t quantile. It is not
accuracy against the clinical measure; bench/ACCURACY.md gives that. It
costs five more landmark runs, about five times the work of one photo, so
``--fast`` skips it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

import cv2
import numpy as np

from posture.analysis import Analysis
from posture.core.image import LoadedImage
from posture.core.measurement import Measurement
from posture.knowledge.repeatability import Repeatability, repeatability
from posture.pipeline import gate, measure
from posture.stages.detect import PoseDetector
from posture.stages.findings import evaluate
from posture.stages.gate import view_kind
from posture.stages.level import NOT_LEVELLED, upright_image

SHIFT_FRACTION = 0.04
ZOOM = 0.8
JPEG_QUALITY = 70


def _mirrored(image: LoadedImage) -> LoadedImage:
    return dataclasses.replace(image, rgb=np.ascontiguousarray(image.rgb[:, ::-1]))


def _zoomed_out(image: LoadedImage) -> LoadedImage:
    rows, cols = image.rgb.shape[:2]
    smaller = cv2.resize(image.rgb, (round(cols * ZOOM), round(rows * ZOOM)), interpolation=cv2.INTER_AREA)
    return dataclasses.replace(image, rgb=smaller, scale=image.scale * smaller.shape[1] / cols)


def _shifted(image: LoadedImage) -> LoadedImage:
    """Pad the top-left corner with the edge colour: the person moves within the frame, nothing is cut off."""
    rows, cols = image.rgb.shape[:2]
    dy, dx = round(rows * SHIFT_FRACTION), round(cols * SHIFT_FRACTION)
    padded = cv2.copyMakeBorder(image.rgb, dy, 0, dx, 0, cv2.BORDER_REPLICATE)
    # Landmarks are reported relative to the padded frame; cropping back is not needed because
    # every measurement is translation-invariant, but the size must grow with the padding.
    return dataclasses.replace(
        image, rgb=padded,
        width=round(image.width * padded.shape[1] / cols), height=round(image.height * padded.shape[0] / rows),
    )


def _grayscale(image: LoadedImage) -> LoadedImage:
    gray = cv2.cvtColor(image.rgb, cv2.COLOR_RGB2GRAY)
    return dataclasses.replace(image, rgb=np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2)))


def _recompressed(image: LoadedImage) -> LoadedImage:
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(image.rgb, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("OpenCV could not encode the working image as JPEG")
    decoded = cv2.cvtColor(cv2.imdecode(encoded, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return dataclasses.replace(image, rgb=decoded)


PERTURBATIONS: tuple[tuple[str, Callable[[LoadedImage], LoadedImage]], ...] = (
    ("mirror", _mirrored),
    ("zoom", _zoomed_out),
    ("shift", _shifted),
    ("grayscale", _grayscale),
    ("jpeg", _recompressed),
)
"""Changes that leave the person's posture as it is, so any change in a measurement is the method's own noise."""


def with_uncertainty(analysis: Analysis, detector: PoseDetector) -> Analysis:
    """The analysis with every measurement averaged over perturbed re-runs and given its uncertainty.

    Each measurement's value (and its components) becomes the mean over the
    photo and its measured copies: the mirrored copy cancels the model's
    left-right bias, and the mean is steadier from shot to shot than any one
    run (bench/COVERAGE.md). A copy in which the gate refuses the person (or
    sees another view) is skipped; with fewer than three readings the value
    stays the photo's own and the uncertainty stays None.
    """
    return averaged(analysis, collect_readings(analysis, detector))


def collect_readings(analysis: Analysis, detector: PoseDetector) -> dict[str, list[Measurement]]:
    """Every measurement of ``analysis`` read again in each altered copy of its photo: the photo's reading first.

    A refused photo has no readings; a copy the gate refuses, or sees in another view, adds none.
    """
    frame = analysis.frame
    if frame is None:
        return {}
    readings: dict[str, list[Measurement]] = {m.id: [m] for m in analysis.measurements}
    front_or_back = view_kind(analysis.view) != "side"
    # The copies are made from the photo turned upright, already level: the model then sees the person
    # as in a level photo rather than re-sampled at an angle (bench/ACCURACY.md, levelling section).
    roll = frame.levelling.camera_roll  # 0.0 when not levelled
    source = upright_image(analysis.image, roll) if roll else analysis.image
    for name, perturb in PERTURBATIONS:
        copy = perturb(source)
        verdict = gate(copy, detector.detect(copy))
        # A copy the gate refuses, or sees in another view, contributes no reading.
        if not verdict.ok or view_kind(verdict.view) != view_kind(analysis.view):
            continue
        # A mirror image shows a person whose left is the original's right.
        sign = -1.0 if (name == "mirror" and front_or_back) else 1.0
        for measurement in measure(verdict, frame.scale.height_cm, NOT_LEVELLED)[1]:
            if measurement.id in readings:
                readings[measurement.id].append(_signed(measurement, sign))
    return readings


def averaged(analysis: Analysis, readings: Mapping[str, list[Measurement]],
             repeat: Repeatability | None = None) -> Analysis:
    """The analysis with each measurement the mean of its ``readings`` (:func:`collect_readings`), with its ±.

    ``repeat`` defaults to the shipped :func:`repeatability`.
    """
    frame = analysis.frame
    if frame is None:
        return analysis
    repeat = repeat or repeatability()
    measurements = tuple(_averaged(m, readings[m.id], repeat, frame.scale.height_cm) for m in analysis.measurements)
    # Findings are judged again: a value within its uncertainty of a threshold is borderline.
    findings = evaluate(measurements, view=analysis.view, scale=frame.scale, knowledge=analysis.knowledge)
    return dataclasses.replace(analysis, measurements=measurements, findings=findings,
                               provenance=dataclasses.replace(analysis.provenance, uncertainty=True))


def _signed(measurement: Measurement, sign: float) -> Measurement:
    """The reading with its value and components multiplied by ``sign`` (-1: left and right swapped)."""
    if sign == 1.0:
        return measurement
    return dataclasses.replace(measurement, value=sign * measurement.value,
                               components=tuple((name, sign * value) for name, value in measurement.components))


def _averaged(photo: Measurement, readings: list[Measurement], repeat: Repeatability,
              height_cm: float | None) -> Measurement:
    """The photo's measurement with the mean value and components of its readings and their half-width."""
    values = [r.value for r in readings]
    half_width = repeat.half_width(photo, values, height_cm)
    if half_width is None:
        return photo
    shared = [name for name, _ in photo.components
              if all(name in dict(r.components) for r in readings)]
    components = tuple((name, float(np.mean([dict(r.components)[name] for r in readings]))) for name in shared)
    return dataclasses.replace(photo, value=float(np.mean(values)), uncertainty=half_width,
                               components=components + tuple(c for c in photo.components if c[0] not in shared))
