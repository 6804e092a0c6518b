"""/me/: the person's roles and scopes; changing name, e-mail, language and password."""

import pytest
from django.utils import timezone

from louwei.accounts.models import RoleKind, User
from louwei.core.models import AuditEvent
from louwei.testing.factories import PASSWORD, BuildingFactory, FloorFactory, UserFactory, enterprise_on, grant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shell_urls")]


def test_visitors_are_sent_to_login(client):
    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/me/"


def test_the_profile_shows_roles_and_scopes(client):
    building = BuildingFactory(name="新城发展大厦B座")
    floor = FloorFactory(building=building, number=5)
    enterprise = enterprise_on(floor, name="云帆信息科技有限公司")
    user = UserFactory(name="王建国", username="wangjg", phone="13912345678")
    grant(user, RoleKind.FLOOR_LEADER, floor)
    grant(user, RoleKind.EMPLOYEE, enterprise)
    ended = grant(user, RoleKind.COMMITTEE_MEMBER, BuildingFactory(name="旧大厦"))
    ended.ended_at = timezone.now()
    ended.save()
    client.force_login(user)
    html = client.get("/me/").content.decode()
    assert "王建国" in html and "wangjg" in html and "139 1234 5678" in html
    assert "楼长" in html and f"新城发展大厦B座 · {floor.label}" in html
    assert "职工" in html and "云帆信息科技有限公司" in html
    assert "旧大厦" not in html, "ended roles are not shown"


def test_a_person_without_roles_is_told_who_gives_them(client):
    client.force_login(UserFactory())
    assert "暂无角色" in client.get("/me/").content.decode()


def test_changing_name_email_and_language(client):
    user = UserFactory(name="王建国", email="")
    client.force_login(user)
    response = client.post("/me/", {
        "form": "profile", "profile-name": " 王 建国 ", "profile-email": "WANG@Example.com", "profile-language": "en",
    })
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert response.cookies["django_language"].value == "en"
    user.refresh_from_db()
    assert (user.name, user.email, user.language) == ("王 建国", "wang@example.com", "en")
    event = AuditEvent.objects.get(verb="user.update_profile")
    assert event.actor == user and event.details == {"changed": ["email", "language", "name"]}
    page = client.get("/me/").content.decode()
    assert "Your details have been saved." in page and '<html lang="en">' in page


def test_a_bad_email_is_refused_and_nothing_changes(client):
    user = UserFactory(name="王建国")
    client.force_login(user)
    response = client.post("/me/", {"form": "profile", "profile-name": "李四", "profile-email": "not-an-email"})
    assert response.status_code == 200
    assert 'class="field field-email has-error"' in response.content.decode()
    user.refresh_from_db()
    assert user.name == "王建国"
    assert not AuditEvent.objects.exists()


def test_the_name_is_required(client):
    client.force_login(UserFactory(name="王建国"))
    response = client.post("/me/", {"form": "profile", "profile-name": "", "profile-email": ""})
    assert 'class="field field-text has-error"' in response.content.decode()


def test_changing_the_password_keeps_the_person_logged_in(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/me/", {
        "form": "password", "password-old_password": PASSWORD,
        "password-new_password1": "floor-5-leader!", "password-new_password2": "floor-5-leader!",
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("floor-5-leader!")
    assert client.get("/me/").status_code == 200, "the session survives the new password"
    assert AuditEvent.objects.filter(verb="user.change_password", actor=user).count() == 1


def test_a_wrong_old_password_changes_nothing(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/me/", {
        "form": "password", "password-old_password": "wrong",
        "password-new_password1": "floor-5-leader!", "password-new_password2": "floor-5-leader!",
    })
    assert response.status_code == 200
    assert 'class="field field-password has-error"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_weak_new_password_is_refused(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/me/", {
        "form": "password", "password-old_password": PASSWORD,
        "password-new_password1": "12345678", "password-new_password2": "12345678",
    })
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_profile_page_changes_only_the_person_themself(client):
    """There is no way to name another person: the page always edits request.user."""
    other = UserFactory(name="别人")
    client.force_login(UserFactory(name="自己"))
    client.post("/me/", {"form": "profile", "profile-name": "改名", "user": other.pk, "pk": other.pk})
    assert User.objects.get(pk=other.pk).name == "别人"
