# Session Lab: `make run` serves the site, `make test` runs every check.
# Both set up what they need first (system packages, .venv, translations,
# database), so a fresh clone needs nothing else.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Local development unless the environment says otherwise.
export DJANGO_DEBUG ?= 1

.PHONY: run test setup setup-test system-packages system-packages-test messages \
        compile-messages migrate lessons unit e2e fuzz bench load lighthouse screenshots lint format clean

run: setup ## Set everything up and serve http://127.0.0.1:8000/
	@echo
	@echo "  Session Lab: open http://$(HOST):$(PORT)/   (Ctrl-C stops it, its Redis and its memcached)"
	@echo
	$(BIN)/python -m tutorial.private_servers -- $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The classroom server: gunicorn with production settings on 0.0.0.0:$(PORT)
# (docs/hosting.md). WORKERS=n overrides 2 x cores + 1. scripts/classroom.py
# migrates, loads the lessons and collects the static files with DEBUG off.
.PHONY: classroom classroom-check
classroom: setup ## Serve the site to a classroom (gunicorn, DEBUG off, LAN address)
	$(BIN)/python scripts/classroom.py --port $(PORT) $(if $(WORKERS),--workers $(WORKERS))

# An instructor account: `make instructor NAME=rahima` asks for the password.
.PHONY: instructor
instructor: setup ## Create an instructor (NAME=...; the password is asked for)
	@test -n "$(NAME)" || { echo "Give the instructor's user name: make instructor NAME=rahima"; exit 2; }
	$(BIN)/python manage.py createinstructor "$(NAME)"

classroom-check: setup ## manage.py check --deploy with the classroom's settings
	$(BIN)/python scripts/classroom.py --check-deploy

test: setup-test ## Set everything up and run lint, checks, unit and browser tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -m "not e2e" -q
	$(BIN)/pytest -m e2e -q

unit: setup-test ## Only the fast tests (no browser)
	$(BIN)/pytest -m "not e2e" -q

e2e: setup-test ## Only the browser tests
	$(BIN)/pytest -m e2e -q

# The fuzz test of `make test` tries 400 generated bad inputs; before a release,
# try FUZZ_EXAMPLES of them (about 10 minutes for 10,000 on 2 cores). With
# URL=http://127.0.0.1:8000 INSTRUCTOR=name:password they go to a running server
# (make classroom in another terminal; manage.py createinstructor makes the account).
FUZZ_EXAMPLES ?= 10000
fuzz: setup-test ## Throw FUZZ_EXAMPLES generated bad inputs at every form, parameter and cookie
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(if $(URL),FUZZ_URL=$(URL) FUZZ_INSTRUCTOR=$(INSTRUCTOR)) \
		$(BIN)/pytest lessons/tests/test_fuzz.py -q -p no:logging

setup: system-packages $(VENV)/.run-installed compile-messages migrate lessons

setup-test: system-packages-test $(VENV)/.test-installed compile-messages

system-packages:
	@scripts/system_packages.sh run

system-packages-test:
	@scripts/system_packages.sh test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt requirements-dev.txt requirements-load.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed $(VENV)/.load-installed

$(VENV)/.load-installed: requirements.txt requirements-load.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-load.txt
	touch $@ $(VENV)/.run-installed

compile-messages: | $(BIN)/python
	@$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0

migrate:
	$(BIN)/python manage.py migrate --verbosity 0

lessons:
	$(BIN)/python manage.py load_lessons

messages: ## Refresh locale/uz/LC_MESSAGES/django.po from the code and templates
	$(BIN)/python manage.py makemessages --locale uz --ignore=.venv --ignore=var --no-obsolete

# A simulated class against a running classroom server (make classroom in another
# terminal, with the same DATABASE_URL): LEARNERS learners join within 10 seconds, then
# work for SECONDS seconds; locust plays them (scripts/locustfile.py).
LEARNERS ?= 200
SECONDS ?= 300
load: setup $(VENV)/.load-installed ## Simulate a class against the server at URL (default http://127.0.0.1:8000)
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat var/secret_key 2>/dev/null)}" \
		$(BIN)/python manage.py load_classroom --url $(or $(URL),http://127.0.0.1:$(PORT)) --learners $(LEARNERS) --seconds $(SECONDS)

# Lighthouse's scores for the lesson and lab pages, both languages (scripts/lighthouse.py);
# with URL=... it audits a running server instead of starting one.
LIGHTHOUSE_VERSION := 12.8.2
lighthouse: setup ## Lighthouse scores of the lesson and lab pages (accessibility must be 100)
	@scripts/system_packages.sh lighthouse
	@test -x var/lighthouse/node_modules/.bin/lighthouse || \
		npm install --silent --no-audit --no-fund --prefix var/lighthouse lighthouse@$(LIGHTHOUSE_VERSION)
	$(BIN)/python scripts/lighthouse.py $(if $(URL),--url $(URL))

screenshots: setup setup-test ## Photograph the lab for docs/screenshots/ (laptop and phone, both languages, light and dark)
	$(BIN)/python scripts/screenshots.py $(if $(URL),--url $(URL))

bench: setup ## Measure the lab against bare Django, engine by engine
	$(BIN)/python manage.py bench_lab

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean: ## Remove the virtualenv and local data (database, Redis socket)
	rm -rf $(VENV) var
