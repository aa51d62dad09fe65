"""Measurement uncertainty from re-running the landmarker on slightly changed copies of the photo.

Landmarks jitter: the same body photographed a little larger, shifted or
mirrored gives slightly different landmarks. Re-measuring such copies and
taking the spread gives each measurement an error bar for repeatability
(what a before/after comparison needs), without any assumption about the
model. It is not accuracy against the clinical measure; bench/ACCURACY.md
gives that. It costs one landmark inference per copy, so it is an option
(``--uncertainty``), not the default.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import cv2
import numpy as np

from posture.analysis import Analysis
from posture.findings import evaluate
from posture.landmarks import PoseDetector
from posture.loading import LoadedImage
from posture.pipeline import gate, measure
from posture.quality import view_kind

T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447}
"""Student's t quantile for a two-sided 95% interval, by degrees of freedom: few copies, wide intervals."""
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


def with_uncertainty(analysis: Analysis, detector: PoseDetector) -> Analysis:
    """The analysis with every measurement's ``uncertainty`` set from perturbed re-runs.

    A copy in which the gate refuses the person (or sees another view) is
    skipped; with fewer than two copies measured the uncertainty stays None.
    """
    frame = analysis.frame
    if frame is None:
        return analysis  # a refused photo has no measurements to re-measure
    samples: dict[str, list[float]] = {m.id: [m.value] for m in analysis.measurements}
    front_or_back = view_kind(analysis.view) != "side"
    for name, perturb in PERTURBATIONS:
        copy = perturb(analysis.image)
        verdict = gate(copy, detector.detect(copy))
        # A copy the gate refuses, or sees in another view, contributes no sample.
        if not verdict.ok or view_kind(verdict.view) != view_kind(analysis.view):
            continue
        # A mirror image shows a person whose left is the original's right.
        sign = -1.0 if (name == "mirror" and front_or_back) else 1.0
        # The copy keeps the original's levelling; a mirror turns a clockwise lean into a counter-clockwise one.
        levelling = frame.levelling
        if name == "mirror":
            levelling = dataclasses.replace(levelling, camera_roll=-levelling.camera_roll)
        for measurement in measure(verdict, frame.scale.height_cm, levelling)[1]:
            if measurement.id in samples:
                samples[measurement.id].append(sign * measurement.value)
    measurements = tuple(
        dataclasses.replace(m, uncertainty=_half_width(samples[m.id])) for m in analysis.measurements
    )
    # Findings are judged again: a value within its uncertainty of a threshold is borderline.
    findings = evaluate(measurements, view=analysis.view, scale=frame.scale, knowledge=analysis.knowledge)
    return dataclasses.replace(analysis, measurements=measurements, findings=findings,
                               provenance=dataclasses.replace(analysis.provenance, uncertainty=True))


def _half_width(values: list[float]) -> float | None:
    """Half-width of the 95% interval of one measurement, from the spread of its re-measured copies."""
    if len(values) < 3:
        return None
    spread = float(np.std(values, ddof=1))
    return T_975[len(values) - 1] * spread if math.isfinite(spread) else None
