"""Measurements read from the landmarks alone: trunk, hips, knees, feet, plumb line and the front view's lengths."""

from __future__ import annotations

import math

import numpy as np

from posture.core.geometry import forward_angle_from_vertical, interior_angle_deviation
from posture.core.measurement import Measurement
from posture.core.pose import Landmark
from posture.core.units import DEG
from posture.stages.measure.bodies import FrontBody, SideBody, landmark_names, measures


def trunk_landmark_angle(body: SideBody) -> float:
    return forward_angle_from_vertical(body.points["HIP"], body.points["SHOULDER"], body.facing)


@measures("trunk_lean")
def trunk_lean(body: SideBody) -> Measurement:
    value, method, raw = body.calibrated("trunk_lean", trunk_landmark_angle(body), DEG,
                                         "Angle of the hip → shoulder landmark line from vertical.")
    return Measurement("trunk_lean", value, DEG, method, body.names("HIP", "SHOULDER"), components=raw)


@measures("hip_extension")
def hip_extension(body: SideBody) -> Measurement:
    p = body.points
    # The thigh hangs down from the hip: measure it from the downward vertical, + = knee ahead.
    thigh = math.degrees(math.atan2(body.ahead_px("KNEE", "HIP"), float(p["KNEE"][1] - p["HIP"][1])))
    value, method, raw = body.calibrated(
        "hip_extension", -(trunk_landmark_angle(body) + thigh), DEG,
        "Angle between the trunk line (hip → shoulder) and the thigh line (hip → knee), 0 when they are in one "
        "straight line; + when the hips are pushed forward of both.")
    return Measurement("hip_extension", value, DEG, method, body.names("SHOULDER", "HIP", "KNEE"), components=raw)


@measures("foot_hip_offset")
def foot_hip_offset(body: SideBody) -> Measurement:
    scale = body.scale
    # The calibration is fitted in % of body height, so it is applied before converting to cm.
    percent, method, raw = body.calibrated(
        "foot_hip_offset", scale.percent(body.ahead_px("HIP", "ANKLE")), "% of body height",
        "Horizontal distance of the hip landmark ahead of the ankle landmark.")
    return Measurement("foot_hip_offset", scale.from_percent(percent), scale.unit, method,
                       body.names("HIP", "ANKLE"),
                       components=tuple((name, scale.from_percent(value)) for name, value in raw))


@measures("plumb_line")
def plumb_line(body: SideBody) -> Measurement:
    parts = ("EAR", "SHOULDER", "HIP", "KNEE")
    offsets = tuple((part.lower(), body.scale.convert(body.ahead_px(part, "ANKLE"))) for part in parts)
    return Measurement(
        "plumb_line", offsets[0][1], body.scale.unit,
        "Proxy of Kendall's plumb line (ear lobe, acromion, greater trochanter, knee, lateral malleolus): "
        "horizontal offsets of the ear, shoulder, hip and knee landmarks from the vertical through the ankle "
        "landmark, as the landmarks lie (without the bias correction of foot_hip_offset); the value is the "
        "ear's.",
        body.names(*parts, "ANKLE"), proxy=True, components=offsets,
    )


@measures("knee_angle")
def knee_angle(body: SideBody) -> Measurement:
    p = body.points
    return Measurement(
        "knee_angle", interior_angle_deviation(p["HIP"], p["KNEE"], p["ANKLE"], body.facing), DEG,
        "Deviation of the hip–knee–ankle angle from straight; + = knee behind the hip–ankle line.",
        body.names("HIP", "KNEE", "ANKLE"),
    )


@measures("lateral_trunk_shift")
def lateral_trunk_shift(body: FrontBody) -> Measurement:
    xy = body.xy
    shoulders = xy[Landmark.LEFT_SHOULDER][0] + xy[Landmark.RIGHT_SHOULDER][0]
    hips = xy[Landmark.LEFT_HIP][0] + xy[Landmark.RIGHT_HIP][0]
    shift = float(body.to_persons_left * (shoulders - hips) / 2.0)
    return Measurement(
        "lateral_trunk_shift", body.scale.convert(shift), body.scale.unit,
        "Horizontal offset of the mid-shoulder point from the mid-hip point, + towards the person's left.",
        landmark_names(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    )


@measures("apparent_leg_length_difference")
def apparent_leg_length_difference(body: FrontBody) -> Measurement:
    xy = body.xy
    left = float(np.hypot(*(xy[Landmark.LEFT_HIP] - xy[Landmark.LEFT_ANKLE])))
    right = float(np.hypot(*(xy[Landmark.RIGHT_HIP] - xy[Landmark.RIGHT_ANKLE])))
    return Measurement(
        "apparent_leg_length_difference", body.scale.convert(left - right), body.scale.unit,
        "Hip → ankle landmark distance, left minus right, as the person stands: a bent knee or a hiked hip "
        "changes it, so it is the legs' apparent length, not the bones'.",
        landmark_names(Landmark.LEFT_HIP, Landmark.LEFT_ANKLE, Landmark.RIGHT_HIP, Landmark.RIGHT_ANKLE), proxy=True,
    )
