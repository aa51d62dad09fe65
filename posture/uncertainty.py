"""Each measurement averaged over slightly changed copies of the photo, with its repeatability interval.

Landmarks jitter: the same body photographed a little larger, shifted or
mirrored gives slightly different landmarks. posture measures the photo and
five altered copies and reports the mean: the mirrored copy cancels the pose
model's left-right bias, and the mean scatters less between re-taken photos
than a single run (bench/COVERAGE.md). When the camera was rolled, the
copies are made from the photo turned upright, so four of every six
readings come from pixels like a level camera's. The readings' spread gives each
measurement its 95% half-width for repeatability (what a before/after
comparison needs), widened to match how far re-taken photos land. It is not
accuracy against the clinical measure; bench/ACCURACY.md gives that. It
costs five more landmark runs, about five times the work of one photo, so
``--fast`` skips it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from importlib import resources

import cv2
import numpy as np

from posture._toml import loads
from posture.analysis import Analysis
from posture.findings import evaluate
from posture.landmarks import PoseDetector
from posture.level import NOT_LEVELLED, upright_image
from posture.loading import LoadedImage
from posture.measurements import Measurement
from posture.pipeline import gate, measure
from posture.quality import view_kind

T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447}
"""Student's t quantile for a two-sided 95% interval, by degrees of freedom: few copies, wide intervals."""
Z_95 = 1.959964
"""The normal distribution's two-sided 95% quantile: a half-width is this many standard deviations."""
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
if len(PERTURBATIONS) not in T_975:
    raise RuntimeError("T_975 needs the t quantile for as many degrees of freedom as there are perturbed copies")


@functools.cache
def repeatability_factor() -> float:
    """How much wider than the standard error of the mean of a photo's readings re-taken photos scatter.

    The readings come from one set of pixels, so they vary less than photos
    re-taken with the camera moved; ``knowledge/repeatability.toml`` holds the
    factor that widens the standard error enough to cover re-takes of rendered
    bodies (written by ``bench/coverage.py --fit``, checked on held-out bodies
    in bench/COVERAGE.md).
    """
    source = resources.files("posture") / "knowledge" / "repeatability.toml"
    return float(loads(source.read_text(encoding="utf-8"))["factor"])


def with_uncertainty(analysis: Analysis, detector: PoseDetector) -> Analysis:
    """The analysis with every measurement averaged over perturbed re-runs and given its uncertainty.

    Each measurement's value (and its components) becomes the mean over the
    photo and its measured copies: the mirrored copy cancels the model's
    left-right bias, and the mean is steadier from shot to shot than any one
    run (bench/COVERAGE.md). A copy in which the gate refuses the person (or
    sees another view) is skipped; with fewer than three readings the value
    stays the photo's own and the uncertainty stays None.
    """
    frame = analysis.frame
    if frame is None:
        return analysis  # a refused photo has no measurements to re-measure
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
    factor = repeatability_factor()
    measurements = tuple(_averaged(m, readings[m.id], factor) for m in analysis.measurements)
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


def _averaged(photo: Measurement, readings: list[Measurement], factor: float) -> Measurement:
    """The photo's measurement with the mean value and components of its readings and their half-width."""
    values = [r.value for r in readings]
    half_width = half_width_of_mean(values, factor)
    if half_width is None:
        return photo
    shared = [name for name, _ in photo.components
              if all(name in dict(r.components) for r in readings)]
    components = tuple((name, float(np.mean([dict(r.components)[name] for r in readings]))) for name in shared)
    return dataclasses.replace(photo, value=float(np.mean(values)), uncertainty=half_width,
                               components=components + tuple(c for c in photo.components if c[0] not in shared))


def half_width_of_mean(values: list[float], factor: float) -> float | None:
    """Half-width of the 95% interval of the mean of one measurement's readings, for re-taken photos.

    Student's t times the standard error of the mean, widened by ``factor``
    (:func:`repeatability_factor`); None with fewer than three readings.
    """
    if len(values) < 3:
        return None
    spread = float(np.std(values, ddof=1))
    if not math.isfinite(spread):
        return None
    return factor * T_975[len(values) - 1] * spread / math.sqrt(len(values))
