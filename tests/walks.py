"""Constructed walks for the tests: landmark tracks of a profile whose heels land and lift at known times."""

from __future__ import annotations

import numpy as np

from posture.core.pose import side_landmark

RATE = 30.0
HEIGHT_PX = 1000.0


def walking(step_time: dict[str, float], step_length: dict[str, float], *, seconds: float = 6.0,
            stance_share: float = 0.6, facing: int = 1,
            rate: float = RATE) -> tuple[np.ndarray, np.ndarray, dict[str, list[float]]]:
    """A profile walking, each heel's swing starting and ending at rest: landmark tracks and each foot's true landing times.

    The right foot lands at 0, the left ``step_time["left"]`` later, the right again after ``step_time["right"]``,
    and so on; each landing heel lies ``step_length[side]`` body heights ahead of the other heel. A foot stands for
    ``stance_share`` of a cycle after landing and swings to its next landing for the rest.
    """
    cycle = step_time["left"] + step_time["right"]
    times = np.arange(0.0, seconds, 1.0 / rate)
    landings: dict[str, list[float]] = {"left": [], "right": []}
    spots: dict[str, list[float]] = {"left": [], "right": []}
    moment, position, side = 0.0, 0.0, "right"
    spots["left"].append(-step_length["right"] * HEIGHT_PX)
    while moment < seconds + cycle:
        landings[side].append(moment)
        spots[side].append(position)
        side = "left" if side == "right" else "right"
        moment += step_time[side]
        position += step_length[side] * HEIGHT_PX
    landings["left"].insert(0, -step_time["right"])  # the left landed one cycle before its first landing here
    xy = np.zeros((len(times), 33, 2))
    xy[:, :, 1] = np.linspace(0.0, HEIGHT_PX, 33)  # any body: only the heels and the height matter here
    for side in ("left", "right"):
        x = np.empty(len(times))
        for index, t in enumerate(times):
            k = max(i for i, landed in enumerate(landings[side]) if landed <= t)
            since, lift = t - landings[side][k], stance_share * cycle
            if since <= lift or k + 1 >= len(spots[side]):
                x[index] = spots[side][k]
            else:
                # The swing starts and ends at rest, fastest half-way, as a heel's does.
                share = (since - lift) / (cycle - lift)
                eased = share - np.sin(2 * np.pi * share) / (2 * np.pi)
                x[index] = spots[side][k] + eased * (spots[side][k + 1] - spots[side][k])
        xy[:, side_landmark(side, "HEEL"), 0] = facing * x
        xy[:, side_landmark(side, "HEEL"), 1] = HEIGHT_PX
    return times, xy, {side: [t for t in landings[side] if 0.0 < t < seconds] for side in landings}
