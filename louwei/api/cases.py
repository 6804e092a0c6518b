"""Cases on the API: lists and details of the cases the person may see (``cases.permissions.visible_cases``),
raising one, and one POST per step of the loop. Changes go through ``louwei.cases.services``, which asks
the permission first (403), then the status (``IllegalTransition`` → 409), then the input (400).
Categories and handlers are read-only."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from louwei import access
from louwei.access import Action
from louwei.buildings.models import Enterprise, Floor
from louwei.cases import permissions, ratelimit
from louwei.cases import services as case_services
from louwei.cases.models import (
    ON_BEHALF_CHANNELS,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Category,
    Channel,
    DeclineReason,
    Handler,
    Rating,
    Status,
    Urgency,
)

from .filters import FilterSet, IdFilter

# --- serializers -----------------------------------------------------------------------------------


class HandlerSerializer(serializers.ModelSerializer):
    building = serializers.CharField(source="building.code", default=None, allow_null=True)
    district = serializers.CharField(source="party_committee.code", default=None, allow_null=True)

    class Meta:
        model = Handler
        fields = ["id", "name", "kind", "building", "district", "phone", "is_active"]


class HandlerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class CategorySerializer(serializers.ModelSerializer):
    label = serializers.CharField(help_text=_("The name in the request's language."))
    handler_kind = serializers.CharField(help_text=_("The kind of handler suggested when dispatching."))
    parent = serializers.CharField(source="parent.code", default=None, allow_null=True)

    class Meta:
        model = Category
        fields = ["code", "name", "name_en", "label", "description", "parent", "urgency", "handler_kind",
                  "position"]


class CaseSerializer(serializers.Serializer):
    number = serializers.CharField(help_text=_("The tracking number."))
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    is_open = serializers.BooleanField()
    is_overdue = serializers.SerializerMethodField()
    category = serializers.CharField(source="category.code")
    category_label = serializers.CharField(source="category.label")
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    summary = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    building = serializers.CharField(source="building.code")
    floor = serializers.CharField(source="floor.code")
    enterprise = serializers.IntegerField(source="enterprise_id", allow_null=True)
    enterprise_name = serializers.CharField(source="enterprise.name", default=None, allow_null=True)
    handler = HandlerRefSerializer(allow_null=True)
    merged_into = serializers.CharField(source="merged_into.number", default=None, allow_null=True)
    submitted_at = serializers.DateTimeField()
    respond_by = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    rating = serializers.CharField()
    supporter_count = serializers.IntegerField()
    reopen_count = serializers.IntegerField()

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_overdue(self, case) -> bool:
        return case.is_open and case.due_at < timezone.now()


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    by = serializers.SerializerMethodField(help_text=_("A person, a visitor's or client system's name, or null."))
    is_public = serializers.BooleanField(help_text=_("False for internal notes, shown to staff only."))
    text = serializers.CharField()
    data = serializers.JSONField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_by(self, event) -> str | None:
        if event.actor_id is not None:
            return event.actor.name or event.actor.username
        return event.actor_name or None


class SubmitterSerializer(serializers.Serializer):
    name = serializers.CharField(source="submitter_name")
    phone = serializers.CharField(source="submitter_phone")
    email = serializers.CharField(source="submitter_email")
    source = serializers.CharField()


class CaseDetailSerializer(CaseSerializer):
    description = serializers.CharField()
    decline_reason = serializers.CharField()
    rating_comment = serializers.CharField()
    rating_source = serializers.CharField()
    submitter = serializers.SerializerMethodField(
        help_text=_("How to reach the submitter: for staff and handlers only, null for others.")
    )
    timeline = EventSerializer(source="event_list", many=True,
                               help_text=_("Public steps; internal notes too for staff and handlers."))
    allowed_actions = serializers.SerializerMethodField(help_text=_("The actions the person may take now."))

    @extend_schema_field(SubmitterSerializer(allow_null=True))
    def get_submitter(self, case):
        return SubmitterSerializer(case).data if case.is_staff_view else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, case) -> list[str]:
        return sorted(case.allowed)


class CaseCreateSerializer(serializers.Serializer):
    floor = serializers.CharField(help_text=_("The floor code, e.g. XCFZ-B-05."))
    category = serializers.SlugField(help_text=_("A category code."))
    description = serializers.CharField(max_length=2000)
    enterprise = serializers.IntegerField(required=False, allow_null=True,
                                          help_text=_("Required when raising on an enterprise's behalf."))
    channel = serializers.CharField(
        default=Channel.APP,
        help_text=_("app for oneself; visit, phone, in_person or group_chat when a floor leader or staff "
                    "raises it on an enterprise's behalf."),
    )
    contact_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)

    def validate_channel(self, value):
        if value not in (Channel.APP, *ON_BEHALF_CHANNELS):
            raise serializers.ValidationError(_("Choose app, visit, phone, in_person or group_chat."))
        return value


class TextSerializer(serializers.Serializer):
    text = serializers.CharField()


class OptionalTextSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AcceptSerializer(serializers.Serializer):
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, allow_null=True, default=None)
    handler = serializers.IntegerField(required=False, allow_null=True, default=None,
                                       help_text=_("Dispatch at once to this handler."))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DeclineSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=[(DeclineReason.OUT_OF_SCOPE, DeclineReason.OUT_OF_SCOPE.label),
                                              (DeclineReason.INSUFFICIENT, DeclineReason.INSUFFICIENT.label)])
    text = serializers.CharField()


class MergeSerializer(serializers.Serializer):
    into = serializers.CharField(help_text=_("The tracking number of the original case."))
    text = serializers.CharField(required=False, allow_blank=True, default="")


class DispatchSerializer(serializers.Serializer):
    handler = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReassignSerializer(serializers.Serializer):
    handler = serializers.IntegerField()
    reason = serializers.CharField()


class RateSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpSerializer(serializers.Serializer):
    reached = serializers.BooleanField()
    rating = serializers.ChoiceField(choices=Rating.choices, required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CaseNoteSerializer(serializers.Serializer):
    text = serializers.CharField()
    public = serializers.BooleanField(default=False, help_text=_("Shown to the submitter; else an internal note."))


ErrorSerializer = inline_serializer("CaseError", {"detail": serializers.CharField()})


# --- filters ---------------------------------------------------------------------------------------


class CaseFilter(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[*Status.choices, ("open", _("Any open status"))], method="filter_status", label=_("Status"),
    )
    building = django_filters.CharFilter(method="filter_building", label=_("Building code"))
    floor = django_filters.CharFilter(method="filter_floor", label=_("Floor code"))
    category = django_filters.CharFilter(method="filter_category",
                                         label=_("Category code (a parent includes its sub-categories)"))
    handler = IdFilter(field_name="handler_id", label=_("Handler id"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Open and past its deadline"))

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_building(self, queryset, name, value):
        return queryset.filter(building__code=value.strip().upper())

    def filter_floor(self, queryset, name, value):
        return queryset.filter(floor__code=value.strip().upper())

    def filter_category(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(category__code=value) | Q(category__parent__code=value))

    def filter_overdue(self, queryset, name, value):
        late = Q(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)


# --- views -----------------------------------------------------------------------------------------


def _step(request_serializer, summary: str, response=None):
    """The schema of one workflow step."""
    return extend_schema(
        summary=summary, request=request_serializer,
        responses={200: response or CaseDetailSerializer, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer,
                   404: ErrorSerializer, 409: ErrorSerializer},
    )


class CaseViewSet(viewsets.GenericViewSet):
    """Cases the person may see: their staff scope, their handler's, their own and their enterprise's.
    Every step of the loop is a POST to ``/cases/{number}/{step}/``; an illegal step for the case's status
    answers 409, a step the person may not take 403."""

    lookup_field = "number"
    lookup_value_regex = r"[0-9A-Za-z-]+"
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    search_fields = ["number", "description"]
    ordering_fields = ["submitted_at", "due_at", "number"]
    ordering = ["-submitted_at"]

    def get_queryset(self):
        return permissions.visible_cases(self.request.user).select_related(
            "category", "building", "floor", "enterprise", "handler", "merged_into"
        )

    def get_serializer_class(self):
        if self.action == "list":
            return CaseSerializer
        return CaseDetailSerializer

    def handle_exception(self, exc):
        if isinstance(exc, case_services.IllegalTransition):
            return Response({"detail": " ".join(exc.messages), "code": "illegal_transition"},
                            status=status.HTTP_409_CONFLICT)
        if isinstance(exc, DjangoValidationError):
            data = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            return Response(data, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)

    # -- reads

    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(CaseSerializer(page, many=True).data)

    def _detail(self, case: Case) -> Response:
        user = self.request.user
        # Fresh, with its relations (the person just saw it or changed it).
        case = Case.objects.select_related(
            "category", "building", "floor", "enterprise", "handler", "merged_into"
        ).get(pk=case.pk)
        case.allowed = permissions.allowed_actions(user, case)
        case.is_staff_view = permissions.sees_internal(user, case)
        events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "pk")
        if not case.is_staff_view:
            events = events.filter(is_public=True)
        case.event_list = list(events)
        return Response(CaseDetailSerializer(case).data)

    def retrieve(self, request, number=None):
        return self._detail(self.get_object())

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseDetailSerializer, 400: OpenApiTypes.OBJECT,
                                                            403: ErrorSerializer, 429: ErrorSerializer})
    def create(self, request):
        """Raise a case as the authenticated person (channel app), or on an enterprise's behalf."""
        data = self._input(CaseCreateSerializer)
        floor = Floor.objects.select_related("building").filter(code=data["floor"].strip().upper()).first()
        if floor is None:
            raise exceptions.ValidationError({"floor": [_("No floor has this code.")]})
        category = Category.objects.filter(code=data["category"], is_active=True).first()
        if category is None:
            raise exceptions.ValidationError({"category": [_("No active category has this code.")]})
        enterprise = None
        if data.get("enterprise") is not None:
            enterprise = Enterprise.objects.filter(pk=data["enterprise"]).first()
            if enterprise is None:
                raise exceptions.ValidationError({"enterprise": [_("No enterprise has this id.")]})
        # The same rules as /cases/new/: who raises on which floor for whom, and how often.
        enterprise = permissions.check_raise(request.user, floor, channel=data["channel"], enterprise=enterprise)
        wait = ratelimit.is_limited(request._request, ratelimit.RAISE, person=request.user)
        if wait:
            raise exceptions.Throttled(wait)
        visitor = None
        if data["contact_name"] or data["contact_phone"]:
            visitor = case_services.Visitor(name=data["contact_name"], phone=data["contact_phone"])
        raised = case_services.raise_case(
            actor=request.user, floor=floor, category=category, description=data["description"],
            channel=data["channel"], enterprise=enterprise, visitor=visitor,
        )
        ratelimit.count(request._request, ratelimit.RAISE, person=request.user)
        response = self._detail(raised.case)
        response.status_code = status.HTTP_201_CREATED
        return response

    # -- the steps

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _handler(self, handler_id) -> Handler | None:
        if handler_id is None:
            return None
        handler = Handler.objects.filter(pk=handler_id).first()
        if handler is None:
            raise exceptions.ValidationError({"handler": [_("No handler has this id.")]})
        return handler

    @_step(TextSerializer, _("The floor leader answers on the spot (→ closed)."))
    @action(detail=True, methods=["post"])
    def answer(self, request, number=None):
        case = self.get_object()
        text = self._input(TextSerializer)["text"]
        return self._detail(case_services.answer(actor=request.user, case=case, text=text))

    @_step(NoteSerializer, _("The floor leader passes the case to the committee (→ referred)."))
    @action(detail=True, methods=["post"])
    def pass_on(self, request, number=None):
        case = self.get_object()
        note = self._input(NoteSerializer)["note"]
        return self._detail(case_services.pass_on(actor=request.user, case=case, note=note))

    @_step(AcceptSerializer, _("The committee accepts the case (→ accepted, or dispatched with a handler)."))
    @action(detail=True, methods=["post"])
    def accept(self, request, number=None):
        case = self.get_object()
        data = self._input(AcceptSerializer)
        return self._detail(case_services.accept(actor=request.user, case=case, urgency=data["urgency"] or None,
                                                 handler=self._handler(data["handler"]), note=data["note"]))

    @_step(DeclineSerializer, _("The committee declines the case with a public reason (→ declined)."))
    @action(detail=True, methods=["post"])
    def decline(self, request, number=None):
        case = self.get_object()
        data = self._input(DeclineSerializer)
        return self._detail(case_services.decline(actor=request.user, case=case, reason=data["reason"],
                                                  text=data["text"]))

    @_step(MergeSerializer, _("A duplicate is merged into the original case (→ merged)."))
    @action(detail=True, methods=["post"])
    def merge(self, request, number=None):
        case = self.get_object()
        data = self._input(MergeSerializer)
        into = self.get_queryset().filter(number=data["into"].strip()).first()
        if into is None:
            raise exceptions.ValidationError({"into": [_("No case you may see has this number.")]})
        return self._detail(case_services.merge(actor=request.user, case=case, into=into, text=data["text"]))

    @_step(DispatchSerializer, _("The committee dispatches the case to a handler (→ dispatched)."))
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_case(self, request, number=None):  # not "dispatch": that is the view's own entry point
        case = self.get_object()
        data = self._input(DispatchSerializer)
        return self._detail(case_services.dispatch(actor=request.user, case=case,
                                                   handler=self._handler(data["handler"]), note=data["note"]))

    @_step(ReassignSerializer, _("The committee gives the case to another handler, with the reason."))
    @action(detail=True, methods=["post"])
    def reassign(self, request, number=None):
        case = self.get_object()
        data = self._input(ReassignSerializer)
        return self._detail(case_services.reassign(actor=request.user, case=case,
                                                   handler=self._handler(data["handler"]), reason=data["reason"]))

    @_step(TextSerializer, _("The handler reports back (→ replied)."))
    @action(detail=True, methods=["post"])
    def reply(self, request, number=None):
        case = self.get_object()
        text = self._input(TextSerializer)["text"]
        return self._detail(case_services.reply(actor=request.user, case=case, text=text))

    @_step(ReasonSerializer, _("Verification failed: the reply goes back to the handler (→ dispatched)."))
    @action(detail=True, methods=["post"])
    def return_reply(self, request, number=None):
        case = self.get_object()
        return self._detail(case_services.return_reply(actor=request.user, case=case,
                                                       reason=self._input(ReasonSerializer)["reason"]))

    @_step(OptionalTextSerializer, _("The committee verifies and closes the case (→ closed)."))
    @action(detail=True, methods=["post"])
    def close(self, request, number=None):
        case = self.get_object()
        return self._detail(case_services.close(actor=request.user, case=case,
                                                text=self._input(OptionalTextSerializer)["text"]))

    @_step(RateSerializer, _("The submitter rates the closed case; dissatisfied reopens it."))
    @action(detail=True, methods=["post"])
    def rate(self, request, number=None):
        case = self.get_object()
        data = self._input(RateSerializer)
        return self._detail(case_services.rate(actor=request.user, case=case, rating=data["rating"],
                                               comment=data["comment"]))

    @_step(FollowUpSerializer, _("Staff record the follow-up call (回访) and the rating it gave."))
    @action(detail=True, methods=["post"])
    def follow_up(self, request, number=None):
        case = self.get_object()
        data = self._input(FollowUpSerializer)
        return self._detail(case_services.record_follow_up(actor=request.user, case=case, reached=data["reached"],
                                                           rating=data["rating"], comment=data["comment"]))

    @_step(ReasonSerializer, _("The committee reopens a closed case, with the reason."))
    @action(detail=True, methods=["post"])
    def reopen(self, request, number=None):
        case = self.get_object()
        return self._detail(case_services.reopen(actor=request.user, case=case,
                                                 reason=self._input(ReasonSerializer)["reason"]))

    @extend_schema(summary=_("A public reply or an internal note on the timeline."), request=CaseNoteSerializer,
                   responses={201: EventSerializer, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer,
                              404: ErrorSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, number=None):
        case = self.get_object()
        data = self._input(CaseNoteSerializer)
        event = case_services.add_note(actor=request.user, case=case, text=data["text"], public=data["public"])
        event = CaseEvent.objects.select_related("actor").get(pk=event.pk)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The active categories (a parent groups sub-categories), in their configured order."""

    serializer_class = CategorySerializer
    lookup_field = "code"
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        return Category.objects.filter(is_active=True).select_related("parent").order_by("position", "code")


class HandlerFilter(FilterSet):
    building = django_filters.CharFilter(method="filter_building",
                                         label=_("Building code: its handlers and its district's"))

    def filter_building(self, queryset, name, value):
        code = value.strip().upper()
        return queryset.filter(Q(building__code=code) | Q(party_committee__buildings__code=code))


class HandlerViewSet(viewsets.ReadOnlyModelViewSet):
    """Handlers of the buildings and districts whose cases the person sees, and their own handlers."""

    serializer_class = HandlerSerializer
    filterset_class = HandlerFilter
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        user = self.request.user
        queryset = Handler.objects.select_related("building", "party_committee")
        scope = access.scope(user, Action.CASE_VIEW)
        if scope.everything:
            return queryset.order_by("name", "id")
        buildings = access.buildings(user, Action.CASE_VIEW)
        q = (Q(building__in=buildings) | Q(party_committee_id__in=scope.party_committees)
             | Q(party_committee__in=buildings.values("party_committee_id"))
             | Q(pk__in=list(permissions.handler_ids(user))))
        return queryset.filter(q).order_by("name", "id")

