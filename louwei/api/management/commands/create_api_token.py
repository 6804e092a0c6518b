"""python manage.py create_api_token USERNAME [--name NAME]"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from louwei import access
from louwei.api.services import create_token


class Command(BaseCommand):
    help = (
        "Issue an API token for USERNAME and print it once (only its hash is kept). The token alone goes to "
        "standard output, so TOKEN=$(python manage.py create_api_token alice) works. Use it as "
        "'Authorization: Bearer TOKEN'. The server operator is recorded as the issuer."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="the person the token acts as")
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'district dashboard'")

    def handle(self, *args, **options):
        model = get_user_model()
        try:
            user = model.objects.get(username=options["username"])
        except model.DoesNotExist as exc:
            raise CommandError(_("No user is called %(name)s.") % {"name": options["username"]}) from exc
        try:
            issued = create_token(actor=access.SYSTEM, user=user, name=options["name"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stderr.write(
            _("API token %(prefix)s… for %(name)s. It is shown only this once: store it now.")
            % {"prefix": issued.token.prefix, "name": user.username}
        )
        self.stdout.write(issued.secret)
