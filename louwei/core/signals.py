"""Signals the kernel sends, so features above it can react without the kernel knowing them.

``calendar_changed(sender=CalendarYear, year=...)`` is sent after the transaction that entered or
corrected a year of the official working-day calendar commits (web page or ``calendar_year``);
the cases app recomputes the deadlines of its open cases in the background.
"""

from django.dispatch import Signal

calendar_changed = Signal()
