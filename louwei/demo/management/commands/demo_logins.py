"""``python manage.py demo_logins [--url URL]``: the demo logins as a table (``make run`` prints it)."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from louwei.accounts.models import Role, RoleKind, User
from louwei.buildings.models import Enterprise
from louwei.demo import data
from louwei.demo.loader import demo_building


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


class Command(BaseCommand):
    help = "Print the demo logins (username, password, role, scope, what to try first) as a table."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", default=settings.SITE_URL, help="The site's address, for the links (default: SITE_URL)."
        )

    def handle(self, *args, **options):
        base = options["url"].rstrip("/")
        building = demo_building()
        if building is None:
            self.stdout.write(_("The demo building is not loaded. Run: python manage.py load_demo"))
            return
        rows = [(_("Username"), _("Password"), _("Role"), _("Scope"), _("Try first"))]
        links = []
        for spec in data.logins():
            user = User.objects.filter(username=spec.person.username).first()
            if user is None:
                continue
            role = (
                Role.objects.active().filter(user=user, kind=spec.kind)
                .select_related("party_committee", "building", "floor__building", "enterprise").first()
            )
            if role is None:
                continue
            scope = self.scope_label(role)
            rows.append((user.username, data.PASSWORD, str(RoleKind(spec.kind).label), scope, _(spec.try_first)))
            links.append(base + self.path(spec, role))
        # The handlers' staff (承办单位): no role, a staff login of their handler; they start at their queue.
        from louwei.cases.models import HandlerMember

        for spec in data.handler_logins():
            member = (
                HandlerMember.objects.active().filter(user__username=spec.person.username)
                .select_related("handler", "user").first()
            )
            if member is None:
                continue
            rows.append((member.user.username, data.PASSWORD, _("Handler staff"), member.handler.name,
                         _(spec.try_first)))
            links.append(base + self.reverse("cases:queue"))

        widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
        self.stdout.write("")
        self.stdout.write(
            _("Demo logins for %(building)s — %(url)s") % {"building": building.name, "url": base + "/"}
        )
        self.stdout.write("")
        for index, row in enumerate(rows):
            self.stdout.write("  " + "  ".join(pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
            if index == 0:
                self.stdout.write("  " + "  ".join("─" * w for w in widths))
            else:
                self.stdout.write("  " + " " * (sum(widths[:4]) + 8) + "→ " + links[index - 1])
        self.stdout.write("")
        self.stdout.write(
            _("Floor pages need no login, e.g. %(url)s") % {"url": base + self.reverse("committee:floor_page",
                                                                                      f"{building.code}-05")}
        )
        self.stdout.write("")

    @staticmethod
    def scope_label(role: Role) -> str:
        if role.floor_id:
            return f"{role.floor.building.name} {role.floor.label}"
        return str(role.scope)

    def path(self, spec: data.LoginSpec, role: Role) -> str:
        arg = None
        if spec.url_arg == "building":
            arg = role.building.code if role.building_id else role.floor.building.code
        elif spec.url_arg == "floor":
            arg = role.floor.code
        elif spec.url_arg == "enterprise":
            arg = role.enterprise_id or Enterprise.objects.get(uscc=spec.scope.partition(":")[2]).pk
        return self.reverse(spec.url_name, arg)

    @staticmethod
    def reverse(name: str, arg=None) -> str:
        try:
            return reverse(name, args=[arg] if arg is not None else [])
        except NoReverseMatch:  # a page not written yet: show the agreed address
            fallback = {
                "buildings:building_list": "/buildings/",
                "buildings:building_detail": "/buildings/{}/",
                "buildings:enterprise_list": "/buildings/{}/enterprises/",
                "buildings:enterprise_detail": "/enterprises/{}/",
                "committee:manage": "/buildings/{}/committee/",
                "committee:floor_page": "/f/{}/",
                "accounts:profile": "/me/",
                "cases:queue": "/cases/",
            }
            return fallback.get(name, "/").format(arg)
