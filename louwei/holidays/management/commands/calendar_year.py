"""python manage.py calendar_year YEAR [--off RANGE:NAME ...] [--work DATE ...] --notice TEXT [--user NAME] [--dry-run]"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from louwei import access
from louwei.core import workdays
from louwei.holidays import services


class Command(BaseCommand):
    help = (
        "Enter or correct a year of China's official working-day calendar from the State Council's notice: "
        "its days off (--off 2027-01-01..2027-01-03:元旦, once per holiday) and make-up working days "
        "(--work 2027-02-20, once per day), with the notice's reference (--notice). Without --off it prints "
        "the year as it is used now. The open cases' deadlines are recomputed by the worker afterwards. With "
        "--user the user must be allowed to manage the calendar and is recorded in the audit; without it the "
        "server operator is."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", help="the year, e.g. 2027")
        parser.add_argument("--off", action="append", default=[], metavar="RANGE:NAME",
                            help="a holiday's days off: a date or a range and its name, e.g. 2027-01-01..2027-01-03:元旦")
        parser.add_argument("--work", action="append", default=[], metavar="DATE",
                            help="a make-up working day on a weekend, e.g. 2027-02-20 (a :NAME may follow)")
        parser.add_argument("--notice", default="", help="the reference of the State Council's notice")
        parser.add_argument("--user", help="username of the person entering the year (checked and recorded)")
        parser.add_argument("--dry-run", action="store_true", help="check and show the year, save nothing")

    def handle(self, *args, **options):
        actor = self._actor(options["user"])
        if not options["off"]:
            self._show(options["year"])
            return
        fields = {
            "year": options["year"],
            "days_off": "\n".join(options["off"]),
            "working_days": "\n".join(options["work"]),
            "notice": options["notice"],
        }
        try:
            plan = services.plan_year(**fields)
            self._describe(plan)
            if options["dry_run"]:
                self.stdout.write(_("Dry run: nothing saved."))
                return
            services.save_year(actor=actor, via="command", **fields)
        except PermissionDenied as exc:
            raise CommandError(_("%(name)s may not change the official calendar.") % {"name": options["user"]}) from exc
        except ValidationError as exc:
            raise CommandError("\n".join(_messages(exc))) from exc
        self.stdout.write(_("The calendar of %(year)d is saved. The worker recomputes the deadlines of open cases.")
                          % {"year": plan.year})

    def _actor(self, username: str | None):
        if not username:
            return access.SYSTEM
        model = get_user_model()
        try:
            return model.objects.get(username=username)
        except model.DoesNotExist as exc:
            raise CommandError(_("No user is called %(name)s.") % {"name": username}) from exc

    def _show(self, year) -> None:
        try:
            year = services.check_year(year)
        except ValidationError as exc:
            raise CommandError("\n".join(_messages(exc))) from exc
        days_off, working_days, notice = services.current_text(year)
        source = workdays.source_of(year)
        if source is None:
            self.stdout.write(_("No calendar of %(year)d: every Monday to Friday counts as a working day.")
                              % {"year": year})
            return
        self.stdout.write(_("%(year)d, entered from %(notice)s:") % {"year": year, "notice": notice}
                          if source == workdays.ENTERED
                          else _("%(year)d, from the chinese-calendar package:") % {"year": year})
        self._describe(services.plan_year(year=year, days_off=days_off, working_days=working_days,
                                          notice=notice or "chinese-calendar"))

    def _describe(self, plan: services.YearPlan) -> None:
        write = self.stdout.write
        write(_("Days off:"))
        for run in plan.holidays:
            write(f"  {run.as_text()} ({run.days})")
        write(_("Make-up working days:"))
        for run in plan.make_up_days:
            write(f"  {run.as_text()}")
        write(_("Working days per month: %(months)s; the whole year: %(total)d")
              % {"months": " ".join(str(count) for count in plan.months), "total": plan.working_days})
        if plan.changes:
            write(_("Days that change:"))
        for change in plan.changes:
            write(f"  {change.day}: " + (_("becomes a working day") if change.working_then else _("becomes a day off")))


OPTIONS = {"year": "YEAR", "days_off": "--off", "working_days": "--work", "notice": "--notice"}


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [f"{OPTIONS.get(field, field)}: {message}"
                for field, messages in error.message_dict.items() for message in messages]
    return list(error.messages)
