# Two commands on a fresh clone: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# The Discord bot when DISCORD_TOKEN is set (issue 4); until then, and without a token,
# an interactive search over the bundled course in the terminal.
run: install
	$(VENV)/bin/tutorbot search

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest -q

bench: install
	$(PY) bench/retrieval.py
	$(PY) bench/token_estimate.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
