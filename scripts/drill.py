#!/usr/bin/env python
"""Fault drills: real processes, real faults, on a throw-away PostgreSQL and Redis of their own.

    .venv/bin/python scripts/drill.py postgres-restart     # PostgreSQL restarted under gunicorn and the worker
    .venv/bin/python scripts/drill.py redis-down           # Redis stopped under gunicorn, the RQ worker and the scheduler
    .venv/bin/python scripts/drill.py worker-kill-fanout   # the worker SIGKILLed while it sends a notice's e-mail
    .venv/bin/python scripts/drill.py worker-kill-roster   # the worker SIGKILLed while it writes a roster import
    .venv/bin/python scripts/drill.py all
    DRILL_PLAIN_WORKER=1 .venv/bin/python scripts/drill.py postgres-restart   # with db_worker / rqworker as shipped

Each drill starts its own PostgreSQL cluster (initdb in a temporary folder, port 55432), its own
redis-server (port 56379) when it needs one, an SMTP sink that counts what arrives (aiosmtpd, port
58025), and the application as production runs it: ``gunicorn louwei.wsgi`` (port 58001),
``manage.py run_worker`` and ``manage.py run_scheduler``. Nothing touches the PostgreSQL or Redis
on the usual ports. It prints what it saw and a PASS/FAIL line per check, and exits 1 if one failed.
docs/faults.md says what each drill does and what to expect.

A new drill is a function ``drill_NAME(stack) -> list[Check]`` registered in ``DRILLS``; the
:class:`Stack` starts and stops the pieces, and :func:`wait_for` / :func:`kill_when` do the timing.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG_BIN = Path(os.environ.get("DRILL_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_PORT, REDIS_PORT, WEB_PORT, SMTP_PORT = 55432, 56379, 58001, 58025
WEB = f"http://127.0.0.1:{WEB_PORT}"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


STARTED = time.monotonic()


def say(*parts) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s]", *parts, flush=True)


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "") -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except Exception:  # noqa: BLE001 — a failing probe is a "not yet"
            pass
        time.sleep(interval)
    if what:
        say(f"timed out after {timeout:g} s waiting for {what}")
    return False


def kill_when(process: subprocess.Popen, predicate, *, timeout: float) -> bool:
    """SIGKILL ``process`` as soon as ``predicate`` holds (a worker in the middle of its work)."""
    if not wait_for(predicate, timeout=timeout, interval=0.02, what="the moment to kill"):
        return False
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    return True


# ---------------------------------------------------------------------------------------------------
# The SMTP sink


class Sink:
    """An SMTP server on 127.0.0.1 that records (recipient, subject) of every message it accepts;
    ``delay`` seconds per message make a fan-out last long enough to be interrupted."""

    def __init__(self, delay: float = 0.0):
        from aiosmtpd.controller import Controller

        self.delay = delay
        self.received: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
                import asyncio
                import email

                if sink.delay:
                    await asyncio.sleep(sink.delay)
                message = email.message_from_bytes(envelope.content)
                subject = str(email.header.make_header(email.header.decode_header(message["Subject"] or "")))
                with sink._lock:
                    for rcpt in envelope.rcpt_tos:
                        sink.received.append((rcpt, subject))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=SMTP_PORT)
        self.controller.start()

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def duplicates(self) -> list[tuple[str, str]]:
        with self._lock:
            return [key for key, n in collections.Counter(self.received).items() if n > 1]

    def stop(self):
        self.controller.stop()


# ---------------------------------------------------------------------------------------------------
# The stack: PostgreSQL, Redis, the application's processes


class Stack:
    def __init__(self, *, redis: bool, keep: bool = False):
        self.keep = keep
        self.dir = Path(tempfile.mkdtemp(prefix="louwei-drill-"))
        self.pgdata = self.dir / "pg"
        self.processes: dict[str, subprocess.Popen] = {}
        self.redis_process: subprocess.Popen | None = None
        self.with_redis = redis
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}},
            "DJANGO_SETTINGS_MODULE": "louwei.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG_PORT}/drill",
            "LOUWEI_VAR_DIR": str(self.dir / "var"),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(SMTP_PORT),
            "SITE_URL": WEB, "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
        }
        if redis:
            self.env["REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/0"

    # PostgreSQL ------------------------------------------------------------------------------
    def _as_postgres(self, *command) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)

    def start_postgres(self, *, init: bool = False) -> None:
        if init:
            self.pgdata.mkdir()
            if os.geteuid() == 0:
                shutil.chown(self.dir, "postgres")
                shutil.chown(self.pgdata, "postgres")
            subprocess.run(self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.pgdata), "-A", "trust",
                                             "-U", "postgres", "--no-sync", "-E", "UTF8"),
                           check=True, capture_output=True)
        options = f"-p {PG_PORT} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-o", options,
                                         "-l", str(self.dir / "pg.log"), "-w", "start"),
                       check=True, capture_output=True)
        if init:
            subprocess.run(self._as_postgres(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT),
                                             "-U", "postgres", "drill"), check=True, capture_output=True)

    def stop_postgres(self) -> None:
        subprocess.run(self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"),
                       check=False, capture_output=True)

    # Redis -------------------------------------------------------------------------------------
    def start_redis(self) -> None:
        self.redis_process = subprocess.Popen(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True,
                                        text=True).stdout.strip() == "PONG", timeout=10, what="redis")

    def stop_redis(self) -> None:
        if self.redis_process is not None:
            self.redis_process.terminate()
            self.redis_process.wait(timeout=10)
            self.redis_process = None

    # The application ------------------------------------------------------------------------------
    def manage(self, *args) -> None:
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
                       stdout=subprocess.DEVNULL)

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.dir / f"{name}.log", "ab")  # noqa: SIM115 — closed with the process
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def start_web(self) -> subprocess.Popen:
        process = self.start("web", [GUNICORN, "louwei.wsgi", "--bind", f"127.0.0.1:{WEB_PORT}", "--workers", "2"])
        wait_for(lambda: http_status("/healthz") == 200, timeout=30, what="gunicorn")
        return process

    def start_worker(self, name: str = "worker") -> subprocess.Popen:
        if os.environ.get("DRILL_PLAIN_WORKER"):  # the libraries' own workers, to compare
            if self.with_redis:
                command = ["rqworker", "default", "--job-class", "django_tasks_rq.backend.Job"]
            else:
                command = ["db_worker", "--interval", "0.2", "--no-reload"]
            return self.start(name, [PYTHON, "manage.py", *command])
        return self.start(name, [PYTHON, "manage.py", "run_worker", "--interval", "0.2"])

    def start_scheduler(self) -> subprocess.Popen:
        return self.start("scheduler", [PYTHON, "manage.py", "run_scheduler", "--interval", "2"])

    def alive(self, name: str) -> bool:
        return self.processes[name].poll() is None

    def log(self, name: str) -> str:
        return (self.dir / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stop_redis()
        self.stop_postgres()
        if self.keep:
            say(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def prepare(self) -> None:
        """A new database (and Redis), migrated; Django set up in this process against it."""
        self.start_postgres(init=True)
        if self.with_redis:
            self.start_redis()
        self.manage("migrate", "--verbosity", "0")
        self.manage("createcachetable")
        self.django()

    def django(self) -> None:
        """Set up Django in this process against the drill's database (for data and checks)."""
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()


def http_status(path: str, *, opener=None, data: dict | None = None, headers: dict | None = None) -> int:
    request = urllib.request.Request(WEB + path, data=urllib.parse.urlencode(data).encode() if data else None,
                                     headers=headers or {})
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


class Browser:
    """Cookies and the CSRF token, like a phone's browser; redirects are not followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self):
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(WEB + path, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def csrf_token(self, path: str) -> tuple[int, str]:
        """Open the page of a form: its status and the CSRF token in it ("" when there is none)."""
        status, html = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        return status, token[1] if status == 200 and token else ""

    def post_form(self, path: str, data: dict) -> int:
        status, token = self.csrf_token(path)
        if not token:
            return status
        data = {**data, "csrfmiddlewaretoken": token}
        return http_status(path, opener=self.opener, data=data, headers={"Referer": WEB + path})

    def post(self, path: str, data: dict, files: dict | None = None) -> tuple[int, str]:
        """Post the page's form as multipart/form-data, with the CSRF token read from the page;
        ``files`` maps a field to (file name, bytes, content type). Returns (status, Location)."""
        status, token = self.csrf_token(path)
        if not token:
            return status, ""
        boundary = f"drill{time.monotonic_ns()}"
        body = b""
        for name, value in {**data, "csrfmiddlewaretoken": token}.items():
            body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, (filename, content, content_type) in (files or {}).items():
            body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n").encode() + content + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(WEB + path, data=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": WEB + path,
        })
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Location", "")


def email_statuses() -> dict[str, int]:
    from django.db import close_old_connections
    from django.db.models import Count

    from louwei.notifications.models import Channel, Message

    close_old_connections()
    return dict(Message.objects.filter(channel=Channel.EMAIL).values_list("status").annotate(Count("pk")))


def task_statuses(backend: str | None = None) -> dict[str, int]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.all() if backend is None else DBTaskResult.objects.filter(backend_name=backend)
    return dict(rows.values_list("status").annotate(Count("pk")))


def people(count: int, prefix: str):
    """``count`` active people with an e-mail address."""
    from louwei.accounts.models import User

    return User.objects.bulk_create(
        [User(username=f"{prefix}{n}", name=f"{prefix}{n}", email=f"{prefix}{n}@drill.example.cn",
              password="!", is_active=True) for n in range(count)]
    )


def notify(users, key: str) -> None:
    from louwei.notifications import services

    services.notify(event="notice.published", recipients=users, title=f"演练通知 {key}", key=key)


def settle(minutes: int = 16, hours: int = 7) -> dict:
    """Run the two settling jobs as they will run once their limits have passed."""
    from freezegun import freeze_time

    from louwei.core.tasks import settle_task_results
    from louwei.notifications.delivery import settle_stale_claims

    now = datetime.datetime.now(datetime.UTC)
    claims = settle_stale_claims(now=now + datetime.timedelta(minutes=minutes))
    with freeze_time(now + datetime.timedelta(hours=hours)):
        tasks = settle_task_results.call()
    return {"claims": claims, "tasks": tasks}


def final_mail_checks(sink: Sink, expected: int) -> list[Check]:
    statuses = email_statuses()
    sent, unknown = statuses.get("sent", 0), statuses.get("unknown", 0)
    pending = {k: v for k, v in statuses.items() if k not in ("sent", "unknown")}
    return [
        Check("every e-mail reached a final state (sent, or unknown after a kill)", not pending and sent + unknown == expected,
              f"{statuses}, expected {expected}"),
        Check("nothing was sent twice", not sink.duplicates(), f"{len(sink.duplicates())} duplicates"),
        Check("the sink got every message marked sent, and at most the unknown ones more",
              sent <= sink.count() <= sent + unknown, f"sink {sink.count()}, sent {sent}, unknown {unknown}"),
    ]


# ---------------------------------------------------------------------------------------------------
# The drills


def drill_postgres_restart(stack: Stack, sink: Sink) -> list[Check]:
    users = people(25, "pg")
    web, worker = stack.start_web(), stack.start_worker()
    seen: list[tuple[float, int]] = []
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            seen.append((time.monotonic(), http_status("/healthz")))
            time.sleep(0.1)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    for n in range(12):  # 12 tasks, 300 e-mail, about 10 s of sending
        notify(users, f"before-{n}")
    say("12 notifications queued (300 e-mail); waiting for the worker to be busy")
    wait_for(lambda: sink.count() >= 60, timeout=60, what="60 e-mail sent")
    say(f"restarting PostgreSQL with {sink.count()} e-mail sent")
    from django.db import OperationalError, connection

    stack.stop_postgres()
    outage_started = time.monotonic()
    time.sleep(3)
    try:
        notify(users, "during")
        during = "accepted"
    except OperationalError as exc:
        during = f"refused ({type(exc).__name__})"
        connection.close()
    stack.start_postgres()
    outage = time.monotonic() - outage_started
    say(f"PostgreSQL back after {outage:.1f} s; an enqueue during the outage was {during}")
    for n in range(5):
        notify(users, f"after-{n}")
    expected = 17 * 25
    wait_for(lambda: sum(v for k, v in email_statuses().items() if k in ("sent", "sending", "unknown"))
             >= expected and not email_statuses().get("queued"), timeout=180, what="every e-mail")
    wait_for(lambda: not task_statuses().get("READY") and not task_statuses().get("RUNNING"), timeout=60,
             what="every task finished")
    time.sleep(1)
    stop.set()
    poller.join()
    settled = settle()
    statuses = [status for _t, status in seen]
    first_bad = next((i for i, s in enumerate(statuses) if s != 200), None)
    recovered = first_bad is not None and 200 in statuses[first_bad:]
    tasks = task_statuses()
    say(f"/healthz answers: {collections.Counter(statuses)}; tasks {tasks}; settled {settled}")
    say(f"worker log: {stack.log('worker').count('Database unavailable')} 'Database unavailable' lines, "
        f"{stack.log('worker').count('queued again')} task(s) queued again")
    return [
        Check("/healthz went 503 during the outage", 503 in statuses, str(collections.Counter(statuses))),
        Check("/healthz came back to 200 without a restart", recovered and statuses[-1] == 200),
        Check("gunicorn kept running (same process)", web.poll() is None),
        Check("the worker kept running (same process)", worker.poll() is None, "worker exited" if worker.poll()
              is not None else ""),
        Check("every task enqueued before and after the outage finished", set(tasks) <= {"SUCCESSFUL"},
              json.dumps(tasks)),
        *final_mail_checks(sink, expected),
    ]


def drill_redis_down(stack: Stack, sink: Sink) -> list[Check]:
    from louwei.testing.factories import BuildingFactory, FloorFactory

    floor = FloorFactory(building=BuildingFactory(code="DRILL"), number=3)
    users = people(10, "rd")
    web, worker, scheduler = stack.start_web(), stack.start_worker(), stack.start_scheduler()
    browser = Browser()
    checks = [Check("the login page answers with Redis up", browser.get("/login/")[0] == 200)]
    say("stopping Redis")
    stack.stop_redis()
    time.sleep(1)
    login_page = browser.get("/login/")[0]
    login_posts = [browser.post_form("/login/", {"username": "nobody", "password": "wrong"}) for _ in range(3)]
    raise_page = browser.get(f"/f/{floor.code}/report/")[0]
    from louwei.cases.models import Case
    from louwei.testing.factories import category

    raised = browser.post_form(f"/f/{floor.code}/report/", {
        "category": str(category("repairs").pk), "description": "演练：电梯按钮失灵，请尽快处理。", "name": "", "phone": "",
        "website": "",
    })
    healthz = http_status("/healthz")
    notify(users, "while-redis-is-down")
    outbox = task_statuses("outbox")
    say(f"Redis down: login {login_page}, login posts {login_posts}, raise page {raise_page}, raise {raised}, "
        f"/healthz {healthz}; outbox {outbox}; worker alive {worker.poll() is None}")
    checks += [
        Check("the login page answers while Redis is down", login_page == 200),
        Check("login attempts are answered (and counted) while Redis is down", login_posts == [200, 200, 200],
              str(login_posts)),
        Check("the visitor's raise page answers while Redis is down", raise_page == 200),
        Check("a visitor's case is raised while Redis is down", raised == 302 and Case.objects.count() == 1,
              f"status {raised}"),
        Check("/healthz stays 200 (the database answers)", healthz == 200),
        Check("the e-mail task waits in the database outbox", outbox.get("READY", 0) >= 1, json.dumps(outbox)),
    ]
    time.sleep(5)
    worker_survived_outage = worker.poll() is None
    say("starting Redis again")
    stack.start_redis()
    wait_for(lambda: email_statuses().get("sent", 0) == 10, timeout=90, what="the e-mail sent after Redis")
    outbox = task_statuses("outbox")
    say(f"after: e-mail {email_statuses()}, outbox {outbox}, sink {sink.count()}, worker alive "
        f"{worker.poll() is None}, scheduler alive {scheduler.poll() is None}")
    checks += [
        Check("the scheduler relayed the outbox to Redis", not outbox.get("READY"), json.dumps(outbox)),
        Check("the worker sent the e-mail once Redis was back", sink.count() == 10 and not sink.duplicates(),
              f"sink {sink.count()}"),
        Check("the worker process lived through the outage (its RQ worker started again)",
              worker_survived_outage and worker.poll() is None),
        Check("the scheduler lived through the outage", scheduler.poll() is None),
        Check("gunicorn kept running", web.poll() is None),
    ]
    return checks


def drill_worker_kill_fanout(stack: Stack, sink: Sink) -> list[Check]:
    from django.db import transaction

    from louwei import access
    from louwei.accounts.models import Role, RoleKind
    from louwei.notices import services as notices
    from bench.notices import build
    from louwei.notices.models import Delivery
    from louwei.notifications import tasks as notification_tasks
    from louwei.notifications.models import Channel, Message

    enterprises = 200
    building = build(enterprises, floors=10)
    staff = people(enterprises, "fan")
    Role.objects.bulk_create([
        Role(user=user, kind=RoleKind.EMPLOYEE, enterprise=enterprise)
        for user, enterprise in zip(staff, building_enterprises(building), strict=True)
    ])
    with transaction.atomic():
        notice = notices.create_draft(actor=access.SYSTEM, scope=building, title="演练：全楼停水通知", body="明天 9 点停水。")
        notices.publish(actor=access.SYSTEM, notice=notice)
    say(f"published to {Delivery.objects.filter(notice=notice).count()} enterprises; starting the worker")
    worker = stack.start_worker()
    killed_at = None
    if kill_when(worker, lambda: sink.count() >= 50, timeout=60):
        killed_at = sink.count()
    time.sleep(0.5)
    after_kill, sink_at_kill = email_statuses(), sink.count()
    tasks_at_kill = task_statuses()
    say(f"SIGKILL at {killed_at} e-mail received: e-mail {after_kill}, tasks {tasks_at_kill}")
    worker = stack.start_worker("worker2")
    notification_tasks.release_quiet.enqueue()  # what the scheduler enqueues every 5 minutes
    wait_for(lambda: not email_statuses().get("queued"), timeout=120, what="the rest of the e-mail")
    wait_for(lambda: not task_statuses().get("READY"), timeout=30)
    settled = settle()
    tasks = task_statuses()
    say(f"after the restart: e-mail {email_statuses()}, sink {sink.count()}, tasks {tasks}, settled {settled}")
    return [
        Check("the worker was killed in the middle of the fan-out", killed_at is not None
              and 0 < sink_at_kill < enterprises, f"{sink_at_kill} of {enterprises} received"),
        Check("nothing half-written: one delivery and one e-mail and one inbox message per enterprise",
              Delivery.objects.filter(notice=notice).count() == enterprises
              and Message.objects.filter(channel=Channel.EMAIL).count() == enterprises
              and Message.objects.filter(channel=Channel.INBOX).count() == enterprises),
        Check("at most the message being sent at the kill is unknown", email_statuses().get("unknown", 0) <= 1,
              json.dumps(email_statuses())),
        Check("the killed task is settled as WorkerLost, the rest succeeded",
              tasks.get("RUNNING", 0) == 0 and tasks.get("FAILED", 0) == settled["tasks"]["running"] <= 1,
              json.dumps(tasks)),
        *final_mail_checks(sink, enterprises),
        Check("the restarted worker is running", worker.poll() is None),
    ]


def building_enterprises(building):
    from louwei.buildings.models import Enterprise

    return list(Enterprise.objects.filter(occupancies__unit__floor__building=building).distinct().order_by("pk"))


ROSTER_ROWS = 5000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The import writes the enterprises first, then their history, the units, contacts and occupancies, in one
# transaction: a statement on one of these means the enterprises are written, not yet committed.
WRITING = r'^\s*INSERT INTO "buildings_(unit|enterprisecontact|occupancy|historicalenterprise)"'


def job_row(pk):
    from django.db import close_old_connections

    from louwei.jobs.models import Job

    close_old_connections()
    return Job.objects.get(pk=pk)


def job_id_from(location: str) -> str:
    found = re.search(r"/jobs/([0-9a-f-]{36})/", location)
    if not found:
        raise RuntimeError(f"expected a redirect to a job page, got {location!r}")
    return found[1]


def writing_statement() -> str:
    """The statement of another session's open transaction that writes the registry, if any."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT left(query, 60) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            " AND query ~* %s", [WRITING],
        )
        row = cursor.fetchone()
    return row[0] if row else ""


def roster_rows(building) -> dict[str, int]:
    """The registry rows an import of the drill's file writes into ``building``."""
    from django.db import close_old_connections

    from louwei.buildings.models import Enterprise, EnterpriseContact, Occupancy, Unit
    from louwei.core.models import AuditEvent

    close_old_connections()
    enterprises = Enterprise.objects.filter(name__startswith="基准测试")
    return {
        "enterprises": enterprises.count(),
        "history": Enterprise.history.filter(name__startswith="基准测试").count(),
        "contacts": EnterpriseContact.objects.filter(enterprise__in=enterprises).count(),
        "occupancies": Occupancy.objects.filter(unit__floor__building=building).count(),
        "units": Unit.objects.filter(floor__building=building).count(),
        "imported events": AuditEvent.objects.filter(verb="roster.imported").count(),
    }


def upload_and_check(browser: Browser, building, content: bytes) -> str:
    """What the person does on the import page: upload the file, wait for the check; returns the
    check job's id, ready to confirm."""
    path = f"/buildings/{building.code}/roster/import/"
    status, location = browser.post(path, {"step": "preview"}, {"file": ("drill-roster.xlsx", content, XLSX)})
    check = job_id_from(location)
    say(f"uploaded ({status}); the check runs as job {check}")
    if not wait_for(lambda: job_row(check).status in ("done", "failed"), timeout=180, what="the check"):
        raise RuntimeError("the check did not finish")
    row = job_row(check)
    if row.status != "done" or (row.data or {}).get("rejected"):
        raise RuntimeError(f"the check ended {row.status}: {row.error or (row.data or {}).get('errors', [])[:3]}")
    return check


def confirm(browser: Browser, building, check: str) -> str:
    status, location = browser.post(f"/buildings/{building.code}/roster/import/", {"step": "confirm", "job": check})
    job = job_id_from(location)
    say(f"confirmed ({status}); the import runs as job {job}")
    return job


def drill_worker_kill_roster(stack: Stack, sink: Sink) -> list[Check]:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from bench.cases import _roster_file  # the benchmark's generator of a valid roster
    from louwei.jobs import running, tasks as job_tasks
    from louwei.notifications.models import Message
    from louwei.testing.factories import BuildingFactory, FloorFactory, UserFactory, grant

    building = BuildingFactory(code="DRILL-R")
    for number in range(1, 21):
        FloorFactory(building=building, number=number)
    person = UserFactory(username="roster-secretary", email="secretary@drill.example.cn")
    grant(person, "committee_secretary", building)
    content = _roster_file(building, ROSTER_ROWS, 20)
    before = roster_rows(building)
    web, worker = stack.start_web(), stack.start_worker()
    browser = Browser()
    browser.post_form("/login/", {"username": person.username, "password": "test-pass-123"})
    check = upload_and_check(browser, building, content)
    job = confirm(browser, building, check)

    seen = {}

    def writing() -> bool:
        seen["statement"] = writing_statement()
        return bool(seen["statement"])

    killed = kill_when(worker, writing, timeout=120)
    row = job_row(job)
    page_status, page = browser.get(f"/jobs/{job}/")
    shown = re.search(r'data-status="(\w+)"', page)
    count = re.search(r'class="muted job-count">([^<]*)<', page)
    say(f"SIGKILL {'while the worker ran ' + repr(seen.get('statement')) if killed else 'never sent'}; "
        f"the job's row: {row.status}, {row.progress_done} of {row.progress_total} ({row.stage!r}); "
        f"its page: {page_status} {shown[1] if shown else '?'} {count[1].strip() if count else ''!r}")
    wait_for(lambda: not writing_statement(), timeout=30, what="PostgreSQL to end the killed transaction")
    at_kill, tasks_at_kill = roster_rows(building), task_statuses()
    say(f"rows of the import after the kill: {at_kill}; tasks {tasks_at_kill}")
    checks = [
        Check("the worker was killed while the import wrote in its transaction", killed and row.status == "running",
              f"{seen.get('statement')!r}, progress {row.progress_done} of {row.progress_total}"),
        Check("the progress bar showed the writing stage (past the checks) at the kill",
              killed and row.progress_total == 2 * ROSTER_ROWS and row.progress_done >= ROSTER_ROWS,
              f"{row.progress_done} of {row.progress_total}"),
        Check("nothing half-written: no enterprise, contact, occupancy, unit, history or audit row of the import",
              at_kill == before, json.dumps(at_kill, ensure_ascii=False)),
    ]

    # A new worker: it takes new work (a job prune task, as the scheduler queues every 10 minutes)
    # and leaves the killed task alone.
    worker = stack.start_worker("worker2")
    probe = job_tasks.prune_jobs.enqueue()
    wait_for(lambda: DBTaskResult.objects.get(pk=probe.id).status == "SUCCESSFUL", timeout=60,
             what="the new worker to take a task")
    time.sleep(2)
    killed_task = DBTaskResult.objects.get(pk=job_row(job).task_id)
    row, after_restart = job_row(job), roster_rows(building)
    say(f"with the new worker: the job {row.status} ({row.progress_done} of {row.progress_total}); its task "
        f"{killed_task.status}, started by {len(killed_task.worker_ids)} worker(s); rows {after_restart}")
    checks += [
        Check("the new worker took new work", DBTaskResult.objects.get(pk=probe.id).status == "SUCCESSFUL"),
        Check("the new worker did not run the killed import again (half or whole)",
              killed_task.status == "RUNNING" and len(killed_task.worker_ids) == 1 and after_restart == before,
              f"task {killed_task.status}, workers {len(killed_task.worker_ids)}, rows {after_restart}"),
    ]

    # The person starts again at once, as the page lets them (upload, check, confirm), while the
    # killed job still shows under way.
    check = upload_and_check(browser, building, content)
    again = confirm(browser, building, check)
    wait_for(lambda: job_row(again).status in ("done", "failed"), timeout=180, what="the second import")
    row, rows = job_row(again), roster_rows(building)
    report_status = browser.get(f"/buildings/{building.code}/roster/import/{again}/")[0]
    say(f"started again: the job {row.status}, created {(row.data or {}).get('created')}, rows {rows}; "
        f"result page {report_status}; tasks {task_statuses()}; the killed job still {job_row(job).status}")
    units = len({(n % 20, n // 20 % 90) for n in range(ROSTER_ROWS)})  # the file's (floor, unit) pairs
    expected = {"enterprises": ROSTER_ROWS, "history": ROSTER_ROWS, "contacts": ROSTER_ROWS,
                "occupancies": ROSTER_ROWS, "units": before["units"] + units, "imported events": 1}
    checks += [
        Check("the person started the import again and it succeeded",
              row.status == "done" and (row.data or {}).get("created") == ROSTER_ROWS and report_status == 200,
              f"{row.status}, {json.dumps({k: (row.data or {}).get(k) for k in ('created', 'rejected')})}"),
        Check("every row of the file written exactly once", rows == expected, json.dumps(rows, ensure_ascii=False)),
    ]

    # The periodic jobs, as they run once their limits have passed: jobs.prune fails the job a dead
    # worker left running (after running.STALE_AFTER), core.settle_task_results its task result.
    later = timezone.now() + running.STALE_AFTER + datetime.timedelta(minutes=1)
    stale_jobs = running.settle_stale(now=later)
    settled = settle()
    row, killed_task = job_row(job), DBTaskResult.objects.get(pk=killed_task.pk)
    told = Message.objects.filter(user=person, event="job.failed", url=f"/jobs/{job}/").count()
    page_status, page = browser.get(f"/jobs/{job}/")
    shown = re.search(r'data-status="(\w+)"', page)
    say(f"settled: {stale_jobs} job(s) failed, {settled}; the job {row.status} {row.error!r}; its task "
        f"{killed_task.status} {killed_task.exception_class_path}; its page {page_status} "
        f"{shown[1] if shown else '?'}; the person told {told} time(s)")
    checks += [
        Check("the job is settled failed, with a message to start again, on the person's job page",
              row.status == "failed" and stale_jobs == 1 and page_status == 200 and shown and shown[1] == "failed"
              and row.error in page, f"{row.status}: {row.error}"),
        Check("the person is told in the inbox, once", told == 1, f"{told} message(s)"),
        Check("still every row of the file exactly once after the settling", roster_rows(building) == expected),
        Check("its task result is settled WorkerLost, not RUNNING for ever",
              killed_task.status == "FAILED" and killed_task.exception_class_path.endswith("WorkerLost"),
              f"{killed_task.status} {killed_task.exception_class_path}"),
        Check("gunicorn and the new worker are running", web.poll() is None and worker.poll() is None),
    ]
    return checks


# name: (drill, does it need Redis, the sink's delay per message in seconds)
DRILLS = {
    "postgres-restart": (drill_postgres_restart, False, 0.03),
    "redis-down": (drill_redis_down, True, 0.0),
    "worker-kill-fanout": (drill_worker_kill_fanout, False, 0.02),
    "worker-kill-roster": (drill_worker_kill_roster, False, 0.0),
}


def run(name: str, keep: bool) -> bool:
    func, redis, delay = DRILLS[name]
    say(f"== {name}")
    stack = Stack(keep=keep, redis=redis)
    started = time.monotonic()
    sink = None
    try:
        stack.prepare()
        sink = Sink(delay=delay)
        checks = func(stack, sink)
    except Exception as exc:  # noqa: BLE001 — report the drill as failed, keep the logs
        import traceback

        traceback.print_exc()
        checks = [Check("the drill ran to the end", False, f"{type(exc).__name__}: {exc}")]
        stack.keep = True
    finally:
        if sink is not None:
            sink.stop()
        stack.stop()
    for check in checks:
        print(f"{'PASS' if check.ok else 'FAIL'}  {check.name}{f'  ({check.detail})' if check.detail else ''}")
    failed = sum(not c.ok for c in checks)
    print(f"{name}: {len(checks) - failed} passed, {failed} failed in {time.monotonic() - started:.0f} s", flush=True)
    return failed == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("drill", choices=[*DRILLS, "all"])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, database)")
    args = parser.parse_args()
    if args.drill == "all":  # each drill in a process of its own: each sets Django up for its own stack
        results = [subprocess.run([sys.executable, __file__, name, *(["--keep"] if args.keep else [])]).returncode
                   for name in DRILLS]
        return 1 if any(results) else 0
    return 0 if run(args.drill, args.keep) else 1


if __name__ == "__main__":
    sys.exit(main())
