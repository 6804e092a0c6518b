"""API keys: the service (hashed, audited, per district), the staff page by role with its denials, the command."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from louwei.access import SYSTEM
from louwei.accounts.models import RoleKind
from louwei.core.tokens import hash_secret
from louwei.core.models import AuditEvent
from louwei.open311 import keys
from louwei.open311.models import ClientKey
from louwei.testing.factories import UserFactory, grant

KEYS = "/open311/keys/"


@pytest.fixture
def people(site):
    def user(username, kind=None, scope=None):
        u = UserFactory(username=username)
        if kind:
            grant(u, kind, scope)
        return u

    return {
        "superuser": UserFactory(username="root", is_superuser=True, is_staff=True),
        "district_east": user("district_east", RoleKind.DISTRICT_STAFF, site.east),
        "district_west": user("district_west", RoleKind.DISTRICT_STAFF, site.west),
        "secretary_a": user("secretary_a", RoleKind.COMMITTEE_SECRETARY, site.a),
        "leader": site.leader.user,
        "nobody": user("nobody"),
    }


# --- the service ----------------------------------------------------------------------------------


def test_issue_keeps_only_the_hash_and_audits(site, people):
    issued = keys.issue_key(actor=people["district_east"], name="  East   hotline ", party_committee=site.east)
    key = ClientKey.objects.get()
    assert key.name == "East hotline" and key.party_committee == site.east
    assert key.key_hash == hash_secret(issued.secret) and issued.secret not in (key.key_hash, key.prefix)
    assert issued.secret.startswith(key.prefix) and len(issued.secret) >= 40
    assert key.created_by == people["district_east"]
    assert keys.check(issued.secret) == key and keys.check(issued.secret + "x") is None
    event = AuditEvent.objects.get(verb="open311_key.issue")
    assert event.actor == people["district_east"] and issued.secret not in str(event.details)
    keys.revoke_key(actor=people["district_east"], key=key)
    assert keys.check(issued.secret) is None
    assert AuditEvent.objects.filter(verb="open311_key.revoke", target_id=str(key.pk)).exists()
    with pytest.raises(ValidationError):
        keys.revoke_key(actor=people["district_east"], key=key)


def test_issue_refuses_a_taken_or_empty_name(site):
    keys.issue_key(actor=SYSTEM, name="Hotline")
    with pytest.raises(ValidationError):
        keys.issue_key(actor=SYSTEM, name="hotline")
    with pytest.raises(ValidationError):
        keys.issue_key(actor=SYSTEM, name="  ")


def test_who_may_issue_and_revoke(site, people):
    with pytest.raises(PermissionDenied):  # district staff issue keys of their own district only
        keys.issue_key(actor=people["district_east"], name="X", party_committee=site.west)
    with pytest.raises(PermissionDenied):  # ... and never a key for every district
        keys.issue_key(actor=people["district_east"], name="X")
    with pytest.raises(PermissionDenied):  # a building's secretary configures the building, not keys
        keys.issue_key(actor=people["secretary_a"], name="X", party_committee=site.east)
    west = keys.issue_key(actor=people["superuser"], name="West", party_committee=site.west).key
    with pytest.raises(PermissionDenied):
        keys.revoke_key(actor=people["district_east"], key=west)
    assert keys.issue_key(actor=people["superuser"], name="Everywhere").key.party_committee is None


# --- the page -------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, site):
    response = client.get(KEYS)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["secretary_a", "leader", "nobody"])
def test_others_are_refused(client, people, who):
    client.force_login(people[who])
    assert client.get(KEYS).status_code == 403
    assert client.post(KEYS, {"name": "X"}).status_code == 403
    assert not ClientKey.objects.exists()


def test_district_staff_issue_a_key_of_their_district_shown_once(client, site, people):
    client.force_login(people["district_east"])
    response = client.get(KEYS)
    assert response.status_code == 200
    page = response.content.decode()
    assert site.east.name in page and site.west.name not in page
    response = client.post(KEYS, {"name": "东区12345热线", "district": site.west.pk})
    assert response.status_code == 200 and not ClientKey.objects.exists()  # not their district: form error
    response = client.post(KEYS, {"name": "东区12345热线", "district": ""})
    assert not ClientKey.objects.exists()  # a district is required of district staff
    response = client.post(KEYS, {"name": "东区12345热线", "district": site.east.pk})
    assert response.status_code == 200
    key = ClientKey.objects.get()
    secret = response.context["issued"].secret
    assert "no-store" in response["Cache-Control"]
    assert key.party_committee == site.east and key.key_hash == hash_secret(secret)
    assert secret in response.content.decode()
    # Shown once: the list afterwards shows the prefix only.
    page = client.get(KEYS).content.decode()
    assert "东区12345热线" in page and key.prefix in page and secret not in page


def test_district_staff_see_and_revoke_only_their_keys(client, site, people):
    east = keys.issue_key(actor=SYSTEM, name="East", party_committee=site.east).key
    west = keys.issue_key(actor=SYSTEM, name="West", party_committee=site.west).key
    everywhere = keys.issue_key(actor=SYSTEM, name="Everywhere").key
    client.force_login(people["district_east"])
    page = client.get(KEYS).content.decode()
    assert "East" in page and "West" not in page and "Everywhere" not in page
    assert client.post(f"/open311/keys/{west.pk}/revoke/").status_code == 404
    assert client.post(f"/open311/keys/{everywhere.pk}/revoke/").status_code == 404
    assert client.get(f"/open311/keys/{east.pk}/revoke/").status_code == 405
    response = client.post(f"/open311/keys/{east.pk}/revoke/")
    assert response.status_code == 302
    east.refresh_from_db()
    west.refresh_from_db()
    assert east.revoked_at is not None and west.revoked_at is None


def test_superuser_issues_a_key_for_every_district(client, site, people):
    client.force_login(people["superuser"])
    response = client.post(KEYS, {"name": "City platform", "district": ""})
    assert response.status_code == 200
    assert ClientKey.objects.get().party_committee is None
    assert site.west.name in response.content.decode()


def test_keys_page_query_count_is_fixed(client, site, people, django_assert_max_num_queries):
    client.force_login(people["superuser"])
    for n in range(3):
        keys.issue_key(actor=people["superuser"], name=f"k{n}", party_committee=site.east)
    with django_assert_max_num_queries(12) as small:
        client.get(KEYS)
    for n in range(30):
        keys.issue_key(actor=people["superuser"], name=f"more{n}", party_committee=site.west)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(KEYS)


# --- the command ----------------------------------------------------------------------------------


def test_command_prints_the_key_once_and_revokes(site):
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_key", "Hotline", "--district", "d-east", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    key = ClientKey.objects.get()
    assert keys.check(secret) == key and key.party_committee == site.east and key.created_by is None
    assert key.prefix in err.getvalue() and secret not in err.getvalue()
    call_command("open311_key", "hotline", "--revoke", stdout=io.StringIO())
    assert keys.check(secret) is None
    with pytest.raises(CommandError):
        call_command("open311_key", "hotline", "--revoke", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("open311_key", "Nobody", "--revoke", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("open311_key", "Other", "--district", "ATLANTIS", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("open311_key", "Hotline", stdout=io.StringIO(), stderr=io.StringIO())  # name taken


def test_command_key_for_every_district(site):
    out = io.StringIO()
    call_command("open311_key", "City platform", stdout=out, stderr=io.StringIO())
    assert keys.check(out.getvalue().strip()).party_committee is None
