"""Who may see and act on which case (CONTRACT: names fixed; bodies by the services work).

Role-based questions go to ``louwei.access`` (CASE_VIEW, CASE_RAISE_FOR, CASE_ANSWER, CASE_TRIAGE,
CASE_FIGURES, CASE_CONFIGURE); a handler's staff reach the cases dispatched to their handler
through :class:`~.models.HandlerMember`; a submitter sees their own cases; a visitor reaches one
case with its private link (``tracking.token_matches``), nothing else.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Case, Handler


def handler_ids(user) -> set[int]:
    """The handlers ``user`` currently works for."""
    raise NotImplementedError


def visible_cases(user) -> QuerySet[Case]:
    """Every case ``user`` may see: their staff scope (CASE_VIEW), their handlers' cases (dispatched
    to them now or before), the cases they submitted or raised, and, for an enterprise contact,
    their enterprise's cases. One queryset, no Python loop."""
    raise NotImplementedError


def may_view(user, case: Case) -> bool:
    raise NotImplementedError


def allowed_actions(user, case: Case) -> set[str]:
    """The actions ``user`` may take on ``case`` now: names of ``models.TRANSITIONS`` whose start
    status matches and whose permission holds, plus ``"note"`` (internal note, staff and handler)
    and ``"public_note"``. Pages show exactly these buttons; services check the same rules."""
    raise NotImplementedError


def may(user, action: str, case: Case) -> bool:
    return action in allowed_actions(user, case)


def may_raise_for(user, floor) -> bool:
    """CASE_RAISE_FOR on the floor: may raise on an enterprise's behalf, with a channel."""
    raise NotImplementedError


def may_view_figures(user, building_or_district) -> bool:
    raise NotImplementedError


def may_configure(user, building_or_district) -> bool:
    raise NotImplementedError


def dispatchable_handlers(case: Case) -> QuerySet[Handler]:
    """Active handlers of the case's building and of its district."""
    raise NotImplementedError


def suggested_handler(case: Case) -> Handler | None:
    """The category's fixed handler, else the building's active handler of the category's kind."""
    raise NotImplementedError
