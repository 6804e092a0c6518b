"""Notifications: what is sent to whom on which channel, people's choices, group-chat robots, the log.

The idempotency of the service is in the database: one :class:`Message` per (user, channel, key)
and one :class:`GroupMessage` per (endpoint, key), so the same event never reaches the same person
or chat group twice, whatever retries or repeated calls happen.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    INBOX = "inbox", pgettext_lazy("notification channel", "In-app inbox")
    EMAIL = "email", pgettext_lazy("notification channel", "E-mail")
    WEBHOOK = "webhook", pgettext_lazy("notification channel", "Group chat")


class Status(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("delivery status", "Queued")
    SENDING = "sending", pgettext_lazy("delivery status", "Sending")
    SENT = "sent", pgettext_lazy("delivery status", "Sent")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")
    SKIPPED = "skipped", pgettext_lazy("delivery status", "Skipped")
    DIGESTED = "digested", pgettext_lazy("delivery status", "Sent in digest")
    # The worker stopped between claiming the row and recording the outcome: it may or may not
    # have gone out. Settled by ``settle_stale_claims``, never sent again (no duplicates).
    UNKNOWN = "unknown", pgettext_lazy("delivery status", "Unknown")


class Message(models.Model):
    """One notification to one person on one channel (in-app inbox or e-mail).

    Inbox messages are created ``sent`` (they are visible at once); e-mail messages start
    ``queued`` and the worker sends them, holds them for quiet hours (``next_attempt_at``) or for
    the daily digest (``for_digest``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    event = models.CharField(_("event"), max_length=64)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    key = models.CharField(_("idempotency key"), max_length=200)
    building = models.ForeignKey(
        "buildings.Building", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("building"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    for_digest = models.BooleanField(_("waits for the daily digest"), default=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed for sending"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "channel", "key"], name="notification_once_per_channel"),
        ]
        indexes = [
            models.Index(fields=["user", "channel", "read_at"], name="notification_inbox"),
            models.Index(fields=["channel", "status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["key"], name="notification_key"),
        ]

    @property
    def text_beyond_title(self) -> str:
        """The body, unless the title already says it: a case event's title carries the case's
        summary, and its body is that same summary; the inbox shows it once."""
        body = " ".join(self.body.split())
        title = " ".join(self.title.split())
        if not body or body in title:
            return ""
        if body.startswith(title):
            return body[len(title):].lstrip(" :：-—·")
        return body

    def __str__(self) -> str:
        return self.title


class Preference(models.Model):
    """A person's choice for one event kind on one channel; without a row the event's default holds."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences",
        verbose_name=_("user"),
    )
    event = models.CharField(_("event"), max_length=64)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "event", "channel"], name="preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.event} {self.channel} {self.enabled}"


class DigestMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Each message at once")
    DAILY = "daily", _("One daily digest")


class NotificationSettings(models.Model):
    """A person's quiet hours and e-mail digest mode (one row per person, created when first saved)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings",
        verbose_name=_("user"),
    )
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    email_digest = models.CharField(
        pgettext_lazy("notification channel", "e-mail"), max_length=16, choices=DigestMode.choices, default=DigestMode.IMMEDIATE
    )

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user)


class WebhookKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class WebhookEndpoint(models.Model):
    """A group-chat robot of a building (or of one floor), e.g. the floor's WeCom group."""

    building = models.ForeignKey(
        "buildings.Building", on_delete=models.CASCADE, related_name="webhook_endpoints", verbose_name=_("building")
    )
    floor = models.ForeignKey(
        "buildings.Floor", null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_endpoints",
        verbose_name=_("floor"), help_text=_("Leave empty for the whole building's group."),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=WebhookKind.choices)
    url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True,
        help_text=_("DingTalk only: the robot's signing secret (SEC…), if signing is switched on."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("group-chat robot")
        verbose_name_plural = _("group-chat robots")
        ordering = ["building", "floor__number", "name"]

    def __str__(self) -> str:
        return self.name


class GroupMessage(models.Model):
    """One notification to one group-chat robot; one per (endpoint, key)."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="messages", verbose_name=_("group-chat robot")
    )
    event = models.CharField(_("event"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    key = models.CharField(_("idempotency key"), max_length=200)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed for sending"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("group-chat message")
        verbose_name_plural = _("group-chat messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "key"], name="group_message_once"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="group_message_due")]

    def __str__(self) -> str:
        return self.title


class DeliveryAttempt(models.Model):
    """The delivery log: one row per attempt to send an e-mail or a group-chat message."""

    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attempt_log",
        verbose_name=_("notification"),
    )
    group_message = models.ForeignKey(
        GroupMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attempt_log",
        verbose_name=_("group-chat message"),
    )
    building = models.ForeignKey(
        "buildings.Building", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("building"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    # None: the outcome is unknown (the worker stopped during the send; see ``Status.UNKNOWN``).
    ok = models.BooleanField(_("succeeded"), null=True, default=False)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(message__isnull=False, group_message__isnull=True)
                | Q(message__isnull=True, group_message__isnull=False),
                name="delivery_attempt_one_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["building", "-at"], name="delivery_attempt_building"),
            # The health page counts the settled claims of the last days: a small partial index.
            models.Index(fields=["at"], condition=Q(ok__isnull=True), name="delivery_attempt_unknown"),
        ]

    def __str__(self) -> str:
        outcome = "unknown" if self.ok is None else "ok" if self.ok else "failed"
        return f"{self.channel} {self.at:%Y-%m-%d %H:%M} {outcome}"
