"""Lock-out of Open311 API keys: failed keys (unknown or revoked) are counted per client address
(``LOUWEI_LOGIN_RATE``, 10 a minute, as on the login page); after the limit even a valid key from that
address gets a 429 with Retry-After and the standard's error body until the lock-out has passed, and
the lock-out is written once in the audit trail."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from louwei.cases.models import Case
from louwei.core.models import AuditEvent

from .conftest import BASE, json_errors, xml_errors

WRONG = "not-a-key-we-ever-issued"


def search(client, secret, address="10.0.0.7", fmt="json", **extra):
    return client.get(f"{BASE}/requests.{fmt}", {"api_key": secret}, REMOTE_ADDR=address, **extra)


def file(client, secret, address="10.0.0.7", fmt="json"):
    return client.post(f"{BASE}/requests.{fmt}", {
        "api_key": secret, "service_code": "repairs", "address_id": "XCFZ-B-02", "description": "水龙头漏水",
    }, REMOTE_ADDR=address)


@freeze_time("2026-11-29 10:00:00")
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_ten_failed_keys_lock_the_address_out_even_for_a_valid_key(client, secrets, fmt):
    for n in range(10):
        assert search(client, WRONG if n % 2 else secrets["revoked"], fmt=fmt).status_code == 403, n
    for response in (search(client, secrets["east"], fmt=fmt), file(client, secrets["east"], fmt=fmt)):
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 60
        errors = json_errors(response) if fmt == "json" else xml_errors(response)
        assert errors == [(429, "Too many invalid api_key attempts from this address. Try again in 1 minute.")]
    assert not Case.objects.exists()
    # Another address is not affected.
    assert search(client, secrets["east"], address="10.0.0.8", fmt=fmt).status_code == 200
    assert file(client, secrets["east"], address="10.0.0.8", fmt=fmt).status_code == 200


@freeze_time("2026-11-29 10:00:00")
def test_failed_keys_on_posts_count_too(client, secrets):
    for _ in range(10):
        assert file(client, WRONG).status_code == 403
    assert file(client, secrets["east"]).status_code == 429


@freeze_time("2026-11-29 10:00:00")
def test_a_lock_out_is_written_once_in_the_audit_trail(client, secrets):
    for _ in range(10):
        search(client, WRONG)
    for _ in range(5):
        assert search(client, secrets["east"]).status_code == 429
        assert file(client, WRONG).status_code == 429
    event = AuditEvent.objects.get(verb="signin.locked_out")
    assert event.actor is None
    assert event.details == {"way": "open311_key", "by": "address", "value": "10.0.0.7", "seconds": 60}


@freeze_time("2026-11-29 10:00:00")
def test_valid_keys_and_endpoints_without_a_key_do_not_count(client, secrets):
    for _ in range(15):
        assert search(client, secrets["east"]).status_code == 200
        assert client.get(f"{BASE}/services.json", REMOTE_ADDR="10.0.0.7").status_code == 200
        assert search(client, "").status_code == 403  # no key at all: not a guess
    assert search(client, secrets["east"]).status_code == 200
    assert not AuditEvent.objects.filter(verb="signin.locked_out").exists()


@freeze_time("2026-11-29 10:00:00")
def test_a_locked_out_address_still_reads_what_needs_no_key(client, secrets):
    for _ in range(10):
        search(client, WRONG)
    assert client.get(f"{BASE}/services.json", REMOTE_ADDR="10.0.0.7").status_code == 200
    assert client.get(f"{BASE}/discovery.xml", REMOTE_ADDR="10.0.0.7").status_code == 200


def test_the_lock_out_lifts_after_its_minute(client, secrets):
    with freeze_time("2026-11-29 10:00:00") as frozen:
        for _ in range(10):
            search(client, WRONG)
        assert search(client, secrets["east"]).status_code == 429
        frozen.tick(61)
        assert search(client, secrets["east"]).status_code == 200


@freeze_time("2026-11-29 10:00:00")
def test_behind_nginx_the_address_is_x_real_ip(client, secrets, settings):
    settings.RATELIMIT_IP_META_KEY = "louwei.accounts.ratelimit.real_ip"
    for _ in range(10):
        search(client, WRONG, address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.5")
    assert search(client, secrets["east"], address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.5").status_code == 429
    assert search(client, secrets["east"], address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.6").status_code == 200
