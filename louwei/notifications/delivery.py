"""Sending: e-mail through Django's mail, group-chat robots by webhook. Runs in the worker.

**Never twice.** Every send first claims its row with a conditional ``UPDATE … SET status =
'sending' WHERE status IN ('queued', 'failed')``; only the worker whose update changed the row
sends. The outcome is written afterwards (``sent``, or ``failed`` with the next attempt after an
exponential backoff). A worker that dies between the claim and the outcome leaves the row
``sending``, and it is not retried: a possible lost message is preferred to a duplicate. The
claim's time is kept (``claimed_at``); :func:`settle_stale_claims` (a periodic job) marks a claim
older than ``settings.LOUWEI_SENDING_STALE_MINUTES`` (default 15) ``unknown``, writes that in the
delivery log, and never sends it again. ``EMAIL_TIMEOUT`` and the webhook timeout keep every live
send far shorter than that limit.

**Quiet hours and digest** (e-mail only): a message due in the person's quiet hours keeps
``queued`` with ``next_attempt_at`` at the end of the quiet hours; a digest person's message keeps
``queued`` with ``for_digest`` and goes out in the daily digest.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from .models import (
    Channel,
    DeliveryAttempt,
    DigestMode,
    GroupMessage,
    Message,
    NotificationSettings,
    Status,
    WebhookKind,
)

logger = logging.getLogger("louwei.notifications")

MAX_ATTEMPTS = 8
WEBHOOK_TIMEOUT = 5  # seconds
EMAIL_LANGUAGES = ("zh-hans", "en")


def backoff(attempts: int) -> datetime.timedelta:
    """Wait before attempt ``attempts + 1``: 1, 2, 4 … minutes, at most 6 hours."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def absolute(url: str) -> str:
    if url.startswith("/"):
        return settings.SITE_URL + url
    return url


# --- Quiet hours --------------------------------------------------------------------------------


def _local(now: datetime.datetime) -> datetime.datetime:
    return now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))


def quiet_until(prefs: NotificationSettings | None, now: datetime.datetime) -> datetime.datetime | None:
    """The end of the quiet hours if ``now`` is inside them (local time), else None.

    Quiet hours may span midnight (22:00–07:00)."""
    if prefs is None or prefs.quiet_start is None or prefs.quiet_end is None or prefs.quiet_start == prefs.quiet_end:
        return None
    local = _local(now)
    start, end, t = prefs.quiet_start, prefs.quiet_end, local.time()
    if start < end:
        inside = start <= t < end
        end_day = local.date()
    else:
        inside = t >= start or t < end
        end_day = local.date() + datetime.timedelta(days=1) if t >= start else local.date()
    if not inside:
        return None
    return datetime.datetime.combine(end_day, end, tzinfo=local.tzinfo)


# --- E-mail ---------------------------------------------------------------------------------------


def language_of(user) -> str:
    lang = (getattr(user, "language", "") or settings.LANGUAGE_CODE).lower()
    return lang if lang in EMAIL_LANGUAGES else EMAIL_LANGUAGES[0]


def _render_text(name: str, context: dict) -> str:
    """A plain-text template (a subject, a text body): nothing in it is HTML-escaped."""
    return get_template(name).template.render(Context(context, autoescape=False))


def _render_mail(user, template: str, context: dict) -> EmailMultiAlternatives:
    lang = language_of(user)
    context = {**context, "user": user, "site_url": settings.SITE_URL}
    folder = f"notifications/email/{lang}"
    with translation.override(lang):
        # Plain text on one line: "R&D" stays "R&D", and no line break can start another header.
        subject = " ".join(_render_text(f"{folder}/{template}_subject.txt", context).split())
        text = _render_text(f"{folder}/{template}.txt", context)
        html = render_to_string(f"{folder}/{template}.html", context)
    mail = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    mail.attach_alternative(html, "text/html")
    return mail


def _settings_of(users) -> dict[int, NotificationSettings]:
    return {s.user_id: s for s in NotificationSettings.objects.filter(user__in=users)}


def _claim(model, pk: int, statuses=(Status.QUEUED, Status.FAILED)) -> bool:
    """Take the row for sending; True for exactly one caller."""
    return bool(
        model.objects.filter(pk=pk, status__in=statuses).update(
            status=Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=None, claimed_at=timezone.now()
        )
    )


def _record_failure(model, obj, error: str, **log) -> DeliveryAttempt:
    obj.refresh_from_db(fields=["attempts"])
    retry_at = timezone.now() + backoff(obj.attempts) if obj.attempts < MAX_ATTEMPTS else None
    model.objects.filter(pk=obj.pk, status=Status.SENDING).update(
        status=Status.FAILED, last_error=error[:2000], next_attempt_at=retry_at
    )
    return DeliveryAttempt.objects.create(ok=False, error=error[:2000], **log)


class _Connection:
    """One mail connection for a batch, opened on first use (SMTP: one login for many messages)."""

    def __init__(self):
        self.connection = None

    def get(self):
        if self.connection is None:
            self.connection = get_connection()
            try:
                self.connection.open()
            except Exception as exc:  # noqa: BLE001 — each send then tries, fails and is retried
                logger.warning("Could not open the mail connection: %s", exc)
        return self.connection

    def close(self):
        """Close (after the batch, or after a failure so that the next message starts afresh)."""
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # noqa: BLE001
                pass
            self.connection = None


def _send_email(message: Message, connection: _Connection) -> bool:
    """Send one claimed e-mail message; record the outcome. True when sent."""
    log = {"message": message, "building_id": message.building_id, "channel": Channel.EMAIL}
    try:
        mail = _render_mail(message.user, "message", {"message": message, "link": absolute(message.url)})
        mail.connection = connection.get()
        mail.send()
    except Exception as exc:  # noqa: BLE001 — any mail failure is retried later
        connection.close()
        logger.warning("E-mail notification %s failed: %s", message.pk, exc)
        _record_failure(Message, message, f"{type(exc).__name__}: {exc}", **log)
        return False
    Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.SENT, sent_at=timezone.now(), last_error=""
    )
    DeliveryAttempt.objects.create(ok=True, **log)
    return True


def process_emails(messages) -> dict:
    """Decide and send each queued or failed e-mail message: hold it (quiet hours, digest) or send it."""
    now = timezone.now()
    messages = list(messages.select_related("user"))
    prefs = _settings_of({m.user_id for m in messages})
    counts = {"sent": 0, "failed": 0, "held": 0, "digest": 0}
    connection = _Connection()
    try:
        _process(messages, prefs, now, counts, connection)
    finally:
        connection.close()
    return counts


def _process(messages, prefs, now, counts, connection) -> None:
    for message in messages:
        settings_ = prefs.get(message.user_id)
        waiting = Message.objects.filter(pk=message.pk, status=Status.QUEUED)
        if settings_ is not None and settings_.email_digest == DigestMode.DAILY:
            counts["digest"] += Message.objects.filter(
                pk=message.pk, status__in=[Status.QUEUED, Status.FAILED]
            ).update(status=Status.QUEUED, for_digest=True, next_attempt_at=None)
            continue
        until = quiet_until(settings_, now)
        if until is not None:
            counts["held"] += Message.objects.filter(
                pk=message.pk, status__in=[Status.QUEUED, Status.FAILED]
            ).update(next_attempt_at=until)
            continue
        if not message.user.email or not message.user.is_active:
            waiting.update(status=Status.SKIPPED)
            continue
        if not _claim(Message, message.pk):
            continue
        message.refresh_from_db(fields=["attempts", "status"])
        counts["sent" if _send_email(message, connection) else "failed"] += 1


def due_emails(now: datetime.datetime | None = None):
    """Queued e-mail (not waiting for a digest) whose time has come."""
    now = now or timezone.now()
    return Message.objects.filter(
        channel=Channel.EMAIL, status=Status.QUEUED, for_digest=False
    ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def failed_emails(now: datetime.datetime | None = None):
    now = now or timezone.now()
    return Message.objects.filter(
        channel=Channel.EMAIL, status=Status.FAILED, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS
    )


def send_digests() -> dict:
    """One e-mail per person with all their messages waiting for the digest."""
    waiting = Message.objects.filter(channel=Channel.EMAIL, status=Status.QUEUED, for_digest=True)
    user_ids = list(waiting.order_by().values_list("user_id", flat=True).distinct())
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk(user_ids)
    sent = failed = 0
    connection = _Connection()
    try:
        for user_id in user_ids:
            outcome = _send_digest(users[user_id], waiting, connection)
            sent += outcome == "sent"
            failed += outcome == "failed"
    finally:
        connection.close()
    return {"digests": sent, "failed": failed}


def _send_digest(user, waiting, connection: _Connection) -> str:
    """Claim the person's waiting messages and send them as one e-mail: "sent", "failed" or "none"."""
    ids = list(waiting.filter(user_id=user.pk).values_list("pk", flat=True))
    claimed = Message.objects.filter(pk__in=ids, status=Status.QUEUED, for_digest=True).update(
        status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    if not claimed:
        return "none"
    batch = list(Message.objects.filter(pk__in=ids, status=Status.SENDING).order_by("created_at", "pk"))
    mine = Message.objects.filter(pk__in=[m.pk for m in batch])
    if not user.email or not user.is_active:
        mine.update(status=Status.SKIPPED)
        return "none"
    try:
        mail = _render_mail(user, "digest", {"messages": [(m, absolute(m.url)) for m in batch], "count": len(batch)})
        mail.connection = connection.get()
        mail.send()
    except Exception as exc:  # noqa: BLE001 — back to the queue for the next digest
        connection.close()
        error = f"{type(exc).__name__}: {exc}"[:2000]
        mine.update(status=Status.QUEUED, last_error=error)
        DeliveryAttempt.objects.bulk_create([
            DeliveryAttempt(message=m, building_id=m.building_id, channel=Channel.EMAIL, ok=False, error=error)
            for m in batch
        ])
        return "failed"
    mine.update(status=Status.DIGESTED, sent_at=timezone.now(), last_error="")
    DeliveryAttempt.objects.bulk_create(
        [DeliveryAttempt(message=m, building_id=m.building_id, channel=Channel.EMAIL, ok=True) for m in batch]
    )
    return "sent"


# --- Claims whose worker stopped ------------------------------------------------------------------

DEFAULT_STALE_MINUTES = 15
UNKNOWN_OUTCOME = "The worker stopped during the send: it may or may not have arrived. Not sent again."


def stale_after() -> datetime.timedelta:
    """How old a claim must be before it is settled: ``LOUWEI_SENDING_STALE_MINUTES`` (at least 1)."""
    return datetime.timedelta(minutes=max(1, int(getattr(settings, "LOUWEI_SENDING_STALE_MINUTES",
                                                         DEFAULT_STALE_MINUTES))))


def settle_stale_claims(now: datetime.datetime | None = None) -> dict:
    """Mark ``unknown`` every message claimed for sending longer ago than :func:`stale_after`.

    Each settled row gets one delivery-log entry with an unknown outcome (``ok=None``). The
    update is conditional on the row still being ``sending``, so a send that finishes at the same
    moment keeps its real outcome, and two settling jobs settle each row once."""
    cutoff = (now or timezone.now()) - stale_after()
    emails = Message.objects.filter(channel=Channel.EMAIL, status=Status.SENDING, claimed_at__lt=cutoff)
    groups = GroupMessage.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff).select_related("endpoint")
    counts = {
        "messages": _settle(Message, emails, lambda m: {"message": m, "building_id": m.building_id,
                                                         "channel": Channel.EMAIL}),
        "group_messages": _settle(GroupMessage, groups, lambda g: {
            "group_message": g, "building_id": g.endpoint.building_id, "channel": Channel.WEBHOOK}),
    }
    if any(counts.values()):
        logger.warning("Settled stale sending claims as unknown: %s", counts)
    return counts


def _settle(model, stale, log_of) -> int:
    settled = 0
    for row in stale:
        if model.objects.filter(pk=row.pk, status=Status.SENDING).update(
            status=Status.UNKNOWN, last_error=UNKNOWN_OUTCOME
        ):
            DeliveryAttempt.objects.create(ok=None, error=UNKNOWN_OUTCOME, **log_of(row))
            settled += 1
    return settled


# --- Group-chat robots ------------------------------------------------------------------------------


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """DingTalk's signing: ``sign = base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))``, URL-encoded."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def payload(kind: str, *, title: str, body: str, url: str) -> dict:
    """The robot's markdown message: WeCom ``markdown.content``, DingTalk ``markdown.title/text``."""
    link = absolute(url)
    with translation.override(settings.LANGUAGE_CODE):
        more = translation.pgettext("notification link", "Open")
    lines = [body.strip()] if body.strip() else []
    if link:
        lines.append(f"[{more}]({link})")
    if kind == WebhookKind.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": "\n\n".join([f"### {title}", *lines])}}
    return {"msgtype": "markdown", "markdown": {"content": "\n".join([f"**{title}**", *lines])}}


def webhook_host_allowed(url: str) -> bool:
    """Only the robot hosts in ``settings.LOUWEI_WEBHOOK_HOSTS`` are ever called."""
    from urllib.parse import urlsplit

    from django.conf import settings

    parts = urlsplit(url)
    return parts.scheme in ("https", "http") and (parts.hostname or "") in settings.LOUWEI_WEBHOOK_HOSTS


def post_webhook(endpoint, data: dict) -> tuple[bool, int | None, str]:
    """POST ``data`` as JSON to the robot; (ok, HTTP status, error)."""
    url = endpoint.url
    if not webhook_host_allowed(url):
        return False, None, "host not in LOUWEI_WEBHOOK_HOSTS"
    if endpoint.kind == WebhookKind.DINGTALK and endpoint.secret:
        url = dingtalk_signed_url(url, endpoint.secret)
    request = urllib.request.Request(
        url, data=json.dumps(data, ensure_ascii=False).encode(), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310 — http(s) only
            status, raw = response.status, response.read(65536)
    except urllib.error.HTTPError as exc:
        return False, exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return False, None, f"{type(exc).__name__}: {exc}"
    if not 200 <= status < 300:
        return False, status, f"HTTP {status}"
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return True, status, ""
    if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
        return False, status, f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:2000]
    return True, status, ""


def send_group_message(message: GroupMessage) -> bool:
    """Claim and send one group-chat message; True when sent."""
    if not _claim(GroupMessage, message.pk):
        return False
    message.refresh_from_db()
    endpoint = message.endpoint
    log = {"group_message": message, "building_id": endpoint.building_id, "channel": Channel.WEBHOOK}
    ok, status, error = post_webhook(
        endpoint, payload(endpoint.kind, title=message.title, body=message.body, url=message.url)
    )
    if not ok:
        logger.warning("Group-chat message %s to %s failed: %s", message.pk, endpoint.pk, error)
        _record_failure(GroupMessage, message, error, status_code=status, **log)
        return False
    GroupMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.SENT, sent_at=timezone.now(), last_error=""
    )
    DeliveryAttempt.objects.create(ok=True, status_code=status, **log)
    return True


def due_group_messages(now: datetime.datetime | None = None):
    now = now or timezone.now()
    return GroupMessage.objects.filter(
        Q(status=Status.QUEUED) | Q(status=Status.FAILED, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS)
    ).select_related("endpoint")


def post_test(endpoint, *, sender) -> DeliveryAttempt:
    """Send a test message now (not queued, not retried) and log the attempt."""
    with translation.override(settings.LANGUAGE_CODE):
        title = translation.gettext("Test message from Louwei")
        body = translation.gettext("%(name)s checked that this group receives notifications.") % {
            "name": sender.get_full_name()
        }
    ok, status, error = post_webhook(endpoint, payload(endpoint.kind, title=title, body=body, url=""))
    test = GroupMessage.objects.create(
        endpoint=endpoint, event="notifications.test", title=title, body=body,
        key=f"test:{endpoint.pk}:{timezone.now().timestamp()}", status=Status.SENT if ok else Status.SKIPPED,
        attempts=1, sent_at=timezone.now() if ok else None, last_error=error,
    )
    return DeliveryAttempt.objects.create(
        group_message=test, building_id=endpoint.building_id, channel=Channel.WEBHOOK, ok=ok,
        status_code=status, error=error,
    )
