# OfficeSeries admin center. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per install: the server's dependencies (`make run`, `make serve`) and those plus the test tools
# (`make test`, `make lint`). The second implies the first; neither uninstalls anything.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test lint format serve bench stress clean

help:
	@echo "make run     install the server, migrate, load the demo data and serve on http://$(HOST):$(PORT) (PORT=8080 for another port)"
	@echo "make test    install the test tools too and run the whole test suite (DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make lint    ruff, and the import contracts of docs/architecture.md (import-linter)"
	@echo "make bench   benchmarks at 100,000 users on PostgreSQL (BENCH_ARGS='--users 1000 --repeat 5' for a quick run)"
	@echo "make stress  many admins at once against gunicorn on PostgreSQL, then the invariants (STRESS_ARGS='--duration 20')"
	@echo "make serve   gunicorn with whitenoise (production-style; needs SECRET_KEY and ALLOWED_HOSTS)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(RUN_STAMP) $(TEST_STAMP)

install: $(RUN_STAMP)

run: $(RUN_STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py seed_demo
	@echo "Serving the admin center on http://$(HOST):$(PORT)/ (sign in with an account above)"
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

serve: $(RUN_STAMP)
	@test -n "$$SECRET_KEY" || { echo "make serve is for production: set SECRET_KEY and ALLOWED_HOSTS (README, Deploying)"; exit 2; }
	$(BIN)/python manage.py collectstatic --no-input
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/gunicorn officeseries.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} \
		--worker-class gthread --threads $${WEB_THREADS:-4} --access-logfile -

bench: $(TEST_STAMP)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

stress: $(TEST_STAMP)
	$(BIN)/python -m loadtest $(STRESS_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
