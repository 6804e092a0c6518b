"""Lookups the kernel adds to Django's (registered when the kernel app is ready).

``field__in=[…]`` on an integer column (ids included) leaves out the values no such column can hold,
as Django's own ``exact``, ``gt`` and ``lt`` do (``IntegerFieldOverflow``): they cannot match any row.
Without it a form's list of ids holding one 30-digit number (a ``ModelMultipleChoiceField``, the
notices' audience) makes SQLite raise ``OverflowError``, a 500, before the form can say "not a choice".
"""

from __future__ import annotations

from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [
                value for value in self.rhs
                if not isinstance(value, int) or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


def register() -> None:
    IntegerField.register_lookup(IntegerIn)
