"""Every measurement posture makes, defined once.

A :class:`Definition` says what a measurement is: its id, its name, what it
quantifies (angle or length), its sign convention, the views it is taken in,
whether a walking step still allows it, how it is labelled and drawn on the
annotated picture, and a one-line summary for help texts and documentation.
The pipeline measures the definitions that apply to a photo's view, the
renderers label and draw from them, the CLI help, ``docs/json-output.md`` and
the README list them (``make docs``), and the benchmarks name them.

Which findings a measurement feeds is not repeated here: the knowledge base
(``knowledge/findings.toml``) names the measurement of each rule, and
:func:`posture.knowledge.explanations.load_knowledge_base` refuses an id that
is not defined here.

Adding a measurement therefore takes a definition below, one pure function
registered for its id with :func:`posture.stages.measure.bodies.measures`,
and, when it should flag something, a rule in ``knowledge/findings.toml``.
Its change texts (``knowledge/changes.toml``) and its repeatability factor
(``knowledge/repeatability.toml``) have documented defaults until it gets its
own (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from posture.core.units import Quantity

ViewKind = Literal["side", "front", "back"]
SIDE: frozenset[str] = frozenset({"side"})
FRONT_OR_BACK: frozenset[str] = frozenset({"front", "back"})


@dataclass(frozen=True, slots=True)
class Arc:
    """An arc at ``vertex`` that opens from a reference direction by the measurement's value, ray towards ``toward``.

    The arc and its closing ray turn by the value itself, so the angle drawn is the angle printed. ``reference`` is
    ``"forward"`` (horizontal, the way the person faces; the value rises from it towards up) or ``"up"`` (the
    value leans from it towards forward). Landmark names are side-free (``"SHOULDER"``): the near side's in a side
    view. ``points`` names the measurement's own points (``Measurement.points``) that the value was read from,
    used for vertex and toward instead of the landmarks when the measurement carries them.
    """

    vertex: str
    toward: str
    reference: Literal["forward", "up"]
    points: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Offset:
    """A horizontal line at the height of ``point``, from the vertical through ``reference`` to ``point``."""

    point: str
    reference: str


@dataclass(frozen=True, slots=True)
class Plumb:
    """A dashed vertical from the top of the head down through ``foot``."""

    foot: str


@dataclass(frozen=True, slots=True)
class Tag:
    """Only a label, placed ahead of ``at``."""

    at: str


@dataclass(frozen=True, slots=True)
class Level:
    """A line across the left and right ``part`` (e.g. ``"SHOULDER"``) at the measured tilt, with a level line.

    ``angle`` names the component holding the tilt in degrees, + when the person's left is higher.
    """

    part: str
    angle: str


@dataclass(frozen=True, slots=True)
class Outline:
    """The stretch of the body's outline a measurement reads: the named ``Measurement.points``, joined in order."""

    points: tuple[str, ...]


Drawing = Arc | Offset | Plumb | Tag | Level | Outline


@dataclass(frozen=True, slots=True)
class Definition:
    """One measurement, as every part of posture sees it.

    Attributes:
        id: the stable id used in JSON, CSV and SPEC.md, e.g. ``"trunk_lean"``.
        name: the measurement in a few words, for people.
        quantity: ``"angle"`` (degrees) or ``"length"`` (cm with a known
            height, else % of body height).
        sign: what a positive value means (SPEC.md).
        views: view kinds it is measured in (``"side"``, ``"front"``, ``"back"``).
        stride_safe: still meaningful when the legs are in a walking step.
        signed: the sign is part of the reading (``+2.0°`` lean); False for
            angles read as a size (a head angle of ``48°``).
        label: a short label for the annotated picture.
        drawing: how it is drawn on the picture, or None when it is not.
        summary: one line for help texts and the documentation table.
        brief: a shorter line for the README's list of measurements
            (Markdown), when ``summary`` says more than that list should;
            None to list the summary itself.
        directions: words for a positive and a negative value, for sided
            measurements where "+" alone would not say which side.
        components: names of the sub-values it always carries (the flat row
            gives each a column); a calibrated measurement also carries
            ``uncalibrated``, which the row leaves to the JSON.
        accuracy: for a measurement whose single-photo value is much less
            certain than its changes, the typical error of that value (degrees;
            bench/ACCURACY.md, held-out bodies): thresholds move outward by it,
            so one photo flags only what it can support. Changes between photos
            are judged by their own noise instead.
        resolution: for sided measurements, the size a difference must exceed
            to be told from zero when the photo has no uncertainty of its own,
            in degrees or % of body height: the 95th percentile of the error on
            level renders of bodies held out of the calibration (bench/ACCURACY.md).

        for_reference: for a measurement no finding judges, what its reading is
            for, in one line (reports list it beside "for reference; no typical
            range"); None for a judged one.
    """

    id: str
    name: str
    quantity: Quantity
    sign: str
    views: frozenset[str]
    stride_safe: bool
    signed: bool
    label: str
    drawing: Drawing | None
    summary: str
    brief: str | None = None
    directions: tuple[str, str] | None = None
    components: tuple[str, ...] = ()
    resolution: float | None = None
    accuracy: float | None = None
    for_reference: str | None = None


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        id="head_forward_angle", name="head forward angle", quantity="angle",
        sign="90° = tragus straight above C7; smaller = head further forward",
        views=SIDE, stride_safe=True, signed=False, label="CVA est.",
        drawing=Arc(vertex="SHOULDER", toward="EAR", reference="forward", points=("c7", "tragus")),
        summary="the craniovertebral angle estimated from C7 found on the outline of the back of the neck and "
                "a tragus proxy from the ear landmark (MediaPipe has no C7 or tragus; without an outline, from "
                "the shoulder → ear landmark angle), calibrated on rendered bodies",
        brief="the craniovertebral angle (tragus–C7 line above horizontal) **estimated** from the shoulder → ear "
              "landmark angle with a calibration fitted on rendered bodies (MediaPipe has no C7 or tragus)",
    ),
    Definition(
        id="head_forward_offset", name="head forward offset", quantity="length",
        sign="+ = ear ahead of the shoulder", views=SIDE, stride_safe=True, signed=True, label="ear ahead",
        drawing=None, summary="ear ahead of the shoulder (a proxy of tragus ahead of acromion)",
        brief="ear ahead of the shoulder",
        for_reference="the head's forward position as a distance, to follow from photo to photo beside the head "
                      "forward angle, which carries the judgement; no study gives this proxy a typical range",
    ),
    Definition(
        id="trunk_lean", name="trunk lean", quantity="angle", sign="+ = leaning forward",
        views=SIDE, stride_safe=True, signed=True, label="lean",
        drawing=Arc(vertex="HIP", toward="SHOULDER", reference="up"),
        summary="hip → shoulder line from vertical, corrected for the landmarks' bias",
    ),
    Definition(
        id="hip_extension", name="hip extension", quantity="angle",
        sign="+ = hips pushed forward of the trunk (sway); − = hips flexed",
        views=SIDE, stride_safe=False, signed=True, label="hip ext.", drawing=None,
        summary="trunk line vs thigh line, bias-corrected; + = hips pushed forward",
    ),
    Definition(
        id="foot_hip_offset", name="foot–hip offset", quantity="length",
        sign="+ = hips ahead of the ankles (feet behind the hips); − = feet ahead of the hips",
        views=SIDE, stride_safe=False, signed=True, label="hip",
        drawing=Offset(point="HIP", reference="ANKLE"),
        summary="hip ahead of the ankle, bias-corrected; + = feet behind the hips",
    ),
    Definition(
        id="pelvic_tilt", name="pelvic tilt", quantity="angle",
        sign="+ = anterior (front of the pelvis down); the typical pelvis tilts 13 ± 5° forward",
        views=SIDE, stride_safe=False, signed=True, label="pelvis",
        drawing=Outline(points=("buttock", "lumbar", "upper_back")),
        summary="angle of the ASIS–PSIS line below horizontal, estimated from the outline of the low back and "
                "buttock (silhouette) and the trunk line, calibrated on rendered bodies of known tilt; its changes "
                "are followed within about 1.5°, but one photo's value is uncertain by about 6° (body shape)",
        brief="ASIS–PSIS line below horizontal, **estimated** from the outline of the low back and buttock and the "
              "trunk line (silhouette), calibrated on rendered bodies; + = anterior",
        components=("hollow_depth", "buttock_prominence"), accuracy=6.0,
    ),
    Definition(
        id="belly_prominence", name="belly prominence", quantity="length",
        sign="+ = the lower belly stands out ahead of the line from the groin to the lower ribs",
        views=SIDE, stride_safe=False, signed=True, label="belly",
        drawing=Outline(points=("groin", "belly", "ribs")),
        summary="how far the lower belly's outline stands ahead of the line from the groin crease to the lower "
                "ribs, from the body outline",
        brief="how far the lower belly's outline stands ahead of the line from the groin to the lower ribs",
    ),
    Definition(
        id="plumb_line", name="plumb line", quantity="length",
        sign="+ = ahead of the vertical through the ankle", views=SIDE, stride_safe=False, signed=True,
        label="plumb", drawing=Plumb(foot="ANKLE"),
        summary="ear, shoulder, hip and knee ahead of the vertical through the ankle (value: the ear's)",
        brief="ear, shoulder, hip, knee ahead of the vertical through the ankle",
        components=("ear", "shoulder", "hip", "knee"),
        for_reference="the whole stance against Kendall's plumb line at a glance; it is judged through the "
                      "foot–hip offset and the trunk lean, not on its own",
    ),
    Definition(
        id="knee_angle", name="knee angle", quantity="angle",
        sign="+ = hyperextended (knee behind the hip–ankle line); − = flexed",
        views=SIDE, stride_safe=False, signed=True, label="knee", drawing=Tag(at="KNEE"),
        summary="deviation from a straight leg; + = hyperextended",
    ),
    Definition(
        id="shoulder_height_difference", name="shoulder height difference", quantity="length",
        sign="+ = the person's left shoulder higher", views=FRONT_OR_BACK, stride_safe=True, signed=True,
        label="shoulders", drawing=Level(part="SHOULDER", angle="shoulder_tilt_deg"),
        summary="left shoulder landmark above the right (a proxy of acromion heights; follows a true "
                "difference at about 0.6 of its size)",
        brief="left shoulder above the right, from the outline of the shoulder tops and the landmarks, calibrated "
              "against the acromions; with the shoulder tilt",
        directions=("left higher", "right higher"), components=("shoulder_tilt_deg",), resolution=1.05,
    ),
    Definition(
        id="hip_height_difference", name="hip height difference", quantity="length",
        sign="+ = the person's left hip higher", views=FRONT_OR_BACK, stride_safe=False, signed=True,
        label="hips", drawing=Level(part="HIP", angle="pelvic_obliquity_deg"),
        summary="height of the left pelvis above the right, from the outline of each hip (silhouette) and the "
                "hip landmarks, calibrated on rendered bodies against the iliac crests; with the pelvic "
                "obliquity in degrees",
        brief="left pelvis above the right, from the outline of each flank (silhouette) and the hip landmarks, "
              "calibrated against the iliac crests; with the pelvic obliquity",
        directions=("left higher", "right higher"), components=("pelvic_obliquity_deg",), resolution=1.2,
    ),
    Definition(
        id="apparent_leg_length_difference", name="apparent leg-length difference", quantity="length",
        sign="+ = the left leg's hip → ankle distance longer", views=FRONT_OR_BACK, stride_safe=False,
        signed=True, label="legs", drawing=None,
        summary="hip → ankle landmark distance, left minus right: how long the legs look as the person stands, "
                "not the bones' length",
        brief="hip → ankle distance, left minus right, as the person stands (not bone length)",
        directions=("left longer", "right longer"), resolution=1.9,
    ),
    Definition(
        id="lateral_trunk_shift", name="lateral trunk shift", quantity="length",
        sign="+ = shoulders shifted towards the person's left", views=FRONT_OR_BACK, stride_safe=True,
        signed=True, label="trunk shift", drawing=None,
        summary="mid-shoulder ahead of mid-hip sideways; + = towards the person's left",
        brief="mid-shoulder sideways of mid-hip",
        directions=("to the left", "to the right"), resolution=0.8,
        for_reference="how far the shoulders stand sideways of the hips, to follow from photo to photo; no "
                      "finding judges it yet",
    ),
)

BY_ID: dict[str, Definition] = {definition.id: definition for definition in DEFINITIONS}
if len(BY_ID) != len(DEFINITIONS):
    raise RuntimeError("two measurement definitions share an id")


def definition(measurement_id: str) -> Definition:
    """The definition of ``measurement_id``.

    Raises:
        KeyError: no measurement has this id (the message lists those that do).
    """
    try:
        return BY_ID[measurement_id]
    except KeyError:
        raise KeyError(f"no measurement {measurement_id!r}; defined: {', '.join(BY_ID)}") from None


def for_view(view_kind: str, *, stride: bool = False) -> tuple[Definition, ...]:
    """The definitions measured in a view kind (``"side"``, ``"front"``, ``"back"``), in report order."""
    return tuple(d for d in DEFINITIONS if view_kind in d.views and (d.stride_safe or not stride))
