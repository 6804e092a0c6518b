"""The forms of the case page's actions, one per action of ``permissions.allowed_actions``.

Each form parses input only; ``service`` names the function of ``services`` it feeds and
``arguments()`` the keyword arguments (besides ``actor`` and ``case``). The services decide what
is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from louwei.core.forms import FormRenderer

from ..models import Case, DeclineReason, Handler, Rating, Urgency

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"
MAX_PHOTOS = 6


class Form(forms.Form):
    default_renderer = FormRenderer()  # one instance: its template engine is built once
    service = ""
    title = ""
    submit = _("Save")
    button_class = "btn-primary"

    def __init__(self, *args, case: Case, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)

    def arguments(self) -> dict:
        return dict(self.cleaned_data)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to six photos; the service checks each is an image of allowed size."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos"))
        kwargs.setdefault("help_text", _("Up to six photos: JPEG, PNG or WebP."))
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": PHOTO_ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("Send at most six photos."), code="too_many_photos")
        return [super(PhotosField, self).clean(f, initial) for f in files]


def text_field(label, *, required=True, help_text="", max_length=2000, rows=4):
    return forms.CharField(
        label=label, required=required, max_length=max_length, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class HandlerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.get_kind_display()}"


# ----------------------------------------------------------------------------------------------
# The floor leader


class AnswerForm(Form):
    service = "answer"
    title = _("Answer on the spot")
    submit = _("Send the answer and close")
    text = text_field(_("Your answer"), help_text=_("The submitter sees it and is asked to rate it."))
    photos = PhotosField()


class PassOnForm(Form):
    service = "pass_on"
    title = _("Pass on to the committee")
    submit = _("Pass on")
    note = text_field(_("Note for the committee"), required=False, rows=2)


# ----------------------------------------------------------------------------------------------
# The committee


class AcceptForm(Form):
    service = "accept"
    title = _("Accept (立案)")
    submit = _("Accept")
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices,
                                help_text=_("A new urgency recomputes the deadlines."))
    handler = HandlerChoiceField(
        label=_("Dispatch at once to"), queryset=Handler.objects.none(), required=False,
        empty_label=_("— later —"),
    )
    note = text_field(_("Note"), required=False, rows=2)

    def __init__(self, *args, handlers=None, suggested=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["urgency"].initial = self.case.urgency
        self.fields["handler"].queryset = handlers if handlers is not None else Handler.objects.none()
        if suggested is not None:
            self.fields["handler"].initial = suggested.pk

    def arguments(self):
        data = dict(self.cleaned_data)
        if data["urgency"] == self.case.urgency:
            data["urgency"] = None
        return data


class DeclineForm(Form):
    service = "decline"
    title = _("Decline")
    submit = _("Decline")
    button_class = "btn-danger"
    reason = forms.ChoiceField(
        label=_("Reason"), widget=forms.RadioSelect,
        choices=[(DeclineReason.OUT_OF_SCOPE, DeclineReason.OUT_OF_SCOPE.label),
                 (DeclineReason.INSUFFICIENT, DeclineReason.INSUFFICIENT.label)],
        help_text=_("A duplicate is merged into the original instead."),
    )
    text = text_field(_("Explanation for the submitter"), rows=3)


class MergeForm(Form):
    service = "merge"
    title = _("Merge into the original (duplicate)")
    submit = _("Merge")
    button_class = "btn-secondary"
    into = forms.CharField(
        label=_("Tracking number of the original"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "20261129-0001"}),
    )
    text = text_field(_("Note for the submitter"), required=False, rows=2)

    def clean_into(self):
        number = "".join((self.cleaned_data.get("into") or "").split())
        original = Case.objects.filter(number=number, building_id=self.case.building_id).first()
        if original is None:
            raise forms.ValidationError(_("No case of this building has this tracking number."), code="no_such_case")
        if original.pk == self.case.pk:
            raise forms.ValidationError(_("A case cannot be merged into itself."), code="merge_self")
        return original


class DispatchForm(Form):
    service = "dispatch"
    title = _("Dispatch to a handler")
    submit = _("Dispatch")
    handler = HandlerChoiceField(label=_("Handler"), queryset=Handler.objects.none(), empty_label=None)
    note = text_field(_("Instructions for the handler"), required=False, rows=2)

    def __init__(self, *args, handlers=None, suggested=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers if handlers is not None else Handler.objects.none()
        if suggested is not None:
            self.fields["handler"].initial = suggested.pk


class ReassignForm(DispatchForm):
    service = "reassign"
    title = _("Reassign to another handler")
    submit = _("Reassign")
    button_class = "btn-secondary"
    reason = text_field(_("Why"), rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["note"]
        self.fields["handler"].queryset = self.fields["handler"].queryset.exclude(pk=self.case.handler_id)
        self.fields["handler"].initial = None


class ReturnForm(Form):
    service = "return_reply"
    title = _("Return to the handler")
    submit = _("Return")
    button_class = "btn-secondary"
    reason = text_field(_("What is still missing"), rows=2)


class CloseForm(Form):
    service = "close"
    title = _("Verify and close (核查结案)")
    submit = _("Verify and close")
    text = text_field(_("Closing note for the submitter"), required=False, rows=2)


# ----------------------------------------------------------------------------------------------
# The handler


class ReplyForm(Form):
    service = "reply"
    title = _("Reply: what was done")
    submit = _("Send the reply")
    text = text_field(_("What was done"), help_text=_("The committee verifies it; the submitter sees it."))
    photos = PhotosField()


# ----------------------------------------------------------------------------------------------
# Rating and the follow-up call


class RateForm(Form):
    service = "rate"
    title = _("Rate how it was handled")
    submit = _("Send the rating")
    rating = forms.ChoiceField(label=_("Rating"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500,
                              help_text=_("Needed when dissatisfied: the case reopens with it."),
                              widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("rating") == Rating.DISSATISFIED and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what is still wrong: the case reopens with it."))
        return data


REACHED_CHOICES = [("yes", _("Reached: they answered")), ("no", _("Not reached"))]


class FollowUpForm(Form):
    service = "record_follow_up"
    title = _("Record the follow-up call (回访)")
    submit = pgettext_lazy("follow-up button", "Record")
    reached = forms.ChoiceField(label=_("Call"), choices=REACHED_CHOICES, widget=forms.RadioSelect)
    rating = forms.ChoiceField(
        label=_("Their rating"), choices=[("", _("— not reached —")), *Rating.choices], required=False,
    )
    comment = forms.CharField(label=_("What they said"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        reached = data.get("reached") == "yes"
        if reached and not data.get("rating"):
            self.add_error("rating", _("Record the rating they gave."))
        if reached and data.get("rating") == Rating.DISSATISFIED and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what is still wrong: the case reopens with it."))
        return data

    def arguments(self):
        data = self.cleaned_data
        reached = data["reached"] == "yes"
        return {"reached": reached, "rating": data["rating"] if reached else "", "comment": data.get("comment", "")}


class ReopenForm(Form):
    service = "reopen"
    title = _("Reopen")
    submit = _("Reopen")
    button_class = "btn-secondary"
    reason = text_field(_("Why the case reopens"), rows=2, help_text=_("Shown on the timeline."))


# ----------------------------------------------------------------------------------------------
# Notes


class NoteForm(Form):
    service = "add_note"
    title = _("Internal note")
    submit = pgettext_lazy("case note", "Add the note")
    button_class = "btn-secondary"
    public = False
    text = text_field(_("Internal note"), help_text=_("Only staff and handlers see it."), rows=2)

    def arguments(self):
        return {"text": self.cleaned_data["text"], "public": self.public}


class PublicNoteForm(NoteForm):
    title = _("Public reply")
    submit = _("Send the reply")
    button_class = "btn-secondary"
    public = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Public reply")
        self.fields["text"].help_text = _("The submitter sees it on the timeline.")


# Every action of the case page, in the order the buttons show.
ACTION_FORMS: dict[str, type[Form]] = {
    "answer": AnswerForm,
    "pass_on": PassOnForm,
    "accept": AcceptForm,
    "dispatch": DispatchForm,
    "reply": ReplyForm,
    "close": CloseForm,
    "return_reply": ReturnForm,
    "reassign": ReassignForm,
    "decline": DeclineForm,
    "merge": MergeForm,
    "rate": RateForm,
    "follow_up": FollowUpForm,
    "reopen": ReopenForm,
    "public_note": PublicNoteForm,
    "note": NoteForm,
}
HANDLER_FORMS = ("accept", "dispatch", "reassign")
