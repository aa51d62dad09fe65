"""A clip's row in the batch CSV: its frames and seconds, and its sway in the direction its view shows."""

from __future__ import annotations

import csv
import dataclasses
import math
import shutil
from pathlib import Path

from builders import SAMPLES
from clips import swaying_clip

from posture.analysis import CLIP_COLUMNS, WALK_COLUMNS, ClipSummary, to_row
from posture.analyzer import Analyzer
from posture.cli.main import main
from posture.errors import ExitCode
from posture.stages.gait import Symmetry, Walk

PHOTO = SAMPLES / "side-left_neutral.png"


def test_the_batch_csv_has_a_clips_sway_and_empty_clip_cells_for_a_photo(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    swaying_clip(folder / "standing.mp4", PHOTO, seconds=3.0, rate=10.0,
                 shift=lambda t: 6.0 * math.sin(math.pi * t))
    shutil.copy(PHOTO, folder / "photo.png")
    assert main(["batch", str(folder), "-o", str(tmp_path / "out"), "--height-cm", "170"]) == ExitCode.OK
    with (tmp_path / "out" / "results.csv").open(encoding="utf-8") as stream:
        rows = {row["name"]: row for row in csv.DictReader(stream)}
    clip, photo = rows["standing.mp4"], rows["photo.png"]
    assert all(photo[column] == "" for column in CLIP_COLUMNS)
    assert int(clip["clip_frames_used"]) >= 20 and float(clip["clip_seconds_used"]) >= 2.5
    assert int(clip["clip_frames_read"]) == 24
    assert clip["sway_unit"] == "cm"
    for part in ("head", "shoulders", "hips", "body_centre"):
        assert float(clip[f"sway_{part}_front_back_range"]) > float(clip[f"sway_{part}_front_back_rms"]) > 0
        assert 0.3 < float(clip[f"sway_{part}_front_back_frequency_hz"]) < 0.7
        assert clip[f"sway_{part}_side_to_side_range"] == ""  # a side view shows no side-to-side sway


def test_a_walks_row_holds_its_steps_and_each_comparison(tmp_path: Path) -> None:
    # A photo's analysis carrying a walk: the row's walk columns are the walk's, named as the JSON's fields.
    with Analyzer() as analyzer:
        photo = analyzer.analyze(PHOTO)
    walk = Walk(start_s=0.5, end_s=3.2, steps=6, cadence=109.0, trunk_sway=3.25, sway_unit="deg",
                symmetries=(Symmetry("step time", 0.58, 0.52, 10.91, 2.5, 3, "s"),
                            Symmetry("step length", 62.0, 70.0, -12.12, 30.0, 2, "cm")))
    summary = ClipSummary(duration_s=3.6, frames_read=108, frames_used=0, start_s=0.5, end_s=3.2, walk=walk)
    row = to_row(dataclasses.replace(photo, clip=summary))
    assert set(WALK_COLUMNS) <= set(row)
    assert row["walk_steps"] == 6 and row["walk_cadence_per_min"] == 109.0 and row["walk_trunk_sway_deg"] == 3.25
    assert (row["walk_step_time_left"], row["walk_step_time_right"]) == (0.58, 0.52)
    assert row["walk_step_time_index_percent"] == 10.91 and row["walk_step_time_one_sided"] is True
    assert row["walk_step_length_interval_percent"] == 30.0 and row["walk_step_length_one_sided"] is False
    assert row["walk_length_unit"] == "cm"
    assert row["walk_stance_time_left"] is None and row["walk_arm_swing_index_percent"] is None
    assert all(to_row(photo)[column] is None for column in WALK_COLUMNS)
