"""The annotated picture: skeleton, plumb line, each angle drawn where it is measured, findings as captions.

:func:`render_annotated` returns a new RGB array; the input photo is never drawn on.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from posture import registry
from posture.analysis import Analysis
from posture.landmarks import SKELETON, Landmark, side_landmark
from posture.measurements import Measurement
from posture.units import format_value

FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE = (255, 255, 255)
DARK = (20, 20, 20)
NEAR = (60, 200, 255)
PLUMB = (255, 210, 0)
ANGLE = (255, 120, 40)
FLAG = (255, 200, 60)


def _text(canvas: np.ndarray, text: str, origin: tuple[int, int], scale: float, color: tuple[int, int, int],
          *, ending_at: bool = False) -> None:
    """Outlined text starting (or with ``ending_at``, ending) at ``origin``, kept inside the picture."""
    thickness = max(1, round(scale * 2))
    (text_width, text_height), _ = cv2.getTextSize(text, FONT, scale, thickness + 2)
    rows, cols = canvas.shape[:2]
    x = origin[0] - text_width if ending_at else origin[0]
    origin = (min(max(2, x), cols - text_width - 2), min(max(text_height + 2, origin[1]), rows - 2))
    cv2.putText(canvas, text, origin, FONT, scale, DARK, thickness + 2, cv2.LINE_AA)
    cv2.putText(canvas, text, origin, FONT, scale, color, thickness, cv2.LINE_AA)


def _line(canvas: np.ndarray, a: np.ndarray, b: np.ndarray, color: tuple[int, int, int], width: int) -> None:
    pa, pb = tuple(int(v) for v in np.round(a)), tuple(int(v) for v in np.round(b))
    cv2.line(canvas, pa, pb, DARK, width + 2, cv2.LINE_AA)
    cv2.line(canvas, pa, pb, color, width, cv2.LINE_AA)


def _dashed_vertical(canvas: np.ndarray, x: float, y0: float, y1: float, color: tuple[int, int, int],
                     width: int, dash: int) -> None:
    for start in np.arange(y0, y1, 2 * dash):
        _line(canvas, np.array([x, start]), np.array([x, min(start + dash, y1)]), color, width)


def _angle_mark(canvas: np.ndarray, vertex: np.ndarray, reference_deg: float, target: np.ndarray, radius: int,
                label: str, font_scale: float, width: int) -> None:
    """An arc at ``vertex`` from the reference direction to the direction of ``target``, with a label."""
    target_deg = math.degrees(math.atan2(target[1] - vertex[1], target[0] - vertex[0]))
    sweep = (target_deg - reference_deg + 180.0) % 360.0 - 180.0
    reference_end = vertex + radius * 1.6 * np.array([math.cos(math.radians(reference_deg)),
                                                      math.sin(math.radians(reference_deg))])
    _line(canvas, vertex, reference_end, ANGLE, max(1, width // 2))
    centre = tuple(int(v) for v in np.round(vertex))
    cv2.ellipse(canvas, centre, (radius, radius), 0.0, reference_deg, reference_deg + sweep, ANGLE, width,
                cv2.LINE_AA)
    middle = math.radians(reference_deg + sweep / 2.0)
    anchor = vertex + (radius + 8) * np.array([math.cos(middle), math.sin(middle)])
    _text(canvas, label, (int(anchor[0]), int(anchor[1])), font_scale, ANGLE)


def _wrap(text: str, limit: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > limit:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return lines + ([current] if current else [])


def _value(measurement: Measurement, value: float) -> str:
    return format_value(value, measurement.unit, signed=registry.definition(measurement.id).signed, ascii=True)


def _label(measurement: Measurement) -> str:
    """The measurement's picture label: the landmark value drawn, and the calibrated value when there is one."""
    definition = registry.definition(measurement.id)
    text = f"{definition.label} {_value(measurement, measurement.landmark_value)}"
    if measurement.components and measurement.landmark_value != measurement.value:
        text += f" (est. {_value(measurement, measurement.value)})"
    return text


def _sided_label(measurement: Measurement) -> str:
    """A front/back label that names the side in words: "shoulders 1.2% left higher"."""
    definition = registry.definition(measurement.id)
    if definition.directions is None:
        return _label(measurement)
    direction = definition.directions[0] if measurement.value >= 0 else definition.directions[1]
    amount = format_value(abs(measurement.value), measurement.unit, signed=False, ascii=True)
    return f"{definition.label} {amount} {direction}"


class _Painter:
    """Draws the registry's drawings for one analysis on a canvas (working-resolution pixels)."""

    def __init__(self, analysis: Analysis, canvas: np.ndarray, xy: np.ndarray, head_top_y: float) -> None:
        self.canvas = canvas
        self.xy = xy
        self.head_top_y = head_top_y
        size = max(canvas.shape[:2])
        self.width = max(2, round(size / 400))
        self.font_scale = max(0.45, size / 1500)
        self.radius = max(18, round(size / 30))
        self.near = analysis.verdict.near_side
        self.facing = analysis.verdict.facing

    def point(self, part: str) -> np.ndarray:
        """A side-free part (``"HIP"``) on the near side of a side view."""
        if self.near is None:
            raise ValueError(f"{part!r} needs a side view's near side")
        return self.xy[side_landmark(self.near, part)]

    def draw(self, measurement: Measurement, drawing: registry.Drawing) -> None:
        canvas, width, radius, font_scale = self.canvas, self.width, self.radius, self.font_scale
        if isinstance(drawing, registry.Arc):
            reference = (0.0 if self.facing > 0 else 180.0) if drawing.reference == "forward" else -90.0
            _angle_mark(canvas, self.point(drawing.vertex), reference, self.point(drawing.toward), radius,
                        _label(measurement), font_scale, width)
        elif isinstance(drawing, registry.Plumb):
            foot = self.point(drawing.foot)
            _dashed_vertical(canvas, foot[0], self.head_top_y, foot[1], PLUMB, max(1, width // 2), dash=radius // 2)
        elif isinstance(drawing, registry.Offset):
            point, reference = self.point(drawing.point), self.point(drawing.reference)
            _line(canvas, np.array([reference[0], point[1]]), point, PLUMB, width)
            _text(canvas, _label(measurement), (int(min(reference[0], point[0])), int(point[1] + radius)),
                  font_scale, PLUMB)
        elif isinstance(drawing, registry.Tag):
            at = self.point(drawing.at)
            _text(canvas, _label(measurement), (int(at[0] + self.facing * radius), int(at[1])), font_scale, ANGLE,
                  ending_at=self.facing < 0)
        elif isinstance(drawing, registry.Level):
            left = self.xy[Landmark[f"LEFT_{drawing.part}"]]
            right = self.xy[Landmark[f"RIGHT_{drawing.part}"]]
            _line(canvas, left, right, ANGLE, width)
            level_y = (left[1] + right[1]) / 2.0
            _line(canvas, np.array([left[0], level_y]), np.array([right[0], level_y]), PLUMB, max(1, width // 2))
            on_image_right = left[0] > right[0]
            _text(canvas, _sided_label(measurement),
                  (int(left[0] + (radius if on_image_right else -radius)), int(left[1] - radius / 2)), font_scale,
                  ANGLE, ending_at=not on_image_right)


def render_annotated(analysis: Analysis) -> np.ndarray:
    """A new RGB image (working resolution) with the analysis drawn on it, captions in a band below.

    Raises:
        ValueError: the photo was refused, so there is nothing to draw.
    """
    pose, frame = analysis.pose, analysis.frame
    if pose is None or frame is None:
        raise ValueError("a refused photo has no annotated picture")
    canvas = analysis.image.rgb.copy()
    cols = canvas.shape[1]
    scale = analysis.image.scale
    painter = _Painter(analysis, canvas, pose.xy * scale, frame.head_top_y * scale)
    xy = painter.xy
    near = painter.near
    for a, b in SKELETON:
        on_near = near is not None and a.name.startswith(near.upper()) and b.name.startswith(near.upper())
        _line(canvas, xy[a], xy[b], NEAR if on_near else WHITE, painter.width)
    for point in xy:
        cv2.circle(canvas, (int(point[0]), int(point[1])), painter.width + 1, NEAR, -1, cv2.LINE_AA)
    # The plumb line first, so that arcs and labels are drawn over it.
    drawn = sorted((m for m in analysis.measurements if registry.definition(m.id).drawing is not None),
                   key=lambda m: not isinstance(registry.definition(m.id).drawing, registry.Plumb))
    for measurement in drawn:
        drawing = registry.definition(measurement.id).drawing
        if drawing is not None:
            painter.draw(measurement, drawing)

    font_scale = painter.font_scale
    captions = [f"{analysis.image.display_name}: {analysis.view} view"]
    for finding in analysis.findings:
        line = finding.title + (" (proxy)" if finding.proxy else "") + (" (borderline)" if finding.borderline else "")
        if finding.value is not None and finding.unit is not None and finding.measurement is not None:
            signed = registry.definition(finding.measurement).signed
            line += ": " + format_value(finding.value, finding.unit, signed=signed, ascii=True)
        captions.append(line)
    limit = max(30, int(cols / (font_scale * 20)))
    lines = [wrapped for caption in captions for wrapped in _wrap(caption, limit)]
    line_height = int(32 * font_scale) + 6
    band = np.full((line_height * len(lines) + line_height // 2, cols, 3), 30, dtype=np.uint8)
    for index, line in enumerate(lines):
        color = WHITE if index == 0 else FLAG
        cv2.putText(band, line, (10, line_height * (index + 1)), FONT, font_scale, color,
                    max(1, round(font_scale * 2)), cv2.LINE_AA)
    return np.vstack([canvas, band])
