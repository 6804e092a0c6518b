"""The form renderer: `{{ form }}` and `{{ form.field.as_field_group }}` give the design system's
`.field` markup (label, help, errors, widget), so every page's forms look and behave the same.

Enable it for the whole project with ``FORM_RENDERER = "louwei.core.forms.FormRenderer"``;
a form can also name it itself with ``default_renderer = FormRenderer``.
"""

from django.forms.renderers import DjangoTemplates


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
