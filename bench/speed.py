"""Speed and memory benchmark of ``posture analyze`` (a benchmark, not a test).

For a few photos from ``../shared/photos`` and one generated 12 MP JPEG it
measures, with one pose detector per process as the CLI uses:

  (a) decode          ``load_image(path)``
  (b) inference       the bare MediaPipe ``PoseLandmarker.detect`` on the
                      decoded working image (num_poses=2, segmentation masks on)
  (c) decode + inf.   (a) then (b): what a minimal script would cost
  (d) end to end      ``Analyzer.analyze(path, uncertainty=False)`` plus ``render_json``:
                      what ``posture analyze --fast --json`` does per photo (the
                      terminal report instead costs the ``render_terminal`` column)
  (e) overhead        d / c (target: at most 1.15)
  (f) CLI             wall time and peak RSS of ``python -m posture analyze PHOTO --json``,
                      the default command with its uncertainty (target peak RSS: at most 400 MB)
  (g) a series        50 photos (the photos above in turn) through one ``Analyzer`` with
                      ``uncertainty=False`` against the same 50 decoded and detected bare
                      (target: at most 1.1)
  (h) default         ``Analyzer.analyze(path)`` plus ``render_json``: the default, which
                      averages the photo and two altered copies (mirror, grey), read by two
                      landmarkers at once, for its uncertainty; h / d is what that costs

and, for the 12 MP photo, a naive full-resolution pipeline (``cv2.imread`` at
full size, then ``detect`` on the full-size array).

Two sections check the speed targets of issue 16:

  default vs --fast   for every sample in ``samples/`` (the PNGs), the median of
                      ``Analyzer.analyze(path)`` and of ``Analyzer.analyze(path,
                      uncertainty=False)`` in one process (one Analyzer, a warm-up round,
                      the two alternating), and their ratio (target: the median ratio over
                      the samples at most 2.5)
  whole command       pairs of whole processes on the 12 MP JPEG, alternating A B A B after
                      one warm-up pair: A is ``python -m posture analyze PHOTO --fast``
                      (then the default, without ``--fast``) with the user's environment,
                      B is ``bench/naive_detect.py PHOTO MODEL`` (``cv2.imread`` of the full
                      photo plus one ``PoseLandmarker.detect`` with posture's options and
                      model); the median wall time of each and the median per-pair ratio
                      A/B (targets: at most 0.9 for ``--fast``, 1.0 for the default)

Usage: python bench/speed.py [--repeat N] [--cli-repeat N] [--sample-repeat N] [--pairs N] [--out FILE]
Needs PYTHONPATH to reach the package when it is not installed; the pose model
is taken from ``prepare_model()`` (``POSTURE_MODEL_DIR`` is honoured).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PHOTOS = REPO.parent / "shared" / "photos"
SAMPLES = REPO / "samples"
NAIVE_SCRIPT = REPO / "bench" / "naive_detect.py"
PHOTO_NAMES = (
    "side_bodytracker_1.jpg",
    "side_sarweshgait_1.jpg",
    "back_standing_woman_h36m_room_01.jpg",
)
LARGE_SOURCE = "side_sarweshgait_1.jpg"
# 16:9 like the 1920x1080 source, so the person is not stretched: 12.11 MP.
LARGE_SIZE = (4640, 2610)
LARGE_QUALITY = 92

ORIGINAL_ENV = dict(os.environ)  # the CLI runs with the user's environment, not the benchmark's

RATIO_TARGET = 1.15
RSS_TARGET_MB = 400.0
SERIES_LENGTH = 50
SERIES_TARGET = 1.1
DEFAULT_COST_TARGET = 2.5  # default / --fast per photo, median over the samples
# The whole command / the naive detect-only script on the 12 MP JPEG, median of the per-pair ratios.
PAIR_TARGETS = {"--fast": 0.9, "default": 1.0}


# --------------------------------------------------------------------------- helpers

def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0


def fmt_ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


@dataclass
class PhotoResult:
    name: str
    path: Path
    original: tuple[int, int]
    working: tuple[int, int] = (0, 0)
    samples: dict[str, list[float]] = field(default_factory=dict)
    error: str | None = None
    cli_wall_s: list[float] = field(default_factory=list)
    cli_rss_mb: list[float] = field(default_factory=list)
    cli_error: str | None = None

    def ms(self, key: str) -> float | None:
        values = self.samples.get(key)
        return median_ms(values) if values else None

    def min_ms(self, key: str) -> float | None:
        values = self.samples.get(key)
        return min(values) * 1000.0 if values else None

    @property
    def megapixels(self) -> float:
        return self.original[0] * self.original[1] / 1e6

    @property
    def ratio(self) -> float | None:
        c, d = self.ms("c"), self.ms("d")
        return None if c is None or d is None else d / c


def machine_facts() -> dict[str, str]:
    import cv2
    import mediapipe
    import numpy
    import PIL

    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": cpu,
        "cpu count": f"{os.cpu_count()} (usable by this process: {usable})",
        "load average at start (1/5/15 min)": load,
        "os": platform.platform(),
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "mediapipe": mediapipe.__version__,
        "numpy": numpy.__version__,
        "pillow": PIL.__version__,
        "opencv": cv2.__version__,
    }


def make_large_photo(directory: Path) -> Path:
    """Upscale the gait photo to about 12 MP (Lanczos) and save it as JPEG quality 92."""
    from PIL import Image

    target = directory / f"large_{LARGE_SIZE[0]}x{LARGE_SIZE[1]}_{Path(LARGE_SOURCE).stem}.jpg"
    with Image.open(PHOTOS / LARGE_SOURCE) as source:
        large = source.convert("RGB").resize(LARGE_SIZE, Image.Resampling.LANCZOS)
    large.save(target, "JPEG", quality=LARGE_QUALITY)
    return target


# --------------------------------------------------------------------------- in-process timings

def raw_landmarker(model_path: Path) -> Any:
    """A bare MediaPipe PoseLandmarker with the options PoseDetector uses."""
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions

    from posture.stages.detect import MAX_POSES

    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        num_poses=MAX_POSES,
        output_segmentation_masks=True,
    )
    return PoseLandmarker.create_from_options(options)


def measure_in_process(results: list[PhotoResult], model_path: Path, repeat: int) -> None:
    """Fill a-d (and the breakdown of d) for every photo; the steps alternate within each round."""
    import mediapipe as mp

    from posture.analyzer import Analyzer
    from posture.io.loading import load_image
    from posture.pipeline import analyze_image
    from posture.render.json import render_json
    from posture.render.terminal import render_terminal
    from posture.stages.detect import PoseDetector

    landmarker = raw_landmarker(model_path)
    analyzer = Analyzer(model_path)
    detector = PoseDetector(model_path)

    def bare_detect(rgb: Any) -> Any:
        return landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))

    try:
        for result in results:
            image = load_image(result.path)
            analysis = analyzer.analyze(result.path)
            if not analysis.ok:
                result.error = f"refused: {analysis.problem}"
                continue
            result.working = (image.rgb.shape[1], image.rgb.shape[0])

            def step_a() -> None:
                load_image(result.path)

            def step_b() -> None:
                bare_detect(image.rgb)

            def step_c() -> None:
                bare_detect(load_image(result.path).rgb)

            def step_d() -> None:
                render_json(analyzer.analyze(result.path, uncertainty=False))

            def step_h() -> None:
                render_json(analyzer.analyze(result.path))

            # Breakdown of d: the wrapper's detect, the stages after it, the renderers.
            def step_wrap() -> None:
                detector.detect(image)

            def step_analyze() -> None:
                analyze_image(image, detector, model=analyzer.model, mediapipe_version=mp.__version__,
                              knowledge=analysis.knowledge)

            def step_term() -> None:
                render_terminal(analysis)

            def step_json() -> None:
                render_json(analysis)

            steps: dict[str, Callable[[], None]] = {
                "a": step_a, "b": step_b, "c": step_c, "d": step_d, "h": step_h,
                "detect_wrapper": step_wrap, "analyze_image": step_analyze,
                "render_terminal": step_term, "render_json": step_json,
            }  # fmt: skip
            result.samples = {key: [] for key in steps}
            for round_index in range(repeat + 1):  # round 0 is the warm-up
                for key, step in steps.items():
                    start = time.perf_counter()
                    step()
                    elapsed = time.perf_counter() - start
                    if round_index:
                        result.samples[key].append(elapsed)
    finally:
        detector.close()
        analyzer.close()
        landmarker.close()


def measure_series(paths: list[Path], model_path: Path, repeat: int) -> dict[str, float]:
    """(g): SERIES_LENGTH photos through one Analyzer vs. the same photos decoded and detected bare, in ms."""
    import mediapipe as mp

    from posture.analyzer import Analyzer
    from posture.io.loading import load_image
    from posture.render.json import render_json

    series = [paths[index % len(paths)] for index in range(SERIES_LENGTH)]
    landmarker = raw_landmarker(model_path)
    samples: dict[str, list[float]] = {"bare": [], "analyzer": [], "unlevelled": []}
    try:
        with Analyzer(model_path) as analyzer:
            for round_index in range(repeat + 1):
                start = time.perf_counter()
                for path in series:
                    rgb = load_image(path).rgb
                    landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
                bare = time.perf_counter()
                for path in series:
                    render_json(analyzer.analyze(path, uncertainty=False))
                levelled = time.perf_counter()
                # The same without the search for the true vertical (--no-level): what that search costs.
                for path in series:
                    render_json(analyzer.analyze(path, uncertainty=False, level=False))
                end = time.perf_counter()
                if round_index:
                    samples["bare"].append(bare - start)
                    samples["analyzer"].append(levelled - bare)
                    samples["unlevelled"].append(end - levelled)
    finally:
        landmarker.close()
    return {key: median_ms(values) for key, values in samples.items()}


def measure_naive_full_resolution(path: Path, model_path: Path, repeat: int) -> dict[str, float]:
    """cv2.imread at full size + detect on the full-size array: what a naive script pays."""
    import cv2
    import mediapipe as mp

    landmarker = raw_landmarker(model_path)
    samples: dict[str, list[float]] = {"imread": [], "detect": [], "total": []}
    try:
        for round_index in range(repeat + 1):
            start = time.perf_counter()
            bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            decoded = time.perf_counter()
            landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
            end = time.perf_counter()
            if round_index:
                samples["imread"].append(decoded - start)
                samples["detect"].append(end - decoded)
                samples["total"].append(end - start)
            del bgr, rgb
    finally:
        landmarker.close()
    return {key: median_ms(values) for key, values in samples.items()}


@dataclass
class SampleCost:
    """The default reading against ``--fast`` on one sample, in one process (seconds per run)."""

    name: str
    size: tuple[int, int]
    fast: list[float] = field(default_factory=list)
    default: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.error or not self.fast or not self.default:
            return None
        return statistics.median(self.default) / statistics.median(self.fast)


def measure_default_cost(paths: list[Path], model_path: Path, repeat: int) -> list[SampleCost]:
    """Median of ``analyze(path)`` and ``analyze(path, uncertainty=False)`` per sample, one Analyzer.

    Round 0 is the warm-up (it also opens the copies' landmarker). Each round takes every sample in
    turn and runs both readings on it, fast first in one round and default first in the next (and
    shifted by one from one sample to the next), so a slow moment of the machine falls on both.
    """
    from PIL import Image

    from posture.analyzer import Analyzer

    costs = []
    for path in paths:
        with Image.open(path) as image:
            costs.append(SampleCost(name=path.name, size=image.size))
    with Analyzer(model_path) as analyzer:
        for path, cost in zip(paths, costs):
            for uncertainty in (False, True):
                analysis = analyzer.analyze(path, uncertainty=uncertainty)
                if not analysis.ok:
                    cost.error = f"refused: {analysis.problem}"
        for round_index in range(repeat + 1):
            for index, (path, cost) in enumerate(zip(paths, costs)):
                if cost.error:
                    continue
                order = (False, True) if (round_index + index) % 2 == 0 else (True, False)
                for uncertainty in order:
                    start = time.perf_counter()
                    analyzer.analyze(path, uncertainty=uncertainty)
                    elapsed = time.perf_counter() - start
                    if round_index:
                        (cost.default if uncertainty else cost.fast).append(elapsed)
    return costs


# --------------------------------------------------------------------------- the CLI as a process

# A tiny parent for the CLI process. ru_maxrss of a child started straight from
# this benchmark would be wrong: Linux folds the parent's RSS at fork/exec time
# (several hundred MB here, the detector and images are loaded) into the
# child's maximum, and RUSAGE_CHILDREN only keeps a running maximum, so its
# "delta" cannot go down to a smaller child either. Started from this launcher
# (~10 MB), the CLI process's own peak dominates. Prints "wall_s maxrss_kb exitcode".
LAUNCHER = """
import os, subprocess, sys, time
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    start = time.perf_counter()
    child = subprocess.Popen(sys.argv[3:], stdout=out, stderr=err)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
child.returncode = os.waitstatus_to_exitcode(status)
kb = usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)
print(wall, kb, child.returncode)
"""


def run_cli(photo: Path, env: dict[str, str], scratch: Path) -> tuple[float, float, int, str]:
    """Run ``python -m posture analyze PHOTO --json``; return wall s, peak RSS MB, exit code, stderr."""
    out_path, err_path = scratch / "cli.stdout", scratch / "cli.stderr"
    command = [sys.executable, "-m", "posture", "analyze", str(photo), "--json"]
    launcher = [sys.executable, "-S", "-c", LAUNCHER, str(out_path), str(err_path)]
    report = subprocess.run(launcher + command, env=env, cwd=scratch, capture_output=True,
                            text=True, check=True)
    wall_text, kb_text, code_text = report.stdout.split()
    code = int(code_text)
    stderr = err_path.read_text(errors="replace")
    if code == 0:
        json.loads(out_path.read_text())  # a truncated document would mean a broken run
    return float(wall_text), float(kb_text) / 1024.0, code, stderr


def measure_cli(results: list[PhotoResult], repeat: int, scratch: Path) -> None:
    env = cli_env()
    for result in results:
        for round_index in range(repeat + 1):  # round 0 warms the page cache
            wall, rss, code, stderr = run_cli(result.path, env, scratch)
            if code != 0:
                last = [line for line in stderr.splitlines() if line.startswith("posture:")]
                result.cli_error = f"exit {code}: {(last or stderr.splitlines() or ['?'])[-1]}"
                break
            if round_index:
                result.cli_wall_s.append(wall)
                result.cli_rss_mb.append(rss)


def cli_env() -> dict[str, str]:
    """The user's environment (not the benchmark's), with the checkout on PYTHONPATH."""
    env = dict(ORIGINAL_ENV)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def timed_process(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """Run one process to its end; return its wall time (s), its CPU time (user + system, s) and exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(command, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, completed.returncode


@dataclass
class PairRun:
    """Pairs of whole processes: A the posture command, B the naive detect-only script."""

    variant: str  # "--fast" or "default"
    command: list[str]
    a_wall: list[float] = field(default_factory=list)
    a_cpu: list[float] = field(default_factory=list)
    b_wall: list[float] = field(default_factory=list)
    b_cpu: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def ratios(self) -> list[float]:
        return [a / b for a, b in zip(self.a_wall, self.b_wall)]

    @property
    def ratio(self) -> float | None:
        return statistics.median(self.ratios) if self.ratios and not self.error else None


def measure_pairs(photo: Path, model_path: Path, pairs: int, scratch: Path) -> list[PairRun]:
    """For ``--fast`` and then the default: one warm-up pair, then ``pairs`` pairs A B A B of whole processes."""
    env = cli_env()
    naive = [sys.executable, str(NAIVE_SCRIPT), str(photo), str(model_path)]
    runs = []
    for variant, extra in (("--fast", ["--fast"]), ("default", [])):
        run = PairRun(variant, [sys.executable, "-m", "posture", "analyze", str(photo), *extra])
        runs.append(run)
        for round_index in range(pairs + 1):  # round 0 warms the page cache
            a_wall, a_cpu, a_code = timed_process(run.command, env, scratch)
            b_wall, b_cpu, b_code = timed_process(naive, env, scratch)
            if a_code or b_code:
                which = f"posture exited {a_code}" if a_code else f"naive_detect.py exited {b_code}"
                run.error = f"{which} in pair {round_index}"
                break
            if round_index:
                run.a_wall.append(a_wall)
                run.a_cpu.append(a_cpu)
                run.b_wall.append(b_wall)
                run.b_cpu.append(b_cpu)
    return runs


# --------------------------------------------------------------------------- reporting

MAIN_HEADERS = (
    "photo", "size", "working", "(a) decode ms", "(b) inference ms", "(c) a+b ms",
    "(d) end-to-end ms", "(e) d/c", "(f) CLI wall s", "(f) CLI peak RSS MB", "(h) default ms", "h/d",
)  # fmt: skip
BREAKDOWN_HEADERS = (
    "photo", "load_image ms", "raw detect ms", "PoseDetector.detect ms",
    "analyze_image (no load) ms", "render_terminal ms", "render_json ms", "(d) − (c) ms",
    "d/c of minima",
)  # fmt: skip


def main_rows(results: list[PhotoResult]) -> list[list[str]]:
    rows = []
    for r in results:
        size = f"{r.original[0]}x{r.original[1]} ({r.megapixels:.2f} MP)"
        if r.error:
            rows.append([r.name, size, "–", *["–"] * 4, f"refused: {r.error}", "–", "–", "–", "–"])
            continue
        ratio = r.ratio
        ratio_text = "–" if ratio is None else f"{ratio:.2f} {'✓' if ratio <= RATIO_TARGET else '✗'}"
        if r.cli_error:
            wall_text, rss_text = r.cli_error, "–"
        else:
            rss = max(r.cli_rss_mb)
            wall_text = f"{statistics.median(r.cli_wall_s):.2f}"
            rss_text = f"{rss:.0f} {'✓' if rss <= RSS_TARGET_MB else '✗'}"
        rows.append([
            r.name, size, f"{r.working[0]}x{r.working[1]}",
            fmt_ms(r.ms("a")), fmt_ms(r.ms("b")), fmt_ms(r.ms("c")), fmt_ms(r.ms("d")),
            ratio_text, wall_text, rss_text, fmt_ms(r.ms("h")),
            "–" if r.ms("h") is None or not r.ms("d") else f"{r.ms('h') / r.ms('d'):.1f}",
        ])
    return rows


def breakdown_rows(results: list[PhotoResult]) -> list[list[str]]:
    rows = []
    for r in results:
        if r.error:
            continue
        c, d = r.ms("c"), r.ms("d")
        c_min, d_min = r.min_ms("c"), r.min_ms("d")
        rows.append([
            r.name, fmt_ms(r.ms("a")), fmt_ms(r.ms("b")), fmt_ms(r.ms("detect_wrapper")),
            fmt_ms(r.ms("analyze_image")), fmt_ms(r.ms("render_terminal")),
            fmt_ms(r.ms("render_json")), fmt_ms(None if c is None or d is None else d - c),
            "–" if c_min is None or d_min is None else f"{d_min / c_min:.2f}",
        ])
    return rows


def naive_rows(large: PhotoResult, naive: dict[str, float] | None) -> list[list[str]]:
    if naive is None:
        return []
    rows = [["naive: cv2.imread full size + detect on the full-size array",
             fmt_ms(naive["imread"]), fmt_ms(naive["detect"]), fmt_ms(naive["total"])]]
    if not large.error:
        rows.append(["posture: load_image (reduced decode) + detect on the working image",
                     fmt_ms(large.ms("a")), fmt_ms(large.ms("b")), fmt_ms(large.ms("c"))])
    return rows


NAIVE_HEADERS = ("12 MP photo", "decode ms", "detect ms", "total ms")


def series_line(series: dict[str, float]) -> str:
    ratio = series["analyzer"] / series["bare"]
    return (f"A series of {SERIES_LENGTH} photos through one Analyzer (JSON rendered): "
            f"{series['analyzer'] / SERIES_LENGTH:.1f} ms per photo against {series['bare'] / SERIES_LENGTH:.1f} ms "
            f"for bare decode + inference, ratio {ratio:.2f} (target ≤ {SERIES_TARGET}: "
            f"{'met' if ratio <= SERIES_TARGET else 'NOT met'}); without the search for the true vertical "
            f"(--no-level) {series['unlevelled'] / SERIES_LENGTH:.1f} ms, ratio "
            f"{series['unlevelled'] / series['bare']:.2f}.")


def verdicts(results: list[PhotoResult]) -> list[str]:
    lines = []
    ratios = [(r.name, r.ratio) for r in results if r.ratio is not None]
    worst = max(ratios, key=lambda item: item[1], default=None)
    if worst is not None:
        met = all(ratio <= RATIO_TARGET for _, ratio in ratios)
        lines.append(f"Overhead d/c ≤ {RATIO_TARGET}: {'met' if met else 'NOT met'} "
                     f"(worst {worst[1]:.2f}, {worst[0]}).")
    rss = [(r.name, max(r.cli_rss_mb)) for r in results if r.cli_rss_mb]
    peak = max(rss, key=lambda item: item[1], default=None)
    if peak is not None:
        met = all(value <= RSS_TARGET_MB for _, value in rss)
        lines.append(f"CLI peak RSS ≤ {RSS_TARGET_MB:.0f} MB: {'met' if met else 'NOT met'} "
                     f"(highest {peak[1]:.0f} MB, {peak[0]}).")
    problems = [f"{r.name}: {r.error or r.cli_error}" for r in results if r.error or r.cli_error]
    lines.extend(f"Not measured: {p}" for p in problems)
    return lines


COST_HEADERS = ("sample", "size", "--fast ms", "default ms", "default / --fast")


def cost_rows(costs: list[SampleCost]) -> list[list[str]]:
    rows = []
    for c in costs:
        size = f"{c.size[0]}x{c.size[1]}"
        ratio = c.ratio
        if ratio is None:
            rows.append([c.name, size, "–", "–", c.error or "–"])
            continue
        rows.append([c.name, size, fmt_ms(median_ms(c.fast)), fmt_ms(median_ms(c.default)),
                     f"{ratio:.2f} {'✓' if ratio <= DEFAULT_COST_TARGET else '✗'}"])
    return rows


def cost_line(costs: list[SampleCost]) -> str:
    ratios = [c.ratio for c in costs if c.ratio is not None]
    if not ratios:
        return f"Default ≤ {DEFAULT_COST_TARGET}× --fast per photo: not measured."
    median = statistics.median(ratios)
    return (f"Default ≤ {DEFAULT_COST_TARGET}× --fast per photo (median over the {len(ratios)} samples of each "
            f"sample's default / --fast): {'met' if median <= DEFAULT_COST_TARGET else 'NOT met'} "
            f"({median:.2f}; samples {min(ratios):.2f} to {max(ratios):.2f}).")


PAIR_HEADERS = ("command A", "A wall s", "A CPU s", "naive B wall s", "naive B CPU s", "A / B (median of pairs)",
                "target")


def pair_rows(runs: list[PairRun]) -> list[list[str]]:
    rows = []
    for run in runs:
        label = f"posture analyze LARGE{' --fast' if run.variant == '--fast' else ''}"
        target = PAIR_TARGETS[run.variant]
        ratio = run.ratio
        if ratio is None:
            rows.append([label, *["–"] * 4, run.error or "–", f"≤ {target}"])
            continue
        rows.append([label, f"{statistics.median(run.a_wall):.2f}", f"{statistics.median(run.a_cpu):.2f}",
                     f"{statistics.median(run.b_wall):.2f}", f"{statistics.median(run.b_cpu):.2f}",
                     f"{ratio:.2f} {'✓' if ratio <= target else '✗'}", f"≤ {target}"])
    return rows


def pair_lines(runs: list[PairRun]) -> list[str]:
    lines = []
    for run in runs:
        target = PAIR_TARGETS[run.variant]
        name = "posture analyze --fast" if run.variant == "--fast" else "posture analyze (default)"
        ratio = run.ratio
        if ratio is None:
            lines.append(f"{name} ≤ {target}× the naive script: not measured ({run.error}).")
            continue
        lines.append(f"{name} ≤ {target}× the naive script's wall time on the 12 MP JPEG: "
                     f"{'met' if ratio <= target else 'NOT met'} (median of {len(run.ratios)} per-pair ratios "
                     f"{ratio:.2f}; each pair: {' '.join(f'{r:.2f}' for r in run.ratios)}).")
    return lines


def print_rich(facts: dict[str, str], results: list[PhotoResult], naive_table: list[list[str]],
               series: dict[str, float], costs: list[SampleCost], pairs: list[PairRun], args: argparse.Namespace,
               ) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=170)
    console.print(" · ".join(f"[bold]{k}[/bold] {v}" for k, v in facts.items()))
    tables = (
        (f"posture speed: medians of {args.repeat} (CLI: {args.cli_repeat}), after one warm-up",
         MAIN_HEADERS, main_rows(results)),
        ("Where (d) goes (in-process, working image already decoded except load_image)",
         BREAKDOWN_HEADERS, breakdown_rows(results)),
        ("Why decoding at reduced size matters", NAIVE_HEADERS, naive_table),
        (f"The default against --fast, samples/ in one process: medians of {args.sample_repeat} after one warm-up",
         COST_HEADERS, cost_rows(costs)),
        (f"The whole command against the naive detect-only script, 12 MP JPEG: medians of {args.pairs} pairs of "
         "processes after one warm-up pair", PAIR_HEADERS, pair_rows(pairs)),
    )
    for title, headers, rows in tables:
        if not rows:
            continue
        table = Table(title=title, box=box.SIMPLE_HEAVY)
        for index, header in enumerate(headers):
            table.add_column(header, justify="left" if index == 0 else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for line in [*verdicts(results), series_line(series), cost_line(costs), *pair_lines(pairs)]:
        console.print(line)


def markdown_table(headers: tuple[str, ...], rows: list[list[str]]) -> str:
    def line(cells: list[str] | tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    aligns = ["---"] + ["---:"] * (len(headers) - 1)
    return "\n".join([line(headers), "| " + " | ".join(aligns) + " |", *map(line, rows)])


def write_markdown(out: Path, facts: dict[str, str], results: list[PhotoResult], naive_table: list[list[str]],
                   series: dict[str, float], costs: list[SampleCost], pairs: list[PairRun],
                   args: argparse.Namespace) -> None:
    parts = [
        "# posture speed benchmark",
        "",
        f"Generated by `bench/speed.py --repeat {args.repeat} --cli-repeat {args.cli_repeat} "
        f"--sample-repeat {args.sample_repeat} --pairs {args.pairs}`; see `bench/README.md` for what each "
        f"column measures. In-process times are medians of {args.repeat} runs after one warm-up, "
        f"with one detector reused; CLI figures are medians (wall) and maxima (RSS) of "
        f"{args.cli_repeat} runs after one warm-up. The 12 MP photo is {LARGE_SOURCE} upscaled "
        f"(Lanczos) to {LARGE_SIZE[0]}x{LARGE_SIZE[1]}, JPEG quality {LARGE_QUALITY}.",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in facts.items()),
        "",
        "## The default against --fast (the samples, in one process)",
        "",
        f"For each PNG in `samples/`: `Analyzer.analyze(path, uncertainty=False)` (`--fast`) and "
        f"`Analyzer.analyze(path)` (the default: the photo and two altered copies, mirror and grey, read by two "
        f"landmarkers at once), medians of {args.sample_repeat} runs each in one process with one Analyzer, after "
        f"a warm-up round; the two alternate (which goes first changes from run to run), so a slow moment of the "
        f"machine falls on both. No renderer is timed.",
        "",
        markdown_table(COST_HEADERS, cost_rows(costs)),
        "",
        f"- {cost_line(costs)}",
        "",
        "## The whole command against a naive detect-only script (12 MP JPEG)",
        "",
        f"Pairs of whole processes on the 12 MP photo, A then B, one warm-up pair and then {args.pairs} timed "
        f"pairs, for `--fast` and then for the default. A is `python -m posture analyze LARGE [--fast]` (the "
        f"terminal report) with the user's environment; B is `python bench/naive_detect.py LARGE MODEL`: "
        f"`cv2.imread` of the full photo, BGR to RGB, one `PoseLandmarker` (IMAGE mode, num_poses=2, "
        f"segmentation masks on, the same model file) and one `detect`. Wall time is `time.perf_counter` around "
        f"`subprocess.run` (output to /dev/null), CPU time (user + system) comes from `getrusage` of the "
        f"children; both are medians over the pairs. The ratio is the median of the per-pair ratios A / B.",
        "",
        markdown_table(PAIR_HEADERS, pair_rows(pairs)),
        "",
        *(f"- {line}" for line in pair_lines(pairs)),
        "",
        "## Per photo: decode, inference, end to end, CLI",
        "",
        markdown_table(MAIN_HEADERS, main_rows(results)),
        "",
        *(f"- {line}" for line in verdicts(results)),
        f"- {series_line(series)}",
        "",
        "## Where (d) goes",
        "",
        markdown_table(BREAKDOWN_HEADERS, breakdown_rows(results)),
        "",
        "`analyze_image (no load)` includes `PoseDetector.detect` and levelling, as `--fast` runs it; "
        "`raw detect` is (b). "
        "`d/c of minima` is the same ratio from the fastest runs, less sensitive to other load "
        "on the machine. The CLI renders either the report or the JSON, never both; (d) "
        "renders the JSON, and the report's cost is its own column.",
    ]
    if naive_table:
        parts += ["", "## Why decoding at reduced size matters (12 MP photo, in one process)", "",
                  markdown_table(NAIVE_HEADERS, naive_table)]
    out.write_text("\n".join(parts) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- main

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, metavar="N",
                        help="timed runs per in-process measurement, after one warm-up (default 5)")
    parser.add_argument("--cli-repeat", type=int, default=3, metavar="N",
                        help="timed CLI processes per photo, after one warm-up (default 3)")
    parser.add_argument("--sample-repeat", type=int, default=15, metavar="N",
                        help="timed runs of --fast and of the default per sample, after one warm-up (default 15)")
    parser.add_argument("--pairs", type=int, default=9, metavar="N",
                        help="timed pairs of processes (posture, naive script) on the 12 MP photo for --fast and "
                             "for the default, after one warm-up pair each (default 9)")
    parser.add_argument("--out", type=Path, metavar="FILE", help="also write a Markdown report here")
    args = parser.parse_args(argv)
    if min(args.repeat, args.cli_repeat, args.sample_repeat, args.pairs) < 1:
        parser.error("--repeat, --cli-repeat, --sample-repeat and --pairs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not PHOTOS.is_dir():
        sys.exit(f"speed.py: the photo folder {PHOTOS} does not exist; the benchmark expects the "
                 "shared photos next to the repository (../shared/photos).")
    missing = [name for name in PHOTO_NAMES if not (PHOTOS / name).is_file()]
    if missing:
        sys.exit(f"speed.py: {', '.join(missing)} missing from {PHOTOS}.")
    samples = sorted(SAMPLES.glob("*.png"))
    if not samples:
        sys.exit(f"speed.py: no PNG samples in {SAMPLES}.")
    sys.path.insert(0, str(REPO))  # run from a checkout without installing
    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ warnings, before it loads

    from PIL import Image

    from posture.io.model import prepare_model

    model_path = prepare_model(notify=lambda message: print(message, file=sys.stderr))
    facts = machine_facts()
    facts["model"] = model_path.name

    with tempfile.TemporaryDirectory(prefix="posture-bench-") as tmp:
        scratch = Path(tmp)
        photos = [PHOTOS / name for name in PHOTO_NAMES]
        large = make_large_photo(scratch)
        photos.append(large)
        results = []
        for path in photos:
            with Image.open(path) as image:
                results.append(PhotoResult(name=path.name, path=path, original=image.size))

        print(f"pairs of processes on the 12 MP photo (2 × {args.pairs + 1} pairs)…", file=sys.stderr)
        pairs = measure_pairs(large, model_path, args.pairs, scratch)
        print(f"default against --fast on {len(samples)} samples ({args.sample_repeat} runs each)…", file=sys.stderr)
        costs = measure_default_cost(samples, model_path, args.sample_repeat)
        print(f"in-process timings ({args.repeat} runs per step)…", file=sys.stderr)
        measure_in_process(results, model_path, args.repeat)
        print(f"a series of {SERIES_LENGTH} photos…", file=sys.stderr)
        series = measure_series(photos, model_path, max(1, args.repeat // 2))
        print("naive full-resolution pipeline on the 12 MP photo…", file=sys.stderr)
        naive = measure_naive_full_resolution(large, model_path, args.repeat)
        print(f"CLI processes ({args.cli_repeat + 1} per photo)…", file=sys.stderr)
        measure_cli(results, args.cli_repeat, scratch)

    if hasattr(os, "getloadavg"):
        facts["load average at end (1/5/15 min)"] = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    naive_table = naive_rows(results[-1], naive)
    print_rich(facts, results, naive_table, series, costs, pairs, args)
    if args.out:
        write_markdown(args.out, facts, results, naive_table, series, costs, pairs, args)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
