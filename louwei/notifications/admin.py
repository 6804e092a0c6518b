"""Django admin for notifications: for superusers looking into a delivery. Staff use the building's
notification page; people use their inbox and settings page."""

from django.contrib import admin

from .models import DeliveryAttempt, GroupMessage, Message, NotificationSettings, Preference, WebhookEndpoint


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "event", "channel", "status", "attempts", "created_at", "sent_at", "read_at")
    list_filter = ("channel", "status", "event")
    search_fields = ("title", "key", "user__username", "user__name")
    raw_id_fields = ("user", "building")
    date_hierarchy = "created_at"


@admin.register(GroupMessage)
class GroupMessageAdmin(admin.ModelAdmin):
    list_display = ("title", "endpoint", "event", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "event")
    search_fields = ("title", "key")
    raw_id_fields = ("endpoint",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "building", "floor", "kind", "active")
    list_filter = ("kind", "active")
    raw_id_fields = ("building", "floor")


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ("at", "channel", "ok", "status_code", "building", "error")
    list_filter = ("channel", "ok")
    raw_id_fields = ("message", "group_message", "building")


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "event", "channel", "enabled")
    raw_id_fields = ("user",)


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "quiet_start", "quiet_end", "email_digest")
    raw_id_fields = ("user",)
