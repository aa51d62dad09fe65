"""Tests for posture.knowledge.calibration: calibration.toml, read strictly, and the shipped fit."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from builders import KNOWLEDGE

from posture.knowledge.calibration import parse_calibrations

# ------------------------------------------------------------------ calibration.toml


CALIBRATION = (KNOWLEDGE / "calibration.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("[trunk_lean]", "[trunk_leen]"), "'trunk_leen' names no measurement"),
        (lambda t: t.replace("[trunk_lean]\noffset", "[trunk_lean]\nofset"), "unknown key 'ofset'"),
        (lambda t: t.replace("offset = 2.9353", 'offset = "2.9353"'), "key 'offset' must be a number"),
        (lambda t: t.replace("outline_angle = 0.91059", "outline_angle = nan"), "must be finite"),
        (lambda t: t.replace('model_sha256 = "', 'model = "'), "unknown key 'model'"),
        (lambda t: t.replace('fitted_on = "', 'fitted_on = 3 # "'), "'fitted_on' must be non-blank text"),
    ],
)
def test_the_calibration_file_is_read_strictly(edit: Callable[[str], str], message: str) -> None:
    parse_calibrations(CALIBRATION)
    with pytest.raises(ValueError, match=message):
        parse_calibrations(edit(CALIBRATION))


def test_a_calibration_has_an_optional_slope_and_weights() -> None:
    calibrations = parse_calibrations(CALIBRATION)
    assert calibrations.get("trunk_lean") == dataclasses.replace(calibrations.get("trunk_lean"), slope=1.0,
                                                                 weights={})
    assert dict(calibrations.get("pelvic_tilt").weights)["hollow_depth"] == pytest.approx(42.18693)
    assert calibrations.get("hip_height_difference_back") is not None  # a variant fit of a measurement


def test_the_shipped_calibrations_were_fitted_with_the_model_posture_builds() -> None:
    from posture.io.model import BUILT_BUNDLE_SHA256
    from posture.knowledge.calibration import load_calibrations

    calibrations = load_calibrations()
    assert calibrations.model_sha256 == BUILT_BUNDLE_SHA256
    outline_fits = {"pelvic_tilt", "hip_height_difference", "hip_height_difference_back",
                    "hip_height_difference_waist", "hip_height_difference_waist_back",
                    "shoulder_height_difference", "shoulder_height_difference_back"}
    assert set(calibrations.corrections) == {"head_forward_angle", "head_forward_angle_changes", "trunk_lean",
                                             "hip_extension", "foot_hip_offset"} | outline_fits
    for outline_measure in outline_fits:
        assert calibrations.get(outline_measure).weights  # type: ignore[union-attr]
    assert calibrations.get("head_forward_angle").slope != 1.0  # type: ignore[union-attr]


def test_the_calibration_version_follows_the_file_content() -> None:
    from posture.knowledge.calibration import load_calibrations, parse_calibrations

    text = 'model_sha256 = "m"\nfitted_on = "f"\n[trunk_lean]\noffset = 2.0\n'
    refit = text.replace("2.0", "2.5")
    assert parse_calibrations(text).version != parse_calibrations(refit).version
    assert len(parse_calibrations(text).version) == 12
    assert load_calibrations().version == parse_calibrations(
        CALIBRATION).version
