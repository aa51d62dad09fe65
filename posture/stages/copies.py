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
accuracy against the clinical measure; bench/ACCURACY.md gives that.

This stage makes the copies and averages their readings; the pipeline runs
the landmarker, the gate and the measures on each copy in between.
``--fast`` skips it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping

import cv2
import numpy as np

from posture.core.image import LoadedImage
from posture.core.measurement import Measurement
from posture.core.views import View
from posture.knowledge.repeatability import Repeatability, repeatability
from posture.stages.level import upright_image

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


def altered_copies(image: LoadedImage, roll: float = 0.0) -> tuple[tuple[str, LoadedImage], ...]:
    """The altered copies of ``image``, named, made from the photo turned upright when the camera was rolled.

    Turned upright first, the model sees the person as in a level photo rather
    than re-sampled at an angle (bench/ACCURACY.md, levelling section), and the
    copies' readings need no levelling of their own.
    """
    source = upright_image(image, roll) if roll else image
    return tuple((name, perturb(source)) for name, perturb in PERTURBATIONS)


def copy_sign(name: str, view: str) -> float:
    """-1.0 where the copy ``name`` swaps the person's left and right in a left-right measurement, else +1.0."""
    return -1.0 if name == "mirror" and View(view).kind != "side" else 1.0


def gather_readings(photo: tuple[Measurement, ...],
                    copies: Iterable[tuple[float, tuple[Measurement, ...]]]) -> dict[str, list[Measurement]]:
    """Each measurement of the photo with the same measurement of every copy that took it: the photo's first.

    ``copies`` holds, per copy that the gate accepted in the photo's view, its
    sign (:func:`copy_sign`) and its measurements.
    """
    readings: dict[str, list[Measurement]] = {m.id: [m] for m in photo}
    for sign, measurements in copies:
        for measurement in measurements:
            if measurement.id in readings:
                readings[measurement.id].append(signed(measurement, sign))
    return readings


def averaged_measurements(measurements: tuple[Measurement, ...], readings: Mapping[str, list[Measurement]],
                          height_cm: float | None, repeat: Repeatability | None = None) -> tuple[Measurement, ...]:
    """Each measurement as the mean of its ``readings`` (:func:`gather_readings`), with its ±.

    ``repeat`` defaults to the shipped :func:`~posture.knowledge.repeatability.repeatability`.
    """
    repeat = repeat or repeatability()
    return tuple(averaged_measurement(m, readings[m.id], repeat, height_cm) for m in measurements)


def signed(measurement: Measurement, sign: float) -> Measurement:
    """The reading with its value and components multiplied by ``sign`` (-1: left and right swapped)."""
    if sign == 1.0:
        return measurement
    return dataclasses.replace(measurement, value=sign * measurement.value,
                               components=tuple((name, sign * value) for name, value in measurement.components))


def averaged_measurement(photo: Measurement, readings: list[Measurement], repeat: Repeatability,
                         height_cm: float | None) -> Measurement:
    """The photo's measurement with the mean value and components of its readings and their half-width.

    With fewer than three readings, or no fitted repeatability, it stays the photo's own, without a ±.
    """
    values = [r.value for r in readings]
    half_width = repeat.half_width(photo, values, height_cm)
    if half_width is None:
        return photo
    shared = [name for name, _ in photo.components
              if all(name in dict(r.components) for r in readings)]
    components = tuple((name, float(np.mean([dict(r.components)[name] for r in readings]))) for name in shared)
    return dataclasses.replace(photo, value=float(np.mean(values)), uncertainty=half_width,
                               components=components + tuple(c for c in photo.components if c[0] not in shared))
