"""Throughput of ``posture batch`` (a benchmark, not a test): photos per second with 1 and 2 worker
processes and on a local Dask cluster, against the bare decode + inference rate, and peak RSS per worker.

The photos are those in ``../shared/photos`` (analysed and refused ones alike),
each under ``--copies`` names, linked into a temporary folder.

  bare        one process: ``load_image`` then MediaPipe ``PoseLandmarker.detect``
              (the options posture uses), photo after photo: what a minimal script costs
  batch N     ``run_batch(workers=N, uncertainty=False)`` (``posture batch --fast``; the default's
              uncertainty costs about three times the work, bench/COVERAGE.md): the whole run (worker start-up included) and
              the steady rate (from the first photo finished to the last)
  dask        ``run_batch(dask=...)`` on a ``LocalCluster`` of 2 worker processes, 1 thread each
              (the cluster's start-up is not counted)

Targets: 1 worker >= 0.9x bare (steady); 2 workers >= 1.8x 1 worker (steady); peak RSS <= 400 MB per worker.

Usage: python bench/batch_speed.py [--copies N] [--out FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PHOTOS = REPO.parent / "shared" / "photos"
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
RSS_TARGET_MB = 400.0


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM (the peak resident set) of a live process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a live process so far, in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_folder(directory: Path, copies: int) -> list[Path]:
    sources = sorted(p for p in PHOTOS.iterdir() if p.suffix.lower() in SUFFIXES)
    made = []
    for copy in range(copies):
        for source in sources:
            link = directory / f"{copy}_{source.name}"
            link.symlink_to(source)
            made.append(link)
    return made


def bare_rate(paths: list[Path], model_path: Path) -> float:
    """Photos per second of load_image + detect in this process, after one warm-up photo."""
    import mediapipe as mp
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions

    from posture.io.loading import load_image
    from posture.stages.detect import MAX_POSES

    options = PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(model_path)),
                                    num_poses=MAX_POSES, output_segmentation_masks=True)
    landmarker = PoseLandmarker.create_from_options(options)
    try:
        landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=load_image(paths[0]).rgb))
        start = time.perf_counter()
        for path in paths:
            landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=load_image(path).rgb))
        return len(paths) / (time.perf_counter() - start)
    finally:
        landmarker.close()


class Watch:
    """Completion times of the records, and the peak RSS of the worker processes seen."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.pids: set[int] = set()
        self.rss: dict[int, float] = {}
        self.cpu: dict[int, tuple[float, float]] = {}  # pid: (at the first record, latest)

    def on_start(self, task: Any, pid: int) -> None:
        self.pids.add(pid)

    def on_record(self, record: dict[str, Any]) -> None:
        self.times.append(time.perf_counter())
        for pid in self.pids:
            value = peak_rss_mb(pid)
            if value is not None:
                self.rss[pid] = max(self.rss.get(pid, 0.0), value)
            used = cpu_seconds(pid)
            if used is not None:
                self.cpu[pid] = (self.cpu.get(pid, (used, used))[0], used)

    def cpu_per_photo(self) -> float | None:
        """Worker CPU seconds per photo between the first and the last record (start-up excluded)."""
        if not self.cpu or len(self.times) < 2:
            return None
        return sum(last - first for first, last in self.cpu.values()) / (len(self.times) - 1)

    def steady_rate(self) -> float:
        return (len(self.times) - 1) / (self.times[-1] - self.times[0])


def run(folder: Path, model_path: Path, *, workers: int | None = None, dask: Any = None,
        watch_pids: list[int] | None = None) -> dict[str, Any]:
    from posture.batching.run import run_batch

    watch = Watch()
    if watch_pids:
        watch.pids.update(watch_pids)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        # --fast: the comparison is with one bare inference per photo; the default's two more
        # landmark runs per photo cost what bench/COVERAGE.md measures.
        outcome = run_batch(folder, out, workers=workers, dask=dask, model=model_path, uncertainty=False,
                            on_start=watch.on_start, on_record=watch.on_record)
        wall = time.perf_counter() - start
    photos = outcome.summary["photos"]
    return {"photos": photos, "wall_rate": photos / wall, "steady_rate": watch.steady_rate(),
            "rss": max(watch.rss.values()) if watch.rss else None, "cpu": watch.cpu_per_photo()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=2, help="names per shared photo (default 2: 50 photos)")
    parser.add_argument("--out", type=Path, help="also write the markdown report here")
    args = parser.parse_args()
    if not PHOTOS.is_dir():
        print(f"needs the shared photos in {PHOTOS}", file=sys.stderr)
        return 2

    from posture.io.model import prepare_model

    model_path = prepare_model()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        paths = make_folder(folder, args.copies)
        bare = bare_rate(paths, model_path)
        one = run(folder, model_path, workers=1)
        two = run(folder, model_path, workers=2)
        dask_result: dict[str, Any] | None = None
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            pass
        else:
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                    Client(cluster) as client:
                pids = list(client.run(os.getpid).values())
                dask_result = run(folder, model_path, dask=client, watch_pids=pids)
    load_end = os.getloadavg()

    def rate(result: dict[str, Any]) -> str:
        return f"{result['steady_rate']:.2f} | {result['wall_rate']:.2f}"

    def cpu(result: dict[str, Any]) -> str:
        return "–" if result["cpu"] is None else f"{1000 * result['cpu']:.0f}"

    rss = [r["rss"] for r in (one, two, dask_result) if r and r["rss"] is not None]
    lines = [
        "# posture batch throughput",
        "",
        f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load average (1/5/15 min) "
        f"{' / '.join(f'{v:.2f}' for v in load_start)} at start, {' / '.join(f'{v:.2f}' for v in load_end)} at end.",
        f"{one['photos']} photos (the {len(paths) // args.copies} shared photos under {args.copies} names each), "
        "analysed as `posture batch --fast` does (one landmark run per photo, like the bare script; the default "
        "adds two, bench/COVERAGE.md).",
        "",
        "| run | photos/s steady | photos/s whole run | vs bare | vs 1 worker | peak RSS per worker "
        "| worker CPU ms per photo |",
        "|---|---|---|---|---|---|---|",
        f"| bare load_image + detect, 1 process | {bare:.2f} | – | 1.00 | – | – | – |",
        f"| batch, 1 worker | {rate(one)} | {one['steady_rate'] / bare:.2f} | 1.00 | {one['rss'] or 0:.0f} MB "
        f"| {cpu(one)} |",
        f"| batch, 2 workers | {rate(two)} | {two['steady_rate'] / bare:.2f} | "
        f"{two['steady_rate'] / one['steady_rate']:.2f} | {two['rss'] or 0:.0f} MB | {cpu(two)} |",
    ]
    if dask_result is not None:
        lines.append(f"| Dask LocalCluster, 2 processes | {rate(dask_result)} | {dask_result['steady_rate'] / bare:.2f} | "
                     f"{dask_result['steady_rate'] / one['steady_rate']:.2f} | {dask_result['rss'] or 0:.0f} MB "
                     f"| {cpu(dask_result)} |")
    lines += [
        "",
        f"Targets: 1 worker >= 0.9x bare: {'met' if one['steady_rate'] >= 0.9 * bare else 'NOT met'}; "
        f"2 workers >= 1.8x 1 worker: {'met' if two['steady_rate'] >= 1.8 * one['steady_rate'] else 'NOT met'}; "
        f"peak RSS <= {RSS_TARGET_MB:.0f} MB: {'met' if rss and max(rss) <= RSS_TARGET_MB else 'NOT met'}.",
        "",
        "Steady: from the first photo finished to the last (worker start-up excluded); whole run: photos / wall time "
        "of run_batch, start-up of the workers included.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
