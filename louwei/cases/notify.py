"""The cases' notification events, and who is told of each change.

The services call these functions after their transaction commits (``transaction.on_commit``);
each goes through ``louwei.notifications.services.notify`` with an idempotency key unique to the
occurrence (most carry the pk of the timeline event that caused them), so a retried job or a
repeated call tells nobody twice. 无事不扰: only the people the change concerns are told.

=====================  =====================================================================
change                 who is told
=====================  =====================================================================
raised                 the floor's serving leader; the committee secretaries if none
passed on / reopened   the committee secretaries and members of the building
unanswered in time     the committee secretaries (once)
dispatched, returned   the active members of the handler
reply                  the committee secretaries
answer, close, …       the submitter, if they have an account (visitors follow their link)
reminder               the handler's active members
overdue                the handler's managers and the committee secretaries
escalated (level 2)    the district staff of the building's district
=====================  =====================================================================
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from louwei.accounts.models import RoleKind
from louwei.notifications import events

events.register("case.new", gettext_lazy("A new case on your floors"))
events.register("case.referred", gettext_lazy("A case awaits the committee"))
events.register("case.assigned", gettext_lazy("A case is dispatched to your handler"))
events.register("case.replied", gettext_lazy("A handler replied to a case"))
events.register("case.update", gettext_lazy("News of a case you raised"))
events.register("case.reminder", gettext_lazy("A case's deadline is near"))
events.register("case.overdue", gettext_lazy("A case is overdue"))


# --- Who ----------------------------------------------------------------------------------


def _users() -> QuerySet:
    return get_user_model().objects.filter(is_active=True)


def _role_holders(kind: str, **scope) -> QuerySet:
    scoped = {f"roles__{field}": value for field, value in scope.items()}
    return _users().filter(roles__kind=kind, roles__ended_at__isnull=True, **scoped).distinct()


def secretaries(building) -> QuerySet:
    return _role_holders(RoleKind.COMMITTEE_SECRETARY, building=building)


def committee(building) -> QuerySet:
    """Secretaries and members of the building's committee."""
    return _users().filter(
        roles__kind__in=[RoleKind.COMMITTEE_SECRETARY, RoleKind.COMMITTEE_MEMBER],
        roles__building=building, roles__ended_at__isnull=True,
    ).distinct()


def district_staff(building) -> QuerySet:
    return _role_holders(RoleKind.DISTRICT_STAFF, party_committee_id=building.party_committee_id)


def handler_members(handler, *, managers: bool = False) -> QuerySet:
    if handler is None:
        return _users().none()
    memberships = {"handler_memberships__handler": handler, "handler_memberships__ended_at__isnull": True}
    if managers:
        memberships["handler_memberships__is_manager"] = True
    if not handler.is_active:
        return _users().none()
    return _users().filter(**memberships).distinct()


def floor_leader(case) -> QuerySet:
    """The floor's serving leader now (or the leader recorded on the case)."""
    from louwei.committee.queries import serving_leader

    serving = serving_leader(case.floor)
    if serving is not None:
        return _users().filter(pk=serving.user_id)
    if case.leader_id:
        return _users().filter(pk=case.leader_id)
    return _users().none()


# --- How ---------------------------------------------------------------------------------


def case_url(case) -> str:
    return reverse("cases:detail", args=[case.number])


def _send(event: str, recipients, case, title: str, key: str, body: str = "") -> int:
    from louwei.notifications import services as notifications

    return notifications.notify(
        event=event, recipients=recipients, title=title, body=body or case.summary, url=case_url(case),
        key=key, building=case.building_id,
    )


def _subject(case) -> dict:
    return {"number": case.number, "summary": case.summary}


# --- What --------------------------------------------------------------------------------


def raised(case) -> int:
    recipients = floor_leader(case)
    if not recipients.exists():
        recipients = secretaries(case.building)
    return _send("case.new", recipients, case, _("New case %(number)s: %(summary)s") % _subject(case),
                 f"case:{case.pk}:new")


def passed_on(case, *, key: str) -> int:
    return _send("case.referred", committee(case.building), case,
                 _("Case %(number)s awaits the committee: %(summary)s") % _subject(case), key)


def unanswered(case, *, key: str) -> int:
    return _send("case.referred", secretaries(case.building), case,
                 _("Case %(number)s has had no response in time: %(summary)s") % _subject(case), key)


def reopened(case, *, key: str) -> int:
    """A dissatisfied rating or the committee reopened the case: the committee, and its handler."""
    title = _("Case %(number)s is reopened: %(summary)s") % _subject(case)
    count = _send("case.referred", committee(case.building), case, title, key)
    if case.handler_id and case.status == "dispatched":
        count += _send("case.assigned", handler_members(case.handler), case, title, key)
    return count


def assigned(case, *, key: str, returned: bool = False) -> int:
    if returned:
        title = _("Case %(number)s is back with you: %(summary)s") % _subject(case)
    else:
        title = _("Case %(number)s is dispatched to you: %(summary)s") % _subject(case)
    return _send("case.assigned", handler_members(case.handler), case, title, key)


def replied(case, *, key: str) -> int:
    return _send("case.replied", secretaries(case.building), case,
                 _("The handler replied to case %(number)s: %(summary)s") % _subject(case), key)


def update(case, *, key: str, title: str, body: str = "") -> int:
    """News for the submitter, when they have an account, and for the submitters of the duplicates
    merged into the case (they follow it)."""
    from django.db.models import Q

    from .models import Case

    followers = Case.objects.filter(merged_into=case, submitted_by__isnull=False).values("submitted_by_id")
    recipients = _users().filter(Q(pk=case.submitted_by_id) | Q(pk__in=followers))
    return _send("case.update", recipients, case, title, key, body=body)


def added_information(case, *, key: str) -> int:
    """The submitter added information: the people responsible for the case now."""
    title = _("New information on case %(number)s: %(summary)s") % _subject(case)
    if case.status == "submitted":
        recipients = floor_leader(case)
        if not recipients.exists():
            recipients = secretaries(case.building)
        return _send("case.new", recipients, case, title, key)
    if case.status == "dispatched" and case.handler_id:
        return _send("case.assigned", handler_members(case.handler), case, title, key)
    return _send("case.referred", secretaries(case.building), case, title, key)


def reminder(case, *, key: str) -> int:
    return _send("case.reminder", handler_members(case.handler), case,
                 _("Case %(number)s is due soon: %(summary)s") % _subject(case), key)


def overdue(case, *, key: str) -> int:
    title = _("Case %(number)s is overdue: %(summary)s") % _subject(case)
    count = _send("case.overdue", secretaries(case.building), case, title, key)
    if case.handler_id:
        count += _send("case.overdue", handler_members(case.handler, managers=True), case, title, key)
    return count


def escalated(case, *, key: str) -> int:
    return _send("case.overdue", district_staff(case.building), case,
                 _("Case %(number)s is overdue and escalated to the district: %(summary)s") % _subject(case), key)
