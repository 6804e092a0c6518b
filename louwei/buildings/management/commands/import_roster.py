"""python manage.py import_roster FILE --building CODE [--dry-run] [--skip-invalid] [--rejected FILE]
[--user USERNAME]"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from louwei.access import Action
from louwei.buildings.roster import import_roster

from ._common import actor_from, building_from


class Command(BaseCommand):
    help = (
        "Import an enterprise roster (.xlsx, the layout of the roster template) into a building. "
        "Nothing is written unless every row is good, except with --skip-invalid, which writes the good rows "
        "and saves the rejected ones, with a reason column, to an .xlsx next to FILE (or to --rejected)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx roster")
        parser.add_argument("--building", required=True, help="building code, e.g. XCFZ-B")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument("--skip-invalid", action="store_true", help="write the good rows, set the bad ones aside")
        parser.add_argument("--rejected", help="where to save the rejected rows (default: FILE-rejected.xlsx)")
        parser.add_argument(
            "--user",
            help="username of the person importing: they must be allowed to import into the building, only "
            "enterprises they may change are updated, and they are recorded in the audit (without it: the "
            "server operator, no limit)",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        building = building_from(options["building"])
        actor = actor_from(options["user"], Action.ROSTER_IMPORT, building)

        try:
            report = import_roster(
                actor=actor,
                building=building,
                source=path,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
                filename=path.name,
                via="command",
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

        for line in report.error_lines():
            self.stderr.write(line)
        if report.rejected_rows and options["skip_invalid"]:
            target = Path(options["rejected"]) if options["rejected"] else path.with_name(f"{path.stem}-rejected.xlsx")
            target.write_bytes(report.rejected_workbook())
            self.stderr.write(_("Rejected rows saved to %(path)s") % {"path": target})
        self.stdout.write(report.summary())
        if report.errors and not options["skip_invalid"]:
            raise CommandError(
                _(
                    "%(rejected)d of %(rows)d rows have errors; nothing was written. "
                    "Correct them, or run again with --skip-invalid to write the good rows."
                )
                % {"rejected": report.rejected, "rows": report.rows}
            )
