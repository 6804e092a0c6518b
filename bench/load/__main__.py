"""Run the load test of a Monday morning, start to finish, on the loopback:

    .venv/bin/python -m bench.load [--users 200] [--spawn-rate 2] [--run-time 5m] [--workers 5]
                                   [--database load_louwei] [--redis redis://127.0.0.1:6379/11] [--out DIR]
    .venv/bin/python -m bench.load --users 20 --run-time 30s          # a short smoke
    bench/load/run.sh ...                                               # the same

It creates a fresh PostgreSQL database (dropped at the end, as is any left by an interrupted run),
empties the given Redis database, migrates, collects the static files, prepares the data
(``bench/load/prepare.py``), starts gunicorn on 127.0.0.1 with the production settings
(``bench/load/settings.py``) and one ``run_worker`` (RQ), waits for ``/healthz``, runs locust
headless (``bench/load/locustfile.py``), prints the per-page table and the failures, then stops
everything. Needs locust: ``.venv/bin/pip install -e ".[load]"``. Exit status: 0 when no request
failed and the server logged no error, 1 otherwise.

``python -m bench.load prepare ACCOUNTS.json [--buildings N ...]`` only prepares the data, into the
database that ``DATABASE_URL`` names (with the development settings: the data's password is public).
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PY = sys.executable
PG = "postgres://postgres@127.0.0.1:5432/"


def _prepare_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load prepare")
    parser.add_argument("accounts", type=Path, help="where to write the accounts (JSON)")
    parser.add_argument("--buildings", type=int, default=9)
    parser.add_argument("--floors", type=int, default=20)
    parser.add_argument("--per-floor", type=int, default=3, help="enterprises (each with an employee) per floor")
    parser.add_argument("--cases", type=int, default=3, help="open cases per floor")
    parser.add_argument("--district-staff", type=int, default=10)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "louwei.settings")
    import django

    django.setup()
    from bench.load import prepare

    started = time.perf_counter()
    accounts = prepare.prepare(buildings=args.buildings, floors=args.floors, per_floor=args.per_floor,
                               cases=args.cases, district_staff=args.district_staff)
    prepare.write_accounts(accounts, args.accounts)
    print(f"prepared in {time.perf_counter() - started:.1f} s: {len(accounts.buildings)} buildings, "
          f"{len(accounts.floors)} floors, {len(accounts.leaders)} floor leaders, {len(accounts.employees)} employees, "
          f"{len(accounts.secretaries)} secretaries, {len(accounts.property)} property staff, "
          f"{len(accounts.district_staff)} district staff")
    return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG + "postgres", autocommit=True) as conn:
        conn.execute(sql)


def _run(cmd: list[str], env: dict, **kwargs) -> None:
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kwargs)


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited before it answered")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _table(stats_csv: Path) -> tuple[int, int]:
    """Print the per-page table of locust's ``_stats.csv``; return (requests, failures) of the total."""
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    print(f"\n{'page':<44} {'requests':>9} {'failures':>9} {'median':>7} {'p95':>7} {'p99':>7}  (ms)")
    total = (0, 0)
    for row in rows:
        name = row["Name"] if row["Type"] else "all"
        print(f"{(row['Type'] + ' ' + name).strip():<44} {row['Request Count']:>9} {row['Failure Count']:>9} "
              f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7}")
        if row["Name"] == "Aggregated":
            total = (int(row["Request Count"]), int(row["Failure Count"]))
            print(f"\nrequests per second: {float(row['Requests/s']):.1f}; error rate: "
                  f"{(total[1] / total[0] if total[0] else 0):.4%}")
    return total


def _server_errors(log: Path) -> int:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return text.count("Traceback (most recent call last)")


def main(argv: list[str]) -> int:
    if argv[:1] == ["prepare"]:
        return _prepare_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=2, help="users started per second (default 2)")
    parser.add_argument("--run-time", default="5m", help="locust's --run-time (default 5m)")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers (default 5: 2 × 2 cores + 1)")
    parser.add_argument("--database", default="load_louwei", help="PostgreSQL database to create and drop")
    parser.add_argument("--redis", default=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/11"),
                        help="a Redis database of the run's own: it is emptied before and after")
    parser.add_argument("--out", type=Path, default=None, help="folder for locust's CSV files and the logs")
    parser.add_argument("--buildings", default="9", help="extra buildings of 20 floors (default 9)")
    args = parser.parse_args(argv)

    out = args.out or Path(tempfile.mkdtemp(prefix="louwei-load-"))
    out.mkdir(parents=True, exist_ok=True)
    var = Path(tempfile.mkdtemp(prefix="louwei-load-var-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load.settings",
        "DATABASE_URL": PG + args.database,
        "REDIS_URL": args.redis,
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://louwei.example.org",
        "LOUWEI_VAR_DIR": str(var),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    accounts = out / "accounts.json"
    server = worker = None
    import redis

    flush = redis.Redis.from_url(args.redis).flushdb
    try:
        _admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{args.database}"')
        flush()
        _run([PY, "manage.py", "migrate", "--verbosity", "0"], env)
        _run([PY, "manage.py", "createcachetable"], env)
        _run([PY, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
        _run([PY, "-m", "bench.load", "prepare", str(accounts), "--buildings", args.buildings],
             {**env, "DJANGO_SETTINGS_MODULE": "louwei.settings"})
        server_log = (out / "gunicorn.log").open("w")
        server = subprocess.Popen(
            [str(Path(PY).parent / "gunicorn"), "louwei.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.workers), "--access-logfile", str(out / "access.log")],
            env=env, cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT,
        )
        worker_log = (out / "worker.log").open("w")
        worker = subprocess.Popen([PY, "manage.py", "run_worker"], env=env, cwd=ROOT,
                                  stdout=worker_log, stderr=subprocess.STDOUT)
        _wait_healthy(url, server)
        print(f"gunicorn ({args.workers} workers) on {url}, worker pid {worker.pid}; logs in {out}", flush=True)
        locust = subprocess.run(
            [str(Path(PY).parent / "locust"), "-f", str(ROOT / "bench/load/locustfile.py"), "--headless",
             "--host", url, "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
             "--run-time", args.run_time, "--only-summary", "--csv", str(out / "load"), "--loglevel", "WARNING"],
            env={**os.environ, "LOAD_ACCOUNTS": str(accounts)}, cwd=ROOT,
        )
    finally:
        _stop(server)
        _stop(worker)
        try:
            _admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        finally:
            flush()
            subprocess.run(["rm", "-rf", str(var)], check=False)
    requests, failures = _table(out / "load_stats.csv")
    errors = _server_errors(out / "gunicorn.log")
    worker_errors = _server_errors(out / "worker.log")
    print(f"failures: {failures} of {requests} requests; server tracebacks: {errors}; worker tracebacks: "
          f"{worker_errors}; locust exit status {locust.returncode}; CSV and logs in {out}")
    return 0 if failures == 0 and errors == 0 and worker_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
