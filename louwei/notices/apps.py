from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "louwei.notices"
    label = "notices"
    verbose_name = _("Notices and policies")

    def ready(self):
        from louwei.buildings.models import Occupancy
        from louwei.buildings.signals import occupancies_started, occupancy_started

        from . import notify, services  # noqa: F401  notify registers the notification event kinds

        # A newcomer receives the still-current notices whose audience now includes it: one moving
        # in through the pages, or many through a roster import.
        occupancy_started.connect(
            services.occupancy_started, sender=Occupancy, dispatch_uid="notices.deliver_current_notices"
        )
        occupancies_started.connect(
            services.occupancies_started, sender=Occupancy, dispatch_uid="notices.deliver_current_notices_to_many"
        )
