"""Background tasks of notices, and their periodic jobs.

``notices.publish_due`` runs every minute: it publishes the scheduled notices whose time has come.
``notices.newcomers`` runs daily just after midnight: enterprises whose move-in (recorded in
advance) starts that day receive the still-current notices of their floor.
"""

from django_tasks import task

from louwei.core import periodic


@task()
def publish_due() -> list[int]:
    from . import services

    return services.publish_due()


periodic.register("notices.publish_due", "* * * * *", publish_due)


@task()
def deliver_to_newcomers() -> int:
    from . import services

    return services.deliver_to_todays_newcomers()


periodic.register("notices.newcomers", "5 0 * * *", deliver_to_newcomers)
