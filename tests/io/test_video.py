"""Tests for posture.io.video: clips encoded by the tests, read upright, at their true times, or refused."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from builders import SAMPLES
from clips import sample_frame, write_clip

from posture.cli.main import main
from posture.errors import ExitCode, InputError
from posture.io.video import MAX_FRAME_PIXELS, is_clip, open_clip, read_frames

PHOTO = SAMPLES / "side-left_neutral.png"


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


@pytest.mark.parametrize("rotation", [90, -90, 180])
def test_a_portrait_hevc_clip_with_a_rotation_matrix_is_read_upright(tmp_path: Path, rotation: int) -> None:
    upright = sample_frame(PHOTO, (144, 256))
    clip = write_clip(tmp_path / "portrait.mov", [upright] * 3, [0.0, 0.033, 0.066], codec="libx265",
                      rotation=rotation)
    info = open_clip(clip)
    assert (info.width, info.height) == (144, 256)
    assert info.format == "HEVC video"
    frames = list(read_frames(info))
    assert len(frames) == 3
    picture = frames[0].image.rgb
    assert picture.shape == (256, 144, 3)
    # Compression leaves a few levels of difference; any other turn of the picture leaves far more.
    assert _difference(picture, upright) < 4
    assert _difference(picture, np.rot90(np.rot90(upright))) > 15


def test_variable_frame_rate_times_are_the_frames_own(tmp_path: Path) -> None:
    picture = sample_frame(PHOTO, (144, 256))
    times = [0.0, 0.02, 0.1, 0.45, 0.5, 1.3]
    info = open_clip(write_clip(tmp_path / "vfr.mp4", [picture] * len(times), times))
    assert [round(f.time_s, 3) for f in read_frames(info)] == times


def test_frames_are_read_at_most_as_often_as_asked_and_from_a_start(tmp_path: Path) -> None:
    picture = sample_frame(PHOTO, (144, 256))
    times = [i / 30 for i in range(60)]
    info = open_clip(write_clip(tmp_path / "thirty.mp4", [picture] * len(times), times))
    kept = [f.time_s for f in read_frames(info, every_s=0.25)]
    assert len(kept) == 8
    assert min(np.diff(kept)) >= 0.2 - 1e-6
    assert len(list(read_frames(info, every_s=0.01))) == 60
    assert [f.time_s for f in read_frames(info, start_s=1.5)][0] == pytest.approx(1.5, abs=1e-3)


def test_frames_are_reduced_to_the_working_size(tmp_path: Path) -> None:
    picture = sample_frame(PHOTO, (720, 1280))
    info = open_clip(write_clip(tmp_path / "large.mp4", [picture], [0.0]))
    frame = next(read_frames(info, working_long_side=320))
    assert frame.image.rgb.shape == (320, 180, 3)
    assert frame.image.scale == pytest.approx(0.25)
    assert (frame.image.width, frame.image.height) == (720, 1280)


def test_a_clip_is_recognised_by_its_content_not_its_name(tmp_path: Path) -> None:
    picture = sample_frame(PHOTO, (144, 256))
    clip = write_clip(tmp_path / "clip.mp4", [picture], [0.0])
    unnamed = tmp_path / "no-suffix"
    unnamed.write_bytes(clip.read_bytes())
    assert is_clip(clip) and is_clip(unnamed)
    assert not is_clip(PHOTO)
    heic_like = tmp_path / "photo.mp4"
    heic_like.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
    assert not is_clip(heic_like)


def test_a_truncated_clip_is_refused_with_one_sentence_and_exit_code_3(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    picture = sample_frame(PHOTO, (144, 256))
    whole = write_clip(tmp_path / "whole.mp4", [picture] * 10, [i / 30 for i in range(10)])
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(InputError, match=r"cut\.mp4 is truncated or damaged"):
        open_clip(cut)
    assert main(["analyze", str(cut)]) == ExitCode.BAD_INPUT
    message = capsys.readouterr().err.strip()
    assert message.count("\n") == 0 and "truncated or damaged" in message


def test_a_file_without_a_video_stream_is_refused(tmp_path: Path) -> None:
    import av

    path = tmp_path / "sound.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), dtype=np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with pytest.raises(InputError, match="holds no video stream"):
        open_clip(path)


def test_8k_frames_are_refused_by_the_pixel_limit_before_decoding(tmp_path: Path) -> None:
    flat = np.full((4320, 7680, 3), 128, dtype=np.uint8)
    clip = write_clip(tmp_path / "8k.mp4", [flat], [0.0])
    assert 7680 * 4320 > MAX_FRAME_PIXELS
    with pytest.raises(InputError, match=r"7680x4320 = 33,177,600 pixels, more than the limit"):
        open_clip(clip)
    small = write_clip(tmp_path / "small.mp4", [flat[:256, :144]], [0.0])
    with pytest.raises(InputError, match="more than the limit of 10,000"):
        open_clip(small, max_pixels=10_000)
    assert math.isclose(open_clip(small).width, 144)
