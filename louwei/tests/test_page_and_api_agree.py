"""For each demo role, the pages and ``/api/v1/`` show the same of the same objects (issue 9, part 3):
which cases, enterprises and notices the person reaches, and on them the internal notes, the
submitter's contact, the enterprise's contacts and a notice's deliveries. A bounded sample of each,
in the demo world loaded once for the module."""

from __future__ import annotations

import logging

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from louwei.accounts.models import User
from louwei.testing import hostile
from louwei.testing.demo import analyse

SAMPLE = 6  # objects of each kind per role


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once, a page client and an API client per demo login, the objects sampled."""
    from louwei.api.services import create_token
    from louwei.buildings.models import Enterprise
    from louwei.cases import services
    from louwei.cases.models import Case
    from louwei.notices.models import Notice

    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)  # the refusals are what is compared
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", verbosity=0)
        analyse(connection)
        secretary = User.objects.get(username="secretary")
        cases = []
        for floor in ("XCFZ-B-05", "XCFZ-B-06", "XCFZ-B-12"):
            found = Case.objects.filter(floor__code=floor).exclude(submitter_phone="").order_by("pk")[:2]
            cases += list(found)
        for case in cases:
            services.add_note(actor=secretary, case=case, text=f"内部备注{case.number}", public=False)
        # Two enterprises of the building (one led floor, one not) and one of elsewhere, if any.
        enterprises = list(Enterprise.objects.filter(occupancies__unit__floor__code__in=["XCFZ-B-05", "XCFZ-B-06"])
                           .distinct().order_by("pk")[:4])
        enterprises += list(Enterprise.objects.exclude(occupancies__unit__floor__building__code="XCFZ-B")
                            .order_by("pk")[:2])
        notices = list(Notice.objects.order_by("pk")[:SAMPLE])
        assert len(cases) >= 4 and len(enterprises) >= 3 and len(notices) >= 3, "the demo changed: sample anew"
        people = {}
        for username in hostile.ROLES:
            user = User.objects.get(username=username)
            page = Client()
            page.force_login(user)
            api = APIClient()
            secret = create_token(actor=user, user=user, name="compare").secret
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")
            people[username] = (page, api)
        yield {"cases": cases, "enterprises": enterprises, "notices": notices, "people": people}
        transaction.set_rollback(True)
    request_log.setLevel(level)


def _case_on_page(page, case) -> tuple:
    response = page.get(f"/cases/{case.number}/")
    if response.status_code != 200:
        return (False,)
    html = response.content.decode()
    return True, f"内部备注{case.number}" in html, case.submitter_phone in html


def _case_on_api(api, case) -> tuple:
    response = api.get(f"/api/v1/cases/{case.number}/")
    if response.status_code != 200:
        return (False,)
    data = response.json()
    submitter = data["submitter"] or {}
    return (True, f"内部备注{case.number}" in [e["text"] for e in data["timeline"]],
            submitter.get("phone") == case.submitter_phone)


def _enterprise_on_page(page, enterprise) -> tuple:
    response = page.get(f"/enterprises/{enterprise.pk}/")
    if response.status_code != 200:
        return (False,)
    html = response.content.decode()
    return True, sorted(c.name for c in enterprise.contacts.all() if c.name in html)


def _enterprise_on_api(api, enterprise) -> tuple:
    response = api.get(f"/api/v1/enterprises/{enterprise.pk}/")
    if response.status_code != 200:
        return (False,)
    return True, sorted(c["name"] for c in response.json()["contacts"])


def _notice_on_page(page, notice, names) -> tuple:
    response = page.get(f"/notices/{notice.pk}/")
    if response.status_code != 200:
        return (False,)
    deliveries = response.context.get("deliveries")
    listed = sorted(d.enterprise.name for d in deliveries.paginator.object_list) if deliveries else []
    return True, listed


def _notice_on_api(api, notice, names) -> tuple:
    response = api.get(f"/api/v1/notices/{notice.pk}/")
    if response.status_code != 200:
        return (False,)
    listed = []
    url = f"/api/v1/notices/{notice.pk}/deliveries/?page_size=1000"
    while url:
        page = api.get(url)
        if page.status_code != 200:
            break
        data = page.json()
        listed += [row["enterprise"]["name"] for row in data["results"]]
        url = data.get("next")
    return True, sorted(listed)


@pytest.mark.django_db
@pytest.mark.parametrize("role", hostile.ROLES)
def test_pages_and_api_show_each_role_the_same(demo, role, django_db_blocker):
    page, api = demo["people"][role]
    differences = []
    with django_db_blocker.unblock():
        for case in demo["cases"]:
            seen = (_case_on_page(page, case), _case_on_api(api, case))
            if seen[0] != seen[1]:
                differences.append(("case", case.number, *seen))
        for enterprise in demo["enterprises"]:
            seen = (_enterprise_on_page(page, enterprise), _enterprise_on_api(api, enterprise))
            if seen[0] != seen[1]:
                differences.append(("enterprise", enterprise.pk, *seen))
        for notice in demo["notices"]:
            seen = (_notice_on_page(page, notice, None), _notice_on_api(api, notice, None))
            if seen[0] != seen[1]:
                differences.append(("notice", notice.pk, *seen))
    assert not differences, differences
