"""python manage.py open311_key NAME [--district CODE] [--revoke]"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from louwei import access
from louwei.buildings.models import PartyCommittee
from louwei.open311 import keys
from louwei.open311.models import ClientKey


class Command(BaseCommand):
    help = (
        "Issue an Open311 API key for the client system NAME and print it once (only its hash is kept); "
        "the key alone goes to standard output, so KEY=$(python manage.py open311_key hotline) works. "
        "--district CODE limits the key to one district's buildings. --revoke revokes NAME's key instead. "
        "The server operator is recorded as the issuer."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the client system, e.g. 'district hotline'")
        parser.add_argument("--district", default="", help="a district (Party committee) code")
        parser.add_argument("--revoke", action="store_true", help="revoke NAME's key")

    def handle(self, *args, **options):
        name = options["name"]
        if options["revoke"]:
            key = ClientKey.objects.filter(name__iexact=name.strip()).first()
            if key is None:
                raise CommandError(_("No client is called %(name)s.") % {"name": name})
            try:
                keys.revoke_key(actor=access.SYSTEM, key=key)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            self.stdout.write(_("The key of %(name)s (%(prefix)s…) is revoked.") % {"name": key.name,
                                                                                  "prefix": key.prefix})
            return
        district = None
        if options["district"]:
            district = PartyCommittee.objects.filter(code=options["district"].strip().upper()).first()
            if district is None:
                raise CommandError(_("No district has the code %(code)s.") % {"code": options["district"]})
        try:
            issued = keys.issue_key(actor=access.SYSTEM, name=name, party_committee=district)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stderr.write(
            _("Open311 key %(prefix)s… for %(name)s (%(scope)s). It is shown only this once: store it now.")
            % {"prefix": issued.key.prefix, "name": issued.key.name,
               "scope": district.code if district else _("every district")}
        )
        self.stdout.write(issued.secret)
