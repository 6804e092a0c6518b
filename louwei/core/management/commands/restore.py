"""python manage.py restore FILE [--force] [--check]: put back what ``backup`` wrote
(``louwei.core.backup``)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from louwei.core import backup


class Command(BaseCommand):
    help = (
        "Restore an archive written by 'backup' into the configured database and MEDIA_ROOT. The archive's "
        "checksums, format, database vendor and migrations are checked before anything is touched. It refuses a "
        "database that has any table, or a MEDIA_ROOT that has any file, unless --force; it runs migrate when the "
        "archive is from an older version. Stop the web server, the worker and the scheduler first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The louwei-backup-….tar.gz file.")
        parser.add_argument(
            "--force", action="store_true",
            help="Replace a database that is not empty and the files already in MEDIA_ROOT.",
        )
        parser.add_argument(
            "--check", action="store_true",
            help="Only verify the archive (checksums, vendor, migrations); change nothing.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: %(default)s).")

    def handle(self, *args, **options):
        try:
            result = backup.restore(
                options["archive"], using=options["database"], force=options["force"],
                check_only=options["check"], stdout=self.stdout,
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] < 1:
            return
        values = {
            "created": result.created,
            "tables": len(result.manifest["tables"]),
            "rows": result.rows,
            "files": ngettext("%(count)d file", "%(count)d files", len(result.media_files))
            % {"count": len(result.media_files)},
        }
        if result.checked_only:
            self.stdout.write(
                _("The archive of %(created)s is sound: %(tables)s tables (%(rows)s rows) and %(files)s.") % values
            )
            return
        self.stdout.write(
            _(
                "Restored the archive of %(created)s: %(tables)s tables (%(rows)s rows, as in the archive) "
                "and %(files)s."
            ) % values
        )
        if result.migrated:
            self.stdout.write(
                ngettext(
                    "Applied %(count)d migration the archive did not have yet.",
                    "Applied %(count)d migrations the archive did not have yet.",
                    len(result.migrated),
                ) % {"count": len(result.migrated)}
            )
