from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from louwei.core.validators import normalise_phone


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with either the username or the mobile phone number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        login = username.strip()
        phone = normalise_phone(login)
        try:
            user = User.objects.get(Q(username=login) | Q(phone=phone))
        except (User.DoesNotExist, User.MultipleObjectsReturned):
            User().set_password(password)  # equalise timing with a real check
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
