"""The library follows the notices: published policies enter it, withdrawn or changed ones leave
or are refreshed. The notices app sends these signals after its transaction commits.

A notice deleted outright takes its entry with it (cascade); on SQLite its FTS5 row stays until the
next rebuild, harmless: searches only return rows that have an entry, and ids are never reused."""

from django.dispatch import receiver

from louwei.notices.signals import notice_changed, notice_published, notice_withdrawn

from . import index


@receiver(notice_published, dispatch_uid="library.notice_published")
@receiver(notice_changed, dispatch_uid="library.notice_changed")
def _notice_published_or_changed(sender, notice, **kwargs):
    index.index_notice(notice)


@receiver(notice_withdrawn, dispatch_uid="library.notice_withdrawn")
def _notice_withdrawn(sender, notice, **kwargs):
    index.remove_notice(notice.pk)

