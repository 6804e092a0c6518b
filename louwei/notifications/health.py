"""The notifications' figures on the staff health page (``louwei.core.health``): messages whose
outcome is unknown (a worker stopped mid-send) and messages that failed, in the reader's buildings."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from louwei.core import health

from .delivery import MAX_ATTEMPTS, stale_after
from .models import DeliveryAttempt, GroupMessage, Message, Status


def _in(queryset, buildings, path):
    return queryset if buildings is None else queryset.filter(**{f"{path}__in": buildings})


def counts(buildings=None) -> dict:
    """Unknown outcomes settled, failures being retried and failures given up, over the recent days."""
    recent = health.since()
    settled = _in(DeliveryAttempt.objects.filter(ok__isnull=True, at__gte=recent), buildings, "building").count()
    failed = Q(status=Status.FAILED)
    given_up = Q(status=Status.FAILED, attempts__gte=MAX_ATTEMPTS)
    figures = {"settled": settled, "retrying": 0, "given_up": 0, "unknown": 0}
    for model, path in ((Message, "building"), (GroupMessage, "endpoint__building")):
        rows = _in(model.objects.filter(created_at__gte=recent), buildings, path).aggregate(
            unknown=Count("pk", filter=Q(status=Status.UNKNOWN)),
            retrying=Count("pk", filter=failed & ~given_up),
            given_up=Count("pk", filter=given_up),
        )
        for key, value in rows.items():
            figures[key] += value
    return figures


def _figures(buildings):
    c = counts(buildings)
    minutes = int(stale_after().total_seconds() // 60)
    return [
        health.Figure(
            _("Sends settled as unknown in the last 7 days"), c["settled"], health.WARN if c["settled"] else health.OK,
            _("A worker stopped during the send; after %(minutes)s minutes the message is marked unknown and "
              "never sent again.") % {"minutes": minutes},
        ),
        health.Figure(_("Messages of the last 7 days with an unknown outcome"), c["unknown"],
                      health.WARN if c["unknown"] else health.OK),
        health.Figure(_("Failed messages being retried"), c["retrying"], health.WARN if c["retrying"] else health.OK),
        health.Figure(_("Failed messages given up (last 7 days)"), c["given_up"],
                      health.DANGER if c["given_up"] else health.OK,
                      _("Failed %(attempts)s times: see the building's delivery log.") % {"attempts": MAX_ATTEMPTS}),
    ]


health.register("notifications", _("Notifications"), _figures, order=50)
