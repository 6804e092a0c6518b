"""Lock-out on the two password ways in: the login page and the Django admin's login. They share one
count of failed attempts per client address and per login name (``LOUWEI_LOGIN_RATE``, 10 a minute):
after the limit even the right password is refused with a 429 until the lock-out has passed, and the
lock-out is written once in the audit trail. The API's tokens and Open311's keys have the same
mechanism (their own tests)."""

import pytest
from freezegun import freeze_time

from louwei.core.models import AuditEvent
from louwei.testing.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shell_urls")]

# (login URL, extra form data, a page that only a logged-in person of that way reaches)
WAYS = {
    "login page": ("/login/", {}, "/me/"),
    "admin": ("/admin/login/", {"next": "/admin/"}, "/admin/"),
}


@pytest.fixture(params=list(WAYS))
def way(request):
    return WAYS[request.param]


@pytest.fixture
def staff():
    return UserFactory(username="root", phone="13912345678", is_staff=True, is_superuser=True)


def attempt(client, way, username, password, address="10.0.0.7"):
    url, extra, _ = way
    return client.post(url, {"username": username, "password": password, **extra}, REMOTE_ADDR=address)


def logged_in(client, way) -> bool:
    return client.get(way[2]).status_code == 200


@freeze_time("2026-11-29 10:00:00")
def test_ten_failures_lock_the_address_out_even_for_the_right_password(client, way, staff):
    for n in range(10):
        response = attempt(client, way, f"guess{n}", "wrong")
        assert response.status_code == 200, n  # the form again, with its error
    response = attempt(client, way, "root", PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "登录尝试次数过多" in response.content.decode()
    assert not logged_in(client, way), "the right password is refused while the address is locked out"

    # Another address is not affected.
    response = attempt(client, way, "root", PASSWORD, address="10.0.0.8")
    assert response.status_code == 302
    assert logged_in(client, way)


@freeze_time("2026-11-29 10:00:00")
def test_ten_failures_on_one_login_name_lock_that_name_out_from_every_address(client, way, staff):
    UserFactory(username="other", is_staff=True)
    for n in range(10):
        assert attempt(client, way, "Root ", "wrong", address=f"10.0.1.{n}").status_code == 200
    response = attempt(client, way, "root", PASSWORD, address="10.0.2.1")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert not logged_in(client, way)
    # Another name from the same address is not affected.
    response = attempt(client, way, "other", PASSWORD, address="10.0.2.1")
    assert response.status_code == 302


@freeze_time("2026-11-29 10:00:00")
def test_the_mobile_number_is_one_login_name_however_it_is_typed(client, staff):
    for n, typed in enumerate(["13912345678", "139 1234 5678", "+86 139-1234-5678", "１３９１２３４５６７８"] * 3):
        if n == 10:
            break
        attempt(client, WAYS["login page"], typed, "wrong", address=f"10.0.1.{n}")
    assert attempt(client, WAYS["login page"], "13912345678", PASSWORD, address="10.0.2.1").status_code == 429


@freeze_time("2026-11-29 10:00:00")
def test_the_login_page_and_the_admin_share_one_count(client, staff):
    for n in range(5):
        assert attempt(client, WAYS["login page"], f"guess{n}", "wrong").status_code == 200
        assert attempt(client, WAYS["admin"], f"guess{n}", "wrong").status_code == 200
    assert attempt(client, WAYS["admin"], "root", PASSWORD).status_code == 429
    assert attempt(client, WAYS["login page"], "root", PASSWORD).status_code == 429


@freeze_time("2026-11-29 10:00:00")
def test_a_lock_out_is_written_once_in_the_audit_trail(client, way, staff):
    for n in range(10):
        attempt(client, way, "root", "wrong")
    for _ in range(5):  # refused attempts during the lock-out write nothing more
        assert attempt(client, way, "root", PASSWORD).status_code == 429
    events = AuditEvent.objects.filter(verb="signin.locked_out").order_by("details__by")
    assert [(e.details["way"], e.details["by"], e.details["value"]) for e in events] == [
        ("password", "address", "10.0.0.7"),
        ("password", "name", "root"),
    ]
    by_name = events.get(details__by="name")
    assert by_name.target_id == str(staff.pk), "a known login name points at its person"
    assert all(e.actor is None and e.details["seconds"] == 60 for e in events)


def test_the_lock_out_lifts_after_its_minute_and_counts_again(client, way, staff):
    with freeze_time("2026-11-29 10:00:00") as frozen:
        for _ in range(10):
            attempt(client, way, "root", "wrong")
        assert attempt(client, way, "root", PASSWORD).status_code == 429
        frozen.tick(61)
        assert attempt(client, way, "root", PASSWORD).status_code == 302
        assert logged_in(client, way)
        client.logout()
        for _ in range(10):
            attempt(client, way, "root", "wrong")
        assert attempt(client, way, "root", PASSWORD).status_code == 429
    assert AuditEvent.objects.filter(verb="signin.locked_out", details__by="address").count() == 2


@freeze_time("2026-11-29 10:00:00")
def test_only_failed_attempts_count(client, way, staff):
    for _ in range(15):
        assert attempt(client, way, "root", PASSWORD).status_code == 302
        client.logout()
    assert not AuditEvent.objects.filter(verb="signin.locked_out").exists()


@freeze_time("2026-11-29 10:00:00")
def test_the_limit_is_the_one_setting(client, way, staff, settings):
    settings.LOUWEI_LOGIN_RATE = "3/h"
    for _ in range(3):
        attempt(client, way, "root", "wrong")
    response = attempt(client, way, "root", PASSWORD)
    assert response.status_code == 429
    assert 3540 < int(response["Retry-After"]) <= 3600


@freeze_time("2026-11-29 10:00:00")
def test_behind_nginx_the_address_is_x_real_ip(client, way, staff, settings):
    settings.RATELIMIT_IP_META_KEY = "louwei.accounts.ratelimit.real_ip"
    url, extra, _ = way
    for n in range(10):
        client.post(url, {"username": f"guess{n}", "password": "wrong", **extra}, REMOTE_ADDR="127.0.0.1",
                    HTTP_X_REAL_IP="203.0.113.5")
    assert client.post(url, {"username": "root", "password": PASSWORD, **extra}, REMOTE_ADDR="127.0.0.1",
                       HTTP_X_REAL_IP="203.0.113.5").status_code == 429
    assert client.post(url, {"username": "root", "password": PASSWORD, **extra}, REMOTE_ADDR="127.0.0.1",
                       HTTP_X_REAL_IP="203.0.113.6").status_code == 302
    assert AuditEvent.objects.get(verb="signin.locked_out").details["value"] == "203.0.113.5"


@freeze_time("2026-11-29 10:00:00")
def test_the_lock_out_message_is_translated(client, way, staff):
    client.cookies["django_language"] = "en"
    for n in range(10):
        attempt(client, way, f"guess{n}", "wrong")
    response = attempt(client, way, "root", PASSWORD)
    assert response.status_code == 429
    assert "Too many login attempts. Try again in 1 minute." in response.content.decode()
