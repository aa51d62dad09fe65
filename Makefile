# Set-up and everyday commands. `make demo` and `make test` each do all set-up
# on a fresh machine: a virtual environment, the package, and the pose model.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED := ../shared
STAMP := $(VENV)/.installed

.PHONY: demo test model bench bench-accuracy calibrate synthetic-set clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

model: $(STAMP)
	$(BIN)/posture model

# The demo prefers a bundled sample; until rendered samples exist it uses a
# test photo from ../shared when that folder is present, and says so.
demo: model
	@sample=$$(ls samples/*.jpg samples/*.png 2>/dev/null | head -n 1); \
	if [ -z "$$sample" ] && [ -f $(SHARED)/photos/side_bodytracker_1.jpg ]; then \
		sample=$(SHARED)/photos/side_bodytracker_1.jpg; \
		echo "No bundled sample photo yet: using the test photo $$sample from ../shared (not distributed with posture)."; \
	fi; \
	if [ -z "$$sample" ]; then echo "No sample photo found in samples/ or $(SHARED)/photos." >&2; exit 1; fi; \
	mkdir -p out; \
	$(BIN)/posture analyze "$$sample" --annotate out/demo-annotated.png && \
	echo "Annotated picture: out/demo-annotated.png"

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

# Refit the head-angle calibration (posture/knowledge/calibration.toml), then re-measure.
calibrate: model synthetic-set
	$(BIN)/python bench/accuracy.py $(SYNTH_SET) --fit-calibration --out bench/ACCURACY.md

clean:
	rm -rf $(VENV) out build *.egg-info
