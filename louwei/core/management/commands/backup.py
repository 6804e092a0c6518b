"""python manage.py backup [--out FILE|FOLDER] [--keep N]: the database and MEDIA_ROOT in one archive
(``louwei.core.backup``)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from louwei.core import backup


class Command(BaseCommand):
    help = (
        "Write the database and every uploaded file (MEDIA_ROOT) to one timestamped .tar.gz with a manifest "
        "(format, migrations, rows per table, checksums). SQLite is copied with the online backup API and "
        "PostgreSQL with pg_dump, both consistent while the server runs. The archive's path goes to standard "
        "output."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", default=None,
            help="The archive (a name ending in .tar.gz) or a folder for louwei-backup-YYYYMMDD-HHMMSS.tar.gz "
            "(default: LOUWEI_BACKUP_DIR, var/backups).",
        )
        parser.add_argument(
            "--keep", type=int, default=None,
            help="Then delete all but the newest KEEP archives named louwei-backup-*.tar.gz in that folder.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: %(default)s).")

    def handle(self, *args, **options):
        try:
            result = backup.backup(options["out"], using=options["database"], keep=options["keep"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        media = result.media_files
        if options["verbosity"] >= 1:
            self.stderr.write(
                _("Backed up %(tables)s tables (%(rows)s rows) and %(files)s (%(mb).1f MB).")
                % {
                    "tables": len(result.manifest["tables"]),
                    "rows": result.rows,
                    "files": ngettext("%(count)d file", "%(count)d files", len(media)) % {"count": len(media)},
                    "mb": sum(f["size"] for f in media) / 1024 / 1024,
                }
            )
            for path in result.pruned:
                self.stderr.write(_("Deleted the older archive %(path)s.") % {"path": path})
        self.stdout.write(str(result.path))
