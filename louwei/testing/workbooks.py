"""Spreadsheet bombs for tests and benchmarks: small .xlsx files that unpack to a great deal.

The sheet is written into the zip piece by piece, so neither the test nor the benchmark holds the
unpacked content in memory. Every file starts from a real workbook (openpyxl's), whose first sheet
is replaced by the generated one: a header row of the roster's columns, then what the bomb asks.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable, Iterator

SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PIECE = 1 << 20


def _base_workbook() -> bytes:
    from openpyxl import Workbook

    from louwei.buildings.roster import SHEET_DATA

    workbook = Workbook()
    workbook.active.title = SHEET_DATA
    workbook.active["A1"] = "placeholder"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header_row() -> str:
    from openpyxl.utils import get_column_letter

    from louwei.buildings.roster import COLUMNS

    cells = "".join(
        f'<c r="{get_column_letter(i)}1" t="inlineStr"><is><t>{c.zh} {c.en}</t></is></c>'
        for i, c in enumerate(COLUMNS, start=1)
    )
    return f'<row r="1">{cells}</row>'


def _pieces(parts: Iterable[str]) -> Iterator[bytes]:
    """``parts`` joined into pieces of about a mebibyte each."""
    pending: list[str] = []
    size = 0
    for part in parts:
        pending.append(part)
        size += len(part)
        if size >= PIECE:
            yield "".join(pending).encode()
            pending, size = [], 0
    if pending:
        yield "".join(pending).encode()


def _same(part: str, count: int) -> Iterator[bytes]:
    """``part`` ``count`` times, in pieces of about a mebibyte each."""
    per_piece = max(1, PIECE // len(part))
    piece = (part * per_piece).encode()
    for _n in range(count // per_piece):
        yield piece
    if count % per_piece:
        yield (part * (count % per_piece)).encode()


def roster_bomb(
    *,
    blank_rows: int = 0,
    blank_cells: int = 0,
    row_cells: int = 0,
    cell_refs: bool = True,
    dimension: str | None = "",
    shared_strings: int = 0,
    padding: int = 0,
) -> bytes:
    """A roster workbook: its header row, then ``blank_rows`` formatted empty rows (each holding
    ``blank_cells`` formatted empty cells, none with a reference), then one row of ``row_cells`` empty
    cells (with or without their ``r`` references).

    ``dimension``: "" writes the true size, ``None`` none at all, any other text that range (a lie).
    ``shared_strings``: that many empty strings in xl/sharedStrings.xml. ``padding``: a member of that
    many zero bytes (xl/media/padding.bin), for the unpacked size alone.
    """
    from openpyxl.utils import get_column_letter

    base = zipfile.ZipFile(io.BytesIO(_base_workbook()))
    last_row = 1 + blank_rows + (1 if row_cells else 0)
    last_column = max(12, row_cells, blank_cells)
    if dimension == "":
        dimension = f"A1:{get_column_letter(min(last_column, 16384))}{last_row}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in base.infolist():
            if info.filename != SHEET:
                archive.writestr(info.filename, base.read(info.filename))
        with archive.open(SHEET, "w", force_zip64=True) as sheet:
            head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}">'
            if dimension is not None:
                head += f'<dimension ref="{dimension}"/>'
            sheet.write((head + "<sheetData>" + _header_row()).encode())
            # Identical rows without references (a spreadsheet may leave them out): they pack best.
            blank = '<row spans="1:12" s="0" customFormat="1">' + '<c s="0"/>' * blank_cells + "</row>"
            for piece in _same(blank, blank_rows):
                sheet.write(piece)
            if row_cells:
                # Past Excel's last column (XFD) the references stop; the count goes on.
                sheet.write(f'<row r="{last_row}">'.encode())
                if cell_refs:
                    pieces = _pieces(
                        f'<c r="{get_column_letter(min(n, 16384))}{last_row}" s="0"/>' for n in range(1, row_cells + 1)
                    )
                else:
                    pieces = _same('<c s="0"/>', row_cells)
                for piece in pieces:
                    sheet.write(piece)
                sheet.write(b"</row>")
            sheet.write(b"</sheetData></worksheet>")
        if shared_strings:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
                strings.write(
                    f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{MAIN}" count="{shared_strings}" '
                    f'uniqueCount="{shared_strings}">'.encode()
                )
                for piece in _same("<si><t/></si>", shared_strings):
                    strings.write(piece)
                strings.write(b"</sst>")
        if padding:
            with archive.open("xl/media/padding.bin", "w", force_zip64=True) as pad:
                for start in range(0, padding, PIECE):
                    pad.write(bytes(min(PIECE, padding - start)))
    return buffer.getvalue()


def understate(data: bytes, member: str, size: int) -> bytes:
    """``data`` with the unpacked size of ``member`` given as ``size`` in the zip's headers (both the
    local header and the central directory), while its compressed stream still holds it all."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(member)
    patched = bytearray(data)
    # Local file header: the unpacked size is at offset 22 (4 bytes).
    struct.pack_into("<I", patched, info.header_offset + 22, size)
    # Central directory entry: signature PK\x01\x02, the unpacked size at offset 24.
    name = member.encode()
    position = 0
    while True:
        position = data.find(b"PK\x01\x02", position)
        if position < 0:
            raise ValueError(f"{member} is not in the central directory")
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length] == name:
            struct.pack_into("<I", patched, position + 24, size)
            return bytes(patched)
        position += 4
