"""Before and after side by side: each photo scaled to one body height and aligned at the feet.

Each session's photo of a view gets a tile of the same size in which the
person's body height spans :data:`BODY_PX` pixels and the soles sit on the
same row, centred on the ankles; the skeleton and the registry drawings are
drawn as in the annotated picture, and from the second session on, the
previous session's skeleton is drawn faintly over the photo, placed by the
same rule, so a change of position shows as two skeletons.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw

from posture.analysis import Analysis
from posture.compare import Comparison, ViewSeries
from posture.core.pose import Landmark
from posture.render.image import (
    PANEL,
    WHITE,
    Painter,
    Placement,
    Sizes,
    annotate,
    draw_skeleton,
    font,
    printable,
)

BODY_PX = 900
"""Body height (head top to soles) in every tile, in pixels."""
TOP_MARGIN = 0.08
BOTTOM_MARGIN = 0.06
TILE_WIDTH = 0.62
"""Tile width as a fraction of the body height."""
GHOST: tuple[int, int, int] = (230, 7, 149)
"""The previous session's skeleton, drawn faintly: pink, apart from every colour of the annotated picture's legend."""
GHOST_ALPHA = 0.55


def tile_size(body_px: int = BODY_PX) -> tuple[int, int]:
    """(width, height) of one tile."""
    return round(TILE_WIDTH * body_px), round((1 + TOP_MARGIN + BOTTOM_MARGIN) * body_px)


def placement(analysis: Analysis, body_px: int = BODY_PX) -> Placement:
    """Where ``analysis``'s photo goes in a tile: body height ``body_px``, soles on one row, ankles centred."""
    pose, frame = analysis.pose, analysis.frame
    if pose is None or frame is None:
        raise ValueError("a refused photo cannot be placed")
    scale = analysis.image.scale
    zoom = body_px / (frame.body_height_px * scale)
    width, _ = tile_size(body_px)
    ankles_x = float(np.mean(pose.xy[[Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE], 0])) * scale
    floor = frame.floor_y * scale
    origin = (ankles_x - width / 2 / zoom, floor - (1 + TOP_MARGIN) * body_px / zoom)
    return Placement(scale, origin, zoom)


def tile(analysis: Analysis, *, previous: Analysis | None = None, body_px: int = BODY_PX) -> np.ndarray:
    """One session's photo in its tile, annotated, with ``previous``'s skeleton drawn faintly over it."""
    place = placement(analysis, body_px)
    width, height = tile_size(body_px)
    matrix = np.array([[place.zoom, 0.0, -place.origin[0] * place.zoom],
                       [0.0, place.zoom, -place.origin[1] * place.zoom]])
    canvas = cv2.warpAffine(analysis.image.rgb, matrix, (width, height), flags=cv2.INTER_AREA,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=PANEL)
    canvas = np.ascontiguousarray(canvas)
    sizes = Sizes(height)
    if previous is not None and previous.pose is not None:
        ghost_layer = canvas.copy()
        ghost_xy = placement(previous, body_px)(previous.pose.xy)
        draw_skeleton(ghost_layer, ghost_xy, None, sizes.line + 1, color=GHOST, joints=False)
        canvas = cv2.addWeighted(ghost_layer, GHOST_ALPHA, canvas, 1 - GHOST_ALPHA, 0.0)
        canvas = np.ascontiguousarray(canvas)
    annotate(analysis, Painter(analysis, canvas, place, sizes))
    return canvas


def _label(array: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """``array`` with a dark band of text lines above it."""
    size = max(16, round(array.shape[0] / 40))
    face = font(size)
    band = Image.new("RGB", (array.shape[1], round(size * 1.4 * len(lines) + size * 0.6)), PANEL)
    draw = ImageDraw.Draw(band)
    for index, text in enumerate(lines):
        draw.text((size * 0.5, size * 0.3 + index * size * 1.4), printable(text), font=face, fill=WHITE)
    return np.vstack([np.asarray(band, dtype=np.uint8), array])


def _blank(body_px: int) -> np.ndarray:
    width, height = tile_size(body_px)
    return np.full((height, width, 3), PANEL, dtype=np.uint8)


def series_image(series: ViewSeries, labels: Sequence[str], *, body_px: int = BODY_PX) -> np.ndarray:
    """The photos of one view across sessions, left to right, each labelled with its session."""
    tiles = []
    previous: Analysis | None = None
    for label, analysis in zip(labels, series.analyses):
        if analysis is None:
            tiles.append(_label(_blank(body_px), [label, "no photo of this view", ""]))
            continue
        image = tile(analysis, previous=previous, body_px=body_px)
        name = analysis.image.display_name
        tiles.append(_label(image, [label, name if name != label else "",
                                    "faint pink: the previous skeleton" if previous is not None else ""]))
        previous = analysis
    gap = np.full((tiles[0].shape[0], max(4, body_px // 100), 3), 255, dtype=np.uint8)
    row: list[np.ndarray] = []
    for index, item in enumerate(tiles):
        if index:
            row.append(gap)
        row.append(item)
    return np.hstack(row)


def render_comparison_image(comparison: Comparison, *, body_px: int = BODY_PX) -> np.ndarray:
    """Every compared view, one row each, sessions left to right.

    Raises:
        ValueError: nothing was compared (no view in two sessions).
    """
    if not comparison.series:
        raise ValueError("nothing was compared, so there is no comparison picture")
    labels = [session.label for session in comparison.sessions]
    rows = [series_image(series, labels, body_px=body_px) for series in comparison.series]
    width = max(row.shape[1] for row in rows)
    padded = [np.hstack([row, np.full((row.shape[0], width - row.shape[1], 3), 255, dtype=np.uint8)])
              if row.shape[1] < width else row for row in rows]
    return np.vstack(padded)
