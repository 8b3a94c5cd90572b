# Two entry points of the README's quick start. Both create .venv and install
# reducekd with the tested versions (requirements/constraints.txt) first.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test install experiments zoo-experiments wheelhouse gpu-check

install: $(STAMP)

$(STAMP): setup.py requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -c requirements/constraints.txt -e ".[lite,tests,deploy]"
	touch $(STAMP)

# ReduceNet end to end on the embedded digits: stage 1, stage 2, fuse, test.
demo: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" python tools/reducenet_pipeline.py

# The method READMEs' digits experiments over 3 seeds (ReduceNet, Factor
# Transfer, structure learning, logit KD; 2 runs at a time), then
# work_dirs/digits_experiments/summary.md and curves_*.png.
experiments: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" python tools/run_digits_experiments.py

# mmrazor's KD, DKD, DIST and Factor Transfer configs, unmodified, on the
# low-data digits (configs/mmrazor_zoo/digits_low_data.py), one seed, then
# work_dirs/zoo_digits/summary.md (docs/mmrazor_zoo.md).
zoo-experiments: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" python tools/run_digits_experiments.py \
		--methods mmrazor_zoo --seeds 0 --work-dir work_dirs/zoo_digits

# Wheels of reducekd and of everything it installs except torch, for an
# air-gapped node with its own torch: make wheelhouse PY=3.12 [WHEELS=dir].
PY ?= $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
WHEELS ?= wheelhouse
wheelhouse: $(STAMP)
	$(VENV)/bin/python tools/make_wheelhouse.py --python-version $(PY) --dest $(WHEELS)

# On a CUDA machine without network: install from $(WHEELS) next to the
# machine's torch, GPU tests and benchmarks, one report (tools/gpu_check.sh).
gpu-check:
	sh tools/gpu_check.sh $(WHEELS)

test: $(STAMP)
	$(VENV)/bin/python -m pytest tests
