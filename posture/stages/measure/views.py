"""Every measurement of one view, run from the table the measure modules fill as they are imported.

Each measure module registers its functions with :func:`~posture.stages.measure.bodies.measures`;
importing :mod:`head`, :mod:`landmark` and :mod:`silhouette` here is what fills the table, and the
check below makes a registry entry without a function an import-time error rather than a silent gap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np

from posture.core.measurement import Measurement, Withheld
from posture.core.pose import MASK_THRESHOLD, Landmark, Pose, side_landmark
from posture.knowledge import registry
from posture.knowledge.calibration import Calibrations, load_calibrations
from posture.stages.frame import BodyScale
from posture.stages.gate import Verdict
from posture.stages.measure import head, silhouette  # noqa: F401  (they fill the table)
from posture.stages.measure import landmark as landmark_measures  # noqa: F401  (it fills the table too)
from posture.stages.measure.bodies import (
    FRONT_MEASURES,
    SIDE_MEASURES,
    FrontBody,
    Mask,
    Measured,
    SideBody,
)
from posture.stages.measure.silhouette import side_profile

_undefined = [d.id for d in registry.DEFINITIONS if d.id not in SIDE_MEASURES and d.id not in FRONT_MEASURES]
if _undefined:
    raise RuntimeError(f"measurements defined in the registry without a function: {_undefined}")


def measure_person(verdict: Verdict, pose: Pose, scale: BodyScale) -> Measured:
    """Every measurement of an accepted verdict's view, read from ``pose``: the verdict's person, levelled.

    Raises:
        ValueError: the verdict is a refusal, or a side view without its near side.
    """
    if not verdict.ok:
        raise ValueError(f"only an accepted verdict can be measured, not one refused with {verdict.problem!r}")
    mask = None if pose.mask is None else Mask(probability=pose.mask, scale=pose.mask_scale)
    if verdict.view.kind == "side":
        if verdict.near_side is None:
            raise ValueError("a side-view verdict must name the near side")
        return measure_side_view(pose.xy, facing=verdict.facing, near_side=verdict.near_side, scale=scale,
                                 calibrations=load_calibrations(), stride=verdict.stride, outline=mask)
    return measure_front_view(pose.xy, back=verdict.view == "back", scale=scale, calibrations=load_calibrations(),
                              outline=mask)


def measure_side_view(
    xy: np.ndarray, *, facing: int, near_side: str, scale: BodyScale, calibrations: Calibrations | None = None,
    stride: bool = False, outline: Mask | None = None,
) -> Measured:
    """Every side-view measurement of the registry from one person's landmarks.

    Args:
        xy: shape (33, 2), landmark pixels, levelled (y down, true vertical).
        facing: +1 when the person faces image-right, -1 when image-left.
        near_side: ``"left"`` or ``"right"``: the side facing the camera, whose
            landmarks are used (the far side's are partly guessed by the model).
        scale: converts pixel offsets to % of body height or cm.
        calibrations: corrections fitted on rendered bodies (head angle to the
            clinical craniovertebral angle; the hip landmark's forward bias).
            Without them every value is the bare landmark geometry.
        stride: the legs are in a walking step: only the stride-safe measurements.
        outline: the segmentation mask, for the outline measures (pelvic tilt, belly).

    Returns:
        The measurements in the registry's order; ``withheld`` says which outline measures were not given
        because the outline looked like loose cloth.
    """
    if facing not in (1, -1):
        raise ValueError(f"facing must be +1 or -1, got {facing!r}")
    parts = ("EAR", "SHOULDER", "HIP", "KNEE", "ANKLE")
    landmarks = {part: side_landmark(near_side, part) for part in parts}
    landmarks["NOSE"] = Landmark.NOSE  # the head angle's tragus proxy turns with the ear → nose line
    body = SideBody(points={part: np.asarray(xy[landmark], dtype=np.float64) for part, landmark in landmarks.items()},
                    landmarks=landmarks, facing=facing, scale=scale, calibrations=calibrations, outline=outline)
    body = dataclasses.replace(body, profile=side_profile(body))
    return _collect(SIDE_MEASURES[d.id](body) for d in registry.for_view("side", stride=stride))


def measure_front_view(xy: np.ndarray, *, back: bool, scale: BodyScale, calibrations: Calibrations | None = None,
                       outline: Mask | None = None) -> Measured:
    """Every front/back-view measurement of the registry.

    Args:
        xy: shape (33, 2), landmark pixels, levelled.
        back: True for a photo taken from behind.
        scale: converts pixel offsets to % of body height or cm.
        calibrations: fitted corrections; the outline measures need theirs.
        outline: the segmentation mask, for the outline measures.
    """
    body = FrontBody(xy=np.asarray(xy, dtype=np.float64), back=back, scale=scale, calibrations=calibrations,
                     outline=outline)
    measured = _collect(FRONT_MEASURES[d.id](body) for d in registry.for_view("back" if back else "front"))
    return _legs_under_cloth(measured, shins_joined(body))


SHINS_JOINED_SHARE = 0.2
"""In front and back views, one outline run this share of the body's height wide across both shins (a quarter of
the way from the knees down to the ankles) is cloth hanging over the knees, not two legs: two shins pressed
together measure about 0.11. The front and back renders (legs a little apart, shorts) show a gap there every time,
and the real photos of people in trousers or leggings up to 0.16 (legs together); a maxi dress reaches 0.34, a
knee-length coat 0.28."""


def shins_joined(body: FrontBody) -> float | None:
    """How wide the outline's run across both shins is, as a share of the body's height: None when the point
    between the shins is background (two legs) or there is no outline."""
    if body.outline is None:
        return None
    xy = body.xy
    knees = (xy[Landmark.LEFT_KNEE] + xy[Landmark.RIGHT_KNEE]) / 2.0
    ankles = (xy[Landmark.LEFT_ANKLE] + xy[Landmark.RIGHT_ANKLE]) / 2.0
    x, y = knees + 0.25 * (ankles - knees)
    mask, scale = body.outline.probability, body.outline.scale
    row, column = int(y * scale), int(x * scale)
    if not (0 <= row < mask.shape[0] and 0 <= column < mask.shape[1]) or mask[row, column] < MASK_THRESHOLD:
        return None
    inside = np.flatnonzero(np.diff(np.concatenate(([False], mask[row] >= MASK_THRESHOLD, [False])).astype(int)))
    starts, ends = inside[0::2], inside[1::2]
    run = np.flatnonzero((starts <= column) & (column < ends))[0]
    return float(ends[run] - starts[run]) / scale / body.scale.body_height_px


def _legs_under_cloth(measured: Measured, shins: float | None) -> Measured:
    """The measures, less the legs' apparent length when cloth hides where the legs begin or bend.

    The leg length runs from the hip landmarks through the knees, and under a coat, a dress or a loose top
    hanging over the hips the model places those by guess: the same cloth that keeps the hips' height back hides
    the legs' tops, and a skirt or coat hanging over the knees (:data:`SHINS_JOINED_SHARE`) hides the knees.
    """
    legs = "apparent_leg_length_difference"
    if legs not in {m.id for m in measured.measurements}:
        return measured
    if shins is not None and shins > SHINS_JOINED_SHARE:
        reason = (f"One outline {100.0 * shins:.0f}% of the body's height wide runs across both shins, so a dress or "
                  "coat hangs over the knees and the knee and hip landmarks the legs' length runs through are the "
                  "pose model's guess; a photo in close-fitting trousers or shorts shows the legs.")
    elif any(w.id == "hip_height_difference" and w.kind == "clothing" for w in measured.withheld):
        reason = ("Loose clothing hangs over the hips (see the hip height difference), so the hip landmarks the "
                  "legs' length runs from are the pose model's guess; a photo in close-fitting clothes, with the top "
                  "tucked in, shows where the legs begin.")
    else:
        return measured
    return Measured(tuple(m for m in measured.measurements if m.id != legs),
                    measured.withheld + (Withheld(legs, "clothing", reason),))


def _collect(results: Iterable[Measurement | Withheld | None]) -> Measured:
    """The measurements, and the measures withheld with their reasons."""
    measurements: list[Measurement] = []
    withheld: list[Withheld] = []
    for result in results:
        if isinstance(result, Withheld):
            withheld.append(result)
        elif result is not None:
            measurements.append(result)
    return Measured(tuple(measurements), tuple(withheld))
