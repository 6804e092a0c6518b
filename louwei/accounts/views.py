"""Logging in and out, and the person's own profile page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import queries, ratelimit, services
from .forms import LoginForm, PasswordChangeForm, ProfileForm


def _safe_next(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def remember_language(response, language: str) -> None:
    """Set Django's language cookie, as the set_language view does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = _safe_next(request)
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))

    if request.method == "POST":
        form = LoginForm(request, data=request.POST)
        if form.is_valid():
            user = form.get_user()
            login(request, user)
            response = redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
            if user.language:
                translation.activate(user.language)
                remember_language(response, user.language)
            return response
    else:
        form = LoginForm(request)
    response = render(request, "accounts/login.html", {"form": form, "next": next_url},
                      status=429 if form.locked_for else 200)
    return ratelimit.retry_after(response, form.locked_for)


@require_http_methods(["GET", "POST"])
def logout_view(request):
    """POST logs out. GET (a typed or old link) only asks, so a link can never log anyone out."""
    if request.method == "POST":
        logout(request)
        messages.success(request, _("You have logged out."))
        return redirect(settings.LOGOUT_REDIRECT_URL)
    if not request.user.is_authenticated:
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "accounts/logout.html")


@login_required
@sensitive_post_parameters("password-old_password", "password-new_password1", "password-new_password2")
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    profile_form = ProfileForm(
        prefix="profile", initial={"name": user.name, "email": user.email, "language": user.language}
    )
    password_form = PasswordChangeForm(user, prefix="password")

    if request.method == "POST" and request.POST.get("form") == "profile":
        profile_form = ProfileForm(request.POST, prefix="profile")
        if profile_form.is_valid():
            try:
                services.update_profile(actor=user, user=user, **profile_form.cleaned_data)
            except ValidationError as exc:
                profile_form.add_error(None, exc)
            else:
                language = profile_form.cleaned_data["language"]
                if language:
                    translation.activate(language)
                messages.success(request, _("Your details have been saved."))
                response = redirect("accounts:profile")
                if language:
                    remember_language(response, language)
                return response

    elif request.method == "POST" and request.POST.get("form") == "password":
        password_form = PasswordChangeForm(user, request.POST, prefix="password")
        if password_form.is_valid():
            try:
                new_password = password_form.cleaned_data["new_password1"]
                services.change_password(actor=user, user=user, new_password=new_password)
            except ValidationError as exc:
                password_form.add_error("new_password1", exc)
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password has been changed."))
                return redirect("accounts:profile")

    context = {
        "roles": queries.active_roles_with_scope(user),
        "profile_form": profile_form,
        "password_form": password_form,
    }
    return render(request, "accounts/profile.html", context)
