"""The page /policies/: search as you type, filters, highlighted matches, bounded queries."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/policies/"


def test_url_name():
    assert reverse("library:index") == URL


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_page_lists_policies_with_links_to_their_pages(client, lib):
    notice = lib.policy("关于做好2026年度人才公寓申请工作的通知", topic="人才", issuing_body="市住建局")
    client.force_login(lib.staff)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "政策库" in html  # zh-Hans by default
    assert f'href="{reverse("notices:detail", args=[notice.pk])}"' in html
    assert '<details class="filters"' in html
    assert 'hx-get="/policies/"' in html and 'hx-target="#policy-results"' in html
    assert "<mark>" not in html  # nothing to highlight without a query


def test_matches_are_highlighted_and_everything_else_escaped(client, lib):
    lib.policy("<b>人才</b>公寓申请指南", "人才公寓 <script>alert(1)</script> 的申请办法")
    client.force_login(lib.staff)
    html = client.get(URL, {"q": "人才"}).content.decode()
    assert "&lt;b&gt;<mark>人才</mark>&lt;/b&gt;公寓申请指南" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html


def test_people_see_only_the_policies_they_may_see(client, lib):
    lib.policy("本区的人才公寓政策")
    client.force_login(lib.outsider)  # the secretary of a building in another district
    html = client.get(URL, {"q": "人才"}).content.decode()
    assert "本区的人才公寓政策" not in html and "没有匹配的政策" in html
    client.force_login(lib.contact)  # not delivered to their enterprise, but a policy of their district
    assert "本区的人才公寓政策" in client.get(URL).content.decode()


def test_an_htmx_search_returns_only_the_results(client, lib):
    lib.policy("人才公寓申请指南")
    lib.policy("研发费用加计扣除政策")
    client.force_login(lib.staff)
    response = client.get(URL, {"q": "加计扣除"}, headers={"HX-Request": "true", "HX-Target": "policy-results"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html
    assert "<mark>加计扣除</mark>" in html and "人才公寓" not in html
    assert "HX-Request" in response["Vary"]


def test_filters_on_the_page(client, lib):
    lib.policy("稳岗补贴申领通知", topic="补贴", issuing_body="市人社局")
    lib.policy("留抵退税政策解读", topic="税收", issuing_body="区税务局")
    client.force_login(lib.staff)
    html = client.get(URL, {"topic": "税收"}).content.decode()
    assert "留抵退税政策解读" in html and "稳岗补贴申领通知" not in html
    assert '<option value="补贴">补贴</option>' in html  # the topics found in the library
    assert "<details class=\"filters\" open>" in html
    html = client.get(URL, {"issuing_body": "市人社局", "in_force": "on"}).content.decode()
    assert "稳岗补贴申领通知" in html and "留抵退税政策解读" not in html


def test_bad_filter_values_are_ignored_and_shown(client, lib):
    lib.policy("稳岗补贴申领通知")
    client.force_login(lib.staff)
    response = client.get(URL, {"published_from": "2026-13-45", "topic": "没有这个主题"})
    assert response.status_code == 200
    assert "稳岗补贴申领通知" in response.content.decode()
    assert response.context["form"].errors.keys() == {"published_from", "topic"}


def test_the_empty_library(client, lib):
    client.force_login(lib.contact)
    html = client.get(URL).content.decode()
    assert "还没有发布任何政策" in html
    html = client.get(URL, {"q": "人才"}).content.decode()
    assert "没有匹配的政策" in html


def test_the_enterprise_sees_its_own_policies_marked(client, lib):
    lib.policy("人才公寓申请指南", to=[lib.enterprise])
    client.force_login(lib.contact)
    html = client.get(URL).content.decode()
    assert "人才公寓申请指南" in html and "本企业适用" in html


@pytest.mark.parametrize("count", [2, 30])
@pytest.mark.parametrize("query", ["", "人才", "税"])
def test_query_count_does_not_grow_with_the_policies(client, lib, django_assert_max_num_queries, count, query):
    for n in range(count):
        lib.policy(f"人才公寓与增值税政策第{n}号", "研发费用加计扣除", topic=f"主题{n % 3}",
                   issuing_body=f"发文机关{n % 4}", to=[lib.enterprise] if n % 2 else [])
    from louwei.accounts.models import RoleKind
    from louwei.testing.factories import grant

    grant(lib.secretary, RoleKind.EMPLOYEE, lib.enterprise)  # staff and enterprise: every kind of condition
    client.force_login(lib.secretary)
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"q": query, "in_force": "on"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 20)
