"""The pipeline: photo → landmarks → quality gate → frame → measurements → findings.

Each stage is a function of the previous stage's result; :class:`Analysis`
holds them all, and the renderers only read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from posture.calibration import load_calibrations
from posture.errors import PersonError, ViewError
from posture.explanations import Caveat, KnowledgeBase, NotMeasured, load_knowledge_base
from posture.findings import Finding, evaluate
from posture.frame import LEVEL_ASSUMPTION, Frame, build_frame
from posture.landmarks import Pose, PoseDetector
from posture.loading import DEFAULT_MAX_PIXELS, LoadedImage, load_image
from posture.measurements import Measurement, measure_front_view, measure_side_view
from posture.quality import Verdict, assess

SCHEMA_VERSION = "1.0"

STRIDE_SAFE_MEASUREMENTS = frozenset({"head_forward_angle", "head_forward_offset", "trunk_lean"})
"""In a walking stride the legs are not under the body; only head and trunk are still meaningful."""


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything posture found in one photo."""

    image: LoadedImage
    verdict: Verdict
    frame: Frame
    measurements: tuple[Measurement, ...]
    findings: tuple[Finding, ...]
    not_measured: tuple[NotMeasured, ...]
    caveats: tuple[Caveat, ...]
    warnings: tuple[str, ...]

    @property
    def view(self) -> str:
        return self.verdict.view

    @property
    def pose(self) -> Pose:
        assert self.verdict.pose is not None  # an Analysis exists only for an accepted pose
        return self.verdict.pose


def gate(image: LoadedImage, poses: tuple[Pose, ...]) -> Verdict:
    """Run the quality gate and turn a refusal into the matching error."""
    verdict = assess(poses, width=image.width, height=image.height, dark=image.is_dark)
    if verdict.problem is not None:
        error = ViewError if verdict.problem_kind == "view" else PersonError
        raise error(verdict.problem)
    return verdict


def measure(verdict: Verdict, height_cm: float | None) -> tuple[Frame, tuple[Measurement, ...]]:
    """The frame and the measurements for an accepted verdict's person and view."""
    pose = verdict.pose
    assert pose is not None
    frame = build_frame(pose, height_cm=height_cm)
    if verdict.view.startswith("side"):
        assert verdict.near_side is not None
        measurements = measure_side_view(pose.xy, facing=verdict.facing, near_side=verdict.near_side,
                                         scale=frame.scale, calibrations=load_calibrations())
        if verdict.stride:
            measurements = tuple(m for m in measurements if m.id in STRIDE_SAFE_MEASUREMENTS)
    else:
        measurements = measure_front_view(pose.xy, back=verdict.view == "back", scale=frame.scale)
    return frame, measurements


def analyze_image(
    image: LoadedImage,
    detector: PoseDetector,
    *,
    height_cm: float | None = None,
    knowledge: KnowledgeBase | None = None,
) -> Analysis:
    """Analyse one loaded photo with an open detector.

    Raises:
        PersonError: no single, whole, plausible person of useful size.
        ViewError: the person is not standing in a side, front or back view.
    """
    knowledge = knowledge or load_knowledge_base()
    verdict = gate(image, detector.detect(image))
    frame, measurements = measure(verdict, height_cm)
    findings = evaluate(measurements, view=verdict.view, scale=frame.scale, knowledge=knowledge)
    return Analysis(
        image=image,
        verdict=verdict,
        frame=frame,
        measurements=measurements,
        findings=findings,
        not_measured=knowledge.not_measured,
        caveats=knowledge.caveats,
        warnings=image.warnings + verdict.warnings + (LEVEL_ASSUMPTION,),
    )


def analyze(
    path: str | Path,
    *,
    model_path: Path,
    height_cm: float | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    uncertainty: bool = False,
) -> Analysis:
    """Load a photo and analyse it: the whole pipeline in one call.

    Args:
        path: the photo.
        model_path: a pose_landmarker ``.task`` bundle.
        height_cm: the person's height, to give offsets in cm.
        max_pixels: refuse larger photos.
        uncertainty: also estimate each measurement's uncertainty (three more landmark runs).

    Raises:
        PostureError: a subclass naming what is wrong, with a one-sentence message.
    """
    image = load_image(path, max_pixels=max_pixels)
    with PoseDetector(model_path) as detector:
        analysis = analyze_image(image, detector, height_cm=height_cm)
        if uncertainty:
            from posture.uncertainty import with_uncertainty  # it builds on this module

            analysis = with_uncertainty(analysis, detector)
    return analysis
