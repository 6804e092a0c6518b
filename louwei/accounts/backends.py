from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from louwei.core.validators import normalise_phone


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with either the username or the mobile phone number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        login = username.strip()
        # The username first: a person whose username is someone else's mobile number still logs in.
        user = User.objects.filter(username=login).first()
        if user is None:
            user = User.objects.filter(phone=normalise_phone(login)).first()
        if user is None:
            User().set_password(password)  # equalise timing with a real check
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
