"""python manage.py revoke_api_token USERNAME PREFIX"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from louwei import access
from louwei.api.models import ApiToken
from louwei.api.services import revoke_token


class Command(BaseCommand):
    help = "Revoke USERNAME's live API token whose first characters are PREFIX. The server operator is recorded."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("prefix", help="the first 8 characters of the token")

    def handle(self, *args, **options):
        tokens = list(
            ApiToken.objects.live().filter(user__username=options["username"], prefix=options["prefix"][:8])
        )
        if len(tokens) != 1:
            raise CommandError(_("No single live token of %(name)s starts with %(prefix)s.")
                               % {"name": options["username"], "prefix": options["prefix"]})
        try:
            revoke_token(actor=access.SYSTEM, token=tokens[0])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(_("Token %(prefix)s… revoked.") % {"prefix": tokens[0].prefix})
