"""The whole pipeline in one call: load a photo, find the person, measure, explain."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from posture.analysis import Analysis, analyze_image
from posture.calibration import load_calibrations
from posture.landmarks import PoseDetector
from posture.loading import DEFAULT_MAX_PIXELS, load_image
from posture.model import sha256_of
from posture.uncertainty import with_uncertainty


def analyze(
    path: str | Path,
    *,
    model_path: Path,
    height_cm: float | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    uncertainty: bool = False,
) -> Analysis:
    """Load a photo and analyse it.

    Args:
        path: the photo.
        model_path: a pose_landmarker ``.task`` bundle.
        height_cm: the person's height, to give offsets in cm.
        max_pixels: refuse larger photos.
        uncertainty: also estimate each measurement's uncertainty (more landmark runs).

    Raises:
        PostureError: a subclass naming what is wrong, with a one-sentence message.
    """
    image = load_image(path, max_pixels=max_pixels)
    with PoseDetector(model_path) as detector:
        analysis = analyze_image(image, detector, height_cm=height_cm)
        if uncertainty:
            analysis = with_uncertainty(analysis, detector)
    if sha256_of(model_path) != load_calibrations().model_sha256:
        # The corrections were fitted on one model's landmarks; another model places them a little differently.
        note = ("This pose model is not the one posture's calibrations were fitted with, so calibrated values "
                "may be off by a little more than bench/ACCURACY.md says; `posture model --force --from-wheel` "
                "installs that exact model.")
        analysis = dataclasses.replace(analysis, warnings=(*analysis.warnings, note))
    return analysis
