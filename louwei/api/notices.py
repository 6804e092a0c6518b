"""Notices and the inbox on the API. Reads come from louwei.notices.queries / louwei.notifications.queries,
changes go through their services; scope comes from louwei.access."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from louwei.notices import queries as notice_queries
from louwei.notices import services as notice_services
from louwei.notices.models import Attachment, Delivery, NoticeKind, Read
from louwei.notices.rendering import render_markdown
from louwei.notifications import queries as inbox_queries
from louwei.notifications import services as inbox_services
from louwei.notifications.models import Message

from . import queries

# --- serializers -----------------------------------------------------------------------------------

class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "content_type", "uploaded_at"]


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField(help_text=_("Markdown source."))
    status = serializers.CharField()
    district = serializers.CharField(source="party_committee.code")
    building = serializers.CharField(source="building.code", default=None, allow_null=True)
    issuing_body = serializers.CharField()
    document_number = serializers.CharField()
    effective_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    topic = serializers.CharField()
    publish_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    attachments = AttachmentSerializer(source="attachment_list", many=True)
    is_read = serializers.SerializerMethodField(
        help_text=_("For people of a receiving enterprise: whether they have read it; null for staff.")
    )

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_is_read(self, notice) -> bool | None:
        return getattr(notice, "is_read", None)


class ReadStateSerializer(serializers.Serializer):
    reached = serializers.IntegerField()
    read = serializers.IntegerField()
    relayed = serializers.IntegerField()


class NoticeDetailSerializer(NoticeSerializer):
    body_html = serializers.SerializerMethodField(help_text=_("The text as sanitised HTML."))
    read_state = ReadStateSerializer(
        allow_null=True,
        help_text=_("Staff: deliveries to the enterprises they may see, how many were read and relayed."),
    )

    def get_body_html(self, notice) -> str:
        return str(render_markdown(notice.body))


class ReaderSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.get_full_name")

    class Meta:
        model = Read
        fields = ["name", "read_at"]


class DeliverySerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    first_read_by = serializers.CharField(source="first_read_by.get_full_name", default=None, allow_null=True)
    relay_count = serializers.IntegerField()
    readers = ReaderSerializer(source="reader_list", many=True)

    class Meta:
        model = Delivery
        fields = ["id", "enterprise", "delivered_at", "first_read_at", "first_read_by", "relay_count", "readers"]

    @extend_schema_field(inline_serializer("DeliveryEnterprise", {"id": serializers.IntegerField(),
                                                                   "name": serializers.CharField()}))
    def get_enterprise(self, delivery):
        return {"id": delivery.enterprise_id, "name": delivery.enterprise.name}


class UnreadDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    enterprise = serializers.SerializerMethodField()
    relay_count = serializers.IntegerField()

    @extend_schema_field(inline_serializer("UnreadEnterprise", {"id": serializers.IntegerField(),
                                                                "name": serializers.CharField()}))
    def get_enterprise(self, delivery):
        return {"id": delivery.enterprise_id, "name": delivery.enterprise.name}


class UnreadGroupSerializer(serializers.Serializer):
    notice = serializers.SerializerMethodField()
    floor = serializers.CharField(source="floor.code")
    deliveries = UnreadDeliverySerializer(many=True)

    @extend_schema_field(inline_serializer("UnreadNotice", {"id": serializers.IntegerField(),
                                                            "title": serializers.CharField(),
                                                            "published_at": serializers.DateTimeField()}))
    def get_notice(self, group):
        notice = group["notice"]
        return {"id": notice.pk, "title": notice.title,
                "published_at": serializers.DateTimeField().to_representation(notice.published_at)}


class MessageSerializer(serializers.ModelSerializer):
    building = serializers.CharField(source="building.code", default=None, allow_null=True)

    class Meta:
        model = Message
        fields = ["id", "event", "title", "body", "url", "building", "created_at", "read_at"]


# --- views -----------------------------------------------------------------------------------------

def _with_attachments(queryset):
    return queryset.prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "pk"), to_attr="attachment_list")
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("kind", str, enum=list(NoticeKind.values), description="notice or policy")]
    )
)
class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Notices and policies the person may see: staff those of their scope (drafts and withdrawn
    included), people of an enterprise the published ones delivered to it, with their read state."""

    serializer_class = NoticeSerializer
    filter_backends: list = []

    def get_queryset(self):
        kind = self.request.query_params.get("kind") or None
        if kind is not None and kind not in NoticeKind.values:
            raise exceptions.ValidationError({"kind": [_("Choose notice or policy.")]})
        return _with_attachments(notice_queries.notices_for(self.request.user, kind=kind))

    def get_serializer_class(self):
        return NoticeDetailSerializer if self.action == "retrieve" else NoticeSerializer

    def retrieve(self, request, *args, **kwargs):
        notice = self.get_object()
        deliveries = notice_queries.visible_deliveries(request.user, notice)
        notice.read_state = None if deliveries is None else queries.read_state(deliveries)
        return Response(self.get_serializer(notice).data)

    @extend_schema(responses=DeliverySerializer(many=True), parameters=[
        OpenApiParameter("unread", bool, description="only the deliveries nobody has read yet")
    ])
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """Staff: the notice's deliveries to the enterprises they may see, with who read it and when."""
        notice = self.get_object()
        deliveries = notice_queries.visible_deliveries(request.user, notice)
        if deliveries is None:
            raise exceptions.PermissionDenied()
        if request.query_params.get("unread") in ("1", "true", "yes"):
            deliveries = deliveries.filter(first_read_at__isnull=True)
        deliveries = deliveries.prefetch_related(
            Prefetch("reads", queryset=Read.objects.select_related("user").order_by("read_at"), to_attr="reader_list")
        )
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(responses=UnreadGroupSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="unread-on-my-floors", pagination_class=None)
    def unread_on_my_floors(self, request):
        """A floor leader: per notice and floor, the enterprises on their floors that have not read it yet
        (empty for everyone else)."""
        groups = notice_queries.unread_on_my_floors(request.user)
        return Response(UnreadGroupSerializer(groups, many=True).data)

    @extend_schema(request=None, responses=inline_serializer(
        "NoticeRead", {"is_read": serializers.BooleanField(), "first_time": serializers.BooleanField()}
    ))
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """A person of a receiving enterprise has read the notice (their read receipt). Repeating it
        changes nothing."""
        notice = self.get_object()
        read = notice_services.mark_read(actor=request.user, notice=notice)
        return Response({"is_read": True, "first_time": read is not None})


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("unread", bool, description="only unread messages")])
)
class InboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The person's own in-app messages, unread first."""

    serializer_class = MessageSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator has no person
            return Message.objects.none()
        queryset = inbox_queries.inbox_of(self.request.user).select_related("building")
        if self.request.query_params.get("unread") in ("1", "true", "yes"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(request=None, responses=MessageSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one message read."""
        message = self.get_object()
        inbox_services.mark_read(actor=request.user, message_id=message.pk)
        message.refresh_from_db(fields=["read_at"])
        return Response(MessageSerializer(message).data)

    @extend_schema(request=None, responses=inline_serializer("InboxReadAll", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread message read."""
        return Response({"marked": inbox_services.mark_all_read(actor=request.user)})

    @extend_schema(responses=inline_serializer("InboxUnreadCount", {"unread": serializers.IntegerField()}))
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": inbox_queries.unread_count(request.user)})


