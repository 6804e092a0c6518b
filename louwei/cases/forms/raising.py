"""Forms for raising a case: a visitor from the floor QR code, and a signed-in person (for their own
enterprise, or on an enterprise's behalf with a channel)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from louwei.buildings.models import Enterprise
from louwei.core.validators import normalise_phone, validate_phone

from ..models import ON_BEHALF_CHANNELS, Category, Channel

MAX_PHOTOS = 3
DESCRIPTION_MAX = 2000


def category_choices() -> tuple[list, dict[str, Category]]:
    """The active leaf categories in the current language, those with a parent grouped under it
    (one query). Returns the choices and the categories by their id (as a string)."""
    active = list(Category.objects.filter(is_active=True).order_by("position", "code"))
    active_ids = {c.pk for c in active}
    parents = {c.parent_id for c in active if c.parent_id}
    children: dict[int, list] = {}
    by_id: dict[str, Category] = {}
    for c in active:
        if c.pk in parents or (c.parent_id and c.parent_id not in active_ids):
            continue  # a group heading, or under a switched-off parent
        by_id[str(c.pk)] = c
        if c.parent_id:
            children.setdefault(c.parent_id, []).append((str(c.pk), c.label))
    choices: list = [("", _("Choose…"))]
    for c in active:
        if c.parent_id:
            continue
        if c.pk in parents:
            choices.append((c.label, children.get(c.pk, [])))
        else:
            choices.append((str(c.pk), c.label))
    return choices, by_id


class CategoryField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(label=_("What is it about?"), **kwargs)
        self.categories: dict[str, Category] = {}

    def load(self):
        self.choices, self.categories = category_choices()

    def clean(self, value):
        value = super().clean(value)
        return self.categories[value]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to :data:`MAX_PHOTOS` photos; the checks of each image are the service's (``cases.photos``)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", pgettext_lazy("case", "Photos"))
        kwargs.setdefault("help_text", _("Up to 3 photos. Take them now or choose from your album."))
        super().__init__(**kwargs)
        # No ``capture``: it would force the camera on Android; without it phones offer camera and album.
        self.widget.attrs.update({"accept": "image/*"})

    def clean(self, data, initial=None):
        files = [f for f in (data or []) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("Attach at most %(count)d photos."), code="too_many_photos", params={"count": MAX_PHOTOS}
            )
        return [super(PhotosField, self).clean(f, initial) for f in files]


class _CaseFields(forms.Form):
    category = CategoryField()
    description = forms.CharField(
        label=_("What happened?"), max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": DESCRIPTION_MAX}),
        help_text=_("Where exactly, what you see, since when. Please do not write other people's personal details."),
    )
    photos = PhotosField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].load()

    def clean_description(self):
        text = self.cleaned_data["description"].strip()
        if len(text) < 5:
            raise forms.ValidationError(_("Please describe the matter in a few words."), code="too_short")
        return text


class VisitorCaseForm(_CaseFields):
    """A visitor's case from the floor page: no account, name and phone optional."""

    name = forms.CharField(label=_("Your name (optional)"), max_length=64, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(
        label=_("Your phone (optional)"), max_length=20, required=False, validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("Only the floor leader and the people handling your case see it, to call you back."),
    )
    # The honeypot: hidden from people (and screen readers), filled in by bots.
    website = forms.CharField(label=_("Leave this empty"), required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))

    field_order = ["category", "description", "photos", "name", "phone"]

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"]) if self.cleaned_data["phone"] else ""

    def is_spam(self) -> bool:
        return bool((self.data.get("website") or "").strip())


class RaiseForm(_CaseFields):
    """A signed-in person's case. ``enterprises``: whom it may be raised for (several: a choice);
    ``on_behalf``: raised by a floor leader, the committee or property staff, with its channel."""

    enterprise = forms.ModelChoiceField(label=_("For which enterprise"), queryset=Enterprise.objects.none(),
                                        empty_label=_("Choose…"))
    channel = forms.ChoiceField(label=pgettext_lazy("case", "How did it reach you?"), choices=())

    field_order = ["enterprise", "channel", "category", "description", "photos"]

    def __init__(self, *args, enterprises, on_behalf: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_behalf = on_behalf
        self.fields["enterprise"].queryset = enterprises
        if on_behalf:
            self.fields["channel"].choices = [(c.value, c.label) for c in ON_BEHALF_CHANNELS]
            self.fields["channel"].initial = Channel.VISIT
        else:
            del self.fields["channel"]
            self.fields["enterprise"].label = _("Your enterprise")

    def channel_value(self) -> str:
        return self.cleaned_data["channel"] if self.on_behalf else Channel.APP


class SupportForm(forms.Form):
    text = forms.CharField(label=_("Anything to add? (optional)"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
