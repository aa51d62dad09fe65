"""Tests for posture.io.model: a reproducible, verified pose model bundle."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from builders import SHARED

from posture.errors import ModelError
from posture.io import model

POSE_PHOTO = SHARED / "photos" / "front_warrior2_yoga_man_mediapipe_pose.jpg"
POSE_EXPECTED = SHARED / "photos" / "mediapipe_pose_test_expected.txt"


@pytest.fixture(scope="module")
def model_path() -> Path:
    """Return the default model: at once when present, else prepared (network)."""
    return model.prepare_model()


@pytest.fixture(scope="module")
def built_bundle(model_path: Path) -> bytes:
    """Return a bundle built from the wheel: the default model, or built now (PyPI)."""
    data = model_path.read_bytes()
    if hashlib.sha256(data).hexdigest() == model.BUILT_BUNDLE_SHA256:
        return data
    return model._build_from_wheel()  # the official download won: build to compare


def _write_bundle(
    path: Path, entries: dict[str, bytes], compression: int = zipfile.ZIP_STORED
) -> Path:
    with zipfile.ZipFile(path, "w", compression) as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
    return path


def test_default_model_matches_its_sidecar(model_path: Path) -> None:
    sidecar = model_path.with_name(model_path.name + ".sha256")
    assert sidecar.read_text(encoding="ascii").split() == [
        model.sha256_of(model_path),
        model.DEFAULT_MODEL_NAME,
    ]
    assert model.check_model_file(model_path) == model_path


def test_built_bundle_has_the_recorded_sha256(built_bundle: bytes) -> None:
    assert hashlib.sha256(built_bundle).hexdigest() == model.BUILT_BUNDLE_SHA256


def test_build_bundle_is_deterministic(built_bundle: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(built_bundle)) as bundle:
        infos = bundle.infolist()
        networks = [bundle.read(name) for name in model.BUNDLE_ENTRIES]
    assert [info.filename for info in infos] == list(model.BUNDLE_ENTRIES)
    assert {info.compress_type for info in infos} == {zipfile.ZIP_STORED}
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    # Adding the metadata replaces the entry it added before, so rebuilding
    # from the bundle's own networks must give the bundle back, byte for byte.
    assert model.build_bundle(*networks) == built_bundle
    assert model.build_bundle(*networks) == built_bundle


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"the shared material {SHARED} is not present")
def test_built_bundle_meets_mediapipes_own_expectations(
    built_bundle: bytes, tmp_path: Path
) -> None:
    """MediaPipe's pose test: every landmark of pose.jpg within 15 px of the expected pixel."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python.vision import (
        PoseLandmarker,
        PoseLandmarkerOptions,
        RunningMode,
    )

    path = tmp_path / model.DEFAULT_MODEL_NAME
    path.write_bytes(built_bundle)
    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(path)),
        running_mode=RunningMode.IMAGE,
        num_poses=2,
        output_segmentation_masks=True,
    )
    image = mp.Image.create_from_file(str(POSE_PHOTO))
    with PoseLandmarker.create_from_options(options) as landmarker:
        result = landmarker.detect(image)

    rows = [line.split() for line in POSE_EXPECTED.read_text(encoding="utf-8").splitlines()]
    expected = np.array([[float(r[1]), float(r[2])] for r in rows if r and r[0].isdigit()])
    assert len(result.pose_landmarks) == 1
    assert result.segmentation_masks[0].numpy_view().shape[:2] == (image.height, image.width)
    found = np.array([[p.x * image.width, p.y * image.height] for p in result.pose_landmarks[0]])
    errors = np.linalg.norm(found - expected, axis=1)
    assert errors.shape == (33,)
    assert errors.max() < 15.0, f"landmark {errors.argmax()} is {errors.max():.1f} px off"


def test_verified_model_is_returned_without_fetching(
    built_bundle: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model, "_download_official", lambda: pytest.fail("downloaded"))
    monkeypatch.setattr(model, "_build_from_wheel", lambda: pytest.fail("built"))
    # Without a sidecar, the built bundle's recorded sha256 applies.
    (tmp_path / model.DEFAULT_MODEL_NAME).write_bytes(built_bundle)
    assert model.prepare_model(tmp_path) == tmp_path / model.DEFAULT_MODEL_NAME


def test_sidecar_mismatch_makes_prepare_model_rebuild(
    built_bundle: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / model.DEFAULT_MODEL_NAME
    path.write_bytes(built_bundle[: len(built_bundle) // 2])
    path.with_name(path.name + ".sha256").write_text(f"{model.BUILT_BUNDLE_SHA256}  x\n")
    monkeypatch.setattr(model, "_download_official", lambda: (None, "failed (offline)"))
    monkeypatch.setattr(model, "_build_from_wheel", lambda: built_bundle)
    messages: list[str] = []

    assert model.prepare_model(tmp_path, notify=messages.append) == path
    assert path.read_bytes() == built_bundle
    assert "does not match its recorded sha256" in messages[0]
    assert any("failed (offline); building the same networks from the mediapipe 0.10.21 wheel" in m for m in messages)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, path.name + ".sha256"]


def test_official_download_is_checked_and_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    official = _write_bundle(
        tmp_path / "official.task",
        {"pose_detector.tflite": b"TFL3", "pose_landmarks_detector.tflite": b"TFL3"},
    )
    monkeypatch.setattr(model, "MODEL_URL", official.as_uri())  # urllib serves file:// too
    monkeypatch.setattr(model, "_build_from_wheel", lambda: pytest.fail("built"))

    path = model.prepare_model(tmp_path / "models")
    assert path.read_bytes() == official.read_bytes()
    sidecar = path.with_name(path.name + ".sha256")
    assert sidecar.read_text().split()[0] == model.sha256_of(official)
    # Later runs trust the sidecar, not the built bundle's sha256.
    monkeypatch.setattr(model, "MODEL_URL", "file:///nonexistent")
    assert model.prepare_model(tmp_path / "models") == path


def test_unusable_download_falls_back_to_the_wheel(
    built_bundle: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "error.html"
    page.write_text("<html>Access denied</html>")
    monkeypatch.setattr(model, "MODEL_URL", page.as_uri())
    monkeypatch.setattr(model, "_build_from_wheel", lambda: built_bundle)
    messages: list[str] = []

    path = model.prepare_model(tmp_path / "models", notify=messages.append)
    assert path.read_bytes() == built_bundle
    assert any("not a MediaPipe .task bundle" in m for m in messages)


def test_unreachable_pypi_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    failed = subprocess.CompletedProcess(
        [], 1, "", "WARNING: Retrying...\nERROR: No matching distribution found for mediapipe\n"
    )
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: failed)
    message = r"\(No matching distribution found for mediapipe\); check the network connection"
    with pytest.raises(ModelError, match=message):
        model._build_from_wheel()


def test_wheel_with_unexpected_networks_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_pip(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        folder = Path(command[command.index("-d") + 1])
        members = {model.DETECTOR_MEMBER: b"TFL3", model.LANDMARKER_MEMBER: b"TFL3"}
        _write_bundle(folder / "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl", members)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_pip)
    with pytest.raises(ModelError, match=r"pose_detection\.tflite in the .* unexpected sha256"):
        model._build_from_wheel()


def test_truncated_model_is_detected(built_bundle: bytes, tmp_path: Path) -> None:
    path = tmp_path / "truncated.task"
    path.write_bytes(built_bundle[: len(built_bundle) * 2 // 3])
    with pytest.raises(ModelError, match="not a valid zip archive"):
        model.check_model_file(path)


def test_corrupted_network_is_detected(built_bundle: bytes, tmp_path: Path) -> None:
    damaged = bytearray(built_bundle)
    damaged[len(damaged) // 2] ^= 0xFF
    path = tmp_path / "damaged.task"
    path.write_bytes(damaged)
    with pytest.raises(ModelError, match="fails its CRC check"):
        model.check_model_file(path)


def test_corrupted_compressed_bundle_is_detected(tmp_path: Path) -> None:
    entries = {name: bytes(range(256)) * 400 for name in model.BUNDLE_ENTRIES}
    path = _write_bundle(tmp_path / "rezipped.task", entries, zipfile.ZIP_DEFLATED)
    damaged = bytearray(path.read_bytes())
    damaged[60] ^= 0xFF  # inside the first entry's compressed data
    path.write_bytes(damaged)
    with pytest.raises(ModelError, match="is corrupt"):
        model.check_model_file(path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "absent.task", "does not exist"),
        (lambda tmp: tmp, "is not a file"),
        (lambda tmp: tmp / "photo.task", "not a valid zip archive"),
        (
            lambda tmp: _write_bundle(tmp / "half.task", {"pose_detector.tflite": b"TFL3"}),
            "lacks pose_landmarks_detector.tflite",
        ),
    ],
    ids=["missing", "directory", "not-a-zip", "missing-entry"],
)
def test_check_model_file_rejects(
    make: Callable[[Path], Path], message: str, tmp_path: Path
) -> None:
    (tmp_path / "photo.task").write_bytes(b"\xff\xd8\xff\xe0 a JPEG, renamed")
    with pytest.raises(ModelError, match=message):
        model.check_model_file(make(tmp_path))


def test_model_dir_override_and_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTURE_MODEL_DIR", str(tmp_path / "mine"))
    assert model.default_model_dir() == tmp_path / "mine"

    monkeypatch.delenv("POSTURE_MODEL_DIR")
    assert model.default_model_dir() == Path(model.__file__).resolve().parents[2] / "models"

    monkeypatch.setattr(os, "access", lambda path, mode: False)  # a read-only install
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert model.default_model_dir() == tmp_path / "cache" / "posture" / "models"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert model.default_model_dir() == Path.home() / ".cache" / "posture" / "models"
