"""python manage.py floor_posters --building CODE --out FILE.pdf [--floor N] [--language zh-hans|en]
[--user USERNAME]"""

import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from louwei import access
from louwei.access import Action
from louwei.accounts.models import User
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
        parser.add_argument(
            "--user", dest="username",
            help="print as this person: refused unless they may print these posters (like on the web)",
        )

    def handle(self, *args, building, out, floor=None, language="zh-hans", username=None, **options):
        # Messages follow the active language (the site's default); --language is the posters' language.
        try:
            building_obj = Building.objects.get(code=building.strip().upper())
        except Building.DoesNotExist:
            raise CommandError(_("No building has the code %(code)s.") % {"code": building}) from None
        floor_obj = None
        if floor is not None:
            try:
                floor_obj = Floor.objects.select_related("building").get(building=building_obj, number=floor)
            except Floor.DoesNotExist:
                raise CommandError(
                    _("Building %(code)s has no floor %(floor)s.") % {"code": building_obj.code, "floor": floor}
                ) from None
        if username is not None:
            self.check_access(username, floor_obj or building_obj)
        path = Path(out)
        if path.parent and not path.parent.exists():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
        started = time.perf_counter()
        with translation.override(language):
            pdf = posters.floor_poster(floor_obj) if floor_obj else posters.building_posters(building_obj)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(pdf)
        tmp.replace(path)
        pages = 1 if floor_obj else building_obj.floors.count()
        self.stdout.write(
            ngettext(
                "Wrote %(path)s (%(pages)d page, %(size)d KiB) in %(seconds).1f s.",
                "Wrote %(path)s (%(pages)d pages, %(size)d KiB) in %(seconds).1f s.",
                pages,
            ) % {"path": path, "pages": pages, "size": len(pdf) // 1024, "seconds": time.perf_counter() - started}
        )

    def check_access(self, username: str, target) -> None:
        """The person must exist, be active and be allowed ``poster.print`` on the floor or the building."""
        user = User.objects.filter(username=username.strip(), is_active=True).first()
        if user is None:
            raise CommandError(_("No active person has the username %(username)s.") % {"username": username})
        try:
            access.require(user, Action.POSTER_PRINT, target)
        except PermissionDenied:
            place = f"{target.building.name} {target.label}" if isinstance(target, Floor) else target.name
            raise CommandError(
                _("%(username)s may not print the posters of %(place)s.") % {"username": user.username, "place": place}
            ) from None
