"""What the notification pages read. Each function runs a fixed number of queries."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import F, QuerySet

from .models import Channel, DeliveryAttempt, Message, WebhookEndpoint

PAGE_SIZE = 30


def inbox_of(user) -> QuerySet[Message]:
    """The person's in-app messages: unread first, then newest first. Only their own."""
    return Message.objects.filter(user=user, channel=Channel.INBOX).order_by(
        F("read_at").desc(nulls_first=True), "-created_at", "-pk"
    )


def inbox_page(user, number=1):
    return Paginator(inbox_of(user), PAGE_SIZE).get_page(number)


def unread_count(user) -> int:
    """How many in-app messages the person has not read (0 for anonymous visitors)."""
    if user is None or not user.is_authenticated:
        return 0
    return Message.objects.filter(user=user, channel=Channel.INBOX, read_at__isnull=True).count()


def endpoints_of(building) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(building=building).select_related("floor").order_by(
        F("floor__number").asc(nulls_first=True), "name"
    )


def delivery_log(building, number=1):
    """The building's delivery attempts, newest first, with what was sent to whom."""
    attempts = (
        DeliveryAttempt.objects.filter(building=building)
        .select_related("message__user", "group_message__endpoint")
        .order_by("-at", "-pk")
    )
    return Paginator(attempts, PAGE_SIZE).get_page(number)
