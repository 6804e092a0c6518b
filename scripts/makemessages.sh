#!/usr/bin/env bash
# Refresh every zh_Hans catalogue from the code and templates: each app's strings go to
# louwei/<app>/locale, the shell's templates, settings and access to louwei/locale.
# Then fill the new msgstr entries; `make test` fails on any empty or fuzzy one.
set -euo pipefail
cd "$(dirname "$0")/../louwei"
../.venv/bin/python ../manage.py makemessages -l zh_Hans \
  --ignore=tests --ignore=testing --ignore=static --ignore=browser_tests -v1
