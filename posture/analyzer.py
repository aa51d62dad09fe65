"""``posture.Analyzer``: the one front door to posture, for the CLI, batch, compare, benchmarks and notebooks.

An :class:`Analyzer` finds (or prepares) the pose model exactly as the
``posture`` command does, opens the landmarker once, and analyses any number
of photos with it: file paths, numpy RGB arrays or PIL images.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from posture.analysis import Analysis, ModelIdentity
from posture.clip import Progress, analyze_clip
from posture.core.image import LoadedImage
from posture.io.loading import (
    DEFAULT_MAX_PIXELS,
    image_from_array,
    image_from_pil,
    load_image,
)
from posture.io.video import is_clip, open_clip
from posture.io.model import check_model_file, prepare_model, sha256_of
from posture.knowledge.calibration import load_calibrations
from posture.knowledge.explanations import load_knowledge_base
from posture.limits import (
    MAX_HEIGHT_CM,
    MAX_USER_ROLL_DEG,
    MIN_HEIGHT_CM,
    is_camera_roll,
    is_standing_height,
    usable_cpus,
)
from posture.pipeline import analyze_image
from posture.stages.copies import PERTURBATIONS
from posture.stages.detect import PoseDetector
from posture.stages.measure.markers import COLOURS

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

    Source = str | os.PathLike[str] | np.ndarray | Image.Image


class Analyzer:
    """Analyse photos of standing people with one pose landmarker; use it as a context manager.

    Args:
        model: a MediaPipe pose_landmarker ``.task`` bundle (lite, full or
            heavy). None prepares and verifies the default full model, as the
            ``posture`` command does (built from PyPI on first use).
        max_pixels: refuse photos with more pixels than this.
        notify: receives one-line messages about preparing the model.

    Raises:
        ModelError: the model is missing, corrupt or cannot be loaded.

    Example:
        >>> with Analyzer() as analyzer:                                       # doctest: +SKIP
        ...     analysis = analyzer.analyze("side.jpg", height_cm=172)
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        path = prepare_model(notify=notify or _ignore) if model is None else check_model_file(Path(model))
        digest = sha256_of(path)
        self.model = ModelIdentity(name=path.name, sha256=digest,
                                   calibrated=digest == load_calibrations().model_sha256)
        self.model_path = path
        self.max_pixels = max_pixels
        self._mediapipe_version = metadata.version("mediapipe")
        self._knowledge = load_knowledge_base()
        self._detector = PoseDetector(path)
        self._copy_detectors: tuple[PoseDetector, ...] | None = None
        self.closed = False

    def __enter__(self) -> Analyzer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the landmarkers; the analyzer cannot be used afterwards."""
        self.closed = True
        self._detector.close()
        for detector in self._copy_detectors or ():
            detector.close()

    def _copy_landmarkers(self) -> tuple[PoseDetector, ...]:
        """The landmarkers that read altered copies beside the main one: one per further CPU, opened on first use.

        The main landmarker reads a share of the copies too, so one CPU gets none and two CPUs get one.
        """
        if self._copy_detectors is None:
            extra = max(0, min(len(PERTURBATIONS), usable_cpus()) - 1)
            self._copy_detectors = tuple(PoseDetector(self.model_path) for _ in range(extra))
        return self._copy_detectors

    def load(self, source: Source) -> LoadedImage:
        """Read a path, a numpy array (H, W, 3) uint8 RGB, or a PIL image, as the pipeline needs it.

        Raises:
            InputError: the file or array cannot be used (one sentence says why).
        """
        if isinstance(source, (str, os.PathLike)):
            return load_image(source, max_pixels=self.max_pixels)
        if hasattr(source, "__array_interface__") and not hasattr(source, "getexif"):
            return image_from_array(source, max_pixels=self.max_pixels)  # type: ignore[arg-type]
        if hasattr(source, "getexif"):
            return image_from_pil(source, max_pixels=self.max_pixels)  # type: ignore[arg-type]
        raise TypeError(f"cannot analyse a {type(source).__name__}; give a file path, a numpy array or a PIL image")

    def analyze(self, source: Source, *, height_cm: float | None = None, uncertainty: bool = True,
                markers: str | None = None, roll: float | None = None, level: bool = True) -> Analysis:
        """Analyse one photo, or a video clip given by its path (:meth:`analyze_clip`, recognised by its content).

        Args:
            source: a file path, a numpy array (H, W, 3) uint8 RGB, or a PIL image.
            height_cm: the person's standing height, to give offsets in cm
                instead of % of body height.
            uncertainty: average each measurement over the photo and two
                altered copies and give its 95% repeatability interval (two
                more landmark runs, beside the photo's own when a second CPU
                core is free); False measures the photo alone, in about half
                the time, with no interval (``--fast``).
            markers: the colour of skin markers on the person (``"green"``,
                ``"blue"``, ``"magenta"``): pelvic tilt, head angle and hip
                height are then measured from them; a photo whose markers
                cannot be found or paired is refused.
            roll: the camera roll in degrees, + when the true vertical's top
                leans clockwise in the photo; it replaces the roll posture
                finds from the phone's gravity record or background lines.
            level: False measures the photo as it is, taking its vertical
                as true vertical (``roll`` is then ignored).

        Returns:
            The analysis; a photo the quality gate refuses gives one whose
            ``status`` is ``"refused"``, with the reason in ``problem``.

        Raises:
            InputError: the file or array cannot be used.
            ValueError: ``height_cm`` is not a standing height, ``roll`` is beyond ±45°, ``markers`` is not one
                of the colours above, or the analyzer is closed.
        """
        self._check(height_cm=height_cm, roll=roll, markers=markers)
        if isinstance(source, (str, os.PathLike)) and is_clip(source):
            if markers is not None:
                raise ValueError("markers are read from photos, not video clips")
            return self.analyze_clip(source, height_cm=height_cm, roll=roll, level=level)
        return analyze_image(self.load(source), self._detector, model=self.model,
                             mediapipe_version=self._mediapipe_version, knowledge=self._knowledge,
                             height_cm=height_cm, roll=roll, level=level, uncertainty=uncertainty, markers=markers,
                             copy_detectors=self._copy_landmarkers() if uncertainty else ())

    def analyze_clip(self, path: str | os.PathLike[str], *, height_cm: float | None = None, roll: float | None = None,
                     level: bool = True, progress: Progress | None = None) -> Analysis:
        """Analyse a video clip (MP4, MOV, Matroska...) of one person standing still: many frames, one reading.

        The frames of the longest stretch without a step are measured one by one and combined, each
        measurement the mean of its frames with outlying frames left out; the result carries the clip's
        summary (frames and seconds used) and the sway of head, shoulders, hips and body centre (``Analysis.clip``).

        Args:
            path: the clip.
            height_cm, roll, level: as for :meth:`analyze`.
            progress: told the time reached and the clip's length, in seconds, after each frame read.

        Returns:
            The analysis; a clip without a still stretch, or without a person, gives one whose ``status`` is
            ``"refused"``, with the reason in ``problem``.

        Raises:
            InputError: the clip cannot be read (one sentence says why).
            ValueError: as for :meth:`analyze`.
        """
        self._check(height_cm=height_cm, roll=roll, markers=None)
        clip = open_clip(path, max_pixels=self.max_pixels)
        with PoseDetector(self.model_path, video=True) as tracker, PoseDetector(self.model_path, video=True) as walker:
            return analyze_clip(clip, self._detector, tracker, model=self.model,
                                mediapipe_version=self._mediapipe_version, knowledge=self._knowledge,
                                height_cm=height_cm, roll=roll, level=level, progress=progress,
                                copy_detectors=self._copy_landmarkers(), walker=walker)

    def _check(self, *, height_cm: float | None, roll: float | None, markers: str | None) -> None:
        if self.closed:
            raise ValueError("this Analyzer is closed (close() or the end of its with block); open a new one")
        if markers is not None and markers not in COLOURS:
            raise ValueError(f"markers={markers!r} is not a marker colour (expected one of: {', '.join(COLOURS)})")
        if height_cm is not None and not is_standing_height(height_cm):
            raise ValueError(f"height_cm={height_cm!r} is not a standing height in cm "
                             f"(expected {MIN_HEIGHT_CM:g}-{MAX_HEIGHT_CM:g})")
        if roll is not None and not is_camera_roll(roll):
            raise ValueError(f"roll={roll!r} is not a camera roll in degrees (expected -{MAX_USER_ROLL_DEG:g} to "
                             f"{MAX_USER_ROLL_DEG:g})")


def is_video(path: str | os.PathLike[str]) -> bool:
    """Whether the file is a video clip, by its content (:meth:`Analyzer.analyze_clip` reads it)."""
    return is_clip(path)


def _ignore(message: str) -> None:
    """The default notify: stay silent."""

