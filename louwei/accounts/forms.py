from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from louwei.core.forms import FormRenderer

from .models import User


class LoginForm(AuthenticationForm):
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
