# The two set-up commands of the README: `make repro` (install, then the pipeline on the
# bundled corpus) and `make test` (install, then the tests). Both work on a fresh machine
# with Python 3.11 and no GPU, reaching nothing but the package registries.

VENV ?= .venv
PYTHON ?= python3
PIP := $(VENV)/bin/python -m pip
INSTALLED := $(VENV)/.installed
# Stages run `python` and `dvc`: the ones in the virtual environment.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# Offline and quiet (the stages set these too, for runs outside make).
export DO_NOT_TRACK := true
export DVC_NO_ANALYTICS := 1
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1

.PHONY: install repro test bench corpus

$(INSTALLED): pyproject.toml requirements.lock packaging/en_core_web_sm/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# A CPU build first: an unpinned torch pulls a multi-GB CUDA build.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -c requirements.lock -e '.[dev]' ./packaging/en_core_web_sm
	# unstructured imports unstructured-inference even for its fast strategy; its own
	# dependencies would add timm and a CUDA torchvision that breaks sentence-transformers.
	$(PIP) install --quiet --no-deps -c requirements.lock unstructured-inference
	$(PIP) uninstall --quiet --yes torchvision 2>/dev/null || true
	$(VENV)/bin/python -c "import sentence_transformers, unstructured.partition.pdf, en_core_web_sm"
	touch $@

install: $(INSTALLED)

repro: install
	dvc repro
	python -m embedtune.summary

test: install
	ruff check src tests scripts bench
	pytest

bench: install
	python bench/extract.py
	python bench/generate.py
	python bench/evaluate.py
	python bench/train.py
	python bench/formats.py
	python bench/scale.py

corpus: install
	python scripts/render_default_corpus.py
