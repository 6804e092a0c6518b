"""Lock-out of API bearer tokens: failed token attempts are counted per client address
(``LOUWEI_LOGIN_RATE``, 10 a minute, as on the login page); after the limit even a valid token from
that address gets a 429 with Retry-After in DRF's error format until the lock-out has passed, and
the lock-out is written once in the audit trail."""

from __future__ import annotations

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from louwei.access import SYSTEM
from louwei.api.services import create_token
from louwei.core.models import AuditEvent

URL = "/api/v1/buildings/"
BAD = "Bearer not-a-real-token-at-all-xxxxxxxxxxxxxxxxxxxxx"


def get(header: str, address: str = "10.0.0.7", **extra):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client.get(URL, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en", **extra)


@pytest.fixture
def valid(people):
    return "Bearer " + create_token(actor=SYSTEM, user=people["secretary_a"]).secret


@freeze_time("2026-11-29 10:00:00")
def test_ten_failed_tokens_lock_the_address_out_even_for_a_valid_token(valid):
    for n in range(10):
        assert get(BAD).status_code == 401, n
    response = get(valid)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["detail"].startswith("Too many failed API token attempts from this address.")
    # Another address is not affected.
    response = get(valid, address="10.0.0.8")
    assert response.status_code == 200
    assert [b["code"] for b in response.json()["results"]] == ["TB-A"]


@freeze_time("2026-11-29 10:00:00")
@pytest.mark.parametrize("header", ["Bearer short", "Bearer two parts", BAD])
def test_every_kind_of_bad_token_counts(valid, header):
    for _ in range(10):
        assert get(header).status_code == 401
    assert get(valid).status_code == 429


@freeze_time("2026-11-29 10:00:00")
def test_a_lock_out_is_written_once_in_the_audit_trail(valid):
    for _ in range(10):
        get(BAD)
    for _ in range(5):
        assert get(valid).status_code == 429
        assert get(BAD).status_code == 429
    event = AuditEvent.objects.get(verb="signin.locked_out")
    assert event.actor is None
    assert event.details == {"way": "api_token", "by": "address", "value": "10.0.0.7", "seconds": 60}


@freeze_time("2026-11-29 10:00:00")
def test_valid_tokens_and_requests_without_a_token_do_not_count(valid, site):
    for _ in range(15):
        assert get(valid).status_code == 200
        assert APIClient().get(URL, REMOTE_ADDR="10.0.0.7").status_code == 401
    assert get(valid).status_code == 200
    assert not AuditEvent.objects.filter(verb="signin.locked_out").exists()


def test_the_lock_out_lifts_after_its_minute(valid):
    with freeze_time("2026-11-29 10:00:00") as frozen:
        for _ in range(10):
            get(BAD)
        assert get(valid).status_code == 429
        frozen.tick(61)
        assert get(valid).status_code == 200


@freeze_time("2026-11-29 10:00:00")
def test_behind_nginx_the_address_is_x_real_ip(valid, settings):
    settings.RATELIMIT_IP_META_KEY = "louwei.accounts.ratelimit.real_ip"
    for _ in range(10):
        get(BAD, address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.5")
    assert get(valid, address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.5").status_code == 429
    assert get(valid, address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.6").status_code == 200


@freeze_time("2026-11-29 10:00:00")
def test_failed_tokens_do_not_lock_the_address_out_of_the_login_page(client, valid, people):
    """Each way in has its own count: a client system with a stale token does not lock its office out."""
    for _ in range(10):
        get(BAD)
    response = client.post("/login/", {"username": "secretary_a", "password": "test-pass-123"}, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302
