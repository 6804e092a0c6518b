"""``python manage.py load_demo [--if-empty]``: the article's building, ready to explore."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from louwei.buildings.models import Building
from louwei.demo import data
from louwei.demo.loader import load_demo


class Command(BaseCommand):
    help = (
        "Create the demo building 新城发展大厦B座 (XCFZ-B): 20 floors, the service centre, about 120 "
        "enterprises, the first committee term and 20 floor leaders, notices, the handlers of cases and "
        "about a hundred cases of the last four months in every state, and the demo logins "
        f"(password {data.PASSWORD}). Idempotent: only what is missing is created."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the database already has any building."
        )

    def handle(self, *args, **options):
        if settings.LOUWEI_PRODUCTION:
            raise CommandError(
                "load_demo refuses to run with the production settings: the demo logins have a public password."
            )
        if options["if_empty"] and Building.objects.exists():
            if options["verbosity"] >= 1:
                self.stdout.write("The database already has buildings; the demo was not loaded.")
            return
        result = load_demo()
        if options["verbosity"] >= 1:
            if result.changed:
                made = ", ".join(f"{count} {label}" for label, count in result.created.items() if count)
                self.stdout.write(self.style.SUCCESS(f"Demo building {result.building.code} loaded: {made}."))
            else:
                self.stdout.write(f"Demo building {result.building.code} is complete; nothing to add.")
