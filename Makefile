# newsflow: every entry point a person or CI uses.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
VENV := .venv
BIN := $(VENV)/bin
LANDING ?= seeds
LAKE ?= lake
# The embedded Airflow lives in the repo (SQLite metadata DB); nothing to start by hand.
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER ?= $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER ?= $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES ?= False
export GX_ANALYTICS_ENABLED ?= False

.PHONY: setup run test test-fast lint browser ui stack audit bench bench-scale clean

# Install uv (pinned) if missing, then the venv exactly as uv.lock says. Bytecode is compiled at install:
# with PYTHONDONTWRITEBYTECODE set (as on these machines) every process would otherwise recompile Airflow and GX.
setup:
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	$(PYTHON) -m uv sync --frozen --python 3.11 --compile-bytecode
	$(BIN)/python -m compileall -q include dags plugins

# Set up, then run news_ingest once on seeds/ into lake/ and print what was published.
run: setup
	$(BIN)/newsflow run --landing $(LANDING) --lake $(LAKE)

# The whole suite (what CI runs): the linter and the type checker first (zero findings), then every test, spread
# over the cores by pytest-xdist with work stealing: tests/conftest.py deals the long tests out so that each worker
# starts its share of them at once (none starts last and runs alone), and the quick ones are what gets stolen.
# One worker more than cores: the long tests spend part of their time waiting (Airflow's scheduler, child
# processes, loopback servers), and a third worker fills that on two cores (11:45 with 2 workers, 10:14 with 3,
# back to back on the same machine).
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(len(os.sched_getaffinity(0)) + 1)')
test: setup browser lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=15

# ruff (rule set and why: pyproject.toml) and mypy, strict on include/newsflow/.
lint: setup
	$(BIN)/ruff check include dags plugins tests bench scripts
	$(BIN)/mypy

# Headless Chromium (Debian's package) for the browser test in tests/ui/; idempotent.
browser:
	bash scripts/ensure-chromium.sh

test-fast: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not slow"

# The production topology (compose) without Docker, on this machine's Postgres + Redis; Ctrl-C stops everything.
stack: setup
	$(BIN)/python scripts/stack.py up

# Throughput and memory: corpora of N real-shaped pages, the pipeline vs trafilatura and bs4, 1 vs 2 workers,
# GX share, peak RSS, Airflow's per-task overhead, DAG import time (bench/pipeline_bench.py; JSON in artifacts/);
# then dedup against 1 vs 30 dates of lake history (bench/history_bench.py); then the same pages as WARC
# archives vs .html files, and the WARC readers alone (bench/warc_bench.py); then newsflow run --landing ccnews
# over a loopback CC-NEWS tree vs a trafilatura loop and datatrove's pipelines on the same archives, on 1,000
# real pages and at the issue's 3,013 pages (generated; about 20 minutes) (bench/ccnews_bench.py);
# then one Celery worker vs two on a 20k-record CC-NEWS day, on the Celery stack (bench/celery_scale.py; needs
# this machine's PostgreSQL and Redis, says SKIPPED without them; about 10 minutes).
BENCH_SIZES ?= 1000 10000
BENCH_ROUNDS ?= 2
bench: setup
	$(BIN)/python -u bench/pipeline_bench.py --sizes $(BENCH_SIZES) --rounds $(BENCH_ROUNDS) --airflow
	$(BIN)/python -u bench/history_bench.py --dates 1 30 --per-date 10000 --run 10000
	$(BIN)/python -u bench/warc_bench.py --sizes $(BENCH_SIZES) --workers 1 2
	$(BIN)/python -u bench/ccnews_bench.py --pages 1000 --per-archive 250 --json artifacts/ccnews_bench.json
	$(BIN)/python -u bench/ccnews_bench.py --generated --pages 3013 --per-archive 1000 --rss-copies 0 \
		--json artifacts/ccnews_bench_3013.json
	$(BIN)/python -u bench/celery_scale.py --records 20000 --per-archive 1000 --skip-without-services \
		--json artifacts/celery_scale.json

# WARC at crawl scale: 10k- and 100k-record archive sets (CC-NEWS-shaped) end to end on two workers, peak RSS
# of each (the goal: the 100k run within 20 % of the 10k run). About an hour on two cores.
bench-scale: setup
	$(BIN)/python -u bench/warc_bench.py --sizes 10000 100000 --workers 2 --no-html --json artifacts/warc_scale.json

# pip-audit over uv.lock; prints SKIPPED (not a pass) when the advisory service is unreachable.
audit: setup
	bash scripts/audit.sh

# The Airflow UI on http://localhost:8080 (LocalExecutor on the same SQLite DB).
ui: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" airflow standalone

clean:
	rm -rf $(LAKE) .airflow

.PHONY: quality quality-fast
# newsflow vs trafilatura vs readability-lxml on ../shared's dev set: F1, P, R, empty, pages/s.
quality: setup
	$(BIN)/python bench/quality.py

# The CI gate: newsflow only, fails below the pinned F1 floors.
quality-fast: setup
	$(BIN)/python -m pytest tests/extract/test_quality_floor.py -q

.PHONY: train
# Refit the byline ranker on ../shared's dev sets (deterministic) into include/newsflow/extract/models/, and print
# its in-sample, leave-publisher-out and leave-one-set-out figures beside the rules (bench/train.py).
train: setup
	$(BIN)/python bench/train.py
