"""A job's files leave with its row, however the row goes (pruned, its owner deleted)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Job


def delete_file(field_file) -> None:
    """Delete the stored file of ``field_file`` once the transaction commits (a rollback keeps it)."""
    if not field_file or not field_file.name:
        return
    storage, name = field_file.storage, field_file.name
    transaction.on_commit(lambda: storage.delete(name))


@receiver(post_delete, sender=Job, dispatch_uid="louwei.jobs.files")
def _delete_files(sender, instance: Job, **kwargs) -> None:
    delete_file(instance.input)
    delete_file(instance.result)
