"""Tests for posture.clip through Analyzer.analyze_clip and the command line: small clips the tests encode."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from builders import SAMPLES
from clips import swaying_clip, write_clip
from walks import walking

import posture.analyzer
from posture.analyzer import Analyzer
from posture.clip import with_walk_finding
from posture.cli.main import main
from posture.errors import ExitCode
from posture.knowledge.explanations import load_knowledge_base
from posture.render.html import render_analysis_html
from posture.render.json import analysis_to_dict
from posture.stages.findings import Finding
from posture.stages.gait import Symmetry, Walk
from posture.stages.gate import TWO_PEOPLE

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
    for part in ("hips", "body centre"):
        reading = next(r for r in clip.sway if r.part == part)
        assert reading.direction == "front-back"
        assert reading.range == pytest.approx(travel, abs=0.4 * travel)
        assert reading.frequency_hz == pytest.approx(0.5, abs=0.15)


def test_a_levelled_clip_takes_the_levelled_re_take_factors_and_an_unlevelled_one_the_others(
        analyzer: Analyzer, still_clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from posture import combine

    monkeypatch.setattr(combine, "UNLEVELLED_CLIP_FACTORS", {"trunk_lean": 3.0})
    monkeypatch.setattr(combine, "LEVELLED_CLIP_FACTORS", {})
    unlevelled = analyzer.analyze_clip(still_clip)
    levelled = analyzer.analyze_clip(still_clip, roll=0.0)  # a roll the user gives levels the clip
    assert unlevelled.frame is not None and not unlevelled.frame.levelling.applied
    assert levelled.frame is not None and levelled.frame.levelling.source == "user"
    for measurement in unlevelled.measurements:
        twin = levelled.measurement(measurement.id)
        assert twin is not None and twin.uncertainty is not None and measurement.uncertainty is not None
        expected = 3.0 if measurement.id == "trunk_lean" else 1.0
        assert measurement.uncertainty == pytest.approx(expected * twin.uncertainty, rel=1e-6)


def test_the_cli_reads_a_clip_and_its_json_says_how_many_frames(
        still_clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(still_clip), "--json"]) == ExitCode.OK
    document = json.loads(capsys.readouterr().out)
    assert document["status"] == "ok"
    assert document["clip"]["frames_used"] >= 20
    assert {entry["part"] for entry in document["clip"]["sway"]} == {"head", "shoulders", "hips", "body centre"}
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


class WalkingHeels:
    """Stands in for the video-mode landmarker that follows a walk: the tracks of a constructed walk, by time."""

    def __init__(self, times: np.ndarray, xy: np.ndarray) -> None:
        self.times, self.xy = times, xy

    def __enter__(self) -> WalkingHeels:
        return self

    def __exit__(self, *error: object) -> None:
        return None

    def detect(self, image: object, timestamp_ms: int) -> tuple[object, ...]:
        index = int(np.argmin(np.abs(self.times - timestamp_ms / 1000.0)))
        return (type("Found", (), {"xy": self.xy[index]})(),)


def test_a_clip_of_walking_is_read_as_a_walk_with_its_left_and_right_steps(
        analyzer: Analyzer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The picture glides past (no still stretch); the landmarker that follows every frame sees heels walking with
    # a left step 0.66 s long and a right one 0.54 s: +20%.
    clip = swaying_clip(tmp_path / "walking.mp4", PHOTO, seconds=4.0, rate=30.0, shift=lambda t: -90 + 45 * t)
    times, xy, _ = walking({"left": 0.66, "right": 0.54}, {"left": 0.4, "right": 0.4}, seconds=4.0, facing=-1)
    real = posture.analyzer.PoseDetector
    made: list[object] = []

    def detectors(*args: object, **options: object) -> object:
        made.append(None)
        return WalkingHeels(times, xy) if len(made) == 2 else real(*args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(posture.analyzer, "PoseDetector", detectors)
    analysis = analyzer.analyze_clip(clip, height_cm=170.0)
    assert analysis.ok, analysis.problem
    walk = analysis.clip.walk  # type: ignore[union-attr]
    assert walk is not None and analysis.warnings[0].startswith(f"A walk: {walk.steps} steps")
    step_time = next(s for s in walk.symmetries if s.quantity == "step time")
    assert step_time.index == pytest.approx(20.0, abs=2.0)
    assert step_time.one_sided
    ids = [finding.id for finding in analysis.findings]
    assert "uneven_walk" in ids and "balanced_alignment" not in ids
    assert step_time.sentence.startswith(f"Step time: the left's is {step_time.index:.1f} ± ")
    page = render_analysis_html(analysis)
    assert "Walk: " in page and step_time.sentence.replace("'", "&#39;") in page
    document = analysis_to_dict(analysis)
    assert document["clip"]["walk"]["symmetries"][0]["one_sided"] is True


def test_an_even_walk_keeps_the_frames_findings_and_adds_none() -> None:
    even = Walk(start_s=0.5, end_s=3.0, steps=6, cadence=110.0, trunk_sway=3.0, sway_unit="deg",
                symmetries=(Symmetry("step time", 0.55, 0.55, 0.0, 1.0, 3, "s"),))
    uneven = dataclasses.replace(even, symmetries=(Symmetry("step time", 0.58, 0.52, 10.9, 2.0, 3, "s"),))
    knowledge = load_knowledge_base()
    balanced = Finding(id="balanced_alignment", title="", summary="", explanation="", article_sections=())
    assert with_walk_finding((balanced,), even, knowledge) == (balanced,)
    found = with_walk_finding((balanced,), uneven, knowledge)
    assert [f.id for f in found] == ["uneven_walk"] and found[0].title == knowledge.walk.title


def test_a_clip_whose_tracker_follows_one_of_two_people_is_refused_for_the_second(analyzer: Analyzer,
                                                                                 tmp_path: Path) -> None:
    # A profile beside a front view at 0.9 of its size: the landmarker follows the front view alone, and only the
    # closer search of the frame that stands for the clip finds the profile.
    profile = np.asarray(Image.open(SAMPLES / "side-left_neutral.png").convert("RGB"))
    front = np.asarray(Image.open(SAMPLES / "front_neutral.png").convert("RGB").resize((648, 1152)))
    rows, columns = profile.shape[:2]
    canvas = np.empty((rows, 2 * columns, 3), dtype=np.uint8)
    canvas[:] = profile[5, 5]
    canvas[:, columns:] = profile
    canvas[rows - front.shape[0]:, :front.shape[1]] = front
    picture = np.asarray(Image.fromarray(canvas).resize((720, 640)))
    clip = write_clip(tmp_path / "two.mp4", [picture] * 30, [i / 10 for i in range(30)])
    analysis = analyzer.analyze_clip(clip)
    assert analysis.status == "refused"
    assert analysis.problem == TWO_PEOPLE
