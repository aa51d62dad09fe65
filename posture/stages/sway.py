"""A clip's frames over time: the stretch of quiet standing, and the sway of head, shoulders, hips and body centre.

Plain arrays in, frozen values out. Positions are landmark pixels of the
person as found in each frame, turned by the clip's camera roll, and are
read as fractions of the person's median body height in pixels, so that the
thresholds hold at any distance from the camera.

A still stretch has no step (the ankles stay put) and no large movement of
the head or hips; sway is what remains: the slow wandering of the body over
its feet (0.1-1 Hz in quiet stance), plus the landmarks' own jitter, which a
low-pass filter at :data:`SWAY_BAND_HZ` mostly removes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from posture.core.pose import Landmark
from posture.core.views import ViewKind

MIN_STILL_S = 2.0
"""The shortest stretch of quiet standing worth a reading: a few sway cycles at the usual 0.2-1 Hz."""
MIN_STILL_FRAMES = 5
MAX_GAP_S = 0.5
"""Seconds between two frames in which the person was read beyond which the stretch breaks: what happened in the
frames between (the person turned, or was not found) is not known to be standing."""
ANKLE_SPEED_LIMIT = 0.15
"""Body heights a second (about 26 cm/s for 1.7 m) above which an ankle is taken to step; a standing ankle does
not move at all, and landmark jitter between frames stays well below it."""
TRUNK_SPEED_LIMIT = 0.25
"""Body heights a second above which the head or hips move more than sway does: sway of 3 cm at 1 Hz peaks
near 19 cm/s, about 0.11 body heights a second."""
SWAY_BAND_HZ = 1.5
"""Sway's frequencies lie below this; faster wobble is the landmarks' jitter and is filtered out."""

PARTS: Mapping[str, tuple[Landmark, Landmark]] = {
    "head": (Landmark.LEFT_EAR, Landmark.RIGHT_EAR),
    "shoulders": (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    "hips": (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
}
"""The parts whose sway is read from landmarks: each the midpoint of a left and right landmark."""

BODY_CENTRE = "body centre"
"""The part read from the whole outline's middle (:func:`outline_centre`), a proxy for the centre of mass."""

SWAY_PARTS = (*PARTS, BODY_CENTRE)
"""Every part whose sway is read, in the order they are given."""

DIRECTIONS: Mapping[ViewKind, str] = {"side": "front-back", "front": "side-to-side", "back": "side-to-side"}
"""The sway a view shows: a photo's horizontal is front-back in a side view and side-to-side from the front or back
(the landmarks' depth is too unsteady to read the other direction)."""


@dataclass(frozen=True, slots=True)
class StillStretch:
    """The longest stretch of quiet standing in a clip.

    Attributes:
        indices: positions of its frames among the frames given.
        start_s: the first frame's time in seconds.
        end_s: the last frame's time in seconds.
    """

    indices: tuple[int, ...]
    start_s: float
    end_s: float

    @property
    def seconds(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class SwayReading:
    """One part's sway in one direction over the still stretch.

    Attributes:
        part: ``"head"``, ``"shoulders"`` or ``"hips"``.
        direction: ``"front-back"`` or ``"side-to-side"``.
        range: largest minus smallest position, after filtering (in ``unit``).
        rms: root mean square of the position about its mean (in ``unit``).
        frequency_hz: the strongest frequency of the movement, or None when the stretch is too short to say.
        unit: ``"cm"`` or ``"% height"``.
    """

    part: str
    direction: str
    range: float
    rms: float
    frequency_hz: float | None
    unit: str


def midpoints(xy: np.ndarray) -> dict[str, np.ndarray]:
    """Each part's (frames, 2) midpoint track from landmark tracks (frames, 33, 2), with both ankles on their own."""
    tracks = {part: (xy[:, left] + xy[:, right]) / 2.0 for part, (left, right) in PARTS.items()}
    tracks["left ankle"] = xy[:, Landmark.LEFT_ANKLE]
    tracks["right ankle"] = xy[:, Landmark.RIGHT_ANKLE]
    return tracks


def _speeds(times: np.ndarray, track: np.ndarray) -> np.ndarray:
    """Speed between consecutive frames of a (frames, 2) track, each position first the median of it and its
    neighbours (one frame's jitter is no movement)."""
    padded = np.concatenate([track[:1], track, track[-1:]])
    smooth = np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)
    gaps = np.maximum(np.diff(times), 1e-3)
    return np.linalg.norm(np.diff(smooth, axis=0), axis=1) / gaps


def still_stretch(times: np.ndarray, xy: np.ndarray, body_height_px: float) -> StillStretch | str:
    """The longest run of frames without a step or a large movement, or a sentence saying why there is none.

    Args:
        times: (frames,) seconds, increasing; only frames in which the person was read.
        xy: (frames, 33, 2) landmark pixels.
        body_height_px: the person's median height in pixels.
    """
    if len(times) < MIN_STILL_FRAMES:
        return f"the person was read in only {len(times)} frames, too few to find a stretch of quiet standing"
    limits = {"head": TRUNK_SPEED_LIMIT, "hips": TRUNK_SPEED_LIMIT, "left ankle": ANKLE_SPEED_LIMIT,
              "right ankle": ANKLE_SPEED_LIMIT}
    tracks = midpoints(xy)
    moving = np.zeros(len(times) - 1, dtype=bool)
    for part, limit in limits.items():
        moving |= _speeds(times, tracks[part]) / body_height_px > limit
    moving |= np.diff(times) > MAX_GAP_S
    best: tuple[int, int] = (0, 0)
    start = 0
    for step in range(len(times)):
        if step == len(times) - 1 or moving[step]:
            if times[step] - times[start] > times[best[1]] - times[best[0]]:
                best = (start, step)
            start = step + 1
    first, last = best
    seconds = float(times[last] - times[first])
    if seconds < MIN_STILL_S or last - first + 1 < MIN_STILL_FRAMES:
        return (f"the person does not stand still for {MIN_STILL_S:g} s anywhere in the clip (the longest still "
                f"stretch lasts {seconds:.1f} s): stand without stepping while filming")
    return StillStretch(indices=tuple(range(first, last + 1)), start_s=float(times[first]), end_s=float(times[last]))


def main_frequency(signal: np.ndarray, rate: float) -> float | None:
    """The strongest frequency below :data:`SWAY_BAND_HZ`, at least one full cycle in the signal; the spectrum
    zero-padded eight times for a finer peak."""
    lowest = rate / len(signal)
    padded = np.fft.rfft(signal * np.hanning(len(signal)), n=8 * len(signal))
    frequencies = np.fft.rfftfreq(8 * len(signal), d=1.0 / rate)
    band = (frequencies >= lowest) & (frequencies <= SWAY_BAND_HZ)
    if not band.any():
        return None
    return float(frequencies[band][np.argmax(np.abs(padded[band]))])


def low_passed(signal: np.ndarray, interval: float) -> np.ndarray:
    """``signal``, sampled every ``interval`` seconds, without its frequencies above :data:`SWAY_BAND_HZ`.

    The straight line between the signal's end points is taken out first and put back after, and what is left
    (zero at both ends) is continued at both ends turned half a turn about them, so that its value and slope
    carry on and the whole repeats without a jump. A stretch of a cycle or two of slow sway ends far from where
    it began: filtered as if it repeated, the jump between its ends would ring through it, and without the line
    taken out the continued signal still jumps where its copies meet, which shrank the range of a slow
    half-swing by several per cent.
    """
    line = np.linspace(signal[0], signal[-1], len(signal))
    rest = signal - line
    mirrored = np.concatenate([-rest[::-1], rest, -rest[::-1]])
    spectrum = np.fft.rfft(mirrored)
    spectrum[np.fft.rfftfreq(len(mirrored), d=interval) > SWAY_BAND_HZ] = 0.0
    return np.fft.irfft(spectrum, n=len(mirrored))[len(signal):2 * len(signal)] + line


HIP_BAND_SHARE = 0.03
"""Half the height of the band of the outline whose middle stands for the hips' position: about 5 cm either side
of the hip landmarks' height."""


def band_centre(mask: np.ndarray, mask_scale: float, centre_y_px: float, half_height_px: float) -> float:
    """The middle column, in picture pixels, of the person's outline over a band of rows: the mean column of its
    pixels there (the mask's probability over one half), NaN when the band holds none.

    The hip landmarks follow a body gliding across the picture only part of the way (0.65-0.95 of it on the
    rendered clips, docs/video.md), while the outline goes with it whole, so the hips' sway is read from the
    outline where there is one.
    """
    top = max(int(round((centre_y_px - half_height_px) * mask_scale)), 0)
    bottom = min(int(round((centre_y_px + half_height_px) * mask_scale)) + 1, mask.shape[0])
    rows, columns = np.nonzero(mask[top:bottom] > 0.5)
    return float(np.mean(columns) / mask_scale) if len(columns) else float("nan")


def outline_centre(mask: np.ndarray, mask_scale: float) -> tuple[float, float]:
    """The middle of the person's whole outline, in picture pixels: the mean (column, row) of its pixels (the mask's
    probability over one half), NaN when there are none.

    It stands for the body's centre of mass, as a proxy: it weighs the body by its area in the picture, not by its
    mass. Carried sideways, a body moves both alike; tilted over its ankles, as seen from the side, the outline's
    middle sits lower than the centre of mass and moves less (80-90% of a segment model's centre of mass on the
    rendered clips, 95-102% from the front and back; bench/VIDEO.md).
    """
    rows, columns = np.nonzero(mask > 0.5)
    if not len(columns):
        return float("nan"), float("nan")
    return float(np.mean(columns) / mask_scale), float(np.mean(rows) / mask_scale)


def sway(times: np.ndarray, xy: np.ndarray, *, view: ViewKind, camera_roll_deg: float,
         units_per_px: float, unit: str, hips_outline_x: np.ndarray | None = None,
         body_outline_xy: np.ndarray | None = None) -> tuple[SwayReading, ...]:
    """Each part's sway in the direction the view shows, from the still stretch's frames.

    The tracks are resampled evenly at the frames' median interval, their mean removed, and frequencies above
    :data:`SWAY_BAND_HZ` filtered out before the range and RMS are read.

    Args:
        times: (frames,) seconds of the still stretch's frames.
        xy: (frames, 33, 2) their landmark pixels.
        view: the clip's view; an unsupported one gives no reading.
        camera_roll_deg: the roll the frames are turned by (+: true vertical leans clockwise in the picture).
        units_per_px: cm or % of height per pixel.
        unit: the unit's name.
        hips_outline_x: (frames,) the outline's middle column at the hips (:func:`band_centre`); when every frame
            has one, it stands for the hips' position across the picture.
        body_outline_xy: (frames, 2) the whole outline's middle (:func:`outline_centre`); when every frame has
            one, the body centre's sway is read from it too.
    """
    direction = DIRECTIONS.get(view)
    if direction is None or len(times) < MIN_STILL_FRAMES:
        return ()
    interval = float(np.median(np.diff(times)))
    even = np.arange(times[0], times[-1] + interval / 2, interval)
    rate = 1.0 / interval
    angle = np.radians(camera_roll_deg)
    # The horizontal of the levelled frame: the picture's x axis turned by the roll.
    across = np.array([np.cos(angle), -np.sin(angle)])
    readings = []
    tracks = midpoints(xy)
    if hips_outline_x is not None and np.all(np.isfinite(hips_outline_x)):
        tracks["hips"] = np.column_stack([hips_outline_x, tracks["hips"][:, 1]])
    if body_outline_xy is not None and np.all(np.isfinite(body_outline_xy)):
        tracks[BODY_CENTRE] = body_outline_xy
    for part, track in tracks.items():
        if part not in SWAY_PARTS:
            continue
        position = np.interp(even, times, track @ across) * units_per_px
        filtered = low_passed(position - position.mean(), interval)
        readings.append(SwayReading(part=part, direction=direction, range=float(np.ptp(filtered)),
                                    rms=float(np.sqrt(np.mean(filtered**2))),
                                    frequency_hz=main_frequency(filtered, rate), unit=unit))
    return tuple(readings)
