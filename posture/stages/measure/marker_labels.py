"""Which landmark each skin marker marks, told from the anatomy: height, order along the body, and side.

A practitioner often marks more points than a measure needs: both PSIS and both iliac crests on a back photo,
the ASIS, the PSIS and the iliac crest from the side, the tragus and C7 besides. Each marker is named by where
the anatomy puts its landmark, relative to the others and to the person's landmarks:

* from behind (or in front), the person's side is the side of the spine's line (the hip landmarks' midpoint)
  the marker lies on; on one side the iliac crest lies further out than the PSIS (in front, the ASIS). Its top,
  on the outline of the waist, lies well outside the hip joint, the PSIS well inside it (a thumb's width either
  side of the spine);
* from the side, the ASIS lies in front, the PSIS behind, and the iliac crest between them and above the line
  from one to the other (by 1-6 cm, whatever the pelvis's tilt: the three turn together); the tragus lies above
  C7.

A marker is left unnamed rather than guessed: two candidates for one landmark, a marker on the spine's line or
straight above the hip joint, or a third marker that is no iliac crest, are a :class:`MarkerProblem` whose
message says what is in the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posture.core.pose import midpoint, side_landmark
from posture.stages.gate import Verdict

ORDER_GAP = 0.05
"""Side view: markers this close (share of the trunk's length, shoulders to hips) front to back near the pelvis, or
in height at the neck, cannot be put in order (the ASIS, crest and PSIS lie 8-9 cm apart front to back, the tragus
about 13 cm above C7, with the trunk about 55 cm; on the fuller marker renders at least 0.11 and 0.15)."""
MIDLINE = 0.2
"""Back or front view: a marker nearer the spine's line than this share of the hip landmarks' half-distance has no
side (the PSIS lie 0.33-0.71 of it out on the fuller marker renders of three bodies)."""
CREST_BOUNDARY = (0.85, 1.15)
"""Back view, a marker without a partner on its side: nearer the spine than the first share of the hip landmarks'
half-distance is a PSIS, further out than the second an iliac crest, in between (about above the hip joint) neither
(renders: PSIS 0.33-0.71, crests 1.30-1.91)."""
SPREAD = 0.4
"""Back or front view: two markers on one side must lie this share of the hip landmarks' half-distance apart side
to side for the outer to be the iliac crest (renders: 0.94-1.25 between PSIS and crest)."""
CREST_BELOW = 0.1
"""An iliac crest marker may lie this share of the trunk's length below the PSIS (or ASIS) marker on its side, no
more: the crest's top is about level with the PSIS (renders: at most 0.045 of the trunk below it, the pelvis
dropped 8 deg), and a marker further down (the greater trochanter's, about 10 cm down) is no crest."""


class MarkerProblem(Exception):
    """The markers could not be named without guessing; the message says what was found and what to change."""


@dataclass(frozen=True, slots=True)
class Marker:
    """One marker: its centre in original pixels, its diameter in pixels, and how round it is (1 = a disc).

    ``toward_body`` is, for a ball sitting on the person's outline, the unit vector in the picture from its centre
    towards the body (the way to the skin under it); None for a ball seen against the body.
    """

    x: float
    y: float
    diameter: float
    roundness: float
    toward_body: tuple[float, float] | None = None

    @property
    def xy(self) -> np.ndarray:
        return np.array([self.x, self.y])

    @property
    def radius(self) -> float:
        return self.diameter / 2.0


@dataclass(frozen=True, slots=True)
class MarkerLabels:
    """The markers named by the landmark each marks.

    Attributes:
        named: landmark name → marker. Side views: ``"asis"``, ``"iliac_crest"``, ``"psis"`` (the near side's),
            ``"tragus"``, ``"c7"``. Back and front views: ``"left_psis"``, ``"right_iliac_crest"``, ... (the
            person's sides; ``"asis"`` in a front view), or ``"left_pelvis"`` / ``"right_pelvis"`` for a pair in a
            front view that cannot say which point it marks.
        unnamed: markers near the pelvis or neck that alone mark no landmark this view can name (a lone marker
            near the pelvis from the side, a lone one at the neck), as (where, count).
        elsewhere: markers on the person far from every marked landmark this view uses.
    """

    named: dict[str, Marker] = field(default_factory=dict)
    unnamed: tuple[tuple[str, int], ...] = ()
    elsewhere: int = 0


def label_markers(markers: tuple[Marker, ...], verdict: Verdict) -> MarkerLabels:
    """Each marker named by the landmark it marks, in the verdict's view (the markers in the pose's pixels).

    Raises:
        MarkerProblem: two candidates for one landmark, or a marker that fits no landmark where one must be.
    """
    pose = verdict.pose
    if pose is None or not verdict.ok:
        return MarkerLabels()
    xy = pose.xy
    hips = midpoint(xy, "HIP")
    trunk = float(np.hypot(*(midpoint(xy, "SHOULDER") - hips)))
    if verdict.view.kind == "side" and verdict.near_side is not None:
        facing = verdict.facing
        hip = xy[side_landmark(verdict.near_side, "HIP")]
        ear = xy[side_landmark(verdict.near_side, "EAR")]
        pelvis = _near(markers, hip + np.array([0.0, -0.2 * trunk]), 0.45 * trunk)
        neck = _near(markers, ear + np.array([-facing * 0.25 * trunk, 0.15 * trunk]), 0.45 * trunk)
        named = {**_side_pelvis(pelvis, facing, trunk), **_neck(neck, trunk)}
        unnamed = tuple((where, 1) for where, group in (("near the pelvis", pelvis), ("at the neck", neck))
                        if len(group) == 1)
        return MarkerLabels(named, unnamed, len(markers) - len(pelvis) - len(neck))
    if verdict.view.kind in ("front", "back"):
        pelvis = _near(markers, hips + np.array([0.0, -0.3 * trunk]), 0.6 * trunk)
        persons_left = -1.0 if verdict.view == "back" else 1.0
        half_width = abs(float(xy[side_landmark("left", "HIP")][0] - xy[side_landmark("right", "HIP")][0])) / 2.0
        named = _behind_pelvis(pelvis, float(hips[0]), persons_left, max(half_width, 1e-9), trunk,
                               "psis" if verdict.view == "back" else "asis")
        return MarkerLabels(named, (), len(markers) - len(pelvis))
    return MarkerLabels(elsewhere=len(markers))


def _near(markers: tuple[Marker, ...], around: np.ndarray, radius: float) -> list[Marker]:
    return [m for m in markers if float(np.hypot(*(m.xy - around))) <= radius]


def _side_pelvis(markers: list[Marker], facing: int, trunk: float) -> dict[str, Marker]:
    """Side view, near the pelvis: front to back the ASIS, the iliac crest (above the line between the other two)
    and the PSIS; two markers are the ASIS and the PSIS."""
    if len(markers) > 3:
        raise MarkerProblem(
            f"found {len(markers)} markers near the pelvis, where at most 3 belong from the side (the near side's "
            "ASIS, iliac crest and PSIS): take the far side's markers off or turn them out of sight")
    if len(markers) < 2:
        return {}
    ordered = sorted(markers, key=lambda m: -facing * m.x)  # front to back
    for ahead, behind in zip(ordered, ordered[1:]):
        if facing * (ahead.x - behind.x) < ORDER_GAP * trunk:
            raise MarkerProblem(
                "two markers near the pelvis lie one above the other, so which is the ASIS, the PSIS or the iliac "
                "crest cannot be told: mark only the near side's ASIS, PSIS and iliac crest, and keep the far "
                "side's markers out of sight")
    if len(ordered) == 2:
        return {"asis": ordered[0], "psis": ordered[1]}
    asis, crest, psis = ordered
    if _height_above_line(crest.xy, asis.xy, psis.xy) <= 0.0:
        raise MarkerProblem(
            "the marker between the ASIS and the PSIS lies below the line from one to the other, where no iliac "
            "crest is: take off any marker that is not on the ASIS, the PSIS or the top of the iliac crest")
    return {"asis": asis, "iliac_crest": crest, "psis": psis}


def _height_above_line(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """How far ``point`` lies above the line through ``a`` and ``b``, across it (y down: above is smaller y)."""
    along = (b - a) / max(float(np.hypot(*(b - a))), 1e-9)
    across = np.array([along[1], -along[0]])
    if across[1] > 0.0:  # the normal that points up the picture
        across = -across
    return float((point - a) @ across)


def _neck(markers: list[Marker], trunk: float) -> dict[str, Marker]:
    """Side view, at the neck: the tragus above C7."""
    if len(markers) > 2:
        raise MarkerProblem(
            f"found {len(markers)} markers at the neck, where 2 belong (the near tragus and C7): take off the "
            "others")
    if len(markers) < 2:
        return {}
    tragus, c7 = sorted(markers, key=lambda m: m.y)
    if c7.y - tragus.y < ORDER_GAP * trunk:
        raise MarkerProblem(
            "the two markers at the neck lie at the same height, so which is the tragus and which C7 cannot be "
            "told: check that they sit on the tragus of the ear and on the bump at the base of the neck")
    return {"tragus": tragus, "c7": c7}


def _behind_pelvis(markers: list[Marker], midline_x: float, persons_left: float, half_width: float, trunk: float,
                   spine: str) -> dict[str, Marker]:
    """Back (or front) view, near the pelvis: each side's PSIS (ASIS) inside, iliac crest outside.

    Two markers on one side: the inner is the PSIS, the outer the crest. One marker on a side: the landmark whose
    marker on the other side it mirrors, or without such a pair (back view) the PSIS inside the hip joint's line
    and the crest outside it; in a front view such a pair is named as the pelvis's (ASIS and crest lie too close
    side to side for the hip landmarks to tell them apart).
    """
    sides: dict[str, list[tuple[float, Marker]]] = {"left": [], "right": []}
    for marker in markers:
        offset = persons_left * (marker.x - midline_x)
        if abs(offset) < MIDLINE * half_width:
            raise MarkerProblem(
                "a marker near the pelvis lies on the spine's line, so its side cannot be told: the PSIS lie a "
                "thumb's width either side of the spine; take off any marker on the spine itself")
        sides["left" if offset > 0.0 else "right"].append((abs(offset) / half_width, marker))
    for side, found in sides.items():
        if len(found) > 2:
            raise MarkerProblem(
                f"found {len(found)} markers on the person's {side} of the pelvis, where at most 2 belong (the "
                f"{spine.upper()} and the iliac crest): take off the others")
        found.sort(key=lambda item: item[0])
        if len(found) == 2:
            (inner, inner_marker), (outer, outer_marker) = found
            if outer - inner < SPREAD:
                raise MarkerProblem(
                    f"the two markers on the person's {side} of the pelvis lie one above the other, so which is the "
                    f"{spine.upper()} and which the iliac crest cannot be told: the crest's marker goes on the top "
                    "of the crest, at the side of the waist")
            if outer_marker.y - inner_marker.y > CREST_BELOW * trunk:
                raise MarkerProblem(
                    f"the outer marker on the person's {side} of the pelvis lies well below the {spine.upper()}, "
                    "where no iliac crest is: the crest's marker goes on the top of the crest, at the side of the "
                    "waist")
    named: dict[str, Marker] = {}
    for side, other in (("left", "right"), ("right", "left")):
        found, partners = sides[side], sides[other]
        if len(found) == 2:
            named[f"{side}_{spine}"], named[f"{side}_iliac_crest"] = found[0][1], found[1][1]
        elif len(found) == 1 and len(partners) == 2:
            (share, marker), (inner, _), (outer, _) = found[0], *partners
            named[f"{side}_{spine if share < (inner + outer) / 2.0 else 'iliac_crest'}"] = marker
        elif len(found) == 1 and spine == "asis":
            named[f"{side}_pelvis"] = found[0][1]
        elif len(found) == 1:
            share, marker = found[0]
            if CREST_BOUNDARY[0] <= share <= CREST_BOUNDARY[1]:
                raise MarkerProblem(
                    f"the marker on the person's {side} of the pelvis lies straight above the hip joint, so whether "
                    "it marks the PSIS or the iliac crest cannot be told: the PSIS lie a thumb's width either side "
                    "of the spine, the crest's top at the side of the waist")
            named[f"{side}_{'psis' if share < CREST_BOUNDARY[0] else 'iliac_crest'}"] = marker
    return named
