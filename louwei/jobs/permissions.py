"""Who may open a job and its file: the person who asked for it, while ``louwei.access`` still
grants them the kind's action on the job's target. Everybody else is told the job does not exist."""

from __future__ import annotations

from louwei import access

from . import kinds


def is_owner(user, job) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and job.owner_id == user.pk)


def may_use(user, job) -> bool:
    """May ``user`` download ``job``'s result (or open its result page)? Asks access afresh."""
    if not is_owner(user, job):
        return False
    try:
        kind = kinds.lookup(job.kind)
    except LookupError:
        return False
    return access.can(user, kind.action, job.target)
