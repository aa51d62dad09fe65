"""Tests for posture.cli.main, the command line: every bad-input class gets one sentence on stderr and its exit code."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from builders import REPO
from PIL import Image

from posture.cli.main import main
from posture.errors import ExitCode
from posture.knowledge import registry


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_sentence(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("posture: ") and lines[0].endswith("."), err
    assert "Traceback" not in err


@pytest.fixture()
def blank_photo(tmp_path: Path) -> Path:
    path = tmp_path / "wall.png"
    Image.fromarray(np.full((480, 640, 3), 200, dtype=np.uint8)).save(path)
    return path


def _missing(tmp: Path) -> Path:
    return tmp / "absent.jpg"


def _directory(tmp: Path) -> Path:
    return tmp


def _empty(tmp: Path) -> Path:
    path = tmp / "empty.jpg"
    path.write_bytes(b"")
    return path


def _text(tmp: Path) -> Path:
    path = tmp / "notes.jpg"
    path.write_text("not a photo")
    return path


def _truncated(tmp: Path) -> Path:
    whole = tmp / "whole.jpg"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (400, 300, 3), dtype=np.uint8)).save(whole, quality=90)
    truncated = tmp / "truncated.jpg"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    return truncated


def _valid(tmp: Path) -> Path:
    path = tmp / "big.png"
    Image.new("RGB", (100, 100)).save(path)
    return path


@pytest.mark.parametrize(
    ("make", "extra", "fragment"),
    [
        (_missing, (), "absent.jpg"),
        (_directory, (), "director"),
        (_empty, (), "empty"),
        (_text, (), "notes.jpg"),
        (_truncated, (), "truncated.jpg"),
        (_valid, ("--max-pixels", "1000"), "pixels"),
    ],
    ids=["missing", "directory", "empty", "not-an-image", "truncated", "too-many-pixels"],
)
def test_bad_files_exit_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: Callable[[Path], Path],
    extra: tuple[str, ...], fragment: str, pose_model: Path,
) -> None:
    code, out, err = run(capsys, "analyze", str(make(tmp_path)), *extra)
    assert code == ExitCode.BAD_INPUT
    assert out == ""
    assert_one_sentence(err)
    assert fragment in err.lower()


def test_no_person_exits_4(capsys: pytest.CaptureFixture[str], blank_photo: Path, pose_model: Path) -> None:
    code, _, err = run(capsys, "analyze", str(blank_photo))
    assert code == ExitCode.NO_USABLE_PERSON
    assert_one_sentence(err)
    assert "No person" in err


@pytest.mark.parametrize(
    ("photo", "code", "fragment"),
    [
        ("no_person_stop_sign_01.jpg", ExitCode.NO_USABLE_PERSON, "No person"),
        ("two_people_walking_front_01.jpeg", ExitCode.NO_USABLE_PERSON, "Two people"),
        ("multi_four_women_standing_front_01.png", ExitCode.NO_USABLE_PERSON, "Two people"),
        # The man on the roof behind her is found only by the closer search beside the woman.
        ("side_sports2d_1.jpg", ExitCode.NO_USABLE_PERSON, "Two people"),
        ("side_sports2d_3.jpg", ExitCode.NO_USABLE_PERSON, "Two people"),
        ("cropped_waist_up_businesswoman_01.png", ExitCode.NO_USABLE_PERSON, "cut off"),
        ("cropped_legs_only_dogs_01.jpg", ExitCode.NO_USABLE_PERSON, "No person"),
        ("front_standing_woman_indoor_01.jpg", ExitCode.NO_USABLE_PERSON, "cut off"),
        ("dark_extreme_lowlight_people_01.png", ExitCode.NO_USABLE_PERSON, "dark"),
        ("small_person_plaza_01.jpg", ExitCode.NO_USABLE_PERSON, "too small"),
        ("sitting_woman_street_01.jpg", ExitCode.UNSUPPORTED_VIEW, "not standing"),
        ("front_treepose_woman_01.jpeg", ExitCode.UNSUPPORTED_VIEW, "not standing"),
        ("side34_walking_woman_01.jpg", ExitCode.UNSUPPORTED_VIEW, "turned part-way"),
        ("front34_standing_businessman_01.jpg", ExitCode.UNSUPPORTED_VIEW, "turned part-way"),
    ],
)
def test_quality_gate_on_real_photos(
    capsys: pytest.CaptureFixture[str], shared_photo: Callable[[str], Path], photo: str, code: ExitCode,
    fragment: str, pose_model: Path,
) -> None:
    """The refusals SOURCES.md leads one to expect, each with its reason."""
    result, out, err = run(capsys, "analyze", str(shared_photo(photo)))
    assert result == code
    assert out == ""
    assert_one_sentence(err)
    assert fragment in err


def test_json_end_to_end(capsys: pytest.CaptureFixture[str], shared_photo: Callable[[str], Path],
                         pose_model: Path) -> None:
    photo = shared_photo("side_bodytracker_1.jpg")
    code, out, err = run(capsys, "analyze", str(photo), "--json", "--height-cm", "180")
    assert code == ExitCode.OK, err
    document = json.loads(out)
    assert document["schema_version"] == "2.7"
    assert document["status"] == "ok" and document["problem"] is None
    assert document["image"] == {"path": str(photo), "name": photo.name, "width": 628, "height": 628}
    assert document["body"]["height_cm"] == 180.0
    assert document["view"] == "side-right"
    side_ids = [d.id for d in registry.for_view("side")]
    measured = list(document["measurements"])
    assert measured == [i for i in side_ids if i in measured]  # in the registry's order
    assert {"head_forward_angle", "trunk_lean", "foot_hip_offset", "knee_angle"} <= set(measured)
    for entry in document["measurements"].values():
        assert {"value", "unit", "method", "uncertainty", "landmarks", "proxy"} <= set(entry)
    assert document["measurements"]["foot_hip_offset"]["unit"] == "cm"
    assert document["measurements"]["head_forward_angle"]["proxy"] is True
    assert len(document["landmarks"]) == 33 and all(len(row) == 3 for row in document["landmarks"])
    assert document["findings"], "a side view always has findings or balanced alignment"
    not_measured = {n["id"] for n in document["not_measured"]}
    assert "hip_height_asymmetry" in not_measured  # a side photo cannot show it
    assert ("pelvic_tilt" in not_measured) != ("pelvic_tilt" in document["measurements"])
    assert {c["id"] for c in document["caveats"]} >= {"not_a_diagnosis", "see_a_professional"}
    assert isinstance(document["warnings"], list)


def test_terminal_report_and_annotation(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                        shared_photo: Callable[[str], Path], pose_model: Path) -> None:
    photo = shared_photo("side_bodytracker_1.jpg")
    before = photo.read_bytes()
    annotated = tmp_path / "annotated.png"
    code, out, err = run(capsys, "analyze", str(photo), "--annotate", str(annotated))
    assert code == ExitCode.OK, err
    assert "head_forward_angle" in out and "Not measured" in out and "Please note" in out
    assert "Hip-height asymmetry was not measured" in out
    with Image.open(annotated) as image:
        assert image.format == "PNG"
        assert image.width > image.height >= 600  # the photo cropped to the person, the numbers beside it
        assert not image.getexif() and "exif" not in image.info
    assert photo.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["annotated.png"]  # no temporary file left behind


def test_annotate_refuses_to_overwrite_the_photo(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                shared_photo: Callable[[str], Path], pose_model: Path) -> None:
    photo = tmp_path / "client.png"
    Image.open(shared_photo("side_bodytracker_1.jpg")).save(photo)
    before = photo.read_bytes()
    code, _, err = run(capsys, "analyze", str(photo), "--annotate", str(photo))
    assert code == ExitCode.OUTPUT
    assert_one_sentence(err)
    assert photo.read_bytes() == before


def test_bad_model_path_exits_6(capsys: pytest.CaptureFixture[str], blank_photo: Path, tmp_path: Path) -> None:
    code, _, err = run(capsys, "analyze", str(blank_photo), "--model", str(tmp_path / "missing.task"))
    assert code == ExitCode.MODEL
    assert_one_sentence(err)


def test_help_documents_exit_codes_and_measurements(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "--help"]) == 0
    out = capsys.readouterr().out
    for code in ExitCode:
        assert f"  {int(code)}  " in out
    for definition in registry.DEFINITIONS:
        assert definition.id in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    import posture

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"posture {posture.__version__}\n"


@pytest.mark.parametrize(("option", "value"), [("--height-cm", "abc"), ("--height-cm", "17"),
                                               ("--max-pixels", "lots"), ("--max-pixels", "-5")])
def test_a_bad_option_value_names_the_option_typed(capsys: pytest.CaptureFixture[str], blank_photo: Path,
                                                   option: str, value: str) -> None:
    assert main(["analyze", str(blank_photo), option, value]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert f"argument {option}: {value!r}" in err
    assert "_height" not in err and "_positive_int" not in err and "invalid" not in err


def test_console_script_prints_only_its_sentence(tmp_path: Path, pose_model: Path) -> None:
    """In a real process MediaPipe's native log lines must not reach the user."""
    path = tmp_path / "wall.png"
    Image.fromarray(np.full((480, 640, 3), 200, dtype=np.uint8)).save(path)
    environment = {k: v for k, v in os.environ.items() if k != "POSTURE_DEBUG"}
    completed = subprocess.run([sys.executable, "-m", "posture", "analyze", str(path)], capture_output=True,
                               text=True, env=environment, cwd=REPO, check=False)
    assert completed.returncode == ExitCode.NO_USABLE_PERSON
    assert completed.stdout == ""
    assert_one_sentence(completed.stderr)


def test_annotate_must_be_a_png_name(capsys: pytest.CaptureFixture[str], blank_photo: Path, tmp_path: Path) -> None:
    assert main(["analyze", str(blank_photo), "--annotate", str(tmp_path / "out.jpg")]) == ExitCode.USAGE
    assert "must be a .png file" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a device that is always full (Linux)")
def test_a_full_disk_on_stdout_is_an_output_error(tmp_path: Path, pose_model: Path) -> None:
    sample = REPO / "samples" / "side-left_neutral.png"
    with open("/dev/full", "w") as full:
        completed = subprocess.run([sys.executable, "-m", "posture", "analyze", str(sample), "--json"],
                                   stdout=full, stderr=subprocess.PIPE, text=True, cwd=REPO, check=False)
    assert completed.returncode == ExitCode.OUTPUT
    assert_one_sentence(completed.stderr)


def test_a_model_other_than_the_calibrated_one_is_mentioned(monkeypatch: pytest.MonkeyPatch,
                                                           pose_model: Path) -> None:
    from posture import analyzer as front_door

    sample = REPO / "samples" / "side-left_neutral.png"
    monkeypatch.setattr(front_door, "sha256_of", lambda path: "a different model")
    with front_door.Analyzer(pose_model) as other:
        assert other.model.calibrated is False
        analysis = other.analyze(sample)
    assert analysis.provenance.model.sha256 == "a different model"
    assert any("--from-wheel" in warning for warning in analysis.warnings)
    monkeypatch.undo()
    with front_door.Analyzer(pose_model) as calibrated:
        assert calibrated.model.calibrated is True
        assert not any("--from-wheel" in w for w in calibrated.analyze(sample).warnings)


def test_the_readme_example_runs(pose_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python example in the README is a doctest: it must keep working as written."""
    import doctest

    monkeypatch.chdir(REPO)
    failures, attempted = doctest.testfile(str(REPO / "README.md"), module_relative=False, verbose=False,
                                           optionflags=doctest.ELLIPSIS)
    assert attempted >= 4
    assert failures == 0


def test_importing_posture_and_its_command_loads_no_heavy_module() -> None:
    """`import posture` and `posture --help` stay instant: numpy, OpenCV, Pillow and MediaPipe load on use."""
    code = ("import sys, posture, posture.cli.main; posture.cli.main.build_parser(); "
            "print(sorted(m for m in ('numpy', 'cv2', 'PIL', 'mediapipe', 'rich', 'subprocess') if m in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert completed.stdout.strip() == "[]"


SIDE_SAMPLE = REPO / "samples" / "side-left_neutral.png"
FRONT_SAMPLE = REPO / "samples" / "front_neutral.png"


def test_several_photos_make_one_report(capsys: pytest.CaptureFixture[str], pose_model: Path) -> None:
    code, out, err = run(capsys, "analyze", str(SIDE_SAMPLE), str(FRONT_SAMPLE), "--height-cm", "170")
    assert code == ExitCode.OK, err
    assert err == ""
    assert "side-left_neutral.png: side-left view" in out and "front_neutral.png: front view" in out
    assert out.count("Please note") == 1  # the cautions are said once, not per photo
    # The side photo cannot show hip height, but the front photo measures it: not listed as missing.
    assert "shoulder_height_difference" in out and "trunk_lean" in out and "hip_height_difference" in out
    assert "Hip-height asymmetry was not measured" not in out


def test_several_photos_as_json(capsys: pytest.CaptureFixture[str], pose_model: Path) -> None:
    code, out, _ = run(capsys, "analyze", str(SIDE_SAMPLE), str(FRONT_SAMPLE), "--json")
    assert code == ExitCode.OK
    document = json.loads(out)
    assert [photo["view"] for photo in document["photos"]] == ["side-left", "front"]
    measured = {m for photo in document["photos"] for m in photo["measurements"]}
    if "hip_height_difference" in measured:
        assert "hip_height_asymmetry" not in document["not_measured_in_any"]
    else:
        assert "hip_height_asymmetry" in document["not_measured_in_any"]


def test_a_bad_photo_among_several_is_reported_and_the_rest_analysed(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, pose_model: Path) -> None:
    code, out, err = run(capsys, "analyze", str(SIDE_SAMPLE), str(tmp_path / "absent.jpg"))
    assert code == ExitCode.BAD_INPUT
    assert_one_sentence(err)
    assert "absent.jpg" in err
    assert "side-left_neutral.png: side-left view" in out


def test_annotate_takes_one_photo(capsys: pytest.CaptureFixture[str], tmp_path: Path, pose_model: Path) -> None:
    code, out, err = run(capsys, "analyze", str(SIDE_SAMPLE), str(FRONT_SAMPLE), "--annotate",
                         str(tmp_path / "a.png"))
    assert code == ExitCode.USAGE
    assert_one_sentence(err)
    assert "--annotate" in err and out == ""
    assert not (tmp_path / "a.png").exists()


def test_every_bad_photo_among_several_gets_its_sentence(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                         pose_model: Path) -> None:
    code, _, err = run(capsys, "analyze", str(tmp_path / "one.jpg"), str(tmp_path / "two.jpg"))
    assert code == ExitCode.BAD_INPUT
    lines = err.strip().splitlines()
    assert len(lines) == 2 and "one.jpg" in lines[0] and "two.jpg" in lines[1]


def test_the_same_photo_twice_counts_once_with_a_warning(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                         pose_model: Path) -> None:
    copy = tmp_path / "copy.png"
    copy.write_bytes(SIDE_SAMPLE.read_bytes())
    code, out, err = run(capsys, "analyze", str(SIDE_SAMPLE), str(copy), "--json")
    assert code == ExitCode.OK and err == ""
    document = json.loads(out)
    assert document["combined"] == []  # one distinct photo: nothing to combine
    warning = "'copy.png' is the same photo as 'side-left_neutral.png' (identical files); it was counted once."
    assert warning in document["photos"][0]["warnings"]
    code, out, err = run(capsys, "analyze", str(SIDE_SAMPLE), str(copy))
    assert code == ExitCode.OK and err == ""
    assert "photos combined" not in out and "'copy.png' is the same photo" in out


def test_a_refused_photo_gets_an_html_report_saying_why(capsys: pytest.CaptureFixture[str], blank_photo: Path,
                                                         tmp_path: Path, pose_model: Path) -> None:
    report = tmp_path / "report.html"
    code, out, err = run(capsys, "analyze", str(blank_photo), "--html", str(report))
    assert code == ExitCode.NO_USABLE_PERSON
    assert_one_sentence(err)
    assert out == ""
    page = report.read_text(encoding="utf-8")
    reason = err.strip().removeprefix("posture: ")
    assert 'id="refused"' in page and html.escape(reason, quote=False) in page


def _name_not_utf8(folder: Path) -> Path:
    """A copy of a sample photo under the bytes name ``photo\\xff.png``, which is not valid UTF-8."""
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), b"photo\xff.png")))
    path.write_bytes(sorted((REPO / "samples").glob("*.png"))[0].read_bytes())
    return path


def test_a_name_not_utf8_gets_an_html_report_naming_it_with_xnn(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                                pose_model: Path) -> None:
    photo = _name_not_utf8(tmp_path)
    report = tmp_path / "report.html"
    code, _, err = run(capsys, "analyze", str(photo), "--html", str(report))
    assert code == ExitCode.OK, err
    assert "photo\\xff.png" in report.read_bytes().decode("utf-8")


def test_a_name_not_utf8_gives_utf8_json_naming_it_with_xnn(tmp_path: Path, pose_model: Path) -> None:
    photo = _name_not_utf8(tmp_path)
    completed = subprocess.run([sys.executable, "-m", "posture", "analyze", os.fsencode(photo), "--json"],
                               capture_output=True, cwd=REPO, check=False)
    assert completed.returncode == ExitCode.OK, completed.stderr
    document = json.loads(completed.stdout.decode("utf-8"))
    assert document["image"]["name"] == "photo\\xff.png"
    assert document["image"]["path"].endswith("/photo\\xff.png")
