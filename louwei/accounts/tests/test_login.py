"""Logging in by username or mobile number, the language preference, logging out. The lock-out after
too many failed attempts: test_lockout.py."""

import pytest

from louwei.testing.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shell_urls")]


def test_login_page_in_chinese(client):
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "登录楼委" in html and "用户名或手机号" in html
    assert 'autocomplete="current-password"' in html


def test_login_by_username(client):
    user = UserFactory(username="wangjg")
    response = client.post("/login/", {"username": "wangjg", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/me/").wsgi_request.user == user


@pytest.mark.parametrize("typed", ["13912345678", "139 1234 5678", "１３９１２３４５６７８", "+86 139-1234-5678"])
def test_login_by_mobile_number_however_it_is_typed(client, typed):
    user = UserFactory(phone="13912345678")
    response = client.post("/login/", {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/me/").wsgi_request.user == user


def test_a_username_that_is_another_persons_mobile_number_still_logs_in(client):
    """People created by their mobile number get it as username; another person may hold it as phone."""
    by_username = UserFactory(username="13912345678", phone="13800000001")
    by_phone = UserFactory(username="other", phone="13912345678")
    client.post("/login/", {"username": "13912345678", "password": PASSWORD})
    assert client.get("/me/").wsgi_request.user == by_username
    client.post("/logout/")
    client.post("/login/", {"username": "other", "password": PASSWORD})
    assert client.get("/me/").wsgi_request.user == by_phone


def test_wrong_password_fails_with_a_message(client):
    UserFactory(username="wangjg")
    response = client.post("/login/", {"username": "wangjg", "password": "not-the-password"})
    assert response.status_code == 200
    assert "用户名、手机号或密码不正确" in response.content.decode()
    assert client.get("/me/").status_code == 302  # still anonymous


def test_unknown_user_fails_the_same_way(client):
    response = client.post("/login/", {"username": "nobody", "password": PASSWORD})
    assert response.status_code == 200
    assert "用户名、手机号或密码不正确" in response.content.decode()


def test_a_switched_off_account_cannot_log_in(client):
    UserFactory(username="gone", is_active=False)
    response = client.post("/login/", {"username": "gone", "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/me/").status_code == 302


def test_login_returns_to_a_safe_next_page_only(client):
    UserFactory(username="wangjg")
    response = client.post("/login/?next=/me/", {"username": "wangjg", "password": PASSWORD, "next": "/me/"})
    assert response["Location"] == "/me/"
    client.logout()
    response = client.post("/login/", {"username": "wangjg", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_logged_in_person_opening_the_login_page_goes_home(client):
    client.force_login(UserFactory())
    response = client.get("/login/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_language_preference_is_applied_after_login(client):
    UserFactory(username="alice", language="en")
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get("/").content.decode()


def test_no_preference_leaves_the_language_alone(client):
    UserFactory(username="bob", language="")
    response = client.post("/login/", {"username": "bob", "password": PASSWORD})
    assert "django_language" not in response.cookies


# ---------------------------------------------------------------------------------------------
# Logout


def test_logout_is_a_post(client):
    client.force_login(UserFactory(name="王建国"))
    response = client.get("/logout/")
    assert response.status_code == 200
    assert "确定退出登录" in response.content.decode()
    assert client.get("/me/").status_code == 200, "a GET never logs anyone out"
    response = client.post("/logout/", follow=True)
    assert response.redirect_chain[-1] == ("/", 302)
    assert "您已退出登录" in response.content.decode()
    assert client.get("/me/").status_code == 302


def test_logout_page_sends_visitors_home(client):
    assert client.get("/logout/")["Location"] == "/"
