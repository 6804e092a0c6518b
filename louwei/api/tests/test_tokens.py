"""Tokens: made by the command, shown once, kept hashed; what is refused and with which status."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from louwei.access import SYSTEM
from louwei.api.models import ApiToken
from louwei.api.services import create_token, revoke_token
from louwei.core.tokens import hash_secret
from louwei.core.models import AuditEvent
from louwei.testing.factories import UserFactory

URL = "/api/v1/buildings/"


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def run_command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def test_command_prints_a_token_that_authenticates(people):
    secret, message = run_command("secretary_a", "--name", "dashboard")
    token = ApiToken.objects.get()
    assert token.user == people["secretary_a"] and token.name == "dashboard"
    assert token.prefix == secret[:8] and token.prefix in message
    assert len(secret) >= 40 and "\n" not in secret
    # Only the hash is stored: the secret is nowhere in the row.
    assert token.key_hash == hash_secret(secret) and secret not in str(vars(token))
    response = bearer(secret).get(URL)
    assert response.status_code == 200
    assert [b["code"] for b in response.json()["results"]] == ["TB-A"]
    event = AuditEvent.objects.get(verb="api_token.create")
    assert event.actor is None and event.details["user"] == "secretary_a"


def test_command_refuses_unknown_and_inactive_people(db):
    with pytest.raises(CommandError, match="No user is called ghost"):
        run_command("ghost")
    UserFactory(username="gone", is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        run_command("gone")
    assert not ApiToken.objects.exists()


def test_two_tokens_of_one_person_are_different(people):
    first, _ = run_command("secretary_a")
    second, _ = run_command("secretary_a", "--name", "second")
    assert first != second
    assert bearer(first).get(URL).status_code == 200
    assert bearer(second).get(URL).status_code == 200


def test_anonymous_gets_401_with_the_bearer_challenge(anon, site):
    response = anon.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-real-token-at-all-xxxxxxxxxxxxxxxxxxxxx",
        "Bearer short",
        "Bearer",
        "Bearer two parts",
        "bearer ",
    ],
)
def test_bad_tokens_get_401(people, header):
    create_token(actor=SYSTEM, user=people["secretary_a"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(URL).status_code == 401


def test_a_token_with_the_right_prefix_but_wrong_rest_is_refused(people):
    secret = create_token(actor=SYSTEM, user=people["secretary_a"]).secret
    forged = secret[:8] + ("A" if secret[8] != "A" else "B") + secret[9:]
    assert bearer(forged).get(URL).status_code == 401


def test_revoked_token_gets_401(people):
    issued = create_token(actor=SYSTEM, user=people["secretary_a"])
    client = bearer(issued.secret)
    assert client.get(URL).status_code == 200
    revoke_token(actor=people["secretary_a"], token=issued.token)
    assert client.get(URL).status_code == 401
    assert AuditEvent.objects.filter(verb="api_token.revoke", actor=people["secretary_a"]).exists()


def test_revoke_command(people):
    issued = create_token(actor=SYSTEM, user=people["secretary_a"])
    out = io.StringIO()
    call_command("revoke_api_token", "secretary_a", issued.token.prefix, stdout=out)
    assert issued.token.prefix in out.getvalue()
    assert bearer(issued.secret).get(URL).status_code == 401
    with pytest.raises(CommandError):
        call_command("revoke_api_token", "secretary_a", issued.token.prefix, stdout=io.StringIO())


def test_inactive_person_gets_401(people):
    user = people["secretary_a"]
    client = bearer(create_token(actor=SYSTEM, user=user).secret)
    user.is_active = False
    user.save()
    assert client.get(URL).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(people, django_assert_num_queries):
    issued = create_token(actor=SYSTEM, user=people["secretary_a"])
    client = bearer(issued.secret)
    assert client.get(URL).status_code == 200
    issued.token.refresh_from_db()
    first = issued.token.last_used_at
    assert first is not None and timezone.now() - first < datetime.timedelta(seconds=10)
    client.get(URL)
    issued.token.refresh_from_db()
    assert issued.token.last_used_at == first
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get(URL)
    issued.token.refresh_from_db()
    assert issued.token.last_used_at > first


def test_session_login_works_too(client, people):
    client.force_login(people["secretary_a"])
    response = client.get(URL, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    html = client.get(URL, HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and b"TB-A" in html.content


def test_session_writes_need_the_csrf_token(people, site):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people["superuser"])
    assert client.post(URL, {}, format="json").status_code == 403


def test_admin_lists_and_revokes_tokens(client, people):
    issued = create_token(actor=SYSTEM, user=people["secretary_a"], name="dashboard")
    client.force_login(people["superuser"])
    changelist = reverse("admin:api_apitoken_changelist")
    assert issued.token.prefix in client.get(changelist).content.decode()
    response = client.post(changelist, {"action": "revoke", "_selected_action": [issued.token.pk]})
    assert response.status_code == 302
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert client.get(reverse("admin:api_apitoken_add")).status_code == 403


def test_refusals_speak_chinese_by_default(people):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token-at-all-xxxxxxxxxxxxxxxxxxxxx")
    assert client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["detail"] == "API 令牌无效。"
    assert client.get(URL, HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == "Invalid API token."


def test_no_secret_starts_with_a_dash_that_a_command_line_would_take_for_an_option():
    from louwei.core.tokens import new_secret

    # One in 64 would without the rule: 2,000 secrets without one is a certainty only with it.
    assert not any(new_secret().startswith("-") for _ in range(2000))
