"""Notices and policies sent to enterprises, who they reach, who read them and who relayed them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from louwei.core.files import PrivateUploadTo


class NoticeKind(models.TextChoices):
    NOTICE = "notice", pgettext_lazy("notice kind", "Notice")
    POLICY = "policy", pgettext_lazy("notice kind", "Policy")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("notice status", "Draft")
    SCHEDULED = "scheduled", pgettext_lazy("notice status", "Scheduled")
    PUBLISHED = "published", pgettext_lazy("notice status", "Published")
    WITHDRAWN = "withdrawn", pgettext_lazy("notice status", "Withdrawn")


class NoticeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=NoticeStatus.PUBLISHED)


class Notice(models.Model):
    """A notice or a policy. Its owner scope is a district, or one building inside that district
    (a committee's own notice); the audience rule chooses the enterprises inside that scope."""

    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices, default=NoticeKind.NOTICE)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown: **bold**, lists, links. No HTML."))
    # Policy fields (empty for plain notices).
    issuing_body = models.CharField(_("issuing body"), max_length=200, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=100, blank=True)

    party_committee = models.ForeignKey(
        "buildings.PartyCommittee", on_delete=models.PROTECT, related_name="notices", verbose_name=_("district")
    )
    building = models.ForeignKey(
        "buildings.Building", null=True, blank=True, on_delete=models.PROTECT, related_name="notices",
        verbose_name=_("building"), help_text=_("Empty for a district-wide notice."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason for withdrawal"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NoticeQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-published_at", "-created_at"]
        indexes = [models.Index(fields=["status", "publish_at"]), models.Index(fields=["party_committee", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(effective_on__isnull=True)
                | Q(expires_on__gte=F("effective_on")),
                name="notice_expires_after_effective",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_policy(self) -> bool:
        return self.kind == NoticeKind.POLICY


class AudienceRule(models.Model):
    """Who a notice reaches: the enterprises currently in the chosen places (no place = the notice's
    whole scope; chosen floors narrow their buildings) that match every non-empty filter, plus the
    named enterprises. Resolved by ``louwei.notices.queries.audience_queryset``."""

    notice = models.OneToOneField(Notice, on_delete=models.CASCADE, related_name="audience", verbose_name=_("notice"))
    buildings = models.ManyToManyField("buildings.Building", blank=True, related_name="+", verbose_name=_("buildings"))
    floors = models.ManyToManyField("buildings.Floor", blank=True, related_name="+", verbose_name=_("floors"))
    industries = models.JSONField(_("industries"), default=list, blank=True,
                                  help_text=_("Sections of GB/T 4754-2017; empty means all."))
    min_employees = models.PositiveIntegerField(_("at least employees"), null=True, blank=True)
    max_employees = models.PositiveIntegerField(_("at most employees"), null=True, blank=True)
    party_organisations = models.JSONField(_("Party organisation"), default=list, blank=True)
    enterprises = models.ManyToManyField(
        "buildings.Enterprise", blank=True, related_name="+", verbose_name=_("named enterprises")
    )

    class Meta:
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self) -> str:
        return str(self.notice)


class Attachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("notice"))
    file = models.FileField(_("file"), upload_to=PrivateUploadTo("notices"), max_length=255)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """A notice delivered to one enterprise."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notice"))
    enterprise = models.ForeignKey(
        "buildings.Enterprise", on_delete=models.CASCADE, related_name="notice_deliveries", verbose_name=_("enterprise")
    )
    delivered_at = models.DateTimeField(_("delivered"))
    first_read_at = models.DateTimeField(_("first read"), null=True, blank=True)
    first_read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("first read by"),
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["notice", "enterprise"], name="delivery_unique_enterprise")]
        indexes = [models.Index(fields=["enterprise", "notice"])]

    def __str__(self) -> str:
        return f"{self.notice} → {self.enterprise}"


class Read(models.Model):
    """One person of the enterprise opened the notice (first time only)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="reads", verbose_name=_("delivery"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("person"))
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        ordering = ["read_at"]
        constraints = [models.UniqueConstraint(fields=["delivery", "user"], name="read_unique_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.delivery}"


class RelayMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    CHAT = "chat", _("By chat message")
    OTHER = "other", pgettext_lazy("relay method", "Other")


class Relay(models.Model):
    """A floor leader passed the notice on to the enterprise themselves."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="relays", verbose_name=_("delivery"))
    floor_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("floor leader")
    )
    floor = models.ForeignKey("buildings.Floor", null=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("floor"))
    method = models.CharField(_("how"), max_length=16, choices=RelayMethod.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("relay")
        verbose_name_plural = _("relays")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.floor_leader} · {self.delivery}"
