"""Pose landmarks: MediaPipe's 33 BlazePose points as numpy arrays.

This is the only module that imports mediapipe, and it does so inside
:class:`PoseDetector`, so ``posture --help`` and the geometry tests stay fast.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.abc
import importlib.machinery
import importlib.util
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType, TracebackType

import numpy as np

from posture._native import native_stderr_silenced, unraisable_ignored
from posture.core.image import LoadedImage
from posture.core.pose import Pose
from posture.errors import ModelError

MAX_POSES = 2
"""Two, so that a second person in the photo is noticed rather than silently ignored."""
SEARCH_WINDOW_HEIGHTS = 2.0
"""Side of each square searched again beside the subject, in the subject's landmark heights: with neighbours
overlapping by :data:`LEAST_OVERLAP` or more, a person up to 0.9 of the subject's height lies whole in one square,
large enough for the landmarker to see; on the real photos of bench/REAL.md it finds the same second people as
squares 1.5 heights wide, in fewer squares a photo."""
SUBJECT_MARGINS = (0.1, 0.15, 0.1)
"""How far, in the subject's heights, the painted-over box reaches beyond the landmarks: to the sides, above
(the crown is above the eyes) and below (the soles are below the heels)."""
MOSTLY_SUBJECT = 0.6
"""A window at least this much painted over shows too little else to be searched."""
LEAST_OVERLAP = 0.45
"""Neighbouring squares overlap by at least this share of their side (about half)."""


def search_windows(box: tuple[float, float, float, float], width: int, height: int,
                   side: int) -> list[tuple[int, int]]:
    """Top-left corners of the overlapping squares that cover a picture beside a painted-over box.

    Args:
        box: (left, top, right, bottom) of the painted-over subject, in the picture's pixels.
        width, height: the picture's size; ``side`` is at most the smaller of them.
        side: each square's side in pixels; neighbours, spread evenly from edge to edge, overlap by about half
            of it (at least :data:`LEAST_OVERLAP` of it).
    """
    def starts(extent: int) -> list[int]:
        # A square more only where the overlap would otherwise fall below the least: a picture a hair wider
        # than two half-overlapping squares gets two squares, not a third beside the second.
        spans = max(0, math.ceil((extent - side) / ((1.0 - LEAST_OVERLAP) * side) - 1e-9))
        return [int(round(corner)) for corner in np.linspace(0, extent - side, spans + 1)]

    left, top, right, bottom = box
    corners = []
    for y in starts(height):
        for x in starts(width):
            covered = (max(0.0, min(x + side, right) - max(x, left))
                       * max(0.0, min(y + side, bottom) - max(y, top)))
            if covered < MOSTLY_SUBJECT * side * side:
                corners.append((x, y))
    return corners


def pose_from_mediapipe(
    normalized: object, world: object, mask: np.ndarray | None, *, width: int, height: int, mask_scale: float
) -> Pose:
    """Convert one person's MediaPipe landmark lists (read by duck typing) to a :class:`Pose`."""
    points = np.array(
        [(lm.x, lm.y, lm.z, lm.visibility or 0.0) for lm in normalized],  # type: ignore[attr-defined]
        dtype=np.float64,
    )
    presences = [lm.presence for lm in normalized]  # type: ignore[attr-defined]
    presence = None if any(p is None for p in presences) else np.array(presences, dtype=np.float64)
    world_points = np.array([(lm.x, lm.y, lm.z) for lm in world], dtype=np.float64)  # type: ignore[attr-defined]
    return Pose(
        xy=points[:, :2] * (width, height),
        z=points[:, 2] * width,
        visibility=points[:, 3],
        world=world_points,
        mask=mask,
        mask_scale=mask_scale,
        presence=presence,
    )


UNUSED_MEDIAPIPE_PARTS = frozenset({
    "mediapipe.tasks.python.vision.drawing_utils",
    "mediapipe.tasks.python.vision.drawing_styles",
    "mediapipe.tasks.python.audio",
    "mediapipe.tasks.python.text",
})
"""Parts of mediapipe that ``import mediapipe`` loads and posture never uses: the drawing helpers bring
matplotlib's pyplot (about 0.3 s of a command's start), the audio and text tasks another 0.07 s."""


class _DeferredImports(importlib.abc.MetaPathFinder):
    """Loads the named modules lazily: each runs only when one of its attributes is first read."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(self, name: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if name not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


@functools.cache
def _defer_unused_mediapipe_parts() -> None:
    # Before mediapipe's first import, so that its package imports bind these modules without running them.
    if "mediapipe" not in sys.modules:
        sys.meta_path.insert(0, _DeferredImports(UNUSED_MEDIAPIPE_PARTS))


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0].rstrip(".") if lines else type(error).__name__


class PoseDetector:
    """MediaPipe ``PoseLandmarker`` in image mode, or in video mode for a clip's frames; use as a context manager.

    Building the landmarker costs about 0.1 s, so a batch builds one per worker
    and reuses it for every photo. In video mode the landmarker follows the
    person from frame to frame instead of searching each frame anew, and
    needs each frame's time, increasing; one video-mode landmarker reads one clip.
    """

    def __init__(self, model_path: Path, *, video: bool = False) -> None:
        _defer_unused_mediapipe_parts()
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=RunningMode.VIDEO if video else RunningMode.IMAGE,
            num_poses=MAX_POSES,
            output_segmentation_masks=True,
        )
        self.video = video
        self._model_path = model_path
        try:
            with native_stderr_silenced():
                self._landmarker = PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as error:
            raise ModelError(
                f"The pose model {str(model_path)!r} could not be loaded ({_first_line(error)})."
            ) from None

    def __enter__(self) -> PoseDetector:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the landmarker (again: a no-op)."""
        landmarker, self._landmarker = self._landmarker, None
        if landmarker is None:
            return
        # The runtime reports releasing its accelerators on stderr; that means nothing to a user. A graph
        # that already failed (a broken model, reported by detect) fails again on close and once more in
        # the landmarker's __del__: those echoes are dropped here, where the object goes away.
        with native_stderr_silenced(), unraisable_ignored():
            try:
                landmarker.close()
            except RuntimeError:
                pass
            del landmarker

    def detect(self, image: LoadedImage, timestamp_ms: int | None = None) -> tuple[Pose, ...]:
        """Find up to :data:`MAX_POSES` people, largest first.

        Args:
            timestamp_ms: in video mode (only), the frame's time, later than the previous frame's.

        Raises:
            ModelError: the model cannot run (e.g. a bundle whose networks are swapped).
            ValueError: the detector was closed, or a frame's time is missing, given to an image-mode
                landmarker, or not later than the previous one.
        """
        import mediapipe as mp

        if self._landmarker is None:
            raise ValueError("this PoseDetector is closed")
        if (timestamp_ms is not None) != self.video:
            raise ValueError("a video-mode landmarker needs each frame's time, and only it takes one")

        frame = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image.rgb))
        try:
            with native_stderr_silenced():
                result = (self._landmarker.detect(frame) if timestamp_ms is None
                          else self._landmarker.detect_for_video(frame, timestamp_ms))
        except (RuntimeError, ValueError):
            # The graph was built, so the photo is not at fault: a bundle whose networks do not fit
            # the pose landmarker's graph (e.g. swapped) fails only here. MediaPipe's own message names
            # graph nodes; POSTURE_DEBUG shows it.
            if os.environ.get("POSTURE_DEBUG"):
                raise
            raise ModelError(f"The pose model {str(self._model_path)!r} loads but does not run as a pose "
                             "landmarker; use an official pose_landmarker .task bundle (lite, full or heavy).") from None
        masks = result.segmentation_masks or [None] * len(result.pose_landmarks)
        poses = [
            pose_from_mediapipe(
                normalized,
                world,
                None if mask is None else np.array(mask.numpy_view(), dtype=np.float32).squeeze(),
                width=image.width,
                height=image.height,
                mask_scale=image.scale,
            )
            for normalized, world, mask in zip(result.pose_landmarks, result.pose_world_landmarks, masks)
        ]
        return tuple(sorted(poses, key=lambda pose: pose.height_px, reverse=True))

    def people_beside(self, image: LoadedImage, subject: Pose) -> tuple[Pose, ...]:
        """The people found beside ``subject`` in a second, closer search, tallest first.

        Each is placed in the square it was found in, at the photo's original scale: its size and shape
        can be compared with the subject's, its place cannot.

        The landmarker looks at the whole photo a few hundred pixels across, where a second person as
        tall as the subject can go unseen (a man on a roof behind a woman walking past). Here the subject
        is painted over with the photo's mean colour and the rest is searched in overlapping squares
        :data:`SEARCH_WINDOW_HEIGHTS` subject-heights wide, each seen as large as the model sees a photo.

        Raises:
            ValueError: the detector is in video mode, which reads only a clip's frames in order.
        """
        if self.video:
            raise ValueError("a video-mode landmarker cannot search a photo's squares")
        scale = image.scale
        (x0, y0), (x1, y1) = subject.xy.min(axis=0) * scale, subject.xy.max(axis=0) * scale
        tall = y1 - y0
        rows, columns = image.rgb.shape[:2]
        across, above, below = SUBJECT_MARGINS
        box = (max(0.0, x0 - across * tall), max(0.0, y0 - above * tall),
               min(float(columns), x1 + across * tall), min(float(rows), y1 + below * tall))
        painted = np.array(image.rgb)
        left, top, right, bottom = (int(round(edge)) for edge in box)
        painted[top:bottom, left:right] = image.rgb.reshape(-1, 3).mean(axis=0).astype(np.uint8)
        side = int(min(SEARCH_WINDOW_HEIGHTS * tall, rows, columns))
        if side < 1:
            return ()
        window_size = max(1, int(round(side / scale)))
        found: list[Pose] = []
        for x, y in search_windows(box, columns, rows, side):
            window = dataclasses.replace(image, rgb=np.ascontiguousarray(painted[y:y + side, x:x + side]),
                                         width=window_size, height=window_size)
            found += self.detect(window)
        return tuple(sorted(found, key=lambda pose: pose.height_px, reverse=True))
