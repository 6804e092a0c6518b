"""python manage.py floor_posters --building CODE --out FILE.pdf [--floor N] [--language zh-hans|en]"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from louwei.buildings.models import Building, Floor
from louwei.committee import posters


class Command(BaseCommand):
    help = "Write the A4 floor-leader posters of a building (one page per floor) or of one floor to a PDF file."

    def add_arguments(self, parser):
        parser.add_argument("--building", required=True, help="building code, e.g. XCFZ-B")
        parser.add_argument("--out", required=True, help="the PDF file to write")
        parser.add_argument("--floor", type=int, help="only this floor number (negative for basements)")
        parser.add_argument(
            "--language", default="zh-hans", choices=[code for code, _name in settings.LANGUAGES],
            help="language of the poster text (default zh-hans)",
        )

    def handle(self, *args, building, out, floor=None, language="zh-hans", **options):
        try:
            building_obj = Building.objects.get(code=building.strip().upper())
        except Building.DoesNotExist:
            raise CommandError(f"no building with code {building!r}") from None
        floor_obj = None
        if floor is not None:
            try:
                floor_obj = Floor.objects.select_related("building").get(building=building_obj, number=floor)
            except Floor.DoesNotExist:
                raise CommandError(f"building {building_obj.code} has no floor {floor}") from None
        path = Path(out)
        if path.parent and not path.parent.exists():
            raise CommandError(f"folder {path.parent} does not exist")
        started = time.perf_counter()
        with translation.override(language):
            pdf = posters.floor_poster(floor_obj) if floor_obj else posters.building_posters(building_obj)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(pdf)
        tmp.replace(path)
        pages = 1 if floor_obj else building_obj.floors.count()
        self.stdout.write(
            f"wrote {path} ({pages} page{'s' if pages != 1 else ''}, {len(pdf) // 1024} KiB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
