"""Template helpers of the case pages: ``{% load cases %}``.

* ``{{ case|status_badge }}``: the status as a coloured badge (the words say it; the colour helps);
* ``{% time_left case %}``: time left to the case's current deadline, in colour (ok more than a
  day, warn under a day or past 80 % of the time, danger overdue), with the deadline's clock time.
"""

from __future__ import annotations

import datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from ..models import OPEN_STATUSES, Status

register = template.Library()

STATUS_CLASSES = {
    Status.SUBMITTED: "badge-info",
    Status.REFERRED: "badge-info",
    Status.ACCEPTED: "badge-info",
    Status.DISPATCHED: "badge-warn",
    Status.REPLIED: "badge-warn",
    Status.CLOSED: "badge-ok",
    Status.DECLINED: "badge-muted",
    Status.MERGED: "badge-muted",
}
WARN_SHARE = 0.8  # past 80 % of the time allowed
WARN_LEFT = datetime.timedelta(days=1)


@register.filter
def status_badge(case):
    status = getattr(case, "status", case)
    try:
        label = Status(status).label
    except ValueError:
        return ""
    return format_html('<span class="badge {} case-status">{}</span>', STATUS_CLASSES.get(status, "badge-muted"), label)


def deadline_of(case) -> tuple[datetime.datetime | None, str]:
    """The deadline that matters now: the response deadline until someone responded, then the
    resolution deadline; none once the case is no longer open."""
    if case.status not in OPEN_STATUSES:
        return None, ""
    if case.responded_at is None and case.respond_by:
        return case.respond_by, "respond"
    return case.due_at, "resolve"


def duration_text(delta: datetime.timedelta) -> str:
    """Days and hours, hours and minutes, or minutes: "2 days 3 hours", "5 hours", "40 minutes"."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        text = ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
        if hours and days < 3:
            text = _("%(days)s %(hours)s") % {
                "days": text, "hours": ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}}
        return text
    if hours:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", max(minutes, 1)) % {"n": max(minutes, 1)}


def time_left_parts(case, now=None) -> dict | None:
    deadline, kind = deadline_of(case)
    if deadline is None:
        return None
    now = now or timezone.now()
    left = deadline - now
    total = (deadline - case.submitted_at).total_seconds() if case.submitted_at else 0
    used = (now - case.submitted_at).total_seconds() / total if total > 0 else 1
    if left.total_seconds() <= 0:
        level, text = "danger", _("overdue by %(time)s") % {"time": duration_text(left)}
    else:
        level = "warn" if left < WARN_LEFT or used >= WARN_SHARE else "ok"
        text = _("%(time)s left") % {"time": duration_text(left)}
    label = pgettext("case deadline", "Respond by") if kind == "respond" else pgettext("case deadline", "Due")
    return {"level": level, "text": text, "deadline": deadline, "label": label}


@register.simple_tag
def time_left(case, now=None):
    """``<span class="badge badge-warn time-left"><span class="visually-hidden">Due:</span> 5 hours left</span>
    <time>11月30日 17:30</time>``; nothing for a case that is no longer open."""
    parts = time_left_parts(case, now)
    if parts is None:
        return ""
    local = timezone.localtime(parts["deadline"])
    return format_html(
        '<span class="badge badge-{level} time-left" data-level="{level}">'
        '<span class="visually-hidden">{label}: </span>{text}</span> '
        '<time class="muted deadline" datetime="{iso}">{label} {clock}</time>',
        level=parts["level"], label=parts["label"], text=parts["text"], iso=local.isoformat(),
        clock=f'{date_filter(local, "MONTH_DAY_FORMAT")} {date_filter(local, "H:i")}',
    )


@register.filter
def time_left_level(case):
    parts = time_left_parts(case)
    return parts["level"] if parts else ""


@register.simple_tag
def case_row(case, show_building=False):
    """One row of a case list: number, category, where (and its handler), summary, status and time
    left. Rendered in Python: lists show up to 25 rows on every request."""
    where = f"{case.building.name} {case.floor.label}" if show_building else str(case.floor.label)
    if case.handler_id:
        where = f"{where} · {case.handler.name}"
    return format_html(
        '<li><a class="list-item case-row" href="{url}"><span class="list-item-main">'
        '<span class="list-item-title"><span class="case-number">{number}</span> · {category}</span>'
        '<span class="list-item-meta">{where}</span>'
        '<span class="list-item-meta case-summary">{summary}</span>'
        '<span class="case-row-badges">{status}{time_left}</span>'
        "</span></a></li>",
        url=reverse("cases:detail", args=[case.number]), number=case.number, category=case.category.label,
        where=where, summary=case.summary, status=status_badge(case), time_left=time_left(case),
    )


@register.filter
def queue_count(n):
    """A queue's count as shown on its badge: "500+" once counting stopped at the cap."""
    from ..queries import COUNT_CAP

    return f"{COUNT_CAP}+" if n is not None and n > COUNT_CAP else n
