"""Small query helpers shared by the apps' ``queries.py``."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


def count_of(queryset: QuerySet, group_field: str, count_field: str = "pk", *, distinct: bool = True):
    """A correlated ``COUNT`` of ``queryset`` rows whose ``group_field`` is the outer row's pk (0 when none).

    Annotate several of these on one queryset without multiplying rows, as joins would.
    """
    sub = (
        queryset.filter(**{group_field: OuterRef("pk")})
        .order_by()
        .values(group_field)
        .annotate(n=Count(count_field, distinct=distinct))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))
