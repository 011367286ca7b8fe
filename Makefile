# Two commands set everything up: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export MPLBACKEND := Agg

.PHONY: run test test-fast lint bench docs clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## whole pipeline on the synthetic default, report in reports/
	$(BIN)/mobility run

test: $(STAMP)  ## lint, then every test (slow ones included, as CI runs them)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

test-fast: $(STAMP)  ## the small-scale tests only
	$(BIN)/pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)  ## wall time and peak memory of each stage at full scale
	$(BIN)/python -m benchmarks.run_all

docs: $(STAMP)  ## dbt docs (catalog of every model and column) in warehouse/target/
	$(BIN)/mobility build
	MOBILITY_DATA_DIR=data/synthetic/full MOBILITY_WAREHOUSE=warehouse/mobility.duckdb \
	DBT_PROFILES_DIR=. DBT_TARGET_PATH=warehouse/target DBT_LOG_PATH=warehouse/logs \
	$(BIN)/dbt docs generate
	@echo "dbt docs: warehouse/target/index.html (serve with: .venv/bin/dbt docs serve --target-path warehouse/target)"

clean:
	rm -rf $(VENV) reports data warehouse/target warehouse/*.duckdb
