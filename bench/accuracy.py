"""Accuracy benchmark: posture's measurements against rendered people of known posture.

Reads a folder made by ``bench/synthetic/make_set.py`` (PNG + ground-truth
JSON per render, and ``index.jsonl``), runs posture's pipeline on every render
with the person's true height (``--height-cm``), and reports per measurement
and view: detection rate, MAE and bias against the ground truth, the MAE of
the *change* from the same body's neutral render, and the slope of measured
change against true change.

With ``--fit-calibration`` it first fits the calibrations on the calibration
bodies (the clinical craniovertebral angle from the shoulder→ear landmark
angle; the landmarks' bias in trunk lean, hip extension and foot-hip offset),
writes ``posture/knowledge/calibration.toml``, then measures again; the
held-out bodies' rows show how well the fit carries over.

Usage (``make bench-accuracy`` renders the set first):
    python bench/accuracy.py bench/synthetic/cache --out bench/ACCURACY.md [--fit-calibration]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from posture.analyzer import Analyzer
from posture.core.pose import Landmark
from posture.errors import PostureError
from posture.io.model import prepare_model, sha256_of
from posture.io.outputs import replace_atomically
from posture.knowledge import registry
from posture.knowledge.calibration import load_calibrations
from posture.render.json import analysis_to_dict
from posture.stages.measure.head import HEAD_CHANGES

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION_FILE = ROOT / "posture" / "knowledge" / "calibration.toml"
HELD_OUT_BODIES = ("man_tall_lean", "woman_heavy_older")
ARMS_RESTING_DEG = 6.0
"""The renderer's default: hands against the thighs. Front and back renders with the arms a hand's width
away (the photo advice) are tabulated as their own view, "front arms-away"."""
"""Bodies never used for fitting: a tall lean man and an older heavy woman, unlike most of the rest."""
REGENERATE = "make bench-accuracy"

Getter = Callable[[dict[str, Any], dict[str, Any]], "float | None"]


def _measured(measurement_id: str, *, uncalibrated: bool = False) -> Getter:
    """posture's value, or with ``uncalibrated`` the bare landmark value before any calibration."""
    registry.definition(measurement_id)  # an id posture does not define fails here, not as an empty row

    def get(document: dict[str, Any], truth: dict[str, Any]) -> float | None:
        entry = document["measurements"].get(measurement_id)
        if entry is None:
            return None
        if uncalibrated:  # as Measurement.landmark_value, from the JSON document
            return float(entry.get("components", {}).get("uncalibrated", entry["value"]))
        return float(entry["value"])

    return get


def _component(measurement_id: str, name: str) -> Getter:
    """One named component of a measurement (e.g. the pelvic obliquity of the hip height difference)."""
    registry.definition(measurement_id)

    def get(document: dict[str, Any], truth: dict[str, Any]) -> float | None:
        entry = document["measurements"].get(measurement_id)
        if entry is None or name not in entry.get("components", {}):
            return None
        return float(entry["components"][name])

    return get


def _true(key: str, *, near: bool = False) -> Getter:
    def get(document: dict[str, Any], truth: dict[str, Any]) -> float | None:
        measures = truth["measures"]
        if near:
            near_key = key.replace("_deg", f"_{truth['near_side']}_deg").replace("_cm", f"_{truth['near_side']}_cm")
            return float(measures.get(near_key, measures[key]))
        return float(measures[key])

    return get


def _landmark_hip_difference(document: dict[str, Any], truth: dict[str, Any]) -> float | None:
    """Hip-joint-centre height difference, left minus right, in cm: the landmark method the pelvis issue replaces."""
    landmarks = np.array(document["landmarks"])
    rise_px = landmarks[Landmark.RIGHT_HIP][1] - landmarks[Landmark.LEFT_HIP][1]
    return float(rise_px * truth["person"]["height_cm"] / document["body"]["height_px"])


@dataclass(frozen=True)
class Pairing:
    """One row of the table: how to read posture's value and the true value from a render."""

    label: str
    unit: str
    measured: Getter
    truth: Getter
    sign_from: float | None = None
    """For the pelvis rows: the true change from which the sign of the measured change is scored."""


SIDE_PAIRINGS = (
    Pairing("head_forward_angle (shoulder→ear angle, uncalibrated) vs CVA", "deg",
            _measured("head_forward_angle", uncalibrated=True), _true("craniovertebral_angle_deg", near=True)),
    Pairing("head_forward_angle (calibrated) vs CVA", "deg",
            _measured("head_forward_angle"), _true("craniovertebral_angle_deg", near=True)),
    Pairing("head_forward_offset vs ear (tragus) ahead of acromion", "cm",
            _measured("head_forward_offset"), _true("ear_ahead_of_shoulder_cm")),
    Pairing("trunk_lean (landmarks, uncorrected)", "deg", _measured("trunk_lean", uncalibrated=True),
            _true("trunk_lean_deg")),
    Pairing("trunk_lean (bias-corrected)", "deg", _measured("trunk_lean"), _true("trunk_lean_deg")),
    Pairing("hip_extension (landmarks, uncorrected)", "deg", _measured("hip_extension", uncalibrated=True),
            _true("hip_extension_deg")),
    Pairing("hip_extension (bias-corrected)", "deg", _measured("hip_extension"), _true("hip_extension_deg")),
    Pairing("foot_hip_offset (landmarks, uncorrected) vs hip joint ahead of ankle", "cm",
            _measured("foot_hip_offset", uncalibrated=True), _true("hip_ahead_of_ankle_cm", near=True)),
    Pairing("foot_hip_offset (bias-corrected) vs hip joint ahead of ankle", "cm",
            _measured("foot_hip_offset"), _true("hip_ahead_of_ankle_cm", near=True)),
    Pairing("knee_angle", "deg", _measured("knee_angle"), _true("knee_angle_deg", near=True)),
    Pairing("pelvic_tilt (silhouette) vs ASIS–PSIS tilt", "deg", _measured("pelvic_tilt"),
            _true("pelvic_tilt_deg", near=True), sign_from=3.0),
)
FRONT_PAIRINGS = (
    Pairing("hip height difference (hip landmarks alone) vs iliac crests", "cm",
            _landmark_hip_difference, _true("iliac_crest_height_difference_cm")),
    Pairing("hip_height_difference (silhouette + landmarks) vs iliac crests", "cm",
            _measured("hip_height_difference"), _true("iliac_crest_height_difference_cm"), sign_from=1.0),
    Pairing("pelvic obliquity (hip_height_difference component) vs iliac crests", "deg",
            _component("hip_height_difference", "pelvic_obliquity_deg"), _true("pelvic_obliquity_deg")),
    Pairing("apparent_leg_length_difference vs hip → ankle joint centres", "cm",
            _measured("apparent_leg_length_difference"), _true("apparent_leg_length_difference_cm")),
    Pairing("shoulder_height_difference", "cm",
            _measured("shoulder_height_difference"), _true("shoulder_height_difference_cm")),
    Pairing("lateral_trunk_shift", "cm", _measured("lateral_trunk_shift"), _true("lateral_trunk_shift_cm")),
)


def _true_near_skin(key: str) -> Getter:
    """A skin-point truth of the near side, e.g. ``pelvic_tilt_right_skin_deg`` for ``pelvic_tilt``."""
    def get(document: dict[str, Any], truth: dict[str, Any]) -> float | None:
        return float(truth["measures"][f"{key}_{truth['near_side']}_skin_deg"])

    return get


MARKER_PAIRINGS = (
    Pairing("pelvic_tilt (markers) vs ASIS–PSIS (skin points)", "deg", _measured("pelvic_tilt"),
            _true_near_skin("pelvic_tilt"), sign_from=3.0),
    Pairing("head_forward_angle (markers) vs CVA", "deg", _measured("head_forward_angle"),
            _true("craniovertebral_angle_deg", near=True)),
    Pairing("hip_height_difference (markers) vs iliac crests (skin points)", "cm", _measured("hip_height_difference"),
            _true("iliac_crest_height_difference_skin_cm"), sign_from=1.0),
)
"""Marker mode (``posture analyze --markers``): renders with round skin markers on the measured points."""
FULLER_BEGIN, FULLER_END = "<!-- fuller-markers begin -->", "<!-- fuller-markers end -->"
"""bench/MARKERS.md's section written by bench/markers_fuller.py (more points marked than the measures need)."""


@dataclass
class Render:
    name: str
    body: str
    view: str
    group: str
    neutral: bool
    truth: dict[str, Any]
    document: dict[str, Any] | None = None
    failure: str | None = None


@dataclass
class Row:
    label: str
    unit: str
    view: str
    bodies: str
    total: int = 0
    detected: int = 0
    errors: list[float] = field(default_factory=list)
    changes: list[tuple[float, float]] = field(default_factory=list)
    sign_from: float | None = None

    def cells(self) -> list[str]:
        errors = np.array(self.errors)
        changes = np.array(self.changes) if self.changes else np.zeros((0, 2))
        change_errors = changes[:, 0] - changes[:, 1]
        moving = np.abs(changes[:, 1]) > 1e-6
        slope = (float(np.polyfit(changes[moving, 1], changes[moving, 0], 1)[0])
                 if moving.sum() >= 3 and np.ptp(changes[moving, 1]) > 0 else float("nan"))
        return [
            self.label, self.view, self.bodies, self.unit, f"{self.detected}/{self.total}",
            f"{np.mean(np.abs(errors)):.2f}" if errors.size else "–",
            f"{np.mean(errors):+.2f}" if errors.size else "–",
            f"{np.mean(np.abs(change_errors[moving])):.2f}" if moving.any() else "–",
            f"{np.percentile(np.abs(change_errors[moving]), 95):.2f}" if moving.any() else "–",
            f"{slope:.2f}" if np.isfinite(slope) else "–",
            self._signs(changes),
        ]

    def _signs(self, changes: np.ndarray) -> str:
        """Share of changes of at least ``sign_from`` whose measured change has the true change's sign."""
        if self.sign_from is None:
            return "–"
        clear = np.abs(changes[:, 1]) >= self.sign_from
        if not clear.any():
            return "–"
        right = np.sign(changes[clear, 0]) == np.sign(changes[clear, 1])
        return f"{100.0 * right.mean():.0f}% of {int(clear.sum())} (≥ {self.sign_from:g})"


def read_set(folder: Path) -> list[Render]:
    renders = []
    for line in (folder / "index.jsonl").read_text().splitlines():
        entry = json.loads(line)
        truth = json.loads((folder / entry["json"]).read_text())
        view = entry["view"] if entry["view"] != "side" else f"side-{entry['facing']}"
        if truth["scene"].get("arm_abduction_deg", ARMS_RESTING_DEG) != ARMS_RESTING_DEG:
            view += " arms-away"
        neutral = entry["sweep"] == "neutral" or (entry["view"] != "side" and all(
            truth["scene"][k] == 0 for k in ("pelvic_drop_deg", "shoulder_drop_deg")))
        renders.append(Render(name=entry["name"], body=entry["body"], view=view,
                              group=f"{entry['body']}/{view}", neutral=neutral, truth=truth))
    return renders


def run_posture(folder: Path, renders: list[Render], model_path: Path, markers: str | None = None,
                level: bool = True) -> None:
    with Analyzer(model_path) as analyzer:
        for index, render in enumerate(renders, 1):
            try:
                analysis = analyzer.analyze(folder / f"{render.name}.png",
                                            height_cm=render.truth["person"]["height_cm"], markers=markers,
                                            level=level)
            except PostureError as error:
                render.failure = str(error)
                continue
            if analysis.ok:
                render.document = analysis_to_dict(analysis)
            else:
                render.failure = analysis.problem
            if index % 50 == 0 or index == len(renders):
                print(f"  {index}/{len(renders)} renders analysed", file=sys.stderr)


def tabulate(renders: list[Render], pairings: tuple[Pairing, ...], views: tuple[str, ...],
             bodies: Callable[[str], bool], bodies_label: str) -> list[Row]:
    neutral = {r.group: r for r in renders if r.neutral and r.document is not None}
    rows = []
    for view_name in views:
        chosen = [r for r in renders
                  if (r.view == view_name or r.view.startswith(view_name + "-")) and bodies(r.body)]
        for pairing in pairings:
            row = Row(pairing.label, pairing.unit, view_name, bodies_label, total=len(chosen),
                      sign_from=pairing.sign_from)
            for render in chosen:
                if render.document is None:
                    continue
                measured = pairing.measured(render.document, render.truth)
                if measured is None or not np.isfinite(measured):
                    continue
                row.detected += 1
                true_value = pairing.truth(render.document, render.truth)
                assert true_value is not None
                row.errors.append(measured - true_value)
                base = neutral.get(render.group)
                if base is not None and base is not render and base.document is not None:
                    base_measured = pairing.measured(base.document, base.truth)
                    base_true = pairing.truth(base.document, base.truth)
                    if base_measured is not None and base_true is not None and np.isfinite(base_measured):
                        row.changes.append((measured - base_measured, true_value - base_true))
            rows.append(row)
    return rows


def _calibration_pairs(renders: list[Render], pairing: Pairing, *,
                       percent: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(landmark value, true value) over the calibration bodies' side views; offsets as % of body height."""
    xs, ys = [], []
    for render in renders:
        if render.document is None or render.body in HELD_OUT_BODIES or not render.view.startswith("side"):
            continue
        raw = pairing.measured(render.document, render.truth)
        true_value = pairing.truth(render.document, render.truth)
        if raw is None or true_value is None or not np.isfinite(raw):
            continue
        per_cm = 100.0 / render.truth["person"]["height_cm"] if percent else 1.0
        xs.append(raw * per_cm)
        ys.append(true_value * per_cm)
    return np.array(xs), np.array(ys)


def fit_calibrations(renders: list[Render]) -> dict[str, tuple[float, float]]:
    """(offset, slope) per measurement, fitted on the calibration bodies only.

    The head angle gets a line (the shoulder→ear angle is another angle than
    the CVA); the others only an offset, since the landmarks follow their
    changes at a slope close to 1 and a fitted slope would add noise.
    """
    by_label = {pairing.label: pairing for pairing in SIDE_PAIRINGS}
    head = load_calibrations().get("head_forward_angle")
    if head is not None and head.weights:
        # Fitted on the head-angle set and this set together (--head --fit-calibration): kept as it is.
        fitted = {"head_forward_angle": (head.offset, head.slope)}
    else:
        head_x, head_y = _calibration_pairs(
            renders, by_label["head_forward_angle (shoulder→ear angle, uncalibrated) vs CVA"])
        slope, offset = np.polyfit(head_x, head_y, 1)
        fitted = {"head_forward_angle": (float(offset), float(slope))}
    for measurement_id, label, percent in (
        ("trunk_lean", "trunk_lean (landmarks, uncorrected)", False),
        ("hip_extension", "hip_extension (landmarks, uncorrected)", False),
        ("foot_hip_offset", "foot_hip_offset (landmarks, uncorrected) vs hip joint ahead of ankle", True),
    ):
        xs, ys = _calibration_pairs(renders, by_label[label], percent=percent)
        fitted[measurement_id] = (float(np.mean(ys - xs)), 1.0)
    return fitted


_HIP_FEATURES = ("waist_difference", "outline_shift", "landmark_difference")
_WAIST_FEATURES = ("narrowest_waist_difference", "landmark_difference")
_SHOULDER_FEATURES = ("outline_difference", "landmark_difference")
OUTLINE_FITS = {
    # calibration name: (views, the true value in the measurement's fitted unit, the features)
    "pelvic_tilt": (("side",), _true("pelvic_tilt_deg", near=True),
                    ("hollow_depth", "buttock_prominence", "trunk_lean_landmarks")),
    # Seen from behind the flanks and shoulders have another outline (buttocks, shoulder blades): a fit each.
    "hip_height_difference": (("front",), _true("iliac_crest_height_difference_cm"), _HIP_FEATURES),
    "hip_height_difference_back": (("back",), _true("iliac_crest_height_difference_cm"), _HIP_FEATURES),
    # Read from the waist alone where the arms rest against the body (bench/hip_sides.py): fitted on every
    # render whose reading carries the two features, the whole flank's readings as well.
    "hip_height_difference_waist": (("front",), _true("iliac_crest_height_difference_cm"), _WAIST_FEATURES),
    "hip_height_difference_waist_back": (("back",), _true("iliac_crest_height_difference_cm"), _WAIST_FEATURES),
    "shoulder_height_difference": (("front",), _true("shoulder_height_difference_cm"), _SHOULDER_FEATURES),
    "shoulder_height_difference_back": (("back",), _true("shoulder_height_difference_cm"), _SHOULDER_FEATURES),
}
"""The outline measures, fitted by least squares on their named features; lengths in % of body height."""


def _measurement_of(calibration_name: str) -> str:
    """The measurement id a calibration entry belongs to (``hip_height_difference_waist_back`` → its id,
    ``hip_height_difference``)."""
    return calibration_name.removesuffix("_back").removesuffix("_waist")


def _features(document: dict[str, Any], measurement_id: str) -> dict[str, float] | None:
    entry = document["measurements"].get(measurement_id)
    if entry is None:
        return None
    features = {name: float(value) for name, value in entry.get("components", {}).items()}
    trunk = document["measurements"].get("trunk_lean")
    if trunk is not None:
        features["trunk_lean_landmarks"] = float(trunk.get("components", {}).get("uncalibrated", trunk["value"]))
    return features


def fit_outline_measures(renders: list[Render]) -> dict[str, tuple[float, dict[str, float]]]:
    """(offset, weights) per outline measure, on the calibration bodies only.

    The weights come from how each body's features change with its true value
    (features and truths taken relative to that body's own mean in each view):
    bodies differ in shape far more than one body's outline moves with its
    posture, so fitting absolute values would learn the bodies, not the
    posture. The offset then matches the mean over every calibration render.
    """
    fitted = {}
    for name_in_file, (views, truth, names) in OUTLINE_FITS.items():
        measurement_id = _measurement_of(name_in_file)
        rows, targets, groups = [], [], []
        for render in renders:
            if (render.document is None or render.body in HELD_OUT_BODIES
                    or not render.view.startswith(views)):
                continue
            features = _features(render.document, measurement_id)
            true_value = truth(render.document, render.truth)
            if features is None or true_value is None or not all(name in features for name in names):
                continue
            per_cm = 1.0 if measurement_id == "pelvic_tilt" else 100.0 / render.truth["person"]["height_cm"]
            rows.append([features[name] for name in names])
            targets.append(true_value * per_cm)
            groups.append(render.group)
        if len(rows) < len(names) + 5:
            print(f"too few renders to fit {measurement_id} ({len(rows)})", file=sys.stderr)
            continue
        x, y = np.array(rows), np.array(targets)
        keys = np.array([hash(g) for g in groups])
        x_within, y_within = x.copy(), y.copy()
        for key in np.unique(keys):
            members = keys == key
            x_within[members] -= x[members].mean(axis=0)
            y_within[members] -= y[members].mean()
        weights, *_ = np.linalg.lstsq(x_within, y_within, rcond=None)
        offset = float(np.mean(y - x @ weights))
        fitted[name_in_file] = (offset, dict(zip(names, map(float, weights))))
    return fitted


def write_calibrations(fitted: dict[str, tuple[float, float]], renders: list[Render], model_path: Path,
                       outline_fits: dict[str, tuple[float, dict[str, float]]] | None = None) -> None:
    used = [r for r in renders if r.body not in HELD_OUT_BODIES and r.view.startswith("side") and r.document]
    bodies = sorted({r.body for r in used})
    lines = [
        "# Written by bench/accuracy.py --fit-calibration (make calibrate); do not edit by hand.",
        "# true = offset + slope * landmark value; offsets of foot_hip_offset in % of body height.",
        "# The checks on held-out bodies are in bench/ACCURACY.md.",
        f'model_sha256 = "{sha256_of(model_path)}"',
        f'fitted_on = "{len(used)} side-view renders of {len(bodies)} bodies ({", ".join(bodies)}), both facings"',
        f'held_out = "{", ".join(HELD_OUT_BODIES)}"',
    ]
    head = load_calibrations().get("head_forward_angle")
    for measurement_id, (offset, slope) in fitted.items():
        lines += ["", f"[{measurement_id}]", f"offset = {offset:.4f}", f"slope = {slope:.4f}"]
        if measurement_id == "head_forward_angle" and head is not None and head.weights:
            lines.insert(len(lines) - 2, "# fitted by bench/accuracy.py --head --fit-calibration (make bench-head "
                         "HEAD_FIT=--fit-calibration) on the head-angle set and this set's side views; kept here")
            lines += ["[head_forward_angle.weights]", *(f"{name} = {w:.5f}" for name, w in head.weights.items())]
            changes = load_calibrations().get(HEAD_CHANGES)
            if changes is not None:
                lines += ["", f"[{HEAD_CHANGES}]", f"offset = {changes.offset:.4f}", f"slope = {changes.slope:.4f}"]
    # Without fitted weights (the first pass), an outline measure reads 0 but still carries its features.
    for measurement_id, (offset, weights) in (outline_fits or {name: (0.0, {}) for name in OUTLINE_FITS}).items():
        lines += ["", f"[{measurement_id}]", f"offset = {offset:.4f}"]
        if weights:
            lines += [f"[{measurement_id}.weights]", *(f"{name} = {weight:.5f}" for name, weight in weights.items())]
    replace_atomically(CALIBRATION_FILE, ("\n".join(lines) + "\n").encode())


HEADER = ["measurement", "view", "bodies", "unit", "detected", "MAE", "bias", "change MAE", "change P95",
          "change slope", "change sign right"]


def markdown(rows: list[Row], renders: list[Render], calibration: str) -> str:
    lines = [
        "# Accuracy on rendered people of known posture",
        "",
        f"Regenerate with `{REGENERATE}` (renders the seeded set with `bench/synthetic/make_set.py`, then runs "
        "`bench/accuracy.py`). Ground-truth definitions: `bench/synthetic/GROUND_TRUTH.md`.",
        "",
        f"{len(renders)} renders of {len({r.body for r in renders})} bodies; posture is given each person's true "
        "height, so offsets are in cm, and measures as it does by default: each value is the mean over the photo "
        "and two altered copies of it (posture/stages/copies.py). *MAE* and *bias* compare absolute values; *change MAE* and *change slope* "
        "compare the change from the same body's neutral render in the same view (what a before/after comparison "
        "sees), *change P95* is the 95th percentile of that change's error; a slope of 1 means posture follows a true change at full size. Held-out bodies "
        f"({', '.join(HELD_OUT_BODIES)}) were not used to fit the calibrations; their rows show how the "
        "calibrations carry over to bodies they were not fitted on.",
        "",
        f"Calibrations (`posture/knowledge/calibration.toml`, `make calibrate`): {calibration}",
        "",
        *_table_and_refusals(rows, renders),
    ]
    lines += [
        "",
        "Reading the table:",
        "- The renders have no clothing folds or hair and a plain room, so these are best-case numbers.",
        "- The row \"hip landmarks alone\" shows why the hip landmarks (joint centres) cannot carry a hip-height "
        "finding: they follow a true pelvic drop at a fraction of its size. hip_height_difference adds each hip's "
        "outline in the segmentation mask.",
        "- In the front and back rows (arms against the thighs) hip_height_difference is read from the whole flank "
        "where the arms hang clear of it, and otherwise from the waist alone with its own calibration (\"Arms "
        "resting at the sides\" below compares both, and the renders given before the waist reading with those "
        "given since); the arms-away rows read the whole flank.",
        "- pelvic_tilt is read from the outline of the low back and buttock (the hip landmarks do not move when "
        "the pelvis tilts about them). Its truth is the ASIS–PSIS line of the rendered pelvis; part of it comes "
        "from trunk lean (bending at the hips tilts the pelvis too), which the outline sees only through the trunk "
        "line. *change sign right* counts the renders whose true change is at least the given size.",
        "",
    ]
    return "\n".join(lines)


def marker_rows(renders: list[Render]) -> list[Row]:
    """The marker table's rows: every body, then the held-out ones, per measure and view."""
    views = ("side", "back arms-away")
    return [row for pair in zip(tabulate(renders, MARKER_PAIRINGS, views, lambda body: True, "all"),
                                tabulate(renders, MARKER_PAIRINGS, views, lambda body: body in HELD_OUT_BODIES,
                                         "held-out"))
            for row in pair if row.detected]  # a pairing measured in the other view only has no row here


def marker_markdown(rows: list[Row], renders: list[Render], unlevelled_rows: list[Row],
                    unlevelled: list[Render]) -> str:
    sources: dict[str, int] = {}
    for render in renders:
        if render.document is not None and render.document.get("camera"):
            source = render.document["camera"]["roll_source"]
            sources[source] = sources.get(source, 0) + 1
    lines = [
        "# Marker mode on rendered people",
        "",
        "Regenerate with `make bench-markers` (renders `bench/synthetic/make_set.py --markers`, then runs "
        "`bench/accuracy.py --markers`). Each render carries round green skin markers, 2.5 cm across, on the skin "
        "points the truth is defined on (`bench/synthetic/GROUND_TRUTH.md`, the `_skin` points), as balls: the near side's "
        "ASIS and PSIS, the near tragus and C7 in side views, both iliac crests in back views (arms a hand's "
        "width away). posture measures them with `--markers green`, no calibration. The people stand in a room "
        "with a door, a wall corner and a shelf, the cameras (2.5-4 m away, 0.8-1.3 m high) roll by up to 1°, "
        "and the PNGs record their focal length in EXIF (FocalLengthIn35mmFilm, 30 mm), as a phone photo does: "
        "posture levels them from the background lines and undoes the parallax of the markers off the body's "
        "mid-plane, as it would with a practitioner's photo.",
        "",
        f"{len(renders)} renders of {len({r.body for r in renders})} bodies; camera roll from "
        + ", ".join(f"{source}: {count}" for source, count in sorted(sources.items()))
        + f". Held-out bodies: {', '.join(HELD_OUT_BODIES)} (nothing in marker mode is fitted to renders).",
        "",
        *_table_and_refusals(rows, renders),
        "",
        "The same renders not levelled (`level=False`: each camera's roll, up to 1°, left in the picture):",
        "",
        *_table_and_refusals(unlevelled_rows, unlevelled),
        "",
        "Where the error comes from (the markers' pictures against the projected truth): a whole ball's detected "
        "centre lies within 0.2 px of its projected centre, but the C7 ball, partly hidden behind the upper back "
        "in a side view, was off by up to 3 px (0.7 cm) until its centre was fitted to the round part of its rim; "
        "each ball stands 1.25 cm off the skin (taken one radius in where it sits on the outline: C7, the crests); "
        "the tragus, ASIS and PSIS lie 4.5-12.5 cm nearer the camera than the body's mid-plane, and that parallax "
        "alone gave 1.1° of pelvic tilt error and +3° of head angle (undone from the camera's distance); a roll "
        "of up to 1° left in the picture gives up to 0.5 cm across the crests (second table). What remains: the "
        "ASIS ball stands off a little upwards of the ASIS–PSIS line (tilt bias), the tragus ball a little "
        "forwards (head-angle bias). Without a focal length in the photo posture assumes a phone's main camera "
        "(26 mm): on these 30 mm renders that leaves about 0.6° more head-angle error (1.6° MAE).",
    ]
    return "\n".join(lines) + "\n"


def _table_and_refusals(rows: list[Row], renders: list[Render]) -> list[str]:
    """The Markdown table of ``rows``, then how many renders were refused and the first reasons."""
    failures = [r for r in renders if r.failure]
    return ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER),
            *("| " + " | ".join(row.cells()) + " |" for row in rows),
            "", f"Renders refused: {len(failures)} of {len(renders)}.",
            *(f"- {r.name}: {r.failure}" for r in failures[:20])]


# ------------------------------------------------------------------ head angle (issue 7): the head-angle set
HEAD_BANDS = ("knee", "hip", "chest", "head")
"""Camera height bands of bench/synthetic/make_head_set.py; the main set's side views (level cameras 0.8-1.3 m
high, 60 deg field of view) are the band "level"."""
HEAD_BEGIN, HEAD_END = "<!-- head-angle begin -->", "<!-- head-angle end -->"
HEAD_BEFORE = (-27.9688, 1.0952)
"""The head-angle calibration shipped before issue 7 (shoulder → ear landmark angle, fitted on the main set)."""
HEAD_WEIGHT = "outline_angle"


def read_head_renders(head_folder: Path, main_folder: Path | None) -> list[Render]:
    """The head-angle set's renders (group: body, facing and camera band) and the main set's side views."""
    renders = []
    for render in read_set(head_folder):
        render.group = f"{render.body}/{render.view}/{render.truth['set']['band']}"
        renders.append(render)
    if main_folder is not None:
        renders += [r for r in read_set(main_folder) if r.view.startswith("side")]
    return renders


def head_band(render: Render) -> str:
    return render.truth.get("set", {}).get("band", "level")


def head_estimates(render: Render, calibration: tuple[float, float]) -> dict[str, float] | None:
    """The head angle three ways: shipped before, the landmark angle under ``calibration``, and posture's value."""
    if render.document is None or "head_forward_angle" not in render.document["measurements"]:
        return None
    entry = render.document["measurements"]["head_forward_angle"]
    landmark = float(entry.get("components", {}).get("uncalibrated", entry["value"]))
    return {"before": HEAD_BEFORE[0] + HEAD_BEFORE[1] * landmark,
            "landmarks": calibration[0] + calibration[1] * landmark,
            "posture": float(entry["value"]),
            "outline_angle": float(entry.get("components", {}).get("outline_angle", np.nan))}


def _true_cva(render: Render, definition: str | None = None) -> float:
    if definition is None:
        return float(render.truth["measures"][f"craniovertebral_angle_{render.truth['near_side']}_deg"])
    return float(render.truth["head_truth"]["cva_deg"][definition])


def fit_head_calibration(renders: list[Render]) -> tuple[float, float, float, tuple[float, float]]:
    """(offset, slope, weight, changes line) of the head angle, on the calibration bodies' renders of both sets.

    The landmark fallback is a line through the shoulder → ear angle; the weight blends the outline estimate
    into it (least squares of the remaining error on the outline's difference from the landmark estimate).
    The changes line (offset, slope) then scales the blend about the calibration bodies' mean so that their
    changes from neutral are followed at slope 1: fitted on absolute values, the scatter from body to body
    flattens the first two fits (a change slope of 0.93 on these bodies before it).
    """
    rows = []
    for render in renders:
        if render.body in HELD_OUT_BODIES or render.document is None:
            continue
        entry = render.document["measurements"].get("head_forward_angle")
        if entry is None or "outline_angle" not in entry.get("components", {}):
            continue
        rows.append((render.name, entry["components"]["uncalibrated"], entry["components"]["outline_angle"],
                     _true_cva(render)))
    names = [row[0] for row in rows]
    landmark, outline_angle, truth = (np.array(column) for column in list(zip(*rows))[1:])
    slope, offset = np.polyfit(landmark, truth, 1)
    from_landmarks = offset + slope * landmark
    gap = outline_angle - from_landmarks
    weight = float(np.dot(gap, truth - from_landmarks) / np.dot(gap, gap))
    blends = dict(zip(names, from_landmarks + weight * gap))
    fitting = [r for r in renders if r.name in blends]
    _, changes = _change_pairs(fitting, lambda r: blends.get(r.name), _true_cva)
    moving = np.array([pair for pair in changes if abs(pair[1]) > 1e-6])
    scale = 1.0 / float(np.polyfit(moving[:, 1], moving[:, 0], 1)[0])
    mean_blend, mean_truth = float(np.mean(list(blends.values()))), float(np.mean(truth))
    return float(offset), float(slope), weight, (mean_truth - scale * mean_blend, scale)


def write_head_calibration(offset: float, slope: float, weight: float, fitted_on: str,
                           changes: tuple[float, float] | None) -> None:
    """Replace the head angle's tables in calibration.toml (its line, weights and changes line), keeping the rest.

    ``changes`` None leaves the blend as it is (no changes line).
    """
    lines = CALIBRATION_FILE.read_text().splitlines()
    kept = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line in ("[head_forward_angle]", f"[{HEAD_CHANGES}]"):
            index += 1
            while index < len(lines) and not (lines[index].startswith("[")
                                              and not lines[index].startswith("[head_forward_angle.")):
                index += 1
            if line == "[head_forward_angle]":
                kept.append(HEAD_TABLE_PLACE)
            continue
        kept.append(line)
        index += 1
    table = ["[head_forward_angle]", f"# fitted by bench/accuracy.py --head --fit-calibration on {fitted_on}",
             f"offset = {offset:.4f}", f"slope = {slope:.4f}", "[head_forward_angle.weights]",
             f"{HEAD_WEIGHT} = {weight:.5f}", ""]
    if changes is not None:
        table += [f"[{HEAD_CHANGES}]", "# the blend scaled so that changes from neutral keep their size",
                  f"offset = {changes[0]:.4f}", f"slope = {changes[1]:.4f}", ""]
    place = kept.index(HEAD_TABLE_PLACE)
    text = "\n".join(kept[:place] + table + kept[place + 1:]).rstrip("\n") + "\n"
    replace_atomically(CALIBRATION_FILE, text.encode())


HEAD_TABLE_PLACE = "\0head"


def _change_pairs(renders: list[Render], value: Callable[[Render], float | None],
                  truth: Callable[[Render], float]) -> tuple[list[float], list[tuple[float, float]]]:
    neutral = {r.group: r for r in renders if r.neutral}
    errors, changes = [], []
    for render in renders:
        measured = value(render)
        if measured is None or not np.isfinite(measured):
            continue
        errors.append(measured - truth(render))
        base = neutral.get(render.group)
        if base is None or base is render:
            continue
        base_measured = value(base)
        if base_measured is None or not np.isfinite(base_measured):
            continue
        changes.append((measured - base_measured, truth(render) - truth(base)))
    return errors, changes


def _head_cells(errors: list[float], changes: list[tuple[float, float]]) -> list[str]:
    e = np.array(errors)
    c = np.array(changes) if changes else np.zeros((0, 2))
    moving = np.abs(c[:, 1]) > 1e-6
    slope = float(np.polyfit(c[moving, 1], c[moving, 0], 1)[0]) if moving.sum() >= 3 else float("nan")
    return [f"{np.mean(np.abs(e)):.2f}" if e.size else "–", f"{np.mean(e):+.2f}" if e.size else "–",
            f"{np.mean(np.abs(c[moving, 0] - c[moving, 1])):.2f}" if moving.any() else "–",
            f"{slope:.2f}" if np.isfinite(slope) else "–"]


def head_markdown(renders: list[Render], calibration: tuple[float, float, float], change_scale: float | None) -> str:
    """The head-angle section of bench/ACCURACY.md: per camera band, before and after, and the truth's own spread."""
    offset, slope, weight = calibration
    estimate = {r.name: head_estimates(r, (offset, slope)) for r in renders}
    bands = [b for b in (*HEAD_BANDS, "level") if any(head_band(r) == b for r in renders)]
    lines = [
        HEAD_BEGIN, "## Head angle against the craniovertebral angle, camera height by camera height",
        "",
        "Written by `bench/accuracy.py --head` (`make bench-head`); the renders come from "
        "`bench/synthetic/make_head_set.py`: the seven bodies side-on, both facings, neutral, neck flexion "
        "10/20/30 deg and head protraction 2/4/6 cm, photographed as a phone would be, with the lens at knee "
        "(0.45-0.6 m), hip (0.85-1.0 m), chest (1.25-1.4 m) or head height (1.6-1.75 m), tipped to keep the person "
        "centred, 2-5 m away, with a phone's field of view (24-28 mm equivalent on a portrait frame); *level* is "
        "the main set's side views (level camera 0.8-1.3 m high, 30 mm). Every render is analysed as posture "
        "analyses a photo (the mean over the photo and its altered copies), given the person's height. "
        "*change* compares each render with the neutral render of the same body, facing and camera.",
        "",
        f"Three estimates: *before*: the shoulder → ear landmark angle under the calibration shipped before "
        f"({HEAD_BEFORE[0]:+.2f} + {HEAD_BEFORE[1]:.3f} × angle); *landmarks refit*: the same angle refit on the "
        f"calibration bodies of both sets ({offset:+.2f} + {slope:.3f} × angle), posture's fallback without an "
        f"outline; *posture*: C7 on the outline of the back of the neck and the tragus proxy, weighted {weight:.2f} "
        "against the refit landmark estimate" + ("" if change_scale is None else
        f", then scaled by {change_scale:.3f} about the calibration bodies' mean so that their changes from neutral "
        f"are followed at slope 1 (unscaled they were followed at {1 / change_scale:.2f}: the scatter from body to "
        "body flattens a line fitted on absolute values)") + "; what posture reports.",
        "",
        "| estimate | camera | bodies | detected | MAE | bias | change MAE | change slope |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, label in (("before", "before"), ("landmarks", "landmarks refit"), ("posture", "posture")):
        for band in [*bands, "all"]:
            for bodies, chosen in (("held-out", lambda b: b in HELD_OUT_BODIES), ("all", lambda b: True)):
                group = [r for r in renders if chosen(r.body) and (band == "all" or head_band(r) == band)
                         and (band != "all" or head_band(r) != "level")]
                errors, changes = _change_pairs(
                    group, lambda r, k=key: (estimate[r.name] or {}).get(k), _true_cva)
                detected = sum(1 for r in group if estimate[r.name] is not None)
                band_label = band if band != "all" else "all four bands"
                lines.append(f"| {label} | {band_label} | {bodies} | {detected}/{len(group)} | "
                             + " | ".join(_head_cells(errors, changes)) + " |")
    lines += ["", "How posture finds the two points (posture/stages/measure/head.py, `head_points`): the back outline of "
              "the neck is read row by row from the segmentation mask; C7's row mixes the nape's hollow, the "
              "steepest stretch of the bend into the upper back and the ear landmark's row, and C7 sits on the "
              "outline there; the tragus proxy is the ear landmark moved along the ear → nose line and across it. "
              "Their constants were fitted on the calibration bodies of both sets (`--fit-head-geometry`) to the "
              "angle of the line between the two points: its error against the CVA, the error of each change from "
              "the neutral render, and the points' distance from the true C7 and tragus (which keeps them those "
              "points). Fitted to the points' places alone instead, the line read neck flexion's changes about 10% "
              "too large and head protraction's about 10% too small, and the change slope below was 0.82. The "
              "weight and the landmark line are fitted by `--head --fit-calibration`. Limits: from below (knee "
              "band) the outline of the back of the neck is the upper trapezius, behind and below C7, so the angle "
              "reads low. Perspective (the table further down) is not corrected: the camera's pitch can be read "
              "from MediaPipe's world landmarks (to about ±3°), but undoing the tragus's parallax and the tilt of "
              "the picture with it, or even with each render's true pitch and focal length, left the held-out "
              "errors as they were (MAE and change MAE within about 0.1°, slope within 0.02), since the ear "
              "landmark shows only part (about half) of the tragus's parallax and the outline's C7 errs the other "
              "way from a low camera (tried once, not regenerated here). Hair standing off the back of the head "
              "moves the outline: on the looser-clothing renders' side views (a hair volume 1.5-3.5 cm off the "
              "scalp) the head angle read 2.9° higher on average (at most 5.5°) than on their close-fitting twins "
              "(measured once with the earlier constants, not regenerated here).",
              "", *head_sweep_lines(renders, estimate), "", *head_perspective_lines(renders, bands), "",
              *head_truth_lines(renders, estimate), HEAD_END]
    return "\n".join(lines) + "\n"


def head_sweep_lines(renders: list[Render], estimate: dict[str, dict[str, float] | None]) -> list[str]:
    """Measured over true change per kind of change (least squares through zero), all bodies, all cameras."""
    neutral = {r.group: r for r in renders if r.neutral}
    pairs: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for render in renders:
        base = neutral.get(render.group)
        sweep = render.truth.get("set", {}).get("sweep")
        if base is None or base is render or estimate[render.name] is None or estimate[base.name] is None:
            continue
        if sweep not in ("neck_flexion_deg", "head_protraction_cm", "trunk_lean_deg"):
            continue
        true_change = _true_cva(render) - _true_cva(base)
        for key in ("before", "posture"):
            pairs.setdefault(sweep, {}).setdefault(key, []).append(
                (estimate[render.name][key] - estimate[base.name][key], true_change))
    lines = ["How each kind of change is followed (measured change over true change, least squares through zero, "
             "every body and camera; the slope in the table above is fitted with an intercept over all kinds "
             "together):", "", "| change | renders | mean true change | before | posture |", "|---|---|---|---|---|"]
    for sweep, by_key in sorted(pairs.items()):
        ratios = []
        for key in ("before", "posture"):
            change = np.array(by_key[key])
            ratios.append(float(np.dot(change[:, 0], change[:, 1]) / np.dot(change[:, 1], change[:, 1])))
        true_mean = float(np.mean(np.array(by_key["posture"])[:, 1]))
        lines.append(f"| {sweep.replace('_deg', '').replace('_cm', '').replace('_', ' ')} | {len(by_key['posture'])} "
                     f"| {true_mean:+.1f}° | {ratios[0]:.2f} | {ratios[1]:.2f} |")
    return lines


def head_perspective_lines(renders: list[Render], bands: list[str]) -> list[str]:
    """How far the picture's angle of the true tragus and C7 points is from the CVA, per camera band."""
    lines = ["Perspective: the angle of the line between the true C7 and tragus *in the picture* minus the CVA "
             "(mean ± SD). The tragus lies 7-8 cm nearer the camera than C7 (on the mid-plane), so it shows "
             "displaced away from the camera's height: up from a low camera, down from a high one. posture's "
             "tragus proxy is fitted to the tragus moved to the mid-plane; what remains of this spread with the "
             "camera's height is in the bias column above.", "", "| camera | renders | picture angle − CVA |",
             "|---|---|---|"]
    for band in bands:
        gaps = []
        for render in renders:
            if head_band(render) != band:
                continue
            truth = render.truth
            c7, tragus = np.array(truth["pixels"]["c7"]), np.array(truth["pixels"][f"tragus_{truth['near_side']}"])
            facing = 1.0 if truth["facing"] == "right" else -1.0
            picture = np.degrees(np.arctan2(c7[1] - tragus[1], facing * (tragus[0] - c7[0])))
            gaps.append(picture - _true_cva(render))
        lines.append(f"| {band} | {len(gaps)} | {np.mean(gaps):+.2f}° ± {np.std(gaps):.2f}° |")
    return lines


def head_truth_lines(renders: list[Render], estimate: dict[str, dict[str, float] | None]) -> list[str]:
    """How far the CVA truth moves with its own definition, and posture's error against each definition."""
    defined = [r for r in renders if "head_truth" in r.truth]
    if not defined:
        return []
    lines = ["### The truth's own uncertainty", "",
             "The CVA truth is the line from the skin vertex over C7 to the near tragus vertex "
             "(bench/synthetic/GROUND_TRUTH.md). Picked at the edges of their plausible places instead (C7 one "
             "vertebra up or down the back of the neck, the skin over the C6 or T1 spinous process, about 2 cm "
             "at 1.75 m; the tragus 4 mm forward, back, up or down), the same bodies' CVA moves by:", "",
             "| posture | renders | C7 ± 1 vertebra | tragus ± 4 mm | all 15 picks: range | SD |",
             "|---|---|---|---|---|---|"]
    by_sweep: dict[str, list[Render]] = {}
    for render in defined:
        sweep = render.truth["set"]["sweep"]
        kind = sweep.replace("_deg", "").replace("_cm", "")
        key = "neutral" if sweep == "neutral" else f"{kind} {render.truth['set']['value']:g}"
        by_sweep.setdefault(key, []).append(render)
    for key, group in [*sorted(by_sweep.items()), ("all", defined)]:
        c7, tragus, spread, sd = [], [], [], []
        for render in group:
            cva = render.truth["head_truth"]["cva_deg"]
            c7.append(cva["tragus|c7_down"] - cva["tragus|c7_up"])
            tragus.append(max(cva[f"tragus_{w}|c7"] for w in ("forward", "back", "up", "down"))
                          - min(cva[f"tragus_{w}|c7"] for w in ("forward", "back", "up", "down")))
            spread.append(max(cva.values()) - min(cva.values()))
            sd.append(float(np.std(list(cva.values()))))
        lines.append(f"| {key} | {len(group)} | {np.mean(c7):.1f}° | {np.mean(tragus):.1f}° "
                     f"| {np.mean(spread):.1f}° | {np.mean(sd):.1f}° |")
    lines += ["", "(mean width of each range over the renders: C7 one vertebra up to one down; the tragus's "
              "four picks; all 15 combinations, with their standard deviation.)", "",
              "Each estimate against every definition (held-out bodies, all four camera bands):", "",
              "* *MAE (nominal)*: the mean absolute error against the CVA of the nominal C7 and tragus, as in the "
              "tables above.",
              "* *MAE, mean over picks*: the MAE against each of the 15 picks in turn, averaged over the 15: the "
              "error one should expect against some other reasonable choice of the two points. It is larger than "
              "the nominal MAE partly because the picks scatter around the nominal truth whatever the estimate "
              "does.",
              "* *MAE, worst pick*: the MAE against the one pick of the 15 the estimate is furthest from.",
              "* *MAE, distance to the picks' range*: per render, how far the estimate lies below the lowest or "
              "above the highest of its 15 plausible CVAs (0 when it lies among them), averaged over the renders: "
              "the error left that no plausible placing of C7 and the tragus would explain.", "",
              "| estimate | MAE (nominal) | MAE, mean over picks | MAE, worst pick "
              "| MAE, distance to the picks' range |",
              "|---|---|---|---|---|"]
    held = [r for r in defined if r.body in HELD_OUT_BODIES and estimate[r.name] is not None]
    for key, label in (("before", "before"), ("landmarks", "landmarks refit"), ("posture", "posture")):
        if not held:
            break
        picks = list(held[0].truth["head_truth"]["cva_deg"])
        maes = [np.mean([abs(estimate[r.name][key] - _true_cva(r, pick)) for r in held]) for pick in picks]
        outside = np.mean([max(0.0, min(r.truth["head_truth"]["cva_deg"].values()) - estimate[r.name][key],
                               estimate[r.name][key] - max(r.truth["head_truth"]["cva_deg"].values())) for r in held])
        nominal = np.mean([abs(estimate[r.name][key] - _true_cva(r)) for r in held])
        lines.append(f"| {label} | {nominal:.2f} | {np.mean(maes):.2f} | {max(maes):.2f} | {outside:.2f} |")
    return lines


HEAD_FIT_CHANGE_WEIGHT = 2.0
"""In the fit of the head angle's outline constants: the weight of the squared error of each render's change from
its neutral render (same body, facing and camera), over all changes, against the squared error of the angle itself
over all renders. Fitted to the points' places, the constants read a neck flexion's change about 10% too large and
a head protraction's about 10% too small (the ear landmark drops further than the tragus when the head bows, and
C7's row follows it); weighing the changes brings the two together. Chosen with :data:`HEAD_FIT_POINT_WEIGHT` by leaving
out one calibration body at a time (the held-out bodies unused): weights from 1 to 8 here and 1 to 16 there gave
much the same."""
HEAD_FIT_POINT_WEIGHT = 4.0
"""In the same fit: the weight of the two points' squared distances from the true C7 and the mid-plane tragus (in %
of body height) against the angle's squared error (deg²), so that they stay those points (about 0.7% of body
height, 1.2 cm, from them) rather than any two points whose line happens to follow the CVA."""


def fit_head_geometry(renders: list[Render], head_folder: Path, main_folder: Path | None, model_path: Path) -> str:
    """Fit the head angle's outline constants (measurements.C7_ROW, C7_FORWARD, TRAGUS_FROM_EAR) on the calibration
    bodies, single runs of the photo itself; returns them as Python to paste into posture/stages/measure/head.py.

    The constants are fitted to the angle the two points give (Levenberg-Marquardt from the current constants):
    its error against the CVA, the error of its change from the neutral render (:data:`HEAD_FIT_CHANGE_WEIGHT`),
    and how far the points lie from the C7 skin vertex's pixel and the near tragus moved to the body's mid-plane
    (its parallax undone with the render's own camera, since the CVA is measured in the mid-plane;
    :data:`HEAD_FIT_POINT_WEIGHT`).
    """
    from posture.core.pose import side_landmark
    from posture.io.loading import load_image
    from posture.pipeline import gate
    from posture.stages.detect import PoseDetector
    from posture.stages.frame import build_frame
    from posture.stages.level import (
        find_levelling,
        level_points,
        level_pose,
        levelling_centre,
    )
    from posture.stages.measure import silhouette as M

    found: list[tuple[Render, Any, Any, np.ndarray]] = []  # render, SideBody, NeckOutline, true (C7, tragus) pixels
    with PoseDetector(model_path) as detector:
        for render in renders:
            if render.body in HELD_OUT_BODIES:
                continue
            folder = head_folder if "head_truth" in render.truth else main_folder
            image = load_image(folder / f"{render.name}.png")
            verdict = gate(image, detector.detect(image))
            if not verdict.ok or verdict.near_side is None:
                continue
            levelling = find_levelling(image, verdict.pose)
            pose = level_pose(verdict.pose, levelling.camera_roll) if levelling.applied else verdict.pose
            frame = build_frame(pose, height_cm=render.truth["person"]["height_cm"], levelling=levelling)
            parts = ("EAR", "SHOULDER", "HIP", "KNEE", "ANKLE")
            landmarks = {part: side_landmark(verdict.near_side, part) for part in parts} | {"NOSE": Landmark.NOSE}
            body = M.SideBody(points={k: np.asarray(pose.xy[v], dtype=np.float64) for k, v in landmarks.items()},
                              landmarks=landmarks, facing=verdict.facing, scale=frame.scale, calibrations=None,
                              outline=M.Mask(probability=pose.mask, scale=pose.mask_scale))
            neck = M.neck_outline(body)
            if neck is None:
                continue
            truth_px = np.array([render.truth["pixels"]["c7"], _mid_plane_tragus(render)])
            if levelling.applied:
                truth_px = level_points(truth_px, levelling.camera_roll, levelling_centre(verdict.pose.xy))
            # The outline is read once; the fit places the points on it with other constants.
            found.append((render, dataclasses.replace(body, outline=None), neck, truth_px))
    index = {render.name: i for i, (render, *_) in enumerate(found)}
    neutral = {render.group: render.name for render, *_ in found if render.neutral}
    pairs = [(i, index[neutral[render.group]]) for i, (render, *_) in enumerate(found)
             if render.group in neutral and neutral[render.group] != render.name]
    truth = np.array([_true_cva(render) for render, *_ in found])

    def residuals(p: np.ndarray) -> np.ndarray:
        angles, distances = [], []
        for render, body, neck, truth_px in found:
            c7, tragus = M.place_head_points(body, neck, (p[0], p[1], p[2]), p[3], (p[4], p[5], p[6], p[7]))
            angles.append(M.head_line_angle(c7, tragus, body.facing))
            distances.append((np.concatenate([c7, tragus]) - truth_px.ravel()) * 100.0 / body.scale.body_height_px)
        error = np.array(angles) - truth
        change = np.array([error[i] - error[j] for i, j in pairs])
        return np.concatenate([error / np.sqrt(len(error)), change * np.sqrt(HEAD_FIT_CHANGE_WEIGHT / len(change)),
                               np.concatenate(distances) * np.sqrt(HEAD_FIT_POINT_WEIGHT / len(error))])

    start = np.array([*M.C7_ROW, M.C7_FORWARD, *M.TRAGUS_FROM_EAR])
    fitted = _levenberg_marquardt(residuals, start, steps=np.array([1e-3, 1e-3, 1e-4, 1e-4, 1e-3, 1e-3, 1e-4, 1e-4]))

    def summary(p: np.ndarray) -> str:
        r = residuals(p)
        n, m = len(found), len(pairs)
        return (f"angle RMS error {np.sqrt(np.sum(r[:n] ** 2)):.2f} deg, change RMS error "
                f"{np.sqrt(np.sum(r[n:n + m] ** 2) / HEAD_FIT_CHANGE_WEIGHT):.2f} deg, points' RMS distance "
                f"{np.sqrt(np.sum(r[n + m:] ** 2) / HEAD_FIT_POINT_WEIGHT / 2):.2f}% of body height")

    return (f"# fitted on {len(found)} renders of the calibration bodies ({len(pairs)} changes from a neutral render)\n"
            f"# before: {summary(start)}\n# after:  {summary(fitted)}\n"
            f"C7_ROW = ({fitted[0]:.3f}, {fitted[1]:.3f}, {fitted[2]:.4f})\n"
            f"C7_FORWARD = {fitted[3]:.4f}\n"
            f"TRAGUS_FROM_EAR = ({fitted[4]:.3f}, {fitted[5]:.3f}, {fitted[6]:.4f}, {fitted[7]:.4f})")


def _levenberg_marquardt(residuals: Callable[[np.ndarray], np.ndarray], start: np.ndarray, steps: np.ndarray,
                         rounds: int = 60) -> np.ndarray:
    """The parameters minimising the sum of squared ``residuals``, from ``start`` (forward-difference Jacobian)."""
    p, r = start.astype(np.float64), residuals(start)
    damping = 1e-3
    for _ in range(rounds):
        jacobian = np.column_stack([(residuals(p + step * unit) - r) / step
                                    for step, unit in zip(steps, np.eye(len(p)))])
        gradient, normal = jacobian.T @ r, jacobian.T @ jacobian
        while damping < 1e6:
            trial = p - np.linalg.solve(normal + damping * np.diag(np.diag(normal)), gradient)
            r_trial = residuals(trial)
            if r_trial @ r_trial < r @ r:
                break
            damping *= 4.0
        else:
            return p
        gain = r @ r - r_trial @ r_trial
        p, r, damping = trial, r_trial, max(damping / 3.0, 1e-7)
        if gain < 1e-7:
            break
    return p


def _mid_plane_tragus(render: Render) -> np.ndarray:
    """The near tragus's pixel had it lain in the body's mid-plane (its lateral offset removed), from the truth."""
    truth = render.truth
    camera = truth["camera"]
    world = np.array(truth["world_m"][f"tragus_{truth['near_side']}"])
    turn = np.radians(camera["person_turn_deg"])
    lateral = np.array([np.cos(turn), np.sin(turn), 0.0])  # the body frame's x (the person's left) in the world
    mid = world - float(np.dot(world, lateral) - np.dot(np.array(truth["world_m"]["c7"]), lateral)) * lateral
    to_camera = np.array(camera["extrinsics"]["world_to_camera"])
    p = to_camera[:3, :3] @ mid + to_camera[:3, 3]
    k = np.array(camera["intrinsics"]["K"])
    return np.array([k[0, 0] * p[0] / p[2] + k[0, 2], k[1, 1] * p[1] / p[2] + k[1, 2]])


KEPT_SECTIONS = (("<!-- looser-clothing:start -->", "<!-- looser-clothing:end -->"),
                 ("<!-- roll.py begin -->", "<!-- roll.py end -->"),
                 (HEAD_BEGIN, HEAD_END),
                 ("<!-- hip-sides begin -->", "<!-- hip-sides end -->"))
"""Sections of bench/ACCURACY.md written by other benchmarks, kept when this one rewrites the file."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a set made by bench/synthetic/make_set.py")
    parser.add_argument("--out", type=Path, help="write the Markdown table here")
    parser.add_argument("--fit-calibration", action="store_true",
                        help="fit the calibrations on the calibration bodies first, then measure")
    parser.add_argument("--markers", action="store_true",
                        help="FOLDER is the skin-marker set (make_set.py --markers): measure with --markers green")
    parser.add_argument("--head", action="store_true",
                        help="FOLDER is the head-angle set (make_head_set.py): tabulate the head angle per camera "
                        "height with the main set's side views (--main-set), into its own section of --out")
    parser.add_argument("--main-set", type=Path, default=ROOT / "bench" / "synthetic" / "cache",
                        help="with --head: the main set, whose side views join the table and the fit")
    parser.add_argument("--fit-head-geometry", action="store_true",
                        help="with --head: print the head angle's outline constants fitted on the calibration bodies")
    args = parser.parse_args()
    if args.head:
        return head_main(args)
    renders = read_set(args.folder)
    model_path = prepare_model(notify=print)
    print(f"{len(renders)} renders in {args.folder}", file=sys.stderr)
    if args.markers:
        run_posture(args.folder, renders, model_path, markers="green")
        unlevelled = [replace(render, document=None, failure=None) for render in renders]
        run_posture(args.folder, unlevelled, model_path, markers="green", level=False)
        text = marker_markdown(marker_rows(renders), renders, marker_rows(unlevelled), unlevelled)
        print(text)
        if args.out:
            # bench/markers_fuller.py writes its own section into the same file: keep it.
            current = args.out.read_text() if args.out.exists() else ""
            _, found, rest = current.partition(FULLER_BEGIN)
            if found:
                section, closed, _ = rest.partition(FULLER_END)
                text = text.rstrip("\n") + "\n\n" + FULLER_BEGIN + section + closed + "\n"
            replace_atomically(args.out, text.encode())
        return 0
    if args.fit_calibration:
        # The outline measures report their features only once calibrated: a first pass with empty weights
        # (the landmark corrections as they are; the fit uses the bare landmark values).
        current = {name: (c.offset, c.slope) for name, c in load_calibrations().corrections.items()
                   if name not in OUTLINE_FITS}
        write_calibrations(current, renders, model_path)
        load_calibrations.cache_clear()
    run_posture(args.folder, renders, model_path)
    if args.fit_calibration:
        write_calibrations(fit_calibrations(renders), renders, model_path, fit_outline_measures(renders))
        load_calibrations.cache_clear()
        print("calibrations written; measuring again with them", file=sys.stderr)
        run_posture(args.folder, renders, model_path)
    calibrations = load_calibrations()
    calibration_text = "; ".join(
        f"{name}: {c.offset:+.2f} + {c.slope:.3f} × the blended head angle" if name == HEAD_CHANGES else
        f"{name}: {c.offset:+.2f}" + ("" if c.slope == 1.0 else f" + {c.slope:.3f} × landmark value")
        + ("".join(f" {w:+.3g} × {feature}" for feature, w in c.weights.items()) if name != "head_forward_angle"
           else "".join(f", then {w:.3g} of the way to the {feature.replace('_', ' ')} (C7 on the outline → tragus "
                        "proxy; --head)" for feature, w in c.weights.items()))
        for name, c in calibrations.corrections.items()
    ) + (f" (offsets of foot_hip_offset and hip_height_difference in % of body height; outline features in "
         f"trunk lengths or % of body height), fitted on {calibrations.fitted_on} (the outline measures on the "
         "same bodies' side, front and back views).")
    every = tabulate(renders, SIDE_PAIRINGS, ("side",), lambda body: True, "all")
    held_out = tabulate(renders, SIDE_PAIRINGS, ("side",), lambda body: body in HELD_OUT_BODIES, "held-out")
    views = ("front", "back", "front arms-away", "back arms-away")
    front = tabulate(renders, FRONT_PAIRINGS, views, lambda body: True, "all")
    front_held_out = tabulate(renders, FRONT_PAIRINGS, views, lambda body: body in HELD_OUT_BODIES, "held-out")
    rows = [row for pair in zip(every, held_out) for row in pair] + [
        row for pair in zip(front, front_held_out) for row in pair]
    text = markdown(rows, renders, calibration_text)
    print(text)
    if args.out:
        # Other benchmarks write their own sections into the same file (bench/clothing.py, bench/roll.py):
        # keep them, each between its markers.
        current = args.out.read_text() if args.out.exists() else ""
        for start, end in KEPT_SECTIONS:
            before, found, rest = current.partition(start)
            if found:
                section, closed, _ = rest.partition(end)
                text = text.rstrip("\n") + "\n\n" + start + section + closed + "\n"
        replace_atomically(args.out, text.encode())
    return 0


def head_main(args: argparse.Namespace) -> int:
    """``--head``: the head angle on the head-angle set and the main set's side views (issue 7)."""
    main_set = args.main_set if args.main_set and (args.main_set / "index.jsonl").exists() else None
    renders = read_head_renders(args.folder, main_set)
    model_path = prepare_model(notify=print)
    print(f"{len(renders)} renders ({args.folder}{', ' + str(main_set) if main_set else ''})", file=sys.stderr)
    if args.fit_head_geometry:
        print(fit_head_geometry(renders, args.folder, main_set, model_path))
        return 0
    if args.fit_calibration:
        # A first pass with the current landmark line and no outline weight, so every render reports its outline
        # angle as a component; then the fit, then measuring again.
        current = load_calibrations().get("head_forward_angle")
        assert current is not None, "calibration.toml has no head_forward_angle entry"
        write_head_calibration(current.offset, current.slope, 0.0, "(first pass)", None)
        load_calibrations.cache_clear()
    for render in renders:
        render.document, render.failure = None, None
    head_folders = {r.name: args.folder if "head_truth" in r.truth else main_set for r in renders}
    _run_mixed(renders, head_folders, model_path)
    if args.fit_calibration:
        offset, slope, weight, changes = fit_head_calibration(renders)
        used = [r for r in renders if r.body not in HELD_OUT_BODIES and r.document is not None]
        fitted_on = (f"{len(used)} side-view renders of {len({r.body for r in used})} bodies "
                     f"({sum('head_truth' in r.truth for r in used)} of the head-angle set, the rest of the main set)")
        write_head_calibration(offset, slope, weight, fitted_on, changes)
        load_calibrations.cache_clear()
        print("head-angle calibration written; measuring again with it", file=sys.stderr)
        _run_mixed(renders, head_folders, model_path)
    head = load_calibrations().get("head_forward_angle")
    assert head is not None
    changes = load_calibrations().get(HEAD_CHANGES)
    text = head_markdown(renders, (head.offset, head.slope, sum(head.weights.values())),
                         None if changes is None else changes.slope)
    print(text)
    if args.out:
        current = args.out.read_text() if args.out.exists() else ""
        if HEAD_BEGIN in current:
            before, _, rest = current.partition(HEAD_BEGIN)
            _, _, after = rest.partition(HEAD_END)
            updated = before + text.rstrip("\n") + after
        else:
            updated = current.rstrip("\n") + "\n\n" + text
        replace_atomically(args.out, updated.encode())
    return 0


def _run_mixed(renders: list[Render], folders: dict[str, Path], model_path: Path) -> None:
    """run_posture over renders that live in different folders."""
    for folder in set(folders.values()):
        run_posture(folder, [r for r in renders if folders[r.name] == folder], model_path)


if __name__ == "__main__":
    sys.exit(main())
