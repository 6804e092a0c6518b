"""python manage.py rebuild_policy_index: index every published policy afresh (after a dictionary
change, a restore, or to repair the index)."""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from louwei.library import index


class Command(BaseCommand):
    help = "Rebuild the policy library's full-text index from the published policies."

    def handle(self, *args, **options):
        count = index.rebuild()
        self.stdout.write(
            ngettext("%(count)d policy indexed.", "%(count)d policies indexed.", count) % {"count": count}
        )
