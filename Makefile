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

.PHONY: install lock repro test bench corpus

$(INSTALLED): pyproject.toml requirements.lock packaging/pip.lock packaging/en_core_web_sm/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# Every package at its locked version, and only a file whose sha256 the lock lists
	# (scripts/lock.sh writes both locks). torch is locked as its CPU build: an unpinned
	# torch pulls a multi-GB CUDA build. --no-deps: the lock is the whole set, so
	# unstructured-inference comes without the timm -> CUDA torchvision chain that breaks
	# sentence-transformers on CPU torch.
	$(PIP) install --quiet --require-hashes --no-deps -r packaging/pip.lock
	$(PIP) install --quiet --require-hashes --no-deps -r requirements.lock
	# The two local packages, built with the lock's setuptools rather than an unpinned one.
	$(PIP) install --quiet --no-deps --no-build-isolation -e . ./packaging/en_core_web_sm
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
	python bench/local_llm.py
	python bench/evaluate.py
	python bench/train.py
	python bench/formats.py
	python bench/scale.py

# Regenerate both locks after changing dependencies in pyproject.toml (needs the package index).
lock:
	bash scripts/lock.sh

corpus: install
	python scripts/render_default_corpus.py
