"""Landmarks placed by hand: the correction page's picture and points, and a correction recorded as a new analysis.

The picture is the photo cropped to the person as the annotated picture
crops it (:func:`posture.render.image.photo_canvas`); the page sends each
point back in the picture's pixels, and they are turned into the photo's
own pixels here. A correction never overwrites: the corrected analysis is a
new row of the photo, with the points in ``corrections``, and the original
stays in the record.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from posture.analysis import Analysis
from posture.core.pose import Landmark
from posture.io.outputs import encode_png
from posture.pipeline import remeasure
from posture.render.image import photo_canvas
from posture.render.json import render_json
from posture.serve import store
from posture.serve.pages import keep
from posture.serve.worker import typical_ranges

PICTURE_HEIGHT = 900
"""Rows of the picture the points are placed on: enough to place a point within a few pixels of the photo."""


def correctable(analysis: Analysis) -> list[str]:
    """The landmarks the analysis's measurements use, in MediaPipe's order: the ones worth placing by hand."""
    used = {name for m in analysis.measurements for name in m.landmarks}
    return [landmark.name.lower() for landmark in Landmark if landmark.name.lower() in used]


def picture(analysis: Analysis) -> bytes:
    return encode_png(photo_canvas(analysis, PICTURE_HEIGHT)[0])


def page_points(analysis: Analysis) -> dict[str, Any]:
    """The picture's size and each correctable landmark's place on it."""
    canvas, place = photo_canvas(analysis, PICTURE_HEIGHT)
    assert analysis.pose is not None
    names = correctable(analysis)
    xy = place(analysis.pose.xy[[Landmark[name.upper()] for name in names]])
    return {"width": canvas.shape[1], "height": canvas.shape[0],
            "points": [{"name": name, "label": name.replace("_", " "), "x": round(float(x), 1), "y": round(float(y), 1)}
                       for name, (x, y) in zip(names, xy)]}


def moved_points(analysis: Analysis, sent: dict[str, str]) -> dict[str, tuple[float, float]]:
    """The landmarks the page moved, in the photo's pixels: ``sent`` maps a name to ``"x,y"`` in the picture's.

    The page sends only the points that were dragged.

    Raises:
        ValueError: a point that is not two numbers inside the picture, or not a correctable landmark.
    """
    canvas, place = photo_canvas(analysis, PICTURE_HEIGHT)
    allowed = set(correctable(analysis))
    moved = {}
    for name, text in sent.items():
        if name not in allowed:
            raise ValueError(f"{name!r} is not a landmark this photo's measurements use.")
        try:
            x, y = (float(part) for part in text.split(","))
        except ValueError:
            raise ValueError(f"The point of {name.replace('_', ' ')} is not two numbers.") from None
        if not (0 <= x <= canvas.shape[1] and 0 <= y <= canvas.shape[0]):
            raise ValueError(f"The point of {name.replace('_', ' ')} lies outside the picture.")
        moved[name] = ((x / place.zoom + place.origin[0]) / place.image_scale,
                       (y / place.zoom + place.origin[1]) / place.image_scale)
    return moved


def record(data: Path, connection: sqlite3.Connection, row: sqlite3.Row, analysis: Analysis,
           moved: dict[str, tuple[float, float]]) -> int:
    """Remeasure with the moved landmarks and keep the result as the photo's newest analysis; returns its id."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    corrected = remeasure(analysis, moved, when=when)
    ranges = typical_ranges(corrected)
    points = {**store.corrected_points(connection, row["id"]),
              **{name: (x, y, store.now()) for name, (x, y) in moved.items()}}
    with store.transaction(connection):
        analysis_id = int(connection.execute(
            "INSERT INTO analyses (photo_id, status, document, view, body_fraction, ranges, queued, finished) "
            "VALUES (?, 'done', ?, ?, ?, ?, ?, ?)",
            (row["photo_id"], render_json(corrected), str(corrected.view), row["body_fraction"], ranges, store.now(),
             store.now())).lastrowid or 0)
        # Every point placed by hand since the worker's analysis, earlier corrections' too, so that the corrected
        # analysis can be made again from the worker's one alone (after a restore, which carries no cache).
        connection.executemany("INSERT INTO corrections (analysis_id, landmark, x, y, made) VALUES (?, ?, ?, ?, ?)",
                               [(analysis_id, name, x, y, made) for name, (x, y, made) in points.items()])
        # The files first, inside the transaction: should they fail, no row points at missing files.
        keep(data, row["sha256"], analysis_id, corrected)
    return analysis_id
