"""Side-view measurements of the synthetic people of tests/builders.py, shared by the tests in this directory.

With the default height of 1000 px: ear 110 px above the shoulder, shoulder
300 px above the hip, knee 240 px below the hip and 240 px above the ankle.
"""

from __future__ import annotations

import pytest
from builders import LEVELS, side_person

from posture.core.measurement import Measurement
from posture.stages.frame import BodyScale
from posture.stages.measure.views import measure_side_view

H = 1000.0
EAR_OVER_SHOULDER = (LEVELS["shoulder"] - LEVELS["ear"]) * H  # 110 px
TRUNK = (LEVELS["hip"] - LEVELS["shoulder"]) * H  # 300 px
THIGH = (LEVELS["knee"] - LEVELS["hip"]) * H  # 240 px
SHANK = (LEVELS["ankle"] - LEVELS["knee"]) * H  # 240 px

# Every combination of the direction faced and the side measured (the unphysical ones too:
# the near side is whatever the quality gate says, and the geometry must not care).
VIEWS = pytest.mark.parametrize(
    ("facing", "near_side"),
    [(1, "right"), (-1, "left"), (1, "left"), (-1, "right")],
    ids=["faces-right-near-right", "faces-left-near-left", "faces-right-near-left", "faces-left-near-right"],
)


def side(facing: int = 1, near_side: str = "right", *, height_cm: float | None = None,
         body_height: float = H, **person: float) -> dict[str, Measurement]:
    """The side-view measurements of a :func:`builders.side_person`, by id."""
    xy = side_person(facing=facing, near_side=near_side, **person)
    scale = BodyScale(body_height_px=body_height, height_cm=height_cm)
    return {m.id: m for m in measure_side_view(xy, facing=facing, near_side=near_side, scale=scale).measurements}
