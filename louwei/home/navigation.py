"""The shell's navigation by role: which destinations each person sees, in the side
navigation (desktop), the phone menu and the bottom tab bar.

Built lazily: a page that never shows the navigation (an htmx fragment) costs no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei import access
from louwei.accounts.models import RoleKind
from louwei.buildings.models import Building, Occupancy

BUILDING_KINDS = (RoleKind.COMMITTEE_SECRETARY, RoleKind.COMMITTEE_MEMBER, RoleKind.PROPERTY_STAFF)
ENTERPRISE_KINDS = (RoleKind.ENTERPRISE_CONTACT, RoleKind.EMPLOYEE)
MAX_TABS = 4


@dataclass
class NavItem:
    key: str
    label: str
    url: str
    icon: str
    current: bool = False


def _reverse(name: str, *args) -> str:
    return reverse(name, args=args)


class Navigation:
    """What the shell shows one person on one request."""

    def __init__(self, request):
        self.request = request
        self.user = getattr(request, "user", None)
        self.path = getattr(request, "path", "/")

    @property
    def authenticated(self) -> bool:
        return bool(self.user is not None and self.user.is_authenticated)

    @cached_property
    def roles(self):
        return access.active_roles(self.user) if self.authenticated else []

    @cached_property
    def kinds(self) -> set[str]:
        return {role.kind for role in self.roles}

    @cached_property
    def _building_ids(self) -> dict[str, list[int]]:
        """Building ids per kind of scope, in the order the roles come (no query: roles carry them)."""
        staff, leader = [], []
        for role in self.roles:
            if role.kind in BUILDING_KINDS and role.building_id not in staff:
                staff.append(role.building_id)
            elif role.kind == RoleKind.FLOOR_LEADER and role.floor.building_id not in leader:
                leader.append(role.floor.building_id)
        return {"staff": staff, "leader": leader}

    @cached_property
    def _enterprise_ids(self) -> list[int]:
        ids = []
        for role in self.roles:
            if role.kind in ENTERPRISE_KINDS and role.enterprise_id not in ids:
                ids.append(role.enterprise_id)
        return ids

    @cached_property
    def buildings(self) -> dict[int, Building]:
        """The buildings the person works in or for, by id: one query, only for people with such roles."""
        ids = set(self._building_ids["staff"]) | set(self._building_ids["leader"])
        if not ids and not self._enterprise_ids:
            return {}
        condition = Q(pk__in=ids)
        if self._enterprise_ids:
            occupied = Occupancy.objects.current().filter(enterprise_id__in=self._enterprise_ids)
            condition |= Q(pk__in=occupied.values("unit__floor__building_id"))
        return {b.pk: b for b in Building.objects.filter(condition).only("pk", "code", "name")}

    @cached_property
    def building(self) -> Building | None:
        """The one building the person belongs to, for the top bar; None for district staff or several."""
        if RoleKind.DISTRICT_STAFF in self.kinds or len(self.buildings) != 1:
            return None
        return next(iter(self.buildings.values()))

    @cached_property
    def items(self) -> list[NavItem]:
        items: list[NavItem] = []
        seen: set[str] = set()

        def add(key, label, url, icon):
            if url and url not in seen:
                seen.add(url)
                items.append(NavItem(key, label, url, icon))

        add("home", _("Home"), _reverse("home:index"), "home")
        if not self.authenticated:
            add("login", _("Log in"), _reverse("accounts:login"), "login")
            return self._mark_current(items)

        # Everyone logged in has a case page: their queues, or at least the cases they raised.
        add("cases", _("Cases"), _reverse("cases:queue"), "inbox")

        if self.user.is_superuser or RoleKind.DISTRICT_STAFF in self.kinds:
            add("buildings", _("Buildings"), _reverse("buildings:building_list"), "building")

        staff = [self.buildings[pk] for pk in self._building_ids["staff"] if pk in self.buildings]
        if len(staff) == 1:
            code = staff[0].code
            add("building", _("My building"), _reverse("buildings:building_detail", code), "building")
            add("enterprises", _("Enterprises"), _reverse("buildings:enterprise_list", code), "enterprise")
            add("committee", _("Committee"), _reverse("committee:manage", code), "committee")
        elif staff:
            add("buildings", _("Buildings"), _reverse("buildings:building_list"), "building")
        if staff or self.user.is_superuser or RoleKind.DISTRICT_STAFF in self.kinds:
            add("notices", _("Notices"), _reverse("notices:manage"), "info")

        led = [self.buildings[pk] for pk in self._building_ids["leader"] if pk in self.buildings]
        if led:
            code = led[0].code
            # Her own floors (the home's floor panel), not the committee's list of every leader.
            add("floors", _("My floors"), _reverse("home:index") + "#my-floors", "floors")
            add("unread", _("Unread on my floors"), _reverse("notices:my_floors"), "check")
            add("enterprises", _("Enterprises"), _reverse("buildings:enterprise_list", code), "enterprise")

        if self._enterprise_ids:
            add("our-notices", _("Notices for us"), _reverse("notices:index"), "info")
            add("enterprise", _("My enterprise"), _reverse("buildings:enterprise_detail", self._enterprise_ids[0]),
                "enterprise")

        self._add_case_figures(add, staff)
        self._add_case_settings(add)
        if self.user.is_superuser or any(
            role.party_committee_id and access.Action.SYSTEM_HEALTH in access.GRANTS[role.kind] for role in self.roles
        ):
            add("health", _("System health"), _reverse("home:health"), "check")
        if access.can_nationwide(self.user, access.Action.CALENDAR_MANAGE):
            add("holidays", _("Holidays"), _reverse("holidays:index"), "calendar")

        add("library", _("Policy library"), _reverse("library:index"), "search")
        add("inbox", _("Inbox"), _reverse("notifications:inbox"), "inbox")
        add("profile", _("My profile"), _reverse("accounts:profile"), "user")
        return self._mark_current(items)

    def _add_case_figures(self, add, staff: list[Building]) -> None:
        """The rates' dashboard: the district's for district staff (of one district), the building's
        for the staff of one building who may see its figures."""
        figures = [role for role in self.roles if access.Action.CASE_FIGURES in access.GRANTS[role.kind]]
        districts = {role.party_committee.code for role in figures if role.party_committee_id}
        if len(districts) == 1:
            add("rates", _("Rates"), _reverse("cases:district_dashboard", districts.pop()), "chart")
        elif len(staff) == 1 and any(role.building_id == staff[0].pk for role in figures):
            add("rates", _("Rates"), _reverse("cases:building_dashboard", staff[0].code), "chart")

    def _add_case_settings(self, add) -> None:
        """The case settings (categories, deadlines, district handlers) for superusers and district
        staff; a building's handlers for those who configure it (the committee secretary)."""
        configuring = [role for role in self.roles if access.Action.CASE_CONFIGURE in access.GRANTS[role.kind]]
        if self.user.is_superuser or any(role.party_committee_id for role in configuring):
            add("case-settings", _("Case settings"), _reverse("cases:settings"), "check")
        codes = [self.buildings[role.building_id].code for role in configuring
                 if role.building_id and role.building_id in self.buildings]
        if len(codes) == 1:
            add("handlers", _("Handlers"), _reverse("cases:building_handlers", codes[0]), "committee")

    @cached_property
    def tabs(self) -> list[NavItem]:
        """The phone's bottom tab bar: home, the first role destinations, and the profile (or log in)."""
        items = self.items
        first, last = items[0], items[-1]
        middle = [item for item in items[1:-1]][: MAX_TABS - 2]
        return [first, *middle, last] if len(items) > 1 else items

    def _mark_current(self, items: list[NavItem]) -> list[NavItem]:
        """The current destination is the one whose URL is the longest prefix of the path."""
        best = None
        for item in items:
            matches = self.path == item.url if item.url == "/" else self.path.startswith(item.url)
            if matches and (best is None or len(item.url) > len(best.url)):
                best = item
        if best is not None:
            best.current = True
        return items
