# OfficeSeries admin center. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test lint format serve bench stress clean

help:
	@echo "make run     set up, migrate, load the demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test    set up and run the whole test suite (DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make lint    ruff"
	@echo "make bench   benchmarks at 100,000 users on PostgreSQL (BENCH_ARGS='--users 1000 --repeat 5' for a quick run)"
	@echo "make stress  many admins at once against gunicorn on PostgreSQL, then the invariants (STRESS_ARGS='--duration 20')"
	@echo "make serve   gunicorn with whitenoise (production-style; needs SECRET_KEY and ALLOWED_HOSTS)"

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py seed_demo
	@echo "Serving the admin center on http://$(HOST):$(PORT)/ (sign in with an account above)"
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

serve: $(STAMP)
	@test -n "$$SECRET_KEY" || { echo "make serve is for production: set SECRET_KEY and ALLOWED_HOSTS (README, Deploying)"; exit 2; }
	$(BIN)/python manage.py collectstatic --no-input
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/gunicorn officeseries.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} --access-logfile -

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

stress: $(STAMP)
	$(BIN)/python -m loadtest $(STRESS_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
