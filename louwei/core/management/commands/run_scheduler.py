"""Run the periodic-job scheduler (see ``louwei.core.periodic``).

Every ``--interval`` seconds (default 30, sooner when a slot falls earlier) it enqueues each job
whose latest slot is due and not yet claimed. Any number of schedulers may run: the claim row
makes each slot run once. ``--once`` runs one pass and exits, for a cron entry or a test.

Each pass first relays the tasks that waited in the database outbox while Redis was down
(``louwei.core.taskqueue``; nothing to do on the database task backend). A pass that fails (the
database or Redis away) is logged and the next pass tries again: the scheduler never stops on it.
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from louwei.core import periodic, taskqueue


class Command(BaseCommand):
    help = "Enqueue the periodic jobs that are due, every --interval seconds (or once with --once)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=30.0, help="Seconds between passes (default: %(default)s)."
        )
        parser.add_argument("--once", action="store_true", help="Run one pass and exit.")

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        interval = options["interval"]
        if interval <= 0:
            raise CommandError("--interval must be more than 0 seconds.")
        jobs = periodic.jobs()
        if options["once"]:
            self.run_pass()
            return
        self.stdout.write(f"Scheduler: {len(jobs)} periodic job(s), a pass every {interval:g} s.")
        now = timezone.now()
        for job in jobs:
            next_slot = timezone.localtime(job.next_slot(now))
            self.stdout.write(f"  {job.name}  '{job.cron}'  next {next_slot:%Y-%m-%d %H:%M:%S}")
        stop = threading.Event()

        def request_stop(signum, frame):
            self.stdout.write("Scheduler: stopping.")
            stop.set()

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        while not stop.is_set():
            close_old_connections()
            try:
                self.run_pass()
            except Exception as exc:  # noqa: BLE001 — the database or Redis is away: try again next pass
                self.stderr.write(f"Scheduler: {type(exc).__name__}, retrying next pass: {exc}")
            close_old_connections()
            stop.wait(self.seconds_to_sleep(jobs, interval))

    def run_pass(self) -> None:
        relayed = taskqueue.relay_outboxes()
        if relayed and self.verbosity >= 1:
            self.stdout.write(f"Relayed {relayed} task(s) from the database outbox to Redis.")
        for run in periodic.run_pending():
            if self.verbosity >= 1:
                self.stdout.write(
                    f"Enqueued {run.job} for {timezone.localtime(run.slot):%Y-%m-%d %H:%M:%S} "
                    f"(task result {run.task_result_id})"
                )

    @staticmethod
    def seconds_to_sleep(jobs, interval: float) -> float:
        """Wake at the next interval, or just after the earliest next slot if that comes sooner."""
        now = timezone.now()
        soonest = min(((job.next_slot(now) - now).total_seconds() for job in jobs), default=interval)
        return max(0.2, min(interval, soonest + 0.2))
