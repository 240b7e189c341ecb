PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml scripts/apt-packages.txt
	bash scripts/system-deps.sh
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/planner plan data/sample/inventory.csv --catalog data/sample/catalog.toml --policy data/sample/policy.toml

test: $(STAMP)
	$(BIN)/ruff check planner tests app.py
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/planner bench

clean:
	rm -rf $(VENV) build *.egg-info
