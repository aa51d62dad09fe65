"""The pipeline: photo → landmarks → quality gate → frame → measurements → findings.

Each stage is a function of the previous stage's result; :class:`Analysis`
holds them all, and the renderers only read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from posture.calibration import load_calibrations
from posture.errors import PersonError, ViewError
from posture.explanations import Caveat, KnowledgeBase, NotMeasured, load_knowledge_base
from posture.findings import Finding, evaluate
from posture.frame import LEVEL_ASSUMPTION, Frame, build_frame
from posture.landmarks import Pose, PoseDetector
from posture.loading import LoadedImage
from posture.measurements import Measurement, measure_front_view, measure_side_view
from posture.quality import Verdict, assess, view_kind

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
    knowledge: KnowledgeBase
    warnings: tuple[str, ...]

    @property
    def not_measured(self) -> tuple[NotMeasured, ...]:
        return self.knowledge.not_measured

    @property
    def caveats(self) -> tuple[Caveat, ...]:
        return self.knowledge.caveats

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
    if view_kind(verdict.view) == "side":
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
        knowledge=knowledge,
        warnings=image.warnings + verdict.warnings + (LEVEL_ASSUMPTION,),
    )
