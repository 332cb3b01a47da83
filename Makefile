# `make run` and `make test` work on a fresh machine: they create the virtualenv and install.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
export DJANGO_SETTINGS_MODULE ?= linan_visits.settings.local

.PHONY: run test install install-dev migrate lint format e2e messages worker beat clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

## Serve the app on http://127.0.0.1:$(PORT) with demo data (each app's part loaded while it is empty).
run: migrate
	$(PY) manage.py seed_demo --if-empty
	@echo "打开 http://127.0.0.1:$(PORT)/ 使用上面的演示账号登录（Ctrl+C 停止）。"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## The whole suite, browser tests included (they skip when Chromium is absent, outside CI).
test: install-dev
	DJANGO_SETTINGS_MODULE=linan_visits.settings.test $(PY) -m pytest $(PYTEST_ARGS)

e2e: install-dev
	DJANGO_SETTINGS_MODULE=linan_visits.settings.test $(PY) -m pytest -m e2e $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Refresh the Chinese catalogue after changing user-facing text, then fill in the new msgstr.
messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

worker: install
	$(VENV)/bin/celery -A linan_visits worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A linan_visits beat --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
