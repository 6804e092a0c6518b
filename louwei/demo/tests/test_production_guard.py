"""The demo logins have a public password: load_demo refuses to run with the production settings."""

import pytest
from django.core.management import CommandError, call_command

from louwei.buildings.models import Building


@pytest.mark.django_db
def test_load_demo_refuses_in_production_mode(settings):
    settings.LOUWEI_PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo", verbosity=0)
    assert not Building.objects.exists()
