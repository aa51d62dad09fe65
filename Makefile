# Set-up and everyday commands. `make demo` and `make test` each do all set-up
# on a fresh machine: a virtual environment, the package, and the pose model.
#
# The environment is installed from requirements/lock.txt: exact versions with
# hashes, checked by pip, then posture itself without dependencies. Another
# Python gets its own environment: `make test PYTHON=python3.10` uses
# .venv-python3.10 and leaves .venv alone (VENV=dir chooses the folder).

PYTHON ?= python3
ifeq ($(PYTHON),python3)
VENV ?= .venv
else
VENV ?= .venv-$(notdir $(PYTHON))
endif
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP = $(1)/bin/python -m pip --disable-pip-version-check
LOCK := requirements/lock.txt

.PHONY: demo test golden browser test-latest lock docs exit-codes model bench bench-batch bench-accuracy bench-video sway-set clip-factor walk-set bench-walk bench-markers bench-markers-fuller bench-clothing bench-coverage bench-head bench-roll bench-real bench-real-walks bench-hip-sides calibrate synthetic-set mutate clean

# setuptools comes from the lock too and the build uses it (--no-build-isolation),
# so nothing unpinned is downloaded. `pip check` catches a lock that misses a
# dependency added to pyproject.toml since the last `make lock`.
$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(call PIP,$(VENV)) install --quiet --require-hashes -r $(LOCK)
	$(call PIP,$(VENV)) install --quiet --no-deps --no-build-isolation -e .
	$(call PIP,$(VENV)) check || { echo "$(LOCK) does not match pyproject.toml: run make lock"; exit 1; }
	touch $(STAMP)

# Refresh the lock: the newest versions that pyproject.toml and
# requirements/constraints.txt allow, for Python 3.10 and newer on every
# platform, with hashes. `make lock LOCK_UPGRADE=` keeps the versions already
# locked where it can (to add a dependency without moving the others).
# After refreshing, re-run the accuracy benchmark (`make bench-accuracy`) and
# say in the commit which versions and which numbers moved.
UV_VERSION := 0.13.9
UV_VENV := .venv-uv
UV_STAMP := $(UV_VENV)/.uv-$(UV_VERSION)
LOCK_UPGRADE ?= --upgrade

$(UV_STAMP):
	test -x $(UV_VENV)/bin/python || $(PYTHON) -m venv $(UV_VENV)
	$(call PIP,$(UV_VENV)) install --quiet uv==$(UV_VERSION)
	touch $(UV_STAMP)

lock: $(UV_STAMP)
	$(UV_VENV)/bin/uv pip compile --quiet --universal --python-version 3.10 --generate-hashes \
	    $(LOCK_UPGRADE) --custom-compile-command 'make lock' \
	    --constraint requirements/constraints.txt \
	    pyproject.toml --extra test requirements/build.in --output-file $(LOCK)
	sed -i '2a # (uv $(UV_VERSION): pyproject.toml with its test extra, plus requirements/build.in,\n# held back by requirements/constraints.txt. Installed with pip --require-hashes.)' $(LOCK)

# The test suite against the newest versions pyproject.toml allows (no lock,
# no constraints), in its own environment, to see upstream changes on purpose.
LATEST ?= .venv-latest

test-latest:
	test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(call PIP,$(LATEST)) install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
	$(call PIP,$(LATEST)) list --exclude-editable
	$(LATEST)/bin/posture model --from-wheel
	$(LATEST)/bin/python -m pytest

# The set-up builds the model from the PyPI wheel: byte-for-byte the model the
# calibrations and tests were made with (`posture model` alone tries
# MediaPipe's download first).
model: $(STAMP)
	$(BIN)/posture model --from-wheel

DEMO_PHOTO := samples/side-right_feet-behind-10cm.png

demo: model
	mkdir -p out
	$(BIN)/posture analyze $(DEMO_PHOTO) --annotate out/demo-annotated.png
	@echo "Annotated picture: out/demo-annotated.png"

# The HTML reports are tested in headless Chromium (Debian's package), which also
# prints `--pdf` at run time. `make test` installs it when it is missing and
# apt-get can (root); otherwise the browser tests skip and say why. Set
# POSTURE_CHROMIUM to use another Chromium binary.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	    && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "headless Chromium could not be installed: the browser tests will be skipped"; }

test: model browser
	$(BIN)/python -m pytest

# Re-record what tests/test_golden.py compares with (tests/data/golden_outputs/): every test input's
# JSON, CSV row and text report. Only for a deliberate result change; tests/golden.py says how to record
# another commit's outputs instead.
golden: model
	$(BIN)/python tests/golden.py --write

# The measurement lists of docs/json-output.md and README.md, written from posture/knowledge/registry.py
# (a test checks that both are current).
docs: $(STAMP) exit-codes
	$(BIN)/python -m posture.render.docs docs/json-output.md README.md

# docs/exit-codes.md: every exit code and the hostile cases that give it, from tests/hostile/cases.py
# (a test checks that it is current).
exit-codes: $(STAMP)
	PYTHONPATH=.:tests:tests/hostile $(BIN)/python tests/hostile/exit_codes.py docs/exit-codes.md

bench: model
	$(BIN)/python bench/speed.py --out bench/SPEED.md

# Photos per second of `posture batch` with 1 and 2 workers and a local Dask
# cluster, against bare decode + inference, and peak RSS per worker.
bench-batch: model
	$(BIN)/python bench/batch_speed.py --out bench/BATCH_SPEED.md

# The accuracy benchmark renders people of known posture in a separate
# environment (.venv-synth: torch, anny, pyrender; about 1.7 GB), then
# measures them with posture. Rendering is resumable and cached.
SYNTH := .venv-synth/bin/python
SYNTH_SET := bench/synthetic/cache

$(SYNTH): bench/synthetic/requirements.txt bench/synthetic/requirements-nodeps.txt
	bench/synthetic/setup.sh

synthetic-set: $(SYNTH)
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_set.py $(SYNTH_SET)

bench-accuracy: model synthetic-set
	$(BIN)/python bench/accuracy.py $(SYNTH_SET) --out bench/ACCURACY.md

# Clips of the held-out bodies swaying by a known sine, rendered frame by frame and encoded like a phone's
# (bench/VIDEO.md).
SYNTH_SWAY := bench/synthetic/cache-sway

sway-set: $(SYNTH) synthetic-set
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_sway_set.py $(SYNTH_SWAY) --source $(SYNTH_SET)
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_sway_set.py $(SYNTH_SWAY)-retake --retakes \
		--source $(SYNTH_SET)
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_sway_set.py --room structured --source $(SYNTH_SET)
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_sway_set.py --room structured --retakes \
		--source $(SYNTH_SET)

# The clip's ± factors (posture/combine.py), fitted on re-taken clips of two fit bodies, unlevelled in a plain
# room and levelled in a room with verticals.
clip-factor: model $(SYNTH) synthetic-set
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_sway_set.py --fit --source $(SYNTH_SET)
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_sway_set.py --fit --retakes --source $(SYNTH_SET)
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_sway_set.py --room structured --fit --source $(SYNTH_SET)
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_sway_set.py --room structured --fit --retakes \
		--source $(SYNTH_SET)
	$(BIN)/python bench/clip_factor.py $(SYNTH_SET) $(SYNTH_SWAY)-fit $(SYNTH_SWAY)-fit-retake \
		$(SYNTH_SWAY)-room-fit $(SYNTH_SWAY)-room-fit-retake

bench-video: model sway-set
	$(BIN)/python bench/video_bench.py $(SYNTH_SET) $(SYNTH_SWAY) --retakes $(SYNTH_SWAY)-retake \
		--room $(SYNTH_SWAY)-room --room-retakes $(SYNTH_SWAY)-room-retake --out bench/VIDEO.md

# Rendered walks of known left-right asymmetry, encoded like a phone's (bench/VIDEO.md, section "Walking").
SYNTH_WALK := bench/synthetic/cache-walk

walk-set: $(SYNTH)
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_walk_set.py $(SYNTH_WALK)

bench-walk: model walk-set
	$(BIN)/python bench/walk_bench.py $(SYNTH_WALK) --out bench/VIDEO.md

# Refit the calibrations (posture/knowledge/calibration.toml: head angle, and the
# landmark bias of trunk lean, hip extension and foot-hip offset), then re-measure.
# Marker mode (posture --markers) on renders with round skin markers on the measured points, in the
# structured room (levelled from its lines) with the focal length in each PNG's EXIF. Its own folder:
# the older plain-room renders (cache-markers/) would be skipped as already present.
SYNTH_MARKERS := bench/synthetic/cache-markers-room

bench-markers: model $(SYNTH)
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_set.py $(SYNTH_MARKERS) --markers
	$(BIN)/python bench/accuracy.py $(SYNTH_MARKERS) --markers --out bench/MARKERS.md

# Marker mode with more points marked than the measures need (side: ASIS, iliac crest, PSIS, tragus, C7;
# back: both PSIS and both iliac crests): its own section of bench/MARKERS.md.
SYNTH_MARKERS_FULLER := bench/synthetic/cache-markers-fuller

bench-markers-fuller: model $(SYNTH)
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_set.py $(SYNTH_MARKERS_FULLER) --fuller-markers
	$(BIN)/python bench/markers_fuller.py $(SYNTH_MARKERS_FULLER) --out bench/MARKERS.md

# Looser clothing: a subset of the set in a loose T-shirt and shorts with a hair volume, each outline
# measure against its close-fitting twin (the "Looser clothing" section of bench/ACCURACY.md).
SYNTH_LOOSE := bench/synthetic/cache-loose

bench-clothing: model synthetic-set
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_set.py $(SYNTH_LOOSE) --loose
	$(BIN)/python bench/clothing.py $(SYNTH_SET) $(SYNTH_LOOSE) --out bench/ACCURACY.md

# Hip height with the arms resting at the sides: front and back renders of five bodies held out of every fit
# ("Arms resting at the sides" in bench/ACCURACY.md), against the results of main 97d1052, before the waist
# reading (bench/hip_sides_before.json, saved there by bench/hip_sides.py --save-results). It also compares the main
# set's front and back renders with the arms against the thighs. `make bench-hip-sides HIP_SIDES_FIT="--fit
# bench/synthetic/cache"` refits the waist reading's calibration first (`make calibrate` keeps it).
SYNTH_SIDES := bench/synthetic/cache-sides
HIP_SIDES_FIT ?=

bench-hip-sides: model synthetic-set
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_sides_set.py $(SYNTH_SIDES)
	$(BIN)/python bench/hip_sides.py $(SYNTH_SIDES) --main-set $(SYNTH_SET) $(HIP_SIDES_FIT) --out bench/ACCURACY.md \
	    --before bench/hip_sides_before.json --before-label "before (main 97d1052)"

# Uncertainty coverage: re-taken renders of one posture (camera moved a little) against each
# measurement's half-width, and the default's cost against --fast (bench/COVERAGE.md).
SYNTH_JITTER := bench/synthetic/cache-jitter

bench-coverage: model $(SYNTH)
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_jitter_set.py $(SYNTH_JITTER)
	$(BIN)/python bench/coverage.py $(SYNTH_JITTER) --out bench/COVERAGE.md

# Levelling: held-out bodies in the structured room (a door, a wall corner, a shelf) with the camera rolled, and the
# level renders turned afterwards by +-1..5 deg ("Levelling a rolled camera" in bench/ACCURACY.md).
SYNTH_ROLL := bench/synthetic/cache-roll

bench-roll: model $(SYNTH)
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_roll_set.py $(SYNTH_ROLL)
	$(BIN)/python bench/roll.py $(SYNTH_ROLL) --write

# Real photos: does posture say only what each photo shows? The photos of bench/real/sets/*.toml are rebuilt
# from mirrors of their public repositories (those absent here are listed as absent), then each result is
# judged against what a person saw in the photo (bench/REAL.md).
bench-real: model
	-$(BIN)/python bench/real_photos.py
	$(BIN)/python bench/real.py --out bench/REAL.md

bench-real-walks: model
	$(BIN)/python bench/real_walks.py --out bench/REAL_WALKS.md

calibrate: model synthetic-set
	$(BIN)/python bench/accuracy.py $(SYNTH_SET) --fit-calibration --out bench/ACCURACY.md

# The head angle against the craniovertebral angle, camera height by camera height: the head-angle set
# (side views, lens at knee to head height, tipped to centre the person, a phone's field of view) with the main
# set's side views, into its section of bench/ACCURACY.md. `make bench-head HEAD_FIT=--fit-calibration` refits
# the head angle's calibration on the calibration bodies of both sets first (`make calibrate` keeps it).
SYNTH_HEAD := bench/synthetic/cache-head
HEAD_FIT ?=

bench-head: model synthetic-set
	PYOPENGL_PLATFORM=osmesa $(SYNTH) bench/synthetic/make_head_set.py $(SYNTH_HEAD)
	$(BIN)/python bench/accuracy.py $(SYNTH_HEAD) --head --main-set $(SYNTH_SET) $(HEAD_FIT) --out bench/ACCURACY.md

# Mutation testing (mutmut; [tool.mutmut] in pyproject.toml) of the modules whose mistakes a user would not see, one
# module at a time at the lowest priority, against their fast unit tests only (the model-loading ones skip), then
# bench/MUTATION.md's tables from the results in mutants/. Slow (about an hour on two cores), so not run in CI;
# re-run it when these modules change. `make mutate MUTATE_MODULES=posture.compare` runs one module; results of
# earlier runs are kept in mutants/, and only mutants of changed functions are run again.
MUTATE_MODULES ?= posture.knowledge.registry posture.stages.findings posture.compare posture.combine \
    posture.stages.copies posture.stages.witnesses posture.knowledge.repeatability posture.io.outputs \
    posture.stages.measure.outline posture.stages.measure.landmark posture.stages.measure.silhouette \
    posture.stages.measure.head posture.stages.level posture.stages.lines posture.stages.measure.markers
MUTATE_CHILDREN ?= 2

mutate: $(STAMP)
	for module in $(MUTATE_MODULES); do \
	    POSTURE_TESTS_WITHOUT_MODEL=1 nice -n 19 $(BIN)/mutmut run --max-children $(MUTATE_CHILDREN) "$$module.*" \
	        > /dev/null || exit 1; \
	done
	$(BIN)/python bench/mutation.py --out bench/MUTATION.md

# Removes every posture environment (.venv, .venv-python*, .venv-latest, .venv-uv);
# leaves .venv-synth (the renderer, slow to rebuild) and the model.
clean:
	rm -rf $(sort .venv $(VENV)) .venv-python* $(LATEST) $(UV_VENV) out build *.egg-info mutants
