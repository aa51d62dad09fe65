"""Tests for posture.clip through Analyzer.analyze_clip and the command line: small clips the tests encode."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from builders import SAMPLES
from clips import swaying_clip, write_clip

from posture.analyzer import Analyzer
from posture.cli.main import main
from posture.errors import ExitCode

PHOTO = SAMPLES / "side-left_neutral.png"
SWAY_PX = 6.0
"""Half the side-to-side travel of the picture, in pixels of the 360x640 clip."""


@pytest.fixture(scope="module")
def still_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    return swaying_clip(folder / "standing.mp4", PHOTO, seconds=3.0, rate=10.0,
                        shift=lambda t: SWAY_PX * math.sin(2 * math.pi * 0.5 * t))


def test_a_clip_of_quiet_standing_gives_one_reading_with_its_frames_and_sway(
        analyzer: Analyzer, still_clip: Path) -> None:
    analysis = analyzer.analyze_clip(still_clip)
    photo = analyzer.analyze(PHOTO, uncertainty=False)
    assert analysis.ok and analysis.view == photo.view
    clip = analysis.clip
    assert clip is not None
    assert clip.frames_read == 24  # 3 s read at 8 frames a second
    assert clip.frames_used >= 20 and clip.seconds_used >= 2.5
    assert f"Combined from {clip.frames_used} frames over {clip.seconds_used:.1f} s" in analysis.warnings[0]
    for measurement in analysis.measurements:
        single = photo.measurement(measurement.id)
        assert single is not None
        assert measurement.uncertainty is not None
        assert measurement.value == pytest.approx(single.value, abs=max(1.5, 2 * measurement.uncertainty))
    frame = analysis.frame
    assert frame is not None
    # The clip is 360 px wide, the photo 720: the picture's travel as % of the body's height in the clip.
    travel = 100 * 2 * SWAY_PX / (frame.body_height_px)
    hips = next(r for r in clip.sway if r.part == "hips")
    assert hips.direction == "front-back"
    assert hips.range == pytest.approx(travel, abs=0.4 * travel)
    assert hips.frequency_hz == pytest.approx(0.5, abs=0.15)


def test_the_cli_reads_a_clip_and_its_json_says_how_many_frames(
        still_clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(still_clip), "--json"]) == ExitCode.OK
    document = json.loads(capsys.readouterr().out)
    assert document["status"] == "ok"
    assert document["clip"]["frames_used"] >= 20
    assert {entry["part"] for entry in document["clip"]["sway"]} == {"head", "shoulders", "hips"}
    assert "No published typical range" in document["clip"]["sway_note"]


def test_a_clip_with_no_person_is_refused_with_exit_code_4(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blank = np.full((640, 360, 3), 200, dtype=np.uint8)
    clip = write_clip(tmp_path / "empty.mp4", [blank] * 10, [i / 5 for i in range(10)])
    assert main(["analyze", str(clip)]) == ExitCode.NO_USABLE_PERSON
    message = capsys.readouterr().err.strip()
    assert "no standing person" in message.lower() and message.count("\n") == 0


def test_a_clip_of_a_person_walking_past_is_refused_for_no_still_stretch(analyzer: Analyzer,
                                                                        tmp_path: Path) -> None:
    clip = swaying_clip(tmp_path / "passing.mp4", PHOTO, seconds=3.0, rate=10.0, shift=lambda t: -90 + 60 * t)
    analysis = analyzer.analyze_clip(clip)
    assert not analysis.ok
    assert analysis.problem is not None and "does not stand still" in analysis.problem
    assert analysis.error() is not None and analysis.error().exit_code == ExitCode.NO_USABLE_PERSON  # type: ignore[union-attr]


def test_the_analyzer_reads_a_clip_given_to_analyze_as_a_clip(analyzer: Analyzer, still_clip: Path) -> None:
    analysis = analyzer.analyze(still_clip, uncertainty=False)
    assert analysis.ok and analysis.clip is not None
    assert analysis.provenance.input_format == "H264 video"
    with pytest.raises(ValueError, match="not video clips"):
        analyzer.analyze(still_clip, markers="green")


def test_compare_takes_a_clip_beside_a_photo(still_clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(PHOTO), str(still_clip)]) == ExitCode.OK
    assert f"{PHOTO.name} → {still_clip.name}" in capsys.readouterr().out


def test_the_frames_reading_is_moved_as_far_as_reading_with_copies_moves_a_frame() -> None:
    from posture.clip import FrameReading, moved_as_with_copies
    from posture.core.measurement import Measurement

    def reading(alone: float, copied: float | None) -> FrameReading:
        def angle(value: float) -> Measurement:
            return Measurement(id="trunk_lean", value=value, unit="deg", method="test", landmarks=(),
                               components=(("part", value / 2),))
        return FrameReading(time_s=0.0, ok=True, view="side", xy=np.zeros((33, 2)), body_height_px=100.0,
                            measurements=(angle(alone),), with_copies=() if copied is None else (angle(copied),))

    combined = Measurement(id="trunk_lean", value=5.0, unit="deg", method="test", landmarks=(),
                           components=(("part", 2.5),))
    moved = moved_as_with_copies(combined, [reading(4.0, 5.0), reading(6.0, None), reading(5.0, 7.0)])
    assert moved.value == pytest.approx(6.5)
    assert dict(moved.components)["part"] == pytest.approx(3.25)
    assert moved_as_with_copies(combined, [reading(4.0, None)]) == combined
