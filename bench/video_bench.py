"""Video benchmark: clips of rendered people of known posture who sway, read by ``posture`` as a phone's clip.

Each clip's frames are rendered one by one (``bench/synthetic/make_sway_set.py``, ``make sway-set``): a render
of a held-out body (bench/accuracy.py's ``HELD_OUT_BODIES``, used in no fit) from the accuracy set, drawn again
30 times a second at 1080x1920 while the body sways by a known sine (0.5-3 cm at the hips, 0.1-1 Hz): tilting
over its ankles from the side, carried sideways from the front and back. The frames get sensor noise and are
encoded like a portrait phone clip: stored sideways with a display matrix (-90°), H.264 or HEVC.

Reported: each measurement's MAE against the ground truth (the mean of the frames' own truths over the frames
posture kept) from the clip and from the same scene rendered standing still at the clip's size, read as one photo
(posture's default reading with altered copies), the mean ± of each, each part's sway amplitude error against the rendered
joints' own movement, and the time a 10-s 1080p clip takes.

Usage (``make bench-video``; the accuracy set and the sway sets must be rendered):
    python bench/video_bench.py bench/synthetic/cache bench/synthetic/cache-sway \
        --retakes bench/synthetic/cache-sway-retake --room bench/synthetic/cache-sway-room \
        --room-retakes bench/synthetic/cache-sway-room-retake --out bench/VIDEO.md
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import FRONT_PAIRINGS, HELD_OUT_BODIES, SIDE_PAIRINGS, Pairing, Render, read_set  # noqa: E402

from posture import combine  # noqa: E402
from posture.analyzer import Analyzer  # noqa: E402
from posture.io.outputs import replace_atomically  # noqa: E402
from posture.io.video import open_clip, read_frames  # noqa: E402
from posture.knowledge.repeatability import t_975  # noqa: E402
from posture.render.json import analysis_to_dict  # noqa: E402
from phone_clip import write_phone_clip  # noqa: E402
from walk_bench import BEGIN as WALK_BEGIN  # noqa: E402

SPEED_SECONDS = 10.0
SENSOR_NOISE = 2.0
"""Standard deviation of the pixel noise, in 8-bit levels."""
REGENERATE = "make bench-video"
PARTS = {"head": ("left_ear", "right_ear"), "shoulders": ("left_shoulder", "right_shoulder"),
         "hips": ("left_hip", "right_hip")}
"""The rendered joints whose midpoint's movement is each part's true sway."""
SEGMENTS = (("ear", "ear", 0.0, 0.081 / 2), ("hip", "shoulder", 0.5, 0.497 / 2), ("shoulder", "elbow", 0.436, 0.028),
            ("elbow", "wrist", 0.430, 0.016), ("wrist", "wrist", 0.0, 0.006), ("hip", "knee", 0.433, 0.100),
            ("knee", "ankle", 0.433, 0.0465), ("ankle", "toe", 0.5, 0.0145))
"""The body's centre of mass, per side: each segment's centre (from its first joint, a share of the way to its
second) and its share of the body's mass, after Dempster's cadaver data as tabled by Winter (Biomechanics and Motor
Control of Human Movement, 4th ed., 2009, table 4.1); the head and the trunk are split between the sides."""


@dataclass
class Clip:
    render: Render
    plan: dict[str, Any]
    frame_truths: list[dict[str, Any]]
    still_truth: dict[str, Any]
    clip_document: dict[str, Any] | None = None
    photo_document: dict[str, Any] | None = None
    frame_document: dict[str, Any] | None = None
    failure: str | None = None
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return float(self.plan["rate"])

    @property
    def codec(self) -> str:
        return str(self.plan["codec"])

    @property
    def room(self) -> str:
        return str(self.plan.get("room", "plain"))

    @property
    def levelled(self) -> bool:
        """Whether posture levelled the clip (found its camera's roll)."""
        camera = None if self.clip_document is None else self.clip_document["camera"]
        return camera is not None and camera["roll_source"] != "none"

    def kept_truths(self) -> list[dict[str, Any]]:
        """The truths of the frames within the still stretch posture kept (all of them when it kept none)."""
        if self.clip_document is None:
            return self.frame_truths
        summary = self.clip_document["clip"]
        times = np.arange(len(self.frame_truths)) / self.rate
        inside = (times >= summary["start_s"] - 1e-6) & (times <= summary["end_s"] + 1e-6)
        return [truth for truth, keep in zip(self.frame_truths, inside) if keep]


def encode(path: Path, frames: list[Path], *, rate: float, codec: str, seed: int) -> None:
    """A portrait phone clip of the frames, with sensor noise: stored turned clockwise, with a display matrix
    turning them back."""
    rng = np.random.default_rng(seed)

    def noisy() -> Iterator[np.ndarray]:
        for png in frames:
            upright = np.asarray(Image.open(png).convert("RGB"), dtype=np.float32)
            yield np.clip(upright + rng.normal(0, SENSOR_NOISE, upright.shape), 0, 255).astype(np.uint8)

    write_phone_clip(path, noisy(), rate=int(rate), codec=codec)


def centre_of_mass_x(world: dict[str, list[float]]) -> float:
    """The rendered body's centre of mass across the picture (m), from its joints and :data:`SEGMENTS`."""
    total = 0.0
    for side in ("left", "right"):
        for first, second, share, mass in SEGMENTS:
            start, end = world[f"{side}_{first}"][0], world[f"{side}_{second}"][0]
            total += mass * (start + share * (end - start))
    return total


def true_sway(truths: list[dict[str, Any]], part: str) -> tuple[float, float]:
    """The range and RMS (cm) of a part's rendered movement across the picture over the given frames."""
    if part in PARTS:
        left, right = PARTS[part]
        xs = 100.0 * np.array([(t["world_m"][left][0] + t["world_m"][right][0]) / 2 for t in truths])
    else:
        xs = 100.0 * np.array([centre_of_mass_x(t["world_m"]) for t in truths])
    centred = xs - xs.mean()
    return float(np.ptp(centred)), float(np.sqrt(np.mean(centred**2)))


def planned(folder: Path, sway_folder: Path) -> list[Clip]:
    """The rendered sway clips, each with the accuracy-set render it started from, in the sway set's order."""
    renders = {r.name: r for r in read_set(folder)}
    clips = []
    for truth_path in sorted(sway_folder.glob("*/truth.json")):
        plan = json.loads(truth_path.read_text())
        frame_truths = [json.loads((truth_path.parent / f"{name}.json").read_text()) for name in plan["frames"]]
        still_truth = json.loads((truth_path.parent / "still.json").read_text())
        clips.append(Clip(renders[plan["source"]], plan, frame_truths, still_truth))
    return clips


def read_clips(analyzer: Analyzer, clips: list[Clip], sway_folder: Path, work: Path, *, first_seed: int = 0) -> None:
    """Each clip encoded (its noise seeded from ``first_seed`` on) and read, with its still photo and its middle frame
    read as photos."""
    for index, clip in enumerate(clips):
        height_cm = clip.render.truth["person"]["height_cm"]
        frames_folder = sway_folder / clip.plan["name"]
        path = work / f"{clip.render.name}.mp4"
        encode(path, [frames_folder / f"{name}.png" for name in clip.plan["frames"]], rate=clip.rate,
               codec=clip.codec, seed=index)
        started = time.perf_counter()
        analysis = analyzer.analyze_clip(path, height_cm=height_cm)
        clip.seconds = time.perf_counter() - started
        if analysis.ok:
            clip.clip_document = analysis_to_dict(analysis)
        else:
            clip.failure = analysis.problem
        photo = analyzer.analyze(frames_folder / "still.png", height_cm=height_cm)
        clip.photo_document = analysis_to_dict(photo) if photo.ok else None
        # The clip's middle frame, decoded, read as a photo: one moment of the sway, through the encoding.
        middle = next(read_frames(open_clip(path), start_s=clip.plan["seconds"] / 2))
        frame = analyzer.analyze(middle.image.rgb, height_cm=height_cm)
        clip.frame_document = analysis_to_dict(frame) if frame.ok else None
        print(f"  {index + 1}/{len(clips)} clips read in {sway_folder.name}", file=sys.stderr)


@dataclass
class Sets:
    """The clips read, by set: the held-out bodies' clips and re-takes, in the plain room and the room with
    verticals."""

    clips: list[Clip]
    retakes: list[Clip]
    room_clips: list[Clip]
    room_retakes: list[Clip]

    def every(self) -> list[Clip]:
        return self.clips + self.retakes + self.room_clips + self.room_retakes


def run(folder: Path, folders: dict[str, Path | None], work: Path) -> tuple[Sets, dict[str, float]]:
    """Every set given in ``folders`` (by :class:`Sets`' field names) read, and the speed clip timed."""
    sets = Sets(*[planned(folder, folders[name]) if folders.get(name) is not None else []
                  for name in ("clips", "retakes", "room_clips", "room_retakes")])
    seed = 0
    with Analyzer() as analyzer:
        for name in ("clips", "retakes", "room_clips", "room_retakes"):
            chosen = getattr(sets, name)
            if chosen:
                read_clips(analyzer, chosen, folders[name], work, first_seed=seed)
                seed += len(chosen)
        first = sets.clips[0]
        names = first.plan["frames"]
        # Back and forth through the first clip's frames, so that the sway carries on without a jump.
        looped = [folders["clips"] / first.plan["name"] / f"{name}.png" for name in (names + names[::-1])]
        path = work / "speed.mp4"
        encode(path, looped[:int(SPEED_SECONDS * first.rate)], rate=first.rate, codec="libx264", seed=99)
        started, cpu = time.perf_counter(), time.process_time()
        analyzer.analyze_clip(path, height_cm=first.render.truth["person"]["height_cm"])
        speed = {"wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu}
    return sets, speed


def _value(getter: Any, document: dict[str, Any] | None, truth: dict[str, Any]) -> float | None:
    if document is None:
        return None
    value = getter(document, truth)
    return None if value is None else float(value)


def _uncertainty(pairing: Pairing, document: dict[str, Any] | None) -> float | None:
    if document is None:
        return None
    for measurement_id, entry in document["measurements"].items():
        if pairing.label.startswith(measurement_id):
            return entry["uncertainty"]
    return None


def _mean_truth(pairing: Pairing, document: dict[str, Any] | None, truths: list[dict[str, Any]]) -> float | None:
    values = [_value(pairing.truth, document, truth) for truth in truths]
    return None if document is None or any(v is None for v in values) else float(np.mean(values))


ROOMS = {"plain": "plain room", "structured": "room with verticals"}
"""The rooms the clips were filmed in (``make_sway_set.py --room``): posture cannot level a plain room's clips, and
levels the other's by its door, wall corner and shelf."""


@dataclass
class RowStats:
    """One measurement's comparison of clip and photo, over the clips that gave both."""

    pairing: Pairing
    view: str
    errors: dict[str, list[float]]
    """Absolute errors of the clip, the still photo and the clip's middle frame read as a photo."""
    paired: list[float]
    """Per clip, the clip's absolute error less the still photo's."""
    widths: dict[str, tuple[list[float], list[float]]]
    """Per room, the clips' and the photos' ±."""

    def paired_interval(self) -> tuple[float, float]:
        """The mean paired difference and its 95% half-width (Student's t)."""
        values = np.array(self.paired)
        if len(values) < 2:
            return float(values.mean()), float("nan")
        return float(values.mean()), float(t_975(len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))

    def clip_worse(self) -> bool:
        """Whether the clip's error is larger than the photo's by more than the paired difference's 95% interval."""
        mean, half = self.paired_interval()
        return math.isfinite(half) and mean - half > 0

    def ratio(self, room: str) -> float | None:
        clip_pm, photo_pm = self.widths.get(room, ([], []))
        return float(np.mean(clip_pm) / np.mean(photo_pm)) if clip_pm and photo_pm else None


def accuracy_stats(clips: list[Clip]) -> list[RowStats]:
    """Each measurement's errors and ± from the clips and from their still photos and middle frames."""
    stats = []
    for view, pairings in (("side", SIDE_PAIRINGS), ("front", FRONT_PAIRINGS), ("back", FRONT_PAIRINGS)):
        chosen = [c for c in clips if c.render.view.startswith(view)]
        for pairing in pairings:
            if "uncorrected" in pairing.label or "uncalibrated" in pairing.label or "alone" in pairing.label:
                continue
            row = RowStats(pairing, view, {"clip": [], "photo": [], "frame": []}, [], {})
            for clip in chosen:
                middle = clip.frame_truths[int(round(clip.plan["seconds"] / 2 * clip.rate))]
                truths = {"clip": _mean_truth(pairing, clip.clip_document, clip.kept_truths()),
                          "photo": _value(pairing.truth, clip.photo_document, clip.still_truth),
                          "frame": _value(pairing.truth, clip.frame_document, middle)}
                measured = {"clip": _value(pairing.measured, clip.clip_document, clip.kept_truths()[0]),
                            "photo": _value(pairing.measured, clip.photo_document, clip.still_truth),
                            "frame": _value(pairing.measured, clip.frame_document, middle)}
                if any(truths[name] is None or measured[name] is None for name in ("clip", "photo")):
                    continue
                errors = {name: abs(value - truths[name]) for name, value in measured.items()
                          if value is not None and truths[name] is not None}
                for name, error in errors.items():
                    row.errors[name].append(error)
                row.paired.append(errors["clip"] - errors["photo"])
                clip_half, photo_half = _uncertainty(pairing, clip.clip_document), _uncertainty(pairing,
                                                                                                 clip.photo_document)
                if clip_half is not None and photo_half is not None:
                    clip_pm, photo_pm = row.widths.setdefault(clip.room, ([], []))
                    clip_pm.append(clip_half)
                    photo_pm.append(photo_half)
            if row.errors["clip"]:
                stats.append(row)
    return stats


def accuracy_rows(stats: list[RowStats]) -> list[str]:
    lines = ["| measurement | view | clips | clip MAE | photo MAE | one frame MAE | clip − photo error (95%) "
             + "".join(f"| ± ratio, {name} " for name in ROOMS.values()) + "|",
             "|---|---|---|---|---|---|---|" + "---|" * len(ROOMS)]
    for row in stats:
        unit = row.pairing.unit
        cells = [f"{np.mean(row.errors[name]):.2f} {unit}" if row.errors[name] else "–"
                 for name in ("clip", "photo", "frame")]
        mean, half = row.paired_interval()
        cells.append(f"{mean:+.2f} ± {half:.2f}" if math.isfinite(half) else f"{mean:+.2f}")
        for room in ROOMS:
            ratio = row.ratio(room)
            clip_pm, photo_pm = row.widths.get(room, ([], []))
            cells.append("–" if ratio is None else f"{ratio:.2f} ({np.mean(clip_pm):.2f} / {np.mean(photo_pm):.2f})")
        lines.append(f"| {row.pairing.label} | {row.view} | {len(row.errors['clip'])} | " + " | ".join(cells) + " |")
    return lines


def part_errors(clips: list[Clip]) -> dict[str, list[float]]:
    """Per part, the amplitude errors (range error halved, RMS error times √2) over the clips read."""
    errors: dict[str, list[float]] = {}
    for clip in clips:
        if clip.clip_document is None:
            continue
        for reading in clip.clip_document["clip"]["sway"]:
            true_range, true_rms = true_sway(clip.kept_truths(), reading["part"])
            errors.setdefault(reading["part"], []).extend(
                [(reading["range"] - true_range) / 2, math.sqrt(2) * (reading["rms"] - true_rms)])
    return errors


def acceptance(sets: Sets, stats: list[RowStats], speed: dict[str, float]) -> list[str]:
    """The issue's acceptance lines, each against this run's numbers."""
    clips = sets.clips
    no_worse = [row for row in stats if np.mean(row.errors["clip"]) <= np.mean(row.errors["photo"])]
    frame_no_worse = [row for row in stats
                      if row.errors["frame"] and np.mean(row.errors["clip"]) <= np.mean(row.errors["frame"])]
    worse_beyond_noise = [row for row in stats if row.clip_worse()]
    largest = {part: max(abs(e) for e in errors) for part, errors in part_errors(clips).items()}
    steadier = []
    for name, (first, again) in ((ROOMS["plain"], (sets.clips, sets.retakes)),
                                 (ROOMS["structured"], (sets.room_clips, sets.room_retakes))):
        ratios = scatter_ratios(first, again)
        if ratios:
            halved_ids = [mid for mid, ratio in ratios.items() if ratio <= 0.5]
            steadier.append(f"{len(halved_ids)} of {len(ratios)} measures in the {name} ({', '.join(halved_ids)})")
    halved = []
    for room, name in ROOMS.items():
        ratios = [ratio for row in stats if (ratio := row.ratio(room)) is not None]
        if ratios:
            halved.append(f"{name} {sum(r <= 0.5 for r in ratios)} of {len(ratios)} rows")
    return [
        f"- MAE no worse than the same scene standing still read as one photo: {len(no_worse)} of {len(stats)} "
        f"rows; worse by more than the paired difference's 95% interval: {len(worse_beyond_noise)} of {len(stats)}"
        + (f" ({', '.join(f'{row.pairing.label.split()[0]} {row.view}' for row in worse_beyond_noise)})"
           if worse_beyond_noise else "")
        + f"; no worse than the clip's own middle frame read as a photo: {len(frame_no_worse)} of {len(stats)}.",
        f"- ± at most half the photo's: {'; '.join(halved)}.",
        *([f"- Without either's ±: a clip's re-take landed at most half as far as a photo's (the median difference "
           f"between a clip and its re-take over that between their middle frames read as photos) for "
           f"{'; '.join(steadier)}."] if steadier else []),
        "- Largest sway amplitude error per part: " + ", ".join(f"{part} {value:.2f} cm" for part, value in
                                                               largest.items()) + " (target: at most 0.5 cm).",
        f"- A {SPEED_SECONDS:g}-s 1080p clip: {speed['wall_s']:.1f} s (target: at most 10 s).",
    ]


def sway_rows(clips: list[Clip]) -> list[str]:
    lines = ["| clip | codec | sine at the hips | part | true range, RMS | range, RMS read | range error "
             "| RMS error | frequency read | frames, seconds | time |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for clip in clips:
        sine = f"{clip.plan['amplitude_cm']:.2f} cm, {clip.plan['frequency_hz']:.2f} Hz"
        document = clip.clip_document
        if document is None:
            lines.append(f"| {clip.render.name} | {clip.codec.removeprefix('lib')} | {sine} | | refused: "
                         f"{clip.failure} | | | | | | |")
            continue
        summary = document["clip"]
        for reading in summary["sway"]:
            true_range, true_rms = true_sway(clip.kept_truths(), reading["part"])
            frequency = "–" if reading["frequency_hz"] is None else f"{reading['frequency_hz']:.2f} Hz"
            lines.append(f"| {clip.render.name} | {clip.codec.removeprefix('lib')} | {sine} | {reading['part']} | "
                         f"{true_range:.2f}, {true_rms:.2f} cm | {reading['range']:.2f}, {reading['rms']:.2f} cm | "
                         f"{reading['range'] - true_range:+.2f} cm | {reading['rms'] - true_rms:+.2f} cm | "
                         f"{frequency} | {summary['frames_used']}, {summary['seconds_used']:.1f} s | "
                         f"{clip.seconds:.1f} s |")
    return lines


def _reading(document: dict[str, Any] | None, measurement_id: str) -> tuple[float, float] | None:
    entry = None if document is None else document["measurements"].get(measurement_id)
    if entry is None or entry.get("value") is None or entry.get("uncertainty") is None:
        return None
    return float(entry["value"]), float(entry["uncertainty"])


def retake_pairs(clips: list[Clip], retakes: list[Clip]) -> dict[str, dict[str, tuple[list[float], list[float]]]]:
    """Per measurement, for the clips and for their middle frames read as photos (``frame``), each re-take pair's
    difference and combined ± (the root of the sum of the squares of the two ±)."""
    again = {clip.plan["name"]: clip for clip in retakes}
    ids = sorted({mid for clip in clips if clip.clip_document for mid in clip.clip_document["measurements"]})
    found: dict[str, dict[str, tuple[list[float], list[float]]]] = {}
    for measurement_id in ids:
        cells: dict[str, tuple[list[float], list[float]]] = {"clip": ([], []), "frame": ([], [])}
        for clip in clips:
            other = again.get(clip.plan["name"])
            if other is None:
                continue
            for kind, first, second in (("clip", clip.clip_document, other.clip_document),
                                        ("frame", clip.frame_document, other.frame_document)):
                a, b = _reading(first, measurement_id), _reading(second, measurement_id)
                if a is not None and b is not None:
                    cells[kind][0].append(abs(a[0] - b[0]))
                    cells[kind][1].append(math.hypot(a[1], b[1]))
        if cells["clip"][0]:
            found[measurement_id] = cells
    return found


def scatter_ratios(clips: list[Clip], retakes: list[Clip]) -> dict[str, float]:
    """Per measurement, the median re-take difference of the clips over that of their middle frames read as
    photos: how much steadier a clip is than a photo, measured without either's ±."""
    return {measurement_id: float(np.median(cells["clip"][0]) / np.median(cells["frame"][0]))
            for measurement_id, cells in retake_pairs(clips, retakes).items()
            if cells["frame"][0] and np.median(cells["frame"][0]) > 0}


def retake_rows(clips: list[Clip], retakes: list[Clip]) -> list[str]:
    """Per measurement, how often a clip and its re-take agree within their ± combined, and the same for one moment
    of each (their middle frames read as photos)."""
    lines = ["| measurement | pairs | clips: inside the combined ± | median difference | median combined ± "
             "| photos: inside the combined ± | median difference | median combined ± | difference, clip over photo |",
             "|---|---|---|---|---|---|---|---|---|"]
    ratios = scatter_ratios(clips, retakes)
    for measurement_id, cells in retake_pairs(clips, retakes).items():
        row = [measurement_id, str(len(cells["clip"][0]))]
        for kind in ("clip", "frame"):
            differences, widths = (np.array(values) for values in cells[kind])
            if not len(differences):
                row += ["–"] * 3
                continue
            inside = int(np.sum(differences <= widths))
            row += [f"{inside} of {len(differences)} ({100 * inside / len(differences):.0f}%)",
                    f"{np.median(differences):.2f}", f"{np.median(widths):.2f}"]
        row.append(f"{ratios[measurement_id]:.2f}" if measurement_id in ratios else "–")
        lines.append("| " + " | ".join(row) + " |")
    return lines


def retake_summary(clips: list[Clip], retakes: list[Clip]) -> str:
    """The re-take pairs inside their combined ±, over every measurement, for the clips and for the photos."""
    counts = {"clip": [0, 0], "frame": [0, 0]}
    for cells in retake_pairs(clips, retakes).values():
        for kind, (differences, widths) in cells.items():
            counts[kind][0] += int(np.sum(np.array(differences) <= np.array(widths)))
            counts[kind][1] += len(differences)
    return (f"Inside their combined ±: clips {counts['clip'][0]} of {counts['clip'][1]} pairs "
            f"({100 * counts['clip'][0] / max(counts['clip'][1], 1):.0f}%), photos {counts['frame'][0]} of "
            f"{counts['frame'][1]} ({100 * counts['frame'][0] / max(counts['frame'][1], 1):.0f}%).")


def factors_note() -> str:
    """The clip's re-take factors, as this run used them."""
    def listed(factors: dict[str, float]) -> str:
        return ", ".join(f"{k} {v:g}" for k, v in factors.items()) or "none"

    return ("The clip's ± carries its measure's re-take factor, fitted on two fit bodies' re-taken clips "
            "(bench/clip_factor.py), none of these: unlevelled (posture.combine.UNLEVELLED_CLIP_FACTORS) "
            f"{listed(combine.UNLEVELLED_CLIP_FACTORS)}; levelled (LEVELLED_CLIP_FACTORS) "
            f"{listed(combine.LEVELLED_CLIP_FACTORS)}; 1 for the others.")


def retake_section(clips: list[Clip], retakes: list[Clip], room: str) -> list[str]:
    """One room's re-take table and its summary."""
    if not retakes:
        return []
    levelled = sum(c.levelled for c in clips + retakes if c.clip_document is not None)
    read = sum(c.clip_document is not None for c in clips + retakes)
    return [f"### {ROOMS[room].capitalize()}", "",
            f"posture levelled {levelled} of the {read} clips read here.", "",
            *retake_rows(clips, retakes), "", retake_summary(clips, retakes), ""]


def markdown(sets: Sets, speed: dict[str, float]) -> str:
    clips = sets.clips
    stats = accuracy_stats(sets.every())
    errors = [e for part in part_errors(clips).values() for e in part]
    first = clips[0].plan
    lines = [
        "# Video: clips of rendered people of known posture and sway",
        "",
        f"Generated by `bench/video_bench.py` (`{REGENERATE}`; the frames by `bench/synthetic/make_sway_set.py`, "
        f"`make sway-set`). {len(clips)} clips of {first['seconds']:g} s, each starting from one render of the "
        f"accuracy set of a held-out body ({', '.join(HELD_OUT_BODIES)}; used in no fit) and rendered again frame "
        f"by frame at {first['size'][0]}x{first['size'][1]}, {first['rate']:g} frames a second, while the body "
        "sways by a sine of known amplitude (0.5-3 cm at the hips) and frequency (0.1-1 Hz), both drawn at random: "
        "from the side it tilts over its ankles as one piece (the head sways further than the hips), from the "
        f"front and back it is carried sideways whole. The frames get sensor noise (σ {SENSOR_NOISE:g} levels) "
        "and are encoded as a portrait phone clip (stored sideways with a -90° display matrix, H.264 and HEVC "
        "alternately). The person's true height is given (`--height-cm`). Each clip is also filmed again as "
        "another session would (a re-take: the sway drawn anew, the camera moved by up to 0.2 m, 8 cm and 0.5° "
        "of roll, the person turned by up to 2°), and all of them once more in a room with a door, a wall corner "
        "and a shelf that posture levels by (`--room structured`: the same sway, moves and codecs).",
        "",
        "Every frame is rendered, so every frame has its own truth: the clip's truth is the mean of its frames' "
        "truths over the still stretch posture kept. Limits: the body sways and does nothing else (no breathing, "
        "no shift of weight from foot to foot, no glance aside), and the side-to-side sway is a carry of the whole "
        "body rather than a tilt over the feet; real clips vary more from frame to frame.",
        "",
        "## Acceptance (issue 21)",
        "",
        *acceptance(sets, stats, speed),
        "",
        "## Measurements: the clip against the same posture as one photo",
        "",
        f"Over all {len(sets.every())} clips (both rooms, first takes and re-takes). *clip MAE*: the clip's "
        "combined reading against the mean of its kept frames' truths; *photo MAE*: the same scene rendered "
        "standing still at the clip's size (the same body, posture, camera, room and light, `still.png` beside "
        "the frames) read as one photo with posture's default altered copies, against its truth; *one frame "
        "MAE*: the clip's middle frame, decoded, read as a photo the same way, against that frame's truth (one "
        "moment, through the encoding); *clip − photo error*: per clip, the clip's absolute error less its "
        "photo's, averaged, with the 95% interval of that mean (a clip and its re-take share a body and posture, "
        "so the interval is somewhat too narrow); *± ratio*: the clips' mean 95% interval over the photos', "
        "in each room (the two means in brackets). The single-photo figures over every render are in "
        "bench/ACCURACY.md.",
        "",
        *accuracy_rows(stats),
        "",
        "## Sway",
        "",
        "The first takes in the plain room. Each part's range and RMS read against the movement of its rendered "
        "joints across the picture (ears, shoulder joints, hip joints; their midpoints) over the still stretch's "
        "frames; the body centre against the centre of mass of Dempster's segment model on the rendered joints. "
        "The amplitude errors are the range's error halved and the RMS's error times √2 (each an error in a "
        "sine's amplitude).",
        "",
        *sway_rows(clips),
        "",
        (f"Amplitude error (from the range and from the RMS, {len(errors)} in all): mean {np.mean(errors):+.2f} cm, "
         f"mean absolute {np.mean(np.abs(errors)):.2f} cm, largest {np.max(np.abs(errors)):.2f} cm "
         "(target: at most 0.5 cm)." if errors else "No clip was read."),
        "",
        *(["## Re-takes",
            "",
            "A clip and its re-take show the same posture, so their difference is the re-take scatter that their "
            "±, combined (the root of the sum of their squares), should cover about 95 times in 100. *photos*: "
            "the middle frame of each, read as a photo: one moment of the sway each. *difference, clip over photo*: "
            "the clips' median difference over the photos'. The photo's ± was fitted on re-takes of a body "
            "standing perfectly still; this sway (0.5-3 cm at the hips, the range issue 21 asks for) "
            "moves one moment's trunk lean, foot-hip offset and plumb line beyond it. " + factors_note(),
            "",
            *retake_section(sets.clips, sets.retakes, "plain"),
            *retake_section(sets.room_clips, sets.room_retakes, "structured")] if sets.retakes else []),
        "## Speed",
        "",
        f"A {SPEED_SECONDS:g}-s 1080p H.264 portrait clip ({int(SPEED_SECONDS * first['rate'])} frames, the first "
        f"clip's frames forwards and back) took {speed['wall_s']:.1f} s ({speed['cpu_s']:.1f} s of CPU in this "
        "process) on this 2-core machine (target: at most 10 s).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the accuracy set (bench/synthetic/cache)")
    parser.add_argument("sway_folder", type=Path, help="the swaying clips' frames (bench/synthetic/cache-sway)")
    parser.add_argument("--retakes", type=Path, help="their re-takes (bench/synthetic/cache-sway-retake)")
    parser.add_argument("--room", type=Path, help="the same clips in a room with verticals "
                                                  "(bench/synthetic/cache-sway-room)")
    parser.add_argument("--room-retakes", type=Path, help="their re-takes (bench/synthetic/cache-sway-room-retake)")
    parser.add_argument("--out", type=Path, default=Path("bench/VIDEO.md"))
    args = parser.parse_args()
    folders = {"clips": args.sway_folder, "retakes": args.retakes, "room_clips": args.room,
               "room_retakes": args.room_retakes}
    with tempfile.TemporaryDirectory(prefix="posture-video-bench-") as work:
        sets, speed = run(args.folder, folders, Path(work))
    # The walking section is bench/walk_bench.py's, between its markers: it is kept as it is.
    previous = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    walking = previous[previous.index(WALK_BEGIN):] if WALK_BEGIN in previous else ""
    replace_atomically(args.out, (markdown(sets, speed).rstrip("\n") + "\n\n" + walking).rstrip("\n").encode("utf-8")
                       + b"\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
