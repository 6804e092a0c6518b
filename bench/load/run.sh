#!/usr/bin/env bash
# The load test of a Monday morning (docs/benchmarks.md, "Load test"). Arguments go to
# `python -m bench.load`, e.g. `bench/load/run.sh --users 20 --run-time 30s` for a smoke.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python -m bench.load "$@"
