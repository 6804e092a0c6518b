"""python manage.py export_roster --building CODE FILE [--user USERNAME]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from louwei.access import Action
from louwei.buildings.roster import export_roster

from ._common import actor_from, building_from


class Command(BaseCommand):
    help = (
        "Export a building's enterprise roster to an .xlsx in the template's layout (it re-imports unchanged). "
        "The export is audited; with --user the user must be allowed to export the building's roster and is "
        "recorded as the exporter, without it the server operator is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--building", required=True, help="building code, e.g. XCFZ-B")
        parser.add_argument("--user", help="username of the person exporting (checked and recorded in the audit)")
        parser.add_argument("file", help="the .xlsx to write")

    def handle(self, *args, **options):
        building = building_from(options["building"])
        path = Path(options["file"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("The file name must end in .xlsx."))
        actor = actor_from(options["user"], Action.ROSTER_EXPORT, building)
        path.write_bytes(export_roster(actor=actor, building=building, via="command"))
        self.stdout.write(_("Roster of %(code)s written to %(path)s") % {"code": building.code, "path": path})
