"""Signals the registry sends, so features above it can react without the registry knowing them.

``occupancy_started(sender=Occupancy, occupancy=...)`` is sent after the transaction that moved an
enterprise into a unit commits (web page, roster import or any other caller of the service); the
notices app delivers the still-current notices of that floor to the newcomer.
"""

from django.dispatch import Signal

occupancy_started = Signal()
