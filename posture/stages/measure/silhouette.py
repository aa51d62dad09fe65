"""Posture measurements: pure functions from landmark positions to numbers.

Coordinates are pixels with x to the right and y down (after levelling).
``facing`` is +1 when the person faces image-right and -1 when they face
image-left, so ``forward = facing * dx`` and ``up = -dy``. Offsets are returned
both in pixels and, through :class:`BodyScale`, as % of body height or cm.
Signs follow SPEC.md: for every side-view measurement, + means forward.

Each measurement id of :mod:`posture.knowledge.registry` has one function here,
registered with :func:`_measures`; :func:`measure_side_view` and
:func:`measure_front_view` run those that apply, in the registry's order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posture.core.measurement import Measurement, Withheld
from posture.core.pose import Landmark, midpoint
from posture.core.units import DEG
from posture.knowledge.calibration import LinearCalibration
from posture.stages.measure import outline
from posture.stages.measure.bodies import (
    FrontBody,
    SideBody,
    SideProfile,
    landmark_names,
    measures,
)
from posture.stages.measure.landmark import trunk_landmark_angle

C7_ROW = (0.415, 0.356, 0.0322)
"""C7's image row: the nape's hollow, moved by these shares of the way to the steepest stretch of the bend and to
the ear landmark's row, and by this many body heights down. Fitted with :data:`C7_FORWARD` and
:data:`TRAGUS_FROM_EAR` on renders of the five calibration bodies (bench/accuracy.py --fit-head-geometry) to the
angle of the line between the two points: to the CVA, to each posture's change of it from the same body's neutral
render, and with the points kept near the skin vertex over C7 and the tragus (about 0.7% of body height, 1.2 cm, from
them). Fitted to the points' places alone, the line read a neck flexion's change about 10% too large and a head
protraction's about 10% too small (bench/ACCURACY.md)."""
C7_FORWARD = 0.0026
"""C7 lies this many body heights ahead of the back outline at its row (the outline seen from below is the upper
trapezius, behind the spine)."""


SHOULDER_TOP_SPAN = (0.55, 1.05)
"""Where the top of each shoulder is read: fractions of the half shoulder span out from the midline, clear of the neck."""


def shoulder_tops(body: FrontBody) -> dict[str, np.ndarray] | None:
    """Height of the top of each shoulder's outline above the shoulder landmarks' midpoint, in pixels, or None.

    Rays go straight up from just below the shoulder line at several distances
    out from the midline; the person's left and right share the same distances.
    """
    if body.outline is None:
        return None
    xy = body.xy
    left, right = xy[Landmark.LEFT_SHOULDER], xy[Landmark.RIGHT_SHOULDER]
    middle = midpoint(xy, "SHOULDER")
    half_span = float(abs(left[0] - right[0])) / 2.0
    trunk = float(np.hypot(*(middle - midpoint(xy, "HIP"))))
    if half_span <= 0.0 or trunk <= 0.0:
        return None
    frame = outline.AxisFrame(origin=middle, up=np.array([body.to_persons_left, 0.0]), across=np.array([0.0, -1.0]),
                              length=half_span)
    reach = 0.6 * trunk
    outwards = np.linspace(*SHOULDER_TOP_SPAN, 11)
    tops = {side: outline.edge_distances(body.outline.probability, body.outline.scale, frame, sign * outwards,
                                         direction=1, start_px=-0.08 * trunk, reach_px=reach)
            for side, sign in (("left", 1.0), ("right", -1.0))}
    if any(np.isfinite(top).mean() < 0.6 for top in tops.values()):
        return None
    return tops


def outline_estimate(correction: LinearCalibration, features: dict[str, float]) -> float:
    """The calibrated estimate, in % of body height, from the outline's features alone (the landmarks' left out).

    It is the outline's own witness of which side is higher, beside the landmarks' (``landmark_difference``):
    a side is claimed only when the two agree (:mod:`posture.stages.witnesses`).
    """
    return correction.combine({**features, "landmark_difference": 0.0})


@measures("shoulder_height_difference")
def shoulder_height_difference(body: FrontBody) -> Measurement:
    left, right = body.xy[Landmark.LEFT_SHOULDER], body.xy[Landmark.RIGHT_SHOULDER]
    rise = float(right[1] - left[1])
    span = float(abs(left[0] - right[0]))
    correction = body.correction("shoulder_height_difference")
    tops = shoulder_tops(body) if correction is not None else None
    if correction is None or tops is None:
        tilt = math.degrees(math.atan2(rise, span))
        return Measurement(
            "shoulder_height_difference", body.scale.convert(rise), body.scale.unit,
            f"Proxy of the acromion heights: the left shoulder landmark's height above the right one (shoulder "
            f"tilt {tilt:+.1f} deg). On rendered bodies it follows a true difference at about 0.6 of its size.",
            landmark_names(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER), proxy=True,
            components=(("shoulder_tilt_deg", tilt),),
        )
    outline_rise = float(np.nanmean(tops["left"] - tops["right"]))
    features = {"outline_difference": body.scale.percent(outline_rise), "landmark_difference": body.scale.percent(rise)}
    percent = correction.combine(features)
    features["outline_estimate"] = outline_estimate(correction, features)
    tilt = math.degrees(math.atan2(percent * body.scale.body_height_px / 100.0, span))
    return Measurement(
        "shoulder_height_difference", body.scale.from_percent(percent), body.scale.unit,
        "Estimated from the outline of the top of each shoulder (silhouette) together with the shoulder "
        f"landmarks, calibrated on rendered bodies against the acromions (shoulder tilt {tilt:+.1f} deg).",
        landmark_names(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER), proxy=True,
        components=(("shoulder_tilt_deg", tilt), *features.items()),
    )


# ------------------------------------------------------------------ outline measures, side view
# Levels are fractions of the hip → shoulder length along the trunk, 0 at the hip landmark.
PROFILE_LEVELS = np.round(np.arange(-0.45, 1.0001, 0.01), 2)
BUTTOCK_SPAN = (-0.40, 0.10)
LUMBAR_SPAN = (0.10, 0.55)
GROIN_SPAN = (-0.25, 0.10)
RIBS_LEVEL = 0.55
PROFILE_REACH = 0.7
"""How far a ray looks for the side outline, in trunk lengths: beyond any trunk's depth (at most about 0.35)."""
"""Where on the trunk each part of the side outline is looked for (measured on renders of seven bodies)."""


def side_profile(body: SideBody) -> SideProfile | None:
    """The side outline, or None without a mask or when the outline misses most of the trunk."""
    if body.outline is None:
        return None
    frame = outline.trunk_frame(body.points["HIP"], body.points["SHOULDER"], body.facing)
    reach = PROFILE_REACH * frame.length
    mask, scale = body.outline.probability, body.outline.scale
    back = outline.edge_distances(mask, scale, frame, PROFILE_LEVELS, direction=-1, reach_px=reach) / frame.length
    front = outline.edge_distances(mask, scale, frame, PROFILE_LEVELS, direction=1, reach_px=reach) / frame.length
    if np.isfinite(back).mean() < 0.8 or np.isfinite(front).mean() < 0.8:
        return None
    return SideProfile(levels=PROFILE_LEVELS, back=back, front=front, frame=frame)


CLOTH_WAIST_DEPTH = 0.54
"""Trunk depth (back to front outline, square to the hip → shoulder line) at the waist, in trunk lengths, beyond
which the side outline is taken for loose cloth: the deepest of 350 close-fitting side renders of seven bodies
(heavy ones included) reached 0.53, loose T-shirts 0.46-0.66 (bench/ACCURACY.md, "Looser clothing")."""
CLOTH_BACK_STEP = 0.03
"""A step in the back outline between neighbouring levels (0.01 trunk lengths apart), in trunk lengths, beyond
which it is taken for a garment's hem standing off the body: close-fitting renders stayed below 0.024."""
WAIST_DEPTH_SPAN = (0.20, 0.50)
STEP_SPAN = (-0.30, 0.60)
CLOTH_RECESSION = 0.045
"""How far, in trunk lengths, the back and the front outline together must draw in on the way down between the chest and
the waist (:data:`PLUMB_SPAN`) for the outline to be taken for the body. Cloth hangs plumb from the most outward
point above it (the shoulder blades behind, the chest in front), so a loose top's outlines never move inward above
its hem; a body's do: the low back's hollow behind, below the chest in front, and one or the other whenever the trunk
leans. The 350 close-fitting side renders of seven bodies drew in by 0.058 at least (a lean man leaning 20° forward;
0.079 and more outside the trunk-lean sweep), the 56 loose T-shirts by 0.034 at most (bench/ACCURACY.md, "Looser
clothing"), so this sits about midway. In real side photos (frames of public gait videos) three T-shirts and a polo
drew in by 0.007-0.027 and a close-fitting top by 0.15, but a T-shirt under long hair hanging down the back by
0.10-0.15: hair, folds or cloth clinging to the body let a loose top escape this check, and a body whose back and
front both fall plumb would be withheld falsely."""
PLUMB_SPAN = (0.15, 0.80)
"""Levels where the recession is read: below the armpits, where a loose top starts to hang, and above its hem."""


def plumb_recession(profile: SideProfile, behind: bool) -> float:
    """The furthest the back (or front) outline moves inward below a point of it higher up, in trunk lengths.

    Read horizontally (the photo is levelled, so horizontal is square to true vertical) over :data:`PLUMB_SPAN`:
    cloth hanging plumb gives 0. NaN without two outline points there.
    """
    values = profile.back if behind else profile.front
    keep = (profile.levels >= PLUMB_SPAN[0]) & (profile.levels <= PLUMB_SPAN[1]) & np.isfinite(values)
    if keep.sum() < 2:
        return math.nan
    frame = profile.frame
    offsets = (-values[keep] if behind else values[keep]) * frame.length
    points = frame.origin + (profile.levels[keep] * frame.length)[:, None] * frame.up + offsets[:, None] * frame.across
    # outward = away from the trunk, horizontally: forward for the front, backward for the back
    forward = math.copysign(1.0, float(frame.across[0]))
    outward = (-forward if behind else forward) * points[:, 0]
    top_down = np.argsort(points[:, 1])
    outward = outward[top_down]
    return float(np.max(np.maximum.accumulate(outward) - outward)) / frame.length


def side_cloth(profile: SideProfile) -> str | None:
    """Why the side outline around the pelvis is probably loose cloth rather than the body, or None.

    A loose top hangs from the chest and the shoulder blades: the trunk looks deeper at the waist than any
    close-fitting body, its hem stands off the body in a step, and neither its back nor its front outline moves
    inward on the way down from the chest to the waist (:data:`CLOTH_RECESSION`). Any sign withholds the outline
    measures.
    """
    levels, back, front = profile.levels, profile.back, profile.front
    waist = (levels >= WAIST_DEPTH_SPAN[0]) & (levels <= WAIST_DEPTH_SPAN[1])
    depth = back[waist] + front[waist]
    if np.isfinite(depth).any() and float(np.nanmean(depth)) > CLOTH_WAIST_DEPTH:
        return (f"the trunk is {float(np.nanmean(depth)):.2f} trunk lengths deep at the waist, more than a body in "
                "close-fitting clothes")
    spanned = back[(levels >= STEP_SPAN[0]) & (levels <= STEP_SPAN[1])]
    steps = np.abs(np.diff(spanned))
    if np.isfinite(steps).any() and float(np.nanmax(steps)) > CLOTH_BACK_STEP:
        return "the back outline steps out as a garment's hem does"
    recession = plumb_recession(profile, behind=True) + plumb_recession(profile, behind=False)
    if recession < CLOTH_RECESSION:
        return (f"the back and front of the trunk hang plumb from the chest to the waist, as cloth does: together "
                f"they draw in by {recession:.3f} trunk lengths, a body by more than {CLOTH_RECESSION:.3f}")
    return None


def trunk_unread(measurement_id: str, body: SideBody) -> Withheld | None:
    """An outline measure withheld because the side outline misses much of the trunk; None without any outline."""
    if body.outline is None:
        return None
    return Withheld(measurement_id, "outline", (
        "The body's outline could not be followed along most of the trunk from the hips to the shoulders (the "
        "person blends into the background there, or an arm or an object crosses the trunk); a photo against a "
        "plain background that contrasts with the clothes, the arms hanging clear of the trunk, lets posture "
        "read it."))


def loose_cloth(measurement_id: str, clause: str) -> Withheld:
    """An outline measure withheld because the outline looks like loose clothing (``clause`` says how)."""
    return Withheld(measurement_id, "clothing",
                    f"Probably loose clothing around the pelvis ({clause}): the outline would measure the cloth, not "
                    "the body; a photo in close-fitting clothes (or with the top tucked in) lets posture read it.")


def _span(profile: np.ndarray, levels: np.ndarray, span: tuple[float, float]) -> np.ndarray:
    return np.where((levels >= span[0]) & (levels <= span[1]), profile, np.nan)


@measures("pelvic_tilt")
def pelvic_tilt(body: SideBody) -> Measurement | Withheld | None:
    correction = body.calibrations.get("pelvic_tilt") if body.calibrations is not None else None
    profile = body.profile
    if correction is None:
        return None
    if profile is None:
        return trunk_unread("pelvic_tilt", body)
    cloth = side_cloth(profile)
    if cloth is not None:
        return loose_cloth("pelvic_tilt", cloth)
    levels, back = profile.levels, profile.back
    hollow, lumbar_level = outline.hollow_depth(levels, back, *LUMBAR_SPAN)
    buttock_level = outline.peak_level(levels, _span(back, levels, BUTTOCK_SPAN), *BUTTOCK_SPAN)
    upper_level = outline.peak_level(levels, _span(back, levels, (LUMBAR_SPAN[1], 1.0)), LUMBAR_SPAN[1], 1.0)
    if not all(np.isfinite(v) for v in (hollow, lumbar_level, buttock_level, upper_level)):
        return Withheld("pelvic_tilt", "outline", (
            "The outline of the back shows no buttock, hollow of the low back and upper back that posture can "
            "place along the trunk (a bag, a hand or a jacket's tail may hide them); a side photo with the back of "
            "the body clear against a plain background lets posture read them."))
    buttock = float(np.nanmax(_span(back, levels, BUTTOCK_SPAN))) - float(np.interp(lumbar_level, levels, back))
    features = {"hollow_depth": hollow, "buttock_prominence": buttock,
                "trunk_lean_landmarks": trunk_landmark_angle(body)}
    value = correction.combine(features)
    return Measurement(
        "pelvic_tilt", value, DEG,
        "Estimated from the body outline (silhouette): how deep the hollow of the low back lies under the line "
        "touching the buttock and the upper back, and how far the buttock stands behind that hollow, both in "
        "trunk lengths along the hip → shoulder line, with the trunk line's lean; calibrated on rendered bodies "
        "of known ASIS–PSIS tilt (bench/ACCURACY.md). The outline cannot tell a pelvis tipped by bending at the "
        "hips from one tipped by the trunk's lean except through that lean.",
        body.names("HIP", "SHOULDER"), proxy=True,
        components=(("hollow_depth", hollow), ("buttock_prominence", buttock)),
        points=(("buttock", *profile.point(buttock_level, True)), ("lumbar", *profile.point(lumbar_level, True)),
                ("upper_back", *profile.point(upper_level, True))),
    )


@measures("belly_prominence")
def belly_prominence(body: SideBody) -> Measurement | Withheld | None:
    profile = body.profile
    if profile is None:
        return trunk_unread("belly_prominence", body)
    cloth = side_cloth(profile)
    if cloth is not None:
        return loose_cloth("belly_prominence", cloth)
    levels, front = profile.levels, profile.front
    groin_level = outline.peak_level(levels, -_span(front, levels, GROIN_SPAN), *GROIN_SPAN)
    if not np.isfinite(groin_level):
        return Withheld("belly_prominence", "outline", (
            "The outline of the front of the body shows no groin crease below the belly that posture can place (a "
            "hand, an arm or a bag may hide it); a side photo with the arms hanging clear of the front of the body "
            "lets posture read it."))
    stands_out = outline.bulge(levels, front, groin_level, RIBS_LEVEL)
    if not np.isfinite(stands_out):
        return None
    inside = (levels > groin_level) & (levels < RIBS_LEVEL) & np.isfinite(front)
    chord = np.interp(levels, [groin_level, RIBS_LEVEL],
                      [float(np.interp(groin_level, levels, front)), float(np.interp(RIBS_LEVEL, levels, front))])
    belly_level = float(levels[inside][int(np.argmax((front - chord)[inside]))])
    return Measurement(
        "belly_prominence", body.scale.convert(stands_out * profile.frame.length), body.scale.unit,
        "From the body outline: the furthest the front of the belly stands ahead of the straight line from the "
        "groin crease to the lower ribs, measured square to the hip → shoulder line. Clothing adds to it.",
        body.names("HIP", "SHOULDER"),
        points=(("groin", *profile.point(groin_level, False)), ("belly", *profile.point(belly_level, False)),
                ("ribs", *profile.point(RIBS_LEVEL, False))),
    )


# ------------------------------------------------------------------ outline measures, front and back views
HIP_LEVELS = np.round(np.arange(-0.30, 0.60001, 0.01), 2)
WAIST_SPAN = (0.15, 0.45)
MAX_HIP_SHIFT = 0.15
"""Trunk lengths above the mid-hip point where each flank's outline is read (hip to lower ribs), the part of
it where the waist draws in on a hiked side, and the largest vertical shift searched between the two flanks."""
CREST_WIDTH_SHARE = 0.7
"""The iliac crests' span as a share of the widest span of the flanks (measured on the rendered bodies)."""
MIN_HIP_OUTLINE_SHARE = 0.6
"""Share of the hip span whose outline must be clear of the arms for the whole flank to be read; below it the hip
height is read from the waist alone (:func:`hip_height_from_waist`), or withheld with the arm named."""
CLOTH_WAIST_WIDTH = 1.08
"""Waist width (both flanks, over WAIST_SPAN) over the shoulder landmarks' span beyond which the flanks are taken
for loose cloth: close-fitting renders of seven bodies reached 1.07, loose T-shirts 0.89-1.15
(bench/ACCURACY.md, "Looser clothing"), so this catches only the widest shirts."""
INSET_CHEST_SPAN = (0.45, 0.60)
INSET_HIP_SPAN = (-0.30, 0.0)
"""Levels (trunk lengths above the mid-hip point) where :func:`waist_inset` reads the flank below the armpits and
at the hips; the waist is :data:`WAIST_SPAN`."""
CLOTH_WAIST_INSET = 0.075
"""How far, in trunk lengths, each flank must draw in at the waist (the mean of the two flanks, see
:func:`waist_inset`) for the outline to be taken for the body. A loose top hangs from the chest to the hips and
bridges the waist: on the three lean rendered bodies (man_average, man_tall_lean, woman_athletic) the 36 loose
T-shirts drew in by 0.066 at most, on woman_average by 0.068-0.092; the 182 close-fitting front/back renders whose
flanks could be read (140 with the arms away) drew in by 0.091 at least (man_heavy_older; the other heavy and stocky
bodies 0.12 and more), so this sits a little below midway. On the heavy and stocky bodies the loose top lies on
the flanks as close-fitting clothes do (0.084-0.142): those shirts pass, and a real body with no waist at all in
close-fitting clothes (a large belly) would be withheld falsely (bench/ACCURACY.md, "Looser clothing")."""
_INSET_MIN_POINTS = 3


def waist_inset(levels: np.ndarray, flank: np.ndarray) -> float:
    """How far one flank draws in at the waist, in the flank's units (trunk lengths): from its widest point below
    the armpits (:data:`INSET_CHEST_SPAN`) in to its narrowest at the waist (:data:`WAIST_SPAN`), plus from there
    out to its widest at the hips (:data:`INSET_HIP_SPAN`).

    ``flank`` is the distance from the mid-line out to the outline at each level, NaN where it was not read. A
    flank hanging straight from the chest to the hips, as cloth does, gives 0. NaN with fewer than three
    readings in any of the three spans.
    """
    parts = []
    for (low, high), pick in ((INSET_CHEST_SPAN, np.max), (WAIST_SPAN, np.min), (INSET_HIP_SPAN, np.max)):
        read = flank[(levels >= low) & (levels <= high) & np.isfinite(flank)]
        if read.size < _INSET_MIN_POINTS:
            return math.nan
        parts.append(float(pick(read)))
    chest, waist, hips = parts
    return (chest - waist) + (hips - waist)


@dataclass(frozen=True, slots=True)
class Flanks:
    """Each flank's outline from hip to lower ribs, as :func:`read_flanks` finds it.

    Attributes:
        frame: upright, origin at the mid-hip point, one level unit = ``trunk`` pixels.
        trunk: the hip → shoulder midpoints' distance, pixels.
        clear: side → shape (len(HIP_LEVELS),) distance from the mid-line out to the flank, NaN where an arm
            hangs beside it with no gap between them (the outline there may be the arm's).
        seamed: as ``clear``, with the seam between a resting arm and the flank (:func:`outline.seams`)
            taken for the flank where there is one.
    """

    frame: outline.AxisFrame
    trunk: float
    clear: dict[str, np.ndarray]
    seamed: dict[str, np.ndarray]


def read_flanks(body: FrontBody) -> Flanks | None:
    """Both flanks' outlines, or None without a mask."""
    if body.outline is None:
        return None
    xy = body.xy
    mid_hip, mid_shoulder = midpoint(xy, "HIP"), midpoint(xy, "SHOULDER")
    trunk = float(np.hypot(*(mid_shoulder - mid_hip)))
    frame = outline.upright_frame(mid_hip, trunk, int(body.to_persons_left))
    mask, mask_scale = body.outline.probability, body.outline.scale
    clear, seamed = {}, {}
    for side, direction in (("left", 1), ("right", -1)):
        edges, gaps = outline.edges_and_gaps(mask, mask_scale, frame, HIP_LEVELS, direction=direction,
                                             reach_px=trunk)
        # Down to the fingertips the arm hangs beside the hip: the edge is the hip's only where a gap
        # separates the two; an arm resting against the hip would pass its own outline off as the hip's.
        beside_arm = HIP_LEVELS >= _level(body, frame, f"{side.upper()}_INDEX")
        clear[side] = np.where(beside_arm & ~gaps, np.nan, edges)
        seams = outline.seams(mask, mask_scale, frame, HIP_LEVELS, direction=direction, reach_px=trunk)
        seamed[side] = np.where(np.isfinite(clear[side]), clear[side], np.where(beside_arm, seams, np.nan))
    return Flanks(frame, trunk, clear, seamed)


def _level(body: FrontBody, frame: outline.AxisFrame, landmark: str) -> float:
    """A landmark's height above the mid-hip point, in trunk lengths."""
    return float((frame.origin[1] - body.xy[Landmark[landmark]][1]) / frame.length)


def _cloth_width(body: FrontBody, waist: dict[str, np.ndarray]) -> Withheld | None:
    """The loose-cloth verdict on the waist's width (:data:`CLOTH_WAIST_WIDTH`), or None."""
    xy = body.xy
    shoulder_span = float(abs(xy[Landmark.LEFT_SHOULDER][0] - xy[Landmark.RIGHT_SHOULDER][0]))
    widths = waist["left"] + waist["right"]
    if np.isfinite(widths).any() and shoulder_span > 0.0:
        ratio = float(np.nanmean(widths)) / shoulder_span
        if ratio > CLOTH_WAIST_WIDTH:
            return loose_cloth("hip_height_difference", f"the waist is {ratio:.2f} times as wide as the shoulder "
                               "landmarks are apart, wider than a body in close-fitting clothes")
    return None


@measures("hip_height_difference")
def hip_height_difference(body: FrontBody) -> Measurement | Withheld | None:
    correction = body.correction("hip_height_difference")
    flanks = read_flanks(body) if correction is not None else None
    if correction is None or flanks is None:
        return None
    if any(np.isfinite(flank).mean() < MIN_HIP_OUTLINE_SHARE for flank in flanks.clear.values()):
        return hip_height_from_waist(body, flanks)
    spans, trunk, scale = flanks.clear, flanks.trunk, body.scale
    waist = {side: _span(spans[side], HIP_LEVELS, WAIST_SPAN) for side in spans}
    cloth = _cloth_width(body, waist)
    if cloth is not None:
        return cloth
    inset = float(np.mean([waist_inset(HIP_LEVELS, spans[side] / trunk) for side in spans]))
    if inset < CLOTH_WAIST_INSET:  # NaN (a flank not read enough) is no sign either way
        return loose_cloth("hip_height_difference", f"the flanks hang almost straight from the chest to the hips, as "
                        f"a loose top does: they draw in at the waist by {inset:.3f} trunk lengths, where the "
                        f"close-fitting bodies posture was checked on drew in by more than {CLOTH_WAIST_INSET:.3f} "
                        "(a body with little waist can look the same)")
    shift = outline.best_shift(HIP_LEVELS, spans["left"], spans["right"], MAX_HIP_SHIFT)
    waist_gap = float(np.nanmean(waist["right"] - waist["left"])) if np.isfinite(
        waist["right"] - waist["left"]).any() else math.nan
    if not (np.isfinite(shift) and np.isfinite(waist_gap)):
        return None
    features = {
        # A hip drawn up narrows the waist above it on that side: + when the left waist is the narrower.
        "waist_difference": scale.percent(waist_gap),
        "outline_shift": scale.percent(shift * trunk),
        "landmark_difference": _landmark_difference(body),
    }
    narrowest = narrowest_waist_difference(waist)
    if np.isfinite(narrowest):  # reported so that the waist reading's calibration is fitted on these renders too
        features["narrowest_waist_difference"] = scale.percent(narrowest)
    percent = correction.combine(features)
    features["outline_estimate"] = outline_estimate(correction, features)
    crest_width = CREST_WIDTH_SHARE * float(np.nanmax(spans["left"]) + np.nanmax(spans["right"]))
    return _hip_measurement(
        body, flanks, waist, percent, features, crest_width,
        "Estimated from the outline of each flank from hip to lower ribs (silhouette: how much narrower one "
        "waist is than the other, and the vertical shift that best lines the left flank up with the right) "
        "together with the hip landmarks, calibrated on rendered bodies against the iliac crests "
        "(bench/ACCURACY.md); the obliquity is that height over the hips' width (pelvic obliquity "
        "{obliquity:+.1f} deg). Read only where the arms hang clear of the body.")


def _landmark_difference(body: FrontBody) -> float:
    """The left hip landmark's height above the right one, % of body height."""
    return body.scale.percent(float(body.xy[Landmark.RIGHT_HIP][1] - body.xy[Landmark.LEFT_HIP][1]))


def _hip_measurement(body: FrontBody, flanks: Flanks, waist: dict[str, np.ndarray], percent: float,
                     features: dict[str, float], crest_width: float, method: str) -> Measurement:
    """The hip height difference of ``percent`` (% of body height), its obliquity over ``crest_width`` pixels."""
    scale = body.scale
    obliquity = math.degrees(math.atan2(percent * scale.body_height_px / 100.0, crest_width))
    points = tuple((f"{side}_waist", *(float(c) for c in flanks.frame.point(
        float(np.mean(WAIST_SPAN)), (1 if side == "left" else -1) * float(np.nanmean(waist[side])))))
        for side in ("left", "right"))
    return Measurement(
        "hip_height_difference", scale.from_percent(percent), scale.unit, method.format(obliquity=obliquity),
        landmark_names(Landmark.LEFT_HIP, Landmark.RIGHT_HIP), proxy=True,
        components=(*features.items(), ("pelvic_obliquity_deg", obliquity)), points=points,
    )


ARM_NEAR = 0.05
"""Trunk lengths within which an unread stretch of flank is said to reach the elbow or the wrist."""
MIN_WAIST_SHARE = 0.5
"""Share of the waist (:data:`WAIST_SPAN`) each flank must show, clear of the arm or at its seam with it, for the
hip height to be read from the waist alone. On the main set's front and back renders with the arms against the
thighs (photo alone), asking for 0.5 instead of 0.6 read 5 more of 140 with the held-out bodies' error about the
same (0.78 and 0.79 cm front, 1.32 and 1.34 cm back); 0.4 read 13 more."""
FLANKS_OVER_HIP_JOINTS = 2.03
"""The widest span of the flanks over the hip landmarks' span: 2.03 (1.76-2.26) on the 140 front and back
renders with the arms a hand's width away. Where resting hands hide the hips it stands in for their width."""


WAIST_NARROWEST = 5
"""A waist's narrowest width is the mean of its five narrowest readings: one level alone would follow a single
stray seam. On the front and back renders of bodies held out of the fit, the narrowest widths' difference read
the hip height more closely than the mean widths' (bench/ACCURACY.md, "Arms resting at the sides")."""


def narrowest_waist_difference(waist: dict[str, np.ndarray]) -> float:
    """How much narrower the left waist is than the right at their narrowest (:data:`WAIST_NARROWEST`), in the
    flanks' units; NaN where either waist has fewer readings. + when the left is the narrower, as a hip drawn up
    narrows the waist above it."""
    narrowest = []
    for side in ("right", "left"):
        read = np.sort(waist[side][np.isfinite(waist[side])])
        if read.size < WAIST_NARROWEST:
            return math.nan
        narrowest.append(float(np.mean(read[:WAIST_NARROWEST])))
    return narrowest[0] - narrowest[1]


def hip_height_from_waist(body: FrontBody, flanks: Flanks) -> Measurement | Withheld:
    """The hip height read from the waist alone, where the arms rest against the body below and above it.

    Its own calibration (``hip_height_difference_waist``) weighs the difference of the waists' narrowest widths
    and the hip landmarks' difference; without it, or when an arm hides most of a waist, the measure is withheld
    with the arm named.
    """
    waist = {side: _span(flank, HIP_LEVELS, WAIST_SPAN) for side, flank in flanks.seamed.items()}
    in_waist = (HIP_LEVELS >= WAIST_SPAN[0]) & (HIP_LEVELS <= WAIST_SPAN[1])
    hidden = [side for side in ("left", "right") if np.isfinite(waist[side][in_waist]).mean() < MIN_WAIST_SHARE]
    correction = body.correction("hip_height_difference_waist")
    narrowest = narrowest_waist_difference(waist)
    if hidden or correction is None or not np.isfinite(narrowest):
        blocked = [side for side in ("left", "right")
                   if np.isfinite(flanks.clear[side]).mean() < MIN_HIP_OUTLINE_SHARE]
        return arms_hide_flanks(body, flanks, hidden or blocked)
    cloth = _cloth_width(body, waist)
    if cloth is not None:
        return cloth
    features = {"narrowest_waist_difference": body.scale.percent(narrowest),
                "landmark_difference": _landmark_difference(body)}
    percent = correction.combine(features)
    features["outline_estimate"] = outline_estimate(correction, features)
    hip_span = float(abs(body.xy[Landmark.LEFT_HIP][0] - body.xy[Landmark.RIGHT_HIP][0]))
    return _hip_measurement(
        body, flanks, waist, percent, features,
        CREST_WIDTH_SHARE * FLANKS_OVER_HIP_JOINTS * hip_span,
        "Estimated from the outline of each flank at the waist alone, as the arms rest against the body "
        "(silhouette: how much narrower one waist is than the other at its narrowest; where an arm touches the "
        "flank, the seam between them in the person mask is taken for the flank) together with the hip landmarks, "
        "calibrated on "
        "rendered bodies against the iliac crests (bench/ACCURACY.md, \"Arms resting at the sides\"); the "
        "obliquity is that height over the hips' width, taken from the hip landmarks (pelvic obliquity "
        "{obliquity:+.1f} deg). With the arms a hand's width from the body the whole flank is read.")


def arms_hide_flanks(body: FrontBody, flanks: Flanks, sides: list[str]) -> Withheld:
    """The hip height withheld because the arm on each of ``sides`` (the person's) rests against the flank.

    The sentence names the arm and the stretch of it that touches the body, e.g. "the left arm rests against
    the body from the elbow down to the wrist".
    """
    stretches = []
    for side in sides:
        unread = ~np.isfinite(flanks.seamed[side])
        elbow = _level(body, flanks.frame, f"{side.upper()}_ELBOW")
        wrist = _level(body, flanks.frame, f"{side.upper()}_WRIST")
        top = "the elbow" if unread[HIP_LEVELS >= elbow - ARM_NEAR].any() else "the waist"
        bottom = "the wrist" if unread[HIP_LEVELS <= wrist + ARM_NEAR].any() else "the hip"
        stretches.append(f"from {top} down to {bottom}")
    if len(sides) == 2 and stretches[0] == stretches[1]:
        who = f"both arms rest against the body {stretches[0]}"
    else:
        who = " and ".join(f"the {side} arm rests against the body {stretch}"
                           for side, stretch in zip(sides, stretches))
    return Withheld("hip_height_difference", "pose",
                    f"In this photo {who}, hiding the outline of the waist and hip: stand with both arms a hand's "
                    "width away from the body.")
