"""The library's search, filters and order. The same tests run on SQLite (FTS5) and PostgreSQL (tsvector)."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from louwei.library import index
from louwei.library.models import FTS_TABLE, PolicyDocument
from louwei.library.queries import search
from louwei.notices.models import NoticeKind

pytestmark = pytest.mark.django_db


def titles(result):
    return [doc.title for doc in result.page.object_list]


def test_a_word_inside_a_longer_title_is_found(lib):
    lib.policy("关于做好2026年度人才公寓申请工作的通知", "符合条件的企业职工可以申请。")
    lib.policy("关于开展消防安全检查的通知", "请各企业配合检查。")
    result = search(lib.staff, "人才")
    assert titles(result) == ["关于做好2026年度人才公寓申请工作的通知"]
    assert result.matched_by == "words"
    assert titles(search(lib.staff, "人才公寓")) == ["关于做好2026年度人才公寓申请工作的通知"]


def test_a_word_inside_a_longer_phrase_of_the_body_is_found(lib):
    lib.policy("关于进一步支持科技创新的若干措施", "企业开展研发活动，可享受研发费用加计扣除政策。")
    lib.policy("关于做好2026年度人才公寓申请工作的通知", "申请材料见附件。")
    assert titles(search(lib.staff, "加计扣除")) == ["关于进一步支持科技创新的若干措施"]
    assert titles(search(lib.staff, "研发费用")) == ["关于进一步支持科技创新的若干措施"]


def test_issuer_and_document_number_are_searched(lib):
    lib.policy("关于稳岗补贴的通知", issuing_body="市人力资源和社会保障局", document_number="任人社发〔2026〕12号")
    lib.policy("关于消防检查的通知", issuing_body="区应急管理局")
    assert titles(search(lib.staff, "人力资源")) == ["关于稳岗补贴的通知"]
    assert titles(search(lib.staff, "应急管理")) == ["关于消防检查的通知"]


def test_every_word_of_the_query_must_be_found(lib):
    lib.policy("高新技术企业认定补贴政策", "对首次认定的高新技术企业给予补贴。")
    lib.policy("高新技术企业培育库入库通知", "请符合条件的企业申报。")
    assert titles(search(lib.staff, "高新技术企业 补贴")) == ["高新技术企业认定补贴政策"]
    assert len(titles(search(lib.staff, "高新技术企业"))) == 2


def test_a_title_match_ranks_before_a_body_match(lib):
    lib.policy("关于组织企业参加招聘会的通知", "会上将介绍人才公寓申请办法。", days_ago=1)  # newer
    lib.policy("人才公寓申请指南", "请按要求提交材料。", days_ago=10)
    result = search(lib.staff, "人才公寓")
    assert titles(result) == ["人才公寓申请指南", "关于组织企业参加招聘会的通知"]
    assert result.page.object_list[0].relevance > result.page.object_list[1].relevance


def test_without_a_query_newest_first(lib):
    lib.policy("旧政策", days_ago=20)
    lib.policy("新政策", days_ago=1)
    lib.policy("中间的政策", days_ago=5)
    result = search(lib.staff, "")
    assert titles(result) == ["新政策", "中间的政策", "旧政策"]
    assert result.matched_by == "" and result.terms == []


def test_a_single_character_falls_back_to_the_text(lib):
    lib.policy("增值税留抵退税政策解读", "符合条件的小微企业可申请。")
    lib.policy("人才公寓申请指南")
    result = search(lib.staff, "税")
    assert titles(result) == ["增值税留抵退税政策解读"]
    assert result.matched_by == "text"


def test_nothing_matches(lib):
    lib.policy("人才公寓申请指南")
    result = search(lib.staff, "碳排放")
    assert titles(result) == [] and result.total == 0


def test_filters_topic_issuer_and_dates(lib):
    lib.policy("稳岗补贴申领通知", topic="补贴", issuing_body="市人社局", days_ago=40)
    lib.policy("留抵退税政策解读", topic="税收", issuing_body="区税务局", days_ago=10)
    lib.policy("人才公寓申请指南", topic="人才", issuing_body="市人社局", days_ago=2)
    assert titles(search(lib.staff, "", {"topic": "税收"})) == ["留抵退税政策解读"]
    assert titles(search(lib.staff, "", {"issuing_body": "市人社局"})) == ["人才公寓申请指南", "稳岗补贴申领通知"]
    today = timezone.localdate()
    recent = {"published_from": today - datetime.timedelta(days=15), "published_to": today}
    assert titles(search(lib.staff, "", recent)) == ["人才公寓申请指南", "留抵退税政策解读"]
    older = {"published_to": today - datetime.timedelta(days=15)}
    assert titles(search(lib.staff, "", older)) == ["稳岗补贴申领通知"]
    assert titles(search(lib.staff, "申请", {"topic": "人才"})) == ["人才公寓申请指南"]


def test_in_force(lib):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    lib.policy("已失效的政策", effective_on=today - 30 * day, expires_on=today - day)
    lib.policy("今天到期的政策", effective_on=today - 30 * day, expires_on=today)
    lib.policy("尚未生效的政策", effective_on=today + day)
    lib.policy("今天生效的政策", effective_on=today)
    lib.policy("没有写日期的政策")
    in_force = set(titles(search(lib.staff, "", {"in_force": True})))
    assert in_force == {"今天到期的政策", "今天生效的政策", "没有写日期的政策"}
    assert len(titles(search(lib.staff, ""))) == 5


def test_withdrawn_policies_leave_the_index(lib):
    notice = lib.policy("人才公寓申请指南", "人才公寓")
    assert titles(search(lib.staff, "人才")) == ["人才公寓申请指南"]
    lib.withdraw(notice)
    assert not PolicyDocument.objects.filter(pk=notice.pk).exists()
    assert titles(search(lib.staff, "人才")) == []
    assert titles(search(lib.staff, "人")) == []  # the text fallback too
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {FTS_TABLE}")
            assert cursor.fetchone()[0] == 0


def test_plain_notices_are_not_in_the_library(lib):
    lib.policy("元旦放假通知", kind=NoticeKind.NOTICE)
    assert PolicyDocument.objects.count() == 0


def test_a_changed_policy_is_reindexed(lib):
    notice = lib.policy("人才公寓申请指南", "旧的内容")
    lib.change(notice, title="稳岗补贴申领指南", body="新的内容：稳岗返还")
    assert titles(search(lib.staff, "人才")) == []
    assert titles(search(lib.staff, "稳岗补贴")) == ["稳岗补贴申领指南"]
    assert titles(search(lib.staff, "稳岗返还")) == ["稳岗补贴申领指南"]
    lib.change(notice, kind=NoticeKind.NOTICE)
    assert titles(search(lib.staff, "稳岗补贴")) == []


def test_the_enterprises_targeted_policies_come_first(lib):
    lib.policy("人才公寓申请指南（全区）", to=[lib.enterprise, lib.other_enterprise], days_ago=10)
    lib.policy("人才公寓申请补充通知", to=[lib.other_enterprise], days_ago=1)
    lib.policy("人才公寓政策解读", to=[lib.enterprise], days_ago=5)
    contact = lib.contact
    # The contact sees every policy of the district: those delivered to their enterprise first, newest first.
    result = search(contact, "")
    assert titles(result) == ["人才公寓政策解读", "人才公寓申请指南（全区）", "人才公寓申请补充通知"]
    assert [doc.targeted for doc in result.page.object_list] == [True, True, False]
    # A person who is staff AND works for an enterprise sees everything, their enterprise's first.
    from louwei.accounts.models import RoleKind
    from louwei.testing.factories import grant

    grant(lib.secretary, RoleKind.EMPLOYEE, lib.enterprise)
    result = search(lib.secretary, "人才公寓")
    assert titles(result)[2:] == ["人才公寓申请补充通知"]
    assert set(titles(result)[:2]) == {"人才公寓政策解读", "人才公寓申请指南（全区）"}
    assert [doc.targeted for doc in result.page.object_list] == [True, True, False]
    assert titles(search(lib.secretary, ""))[-1] == "人才公寓申请补充通知"


def test_each_person_sees_only_the_policies_they_may_see(lib):
    lib.policy("全区政策", days_ago=3)
    lib.policy("本楼政策", building=lib.building, days_ago=2)
    lib.policy("给企业的政策", to=[lib.enterprise], days_ago=1)
    assert titles(search(lib.staff, "")) == ["给企业的政策", "本楼政策", "全区政策"]
    assert titles(search(lib.secretary, "")) == ["给企业的政策", "本楼政策", "全区政策"]
    contact_sees = titles(search(lib.contact, "政策"))
    assert contact_sees[0] == "给企业的政策" and set(contact_sees) == {"给企业的政策", "本楼政策", "全区政策"}
    assert titles(search(lib.outsider, "政策")) == []
    from django.contrib.auth.models import AnonymousUser

    assert titles(search(AnonymousUser(), "")) == []


def test_pages(lib):
    for n in range(25):
        lib.policy(f"人才政策第{n}号")
    first = search(lib.staff, "人才", page=1, per_page=10)
    third = search(lib.staff, "人才", page=3, per_page=10)
    assert first.total == 25 and len(titles(first)) == 10 and len(titles(third)) == 5
    assert not set(titles(first)) & set(titles(third))


def test_rebuild_policy_index(lib, capsys):
    lib.policy("人才公寓申请指南", "人才公寓")
    lib.policy("研发费用加计扣除政策")
    lib.policy("元旦放假通知", kind=NoticeKind.NOTICE)
    PolicyDocument.objects.all().delete()  # the index lost (as after a restore); FTS rows stay behind
    assert titles(search(lib.staff, "人才")) == []
    call_command("rebuild_policy_index")
    assert "2" in capsys.readouterr().out
    assert titles(search(lib.staff, "人才")) == ["人才公寓申请指南"]
    assert titles(search(lib.staff, "加计扣除")) == ["研发费用加计扣除政策"]
    assert index.rebuild() == 2
    assert titles(search(lib.staff, "人才")) == ["人才公寓申请指南"]


def test_a_deleted_notice_takes_its_entry_with_it(lib):
    notice = lib.policy("人才公寓申请指南")
    lib.policy("人才引进补贴政策")
    notice.delete()
    assert not PolicyDocument.objects.filter(pk=notice.pk).exists()
    assert titles(search(lib.staff, "人才")) == ["人才引进补贴政策"]
