"""Forms of the notification pages. They parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from louwei.core.forms import FormRenderer

from . import events
from .models import Channel, DigestMode, WebhookEndpoint


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def choice_field_name(kind: str, channel: str) -> str:
    return f"{kind.replace('.', '__')}--{channel}"


class PreferencesForm(forms.Form):
    """One checkbox per event kind × personal channel, the quiet hours and the e-mail mode."""

    default_renderer = FormRenderer

    quiet_start = forms.TimeField(label=_("Quiet hours from"), required=False, widget=TimeInput())
    quiet_end = forms.TimeField(
        label=_("Quiet hours until"), required=False, widget=TimeInput(),
        help_text=_("No e-mail in these hours; it is sent when they end. May span midnight, e.g. 22:00 to 07:00."),
    )
    email_digest = forms.ChoiceField(
        label=_("How e-mail is sent"), choices=DigestMode.choices, widget=forms.RadioSelect,
        help_text=_("A daily digest collects the day's e-mail into one message at 08:00."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = []
        for kind in events.all_kinds():
            row = []
            for channel in events.PERSONAL_CHANNELS:
                name = choice_field_name(kind.kind, channel)
                self.fields[name] = forms.BooleanField(required=False, label=kind.label)
                row.append((channel, name))
            self.grid.append((kind, row))

    def grid_rows(self):
        """[(event kind, [(channel label, bound checkbox)])] for the template's table."""
        return [(kind, [(Channel(channel).label, self[name]) for channel, name in row]) for kind, row in self.grid]

    def choices(self) -> dict[tuple[str, str], bool]:
        return {
            (kind.kind, channel): self.cleaned_data[name]
            for kind, row in self.grid for channel, name in row
        }

    @staticmethod
    def initial_for(enabled: dict[tuple[str, str], bool], settings) -> dict:
        initial = {choice_field_name(kind, channel): on for (kind, channel), on in enabled.items()}
        initial.update(quiet_start=settings.quiet_start, quiet_end=settings.quiet_end,
                       email_digest=settings.email_digest)
        return initial


class EndpointForm(forms.ModelForm):
    default_renderer = FormRenderer

    url = forms.URLField(
        label=_("Webhook address"), max_length=500, assume_scheme="https",
        help_text=_("The robot's address from the group's settings (WeCom: 群机器人; DingTalk: 自定义机器人)."),
        widget=forms.URLInput(attrs={"placeholder": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"}),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "kind", "floor", "url", "secret", "active"]
        widgets = {
            "secret": forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, building, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["floor"].queryset = building.floors.order_by("number")
        self.fields["floor"].label_from_instance = lambda floor: floor.label
        if self.instance.pk and self.instance.secret:
            self.fields["secret"].help_text = _("A secret is set; leave empty to keep it.")
