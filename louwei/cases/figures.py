"""The monthly figures of the rates, kept exact as cases change (owned by the figures work).

Services call, around every change of a case::

    before = figures.snapshot(case)      # None for a new case
    ...change and save the case...
    figures.record_change(before, case)

``record_change`` moves the case's contribution from the rows it counted in before to the rows it
counts in now, in the same transaction. ``rebuild`` recomputes every row from the cases.
"""

from __future__ import annotations


def snapshot(case):
    """The case's contribution to the figures as it stands (call before changing the case)."""
    return None


def record_change(before, case) -> None:
    """Apply the difference between ``before`` (a snapshot, or None for a new case) and ``case`` now."""
    return None
