"""Witnesses: a measure is given only when a second reading of the same photo backs it.

A single landmark run can be confidently wrong on a real photo (a ponytail taken for the ear, a T-shirt's
outline taken for the flanks) while looking as precise as any other. Two kinds of witness guard the report:

* The altered copies (:mod:`posture.stages.copies`): a measure the photo gives must be given again by every
  copy the gate accepted, and its readings must not spread further than the measure's readings usually do
  (:func:`steady_measurements`). A photo none of whose copies could be read again is refused
  (:func:`copies_problem`): nothing in it can be checked.
* For the left–right differences, the outline and the landmarks: a side (left or right higher) is claimed
  only when both say the same side (:func:`sides_agree`); the report otherwise says the side is not readable
  consistently in this photo. A difference inside its noise claims no side, and needs no witness.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from posture.core.measurement import Measurement, Withheld
from posture.core.units import format_value
from posture.knowledge import registry
from posture.knowledge.repeatability import Repeatability, repeatability
from posture.stages.copies import CopyReadings
from posture.stages.findings import detectable
from posture.stages.frame import BodyScale

UNSTEADY_CHI2 = {1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47, 5: 20.52}
"""The chi-squared distribution's 99.9% quantile by degrees of freedom (readings minus one).

A photo's readings whose variance, over the measure's typical variance (knowledge/repeatability.toml), times
the degrees of freedom, exceeds it spread further than one photo in a thousand of the renders' would: the
measure is withheld as unsteady. At 99.9% a render with a dozen measures loses one about once in a hundred
photos, while a spread of 2.6 (two readings) to 2.7 (three) times the typical one is caught."""

RENDER_SPREAD_LIMIT = {"lateral_trunk_shift": 3.9, "head_forward_offset": 3.1, "shoulder_height_difference": 3.0}
"""Spread ratios (readings' standard deviation over the typical one) that 1% of the main set's renders of two fit
bodies (woman_athletic, person_short_stocky; 80-100 renders a measure) reached, for the three measures whose
readings there spread further than :data:`UNSTEADY_CHI2` allows more often than once in a hundred photos: their
typical spreads come from the re-taken renders of bench/COVERAGE.md, whose camera and posture vary less. A
measure is withheld only beyond both limits."""

STEADY_FIX = ("a sharper, evenly lit photo, with the whole body clear against a plain background, usually reads "
              "steadily")


def copies_problem(readings: CopyReadings) -> str | None:
    """Why the photo is refused when no altered copy could be read again, or None."""
    if readings.read or not readings.lost:
        return None
    return ("posture could not find the same person in the same view again in a mirrored or grey copy of this "
            "photo, so nothing it would read here can be checked against a second reading; " + STEADY_FIX + ".")


def steady_measurements(measurements: tuple[Measurement, ...], readings: CopyReadings, height_cm: float | None,
                        repeat: Repeatability | None = None) -> tuple[tuple[Measurement, ...], tuple[Withheld, ...]]:
    """The measurements every read copy took again within the measure's usual spread, and the others withheld.

    ``measurements`` are the averaged ones (their ids are those of ``readings.by_id``); ``repeat`` defaults to
    the shipped repeatability.
    """
    repeat = repeat or repeatability()
    kept: list[Measurement] = []
    withheld: list[Withheld] = []
    for measurement in measurements:
        name = registry.definition(measurement.id).name
        missing = [copy for copy in readings.read if copy not in readings.takers.get(measurement.id, ())]
        if missing:
            withheld.append(Withheld(measurement.id, "unsteady", (
                f"The {name} was read in this photo but not in its {' and '.join(_copy_words(missing))}, so it "
                f"hangs on details that mirroring or greying the photo changes; {STEADY_FIX}.")))
            continue
        values = [reading.value for reading in readings.by_id[measurement.id]]
        ratio = spread_ratio(values, repeat.typical(measurement, height_cm))
        if ratio is not None and ratio > spread_limit(measurement.id, len(values)):
            shown = ", ".join(format_value(v, measurement.unit, signed=True) for v in values)
            withheld.append(Withheld(measurement.id, "unsteady", (
                f"The {name}'s readings in this photo and its altered copies ({shown}) spread {ratio:.1f} times "
                f"as far as this measure's readings usually do, so no one value can be trusted; {STEADY_FIX}.")))
            continue
        kept.append(measurement)
    return tuple(kept), tuple(withheld)


def spread_limit(measurement_id: str, readings: int) -> float:
    """The largest spread ratio (:func:`spread_ratio`) ``readings`` readings of the measure may have."""
    chi2 = math.sqrt(UNSTEADY_CHI2[min(readings - 1, 5)] / (readings - 1))
    return max(chi2, RENDER_SPREAD_LIMIT.get(measurement_id, 0.0))


def spread_ratio(values: list[float], typical: float | None) -> float | None:
    """The readings' standard deviation over the typical one; None with one reading or no typical spread."""
    if len(values) < 2 or not typical:
        return None
    spread = float(np.std(values, ddof=1))
    return spread / typical if math.isfinite(spread) else None


def _copy_words(names: list[str]) -> list[str]:
    words = {"mirror": "mirrored copy", "grayscale": "grey copy"}
    return [words.get(name, f"{name} copy") for name in names]


# ------------------------------------------------------------------ two witnesses for a side

Witness = Callable[[Measurement, dict[str, Measurement]], "tuple[float | None, float | None]"]


def _outline_and_landmarks(measurement: Measurement, _: dict[str, Measurement]) -> tuple[float | None, float | None]:
    components = dict(measurement.components)
    return components.get("outline_estimate"), components.get("landmark_difference")


def _hips_outline_and_leg_landmarks(measurement: Measurement,
                                    by_id: dict[str, Measurement]) -> tuple[float | None, float | None]:
    # With the feet on one floor, the longer leg lifts its hip: the hips' outline is the legs' second witness.
    hips = by_id.get("hip_height_difference")
    outline = None if hips is None else dict(hips.components).get("outline_estimate")
    return outline, measurement.value


SIDE_WITNESSES: dict[str, tuple[Witness, str, str]] = {
    "hip_height_difference": (
        _outline_and_landmarks, "the outline of the flanks", "the hip landmarks"),
    "shoulder_height_difference": (
        _outline_and_landmarks, "the outline of the shoulders' tops", "the shoulder landmarks"),
    "apparent_leg_length_difference": (
        _hips_outline_and_leg_landmarks, "the outline of the flanks (the hip heights)", "the hip and ankle landmarks"),
}
"""Per left–right measure: how to read its outline and landmark witnesses, and what each is, in words."""

SIDE_FIXES = {
    "hip_height_difference": "a photo in close-fitting clothes with the arms a hand's width from the body lets both "
                             "see the hips",
    "shoulder_height_difference": "a photo with the hair off the shoulders and the arms hanging lets both see the "
                                  "shoulders",
    "apparent_leg_length_difference": "a photo in close-fitting clothes, arms a hand's width from the body and the "
                                      "feet side by side, lets both see the hips",
}


def sides_agree(measurements: tuple[Measurement, ...], scale: BodyScale) -> tuple[tuple[Measurement, ...],
                                                                                  tuple[Withheld, ...]]:
    """The measurements, less each left–right difference whose side the outline and the landmarks do not agree on.

    A difference that stands out of its noise claims a side; it is kept only when both witnesses give it the
    value's sign. Without an outline witness (the outline could not be read) the side has only one witness and
    is withheld too.
    """
    by_id = {m.id: m for m in measurements}
    kept: list[Measurement] = []
    withheld: list[Withheld] = []
    for measurement in measurements:
        rule = SIDE_WITNESSES.get(measurement.id)
        if rule is None or detectable(measurement, scale) is not True:
            kept.append(measurement)
            continue
        read, outline_words, landmark_words = rule
        outline, landmarks = read(measurement, by_id)
        side = np.sign(measurement.value)
        if outline is not None and landmarks is not None and np.sign(outline) == side == np.sign(landmarks):
            kept.append(measurement)
            continue
        name = registry.definition(measurement.id).name
        if outline is None:
            cause = f"only {landmark_words} could be read, not {outline_words}, so no second reading backs the side"
        else:
            sides = {1.0: "the person's left", -1.0: "the person's right", 0.0: "neither side"}
            cause = (f"{outline_words} points to {sides[float(np.sign(outline))]}, {landmark_words} to "
                     f"{sides[float(np.sign(landmarks))]}")
        withheld.append(Withheld(measurement.id, "sides", (
            f"Which side the {name} favours is not readable consistently in this photo: {cause}; "
            f"{SIDE_FIXES[measurement.id]}.")))
    return tuple(kept), tuple(withheld)
