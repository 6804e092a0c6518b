"""The form renderer: `{{ form }}` and `{{ form.field.as_field_group }}` give the design system's
`.field` markup (label, help, errors, widget), so every page's forms look and behave the same; and the
fields every form uses for dates and searches (:class:`DateField`, :data:`SEARCH_MAX_LENGTH`).

Enable it for the whole project with ``FORM_RENDERER = "louwei.core.forms.FormRenderer"``;
a form can also name it itself with ``default_renderer = FormRenderer``.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext_lazy


class FormRenderer(DjangoTemplates):
    """Django's own template renderer (widgets from django/forms) with Louwei's form and field templates."""

    form_template_name = "louwei/forms/form.html"
    field_template_name = "louwei/forms/field.html"


def apply_validation_error(form, error, fields: dict[str, str] | None = None) -> None:
    """Put a service's ``ValidationError`` on ``form``: on the form's own field where it has one
    (``fields`` maps a service's field name to the form's, where they differ), else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            field = (fields or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# -------------------------------------------------------------------------------------------------
# Fields every form of the project uses for what people type.

#: The longest search text a search box takes (a person types a few words; SQLite refuses a LIKE
#: pattern of 50,000 bytes, and a long text costs word segmentation for nothing).
SEARCH_MAX_LENGTH = 100
#: The dates a person may mean. Year 1 or 9999 is a typing mistake or a probe, and one day more or
#: less than them, or their time in another zone, is outside what Python and the databases can hold.
MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2199, 12, 31)


class DateField(forms.DateField):
    """A date from :data:`MIN_DATE` to :data:`MAX_DATE`, with a translated error outside them. Every
    date field of a form is one of these (``Meta.field_classes`` for a model form's dates)."""

    default_error_messages = {
        "out_of_range": gettext_lazy("Enter a date from %(min)s to %(max)s."),
    }

    def validate(self, value):
        super().validate(value)
        if value and not MIN_DATE <= value <= MAX_DATE:
            raise ValidationError(
                self.error_messages["out_of_range"], code="out_of_range",
                params={"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()},
            )
