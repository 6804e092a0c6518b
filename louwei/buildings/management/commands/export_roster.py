"""python manage.py export_roster --building CODE FILE"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from louwei.buildings.models import Building
from louwei.buildings.roster import export_workbook


class Command(BaseCommand):
    help = "Export a building's enterprise roster to an .xlsx in the template's layout (it re-imports unchanged)."

    def add_arguments(self, parser):
        parser.add_argument("--building", required=True, help="building code, e.g. XCFZ-B")
        parser.add_argument("file", help="the .xlsx to write")

    def handle(self, *args, **options):
        try:
            building = Building.objects.get(code=options["building"].strip().upper())
        except Building.DoesNotExist as exc:
            raise CommandError(_("No building has the code %(code)s.") % {"code": options["building"]}) from exc
        path = Path(options["file"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("The file name must end in .xlsx."))
        path.write_bytes(export_workbook(building))
        self.stdout.write(_("Roster of %(code)s written to %(path)s") % {"code": building.code, "path": path})
