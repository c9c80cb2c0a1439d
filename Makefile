# Two commands matter: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Local defaults for plain-HTTP runs on this machine; a deployment sets its own in the environment.
export DEBUG ?= 0
export ALLOWED_HOSTS ?= 127.0.0.1,localhost
export SECURE_COOKIES ?= 0
ifndef SECRET_KEY
# A fresh key per run: nothing is published that could sign a session elsewhere.
export SECRET_KEY := $(shell $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))")
endif

.PHONY: run test install migrate data admin lint format migrations-check static vendor bench clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

migrate: install
	$(BIN)/python manage.py migrate --no-input

data: migrate
	$(BIN)/python manage.py load_dataset

static: install
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0

run: data static
	$(BIN)/gunicorn sharedservices.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile -

admin: migrate
	$(BIN)/python manage.py createsuperuser

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

# PYTEST_ARGS narrows a run, e.g. PYTEST_ARGS='-m "not browser"' where the database makes no difference to them.
test: install static
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache .ruff_cache screenshots

# plotly.js is committed under static/vendor/ so that set-up needs no Node.js; this refreshes it from npm
# at the version the installed plotly Python package was built for.
vendor: install
	@version=$$($(BIN)/python -c "import plotly.offline as o; print(o.get_plotlyjs_version())"); \
	tmp=$$(mktemp -d); \
	cd $$tmp && npm pack --silent plotly.js-basic-dist-min@$$version >/dev/null && tar xzf plotly.js-basic-dist-min-$$version.tgz; \
	cd $(CURDIR) && mkdir -p static/vendor/plotly && \
	cp $$tmp/package/plotly-basic.min.js $$tmp/package/LICENSE static/vendor/plotly/ && \
	echo $$version > static/vendor/plotly/VERSION && rm -rf $$tmp && \
	$(BIN)/python -m dashboard.vendor && \
	echo "static/vendor/plotly: plotly.js-basic-dist-min $$version"
