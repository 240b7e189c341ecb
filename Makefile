PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run plan screenshots test lint bench clean

$(STAMP): pyproject.toml scripts/apt-packages.txt
	bash scripts/system-deps.sh
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# the dashboard on the bundled sample, at http://127.0.0.1:8501 (settings: .streamlit/config.toml)
# (streamlit run app.py, with the package imported before the first visitor: dashboard/serve.py)
run: $(STAMP)
	$(BIN)/python -m dashboard.serve --server.address 127.0.0.1 --server.port 8501

# the bundled sample planned in the terminal (the CLI)
plan: $(STAMP)
	$(BIN)/planner plan data/sample/inventory.csv --catalog data/sample/catalog.toml --policy data/sample/policy.toml

# screenshots of the main pages for docs/ (a live server driven by Chromium)
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py docs/screenshots

test: $(STAMP)
	$(BIN)/ruff check planner planner_cli tests app.py dashboard scripts
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/planner bench

clean:
	rm -rf $(VENV) build *.egg-info
