"""True vertical: how far the camera was rolled, and how to undo it.

Sign convention (the same as ``camera_roll_deg`` and
``camera.vertical_in_image_deg`` in bench/synthetic/GROUND_TRUTH.md):
``camera_roll`` is the angle of the true vertical in the picture, measured
from image-up, + when its top leans clockwise as the picture is viewed.
A camera turned counter-clockwise by the photographer gives a positive roll.
In pixel coordinates (x right, y down) true up is the direction
``(sin r, -cos r)``.

The roll comes, in this order of trust, from the user (``--roll``), from
the gravity vector an iPhone stores in its maker note (read with the rest
of the EXIF by :mod:`posture.io.exif`), or from straight near-vertical lines
in the background (door frames, wall corners, shelf uprights) outside the
person (:mod:`posture.stages.lines`, which searches them in a thread of its
own). When none of these is convincing the photo is measured as it is, and
the report says so.

The rotation maths here are pure functions of their arguments;
:func:`find_levelling` only waits for the line search when it needs it.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import math
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from posture.core.image import LoadedImage
from posture.core.pose import Pose
from posture.stages.lines import (
    LineEstimate,
    LineSearch,
    person_mask,
    roll_from_segments,
    search_lines,
)

RollSource = Literal["gravity", "lines", "user", "none"]

MAX_ROLL_DEG = 20.0
"""Rolls beyond this are not levelled: the photo is then too crooked for a standing-posture reading to trust."""
MIN_GRAVITY_IN_PLANE = 0.3
"""Below this in-plane part of the gravity vector (in g) the phone pointed at floor or sky and roll is undefined."""


@dataclass(frozen=True, slots=True)
class Levelling:
    """How the true vertical was found for one photo.

    Attributes:
        camera_roll: degrees; + = the true vertical's top leans clockwise in
            the picture (see the module docstring). 0.0 when ``source`` is ``"none"``.
        source: ``"gravity"`` (the phone's accelerometer, from EXIF),
            ``"lines"`` (background verticals), ``"user"`` (given by the
            caller) or ``"none"`` (not levelled).
        note: one sentence for the report saying how the vertical was found, or why it was not.
    """

    camera_roll: float
    source: RollSource
    note: str

    @property
    def applied(self) -> bool:
        """True when the measurements were levelled by ``camera_roll``."""
        return self.source != "none"


NOT_LEVELLED = Levelling(0.0, "none", "Levelling was turned off: the photo's vertical is taken as true vertical.")


# --------------------------------------------------------------------------
# Gravity (Apple maker note)
# --------------------------------------------------------------------------


def roll_from_gravity(vector: tuple[float, float, float]) -> float | None:
    """Camera roll from an iPhone's AccelerationVector, or None when it cannot tell.

    The vector is in g, in the axes ExifTool documents for Apple's tag
    0x0008: seen from the screen side, +X towards the phone's left edge, +Y
    towards its bottom edge, +Z into the screen. It is what the
    accelerometer feels, so a phone held upright in portrait reads about
    (0, -1, 0): the vector points to the sky. On the screen, x right and y
    down, true up is therefore ``(-X, Y)``.

    The saved picture is the screen's view turned by a whole number of
    quarter turns (iOS picks the one that shows it upright), so the roll is
    what is left of the angle of true up after the nearest quarter turn is
    taken away. A rear-camera picture is assumed (not mirrored).

    Args:
        vector: (X, Y, Z) in g.

    Returns:
        Degrees, + = true vertical's top leans clockwise in the picture; None
        when the phone pointed nearly straight down or up (in-plane part
        below :data:`MIN_GRAVITY_IN_PLANE` g) or a value is not finite.
    """
    x, y, _ = vector
    up_x, up_y = -x, y
    if not (math.isfinite(up_x) and math.isfinite(up_y)) or math.hypot(up_x, up_y) < MIN_GRAVITY_IN_PLANE:
        return None
    # Angle of true up from screen-up, clockwise positive (y points down).
    angle = math.degrees(math.atan2(up_x, -up_y))
    return angle - 90.0 * round(angle / 90.0)


# --------------------------------------------------------------------------
# Undoing the roll
# --------------------------------------------------------------------------


def levelling_matrix(roll: float, centre: tuple[float, float]) -> np.ndarray:
    """The 2x3 affine map (for ``cv2.warpAffine``) that turns the picture so true up becomes image-up.

    A positive roll leans true up clockwise, so the picture is turned
    counter-clockwise (as viewed) by ``roll`` about ``centre``; OpenCV's
    positive angle is exactly that.
    """
    return cv2.getRotationMatrix2D(centre, roll, 1.0)


def upright_image(image: LoadedImage, roll: float) -> LoadedImage:
    """``image`` with its pixels turned about their centre so that true up is image-up (same size, black corners).

    For a rolled camera this is close to the photo a level camera would have
    taken, so the pose model sees the person as it does in a level photo
    instead of re-sampled at an angle.
    """
    rows, cols = image.rgb.shape[:2]
    turned = cv2.warpAffine(image.rgb, levelling_matrix(roll, (cols / 2.0, rows / 2.0)), (cols, rows),
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    return dataclasses.replace(image, rgb=turned)


def level_points(xy: np.ndarray, roll: float, centre: tuple[float, float]) -> np.ndarray:
    """Points (N, 2) in pixels, x right, y down, turned into the levelled frame about ``centre``."""
    matrix = levelling_matrix(roll, centre)
    return xy @ matrix[:, :2].T + matrix[:, 2]


def levelling_centre(xy: np.ndarray) -> tuple[float, float]:
    """The point a pose is turned about: the centre of its landmarks' bounding box (see :func:`level_pose`)."""
    low, high = xy.min(axis=0), xy.max(axis=0)
    return float(low[0] + high[0]) / 2.0, float(low[1] + high[1]) / 2.0


def unlevel_points(xy: np.ndarray, roll: float, centre: tuple[float, float]) -> np.ndarray:
    """The inverse of :func:`level_points`: levelled points back in the photo's own pixels (for drawing)."""
    return level_points(xy, -roll, centre)


# --------------------------------------------------------------------------
# Choosing
# --------------------------------------------------------------------------


def choose_levelling(
    *,
    user_roll: float | None = None,
    gravity: tuple[float, float, float] | None = None,
    lines: LineEstimate | None = None,
) -> Levelling:
    """The levelling from the best evidence at hand: the user's roll, then gravity, then background lines.

    A roll beyond :data:`MAX_ROLL_DEG` from gravity or lines is not applied
    (the photo is measured as it is and the note says why); a user's roll is
    taken as given.
    """
    if user_roll is not None:
        return Levelling(float(user_roll), "user",
                         f"Levelled by the camera roll given by the user ({user_roll:+.1f}°).")
    if gravity is not None:
        roll = roll_from_gravity(gravity)
        if roll is not None and abs(roll) <= MAX_ROLL_DEG:
            return Levelling(roll, "gravity",
                             f"Levelled by the phone's gravity sensor, recorded with the photo "
                             f"(camera roll {roll:+.1f}°).")
    if lines is not None and lines.roll is not None and abs(lines.roll) <= MAX_ROLL_DEG:
        found = f"{lines.segments} upright lines in the background" + (
            f", confirmed by {lines.level_segments} level ones such as a shelf or the floor's edge"
            if lines.level_segments else "")
        return Levelling(lines.roll, "lines", f"Levelled by {found} (camera roll {lines.roll:+.1f}°).")
    return Levelling(0.0, "none",
                     "No reliable vertical was found in the photo (no gravity record; the background's upright "
                     "lines too few, disagreeing or converging), so its vertical is taken as true vertical: hold "
                     "the phone level, or give --roll.")


# --------------------------------------------------------------------------
# Applying it to a detected person
# --------------------------------------------------------------------------


def level_pose(pose: Pose, roll: float) -> Pose:
    """The person turned into the levelled frame: landmarks and mask turned by ``roll`` together.

    The turn is about the centre of the landmarks' bounding box rather than
    the picture's centre: every measurement is unchanged by a shift, and a
    person standing off-centre then keeps their whole outline inside the
    mask's frame. ``z``, ``visibility`` and ``world`` are kept as they are.
    """
    if roll == 0.0:
        return pose
    centre = levelling_centre(pose.xy)
    mask = None
    if pose.mask is not None:
        s = pose.mask_scale
        rows, cols = pose.mask.shape
        matrix = levelling_matrix(roll, (centre[0] * s, centre[1] * s))
        mask = cv2.warpAffine(pose.mask.astype(np.float32), matrix, (cols, rows), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return dataclasses.replace(pose, xy=level_points(pose.xy, roll, centre), z=pose.z.copy(),
                               visibility=pose.visibility.copy(), world=pose.world.copy(), mask=mask)


def levelling_before_the_person(image: LoadedImage, *, roll: float | None = None,
                                level: bool = True) -> Levelling | None:
    """The levelling when the person is not needed for it: turned off, the user's roll, or the phone's gravity
    record; None when the background's lines must decide (their search leaves the person's own edges out)."""
    if not level:
        return NOT_LEVELLED
    if roll is not None:
        return choose_levelling(user_roll=roll)
    if image.origin.gravity is not None:
        chosen = choose_levelling(gravity=image.origin.gravity)
        if chosen.applied:
            return chosen
    return None


def find_levelling(image: LoadedImage, pose: Pose, *, roll: float | None = None, level: bool = True,
                   lines: concurrent.futures.Future[LineSearch] | None = None) -> Levelling:
    """The levelling for one photo and its person: ``roll`` when given, else gravity, else background lines.

    Args:
        image: the loaded photo (its working pixels and EXIF gravity vector).
        pose: the person, whose mask keeps their own edges out of the line search.
        roll: the user's camera roll in degrees (sign as :attr:`Levelling.camera_roll`).
        level: False turns levelling off (``--no-level``); ``roll`` is then ignored.
        lines: the line search started with :func:`start_line_search`, if it was; else it is done here.
    """
    known = levelling_before_the_person(image, roll=roll, level=level)
    if known is not None:
        return known
    search = lines.result() if lines is not None else search_lines(image)
    person = person_mask(pose, search.shape)
    return choose_levelling(lines=roll_from_segments(search.segments, search.shape, person))
