"""The cases' notification events, and who is told of each change (filled in by services)."""

from django.utils.translation import gettext_lazy as _

from louwei.notifications import events

events.register("case.new", _("A new case on your floors"))
events.register("case.referred", _("A case awaits the committee"))
events.register("case.assigned", _("A case is dispatched to your handler"))
events.register("case.replied", _("A handler replied to a case"))
events.register("case.update", _("News of a case you raised"))
events.register("case.reminder", _("A case's deadline is near"))
events.register("case.overdue", _("A case is overdue"))
