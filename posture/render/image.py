"""The annotated picture: the photo with skeleton, plumb line and angles, and the numbers in a panel beside it.

:func:`render_annotated` returns a new RGB array; the input photo is never
drawn on. The photo is cropped to the person and scaled to one output height,
so lines and text keep their proportions from 600 to 4000 px. No text is
written on the photo: each drawn measurement has its own colour, and the
panel lists every measurement with that colour, its value and its ±, then the
findings. A sided difference (shoulders, hips) inside its noise is drawn and
written as level.

What is drawn for a measurement comes from its registry ``drawing``: one
method per drawing kind in :class:`Painter` (``Arc``, ``Offset``, ``Plumb``,
``Tag``, ``Level``, ``Outline``); a kind without a method is listed in the
panel but not drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from posture.analysis import Analysis
from posture.core.measurement import Measurement
from posture.core.pose import SKELETON, Landmark, midpoint, side_landmark
from posture.core.units import format_measured, format_value
from posture.knowledge import registry
from posture.stages.findings import detectable, noise
from posture.stages.frame import BodyScale
from posture.stages.level import unlevel_points

RGB = tuple[int, int, int]

WHITE: RGB = (255, 255, 255)
DARK: RGB = (20, 20, 20)
NEAR: RGB = (95, 200, 255)
"""The near side's skeleton in a side view: apart from every measurement's colour."""
PANEL: RGB = (28, 30, 34)
MUTED: RGB = (170, 175, 185)
PLUMB: RGB = (251, 187, 44)
"""The plumb line and the level line: the true vertical and horizontal the measures are read against."""
FLAG: RGB = (255, 255, 0)
"""A measurement that raised a finding, and the finding, in the panel."""
BALANCED: RGB = (170, 255, 154)
"""A finding that no single measurement raised (balanced alignment), in the panel."""

PALETTE: tuple[RGB, ...] = (
    (241, 120, 6), (0, 129, 255), (8, 183, 135), (0, 255, 255), (234, 99, 92), (255, 151, 192),
)
"""One colour per drawn measurement, in report order: it ties the line on the photo to its row in the panel.

With :data:`PLUMB`, :data:`FLAG`, :data:`BALANCED` and the comparison's ghost skeleton, every pair differs by a
CIEDE2000 of 20 or more, and of 10 or more as people with protanopia or deuteranopia see them; each also differs
from :data:`NEAR` by 20 or more (tests/render/test_image_palette.py). Found by a search over sRGB within those bounds
that kept the keyed colours near their hues (plumb line amber, flag yellow, balanced green, ghost pink)."""

MIN_HEIGHT = 600
MAX_HEIGHT = 4000
MARGIN = 0.08
"""Space kept above and below the person when cropping, as a fraction of the body height."""
SIDE_MARGIN = 0.15
"""Space kept left and right of the landmarks (hair, belly and back lie outside them)."""


@dataclass(frozen=True, slots=True)
class Sizes:
    """Line widths and font sizes for one output height."""

    height: int

    @property
    def line(self) -> int:
        return max(2, round(self.height / 330))

    @property
    def radius(self) -> int:
        return max(16, round(self.height / 22))

    @property
    def font(self) -> int:
        return max(14, round(self.height / 42))


@cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled scalable font (it has ± and °), at ``size`` pixels."""
    return ImageFont.load_default(size=size)


def value_words(measurement: Measurement, scale: BodyScale) -> str:
    """The value for people: ``"+0.8 ± 1.2°"``, ``"1.2% ht left higher"``, or ``"level (within ± 1.1% ht)"``.

    A sided difference inside its noise (:func:`posture.stages.findings.noise`, as the
    terminal and the JSON judge it) is written as level, with no side.
    """
    definition = registry.definition(measurement.id)
    if definition.directions is not None:
        size = noise(measurement, scale)
        if detectable(measurement, scale) is False and size is not None:
            noise_words = format_value(size, measurement.unit, signed=False)
            word = "level" if isinstance(definition.drawing, registry.Level) else "none"
            return f"{word} (within ± {noise_words})"
        direction = definition.directions[0] if measurement.value > 0 else definition.directions[1]
        return format_measured(abs(measurement.value), measurement.uncertainty, measurement.unit,
                               signed=False) + " " + direction
    return format_measured(measurement.value, measurement.uncertainty, measurement.unit, signed=definition.signed)


# ------------------------------------------------------------------ geometry


def crop_box(analysis: Analysis) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) in working pixels: the person from head top to soles with a margin, inside the photo."""
    pose, frame = analysis.pose, analysis.frame
    if pose is None or frame is None:
        raise ValueError("a refused photo has no annotated picture")
    scale = analysis.image.scale
    rows, cols = analysis.image.rgb.shape[:2]
    xy = pose.xy * scale
    top, floor = frame.head_top_y * scale, frame.floor_y * scale
    margin = MARGIN * (floor - top)
    side_margin = SIDE_MARGIN * (floor - top)
    x0 = max(0, int(math.floor(float(np.min(xy[:, 0])) - side_margin)))
    x1 = min(cols, int(math.ceil(float(np.max(xy[:, 0])) + side_margin)))
    y0 = max(0, int(math.floor(top - margin)))
    y1 = min(rows, int(math.ceil(floor + margin)))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return 0, 0, cols, rows
    return x0, y0, x1, y1


@dataclass(frozen=True, slots=True)
class Placement:
    """Maps original-photo pixels to canvas pixels: ``(p * image_scale - origin) * zoom``."""

    image_scale: float
    origin: tuple[float, float]
    zoom: float

    def __call__(self, points: np.ndarray) -> np.ndarray:
        return (np.asarray(points, dtype=float) * self.image_scale - np.array(self.origin)) * self.zoom


def photo_canvas(analysis: Analysis, height: int) -> tuple[np.ndarray, Placement]:
    """The photo cropped to the person and resized to ``height`` rows, and the mapping onto it."""
    x0, y0, x1, y1 = crop_box(analysis)
    crop = analysis.image.rgb[y0:y1, x0:x1]
    zoom = height / (y1 - y0)
    width = max(1, round((x1 - x0) * zoom))
    interpolation = cv2.INTER_AREA if zoom < 1 else cv2.INTER_CUBIC
    canvas = cv2.resize(crop, (width, height), interpolation=interpolation)
    return np.ascontiguousarray(canvas), Placement(analysis.image.scale, (float(x0), float(y0)), zoom)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def line(canvas: np.ndarray, a: np.ndarray, b: np.ndarray, color: RGB, width: int, *, outline: bool = True) -> None:
    if outline:
        cv2.line(canvas, _pt(a), _pt(b), DARK, width + 2, cv2.LINE_AA)
    cv2.line(canvas, _pt(a), _pt(b), color, width, cv2.LINE_AA)


def dashed(canvas: np.ndarray, a: np.ndarray, b: np.ndarray, color: RGB, width: int, dash: int) -> None:
    length = float(np.linalg.norm(b - a))
    if length < 1:
        return
    direction = (b - a) / length
    for start in np.arange(0.0, length, 2 * dash):
        line(canvas, a + direction * start, a + direction * min(start + dash, length), color, width)


def draw_skeleton(canvas: np.ndarray, xy: np.ndarray, near: str | None, width: int, *,
                  color: RGB | None = None, joints: bool = True) -> None:
    """The skeleton on ``canvas`` (``xy`` already in canvas pixels); the near side highlighted."""
    for a, b in SKELETON:
        on_near = near is not None and a.name.startswith(near.upper()) and b.name.startswith(near.upper())
        line(canvas, xy[a], xy[b], color or (NEAR if on_near else WHITE), width, outline=color is None)
    if joints:
        for point in xy:
            cv2.circle(canvas, _pt(point), width + 1, color or NEAR, -1, cv2.LINE_AA)


# ------------------------------------------------------------------ drawing kinds


@dataclass(frozen=True, slots=True)
class ArcGeometry:
    """An arc as drawn, in canvas pixels and image degrees (y down, so + turns clockwise on the screen).

    Attributes:
        vertex: where both rays start.
        start: the reference ray's direction (true forward or true up on the photo).
        end: the closing ray's direction: ``start`` turned by the measurement's value, so that the angle between
            the rays is the printed one.
        reach: the closing ray's length: as far as the point it was measured towards (the tragus, the shoulder).
    """

    vertex: np.ndarray
    start: float
    end: float
    reach: float

    @staticmethod
    def direction(degrees: float) -> np.ndarray:
        """The unit vector of an image direction in degrees."""
        return np.array([math.cos(math.radians(degrees)), math.sin(math.radians(degrees))])



class Painter:
    """Draws registry drawings for one analysis on a canvas (canvas pixels, through a :class:`Placement`)."""

    def __init__(self, analysis: Analysis, canvas: np.ndarray, place: Placement, sizes: Sizes) -> None:
        pose, frame = analysis.pose, analysis.frame
        if pose is None or frame is None:
            raise ValueError("a refused photo has no annotated picture")
        self.canvas = canvas
        self.place = place
        self.xy = place(pose.xy)
        self.head_top_y = float(place(np.array([[0.0, frame.head_top_y]]))[0, 1])
        self.sizes = sizes
        self.near = analysis.verdict.near_side
        self.roll = frame.levelling.camera_roll if frame.levelling.applied else 0.0
        self.facing = analysis.verdict.facing
        self.scale = frame.scale
        self.handlers: dict[type, Callable[[Measurement, object, RGB], None]] = {
            registry.Arc: self.arc,  # type: ignore[dict-item]
            registry.Offset: self.offset,  # type: ignore[dict-item]
            registry.Plumb: self.plumb,  # type: ignore[dict-item]
            registry.Tag: self.tag,  # type: ignore[dict-item]
            registry.Level: self.level,  # type: ignore[dict-item]
            registry.Outline: self.outline,  # type: ignore[dict-item]
        }

    def turn(self, points: np.ndarray, about: np.ndarray) -> np.ndarray:
        """``points`` (N, 2) turned about ``about`` by the camera's roll: from the levelled frame onto the photo."""
        return unlevel_points(points, self.roll, (float(about[0]), float(about[1])))

    def can_draw(self, drawing: object) -> bool:
        return type(drawing) in self.handlers

    def draw(self, measurement: Measurement, drawing: object, color: RGB) -> None:
        handler = self.handlers.get(type(drawing))
        if handler is not None:
            handler(measurement, drawing, color)

    def point(self, part: str) -> np.ndarray:
        """A side-free part (``"HIP"``) on the near side of a side view, in canvas pixels."""
        if self.near is None:
            raise ValueError(f"{part!r} needs a side view's near side")
        return self.xy[side_landmark(self.near, part)]

    def arc_geometry(self, measurement: Measurement, drawing: registry.Arc) -> ArcGeometry:
        """Where :meth:`arc` draws ``measurement``: at its own points when it carries them, turned by its value."""
        named = {name: np.array([x, y], dtype=float) for name, x, y in measurement.points}
        if drawing.points is not None and all(name in named for name in drawing.points):
            vertex, toward = self.place(np.array([named[name] for name in drawing.points]))
        else:
            vertex, toward = self.point(drawing.vertex), self.point(drawing.toward)
        forward = 0.0 if self.facing > 0 else 180.0
        # Image degrees, y down: a value rising from forward towards up turns against the facing, a lean from up
        # towards forward with it; true forward and true up are turned by the camera's roll.
        if drawing.reference == "forward":
            start, turn = forward, -self.facing * measurement.value
        else:
            start, turn = -90.0, self.facing * measurement.value
        start += self.roll
        reach = max(float(np.linalg.norm(toward - vertex)), 1.5 * self.sizes.radius)
        return ArcGeometry(vertex=vertex, start=start, end=start + turn, reach=reach)

    def arc(self, measurement: Measurement, drawing: registry.Arc, color: RGB) -> None:
        geometry = self.arc_geometry(measurement, drawing)
        vertex, radius, width = geometry.vertex, self.sizes.radius, self.sizes.line
        line(self.canvas, vertex, vertex + 1.5 * radius * geometry.direction(geometry.start), color, max(1, width - 1))
        line(self.canvas, vertex, vertex + geometry.reach * geometry.direction(geometry.end), color, max(1, width - 1))
        cv2.ellipse(self.canvas, _pt(vertex), (radius, radius), 0.0, geometry.start, geometry.end, DARK, width + 2,
                    cv2.LINE_AA)
        cv2.ellipse(self.canvas, _pt(vertex), (radius, radius), 0.0, geometry.start, geometry.end, color, width,
                    cv2.LINE_AA)

    def offset(self, measurement: Measurement, drawing: registry.Offset, color: RGB) -> None:
        point, reference = self.point(drawing.point), self.point(drawing.reference)
        # The offset is measured along the true horizontal, from the true vertical through the reference.
        up = self.turn(np.array([[0.0, -1.0]]), np.zeros(2))[0]
        foot = reference + float((point - reference) @ up) * up
        line(self.canvas, foot, point, color, self.sizes.line + 1)
        tick = up * self.sizes.radius / 3
        line(self.canvas, foot - tick, foot + tick, color, self.sizes.line)

    def plumb(self, measurement: Measurement, drawing: registry.Plumb, color: RGB) -> None:
        foot = self.point(drawing.foot)
        # Along the true vertical: with a rolled camera its top leans by the roll (+ = clockwise).
        lean = math.radians(self.roll)
        rise = foot[1] - self.head_top_y
        top = np.array([foot[0] + rise * math.tan(lean), self.head_top_y])
        dashed(self.canvas, top, foot, PLUMB, max(1, self.sizes.line - 1), dash=max(6, self.sizes.radius // 3))

    def tag(self, measurement: Measurement, drawing: registry.Tag, color: RGB) -> None:
        at = self.point(drawing.at)
        r = max(5, self.sizes.radius // 3)
        cv2.circle(self.canvas, _pt(at), r + 2, DARK, self.sizes.line + 2, cv2.LINE_AA)
        cv2.circle(self.canvas, _pt(at), r + 2, color, self.sizes.line, cv2.LINE_AA)

    def level(self, measurement: Measurement, drawing: registry.Level, color: RGB) -> None:
        landmark_left = self.xy[Landmark[f"LEFT_{drawing.part}"]]
        landmark_right = self.xy[Landmark[f"RIGHT_{drawing.part}"]]
        middle = midpoint(self.xy, drawing.part)
        level_y = float(middle[1])
        # The line shows the measured tilt (the outline's, where there is one), not the landmarks' own.
        tilt = math.radians(dict(measurement.components).get(drawing.angle, 0.0))
        towards_left = 1.0 if landmark_left[0] >= landmark_right[0] else -1.0
        half = abs(float(landmark_left[0] - landmark_right[0])) / 2.0
        rise = half * math.tan(tilt)
        left = np.array([middle[0] + towards_left * half, level_y - rise])
        right = np.array([middle[0] - towards_left * half, level_y + rise])
        reach = 0.25 * abs(left[0] - right[0])
        lo, hi = min(left[0], right[0]) - reach, max(left[0], right[0]) + reach
        # Drawn in the levelled frame, then turned with the camera's roll about the middle.
        level_start, level_end, left, right = self.turn(
            np.array([[lo, level_y], [hi, level_y], left, right]), middle)
        if detectable(measurement, self.scale) is False:
            # Inside the noise the difference is not shown: one level line.
            line(self.canvas, level_start, level_end, color, self.sizes.line + 1)
            return
        dashed(self.canvas, level_start, level_end, PLUMB, max(1, self.sizes.line - 1),
               dash=max(5, self.sizes.radius // 4))
        line(self.canvas, left, right, color, self.sizes.line + 1)

    def outline(self, measurement: Measurement, drawing: registry.Outline, color: RGB) -> None:
        named = {name: (x, y) for name, x, y in measurement.points}
        if not all(name in named for name in drawing.points):
            return
        canvas_points = self.place(np.array([named[name] for name in drawing.points], dtype=float))
        for point in canvas_points:
            cv2.circle(self.canvas, _pt(point), self.sizes.line + 2, color, -1, cv2.LINE_AA)
        for a, b in zip(canvas_points, canvas_points[1:]):
            line(self.canvas, a, b, color, self.sizes.line + 1)


# ------------------------------------------------------------------ the panel


_GLYPHS = str.maketrans({"–": "-", "—": "-", "→": "->", "•": "·", "’": "'", "“": '"', "”": '"', "≥": ">=", "≤": "<="})
"""Characters the bundled font lacks, and what is written instead."""


def printable(text: str) -> str:
    """``text`` with the characters the bundled font cannot draw replaced by near equivalents."""
    return text.translate(_GLYPHS)


def _shorten(text: str, face: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> str:
    """``text`` cut in the middle with "..." until it fits ``width`` (a long file name keeps both ends)."""
    if face.getlength(text) <= width:
        return text
    keep = len(text)
    while keep > 4:
        keep -= 1
        candidate = text[: keep // 2] + "..." + text[len(text) - (keep - keep // 2):]
        if face.getlength(candidate) <= width:
            return candidate
    return text[:4]


def _wrap(text: str, face: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and face.getlength(trial) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return lines + ([current] if current else [])


def _panel(analysis: Analysis, colors: dict[str, RGB], height: int, sizes: Sizes) -> np.ndarray:
    frame = analysis.frame
    if frame is None:
        raise ValueError("a refused photo has no annotated picture")
    size = sizes.font
    regular, small, title = font(size), font(max(12, round(size * 0.82))), font(round(size * 1.15))
    width = max(round(height * 0.62), 22 * size)
    pad = round(size * 0.9)
    inner = width - 2 * pad
    image = Image.new("RGB", (width, height * 3), PANEL)  # cropped to the text below
    draw = ImageDraw.Draw(image)
    y = float(pad)
    step = size * 1.35

    def text(line_text: str, face: ImageFont.FreeTypeFont | ImageFont.ImageFont, fill: RGB, x: float = pad) -> None:
        nonlocal y
        draw.text((x, y), printable(line_text), font=face, fill=fill)
        y += step if face is not small else step * 0.85

    text(_shorten(printable(analysis.image.display_name), title, inner), title, WHITE)
    view = analysis.view + (f", {analysis.verdict.near_side} side measured" if analysis.verdict.near_side else "")
    text(view, small, MUTED)
    y += step * 0.4
    flagged = {f.measurement for f in analysis.findings if f.measurement}
    swatch = round(size * 0.8)
    for measurement in analysis.measurements:
        definition = registry.definition(measurement.id)
        color = colors.get(measurement.id)
        if color is not None:
            draw.rectangle((pad, y + size * 0.2, pad + swatch, y + size * 0.2 + swatch), fill=color)
        fill = FLAG if measurement.id in flagged else WHITE
        name = printable(definition.name + (" (proxy)" if measurement.proxy else ""))
        value = printable(value_words(measurement, frame.scale))
        left = pad + swatch + round(size * 0.6)
        if regular.getlength(name + "  " + value) <= inner - (left - pad):
            draw.text((left, y), name, font=regular, fill=fill)
            draw.text((width - pad - regular.getlength(value), y), value, font=regular, fill=fill)
            y += step
        else:
            draw.text((left, y), name, font=regular, fill=fill)
            y += step
            draw.text((width - pad - regular.getlength(value), y), value, font=regular, fill=fill)
            y += step
    if any(m.uncertainty is not None for m in analysis.measurements):
        for part in _wrap("± = 95% repeatability of the measurement", small, inner):
            text(part, small, MUTED)
    y += step * 0.4
    if analysis.findings:
        text("Findings", regular, WHITE)
        for finding in analysis.findings:
            label = finding.title + (" (borderline)" if finding.borderline else "")
            marker_color = FLAG if finding.measurement else BALANCED
            for index, part in enumerate(_wrap(label, small, inner - size)):
                text(("· " if index == 0 else "  ") + part, small, marker_color)
    if analysis.withheld:
        y += step * 0.4
        text("Not given for this photo", regular, WHITE)
        for ids, reason in analysis.withheld_groups:
            sentence = f"{', '.join(registry.definition(i).name for i in ids)}: {reason}"
            for index, part in enumerate(_wrap(sentence, small, inner - size)):
                text(("· " if index == 0 else "  ") + part, small, MUTED)
    y += step * 0.4
    for part in _wrap("Not a diagnosis: a photo shows positions, not muscles.", small, inner):
        text(part, small, MUTED)
    # More text than the photo is tall: the panel grows downwards and the photo is padded to match.
    return np.asarray(image, dtype=np.uint8)[:max(height, math.ceil(y + pad))]


def render_annotated(analysis: Analysis, *, height: int | None = None, panel: bool = True) -> np.ndarray:
    """A new RGB image: the photo cropped to the person with the drawings, and the numbers in a panel beside it.

    Args:
        analysis: an analysed photo.
        height: output height in pixels (600-4000); default: the cropped
            photo's working height, kept within 600-1600.
        panel: False for the photo with the drawings only (used side by side in comparisons).

    Raises:
        ValueError: the photo was refused, so there is nothing to draw; or ``height`` is out of range.
    """
    if analysis.pose is None or analysis.frame is None or not analysis.ok:
        raise ValueError("a refused photo has no annotated picture")
    if height is None:
        x0, y0, x1, y1 = crop_box(analysis)
        height = min(1600, max(MIN_HEIGHT, y1 - y0))
    if not MIN_HEIGHT <= height <= MAX_HEIGHT:
        raise ValueError(f"height={height!r} is outside {MIN_HEIGHT}-{MAX_HEIGHT} pixels")
    sizes = Sizes(height)
    canvas, place = photo_canvas(analysis, height)
    painter = Painter(analysis, canvas, place, sizes)
    colors = annotate(analysis, painter)
    if not panel:
        return canvas
    side = _panel(analysis, colors, height, sizes)
    if side.shape[0] > canvas.shape[0]:
        canvas = np.vstack([canvas, np.full((side.shape[0] - canvas.shape[0], canvas.shape[1], 3), PANEL,
                                            dtype=np.uint8)])
    return np.hstack([canvas, side])


def annotate(analysis: Analysis, painter: Painter) -> dict[str, RGB]:
    """Draw the skeleton and every drawable measurement; returns each drawn measurement's colour."""
    draw_skeleton(painter.canvas, painter.xy, painter.near, painter.sizes.line)
    drawn = [m for m in analysis.measurements if painter.can_draw(registry.definition(m.id).drawing)]
    colors: dict[str, RGB] = {}
    palette = iter(PALETTE)
    for measurement in drawn:
        drawing = registry.definition(measurement.id).drawing
        colors[measurement.id] = PLUMB if isinstance(drawing, registry.Plumb) else next(palette)
    # The plumb line first, so that arcs and offsets are drawn over it.
    for measurement in sorted(drawn, key=lambda m: not isinstance(registry.definition(m.id).drawing,
                                                                 registry.Plumb)):
        painter.draw(measurement, registry.definition(measurement.id).drawing, colors[measurement.id])
    return colors
