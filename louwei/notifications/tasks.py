"""Background tasks of the notification service, and their periodic jobs.

- ``deliver_emails(key)``: enqueued by :func:`~.services.notify` when it queued e-mail; sends
  the event's e-mail now, or holds it for quiet hours or the digest.
- ``deliver_group_messages(key)``: enqueued by :func:`~.services.notify_groups`.
- ``retry_failed`` (every minute): failed e-mail and group-chat messages whose backoff is over,
  and group-chat messages still queued (a lost enqueue).
- ``release_quiet`` (every 5 minutes): queued e-mail whose quiet hours are over (and any other
  queued e-mail whose task was lost).
- ``send_digests`` (daily at 08:00): one e-mail per digest person with everything waiting.
- ``settle_stale_claims`` (every 5 minutes): messages claimed for sending by a worker that
  stopped before it recorded the outcome become ``unknown``; they are never sent again.
"""

from __future__ import annotations

import datetime

from django_tasks import task

from louwei.core import periodic

from . import delivery


@task()
def deliver_emails(key: str) -> dict:
    return delivery.process_emails(delivery.due_emails().filter(key=key))


@task()
def deliver_group_messages(key: str) -> dict:
    sent = failed = 0
    for message in delivery.due_group_messages().filter(key=key):
        if delivery.send_group_message(message):
            sent += 1
        else:
            failed += 1
    return {"sent": sent, "failed": failed}


@task()
def retry_failed() -> dict:
    emails = delivery.process_emails(delivery.failed_emails())
    sent = failed = 0
    for message in delivery.due_group_messages():
        if delivery.send_group_message(message):
            sent += 1
        else:
            failed += 1
    return {"emails": emails, "groups": {"sent": sent, "failed": failed}}


@task()
def release_quiet() -> dict:
    return delivery.process_emails(delivery.due_emails())


@task()
def send_digests() -> dict:
    return delivery.send_digests()


@task()
def settle_stale_claims() -> dict:
    return delivery.settle_stale_claims()


periodic.register("notifications.retry_failed", "* * * * *", retry_failed, grace=datetime.timedelta(minutes=2))
periodic.register("notifications.release_quiet", "*/5 * * * *", release_quiet)
periodic.register("notifications.send_digests", "0 8 * * *", send_digests, grace=datetime.timedelta(hours=4))

periodic.register("notifications.settle_stale_claims", "*/5 * * * *", settle_stale_claims)
