"""The shell: base layout, navigation by role, the language switch, error pages and form rendering."""

import re

import pytest
from django import forms
from django.template import loader
from django.test import Client

from louwei.accounts.models import RoleKind
from louwei.testing.factories import EnterpriseFactory, UserFactory, enterprise_on, grant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shell_urls")]


def nav_links(html: str) -> list[str]:
    """The destinations of the side navigation (the same list the phone menu shows)."""
    sidenav = re.search(r'<nav class="sidenav".*?</nav>', html, re.S)
    menu = re.search(r'<details class="navmenu">.*?</details>', html, re.S).group(0)
    source = sidenav.group(0) if sidenav else menu
    return re.findall(r'class="nav-link" href="([^"]+)"', source)


def tab_links(html: str) -> list[str]:
    tabbar = re.search(r'<nav class="tabbar".*?</nav>', html, re.S)
    return re.findall(r'<a href="([^"]+)"', tabbar.group(0)) if tabbar else []


# ---------------------------------------------------------------------------------------------
# Layout


def test_base_layout_has_skip_link_landmarks_and_local_assets(client):
    html = client.get("/").content.decode()
    assert re.search(r'<body[^>]*>\s*<a class="skip-link" href="#main">', html), "skip link comes first"
    assert '<main id="main"' in html
    assert '<html lang="zh-hans">' in html
    assert 'href="/static/louwei/louwei.css"' in html
    assert 'src="/static/louwei/louwei.js"' in html
    assert "<span class=\"brand-name\" lang=\"zh-Hans\">楼委</span>" in html
    assert "Louwei" in html
    # htmx sends the CSRF token with every request; its inline indicator styles are off (CSP)
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html)
    assert token and len(token.group(1)) >= 32
    assert '"includeIndicatorStyles": false' in html


def test_anonymous_visitors_get_a_login_link_and_no_tab_bar(client):
    html = client.get("/").content.decode()
    assert nav_links(html) == ["/", "/login/"]
    assert tab_links(html) == []
    assert 'action="/logout/"' not in html


def test_the_top_bar_names_the_building_of_a_building_role(client, make_building, person):
    building = make_building(floors=2, name="新城发展大厦B座")
    client.force_login(person(RoleKind.COMMITTEE_SECRETARY, building))
    html = client.get("/").content.decode()
    assert '<span class="topbar-building" title="新城发展大厦B座">新城发展大厦B座</span>' in html


def test_district_staff_see_no_single_building_in_the_top_bar(client, make_building, person):
    building = make_building(floors=2)
    client.force_login(person(RoleKind.DISTRICT_STAFF, building.party_committee))
    assert "topbar-building" not in client.get("/").content.decode()


# ---------------------------------------------------------------------------------------------
# Navigation by role


def test_district_staff_navigate_to_the_building_list(client, make_building, person):
    building = make_building(floors=2)
    client.force_login(person(RoleKind.DISTRICT_STAFF, building.party_committee))
    html = client.get("/").content.decode()
    district = building.party_committee.code
    assert nav_links(html) == [
        "/", "/cases/", "/buildings/", "/notices/manage/", f"/districts/{district}/cases/dashboard/",
        "/cases/settings/", "/health/", "/holidays/", "/policies/", "/inbox/", "/me/",
    ]
    assert tab_links(html) == ["/", "/cases/", "/buildings/", "/me/"]


@pytest.mark.parametrize("kind", [RoleKind.COMMITTEE_SECRETARY, RoleKind.COMMITTEE_MEMBER, RoleKind.PROPERTY_STAFF])
def test_building_staff_navigate_to_their_building_enterprises_and_committee(client, make_building, person, kind):
    building = make_building(floors=2)
    client.force_login(person(kind, building))
    html = client.get("/").content.decode()
    code = building.code
    # The committee secretary configures the building's case handlers.
    handlers = [f"/buildings/{code}/handlers/"] if kind == RoleKind.COMMITTEE_SECRETARY else []
    assert nav_links(html) == [
        "/", "/cases/", f"/buildings/{code}/", f"/buildings/{code}/enterprises/", f"/buildings/{code}/committee/",
        "/notices/manage/", f"/buildings/{code}/cases/dashboard/", *handlers, "/policies/", "/inbox/", "/me/",
    ]
    assert tab_links(html) == ["/", "/cases/", f"/buildings/{code}/", "/me/"]


def test_staff_of_several_buildings_navigate_to_the_building_list(client, make_building, person):
    first, second = make_building(floors=1), make_building(floors=1)
    user = person(RoleKind.COMMITTEE_MEMBER, first)
    grant(user, RoleKind.COMMITTEE_MEMBER, second)
    client.force_login(user)
    assert nav_links(client.get("/").content.decode()) == [
        "/", "/cases/", "/buildings/", "/notices/manage/", "/policies/", "/inbox/", "/me/",
    ]


def test_a_floor_leader_navigates_to_my_floors_and_enterprises(client, make_building, person):
    building = make_building(floors=3)
    client.force_login(person(RoleKind.FLOOR_LEADER, building.floors.get(number=2)))
    html = client.get("/").content.decode()
    code = building.code
    assert nav_links(html) == [
        "/", "/cases/", "/#my-floors", "/notices/my-floors/", f"/buildings/{code}/enterprises/",
        "/policies/", "/inbox/", "/me/",
    ]
    assert tab_links(html) == ["/", "/cases/", "/#my-floors", "/me/"]
    assert "我的楼层" in html


@pytest.mark.parametrize("kind", [RoleKind.ENTERPRISE_CONTACT, RoleKind.EMPLOYEE])
def test_enterprise_people_navigate_to_their_enterprise(client, make_building, person, kind):
    building = make_building(floors=1)
    enterprise = enterprise_on(building.floors.get())
    client.force_login(person(kind, enterprise))
    html = client.get("/").content.decode()
    assert nav_links(html) == [
        "/", "/cases/", "/notices/", f"/enterprises/{enterprise.pk}/", "/policies/", "/inbox/", "/me/",
    ]
    assert tab_links(html) == ["/", "/cases/", "/notices/", "/me/"]
    assert "topbar-building" in html  # the building the enterprise is in


def test_everyone_logged_in_can_log_out_with_a_post_form(client):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert re.search(r'<form method="post" action="/logout/">\s*<input type="hidden" name="csrfmiddlewaretoken"', html)
    assert nav_links(html) == ["/", "/cases/", "/policies/", "/inbox/", "/me/"]  # everyone may raise a case


def test_the_current_destination_is_marked(client, make_building, person):
    building = make_building(floors=1)
    client.force_login(person(RoleKind.DISTRICT_STAFF, building.party_committee))
    html = client.get("/me/").content.decode()
    assert re.search(r'class="nav-link" href="/me/" aria-current="page"', html)
    assert not re.search(r'class="nav-link" href="/" aria-current="page"', html)


def test_a_person_with_every_role_gets_at_most_four_tabs(client, make_building, person):
    building = make_building(floors=2)
    user = person(RoleKind.DISTRICT_STAFF, building.party_committee)
    grant(user, RoleKind.COMMITTEE_SECRETARY, building)
    grant(user, RoleKind.FLOOR_LEADER, building.floors.first())
    grant(user, RoleKind.EMPLOYEE, EnterpriseFactory())
    client.force_login(user)
    html = client.get("/").content.decode()
    assert len(tab_links(html)) == 4
    assert tab_links(html)[0] == "/" and tab_links(html)[-1] == "/me/"
    links = nav_links(html)
    assert len(links) == len(set(links)), "no destination twice"


def test_the_navigation_costs_a_fixed_number_of_queries(client, make_building, person, django_assert_num_queries):
    """Rendering the shell reads the roles once and the buildings once, whatever their number."""
    from django.test import RequestFactory

    from louwei.home.navigation import Navigation

    for floors in (1, 6):
        building = make_building(floors=floors)
        user = person(RoleKind.FLOOR_LEADER, building.floors.first())
        for floor in building.floors.all()[1:]:
            grant(user, RoleKind.FLOOR_LEADER, floor)
        request = RequestFactory().get("/")
        request.user = UserFactory._meta.model.objects.get(pk=user.pk)  # no roles cached yet
        with django_assert_num_queries(2):
            nav = Navigation(request)
            assert nav.items and nav.tabs and nav.building == building


# ---------------------------------------------------------------------------------------------
# Language


def test_chinese_is_the_default_and_the_switch_posts_to_set_language(client):
    html = client.get("/").content.decode()
    assert "首页" in html
    form = re.search(r'<form class="lang-switch" action="/i18n/setlang/" method="post".*?</form>', html, re.S).group(0)
    assert 'name="csrfmiddlewaretoken"' in form
    assert 'name="language" value="zh-hans"' in form and 'name="language" value="en"' in form
    assert '<input type="hidden" name="next" value="/">' in form


def test_switching_to_english_changes_the_pages(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/me/"})
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert response.cookies["django_language"].value == "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert ">Home<" in html and "首页" not in html
    assert re.search(r'value="en" lang="en" aria-current="true"', html)


# ---------------------------------------------------------------------------------------------
# Error pages


def test_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "您访问的页面不存在" in html and 'class="error-code"' in html and 'class="topbar"' in html


def test_403_page_for_a_person_and_for_a_visitor(client):
    client.force_login(UserFactory())
    response = client.get("/__test__/403/")
    assert response.status_code == 403
    assert "您无权查看此页面" in response.content.decode()
    assert 'href="/me/"' in response.content.decode()
    client.logout()
    response = client.get("/__test__/403/")
    assert 'href="/login/?next=/__test__/403/"' in response.content.decode()


def test_400_page(client):
    response = client.get("/__test__/400/")
    assert response.status_code == 400
    assert "无法识别此请求" in response.content.decode()


def test_500_page_is_served_when_a_view_fails(client):
    client.raise_request_exception = False
    response = client.get("/__test__/500/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统出现故障" in html and 'href="/static/louwei/louwei.css"' in html


def test_500_page_renders_with_no_context_at_all():
    """Django renders 500.html without the request: nothing in it may need a context processor."""
    html = loader.get_template("500.html").render()
    assert "500" in html and "louwei.css" in html


def test_csrf_failure_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "表单已失效" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Form rendering


class SampleForm(forms.Form):
    name = forms.CharField(label="Name", help_text="Your full name.")
    phone = forms.CharField(label="Phone", required=False)
    agree = forms.BooleanField(label="I agree")
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)

    def clean(self):
        raise forms.ValidationError("Something is wrong with the whole form.")


def test_form_renderer_gives_design_system_field_markup():
    """With the project's FORM_RENDERER, any form's `{{ form }}` gives .field markup."""
    html = str(SampleForm(data={"phone": "1"}))
    assert '<div class="errorlist nonfield" role="alert"><p>Something is wrong with the whole form.</p></div>' in html
    assert '<div class="field field-text has-error">' in html  # name: required, missing
    assert '<div class="field field-text">' in html  # phone: optional, given
    assert '<label for="id_name">Name<span class="required" aria-hidden="true">*</span></label>' in html
    assert '<div class="help" id="id_name_helptext">Your full name.</div>' in html
    assert '<ul class="errorlist" id="id_name_error"><li>' in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_name_helptext id_name_error"' in html
    assert '<label for="id_phone">Phone</label>' in html  # optional: no star
    checkbox = r'<label for="id_agree"><input type="checkbox" name="agree"[^>]*><span>I agree</span></label>'
    assert re.search(checkbox, html)
    assert re.search(r"<fieldset[^>]*>\s*<legend>Kind", html)


def test_forms_of_the_shell_use_the_renderer_even_without_the_setting(client):
    html = client.get("/login/").content.decode()
    assert '<div class="field field-text">' in html
    assert '<div class="field field-password">' in html
