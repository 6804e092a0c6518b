from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm as DjangoPasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from louwei.core.forms import FormRenderer
from louwei.core.text import normalise
from louwei.core.validators import normalise_phone, validate_mobile

from . import ratelimit
from .models import User
from .queries import find_person


class LockOutCheck:
    """A password login form that refuses, before it checks any password, while the client's address
    or the login name is locked out (``ratelimit``); ``locked_for`` is then the wait in seconds.
    Failed attempts are counted by ``ratelimit``'s ``user_login_failed`` receiver."""

    locked_for = 0

    def clean(self):
        self.locked_for = ratelimit.locked(self.request, ratelimit.PASSWORD, name=self.data.get("username", ""))
        if self.locked_for:
            raise ValidationError(ratelimit.locked_message(self.locked_for), code="locked_out")
        return super().clean()


class LoginForm(LockOutCheck, AuthenticationForm):
    """Log in with the username or the mobile number (see ``backends.UsernameOrPhoneBackend``)."""

    default_renderer = FormRenderer

    username = forms.CharField(
        label=_("Username or mobile number"),
        max_length=64,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none",
                                      "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _("The username, mobile number or password is not right. Please try again."),
        "inactive": _("This account has been switched off. Ask your building committee."),
    }


class AdminLoginForm(LockOutCheck, AdminAuthenticationForm):
    """The Django admin's login form, under the same lock-out as the login page."""


class ProfileForm(forms.Form):
    """What a person may change about themself. A plain form: the service applies the changes."""

    default_renderer = FormRenderer

    name = User._meta.get_field("name").formfield(
        required=True, help_text=_("Your full name as colleagues know it, e.g. 王建国."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = User._meta.get_field("email").formfield(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Same as the browser")), *settings.LANGUAGES],
        help_text=_("The language of the pages after you log in."),
    )


class PasswordChangeForm(DjangoPasswordChangeForm):
    default_renderer = FormRenderer

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The profile page opens on the person's details, not halfway down in the password box.
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


class PersonFields(forms.Form):
    """Someone Louwei knows (by username or mobile number), or a new person by name and mobile number:
    the fields and checks of every page that puts a person in a place (a floor leader, a handler's staff).
    After validation ``person_obj`` is the person found, or None when a new one is to be created."""

    default_renderer = FormRenderer

    person = forms.CharField(
        label=_("Existing person: mobile number or username"), required=False, max_length=64,
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
    )
    new_name = forms.CharField(label=_("Or a new person: name"), required=False, max_length=64)
    new_phone = forms.CharField(
        label=_("New person's mobile number"), required=False, max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.person_obj = None

    def clean_person(self):
        login = normalise(self.cleaned_data.get("person"))
        if not login:
            return ""
        self.person_obj = find_person(login)
        if self.person_obj is None:
            raise forms.ValidationError(
                _("No one with this mobile number or username; enter a new person's name and mobile number below.")
            )
        return login

    def clean_new_phone(self):
        value = normalise_phone(self.cleaned_data.get("new_phone"))
        if value:
            validate_mobile(value)
        return value

    def clean(self):
        data = super().clean()
        has_person = bool(data.get("person"))
        has_new = bool(normalise(data.get("new_name")) or data.get("new_phone"))
        if not has_person and not has_new and "person" not in self.errors:
            raise forms.ValidationError(_("Pick an existing person or enter a new person's name and mobile number."))
        if has_person and has_new:
            raise forms.ValidationError(_("Pick an existing person or enter a new one, not both."))
        if has_new and not (normalise(data.get("new_name")) and data.get("new_phone")):
            raise forms.ValidationError(_("A new person needs both a name and a mobile number."))
        return data
