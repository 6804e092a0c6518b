"""Signals the registry sends, so features above it can react without the registry knowing them.

``occupancy_started(sender=Occupancy, occupancy=...)`` is sent after the transaction that moved one
enterprise into a unit commits (the web pages, any caller of ``services.move_in``).

``occupancies_started(sender=Occupancy, occupancies=[...])`` is sent once after a roster import
that moved enterprises in commits, with every new occupancy: a feature reacts to many newcomers in
a few queries instead of a few queries each. A feature that reacts to move-ins connects to both;
the notices app delivers the still-current notices of the floor to each newcomer.
"""

from django.dispatch import Signal

occupancy_started = Signal()
occupancies_started = Signal()
