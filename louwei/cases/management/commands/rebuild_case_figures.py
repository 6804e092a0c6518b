"""python manage.py rebuild_case_figures [--building CODE ...]"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from louwei.buildings.models import Building
from louwei.cases import figures


class Command(BaseCommand):
    help = (
        "Recompute the monthly case figures (the rates' counters) from the cases, for every building or the "
        "ones named. The figures are kept exact as cases change; run this after an import or a repair, at a "
        "quiet hour (changes made to those buildings' cases while it runs may be lost until the next run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--building", action="append", default=[], help="building code (repeatable)")

    def handle(self, *args, **options):
        buildings = None
        if options["building"]:
            codes = {code.strip().upper() for code in options["building"]}
            buildings = list(Building.objects.filter(code__in=codes))
            unknown = codes - {b.code for b in buildings}
            if unknown:
                raise CommandError(_("No building has the code %(code)s.") % {"code": ", ".join(sorted(unknown))})
        written = figures.rebuild(buildings)
        self.stdout.write(_("%(rows)d rows of figures written.") % {"rows": written} + " (rows)")
