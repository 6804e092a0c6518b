"""Signals other apps listen to (the policy library, the API). All are sent after the commit.

``notice_published(sender=Notice, notice=...)``: a notice was published (its deliveries exist).
``notice_withdrawn(sender=Notice, notice=...)``: a published notice was withdrawn.
``notice_changed(sender=Notice, notice=...)``: a notice's text or fields changed (draft, scheduled
or published), including its attachments.
"""

from django.dispatch import Signal

notice_published = Signal()
notice_withdrawn = Signal()
notice_changed = Signal()
