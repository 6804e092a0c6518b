"""Cases (诉求): the closed loop from a request to its rating, and the figures kept as cases change.

The loop (GB/T 30428: collect, register, dispatch, handle, report back, verify and close, evaluate)::

    submitted ──answer──────────────────────────────────────────────▶ closed ──rate──▶ closed (rated)
        │ pass_on                                                        ▲     │ dissatisfied
        ▼                                                                │     ▼ reopen
    referred ──accept──▶ accepted ──dispatch──▶ dispatched ──reply──▶ replied ─close─┘
        │ decline            ▲                     ▲  │ reassign        │ return
        ▼                    │                     └──┴─────────────────┘
    declined / merged        └─ the committee may also accept a case still at "submitted"

Which transitions are legal is written once, in :data:`TRANSITIONS`; ``services`` enforces it.
Every step writes a :class:`CaseEvent` (the timeline). :class:`CaseFigure` holds the monthly
counters the dashboards read, maintained incrementally by ``figures`` on every change.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from louwei.buildings.models import Building, Enterprise, Floor, PartyCommittee, PropertyCompany
from louwei.core.files import PrivateUploadTo


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent (safety)")
    UTILITIES = "utilities", _("Utilities")
    GENERAL = "general", _("General")
    COMPLEX = "complex", _("Complex")


class DeadlineUnit(models.TextChoices):
    HOURS = "hours", _("hours, round the clock")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


class DeadlineRule(models.Model):
    """How long each urgency gives to respond and to resolve. One row per urgency (seeded by a migration)."""

    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, unique=True)
    respond_amount = models.PositiveSmallIntegerField(_("respond within"))
    respond_unit = models.CharField(_("unit"), max_length=16, choices=DeadlineUnit.choices)
    resolve_amount = models.PositiveSmallIntegerField(_("resolve within"))
    resolve_unit = models.CharField(_("unit"), max_length=16, choices=DeadlineUnit.choices)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            models.CheckConstraint(condition=Q(respond_amount__gt=0, resolve_amount__gt=0), name="deadline_positive"),
        ]

    def __str__(self) -> str:
        return str(self.get_urgency_display())


class HandlerKind(models.TextChoices):
    PROPERTY = "property", _("Property company")
    COMMITTEE = "committee", _("Building committee")
    DEPARTMENT = "department", _("District department")
    OTHER = "other", _("Other organisation")


class Handler(models.Model):
    """An organisation that acts on cases (承办单位), with its own staff (:class:`HandlerMember`).

    A property company or the committee serves one building; a district department serves every
    building of its district."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=HandlerKind.choices)
    building = models.ForeignKey(
        Building, null=True, blank=True, on_delete=models.CASCADE, related_name="handlers", verbose_name=_("building")
    )
    party_committee = models.ForeignKey(
        PartyCommittee, null=True, blank=True, on_delete=models.CASCADE, related_name="handlers",
        verbose_name=_("district"),
    )
    property_company = models.ForeignKey(
        PropertyCompany, null=True, blank=True, on_delete=models.SET_NULL, related_name="handlers",
        verbose_name=_("property company"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("handler")
        verbose_name_plural = _("handlers")
        ordering = ["name"]
        constraints = [
            # Exactly one scope: a building, or a whole district.
            models.CheckConstraint(
                condition=(Q(building__isnull=False, party_committee__isnull=True)
                           | Q(building__isnull=True, party_committee__isnull=False)),
                name="handler_one_scope",
            ),
            models.UniqueConstraint(fields=["building", "name"], name="handler_unique_name_in_building"),
            models.UniqueConstraint(fields=["party_committee", "name"], name="handler_unique_name_in_district"),
        ]

    def __str__(self) -> str:
        return self.name


class HandlerMemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True, handler__is_active=True)


class HandlerMember(models.Model):
    """A person who works a handler's cases (a staff login of the handler)."""

    handler = models.ForeignKey(Handler, on_delete=models.CASCADE, related_name="members", verbose_name=_("handler"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="handler_memberships",
        verbose_name=_("person"),
    )
    is_manager = models.BooleanField(_("manager"), default=False, help_text=_("Receives reminders and escalations."))
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = HandlerMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("handler member")
        verbose_name_plural = _("handler members")
        constraints = [
            models.UniqueConstraint(
                fields=["handler", "user"], condition=Q(ended_at__isnull=True), name="handler_member_unique_active"
            ),
        ]
        indexes = [models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.handler}"


class Category(models.Model):
    """A kind of case (an Open311 service). Sub-categories sit under a parent (building services → lifts)."""

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("The Open311 service code."))
    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    description = models.CharField(pgettext_lazy("category", "description"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    urgency = models.CharField(_("default urgency"), max_length=16, choices=Urgency.choices, default=Urgency.GENERAL)
    handler_kind = models.CharField(
        _("default handler"), max_length=16, choices=HandlerKind.choices, default=HandlerKind.PROPERTY,
        help_text=_("The building's handler of this kind is suggested when the case is dispatched."),
    )
    default_handler = models.ForeignKey(
        Handler, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("fixed handler"), help_text=_("Optional: always suggest this handler (e.g. a district department)."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the current language."""
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name


class Status(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("case status", "With floor leader")
    REFERRED = "referred", pgettext_lazy("case status", "Awaiting acceptance")
    ACCEPTED = "accepted", pgettext_lazy("case status", "Accepted")
    DISPATCHED = "dispatched", pgettext_lazy("case status", "Being handled")
    REPLIED = "replied", pgettext_lazy("case status", "Awaiting verification")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")
    DECLINED = "declined", pgettext_lazy("case status", "Declined")
    MERGED = "merged", pgettext_lazy("case status", "Merged")


OPEN_STATUSES = (Status.SUBMITTED, Status.REFERRED, Status.ACCEPTED, Status.DISPATCHED, Status.REPLIED)
FINAL_STATUSES = (Status.CLOSED, Status.DECLINED, Status.MERGED)

# Every legal transition: action → (statuses it may start from, status it leads to).
# ``None`` as the target means "decided by the service" (rate: stays closed or reopens).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "answer": ((Status.SUBMITTED,), Status.CLOSED),  # the floor leader answers on the spot
    "pass_on": ((Status.SUBMITTED,), Status.REFERRED),  # the floor leader passes it to the committee
    "accept": ((Status.SUBMITTED, Status.REFERRED), Status.ACCEPTED),  # 立案 (may dispatch at once)
    "decline": ((Status.SUBMITTED, Status.REFERRED), Status.DECLINED),  # out of scope / insufficient
    "merge": ((Status.SUBMITTED, Status.REFERRED, Status.ACCEPTED), Status.MERGED),  # duplicate
    "dispatch": ((Status.ACCEPTED,), Status.DISPATCHED),
    "reassign": ((Status.DISPATCHED,), Status.DISPATCHED),
    "reply": ((Status.DISPATCHED,), Status.REPLIED),
    "return_reply": ((Status.REPLIED,), Status.DISPATCHED),  # verification failed: back to the handler
    "close": ((Status.REPLIED,), Status.CLOSED),  # verified and closed (核查结案)
    "rate": ((Status.CLOSED,), None),
    "follow_up": ((Status.CLOSED,), None),  # 回访: staff call the submitter and record the rating
    "reopen": ((Status.CLOSED,), None),  # → dispatched if a handler had it, else referred
}


class Channel(models.TextChoices):
    APP = "app", _("App")
    QR = "qr", _("Floor QR code (visitor)")
    VISIT = "visit", _("Floor leader's visit")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    GROUP_CHAT = "group_chat", _("Group chat")
    OPEN311 = "open311", _("Open311")
    API = "api", _("API")


# The channels a floor leader records when raising a case on behalf of an enterprise.
ON_BEHALF_CHANNELS = (Channel.VISIT, Channel.PHONE, Channel.IN_PERSON, Channel.GROUP_CHAT)


class DeclineReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate (merged into the original)")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")
    INSUFFICIENT = "insufficient", _("Insufficient information")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class RatingSource(models.TextChoices):
    SUBMITTER = "submitter", _("Submitter")
    FOLLOW_UP = "follow_up", _("Follow-up call")


class Case(models.Model):
    """A request, complaint, opinion or suggestion, tracked from receipt to rating."""

    number = models.CharField(_("tracking number"), max_length=20, unique=True, editable=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # the Open311 token
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="cases", verbose_name=_("building"))
    floor = models.ForeignKey(Floor, on_delete=models.PROTECT, related_name="cases", verbose_name=_("floor"))
    enterprise = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
        verbose_name=_("enterprise"),
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("category"))
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices)
    description = models.TextField(pgettext_lazy("case", "description"), max_length=2000)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)

    # Who raised it: a person with an account, a floor leader on someone's behalf, or a visitor.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases_submitted",
        verbose_name=_("submitted by"),
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases_raised",
        verbose_name=_("raised on behalf by"),
    )
    submitter_name = models.CharField(_("name"), max_length=64, blank=True)
    submitter_phone = models.CharField(_("phone"), max_length=20, blank=True)
    submitter_email = models.EmailField(_("e-mail"), blank=True)
    tracking_hash = models.CharField(max_length=64, blank=True, editable=False)  # sha256 of the private link's token
    source = models.CharField(_("source"), max_length=100, blank=True, help_text=_("The Open311 or API client."))

    # Who is responsible now.
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases_led",
        verbose_name=_("floor leader"), help_text=_("The floor's leader when the case was raised."),
    )
    handler = models.ForeignKey(
        Handler, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("handler")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    decline_reason = models.CharField(_("reason"), max_length=16, choices=DeclineReason.choices, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates",
        verbose_name=_("merged into"),
    )

    # Deadlines and the times of each step (the rates are computed from these).
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    respond_by = models.DateTimeField(_("respond by"))
    due_at = models.DateTimeField(_("due"))
    responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    first_closed_at = models.DateTimeField(_("first closed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("marked overdue"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation"), default=0, help_text=_("0 none, 1 committee secretary, 2 district.")
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    supporter_count = models.PositiveIntegerField(_("others with the same request"), default=0)

    rating = models.CharField(_("rating"), max_length=16, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    rating_source = models.CharField(_("rated by"), max_length=16, choices=RatingSource.choices, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(status=Status.MERGED), name="case_merged_has_status"
            ),
            models.CheckConstraint(condition=~Q(merged_into=models.F("pk")), name="case_not_merged_into_itself"),
            models.CheckConstraint(
                condition=Q(handler__isnull=False) | ~Q(status__in=[Status.DISPATCHED, Status.REPLIED]),
                name="case_handled_has_handler",
            ),
            models.CheckConstraint(
                condition=Q(rating="") | Q(status=Status.CLOSED) | Q(reopen_count__gt=0),
                name="case_rating_after_close",
            ),
        ]
        indexes = [
            # The queues read open cases only: partial indexes stay small at millions of cases.
            models.Index(fields=["floor", "status", "due_at"], condition=Q(status__in=OPEN_STATUSES),
                         name="case_open_by_floor"),
            models.Index(fields=["handler", "status", "due_at"], condition=Q(status__in=OPEN_STATUSES),
                         name="case_open_by_handler"),
            models.Index(fields=["building", "status", "due_at"], condition=Q(status__in=OPEN_STATUSES),
                         name="case_open_by_building"),
            models.Index(fields=["due_at"], condition=Q(status__in=OPEN_STATUSES), name="case_open_by_due"),
            # The district's escalated cases, soonest deadline first: walked in deadline order and
            # filtered by building, so the first rows come at once however many buildings.
            models.Index(fields=["due_at"], condition=Q(status__in=OPEN_STATUSES, escalation_level__gte=2),
                         name="case_open_escalated"),
            models.Index(fields=["building", "-submitted_at"], name="case_building_recent"),
            models.Index(fields=["submitted_by", "-submitted_at"], name="case_submitter_recent"),
            models.Index(fields=["enterprise", "-submitted_at"], name="case_enterprise_recent"),
            models.Index(fields=["status", "closed_at"], condition=Q(status="closed", rating=""),
                         name="case_awaiting_rating"),
            # The committee's follow-up calls (回访) of one building: closed, unrated, oldest first.
            models.Index(fields=["building", "closed_at"], condition=Q(status="closed", rating=""),
                         name="case_awaiting_rating_building"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def summary(self) -> str:
        text = " ".join(self.description.split())
        return text if len(text) <= 40 else text[:39] + "…"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SUPPORTED = "supported", _("Same request added")
    ANSWERED = "answered", _("Answered by the floor leader")
    PASSED_ON = "passed_on", _("Passed to the committee")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    MERGED = "merged", _("Merged into another case")
    DISPATCHED = "dispatched", _("Dispatched")
    REASSIGNED = "reassigned", _("Reassigned")
    REPLIED = "replied", _("Handler replied")
    RETURNED = "returned", _("Reply returned to the handler")
    CLOSED = "closed", _("Verified and closed")
    RATED = "rated", _("Rated")
    FOLLOW_UP = "follow_up", _("Follow-up call")
    REOPENED = "reopened", _("Reopened")
    NOTE = "note", _("Note")
    REMINDED = "reminded", _("Reminder sent")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated")
    DEADLINE_MOVED = "deadline_moved", _("Deadline moved")


class CaseEvent(models.Model):
    """One step on a case's timeline: who, when, what; a public reply or an internal note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("by"),
    )
    actor_name = models.CharField(_("by"), max_length=100, blank=True,
                                  help_text=_("A visitor's name, a client system, or empty for the system."))
    is_public = models.BooleanField(_("public"), default=True,
                                    help_text=_("Shown to the submitter; internal notes are not."))
    text = models.TextField(_("text"), blank=True, max_length=2000)
    data = models.JSONField(default=dict, blank=True)  # e.g. {"from": "dispatched", "to": "replied", "handler": 3}
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CasePhoto(models.Model):
    """A photo attached to a case when raised, or to an event (a handler's reply). Re-encoded as JPEG,
    metadata (GPS) stripped."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos", verbose_name=_("case"))
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="photos", verbose_name=_("event")
    )
    image = models.ImageField(_("photo"), upload_to=PrivateUploadTo("cases"))
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["pk"]


class NumberSequence(models.Model):
    """The last tracking number given on a day (numbers read 20261129-0007)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Dimension(models.TextChoices):
    BUILDING = "building", _("building")
    FLOOR = "floor", _("floor")
    LEADER = "leader", _("floor leader")
    HANDLER = "handler", _("handler")
    CATEGORY = "category", _("category")
    CHANNEL = "channel", pgettext_lazy("case", "channel")


class CaseFigure(models.Model):
    """Monthly counters of the cases received in ``month`` in one building, by one dimension.

    ``key`` is the id of the floor, leader (user), handler or category, the channel's value, or
    "" for the building as a whole. ``figures`` keeps them exact as cases change (each change
    moves the case's contribution from its old row to its new one); ``rebuild_case_figures``
    recomputes them from the cases. Definitions: ``docs/metrics.md``.
    """

    month = models.DateField()  # first day of the month the cases were received in
    party_committee = models.ForeignKey(PartyCommittee, on_delete=models.CASCADE, related_name="+")
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    key = models.CharField(max_length=32, blank=True)

    received = models.IntegerField(default=0)  # received, merged duplicates excluded
    responded = models.IntegerField(default=0)
    responded_on_time = models.IntegerField(default=0)
    declined = models.IntegerField(default=0)
    merged = models.IntegerField(default=0)
    to_resolve = models.IntegerField(default=0)  # received minus declined
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basically = models.IntegerField(default=0)
    dissatisfied = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    follow_ups = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["building", "dimension", "key", "month"], name="case_figure_unique"),
        ]
        indexes = [
            models.Index(fields=["party_committee", "dimension", "month"], name="case_figure_district"),
            # One person's or handler's figures across buildings (the landing pages).
            models.Index(fields=["dimension", "key", "month"], name="case_figure_key"),
        ]
