"""The pose model: obtain MediaPipe's ``pose_landmarker_full.task`` reproducibly and verified.

mediapipe (1.2 and later) ships no model files, so the bundle is fetched on
first use. MediaPipe's own download comes first. When it cannot be reached,
the same BlazePose networks are taken from the mediapipe 0.10.21 wheel on
PyPI, given the metadata that the newer runtime requires, and zipped into a
bundle whose bytes, and so whose sha256, are the same on every machine.

Every model file gets a ``<name>.sha256`` sidecar (``sha256sum`` format), so
a truncated or corrupted file is noticed and prepared again.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import io
import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO

from posture.core.paths import path_text
from posture.errors import ModelError
from posture.io.outputs import replace_atomically

DEFAULT_MODEL_NAME = "pose_landmarker_full.task"
MODEL_URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_full/float16/latest/pose_landmarker_full.task"
)
DOWNLOAD_TIMEOUT_S = 10.0
"""Short, so that a machine without access to Google's storage falls back to PyPI quickly."""

BUNDLE_ENTRIES = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
"""The two networks every pose_landmarker ``.task`` bundle holds."""

WHEEL_REQUIREMENT = "mediapipe==0.10.21"
# The networks are identical in every platform's wheel; pinning one wheel lets
# any interpreter and OS download it, even those 0.10.21 has no wheel for.
WHEEL_PLATFORM_ARGS = (
    "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
    "--implementation", "cp", "--abi", "cp311",
)  # fmt: skip
DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKER_MEMBER = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
DETECTOR_SHA256 = "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"
LANDMARKER_SHA256 = "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"
BUILT_BUNDLE_SHA256 = "a44ceb4e43f587ec59d8888b1a9089719c763b8e91ff00f7627ee4fddb0e29a5"

_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)


def default_model_dir() -> Path:
    """Return the folder where the pose model is kept.

    ``POSTURE_MODEL_DIR`` wins when set. Otherwise the repository's
    ``models/`` folder is used when it exists and is writable (an editable
    install, the usual way to run posture), else ``$XDG_CACHE_HOME/posture/models``
    (``~/.cache/posture/models`` by default).

    Returns:
        The model folder; it may not exist yet.
    """
    override = os.environ.get("POSTURE_MODEL_DIR")
    if override:
        return Path(override).expanduser()
    repo_models = Path(__file__).resolve().parents[2] / "models"
    if repo_models.is_dir() and os.access(repo_models, os.W_OK):
        return repo_models
    cache = Path(os.environ.get("XDG_CACHE_HOME", ""))
    if not cache.is_absolute():  # the XDG spec says to ignore relative values
        cache = Path.home() / ".cache"
    return cache / "posture" / "models"


def sha256_of(path: Path) -> str:
    """Return the hex sha256 digest of a file's bytes.

    The model is checked when it is prepared and again against the
    calibrations; the cache, keyed by size and modification time, makes the
    second check free while a changed file is still hashed anew.
    """
    status = os.stat(path)
    return _sha256_cached(str(Path(path).resolve()), status.st_size, status.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_model_file(path: Path) -> Path:
    """Check that a user-given file looks like a pose_landmarker ``.task`` bundle.

    Any official bundle (lite, full or heavy) passes: the file must be a zip
    archive whose entries pass their CRC check and include both networks.

    Args:
        path: The file given with ``--model``.

    Returns:
        ``path``, unchanged.

    Raises:
        ModelError: The file is missing, not a regular file, unreadable, not a
            zip archive, corrupt, or lacks one of the two networks.
    """
    path = Path(path)
    if not path.exists():
        raise ModelError(f"The pose model file {path_text(path)!r} does not exist.")
    if not path.is_file():
        raise ModelError(f"The pose model path {path_text(path)!r} is not a file.")
    problem = _bundle_problem(path)
    if problem:
        raise ModelError(f"The pose model file {path_text(path)!r} {problem}.")
    return path


def prepare_model(
    directory: Path | None = None,
    *,
    notify: Callable[[str], None] = lambda m: None,
    force: bool = False,
    from_wheel: bool = False,
) -> Path:
    """Make sure a verified ``pose_landmarker_full.task`` is in ``directory``.

    A file that matches the sha256 in its sidecar (or, without a sidecar,
    :data:`BUILT_BUNDLE_SHA256`) is returned at once. Otherwise the
    bundle is downloaded from MediaPipe or, failing that, built from the
    mediapipe 0.10.21 wheel on PyPI, then written atomically with its sidecar.

    Args:
        directory: Where to keep the model; :func:`default_model_dir` when None.
        notify: Receives one-line progress messages meant for the user.
        force: Prepare the model again even if a verified file is present.
        from_wheel: Skip MediaPipe's download and build the bundle from the
            wheel: the exact model posture's calibrations were fitted with.

    Returns:
        The path of the verified model bundle.

    Raises:
        ModelError: Neither source worked, or the file could not be written.
    """
    directory = default_model_dir() if directory is None else Path(directory)
    path = directory / DEFAULT_MODEL_NAME
    sidecar = path.with_name(path.name + ".sha256")
    if path.is_file() and not force:
        if sha256_of(path) == _recorded_sha256(sidecar):
            return path
        notify(f"The pose model {path_text(path)!r} does not match its recorded sha256.")
    first_use = "" if path.exists() else " (first use)"
    if from_wheel:
        notify(f"Preparing the pose model{first_use}: building it from the mediapipe 0.10.21 wheel on PyPI…")
        data = _build_from_wheel()
    else:
        notify(f"Preparing the pose model{first_use}: downloading it from MediaPipe…")
        downloaded, problem = _download_official()
        if downloaded is None:
            notify(f"MediaPipe's download {problem}; building the same networks from the mediapipe 0.10.21 "
                   "wheel on PyPI instead…")
        data = downloaded if downloaded is not None else _build_from_wheel()
    digest = hashlib.sha256(data).hexdigest()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        replace_atomically(path, data)
        replace_atomically(sidecar, f"{digest}  {path.name}\n".encode())
    except OSError as exc:
        raise ModelError(f"Cannot write the pose model to {path_text(path)!r}: {exc.strerror}.") from None
    return path


def build_bundle(detector: bytes, landmarker: bytes) -> bytes:
    """Build a pose_landmarker ``.task`` bundle from the two bare BlazePose networks.

    The result depends on the input bytes only: same inputs, same output bytes.

    Args:
        detector: ``pose_detection.tflite`` from the mediapipe 0.10.21 wheel.
        landmarker: ``pose_landmark_full.tflite`` from the same wheel.

    Returns:
        The bundle: an uncompressed zip with fixed timestamps.
    """
    # Pixel normalisation the networks were trained with: [-1, 1] and [0, 1].
    networks = (
        _with_image_metadata(detector, mean=127.5, std=127.5),
        _with_image_metadata(landmarker, mean=0.0, std=255.0),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
        for name, network in zip(BUNDLE_ENTRIES, networks, strict=True):
            entry = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
            entry.create_system = 3  # Unix on every OS, so Windows builds the same bytes
            entry.external_attr = 0o644 << 16
            bundle.writestr(entry, network)
    return buffer.getvalue()


def _with_image_metadata(model: bytes, *, mean: float, std: float) -> bytes:
    """Return a TFLite model with a ``TFLITE_METADATA`` entry describing its input.

    mediapipe 1.2 refuses a float32 image input without NormalizationOptions
    metadata, which the 0.10.21 networks lack (or, for the detector, carry
    under a face-detection description).
    """
    import flatbuffers
    import numpy as np
    from mediapipe.tasks.metadata import metadata_schema_py_generated as meta
    from mediapipe.tasks.metadata import schema_py_generated as schema

    tflite = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))

    normalization = meta.ProcessUnitT()
    normalization.optionsType = meta.ProcessUnitOptions.NormalizationOptions
    normalization.options = meta.NormalizationOptionsT()
    normalization.options.mean = [mean]
    normalization.options.std = [std]
    image = meta.TensorMetadataT()
    image.content = meta.ContentT()
    image.content.contentPropertiesType = meta.ContentProperties.ImageProperties
    image.content.contentProperties = meta.ImagePropertiesT()
    image.content.contentProperties.colorSpace = meta.ColorSpaceType.RGB
    image.processUnits = [normalization]
    subgraph = meta.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image]
    subgraph.outputTensorMetadata = [meta.TensorMetadataT() for _ in tflite.subgraphs[0].outputs]
    metadata = meta.ModelMetadataT()
    metadata.subgraphMetadata = [subgraph]
    builder = flatbuffers.Builder(0)
    builder.Finish(metadata.Pack(builder), b"M001")
    packed = np.frombuffer(builder.Output(), dtype=np.uint8)

    entry = next((e for e in tflite.metadata or [] if e.name == b"TFLITE_METADATA"), None)
    if entry is None:
        tflite.buffers.append(schema.BufferT())
        entry = schema.MetadataT()
        entry.name = b"TFLITE_METADATA"
        entry.buffer = len(tflite.buffers) - 1
        tflite.metadata = [*(tflite.metadata or []), entry]
    tflite.buffers[entry.buffer].data = packed
    builder = flatbuffers.Builder(0)
    builder.Finish(tflite.Pack(builder), b"TFL3")
    return bytes(builder.Output())


def _download_official() -> tuple[bytes | None, str]:
    """MediaPipe's official bundle, or None and what went wrong (a phrase following "MediaPipe's download")."""
    try:
        with urllib.request.urlopen(MODEL_URL, timeout=DOWNLOAD_TIMEOUT_S) as response:
            data: bytes = response.read()
    except (OSError, http.client.HTTPException) as exc:
        return None, f"failed ({getattr(exc, 'reason', exc)})"
    problem = _bundle_problem(io.BytesIO(data))
    if problem:
        return None, f"is unusable (it {problem})"
    return data, ""


def _build_from_wheel() -> bytes:
    """Build the bundle from the mediapipe 0.10.21 wheel, verifying every input and the output."""
    with tempfile.TemporaryDirectory(prefix="posture-wheel-") as tmp:
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            *WHEEL_PLATFORM_ARGS, WHEEL_REQUIREMENT, "-d", tmp, "--quiet",
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        wheels = sorted(Path(tmp).glob("mediapipe-*.whl"))
        if result.returncode != 0 or not wheels:
            lines = [line for line in result.stderr.splitlines() if line.strip()] or ["no wheel"]
            raise ModelError(
                f"Cannot download the {WHEEL_REQUIREMENT} wheel from PyPI to build the pose "
                f"model ({lines[-1].removeprefix('ERROR: ')}); check the network connection, "
                "or pass --model with an official pose_landmarker .task file."
            )
        try:
            with zipfile.ZipFile(wheels[0]) as wheel:
                detector = wheel.read(DETECTOR_MEMBER)
                landmarker = wheel.read(LANDMARKER_MEMBER)
        except (KeyError, zipfile.BadZipFile, OSError) as exc:
            raise ModelError(
                f"The downloaded {WHEEL_REQUIREMENT} wheel is unusable ({exc})."
            ) from None
    for name, data, expected in (
        (DETECTOR_MEMBER, detector, DETECTOR_SHA256),
        (LANDMARKER_MEMBER, landmarker, LANDMARKER_SHA256),
    ):
        if hashlib.sha256(data).hexdigest() != expected:
            raise ModelError(
                f"{name} in the downloaded {WHEEL_REQUIREMENT} wheel has an unexpected sha256."
            )
    bundle = build_bundle(detector, landmarker)
    digest = hashlib.sha256(bundle).hexdigest()
    if digest != BUILT_BUNDLE_SHA256:
        # Most likely another flatbuffers release serialises the metadata differently.
        raise ModelError(
            f"The pose model built from the {WHEEL_REQUIREMENT} wheel has sha256 {digest}, "
            f"not the recorded {BUILT_BUNDLE_SHA256}; pass --model with an official "
            "pose_landmarker .task file instead."
        )
    return bundle


def _bundle_problem(source: Path | IO[bytes]) -> str | None:
    """Say what is wrong with a ``.task`` bundle (completing "The file …"), or None if nothing."""
    try:
        with zipfile.ZipFile(source) as bundle:
            missing = [name for name in BUNDLE_ENTRIES if name not in bundle.namelist()]
            corrupt = None if missing else bundle.testzip()
    except zipfile.BadZipFile:
        return "is not a MediaPipe .task bundle (not a valid zip archive)"
    except zlib.error:  # a re-zipped, compressed bundle whose data is damaged
        return "is corrupt (an entry cannot be decompressed)"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if missing:
        return f"is not a pose_landmarker .task bundle (it lacks {', '.join(missing)})"
    if corrupt:
        return f"is corrupt ({corrupt} fails its CRC check)"
    return None


def _recorded_sha256(sidecar: Path) -> str:
    """Return the digest recorded in a sidecar; the built bundle's when there is none."""
    try:
        return sidecar.read_text(encoding="ascii").split()[0]
    except (OSError, UnicodeDecodeError, IndexError):
        return BUILT_BUNDLE_SHA256
