# Louwei: `make run` for the laptop demo, `make test` for the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The address in the demo's links, e-mails and poster QR codes: where `make run` serves, unless
# given. Passed to each process by name, since honcho gives each its own PORT (worker PORT+100).
SITE_URL ?= http://127.0.0.1:$(PORT)
export DJANGO_SETTINGS_MODULE ?= louwei.settings

.PHONY: run test install install-test system-deps messages migrate demo web worker scheduler check-deploy bench load backup restore clean

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test system-deps

# Debian packages: gettext (compiling translations), Chromium and CJK fonts (browser tests).
system-deps:
	@bash scripts/system-deps.sh

messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null 2>&1 || bash scripts/system-deps.sh gettext
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var --verbosity 0

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --verbosity 0
	$(PY) manage.py createcachetable

demo: migrate
	$(PY) manage.py load_demo --if-empty

# Web server, task worker and periodic scheduler together (Procfile.dev); Ctrl-C stops all three.
run: install messages demo
	$(PY) manage.py demo_logins --url $(SITE_URL)/
	SITE_URL=$(SITE_URL) PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

web: install
	SITE_URL=$(SITE_URL) $(PY) manage.py runserver 127.0.0.1:$(PORT)

worker: install
	SITE_URL=$(SITE_URL) $(PY) manage.py run_worker

scheduler: install
	SITE_URL=$(SITE_URL) $(PY) manage.py run_scheduler

test: install-test messages
	$(PY) -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

check-deploy: install
	DJANGO_SETTINGS_MODULE=louwei.settings.production SECRET_KEY=$$($(PY) -c "import secrets; print(secrets.token_urlsafe(60))") \
	ALLOWED_HOSTS=louwei.example.org SITE_URL=https://louwei.example.org $(PY) manage.py check --deploy --fail-level WARNING

bench: install-test messages
	$(PY) -m bench

# The Monday-morning load test (docs/benchmarks.md): make load [LOAD_ARGS="--users 20 --run-time 30s"]
$(VENV)/.installed-load: $(VENV)/.installed-test
	$(PY) -m pip install --quiet -e ".[test,load]"
	touch $@

load: $(VENV)/.installed-load messages
	bench/load/run.sh $(LOAD_ARGS)

# The database and MEDIA_ROOT in one archive (docs/backup.md): make backup [OUT=FOLDER/|FILE.tar.gz] [KEEP=N]
backup: install
	$(PY) manage.py backup $(if $(OUT),--out "$(OUT)") $(if $(KEEP),--keep $(KEEP))

# Put an archive back into an empty database: make restore FILE=ARCHIVE [FORCE=1] (FORCE replaces what is there)
restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/louwei-backup-YYYYMMDD-HHMMSS.tar.gz [FORCE=1]"; exit 2; }
	$(PY) manage.py restore "$(FILE)" $(if $(FORCE),--force)

clean:
	rm -rf $(VENV) var
