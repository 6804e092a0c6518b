"""The jobs' background task, and their periodic job.

``run_job(job_id)`` is enqueued when the transaction that started a job commits
(:func:`louwei.jobs.services.start`). ``jobs.prune`` runs every 10 minutes: it fails the jobs a dead
worker left behind (:func:`~.running.settle_stale`) and deletes the expired ones with their files
(:func:`~.running.prune`).
"""

from django_tasks import task

from louwei.core import periodic


@task()
def run_job(job_id: str) -> str:
    from . import running

    return running.run(job_id)


@task()
def prune_jobs() -> dict:
    from . import running

    return {"stale": running.settle_stale(), "deleted": running.prune()}


periodic.register("jobs.prune", "*/10 * * * *", prune_jobs)
