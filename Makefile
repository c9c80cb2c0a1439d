# Two commands matter: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTHON_VERSION_OF = $(shell $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)

# The Python check comes first: an older Python would otherwise fail deep inside pip ("No matching distribution
# found for Django") and leave a half-made .venv behind.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
PYTHON_VERSION := $(call PYTHON_VERSION_OF,$(PYTHON))
ifeq ($(PYTHON_VERSION),)
$(error "$(PYTHON)" is not a Python this machine can run. This project needs Python 3.12 or newer: install one and point make at it, e.g. make run PYTHON=python3.13)
endif
ifneq ($(shell $(PYTHON) -c 'import sys; print(sys.version_info >= (3, 12))'),True)
$(error "$(PYTHON)" is Python $(PYTHON_VERSION); this project needs Python 3.12 or newer. Install one and point make at it, e.g. make run PYTHON=python3.13)
endif
# A .venv made by another Python (an older one that failed, or one since replaced) is rebuilt rather than reused.
ifneq ($(wildcard $(BIN)/python),)
ifneq ($(call PYTHON_VERSION_OF,$(BIN)/python),$(PYTHON_VERSION))
$(info $(VENV) was made by another Python; rebuilding it with $(PYTHON) $(PYTHON_VERSION).)
REBUILD_VENV := 1
.PHONY: $(BIN)/.installed
endif
endif
endif
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

.PHONY: run test test-loaded install migrate data admin totp lint format migrations-check static vendor bench clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(if $(REBUILD_VENV),rm -rf $(VENV))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

migrate: install
	$(BIN)/python manage.py migrate --no-input

data: migrate
	$(BIN)/python manage.py load_dataset

# collectstatic compresses and fingerprints several hundred files; it runs again only when one of them changed
# (or the installed packages, which bring the admin's).
STATIC_STAMP := staticfiles/.collected
$(STATIC_STAMP): $(BIN)/.installed $(shell find static -type f 2>/dev/null)
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	touch $@

static: install $(STATIC_STAMP)

# gunicorn.conf.py holds the server settings (guarded threaded workers, a control socket per instance, quiet probes,
# no forwarded header trusted); docs/deploy.md, "Staying up under pressure", says what guards them.
run: data static
	$(BIN)/gunicorn sharedservices.wsgi --bind $(HOST):$(PORT) --access-logfile -

# With a terminal, createsuperuser asks; without one (a script, CI, a container) it reads DJANGO_SUPERUSER_USERNAME,
# DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD, and fails if the password is weak. Missing ones are named here:
# createsuperuser itself would say only "You must use --username with --noinput", or make an account with no password.
ADMIN_VARIABLES := DJANGO_SUPERUSER_USERNAME DJANGO_SUPERUSER_EMAIL DJANGO_SUPERUSER_PASSWORD
admin: migrate
	@if [ -t 0 ]; then $(BIN)/python manage.py createsuperuser; else \
		missing=$$(for name in $(ADMIN_VARIABLES); do [ -n "$$(printenv $$name)" ] || printf ' %s' $$name; done); \
		if [ -n "$$missing" ]; then \
			echo "Without a terminal, make admin reads DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD. Not set:$$missing" >&2; \
			exit 1; \
		fi; \
		$(BIN)/python manage.py createsuperuser --no-input; \
	fi
	@echo "With ADMIN_TWO_FACTOR on (the default unless DEBUG), give the account a code generator: make totp ACCOUNT=$${DJANGO_SUPERUSER_USERNAME:-USERNAME}"

# Through make, so that it runs with the settings make gives the site (a SECRET_KEY when none is set, DEBUG=0).
totp: install
	@if [ -z "$(ACCOUNT)" ]; then echo "Name the account: make totp ACCOUNT=USERNAME" >&2; exit 1; fi
	$(BIN)/python manage.py add_totp_device "$(ACCOUNT)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

# PYTEST_ARGS narrows a run, e.g. PYTEST_ARGS='-m "not browser"' where the database makes no difference to them.
# The tests run on every core (pytest-xdist), a test class to a worker so that its browser or server starts once;
# TEST_WORKERS=0 runs them in this process, which a debugger or -s wants. The slowest fifteen are listed at the end,
# so that a test that grows slow is seen in the run that made it so.
TEST_WORKERS ?= auto
test: install static
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --durations=15 $(PYTEST_ARGS)

# The suite three times in a row on a machine saturated by four CPU hogs (.ci/loaded says how): a test that hangs on
# the machine's speed fails here first.
test-loaded: install static
	.ci/loaded $(MAKE) test

# The scale benchmark (docs/benchmarks.md): BENCH_ARGS=--quick for the five-minute run.
bench: install static
	bench/run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 media .pytest_cache .ruff_cache screenshots

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
