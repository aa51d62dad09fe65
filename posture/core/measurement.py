"""One measured value with its unit, sign, uncertainty and the points it was read from."""

from __future__ import annotations

from dataclasses import dataclass, field

Calibrated = tuple[float, str, tuple[tuple[str, float], ...]]
"""A calibrated value, its method sentence, and the landmark value as a component (empty when uncalibrated)."""


@dataclass(frozen=True, slots=True)
class Measurement:
    """One measured quantity, with what it means and how it was obtained.

    Attributes:
        id: the measurement id of :mod:`posture.knowledge.registry`, e.g. ``"trunk_lean"``.
        value: the number, in ``unit``; sign conventions are in the registry and SPEC.md.
        unit: ``"deg"``, ``"cm"`` or ``"percent_height"`` (% of body height).
        method: how it was measured, and how it was calibrated if it was.
        landmarks: names of the landmarks it used.
        proxy: True when it stands in for a clinical measure it does not
            measure directly (the method says which).
        uncertainty: half-width of a 95% interval in ``unit``, or None when
            it was not estimated.
        components: named sub-values (the plumb-line offsets in ``unit``; the
            shoulder tilt in degrees, named ``*_deg``; ``uncalibrated``, the
            landmark value before calibration, in ``unit``; an outline
            measure's features, as its method says).
        points: named image points (original pixels) of the outline it read,
            for drawing; landmarks are named in ``landmarks`` instead.
    """

    id: str
    value: float
    unit: str
    method: str
    landmarks: tuple[str, ...]
    proxy: bool = False
    uncertainty: float | None = None
    components: tuple[tuple[str, float], ...] = field(default=())
    points: tuple[tuple[str, float, float], ...] = field(default=())

    @property
    def landmark_value(self) -> float:
        """The value as the landmarks give it, before any calibration (the value itself when uncalibrated)."""
        return dict(self.components).get("uncalibrated", self.value)


WithheldKind = str
"""Why a measure was withheld, in a word: ``"pose"`` (the body's position hides or bends what it reads),
``"landmarks"`` (the landmarks are implausible or off the body), ``"clothing"`` (the outline is cloth, not body),
``"outline"`` (the outline could not be read where the measure needs it),
``"unsteady"`` (the altered copies disagree, or could not be read), ``"sides"`` (two readings disagree on the
side), ``"scene"`` (something in the photo hides the body or the camera's position bends it)."""


@dataclass(frozen=True, slots=True)
class Withheld:
    """A measure this photo does not give, though its view could: its id, the kind of cause, and one sentence.

    Attributes:
        id: the measurement id of :mod:`posture.knowledge.registry`.
        kind: see :data:`WithheldKind`.
        reason: one sentence naming the cause in this photo and what to change, e.g. "the left arm touches the
            hip from waist to wrist: hold both arms a hand's width away from the body".
    """

    id: str
    kind: WithheldKind
    reason: str
