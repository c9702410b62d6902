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

# The Discord bot when DISCORD_TOKEN is set (environment or .env); otherwise the tutor in
# the terminal. Both use the bundled course and a SQLite file under data/; no keys needed.
run: install
	@if [ -n "$$DISCORD_TOKEN" ] || grep -qs '^DISCORD_TOKEN=.' .env; then \
		$(VENV)/bin/tutorbot run; else $(VENV)/bin/tutorbot chat; fi

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest -q

bench: install
	$(PY) bench/retrieval.py
	$(PY) bench/token_estimate.py
	$(PY) bench/quiz_load.py
	$(PY) bench/prompt_size.py
	$(PY) bench/interactions.py
	$(PY) bench/completion_report.py
	$(PY) bench/budget_check.py
	$(PY) bench/question_checks.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
