"""Background tasks of notices, and their periodic jobs.

``notices.publish_due`` runs every minute: it publishes the scheduled notices whose time has come.
"""

from django_tasks import task

from louwei.core import periodic


@task()
def publish_due() -> list[int]:
    from . import services

    return services.publish_due()


periodic.register("notices.publish_due", "* * * * *", publish_due)
