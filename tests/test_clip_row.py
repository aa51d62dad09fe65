"""A clip's row in the batch CSV: its frames and seconds, and its sway in the direction its view shows."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

from builders import SAMPLES
from clips import swaying_clip

from posture.analysis import CLIP_COLUMNS
from posture.cli.main import main
from posture.errors import ExitCode

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
    for part in ("head", "shoulders", "hips"):
        assert float(clip[f"sway_{part}_front_back_range"]) > float(clip[f"sway_{part}_front_back_rms"]) > 0
        assert 0.3 < float(clip[f"sway_{part}_front_back_frequency_hz"]) < 0.7
        assert clip[f"sway_{part}_side_to_side_range"] == ""  # a side view shows no side-to-side sway
