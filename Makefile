# Set-up and everyday commands. `make demo` and `make test` each do all set-up
# on a fresh machine: a virtual environment, the package, and the pose model.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test model bench bench-accuracy calibrate synthetic-set clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

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

test: model
	$(BIN)/python -m pytest

bench: model
	$(BIN)/python bench/speed.py --out bench/SPEED.md

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

# Refit the calibrations (posture/knowledge/calibration.toml: head angle, and the
# landmark bias of trunk lean, hip extension and foot-hip offset), then re-measure.
calibrate: model synthetic-set
	$(BIN)/python bench/accuracy.py $(SYNTH_SET) --fit-calibration --out bench/ACCURACY.md

clean:
	rm -rf $(VENV) out build *.egg-info
