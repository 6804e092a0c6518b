"""The migration to private file names, run for real: back to the old schema, a notice with an
attachment in the old layout, forwards, backwards (nothing to undo) and forwards again."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from louwei.core.files import is_private_name
from louwei.testing.factories import PartyCommitteeFactory

BEFORE = [("notices", "0001_initial")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_existing_attachments_move_to_random_names_and_back_is_harmless():
    district = PartyCommitteeFactory()
    old_apps = migrate(BEFORE)
    Notice, Attachment = old_apps.get_model("notices", "Notice"), old_apps.get_model("notices", "Attachment")
    notice = Notice.objects.create(party_committee_id=district.pk, title="通知")
    old_name = default_storage.save(f"notices/{notice.pk}/第6层 通知.pdf", ContentFile(b"%PDF-1.4 old"))
    gone = f"notices/{notice.pk}/missing.docx"
    moved = Attachment.objects.create(notice=notice, file=old_name, name="第6层 通知.pdf", size=12,
                                      content_type="application/pdf")
    missing = Attachment.objects.create(notice=notice, file=gone, name="missing.docx", size=1,
                                        content_type="application/octet-stream")

    new_apps = migrate(latest())
    Attachment = new_apps.get_model("notices", "Attachment")
    name = Attachment.objects.get(pk=moved.pk).file.name
    assert is_private_name("notices", name) and name.endswith(".pdf")
    assert default_storage.open(name).read() == b"%PDF-1.4 old"
    assert not default_storage.exists(old_name)
    assert Attachment.objects.get(pk=missing.pk).file.name == gone

    old_apps = migrate(BEFORE)  # backwards: a no-op, the random name stays and still opens
    assert old_apps.get_model("notices", "Attachment").objects.get(pk=moved.pk).file.name == name
    assert default_storage.exists(name)
    migrate(latest())
    assert new_apps.get_model("notices", "Attachment").objects.get(pk=moved.pk).file.name == name
