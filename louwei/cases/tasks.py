"""Background tasks of cases, and their periodic job.

``cases.check_deadlines`` runs every 5 minutes: it reminds handlers before the deadline (催办),
marks overdue cases and escalates them to the committee secretaries and then the district, and
tells the committee of cases nobody responded to in time (``services.check_deadlines``; each step
happens once per case, so a slot run twice changes nothing the second time).
"""

from django_tasks import task

from louwei.core import periodic


@task()
def check_deadlines() -> dict:
    from . import services

    return services.check_deadlines()


periodic.register("cases.check_deadlines", "*/5 * * * *", check_deadlines)
