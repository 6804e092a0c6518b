"""The enterprise roster (企业名册) as an Excel workbook: the template, import and export.

One layout serves all three, so an exported file re-imports with no change:

* sheet ``名册`` (the data): one header row (Chinese, English on a second line), then one row per
  enterprise and unit. An enterprise in several units has one row per unit, with the same data.
* sheet ``说明`` (instructions, with a filled example row), and a hidden sheet ``选项`` with the
  lists behind the drop-downs.

Import rules (decided here, shown to users on the instructions sheet):

* Required: name, USCC, industry, floor and unit. The floor must exist in the building; a unit
  that the floor does not have yet is created (the dry run lists the units it would create).
* A blank optional cell means "not given": a new enterprise gets the default (0 employees, no
  Party organisation, moved in on the day of the import), an existing one keeps its value.
* The enterprise is matched by its USCC. If the registry knows the code under another name,
  the row is rejected; so is a known code whose enterprise the importer may not change
  (``access.enterprises(actor, ENTERPRISE_EDIT)``: one registered in buildings they do not
  manage). The command without ``--user`` (a server operator) has no such limit.
* A contact is matched by name within the enterprise; a move-in is matched by enterprise and unit
  (a current occupancy is never duplicated). Import never moves anyone out: move-outs are
  recorded on the enterprise's page.
* By default nothing is written unless every row is good; with ``skip_invalid`` the good rows
  are written and the bad ones returned (``ImportReport.rejected_workbook()``).

Every workbook written here (template, export, rejected rows) stores a string that starts like a
formula (= + - @, tab, carriage return, line feed) as text, never as a formula (:func:`text_safe`).
Imports and exports are audited (``roster.imported``, ``roster.exported``).
"""

from __future__ import annotations

import copy
import datetime
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from louwei import access
from louwei.access import Action
from louwei.core.audit import record, record_many
from louwei.core.spreadsheets import append_row, text_safe  # noqa: F401  (text_safe: the one rule, tested here)
from louwei.core.text import compact, normalise
from louwei.core import phones
from louwei.core.validators import normalise_phone, normalise_uscc, validate_phone, validate_uscc

from . import services, signals
from .models import Building, Enterprise, EnterpriseContact, Floor, Industry, Occupancy, PartyOrganisation, Unit

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_DATA = "名册"
SHEET_HELP = "说明"
SHEET_LISTS = "选项"
# Cells below the header that carry the drop-downs and text formats.
TEMPLATE_ROWS = 2000
# An import reports its progress every so many rows.
PROGRESS_EVERY = 250


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool = False
    width: int = 14
    text: bool = False  # Excel text format, so that 0501 keeps its zero
    aliases: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        return f"{self.zh}\n{self.en}"

    @property
    def label(self) -> str:
        return f"{self.zh} {self.en}"


COLUMNS: tuple[Column, ...] = (
    Column("name", "企业名称", "Name", required=True, width=32, aliases=("企业名", "名称", "企业", "enterprise", "company")),
    Column("uscc", "统一社会信用代码", "USCC", required=True, width=24, text=True,
           aliases=("信用代码", "社会信用代码", "统一代码", "credit code", "unified social credit code")),
    Column("industry", "行业", "Industry", required=True, width=26, aliases=("所属行业", "行业类别")),
    Column("floor", "楼层", "Floor", required=True, width=8, aliases=("所在楼层", "层")),
    Column("unit", "房间号", "Unit", required=True, width=10, text=True,
           aliases=("房号", "房间", "单元", "unit number", "room")),
    Column("moved_in_on", "入驻日期", "Move-in date", width=14, aliases=("入驻时间", "move-in", "moved in")),
    Column("employee_count", "职工人数", "Employees", width=10, aliases=("员工人数", "人数", "职工数", "employee count")),
    Column("party_organisation", "党组织", "Party organisation", width=14,
           aliases=("党组织情况", "党组织类型", "party organization")),
    Column("party_member_count", "党员人数", "Party members", width=10, aliases=("党员数", "party member count")),
    Column("contact_name", "联系人", "Contact", width=12, aliases=("联系人姓名", "contact name")),
    Column("contact_phone", "联系电话", "Contact phone", width=16, text=True, aliases=("电话", "手机", "手机号", "phone")),
    Column("contact_email", "邮箱", "E-mail", width=24, aliases=("电子邮箱", "email", "e-mail", "mail")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
ENTERPRISE_KEYS = ("name", "industry", "employee_count", "party_organisation", "party_member_count")
CONTACT_KEYS = ("contact_name", "contact_phone", "contact_email")

# GB/T 4754-2017 section names, as printed in the standard.
INDUSTRY_ZH = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}
# The everyday words of the article (and a few more), mapped to sections.
INDUSTRY_WORDS = {
    "商贸": "F",
    "贸易": "F",
    "批发": "F",
    "零售": "F",
    "建筑": "E",
    "传媒": "R",
    "文化传媒": "R",
    "园林": "N",
    "园林绿化": "N",
    "金融": "J",
    "信息科技": "I",
    "信息技术": "I",
    "软件": "I",
    "互联网": "I",
    "房地产": "K",
    "教育": "P",
    "餐饮": "H",
    "物流": "G",
}
PARTY_ORGANISATION_ZH = {
    PartyOrganisation.NONE: "无",
    PartyOrganisation.OWN_BRANCH: "独立支部",
    PartyOrganisation.JOINT_BRANCH: "联合支部",
}
PARTY_ORGANISATION_WORDS = {
    "无": PartyOrganisation.NONE,
    "没有": PartyOrganisation.NONE,
    "未建立": PartyOrganisation.NONE,
    "none": PartyOrganisation.NONE,
    "no": PartyOrganisation.NONE,
    "独立支部": PartyOrganisation.OWN_BRANCH,
    "独立党支部": PartyOrganisation.OWN_BRANCH,
    "单独组建": PartyOrganisation.OWN_BRANCH,
    "own_branch": PartyOrganisation.OWN_BRANCH,
    "ownbranch": PartyOrganisation.OWN_BRANCH,
    "ownpartybranch": PartyOrganisation.OWN_BRANCH,
    "联合支部": PartyOrganisation.JOINT_BRANCH,
    "联合党支部": PartyOrganisation.JOINT_BRANCH,
    "联合组建": PartyOrganisation.JOINT_BRANCH,
    "joint_branch": PartyOrganisation.JOINT_BRANCH,
    "jointbranch": PartyOrganisation.JOINT_BRANCH,
    "jointpartybranch": PartyOrganisation.JOINT_BRANCH,
}


def industry_cell(code: str) -> str:
    """How the template writes an industry: ``F 批发和零售业``."""
    return f"{code} {INDUSTRY_ZH[code]}"


# ----------------------------------------------------------------------------------------------
# Reading cells: each parser returns the clean value, ``None`` for a blank cell, or raises
# ValidationError with the reason.


def _blank(value) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    stripped = value.strip()
    if stripped and "\u200b" not in stripped:  # the common case, without normalising
        return False
    return not normalise(value)


def _key(text: str) -> str:
    return re.sub(r"[\s*＊:：()（）_\-]", "", normalise(text)).lower()


_INDUSTRY_LOOKUP: dict[str, str] = {}
for _code, _zh in INDUSTRY_ZH.items():
    _INDUSTRY_LOOKUP[_key(_zh)] = _code
    _INDUSTRY_LOOKUP[_key(_zh.rstrip("业"))] = _code
for _word, _code in INDUSTRY_WORDS.items():
    _INDUSTRY_LOOKUP[_key(_word)] = _code


def parse_industry(value) -> str | None:
    if _blank(value):
        return None
    text = normalise(value)
    upper = text.upper()
    if len(upper) == 1 and upper in Industry.values:
        return upper
    match = re.match(r"^([A-Ta-t])(?:[\s·.、:：\-]|$)", text)
    if match:
        return match.group(1).upper()
    code = _INDUSTRY_LOOKUP.get(_key(text))
    if code:
        return code
    for choice_code, label in Industry.choices:
        if _key(str(label)) == _key(text) or _key(Industry(choice_code).label) == _key(text):
            return choice_code
    raise ValidationError(
        _("Unknown industry “%(value)s”: use a section letter A–T, its Chinese name, or 商贸, 建筑, 传媒, 园林, 金融, 信息科技.")
        % {"value": text}
    )


def parse_party_organisation(value) -> str | None:
    if _blank(value):
        return None
    text = normalise(value)
    found = PARTY_ORGANISATION_WORDS.get(_key(text).replace("-", "_")) or PARTY_ORGANISATION_WORDS.get(text.lower())
    if found is None:
        for code, label in PartyOrganisation.choices:
            if _key(str(label)) == _key(text):
                found = code
    if found is None:
        raise ValidationError(
            _("Unknown Party organisation “%(value)s”: use 无, 独立支部 or 联合支部.") % {"value": text}
        )
    return found


def parse_count(value) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": value})
        number = int(value)
    else:
        text = compact(value).rstrip("人名")
        text = text.replace(",", "")
        if not re.fullmatch(r"[+-]?\d+(\.0+)?", text):
            raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": normalise(value)})
        number = int(float(text))
    if number < 0:
        raise ValidationError(_("The number cannot be negative."))
    if number > 1_000_000:
        raise ValidationError(_("The number is too large."))
    return number


def parse_floor_number(value) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = compact(value).upper()
    text = re.sub(r"(F|层|楼|楼层)$", "", text)
    match = re.fullmatch(r"(?:B|地下|负|-)(\d{1,2})", text)
    if match:
        return -int(match.group(1))
    if re.fullmatch(r"\+?\d{1,3}", text):
        return int(text)
    raise ValidationError(_("“%(value)s” is not a floor number.") % {"value": normalise(value)})


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value) -> datetime.date | None:
    if _blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        if 20000 <= value < 80000:  # Excel's serial day numbers, 1954 to 2119
            result = from_excel(value)
            return result.date() if isinstance(result, datetime.datetime) else result
    text = normalise(value).replace(" 00:00:00", "")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise ValidationError(_("“%(value)s” is not a date; write it as 2021-09-10.") % {"value": text})


def parse_text(value, max_length: int) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = normalise(value)
    if len(text) > max_length:
        raise ValidationError(
            _("At most %(max)d characters; this has %(count)d.") % {"max": max_length, "count": len(text)}
        )
    return text


def parse_uscc(value) -> str | None:
    if _blank(value):
        return None
    code = normalise_uscc(value)
    validate_uscc(code)
    return code


def parse_unit(value) -> str | None:
    if _blank(value):
        return None
    number = services.normalise_unit_number(value)
    if len(number) > 16:
        raise ValidationError(_("At most %(max)d characters; this has %(count)d.") % {"max": 16, "count": len(number)})
    return number


def parse_phone(value) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = compact(value).replace("－", "-").replace("—", "-")
    validate_phone(text)
    return normalise_phone(text)


def parse_email(value) -> str | None:
    if _blank(value):
        return None
    text = compact(value)
    EmailValidator(message=_("“%(value)s” is not a valid e-mail address.") % {"value": text})(text)
    return text


PARSERS = {
    "name": lambda v: parse_text(v, 100),
    "uscc": parse_uscc,
    "industry": parse_industry,
    "floor": parse_floor_number,
    "unit": parse_unit,
    "moved_in_on": parse_date,
    "employee_count": parse_count,
    "party_organisation": parse_party_organisation,
    "party_member_count": parse_count,
    "contact_name": lambda v: parse_text(v, 64),
    "contact_phone": parse_phone,
    "contact_email": parse_email,
}


# ----------------------------------------------------------------------------------------------
# The report


@dataclass
class RowError:
    row: int  # as Excel shows it
    column: str  # the column's header, e.g. "统一社会信用代码 USCC"
    message: str


@dataclass
class RejectedRow:
    row: int
    cells: list[Any]
    reasons: list[str]


@dataclass
class ImportReport:
    building_code: str
    filename: str = ""
    dry_run: bool = False
    skip_invalid: bool = False
    written: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    units_created: list[str] = field(default_factory=list)
    headers: list[Any] = field(default_factory=list)
    rejected_rows: list[RejectedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def good_rows(self) -> int:
        return self.rows - self.rejected

    def error_lines(self) -> list[str]:
        return [
            _("Row %(row)d, %(column)s: %(message)s") % {"row": e.row, "column": e.column, "message": e.message}
            for e in self.errors
        ]

    def summary(self) -> str:
        counts = {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }
        if self.written:
            text = _(
                "%(rows)d rows: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                "%(rejected)d rejected."
            ) % counts
        else:
            text = _(
                "%(rows)d rows; if imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                "%(rejected)d rejected. Nothing was written."
            ) % counts
        if self.units_created:
            text += " " + _("New units: %(units)s.") % {"units": ", ".join(self.units_created)}
        return text

    def rejected_workbook(self) -> bytes | None:
        """The rejected rows with their original cells, a reason column and the original row number."""
        if not self.rejected_rows:
            return None
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = SHEET_DATA
        headers = [h if h is not None else "" for h in self.headers]
        append_row(sheet, [*headers, "错误原因\nReason", "原行号\nRow"])
        _style_header(sheet, len(headers) + 2)
        for rejected in self.rejected_rows:
            cells = list(rejected.cells) + [None] * (len(headers) - len(rejected.cells))
            append_row(sheet, [*cells[: len(headers)], "；".join(rejected.reasons), rejected.row])
        for index in range(1, len(headers) + 1):
            sheet.column_dimensions[_letter(index)].width = 16
        sheet.column_dimensions[_letter(len(headers) + 1)].width = 60
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, (datetime.date, datetime.datetime)):
                    cell.number_format = "yyyy-mm-dd"
        return _save(workbook)


# ----------------------------------------------------------------------------------------------
# Reading a workbook


@dataclass
class Sheet:
    headers: list[Any]
    columns: dict[str, int]  # column key → 0-based index
    rows: list[tuple[int, list[Any]]]  # (Excel row number, cells)
    ignored: list[str]


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _match_header(value) -> str | None:
    if _blank(value):
        return None
    for part in str(value).splitlines() or [str(value)]:
        key = _key(part)
        if not key:
            continue
        for column in COLUMNS:
            names = (column.zh, column.en, column.key, *column.aliases)
            if key in {_key(n) for n in names}:
                return column.key
    whole = _key(str(value))
    for column in COLUMNS:
        if whole == _key(column.zh + column.en):
            return column.key
    return None


def _file_error(message: str) -> ValidationError:
    return ValidationError(message, code="roster_file")


# What a roster workbook may hold. Besides the upload's size (LOUWEI_MAX_ROSTER_BYTES) and the rows
# (LOUWEI_MAX_ROSTER_ROWS), a small .xlsx can unpack to a great deal (a "zip bomb"): hundreds of
# megabytes of empty rows, or one row of millions of empty cells, cost minutes of CPU to parse. So
# before openpyxl sees a file, every part is unpacked here as a stream, checked against the size its
# header gives, and every XML part is counted element by element: each sheet's declared dimension,
# rows, columns and cells (empty ones included), and the elements of the whole file. The first
# limit passed stops the reading.
HEADER_ROWS = 10  # the header row is looked for in the first rows of the sheet
MAX_COLUMNS = 50  # cells further right than this refuse the file
CELLS_PER_ROW = 25  # the cell count's limit: the rows' limit times this (the roster has 12 columns)
ELEMENTS_PER_CELL = 4  # the element count's limit: the cells' limit times this (a cell is 2 or 3 elements)
MAX_TEXT = 32767  # characters in one run of text: Excel's own limit for a cell
UNPACKED_PER_BYTE = 10  # the unpacked size's limit: LOUWEI_MAX_ROSTER_BYTES times this
_PIECE = 1 << 16


@dataclass(frozen=True)
class WorkbookLimits:
    unpacked_bytes: int
    sheet_rows: int
    columns: int
    cells: int
    elements: int


def workbook_limits() -> WorkbookLimits:
    rows = settings.LOUWEI_MAX_ROSTER_ROWS + HEADER_ROWS
    return WorkbookLimits(
        unpacked_bytes=settings.LOUWEI_MAX_ROSTER_BYTES * UNPACKED_PER_BYTE,
        sheet_rows=rows,
        columns=MAX_COLUMNS,
        cells=rows * CELLS_PER_ROW,
        elements=rows * CELLS_PER_ROW * ELEMENTS_PER_CELL,
    )


def _not_a_workbook() -> ValidationError:
    return _file_error(_("This is not an Excel workbook (.xlsx). Save the file as .xlsx and try again."))


def _damaged() -> ValidationError:
    return _file_error(_("The workbook could not be read: it may be damaged or not an .xlsx file."))


def _number(value: int) -> str:
    return f"{value:,}"


def _unpacked(data: bytes, info: zipfile.ZipInfo):
    """The unpacked bytes of one member of the zip, in pieces, from its own compressed stream: a
    member whose stream holds more than its header says, or less, or other bytes, is refused (the
    zip module would trust the header and stop there)."""
    if info.flag_bits & 0x1:  # encrypted
        raise _not_a_workbook()
    offset = info.header_offset
    header = data[offset : offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _damaged()
    name_length, extra_length = int.from_bytes(header[26:28], "little"), int.from_bytes(header[28:30], "little")
    start = offset + 30 + name_length + extra_length
    raw = memoryview(data)[start : start + info.compress_size]
    if len(raw) < info.compress_size:
        raise _damaged()
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            raise _damaged()
        pieces = (bytes(raw[i : i + _PIECE]) for i in range(0, len(raw), _PIECE))
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        pieces = _inflate(raw)
    else:  # Excel writes deflated or stored members only
        raise _not_a_workbook()
    produced = crc = 0
    for piece in pieces:
        produced += len(piece)
        if produced > info.file_size:
            raise _file_error(
                _("The workbook is damaged: one of its parts unpacks to more than its header says.")
            )
        crc = zlib.crc32(piece, crc)
        yield piece
    if produced != info.file_size or crc != info.CRC:
        raise _damaged()


def _inflate(raw: memoryview):
    """A deflate stream, unpacked a piece at a time (never more than ``_PIECE`` bytes at once)."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    position = 0
    while not inflater.eof:
        if inflater.unconsumed_tail:
            given = inflater.unconsumed_tail
        else:
            given = raw[position : position + _PIECE]
            position += len(given)
        try:
            piece = inflater.decompress(given, _PIECE)
        except zlib.error as exc:
            raise _damaged() from exc
        if not piece and not given:
            raise _damaged()  # the stream ends before its end
        if piece:
            yield piece


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


class _Scan:
    """Counts, as expat streams through the XML parts of a workbook one after the other, the
    elements of them all, the length of each run of text, and for each worksheet its declared
    dimension, rows, columns and cells (empty ones included), raising the translated error at the
    first limit passed. Names are namespace-resolved (``uri}local``), whatever prefixes the file uses."""

    def __init__(self, limits: WorkbookLimits):
        self.limits = limits
        self.elements = 0
        self.on_sheet = {f"{_MAIN}}}c": self._cell, f"{_MAIN}}}row": self._row, f"{_MAIN}}}dimension": self._dimension}

    def part(self, pieces, label: str, listener=None) -> None:
        """Stream one XML part through the counts; ``label`` names it in messages (the sheet's name),
        ``listener`` is called with every element's name and attributes."""
        self.label = label
        self.listener = listener
        self.first = True
        self.worksheet = False
        self.rows = self.cells = self.row = self.column = self.text = 0
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.CharacterDataHandler = self.characters
        parser.StartDoctypeDeclHandler = _refuse_declarations
        parser.EntityDeclHandler = _refuse_declarations
        try:
            for piece in pieces:
                parser.Parse(piece, False)
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise _damaged() from exc

    def characters(self, text: str) -> None:
        self.text += len(text)
        if self.text > MAX_TEXT:
            raise _file_error(
                _("The workbook holds a text of more than %(max)s characters; Excel allows at most that in a cell.")
                % {"max": _number(MAX_TEXT)}
            )

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.text = 0
        self.elements += 1
        if self.elements > self.limits.elements:
            raise _file_error(
                _(
                    "The workbook holds more than %(count)s XML elements; a roster needs far fewer. Copy the "
                    "roster into a new, empty workbook and try again."
                )
                % {"count": _number(self.limits.elements)}
            )
        if self.listener is not None:
            self.listener(name.rpartition("}")[2], attributes)
        if self.worksheet:
            handler = self.on_sheet.get(name)
            if handler is not None:
                handler(attributes)
        elif self.first:
            self.first = False
            self.worksheet = name == f"{_MAIN}}}worksheet"

    def _row(self, attributes: dict[str, str]) -> None:
        reference = attributes.get("r")
        self.rows += 1
        self.row = _whole_number(reference) if reference else self.row + 1
        self.column = 0
        if self.rows > self.limits.sheet_rows or self.row > self.limits.sheet_rows:
            raise _file_error(
                _(
                    "The sheet “%(sheet)s” has more than %(rows)s rows, empty ones included. Delete the empty "
                    "rows after the data, or split the file (at most %(max)s rows of enterprises a file)."
                )
                % {
                    "sheet": self.label,
                    "rows": _number(self.limits.sheet_rows),
                    "max": _number(settings.LOUWEI_MAX_ROSTER_ROWS),
                }
            )

    def _cell(self, attributes: dict[str, str]) -> None:
        reference = attributes.get("r")
        self.cells += 1
        self.column = _column_number(reference) if reference else self.column + 1
        if self.column > self.limits.columns:
            raise _file_error(
                _(
                    "The sheet “%(sheet)s” has cells beyond column %(column)s, empty ones included; a roster has "
                    "at most %(max)d columns. Delete the empty columns after the data."
                )
                % {"sheet": self.label, "column": _letter(self.limits.columns), "max": self.limits.columns}
            )
        if self.cells > self.limits.cells:
            raise _file_error(
                _(
                    "The sheet “%(sheet)s” has more than %(cells)s cells, empty ones included. Delete the empty "
                    "rows and columns after the data, or split the file."
                )
                % {"sheet": self.label, "cells": _number(self.limits.cells)}
            )

    def _dimension(self, attributes: dict[str, str]) -> None:
        from openpyxl.utils.cell import range_boundaries

        reference = attributes.get("ref", "")
        try:
            _min_col, _min_row, max_col, max_row = range_boundaries(reference.upper())
        except (TypeError, ValueError):
            return  # openpyxl reads on without a usable dimension, and the counts still hold
        if (max_row or 0) > self.limits.sheet_rows or (max_col or 0) > self.limits.columns:
            raise _file_error(
                _(
                    "The sheet “%(sheet)s” says it spans %(range)s; a roster may have at most %(rows)s rows and "
                    "%(columns)d columns. Delete the empty rows and columns after the data, or split the file."
                )
                % {
                    "sheet": self.label,
                    "range": reference,
                    "rows": _number(self.limits.sheet_rows),
                    "columns": self.limits.columns,
                }
            )


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise _damaged() from exc


_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?\d+")


def _column_number(reference: str) -> int:
    """The column of a cell reference: A1 → 1, AX7 → 50."""
    match = _REFERENCE.fullmatch(reference)
    if match is None:
        raise _damaged()
    number = 0
    for letter in match.group(1).upper():
        number = number * 26 + ord(letter) - 64
    return number


def _refuse_declarations(*_args) -> None:
    raise _not_a_workbook()  # an Office file never declares a DTD or entities


class _SheetNames:
    """Collects, from xl/workbook.xml and its relationships, which part holds which sheet, so that
    messages name the sheet (名册) rather than its part (xl/worksheets/sheet1.xml)."""

    PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")

    def __init__(self):
        self.sheets: list[tuple[str, str]] = []  # (name, relationship id)
        self.targets: dict[str, str] = {}  # relationship id → part

    def __call__(self, local: str, attributes: dict[str, str]) -> None:
        if local == "sheet":
            rid = next((v for k, v in attributes.items() if k.rpartition("}")[2] == "id"), "")
            self.sheets.append((attributes.get("name", ""), rid))
        elif local == "Relationship":
            self.targets[attributes.get("Id", "")] = attributes.get("Target", "")

    def by_part(self) -> dict[str, str]:
        names = {}
        for sheet, rid in self.sheets:
            target = self.targets.get(rid, "")
            if target:
                names[target.lstrip("/") if target.startswith("/") else f"xl/{target}"] = sheet
        return names


def check_workbook_bytes(data: bytes) -> None:
    """Is this really an .xlsx (a zip holding a workbook), and not a zip bomb?

    Refuses, with a translated ``ValidationError``, within a fraction of a second whatever the file
    unpacks to: a file that is not a workbook; parts that together unpack to more than
    ``workbook_limits().unpacked_bytes`` (by their headers, then by their streams, which must stop where
    the headers say); a sheet whose dimension, rows, columns or cells (empty ones counted) pass the
    limits, or a workbook with too many XML elements in all.
    """
    if not data.startswith(b"PK\x03\x04"):
        raise _not_a_workbook()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise _not_a_workbook() from exc
    names = {info.filename for info in members}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise _not_a_workbook()
    limits = workbook_limits()

    def too_large() -> ValidationError:
        return _file_error(
            _(
                "The workbook is too large once unpacked (more than %(limit)s). Copy the roster into a new, "
                "empty workbook and try again."
            )
            % {"limit": filesizeformat(limits.unpacked_bytes)}
        )

    if sum(info.file_size for info in members) > limits.unpacked_bytes:
        raise too_large()
    scan = _Scan(limits)
    workbook_parts = _SheetNames()
    sheet_names: dict[str, str] = {}
    for info in sorted(members, key=lambda info: info.filename not in _SheetNames.PARTS):
        pieces = _unpacked(data, info)
        if info.filename in _SheetNames.PARTS:
            scan.part(pieces, info.filename, listener=workbook_parts)
            sheet_names = workbook_parts.by_part()
        elif info.filename.endswith((".xml", ".rels")):
            scan.part(pieces, sheet_names.get(info.filename, info.filename))
        else:
            for _piece in pieces:
                pass


def read_workbook(data: bytes) -> Sheet:
    check_workbook_bytes(data)
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error on a damaged file
        raise _damaged() from exc
    try:
        if SHEET_DATA in workbook.sheetnames:
            worksheet = workbook[SHEET_DATA]
        else:
            worksheet = next(
                (workbook[name] for name in workbook.sheetnames if name not in (SHEET_HELP, SHEET_LISTS)),
                workbook.worksheets[0],
            )
        # The rows as they are in the file, not as its dimension says: check_workbook_bytes counted them.
        worksheet.reset_dimensions()
        try:
            return _read_rows(worksheet.iter_rows(values_only=True))
        except ValidationError:
            raise
        except Exception as exc:  # a damaged sheet
            raise _damaged() from exc
    finally:
        workbook.close()


def _read_rows(rows: Iterable[tuple]) -> Sheet:
    """The header (within the first ``HEADER_ROWS`` rows) and the rows below it that are not blank.
    Blank rows are skipped but counted: at most LOUWEI_MAX_ROSTER_ROWS rows below the header, empty
    ones included."""
    max_rows = settings.LOUWEI_MAX_ROSTER_ROWS
    headers: list[Any] | None = None
    header_number = 0
    columns: dict[str, int] = {}
    data: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(rows, start=1):
        cells = list(cells)
        if headers is None:
            found = {}
            for index, value in enumerate(cells):
                key = _match_header(value)
                if key and key not in found:
                    found[key] = index
            if len(found) >= 2:
                headers, columns, header_number = cells, found, number
            elif number >= HEADER_ROWS:
                break
            continue
        if number - header_number > max_rows:
            if len(data) == number - header_number - 1:  # no blank row so far: the file is simply too long
                raise _file_error(
                    _("The file has more than %(max)d rows; split it into smaller files.") % {"max": max_rows}
                )
            raise _file_error(
                _(
                    "The file has more than %(max)d rows below its header, empty rows included; delete the empty "
                    "rows or split it into smaller files."
                )
                % {"max": max_rows}
            )
        if all(_blank(value) for value in cells):
            continue
        data.append((number, cells))
    if headers is None:
        raise _file_error(_("No header row found. Use the roster template: its first row names the columns."))
    missing = [COLUMN_BY_KEY[key].label for key in COLUMN_BY_KEY if COLUMN_BY_KEY[key].required and key not in columns]
    if missing:
        raise _file_error(_("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)})
    ignored = [
        normalise(value) for index, value in enumerate(headers) if not _blank(value) and index not in columns.values()
    ]
    return Sheet(headers=headers, columns=columns, rows=data, ignored=ignored)


def _sheet_from_mappings(rows: Iterable[Mapping[str, Any]]) -> Sheet:
    headers = [column.header for column in COLUMNS]
    columns = {column.key: index for index, column in enumerate(COLUMNS)}
    data = [(number, [row.get(column.key) for column in COLUMNS]) for number, row in enumerate(rows, start=2)]
    if len(data) > settings.LOUWEI_MAX_ROSTER_ROWS:
        raise _file_error(
            _("The file has more than %(max)d rows; split it into smaller files.")
            % {"max": settings.LOUWEI_MAX_ROSTER_ROWS}
        )
    return Sheet(headers=headers, columns=columns, rows=data, ignored=[])


def read_source(source) -> Sheet:
    """A roster from a path, bytes, a binary file object, or a list of dicts keyed by column key."""
    if isinstance(source, (str, Path)):
        return read_workbook(Path(source).read_bytes())
    if isinstance(source, (bytes, bytearray, memoryview)):
        return read_workbook(bytes(source))
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        return read_workbook(source.read())
    return _sheet_from_mappings(source)


# ----------------------------------------------------------------------------------------------
# Checking rows


@dataclass
class Row:
    number: int
    cells: list[Any]
    values: dict[str, Any]
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column key, message)
    floor: Floor | None = None

    def add(self, key: str, message: str) -> None:
        self.errors.append((key, message))

    def given(self, key: str) -> bool:
        return self.values.get(key) is not None


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def out_of_scope_message() -> str:
    return _(
        "This credit code belongs to an enterprise registered outside the buildings you manage; "
        "ask the district staff."
    )


def _editable(actor, enterprises: Iterable[Enterprise]) -> set[int] | None:
    """The ids, among ``enterprises``, of those ``actor`` may change; ``None`` means no limit
    (``access.SYSTEM``: the command run by a server operator). One query."""
    if access.is_system(actor):
        return None
    ids = [e.pk for e in enterprises]
    if not ids:
        return set()
    return set(access.enterprises(actor, Action.ENTERPRISE_EDIT).filter(pk__in=ids).values_list("pk", flat=True))


@dataclass
class _Registry:
    """What an import needs to know of the registry, read in six queries whatever the rows: the
    building's floors and units, the enterprises the file names (with their contacts), their open
    occupancies in the building, and which of them the importer may change."""

    floors: dict[int, Floor]  # number → floor
    units: dict[tuple[int, str], Unit]  # (floor id, unit number) → unit
    enterprises: dict[str, Enterprise]  # credit code → enterprise, with ``contact_list``
    open: dict[tuple[str, int, str], Occupancy]  # (credit code, floor id, unit number) → open occupancy
    editable: set[int] | None  # ids of the enterprises the importer may change; None: no limit


def _floors(building: Building) -> dict[int, Floor]:
    floors = {floor.number: floor for floor in Floor.objects.filter(building=building)}
    for floor in floors.values():
        floor.building = building
    return floors


def _read_registry(building: Building, floors: dict[int, Floor], codes: set[str], actor) -> _Registry:
    floor_by_id = {floor.pk: floor for floor in floors.values()}
    units = {}
    unit_by_id = {}
    for unit in Unit.objects.filter(floor__building=building):
        unit.floor = floor_by_id[unit.floor_id]
        units[(unit.floor_id, unit.number)] = unit_by_id[unit.pk] = unit
    enterprises: dict[str, Enterprise] = {}
    open_occupancies = {}
    if codes:
        enterprises = {
            enterprise.uscc: enterprise
            for enterprise in Enterprise.objects.filter(uscc__in=codes).prefetch_related(
                Prefetch("contacts", queryset=EnterpriseContact.objects.order_by("pk"), to_attr="contact_list")
            )
        }
        enterprise_by_id = {enterprise.pk: enterprise for enterprise in enterprises.values()}
        for occupancy in Occupancy.objects.filter(
            enterprise_id__in=list(enterprise_by_id), unit__floor__building=building, ended_on__isnull=True
        ):
            occupancy.enterprise = enterprise_by_id[occupancy.enterprise_id]
            occupancy.unit = unit_by_id[occupancy.unit_id]
            open_occupancies[(occupancy.enterprise.uscc, occupancy.unit.floor_id, occupancy.unit.number)] = occupancy
    return _Registry(floors, units, enterprises, open_occupancies, _editable(actor, enterprises.values()))


def _check_rows(sheet: Sheet, building: Building, actor, tell) -> tuple[list[Row], _Registry]:
    """Check every row against the rules, the registry and the rest of the file; return the rows
    (with their errors) and what was read of the registry. Reports progress every few hundred rows."""
    floors = _floors(building)
    rows: list[Row] = []
    total = 2 * len(sheet.rows)
    for count, (number, cells) in enumerate(sheet.rows, start=1):
        values: dict[str, Any] = {}
        row = Row(number=number, cells=cells, values=values)
        for key, index in sheet.columns.items():
            raw = cells[index] if index < len(cells) else None
            try:
                values[key] = PARSERS[key](raw)
            except ValidationError as exc:
                values[key] = None
                for message in _messages(exc):
                    row.add(key, message)
        for key, column in COLUMN_BY_KEY.items():
            if column.required and values.get(key) is None and not any(k == key for k, _m in row.errors):
                row.add(key, _("This cell is required."))
        if values.get("floor") is not None:
            row.floor = floors.get(values["floor"])
            if row.floor is None:
                row.add(
                    "floor",
                    _("%(building)s has no floor %(floor)s.") % {"building": building.name, "floor": values["floor"]},
                )
        if values.get("contact_name") is None and (row.given("contact_phone") or row.given("contact_email")):
            row.add("contact_name", _("Give the contact's name."))
        if row.given("contact_name") and not (row.given("contact_phone") or row.given("contact_email")):
            if not any(k in ("contact_phone", "contact_email") for k, _m in row.errors):
                row.add("contact_phone", _("Give a phone number or an e-mail address to reach this contact."))
        if row.given("moved_in_on") and values["moved_in_on"] > timezone.localdate() + datetime.timedelta(days=366):
            row.add("moved_in_on", _("The date is more than a year away."))
        rows.append(row)
        if count % PROGRESS_EVERY == 0:
            tell(count, total)

    # Against the registry: a known code must belong to an enterprise the importer may change and
    # carry the same name; Party members within employees.
    registry = _read_registry(building, floors, {row.values["uscc"] for row in rows if row.given("uscc")}, actor)
    for row in rows:
        existing = registry.enterprises.get(row.values.get("uscc"))
        if existing is not None and registry.editable is not None and existing.pk not in registry.editable:
            row.add("uscc", out_of_scope_message())
        elif existing is not None and row.given("name") and normalise(existing.name) != row.values["name"]:
            row.add(
                "uscc",
                _("This credit code is registered to “%(registered)s”, not “%(name)s”.")
                % {"registered": existing.name, "name": row.values["name"]},
            )
        employees = row.values.get("employee_count")
        if employees is None:
            employees = existing.employee_count if existing is not None else 0
        members = row.values.get("party_member_count")
        if members is None:
            members = existing.party_member_count if existing is not None else 0
        try:
            services.check_party_members(employees, members)
        except ValidationError as exc:
            for message in _messages(exc):
                row.add("party_member_count", message)

    # Inside the file: one code, one set of data; one enterprise and unit, one row.
    first_of: dict[str, Row] = {}
    unit_rows: dict[tuple, Row] = {}
    for row in rows:
        code = row.values.get("uscc")
        if code is None:
            continue
        first = first_of.setdefault(code, row)
        if first is not row:
            for key in (*ENTERPRISE_KEYS, *CONTACT_KEYS):
                mine, theirs = row.values.get(key), first.values.get(key)
                if mine is not None and theirs is not None and mine != theirs:
                    row.add(
                        key,
                        _("Row %(row)d has the same credit code with a different value here.") % {"row": first.number},
                    )
        if row.values.get("floor") is not None and row.values.get("unit") is not None:
            unit_key = (code, row.values["floor"], row.values["unit"])
            earlier = unit_rows.setdefault(unit_key, row)
            if earlier is not row:
                row.add("unit", _("Row %(row)d already gives this enterprise in this unit.") % {"row": earlier.number})
    return rows, registry


# ----------------------------------------------------------------------------------------------
# Writing: the good rows are planned one by one in memory, with the registry's own checks, then
# written in bulk: a few statements per table, whatever the number of rows.


def _changes_checked(obj, values: dict[str, Any], fields, validate) -> dict[str, tuple[Any, Any]]:
    """What setting ``values`` on ``obj`` would change (``{field: (old, new)}``), checked by
    ``validate`` on a copy: ``obj`` itself is untouched, so a row refused further on leaves nothing
    behind."""
    candidate = copy.copy(obj)
    changed = services._changes(candidate, values, fields)
    if changed:
        validate(candidate)
    return changed


class _Plan:
    """The changes the good rows make, in row order, with their audit events and each row's
    outcome ("created", "updated" or "unchanged"). A row whose change the registry refuses is
    rejected as a whole: nothing of it enters the plan."""

    def __init__(self, registry: _Registry, today: datetime.date):
        self.registry = registry
        self.today = today
        self.new_enterprises: dict[str, Enterprise] = {}  # credit code → enterprise to insert
        self.changed_enterprises: dict[int, Enterprise] = {}
        self.enterprise_fields: set[str] = set()
        self.new_contacts: list[EnterpriseContact] = []
        self.changed_contacts: dict[int, EnterpriseContact] = {}
        self.contact_fields: set[str] = set()
        self.new_units: list[Unit] = []
        self.new_occupancies: list[tuple[Row, Occupancy]] = []
        self.moved_dates: dict[int, Occupancy] = {}
        self.events: list[services.Event] = []
        self.units_created: list[str] = []
        self.outcomes: dict[int, str] = {}  # row number → outcome

    def add(self, row: Row) -> None:
        """Plan ``row``, or raise ``ValidationError`` (keyed by the registry's field names). The
        outcome: "created" for the first row of a new enterprise, "updated" for a row that changes
        anything of a known one (its record, contact, units, move-in date), "unchanged" otherwise."""
        values = row.values
        code = values["uscc"]
        steps = []  # what the row changes, applied only once every part of it is valid
        enterprise = self.registry.enterprises.get(code)
        created = enterprise is None
        if created:
            enterprise = Enterprise(
                **services._clean_enterprise_values(
                    {
                        "name": values["name"],
                        "uscc": code,
                        "industry": values["industry"],
                        "employee_count": values.get("employee_count") or 0,
                        "party_organisation": values.get("party_organisation") or PartyOrganisation.NONE,
                        "party_member_count": values.get("party_member_count") or 0,
                    }
                )
            )
            services._validate_enterprise(enterprise, check_unique=False)
            enterprise.contact_list = []
            steps.append(lambda: self._new_enterprise(enterprise))
        elif (
            self.registry.editable is not None
            and code not in self.new_enterprises
            and enterprise.pk not in self.registry.editable
        ):
            raise ValidationError({"uscc": out_of_scope_message()})  # the checks refused it already
        else:
            changes = {
                key: values[key]
                for key in ENTERPRISE_KEYS
                if values.get(key) is not None and getattr(enterprise, key) != values[key]
            }
            changed = _changes_checked(
                enterprise,
                services._clean_enterprise_values(changes),
                services.ENTERPRISE_FIELDS,
                lambda e: services._validate_enterprise(e, check_unique=False),
            )
            if changed:
                steps.append(lambda: self._changed_enterprise(enterprise, changed))

        if values.get("contact_name") is not None:
            name = values["contact_name"]
            contact = next((c for c in enterprise.contact_list if normalise(c.name) == name), None)
            if contact is None:
                contact = EnterpriseContact(
                    enterprise=enterprise,
                    is_primary=not any(c.is_primary for c in enterprise.contact_list),
                    **services._clean_contact_values(
                        {
                            "name": name,
                            "phone": values.get("contact_phone") or "",
                            "email": values.get("contact_email") or "",
                        }
                    ),
                )
                services._validate_contact(contact)
                steps.append(lambda: self._new_contact(enterprise, contact))
            else:
                changes = {
                    field_name: values[key]
                    for field_name, key in (("phone", "contact_phone"), ("email", "contact_email"))
                    if values.get(key) is not None and getattr(contact, field_name) != values[key]
                }
                contact_changed = _changes_checked(
                    contact,
                    services._clean_contact_values(changes),
                    services.CONTACT_FIELDS,
                    services._validate_contact,
                )
                if contact_changed:
                    steps.append(lambda: self._changed_contact(contact, contact_changed))

        floor = row.floor
        unit = self.registry.units.get((floor.pk, values["unit"]))
        if unit is None:
            unit = Unit(floor=floor, number=values["unit"])
            services._check_unit(unit)
            steps.append(lambda: self._new_unit(unit))  # a new unit always comes with a move-in
        occupancy = self.registry.open.get((code, floor.pk, unit.number))
        if occupancy is None:
            occupancy = Occupancy(enterprise=enterprise, unit=unit, started_on=values.get("moved_in_on") or self.today)
            steps.append(lambda: self._new_occupancy(row, occupancy))
        elif values.get("moved_in_on") is not None and occupancy.started_on != values["moved_in_on"]:
            steps.append(lambda: self._moved_date(occupancy, values["moved_in_on"]))

        for step in steps:
            step()
        self.outcomes[row.number] = "created" if created else "updated" if steps else "unchanged"

    def _new_enterprise(self, enterprise: Enterprise) -> None:
        self.registry.enterprises[enterprise.uscc] = enterprise
        self.new_enterprises[enterprise.uscc] = enterprise
        self.events.append(services.enterprise_created_event(enterprise))

    def _changed_enterprise(self, enterprise: Enterprise, changed) -> None:
        for field_name, (_old, new) in changed.items():
            setattr(enterprise, field_name, new)
        if enterprise.pk is not None:  # one this import creates is inserted with its last values
            self.changed_enterprises[enterprise.pk] = enterprise
            self.enterprise_fields.update(changed)
        self.events.append(services.enterprise_updated_event(enterprise, changed))

    def _new_contact(self, enterprise: Enterprise, contact: EnterpriseContact) -> None:
        enterprise.contact_list.append(contact)
        self.new_contacts.append(contact)
        self.events.append(services.contact_added_event(contact))

    def _changed_contact(self, contact: EnterpriseContact, changed) -> None:
        for field_name, (_old, new) in changed.items():
            setattr(contact, field_name, new)
        if contact.pk is not None:
            self.changed_contacts[contact.pk] = contact
            self.contact_fields.update(changed)
        self.events.append(services.contact_updated_event(contact, changed))

    def _new_unit(self, unit: Unit) -> None:
        self.registry.units[(unit.floor.pk, unit.number)] = unit
        self.new_units.append(unit)
        self.units_created.append(f"{unit.floor.label} {unit.number}")
        self.events.append(services.unit_created_event(unit))

    def _new_occupancy(self, row: Row, occupancy: Occupancy) -> None:
        self.registry.open[(occupancy.enterprise.uscc, occupancy.unit.floor.pk, occupancy.unit.number)] = occupancy
        self.new_occupancies.append((row, occupancy))
        self.events.append(services.moved_in_event(occupancy))

    def _moved_date(self, occupancy: Occupancy, started_on: datetime.date) -> None:
        old = occupancy.started_on
        occupancy.started_on = started_on
        if occupancy.pk is not None:
            self.moved_dates[occupancy.pk] = occupancy
        self.events.append(services.move_in_date_changed_event(occupancy, old))

    def write(self, actor, records: bool = True) -> list[Occupancy]:
        """Write the plan: one bulk statement per table and kind of change (a few on SQLite, which
        limits a statement's parameters), the enterprises' history and the audit events included.
        Returns the new occupancies. A conflict with a change made since the registry was read
        raises ``IntegrityError``: the caller holds a savepoint.

        ``records=False`` leaves out the history and the audit events, which can neither fail nor
        change an outcome: for a write that will be rolled back (the dry run)."""
        user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        if self.new_enterprises:
            if records:
                bulk_create_with_history(list(self.new_enterprises.values()), Enterprise, default_user=user)
            else:
                Enterprise.objects.bulk_create(list(self.new_enterprises.values()))
        if self.changed_enterprises:
            now = timezone.now()
            for enterprise in self.changed_enterprises.values():
                enterprise.updated_at = now
            changed, fields = list(self.changed_enterprises.values()), sorted(self.enterprise_fields | {"updated_at"})
            if records:
                bulk_update_with_history(changed, Enterprise, fields, default_user=user)
            else:
                Enterprise.objects.bulk_update(changed, fields)
        if self.new_units:
            Unit.objects.bulk_create(self.new_units)
        if self.new_contacts:
            EnterpriseContact.objects.bulk_create(self.new_contacts)
        if self.changed_contacts:
            EnterpriseContact.objects.bulk_update(list(self.changed_contacts.values()), sorted(self.contact_fields))
        occupancies = [occupancy for _row, occupancy in self.new_occupancies]
        if occupancies:
            Occupancy.objects.bulk_create(occupancies)
        if self.moved_dates:
            Occupancy.objects.bulk_update(list(self.moved_dates.values()), ["started_on"])
        if records:
            record_many(actor, self.events)
        return occupancies


def _column_label(sheet: Sheet, key: str) -> str:
    index = sheet.columns.get(key)
    if index is None:
        return COLUMN_BY_KEY[key].label
    header = sheet.headers[index]
    text = " ".join(normalise(part) for part in str(header).splitlines() if normalise(part))
    return text or COLUMN_BY_KEY[key].label


def _conflicts(plan: _Plan, building: Building) -> dict[int, ValidationError]:
    """After a write failed on a change made since the registry was read: the rows it concerns
    (row number → why), found by asking the registry again. A code registered meanwhile refuses
    its rows; so does a move-in recorded meanwhile. A unit created meanwhile, or a main contact
    named meanwhile, refuses nothing: the next plan, from a fresh read, takes them into account."""
    found: dict[int, ValidationError] = {}
    taken = set(Enterprise.objects.filter(uscc__in=list(plan.new_enterprises)).values_list("uscc", flat=True))
    moved_in = {
        (uscc, floor_id, number)
        for uscc, floor_id, number in Occupancy.objects.filter(
            enterprise__in=[e for e in plan.registry.enterprises.values() if e.pk is not None],
            unit__floor__building=building,
            ended_on__isnull=True,
        ).values_list("enterprise__uscc", "unit__floor_id", "unit__number")
    }
    for row, occupancy in plan.new_occupancies:
        code = row.values["uscc"]
        if code in taken:
            found[row.number] = ValidationError({"uscc": services._uscc_taken_message(code)})
        elif (code, occupancy.unit.floor.pk, occupancy.unit.number) in moved_in:
            found[row.number] = services.already_occupies(occupancy.enterprise, occupancy.unit)
    return found


def _monotonic(progress):
    """``progress`` called only when the count moves forward (a retried plan starts over)."""
    reached = [-1]

    def tell(done: int, total: int) -> None:
        if progress is not None and done > reached[0]:
            reached[0] = done
            progress(done, total)

    return tell


def import_roster(
    *,
    actor,
    building: Building,
    source,
    dry_run: bool = False,
    skip_invalid: bool = False,
    filename: str = "",
    via: str = "web",
    progress=None,
) -> ImportReport:
    """Import a roster into ``building``; the one function behind the web page and ``import_roster``.

    ``actor`` must be allowed ``Action.ROSTER_IMPORT`` on ``building`` (``PermissionDenied``
    otherwise, before the file is read). Rows whose enterprise is already registered are only written
    if ``actor`` may change that enterprise (``access.enterprises(actor, ENTERPRISE_EDIT)``);
    ``actor=access.SYSTEM`` (the command, run by a server operator) has no such limit. ``via`` ("web" or
    "command") is recorded in the audit event.

    ``source``: a path, bytes, a binary file, or a list of dicts keyed by column key.
    Raises ``ValidationError`` when the file as a whole cannot be used (not an .xlsx, no header,
    required columns missing, too many rows). Otherwise returns an :class:`ImportReport`.
    Nothing is written when ``dry_run``, nor when a row is bad and ``skip_invalid`` is false.

    ``progress``: an optional callable ``progress(done, total)``, called after the file is read
    (``done`` 0), every few hundred rows while they are checked and planned, and after the writes.
    ``total`` is twice the number of rows: the first half of the bar is the checks, the second the
    writes; the call that reaches the half comes once every row is checked and the registry read,
    before anything is written.

    The good rows are written in bulk, a constant number of statements whatever their number (see
    docs/benchmarks.md), with the enterprises' history and one audit event per change as the
    registry's services record them. Newcomers are announced once the import commits, through
    ``signals.occupancies_started``.
    """
    access.require(actor, Action.ROSTER_IMPORT, building)
    tell = _monotonic(progress)
    sheet = read_source(source)
    total = 2 * len(sheet.rows)
    tell(0, total)
    report = ImportReport(
        building_code=building.code,
        filename=filename or (Path(source).name if isinstance(source, (str, Path)) else ""),
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        rows=len(sheet.rows),
        headers=list(sheet.headers),
        ignored_columns=sheet.ignored,
    )
    with transaction.atomic():
        rows, registry = _check_rows(sheet, building, actor, tell)
        rejected: dict[int, Row] = {row.number: row for row in rows if row.errors}
        tell(len(rows), total)
        today = timezone.localdate()
        retried = False
        while True:
            plan = _Plan(registry, today)
            for count, row in enumerate(rows, start=1):
                if row.number not in rejected:
                    try:
                        plan.add(row)
                    except ValidationError as exc:
                        for field_name, messages in _error_items(exc):
                            row.add(_service_field_to_key(field_name), "; ".join(messages))
                        rejected[row.number] = row
                if count % PROGRESS_EVERY == 0:
                    tell(len(rows) + count // 2, total)
            try:
                with transaction.atomic():
                    occupancies = plan.write(actor, records=not (dry_run or (rejected and not skip_invalid)))
                break
            except IntegrityError:
                # Someone registered a code, recorded a move-in, created a unit or named a main
                # contact since the registry was read: refuse the rows concerned, read again, retry.
                conflicts = _conflicts(plan, building)
                if not conflicts and retried:
                    raise
                retried = not conflicts
                for number, exc in conflicts.items():
                    row = next(r for r in rows if r.number == number)
                    for field_name, messages in _error_items(exc):
                        row.add(_service_field_to_key(field_name), "; ".join(messages))
                    rejected[number] = row
                registry = _read_registry(
                    building, registry.floors, {row.values["uscc"] for row in rows if row.number not in rejected}, actor
                )
        for outcome in plan.outcomes.values():
            setattr(report, outcome, getattr(report, outcome) + 1)
        report.units_created = plan.units_created
        report.rejected = len(rejected)
        for row in sorted(rejected.values(), key=lambda r: r.number):
            for key, message in row.errors:
                report.errors.append(RowError(row=row.number, column=_column_label(sheet, key), message=message))
            report.rejected_rows.append(
                RejectedRow(
                    row=row.number,
                    cells=list(row.cells),
                    reasons=[f"{_column_label(sheet, key)}: {message}" for key, message in row.errors],
                )
            )
        if dry_run or (rejected and not skip_invalid):
            transaction.set_rollback(True)
        else:
            report.written = True
            record(
                actor,
                "roster.imported",
                building,
                file=report.filename,
                rows=report.rows,
                created=report.created,
                updated=report.updated,
                unchanged=report.unchanged,
                rejected=report.rejected,
                units_created=report.units_created,
                via=via,
            )
            if occupancies:
                transaction.on_commit(
                    lambda: signals.occupancies_started.send(sender=Occupancy, occupancies=occupancies)
                )
    tell(total, total)
    return report


def _error_items(exc: ValidationError):
    if hasattr(exc, "error_dict"):
        return [(name, [str(m) for m in ValidationError(errors).messages]) for name, errors in exc.error_dict.items()]
    return [("__all__", [str(m) for m in exc.messages])]


_SERVICE_FIELDS = {
    "phone": "contact_phone",
    "email": "contact_email",
    "unit_number": "unit",
    "started_on": "moved_in_on",
    "number": "unit",
}


def _service_field_to_key(name: str) -> str:
    if name in COLUMN_BY_KEY:
        return name
    return _SERVICE_FIELDS.get(name, "name")


# ----------------------------------------------------------------------------------------------
# Writing workbooks: the template and the export share one layout.


def _put(sheet, row: int, column: int, value) -> None:
    """Set one cell of ``sheet`` through :func:`text_safe`."""
    text_safe(sheet.cell(row=row, column=column, value=value))


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _style_header(sheet, count: int, required: Iterable[int] = ()) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    required = set(required)
    fill = PatternFill("solid", fgColor="FBE9EA")
    for index in range(1, count + 1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C8161D" if index in required else "222222")
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    sheet.row_dimensions[1].height = 34
    sheet.freeze_panes = "A2"


def _roster_workbook(rows: Iterable[list[Any]] = ()):
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_DATA
    append_row(sheet, [column.header for column in COLUMNS])
    _style_header(sheet, len(COLUMNS), required=[i for i, c in enumerate(COLUMNS, start=1) if c.required])
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[_letter(index)].width = column.width

    count = 0
    for values in rows:
        append_row(sheet, values)
        count += 1
    last = max(TEMPLATE_ROWS, count + 1) + 1
    for index, column in enumerate(COLUMNS, start=1):
        letter = _letter(index)
        if column.text:
            for row in range(2, count + 2):
                sheet[f"{letter}{row}"].number_format = "@"
            sheet.column_dimensions[letter].number_format = "@"
        if column.key == "moved_in_on":
            for row in range(2, count + 2):
                sheet[f"{letter}{row}"].number_format = "yyyy-mm-dd"
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"

    lists = workbook.create_sheet(SHEET_LISTS)
    for row, code in enumerate(Industry.values, start=1):
        _put(lists, row, 1, industry_cell(code))
    for row, code in enumerate(PartyOrganisation.values, start=1):
        _put(lists, row, 2, PARTY_ORGANISATION_ZH[code])
    lists.sheet_state = "hidden"

    def drop_down(key: str, formula: str, prompt: str) -> None:
        letter = _letter(list(COLUMN_BY_KEY).index(key) + 1)
        validation = DataValidation(
            type="list", formula1=formula, allow_blank=True, showDropDown=False, errorStyle="warning"
        )
        validation.promptTitle = COLUMN_BY_KEY[key].zh
        validation.prompt = prompt
        validation.showInputMessage = True
        validation.showErrorMessage = True
        validation.error = prompt
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{last}")

    drop_down(
        "industry",
        f"'{SHEET_LISTS}'!$A$1:$A${len(Industry.values)}",
        _("Choose a section, or type 商贸, 建筑, 传媒, 园林, 金融 or 信息科技."),
    )
    drop_down(
        "party_organisation",
        f"'{SHEET_LISTS}'!$B$1:$B${len(PartyOrganisation.values)}",
        _("无, 独立支部 or 联合支部."),
    )
    return workbook


EXAMPLE_ROW = [
    "示例商贸有限公司",
    "91370800MA00000014",
    industry_cell("F"),
    5,
    "0501",
    datetime.date(2021, 9, 10),
    48,
    PARTY_ORGANISATION_ZH[PartyOrganisation.JOINT_BRANCH],
    6,
    "王小明",
    "13800000000",
    "wang@example.com",
]


def _instructions(workbook) -> None:
    from openpyxl.styles import Alignment, Font

    sheet = workbook.create_sheet(SHEET_HELP, 1)
    lines = [
        (_("How to fill in the enterprise roster"), True),
        (_("Fill in the sheet “%(sheet)s”: one row per enterprise and unit. Do not change the header row.")
         % {"sheet": SHEET_DATA}, False),
        (_("Columns in red are required: name, unified social credit code, industry, floor and unit."), False),
        (_("Industry: choose a GB/T 4754 section from the list, or type its letter (A–T) "
           "or 商贸, 建筑, 传媒, 园林, 金融, 信息科技."), False),
        (_("Floor: the floor number, e.g. 5 (B1 for the first basement). The floor must exist in the building; "
           "a new unit number on it is created."), False),
        (_("Dates: 2021-09-10, 2021/9/10 or 2021年9月10日. A blank move-in date means the day of the import."), False),
        (_("Party organisation: 无, 独立支部 or 联合支部. Party members cannot outnumber employees."), False),
        (_("An enterprise in several units: one row per unit, with the same data."), False),
        (_("A blank optional cell leaves what the registry already knows unchanged."), False),
        (_("Nothing is imported unless every row is correct; each wrong row is reported with its row number, "
           "column and reason."), False),
        (_("The unified social credit code identifies the enterprise: importing the same file again changes "
           "nothing."), False),
        ("", False),
        (_("Example (do not copy this row into the roster):"), True),
    ]
    for text, bold in lines:
        append_row(sheet, [text])
        if bold:
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12 if sheet.max_row == 1 else 11)
    header_row = sheet.max_row + 1
    append_row(sheet, [column.header for column in COLUMNS])
    append_row(sheet, EXAMPLE_ROW)
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=header_row, column=index)
        cell.font = Font(bold=True, color="C8161D" if column.required else "222222")
        cell.alignment = Alignment(wrap_text=True)
        sheet.column_dimensions[_letter(index)].width = max(column.width, 12)
    sheet.cell(row=header_row + 1, column=list(COLUMN_BY_KEY).index("moved_in_on") + 1).number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 40


def template_workbook() -> bytes:
    """The empty roster template, as .xlsx bytes."""
    workbook = _roster_workbook()
    _instructions(workbook)
    workbook.active = 0
    return _save(workbook)


def export_rows(building: Building) -> list[list[Any]]:
    """One row per current occupancy in ``building``, in the template's columns; five queries."""
    occupancies = (
        Occupancy.objects.current()
        .filter(unit__floor__building=building)
        .select_related("enterprise", "unit__floor")
        .prefetch_related(
            Prefetch("enterprise__contacts", queryset=EnterpriseContact.objects.order_by("-is_primary", "pk"))
        )
        .order_by("unit__floor__number", "unit__number", "enterprise__name", "pk")
    )
    rows = []
    for occupancy in occupancies:
        enterprise = occupancy.enterprise
        contacts = list(enterprise.contacts.all())
        contact = contacts[0] if contacts else None
        floor_number = occupancy.unit.floor.number
        rows.append(
            [
                enterprise.name,
                enterprise.uscc,
                industry_cell(enterprise.industry) if enterprise.industry in INDUSTRY_ZH else enterprise.industry,
                floor_number if floor_number >= 0 else f"B{-floor_number}",
                occupancy.unit.number,
                occupancy.started_on,
                enterprise.employee_count,
                PARTY_ORGANISATION_ZH.get(enterprise.party_organisation, enterprise.party_organisation),
                enterprise.party_member_count,
                contact.name if contact else None,
                (phones.display(contact.phone) or None) if contact else None,
                (contact.email or None) if contact else None,
            ]
        )
    return rows


def _export_workbook(rows: list[list[Any]]) -> bytes:
    workbook = _roster_workbook(rows)
    _instructions(workbook)
    workbook.active = 0
    return _save(workbook)


def export_workbook(building: Building) -> bytes:
    """The building's roster in the template layout: re-importing it changes nothing.
    Not audited: people's exports go through :func:`export_roster`."""
    return _export_workbook(export_rows(building))


def export_roster(*, actor, building: Building, via: str = "web") -> bytes:
    """The building's roster for ``actor``, who must be allowed ``Action.ROSTER_EXPORT`` on it
    (``PermissionDenied``), audited as ``roster.exported`` with the row count: the file holds the
    contacts' personal data. ``via``: "web" or "command"; ``actor=access.SYSTEM`` is a server operator
    running the command."""
    access.require(actor, Action.ROSTER_EXPORT, building)
    rows = export_rows(building)
    data = _export_workbook(rows)
    record(actor, "roster.exported", building, rows=len(rows), via=via)
    return data


def export_filename(building: Building) -> str:
    return f"{building.code}-roster-{timezone.localdate():%Y%m%d}.xlsx"
