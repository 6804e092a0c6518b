"""Writing spreadsheets safely: a cell that starts like a formula stays text (formula injection).

Every workbook the application produces (the roster template and export, rejected rows, the case
list, the rates) writes user-supplied text through :func:`append_row` or :func:`text_safe`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .text import strip_controls

# A spreadsheet takes a typed cell that starts with one of these for a formula (tab and carriage
# return: tools that strip them first; a line feed too, as XML reads a stored carriage return as
# one). Cells holding such strings are written as text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def text_safe(cell):
    """Keep a string that starts like a formula as text.

    The cell becomes a string cell (``data_type`` "s", never "f") marked with Excel's quote
    prefix, so the spreadsheet shows it as typed, keeps it text when someone edits it, and it
    reads back unchanged.
    """
    from openpyxl.cell.cell import TYPE_STRING

    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
        cell.data_type = TYPE_STRING
        cell.quotePrefix = True
    return cell


def cell_value(value):
    """``value`` as a cell may hold it: a string without the control characters that Excel's XML
    refuses (a row stored before they were kept out still exports; ``louwei.core.text``)."""
    return strip_controls(value)


def append_row(sheet, values: Iterable[Any]) -> None:
    """Append one row of values to ``sheet`` (an ordinary or a write-only worksheet), each cell
    through :func:`cell_value` and :func:`text_safe`."""
    from openpyxl.cell import WriteOnlyCell  # a detached cell: both kinds of sheet place it on append

    sheet.append([text_safe(WriteOnlyCell(sheet, value=cell_value(value))) for value in values])
