"""Several photos of one person in one view, combined into one estimate per measurement.

Re-taking a photo a few times and averaging is the cheapest way to a steadier
number: the landmarks of each photo wobble independently, so their mean
wobbles less. Each measurement is the inverse-variance weighted mean of the
photos that measured it; its half-width shrinks with the number of photos,
unless the photos disagree more than their own half-widths allow (the person
moved between shots), in which case it is widened by how much more they
disagree (the Birge ratio), never narrowed.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from collections.abc import Sequence

import numpy as np

from posture.analysis import Analysis
from posture.core.measurement import Measurement, Withheld
from posture.knowledge.repeatability import T_975, Z_95, Repeatability, t_975
from posture.stages.findings import evaluate
from posture.stages.sway import MIN_STILL_FRAMES, SWAY_BAND_HZ, low_passed, main_frequency


def combine_measurements(readings: Sequence[Measurement]) -> Measurement:
    """One measurement from the same measurement in several photos (the first photo's method and points).

    Raises:
        ValueError: no readings, or readings of different measurements or units.
    """
    if not readings:
        raise ValueError("nothing to combine")
    first = readings[0]
    if any(r.id != first.id or r.unit != first.unit for r in readings):
        raise ValueError(f"cannot combine readings of different measurements or units with {first.id}")
    if len(readings) == 1:
        return first
    values = np.array([r.value for r in readings])
    half_widths = [r.uncertainty for r in readings]
    if all(u is not None and u > 0 for u in half_widths):
        sigmas = np.array(half_widths, dtype=float) / Z_95
        weights = 1.0 / sigmas**2
        mean = float(np.sum(weights * values) / np.sum(weights))
        disagreement = float(np.sum(weights * (values - mean) ** 2)) / (len(values) - 1)
        uncertainty: float | None = Z_95 * math.sqrt(1.0 / np.sum(weights)) * max(1.0, math.sqrt(disagreement))
    else:
        # Without each photo's own half-width only the photos' spread can say it, and two say too little.
        weights = np.ones(len(values))
        mean = float(values.mean())
        spread = float(values.std(ddof=1))
        uncertainty = T_975[len(values) - 1] * spread / math.sqrt(len(values)) if len(values) >= 3 else None
    shared = [name for name, _ in first.components if all(name in dict(r.components) for r in readings)]
    components = tuple(
        (name, float(np.sum(weights * [dict(r.components)[name] for r in readings]) / np.sum(weights)))
        for name in shared)
    return dataclasses.replace(first, value=mean, uncertainty=uncertainty, components=components)


OUTLIER_MADS = 3.5
"""A frame whose reading lies further than this many scaled median absolute deviations from the median is left
out (a frame the landmarks misread, or a moment the person turned)."""


def effective_count(values: np.ndarray) -> float:
    """How many independent readings a series of consecutive frames is worth: neighbouring frames agree more than
    independent photos would, by their lag-one autocorrelation."""
    if len(values) < 3 or float(values.std()) == 0.0:
        return float(len(values))
    centred = values - values.mean()
    correlation = float(np.clip(np.sum(centred[1:] * centred[:-1]) / np.sum(centred**2), 0.0, 0.95))
    return max(2.0, len(values) * (1.0 - correlation) / (1.0 + correlation))


UNLEVELLED_CLIP_FACTORS: dict[str, float] = {
    "foot_hip_offset": 2.55, "head_forward_angle": 1.04, "head_forward_offset": 1.04, "hip_height_difference": 2.1,
    "lateral_trunk_shift": 3.39, "pelvic_tilt": 1.61, "plumb_line": 3.45, "shoulder_height_difference": 2.65,
    "trunk_lean": 2.92,
}
"""How much a measure's ± is widened, in a clip posture could not level, to cover how far a re-taken clip lands
(1 for a measure not named). Its frames average away what changes from frame to frame, not what a re-take changes
for all of them at once: the camera's place and roll, the person's turn. A roll of half a degree in a plain room,
which levelling cannot see, moves the trunk's lean, the shoulders' and hips' heights and the plumb line with it,
and no number of frames narrows that. Fitted by bench/clip_factor.py on re-taken clips of two fit bodies in a
plain room (each the root mean square of the pairs' differences over their combined ±, times 1.96, where that is
over 1); checked on the held-out bodies' clips in bench/VIDEO.md."""

LEVELLED_CLIP_FACTORS: dict[str, float] = {
    "apparent_leg_length_difference": 1.34, "foot_hip_offset": 1.79, "head_forward_angle": 1.54,
    "head_forward_offset": 1.13, "hip_height_difference": 1.73, "pelvic_tilt": 1.34, "plumb_line": 2.5,
    "shoulder_height_difference": 1.7, "trunk_lean": 2.55,
}
"""The same for a clip posture levelled (by the background's upright lines, or the user's ``--roll``): each take's
roll is then measured, and what is left is the camera's place and the person's turn, which change how the model
reads the body in every frame of a take alike. Fitted the same way on the same clips (the same sway, camera moves
and codecs) filmed in a room with a door, a wall corner and a shelf."""


def clip_retake_factor(measurement_id: str, levelled: bool) -> float:
    """The factor a clip's ± of ``measurement_id`` is widened by (:data:`LEVELLED_CLIP_FACTORS`,
    :data:`UNLEVELLED_CLIP_FACTORS`)."""
    return (LEVELLED_CLIP_FACTORS if levelled else UNLEVELLED_CLIP_FACTORS).get(measurement_id, 1.0)


INDEPENDENT_READINGS_PER_S = 2.0
"""At most this many independent readings a second of standing: frames closer together than half a second share
the landmarks' slower wobble (the video-mode landmarker smooths its track from frame to frame)."""


@dataclass(frozen=True, slots=True)
class FrameSeries:
    """One measurement's readings over a still stretch, split into the body's sway and the reading's noise.

    Attributes:
        slow: each frame's value filtered at :data:`~posture.stages.sway.SWAY_BAND_HZ`: the posture as the body
            sways (a tilt over the ankles moves the trunk's lean and the hips over the feet with it).
        noise: what the frames scatter about it.
        sway_bound: how far the stretch's mean may lie from the middle of the sway it caught, at most: a stretch of
            part of a slow swing averages more of one side of it than of the other.
    """

    slow: np.ndarray
    noise: np.ndarray
    sway_bound: float


NOISE_BAND_SHARE = 1.0 - SWAY_BAND_HZ / 4.0
"""The share of white noise's power above the sway band when frames are read eight times a second (Nyquist 4 Hz):
the noise left after the sway is filtered out is widened by its root's inverse to stand for all of it."""


def split_series(times: np.ndarray, values: np.ndarray, seconds: float) -> FrameSeries:
    """A measurement's frame readings split into the slow part that follows the body's sway and the noise.

    The slow part's window bound is that of a sine: the mean of a stretch ``seconds`` long over a sine of
    amplitude A and frequency f lies within A / (π f T) of the sine's middle (and within A however short the
    stretch), A and f being the slow part's (√2 times its RMS, and its strongest frequency).
    """
    if len(values) < MIN_STILL_FRAMES:
        return FrameSeries(slow=np.full(len(values), float(np.mean(values))), noise=values - np.mean(values),
                           sway_bound=0.0)
    interval = float(np.median(np.diff(times)))
    even = np.arange(times[0], times[-1] + interval / 2, interval)
    slow_even = low_passed(np.interp(even, times, values), interval)
    slow = np.interp(times, even, slow_even)
    swing = slow_even - slow_even.mean()
    amplitude = math.sqrt(2.0) * float(np.sqrt(np.mean(swing**2)))
    frequency = main_frequency(swing, 1.0 / interval)
    share = 1.0 if frequency is None else min(1.0, 1.0 / (math.pi * frequency * max(seconds, interval)))
    return FrameSeries(slow=slow, noise=values - slow, sway_bound=amplitude * share)


def combine_frames(readings: Sequence[Measurement], times: Sequence[float], repeat: Repeatability,
                   height_cm: float | None, seconds: float, *, levelled: bool = False) -> tuple[Measurement, int]:
    """One measurement from its readings in ``seconds`` of a clip's frames, and how many frames were left out.

    The mean of the frames within :data:`OUTLIER_MADS` of the median. Its ± is the repeatability's (the
    measurement's factor) over two parts, added in quadrature (:func:`split_series`):

    - the noise: Student's t times the spread of the frames about their sway-filtered track, over the root of how
      many independent readings they are worth (:func:`effective_count`, at most
      :data:`INDEPENDENT_READINGS_PER_S` a second). The spread is never taken as narrower than the typical spread
      of a photo's readings: what the altered copies of a photo reveal (the model's left-right bias, its reading
      of this body) is in every frame alike and does not average away;
    - the sway: how far the stretch's mean may lie from the middle of the swing it caught. The body's sway is a
      real change of posture, not noise, so it is not averaged as noise is (a slow sway over a few seconds would
      count as two readings and widen the ± many times over); a re-take catches another part of the swing.

    Both are widened by the measure's re-take factor (:func:`clip_retake_factor`), which depends on whether the
    clip was ``levelled``: what a re-take changes in every frame alike is not in the frames' spread.

    Args:
        readings: the measurement's readings, in the order of ``times``.
        times: each reading's frame time in seconds, increasing.
        levelled: whether the clip was levelled (by its background's lines or the user's roll); an unlevelled
            clip's ± is widened more, for the camera roll no frame shows.

    Raises:
        ValueError: no readings, or not one time per reading.
    """
    if not readings:
        raise ValueError("nothing to combine")
    if len(times) != len(readings):
        raise ValueError(f"{len(readings)} readings but {len(times)} times")
    values = np.array([r.value for r in readings])
    median = float(np.median(values))
    deviation = 1.4826 * float(np.median(np.abs(values - median)))
    keep = np.array([deviation == 0.0 or abs(v - median) <= OUTLIER_MADS * deviation for v in values])
    kept = [r for r, k in zip(readings, keep) if k]
    kept_values = values[keep]
    first = kept[0]
    shared = [name for name, _ in first.components if all(name in dict(r.components) for r in kept)]
    components = tuple((name, float(np.mean([dict(r.components)[name] for r in kept]))) for name in shared)
    factor = repeat.factor_of(first.id)
    typical = repeat.typical(first, height_cm)
    uncertainty = None
    if factor is not None and len(kept) >= 3:
        series = split_series(np.asarray(times, dtype=float)[keep], kept_values, seconds)
        spread = max(float(np.std(series.noise, ddof=1)) / math.sqrt(NOISE_BAND_SHARE), typical or 0.0)
        count = min(effective_count(series.noise), max(2.0, INDEPENDENT_READINGS_PER_S * seconds))
        noise_half_width = t_975(count - 1) * spread / math.sqrt(count)
        uncertainty = clip_retake_factor(first.id, levelled) * factor * math.hypot(noise_half_width,
                                                                                  series.sway_bound)
    measurement = dataclasses.replace(first, value=float(kept_values.mean()), uncertainty=uncertainty,
                                      components=components)
    return measurement, len(readings) - len(kept)


def combine_photos(analyses: Sequence[Analysis]) -> Analysis:
    """One analysis from several analysed photos of one person in one view.

    The first photo stands for the group (its picture, landmarks and scale);
    each measurement combines the photos that measured it; findings are judged
    again on the combined values; ``combined_from`` names the photos.

    Raises:
        ValueError: fewer than two photos, a refused photo, or photos of different views.
    """
    if len(analyses) < 2:
        raise ValueError("combining needs at least two photos")
    if not all(a.ok for a in analyses):
        raise ValueError("only analysed photos can be combined")
    kinds = {a.view.kind for a in analyses}
    if len(kinds) != 1:
        raise ValueError(f"photos of different views cannot be combined: {', '.join(sorted(kinds))}")
    first = analyses[0]
    frame = first.frame
    assert frame is not None  # an analysed photo has a frame
    ids = [m.id for m in first.measurements]
    ids += [m.id for a in analyses[1:] for m in a.measurements if m.id not in ids]
    measurements = tuple(
        combine_measurements([m for a in analyses for m in a.measurements if m.id == measurement_id])
        for measurement_id in ids)
    names = tuple(a.image.display_name for a in analyses)
    warnings = tuple(f"{a.image.display_name}: {w}" for a in analyses for w in a.warnings)
    # A measure one photo withheld and another gave is combined from the other; one no photo gave keeps a reason.
    withheld: dict[str, Withheld] = {}
    for analysis in analyses:
        for item in analysis.withheld:
            if item.id not in ids and item.id not in withheld:
                withheld[item.id] = dataclasses.replace(item, reason=f"{analysis.image.display_name}: {item.reason}")
    findings = evaluate(measurements, view=first.view, scale=frame.scale, knowledge=first.knowledge,
                        withheld=set(withheld))
    return dataclasses.replace(first, measurements=measurements, findings=findings, warnings=warnings,
                               combined_from=names, withheld=tuple(withheld.values()))


def repeated_photos(analyses: Sequence[Analysis]) -> list[tuple[int, int]]:
    """(earlier, repeat) positions of each photo whose input is an earlier photo's byte for byte (same input sha256).

    The one rule for "the same photo", whatever its name: a repeat adds no
    independent shot, so counting it would shrink every ± by √2 for nothing.
    """
    first_with_input: dict[str, int] = {}
    repeats = []
    for position, analysis in enumerate(analyses):
        earlier = first_with_input.setdefault(analysis.provenance.input_sha256, position)
        if earlier != position:
            repeats.append((earlier, position))
    return repeats


def note_repeated_photos(analyses: Sequence[Analysis]) -> list[Analysis]:
    """The photos, each one given again later carrying a warning that names its repeats (it stands for them)."""
    repeat_names: dict[int, list[str]] = {}
    for earlier, repeat in repeated_photos(analyses):
        repeat_names.setdefault(earlier, []).append(analyses[repeat].image.display_name)
    noted = list(analyses)
    for earlier, names in repeat_names.items():
        analysis = analyses[earlier]
        warning = (f"{', '.join(repr(name) for name in names)} {'is' if len(names) == 1 else 'are'} the same "
                   f"photo as {analysis.image.display_name!r} (identical files); it was counted once.")
        noted[earlier] = dataclasses.replace(analysis, warnings=(*analysis.warnings, warning))
    return noted


def combine_by_view(analyses: Sequence[Analysis]) -> list[Analysis]:
    """The photos with each view's analysed photos combined into one, in the order the views first appear.

    A view with one analysed photo keeps it as it is; refused photos stay, each on its own; a photo given again
    (:func:`repeated_photos`) is left out.
    """
    repeats = {repeat for _, repeat in repeated_photos(analyses)}
    groups: dict[str, list[Analysis]] = {}
    order: list[Analysis | str] = []
    for position, analysis in enumerate(analyses):
        if position in repeats:
            continue
        if not analysis.ok:
            order.append(analysis)
            continue
        kind = analysis.view.kind
        if kind not in groups:
            groups[kind] = []
            order.append(kind)
        groups[kind].append(analysis)
    result = []
    for item in order:
        if isinstance(item, str):
            group = groups[item]
            result.append(group[0] if len(group) == 1 else combine_photos(group))
        else:
            result.append(item)
    return result
