"""The library follows the notices app's real services: publish, change, withdraw."""

import pytest

from louwei.library.models import PolicyDocument
from louwei.library.queries import search
from louwei.notices import services
from louwei.notices.models import NoticeKind

pytestmark = pytest.mark.django_db


def test_publish_change_and_withdraw_through_the_notices_services(lib, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.create_draft(
            actor=lib.staff, scope=lib.district, title="关于做好2026年度人才公寓申请工作的通知",
            kind=NoticeKind.POLICY, body="符合条件的**企业职工**可申请人才公寓。", topic="人才",
            issuing_body="市住房和城乡建设局",
        )
    assert not PolicyDocument.objects.exists()  # a draft is not in the library
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(actor=lib.staff, notice=notice)
    document = PolicyDocument.objects.get(pk=notice.pk)
    assert document.topic == "人才" and "**" not in document.content
    assert [d.title for d in search(lib.staff, "人才").page] == [notice.title]
    # The audience (the whole district) includes the contact's enterprise: it is theirs, first.
    result = search(lib.contact, "人才")
    assert [(d.title, d.targeted) for d in result.page] == [(notice.title, True)]

    with django_capture_on_commit_callbacks(execute=True):
        services.update(actor=lib.staff, notice=notice, title="人才公寓申请指南（修订）")
    assert [d.title for d in search(lib.staff, "修订").page] == ["人才公寓申请指南（修订）"]

    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(actor=lib.staff, notice=notice, reason="政策调整")
    assert not PolicyDocument.objects.exists()
    assert search(lib.staff, "人才").total == 0
