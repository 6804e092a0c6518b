"""Run the background-task worker that matches the configured task backend.

* ``django_tasks_db.DatabaseBackend`` (the default): django_tasks_db's ``db_worker`` loop, made to
  wait out a database restart (``louwei.core.worker``).
* ``django_tasks_rq.RQBackend`` (when ``REDIS_URL`` is set): django_rq's ``rqworker`` with the
  job class django_tasks_rq needs, and RQ's scheduler for deferred tasks.

The common options are translated for each worker; the queues default to the backend's QUEUES.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

RQ_JOB_CLASS = "django_tasks_rq.backend.Job"


class Command(BaseCommand):
    help = (
        "Run the background-task worker of the configured backend (db_worker for the database backend, "
        "rqworker for the RQ backend). Queues default to the backend's QUEUES."
    )

    def add_arguments(self, parser):
        parser.add_argument("queues", nargs="*", help="Queues to work on (default: the backend's QUEUES).")
        parser.add_argument("--backend", default="default", help="The TASKS backend alias (default: %(default)s).")
        parser.add_argument(
            "--batch", "--burst", action="store_true", dest="batch",
            help="Run the tasks waiting now, then exit (db_worker --batch, rqworker --burst).",
        )
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after running this many tasks.")
        parser.add_argument(
            "--interval", type=float, default=1.0,
            help="Database backend: seconds to wait between polls when the queue is empty (default: %(default)s).",
        )
        parser.add_argument(
            "--reload", action="store_true", help="Database backend: restart the worker when the code changes."
        )
        parser.add_argument("--worker-id", default=None, help="A name for the worker, unique in the pool.")
        parser.add_argument(
            "--worker-class", default=None,
            help="RQ backend: the RQ worker class, e.g. rq.worker.SimpleWorker (no fork per job).",
        )
        parser.add_argument(
            "--no-scheduler", action="store_false", dest="with_scheduler",
            help="RQ backend: do not run RQ's scheduler for deferred tasks in this worker.",
        )

    def handle(self, *args, **options):
        alias = options["backend"]
        config = settings.TASKS.get(alias)
        if config is None:
            raise CommandError(f"No task backend {alias!r} in settings.TASKS.")
        backend_path = config["BACKEND"]
        queues = options["queues"] or sorted(config.get("QUEUES") or ["default"])
        if options["max_tasks"] is not None and options["max_tasks"] < 1:
            raise CommandError("--max-tasks must be 1 or more.")
        if options["worker_id"] is not None and not 0 < len(options["worker_id"]) <= 64:
            raise CommandError("--worker-id must be 1 to 64 characters.")

        from django_tasks import task_backends
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_rq.backend import RQBackend

        backend = task_backends[alias]
        if isinstance(backend, DatabaseBackend):
            self.run_db_worker(alias, queues, options)
        elif isinstance(backend, RQBackend):  # RQWithOutbox too: its outbox is relayed by the scheduler
            self.run_rq_worker(queues, options)
        else:
            raise CommandError(
                f"The task backend {backend_path} has no worker to run (tasks run in the web process)."
            )

    def run_db_worker(self, alias: str, queues: list[str], options: dict) -> None:
        from django_tasks_db.management.commands.db_worker import Command as DbWorker

        if options["worker_class"]:
            raise CommandError("--worker-class applies to the RQ backend only.")
        if options["reload"]:  # development: db_worker's own reloader
            argv = ["--backend", alias, "--queue-name", ",".join(queues), "--interval", str(options["interval"]),
                    "--reload"]
            call_command(DbWorker(stdout=self.stdout, stderr=self.stderr), *argv, verbosity=options["verbosity"])
            return
        # The same loop as db_worker, surviving a database restart (louwei.core.worker).
        from louwei.core import worker

        DbWorker(stdout=self.stdout, stderr=self.stderr).configure_logging(options["verbosity"])
        worker.run(
            queue_names=queues, interval=options["interval"], batch=options["batch"], backend_name=alias,
            max_tasks=options["max_tasks"], worker_id=options["worker_id"], startup_delay=not options["batch"],
        )

    def run_rq_worker(self, queues: list[str], options: dict) -> None:
        from django_rq.management.commands.rqworker import Command as RqWorker

        argv = [*queues, "--job-class", RQ_JOB_CLASS]
        if options["batch"]:
            argv.append("--burst")
        if options["with_scheduler"]:
            argv.append("--with-scheduler")
        if options["max_tasks"] is not None:
            argv += ["--max-jobs", str(options["max_tasks"])]
        if options["worker_id"]:
            argv += ["--name", options["worker_id"]]
        if options["worker_class"]:
            argv += ["--worker-class", options["worker_class"]]
        if options["reload"]:
            raise CommandError("--reload applies to the database backend only.")

        def run():
            call_command(RqWorker(stdout=self.stdout, stderr=self.stderr), *argv, verbosity=options["verbosity"])

        if options["batch"] or options["max_tasks"] is not None:
            run()
            return
        # Started again after a Redis outage (louwei.core.worker.keep_running).
        import signal
        import threading

        from louwei.core import worker

        stop = threading.Event()

        def available() -> bool:
            import django_rq

            try:
                return all(django_rq.get_connection(name).ping() for name in queues)
            except Exception:  # noqa: BLE001 — any failure to reach Redis
                return False

        def wait_for_redis(*args):
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda signum, frame: stop.set())
            return available()

        worker.keep_running(run, available=wait_for_redis, stop=stop,
                            log=lambda line: self.stderr.write(line))
