"""Video benchmark: clips of rendered people of known posture and known sway, read by ``posture`` as a phone's clip.

Each clip is one render of a held-out body (bench/accuracy.py's ``HELD_OUT_BODIES``, used in no fit) from the
accuracy set, scaled to 1080x1920 and moved sideways frame by frame by a known sway (amplitude 0.5-3 cm,
0.1-1 Hz, plus a jitter of its own and sensor noise), encoded like a portrait phone clip: stored sideways with
a display matrix (-90°), H.264 or HEVC, 30 frames a second. The body is rendered once and moved as a whole,
so the sway is a sideways glide of the picture, not a body pivoting over its ankles; that keeps the renderer
out of the loop (one render per clip) and tests the reading of the frames, the combination and the sway's
arithmetic, not how a real body bends while it sways.

Reported: each measurement's MAE against the ground truth from the clip and from the same render as one photo
(posture's default reading with altered copies), the mean ± of each, the sway amplitude's error, and the time
a 10-s 1080p clip takes.

Usage (``make bench-video``; the accuracy set must be rendered, ``make synthetic-set``):
    python bench/video_bench.py bench/synthetic/cache --out bench/VIDEO.md
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import FRONT_PAIRINGS, HELD_OUT_BODIES, SIDE_PAIRINGS, Pairing, Render, read_set  # noqa: E402

from posture.analyzer import Analyzer  # noqa: E402
from posture.io.outputs import replace_atomically  # noqa: E402
from posture.io.video import open_clip, read_frames  # noqa: E402
from posture.render.json import analysis_to_dict  # noqa: E402
from walk_bench import BEGIN as WALK_BEGIN  # noqa: E402

SIZE = (1080, 1920)
RATE = 30
SECONDS = 5.0
SPEED_SECONDS = 10.0
SWEEPS = ("side-left_neutral", "side-right_neck-flexion+20", "side-left_trunk-lean+10",
          "side-right_pelvic-tilt+10", "front_pelvic-drop+4_shoulder-drop+5")
"""Per held-out body: both facings, three postures and a front view with a dropped hip and shoulder."""
JITTER_CM = 0.15
"""A frame-to-frame wobble of the sway itself, beside the sine."""
SENSOR_NOISE = 2.0
"""Standard deviation of the pixel noise, in 8-bit levels."""
REGENERATE = "make bench-video"


@dataclass
class Clip:
    render: Render
    amplitude_cm: float
    frequency_hz: float
    codec: str
    clip_document: dict[str, Any] | None = None
    photo_document: dict[str, Any] | None = None
    frame_document: dict[str, Any] | None = None
    failure: str | None = None
    seconds: float = 0.0
    sine_cm: np.ndarray = field(default_factory=lambda: np.zeros(0))


def shifted(picture: Image.Image, shift_px: float, noise: np.ndarray) -> np.ndarray:
    """The picture glided ``shift_px`` to the right (sub-pixel, bilinear), with sensor noise added."""
    moved = picture.transform(picture.size, Image.Transform.AFFINE, (1, 0, -shift_px, 0, 1, 0),
                              resample=Image.Resampling.BILINEAR, fillcolor=picture.getpixel((0, 0)))
    return np.clip(np.asarray(moved, dtype=np.float32) + noise, 0, 255).astype(np.uint8)


def encode(path: Path, picture: Image.Image, *, seconds: float, amplitude_px: float, frequency_hz: float,
           jitter_px: float, codec: str, seed: int) -> np.ndarray:
    """A portrait phone clip: upright frames stored turned clockwise, with a display matrix turning them back.

    Returns:
        Each frame's glide in pixels.
    """
    import av

    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * math.pi)
    options = {"preset": "ultrafast" if codec == "libx265" else "veryfast"}
    if codec == "libx265":
        options["x265-params"] = "log-level=none"
    glides = []
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=RATE, options=options)
        stream.width, stream.height = SIZE[1], SIZE[0]
        stream.pix_fmt = "yuv420p"
        stream.set_display_rotation(90)
        for index in range(int(seconds * RATE)):
            t = index / RATE
            shift = amplitude_px * math.sin(2 * math.pi * frequency_hz * t + phase) + rng.normal(0, jitter_px)
            glides.append(shift)
            noise = rng.normal(0, SENSOR_NOISE, (SIZE[1], SIZE[0], 3)).astype(np.float32)
            upright = shifted(picture, shift, noise)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(np.rot90(upright, k=-1)), format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, RATE)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return np.array(glides)


def encode_sine(seconds: float, amplitude_cm: float, frequency_hz: float, *, seed: int) -> np.ndarray:
    """The sine :func:`encode` glided the frames by (same seed, same phase), in cm, without the jitter."""
    phase = np.random.default_rng(seed).uniform(0, 2 * math.pi)
    times = np.arange(int(seconds * RATE)) / RATE
    return amplitude_cm * np.sin(2 * math.pi * frequency_hz * times + phase)


def true_sway(glides_cm: np.ndarray, start_s: float, end_s: float) -> tuple[float, float]:
    """The range and RMS of the glide over the still stretch, its sine alone (the jitter is noise to be
    filtered) being the truth: (range, RMS) in cm."""
    times = np.arange(len(glides_cm)) / RATE
    inside = (times >= start_s - 1e-6) & (times <= end_s + 1e-6)
    window = glides_cm[inside] - glides_cm[inside].mean()
    return float(np.ptp(window)), float(np.sqrt(np.mean(window**2)))


def pixels_per_cm(picture_path: Path, truth: dict[str, Any], analyzer: Analyzer) -> float:
    """The render's body height in pixels at the clip's size over its true height in cm."""
    analysis = analyzer.analyze(picture_path, uncertainty=False)
    assert analysis.frame is not None, f"{picture_path.name} is not measured as a photo"
    return analysis.frame.body_height_px * SIZE[0] / analysis.image.width / truth["person"]["height_cm"]


def planned(folder: Path) -> list[Clip]:
    """The clips to make, each with its render, sway and codec drawn (the same every run); a clip's index in
    the list is its encoding's seed."""
    renders = {r.name: r for r in read_set(folder) if r.body in HELD_OUT_BODIES}
    rng = np.random.default_rng(21)
    clips: list[Clip] = []
    for body in HELD_OUT_BODIES:
        for sweep in SWEEPS:
            render = renders[f"{body}_{sweep}"]
            clips.append(Clip(render, amplitude_cm=float(rng.uniform(0.5, 3.0)),
                              frequency_hz=float(rng.uniform(0.1, 1.0)),
                              codec="libx265" if len(clips) % 2 else "libx264"))
    return clips


def run(folder: Path, work: Path) -> tuple[list[Clip], dict[str, float]]:
    clips = planned(folder)
    speed: dict[str, float] = {}
    with Analyzer() as analyzer:
        for index, clip in enumerate(clips):
            png = folder / f"{clip.render.name}.png"
            height_cm = clip.render.truth["person"]["height_cm"]
            picture = Image.open(png).convert("RGB").resize(SIZE, Image.Resampling.LANCZOS)
            per_cm = pixels_per_cm(png, clip.render.truth, analyzer)
            path = work / f"{clip.render.name}.mp4"
            encode(path, picture, seconds=SECONDS, amplitude_px=clip.amplitude_cm * per_cm,
                   frequency_hz=clip.frequency_hz, jitter_px=JITTER_CM * per_cm, codec=clip.codec, seed=index)
            # The same glide without its jitter: the sway the clip holds, which the jitter only blurs.
            clip.sine_cm = encode_sine(SECONDS, clip.amplitude_cm, clip.frequency_hz, seed=index)
            started = time.perf_counter()
            analysis = analyzer.analyze_clip(path, height_cm=height_cm)
            clip.seconds = time.perf_counter() - started
            if analysis.ok:
                clip.clip_document = analysis_to_dict(analysis)
            else:
                clip.failure = analysis.problem
            photo = analyzer.analyze(png, height_cm=height_cm)
            clip.photo_document = analysis_to_dict(photo) if photo.ok else None
            # The clip's middle frame, decoded, read as a photo: what the encoding alone does to one reading.
            middle = next(read_frames(open_clip(path), start_s=SECONDS / 2))
            frame = analyzer.analyze(middle.image.rgb, height_cm=height_cm)
            clip.frame_document = analysis_to_dict(frame) if frame.ok else None
            print(f"  {index + 1}/{len(clips)} clips read", file=sys.stderr)
        first = clips[0]
        picture = Image.open(folder / f"{first.render.name}.png").convert("RGB").resize(SIZE)
        path = work / "speed.mp4"
        encode(path, picture, seconds=SPEED_SECONDS, amplitude_px=10.0, frequency_hz=0.3, jitter_px=1.0,
               codec="libx264", seed=99)
        started, cpu = time.perf_counter(), time.process_time()
        analyzer.analyze_clip(path, height_cm=first.render.truth["person"]["height_cm"])
        speed = {"wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu}
    return clips, speed


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


def accuracy_rows(clips: list[Clip]) -> list[str]:
    lines = ["| measurement | view | clips | clip MAE | photo MAE | one frame MAE | clip ± (mean) | photo ± (mean) "
             "| ± ratio |", "|---|---|---|---|---|---|---|---|---|"]
    for view, pairings in (("side", SIDE_PAIRINGS), ("front", FRONT_PAIRINGS)):
        chosen = [c for c in clips if c.render.view.startswith(view)]
        for pairing in pairings:
            if "uncorrected" in pairing.label or "uncalibrated" in pairing.label or "alone" in pairing.label:
                continue
            errors: dict[str, list[float]] = {"clip": [], "photo": [], "frame": []}
            clip_pm, photo_pm = [], []
            for clip in chosen:
                truth = _value(pairing.truth, clip.clip_document or clip.photo_document, clip.render.truth)
                measured = {name: _value(pairing.measured, document, clip.render.truth) for name, document in
                            (("clip", clip.clip_document), ("photo", clip.photo_document),
                             ("frame", clip.frame_document))}
                if truth is None or measured["clip"] is None or measured["photo"] is None:
                    continue
                for name, value in measured.items():
                    if value is not None:
                        errors[name].append(abs(value - truth))
                for target, document in ((clip_pm, clip.clip_document), (photo_pm, clip.photo_document)):
                    half = _uncertainty(pairing, document)
                    if half is not None:
                        target.append(half)
            if not errors["clip"]:
                continue
            cells = [f"{np.mean(errors[name]):.2f} {pairing.unit}" if errors[name] else "–"
                     for name in ("clip", "photo", "frame")]
            spread = ([f"{np.mean(clip_pm):.2f}", f"{np.mean(photo_pm):.2f}",
                       f"{np.mean(clip_pm) / np.mean(photo_pm):.2f}"] if clip_pm and photo_pm else ["–"] * 3)
            lines.append(f"| {pairing.label} | {view} | {len(errors['clip'])} | " + " | ".join(cells + spread) + " |")
    return lines


def part_errors(clips: list[Clip]) -> dict[str, list[float]]:
    """Per part, the amplitude errors (range error halved, RMS error times √2) over the clips read."""
    errors: dict[str, list[float]] = {}
    for clip in clips:
        if clip.clip_document is None:
            continue
        summary = clip.clip_document["clip"]
        true_range, true_rms = true_sway(clip.sine_cm, summary["start_s"], summary["end_s"])
        for reading in summary["sway"]:
            errors.setdefault(reading["part"], []).extend(
                [(reading["range"] - true_range) / 2, math.sqrt(2) * (reading["rms"] - true_rms)])
    return errors


def acceptance(clips: list[Clip], speed: dict[str, float]) -> list[str]:
    """The issue's acceptance lines, each against this run's numbers."""
    rows = [line.split(" | ") for line in accuracy_rows(clips)[2:]]
    measured = [(row[0].lstrip("| "), float(row[3].split()[0]), float(row[4].split()[0]),
                 float(row[5].split()[0]) if row[5] != "–" else None, row[8].rstrip(" |")) for row in rows]
    no_worse = [name for name, clip, photo, _, _ in measured if clip <= photo]
    frame_no_worse = [name for name, clip, _, frame, _ in measured if frame is not None and clip <= frame]
    with_ratio = [float(row[4]) for row in measured if row[4] != "–"]
    halved = [ratio for ratio in with_ratio if ratio <= 0.5]
    largest = {part: max(abs(e) for e in errors) for part, errors in part_errors(clips).items()}
    return [
        f"- MAE no worse than the same render as one photo: {len(no_worse)} of {len(measured)} measurements; "
        f"no worse than the clip's own middle frame read as a photo: {len(frame_no_worse)} of {len(measured)} "
        "(the rest of the gap to the photo is the clip's pixels: scaled, glided, noisy and compressed).",
        f"- ± at most half the photo's: {len(halved)} of {len(with_ratio)} measurements.",
        "- Largest sway amplitude error per part: " + ", ".join(f"{part} {value:.2f} cm" for part, value in
                                                               largest.items()) + " (target: at most 0.5 cm).",
        f"- A {SPEED_SECONDS:g}-s 1080p clip: {speed['wall_s']:.1f} s (target: at most 10 s).",
    ]


def sway_rows(clips: list[Clip]) -> tuple[list[str], list[float]]:
    lines = ["| clip | codec | sine amplitude, frequency | true range, RMS over the stretch | hips range, RMS read "
             "| range error | RMS error | frequency read | frames, seconds | time |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    errors = []
    for clip in clips:
        document = clip.clip_document
        if document is None:
            lines.append(f"| {clip.render.name} | {clip.codec} | {clip.amplitude_cm:.2f} cm, "
                         f"{clip.frequency_hz:.2f} Hz | refused: {clip.failure} | | | | | | |")
            continue
        summary = document["clip"]
        hips = next(r for r in summary["sway"] if r["part"] == "hips")
        true_range, true_rms = true_sway(clip.sine_cm, summary["start_s"], summary["end_s"])
        errors += [(hips["range"] - true_range) / 2, math.sqrt(2) * (hips["rms"] - true_rms)]
        frequency = "–" if hips["frequency_hz"] is None else f"{hips['frequency_hz']:.2f} Hz"
        lines.append(f"| {clip.render.name} | {clip.codec.removeprefix('lib')} | {clip.amplitude_cm:.2f} cm, "
                     f"{clip.frequency_hz:.2f} Hz | {true_range:.2f}, {true_rms:.2f} cm | "
                     f"{hips['range']:.2f}, {hips['rms']:.2f} cm | {hips['range'] - true_range:+.2f} cm | "
                     f"{hips['rms'] - true_rms:+.2f} cm | {frequency} | "
                     f"{summary['frames_used']}, {summary['seconds_used']:.1f} s | {clip.seconds:.1f} s |")
    return lines, errors


def markdown(clips: list[Clip], speed: dict[str, float]) -> str:
    sway_lines, errors = sway_rows(clips)
    lines = [
        "# Video: clips of rendered people of known posture and sway",
        "",
        f"Generated by `bench/video_bench.py` (`{REGENERATE}`). {len(clips)} clips of {SECONDS:g} s, one per render "
        f"of the held-out bodies ({', '.join(HELD_OUT_BODIES)}; used in no fit), each render scaled to 1080x1920 "
        f"and glided sideways by a known sine sway (amplitude 0.5-3 cm, 0.1-1 Hz, drawn at random) with a "
        f"frame-to-frame jitter of {JITTER_CM} cm and sensor noise (σ {SENSOR_NOISE:g} levels), encoded as a "
        f"portrait phone clip (stored sideways with a -90° display matrix, {RATE} frames a second, H.264 and HEVC "
        "alternately). The person's true height is given (`--height-cm`).",
        "",
        "Limits: the body is rendered once and moved as a whole, so the clip's frames differ by the glide, the "
        "jitter, the noise and the compression, not by the body's own small changes of shape while it sways, "
        "breathes or shifts its weight; real clips vary more from frame to frame. The sway is a glide of the "
        "whole body, so every part sways alike, where a real body pivots over the ankles and its head sways "
        "more than its hips.",
        "",
        "## Acceptance (issue 21)",
        "",
        *acceptance(clips, speed),
        "",
        "## Measurements: the clip against the same render as one photo",
        "",
        "*clip MAE*: the clip's combined reading against the ground truth; *photo MAE*: the same render read as "
        "one photo with posture's default altered copies; *one frame MAE*: the clip's middle frame, decoded, read "
        "as a photo the same way (what the scaling, the glide, the noise and the compression do to one reading); "
        "*±*: the mean 95% interval of the clip and of the photo; *± ratio*: clip over photo. The single-photo "
        "figures over every render are in bench/ACCURACY.md.",
        "",
        *accuracy_rows(clips),
        "",
        "## Sway",
        "",
        "The hips' range and RMS against the sine glide's own over the still stretch's seconds (a stretch of a "
        "cycle or two holds less than the sine's full swing, so the truth is the glide the clip holds, not the "
        "sine's amplitude); the jitter added to the glide is noise, which the 1.5-Hz filter is there to remove. "
        "The amplitude errors below are the range's error halved and the RMS's error times √2 (each an error in "
        "a sine's amplitude). The hips' position is the middle of the outline at their height, not the hip "
        "landmarks: `bench/sway_gain.py` fits each part's landmark track, frame by frame, against the glide, and "
        "the hip landmarks of some renders follow it only part of the way (its figures are in docs/video.md).",
        "",
        *sway_lines,
        "",
        (f"Amplitude error (from the range and from the RMS, {len(errors)} in all): mean {np.mean(errors):+.2f} cm, "
         f"mean absolute {np.mean(np.abs(errors)):.2f} cm, largest {np.max(np.abs(errors)):.2f} cm "
         "(target: at most 0.5 cm)." if errors else "No clip was read."),
        "",
        "## Speed",
        "",
        f"A {SPEED_SECONDS:g}-s 1080p H.264 portrait clip ({int(SPEED_SECONDS * RATE)} frames) took "
        f"{speed['wall_s']:.1f} s ({speed['cpu_s']:.1f} s of CPU in this process) on this 2-core machine, "
        "shared with other work while it ran (target: at most 10 s).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the accuracy set (bench/synthetic/cache)")
    parser.add_argument("--out", type=Path, default=Path("bench/VIDEO.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="posture-video-bench-") as work:
        clips, speed = run(args.folder, Path(work))
    # The walking section is bench/walk_bench.py's, between its markers: it is kept as it is.
    previous = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    walking = previous[previous.index(WALK_BEGIN):] if WALK_BEGIN in previous else ""
    replace_atomically(args.out, (markdown(clips, speed).rstrip("\n") + "\n\n" + walking).rstrip("\n").encode("utf-8")
                       + b"\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
