"""Image files for upload tests that claim a size they do not hold: a few hundred bytes that say
20000×20000 pixels, so a test of the pixel limit needs no 400 MB of pixels."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int = 20000, height: int = 20000, name: str = "huge.png") -> SimpleUploadedFile:
    """A PNG whose header says ``width``×``height`` (RGB, 8 bits), with one tiny compressed row."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + _chunk(b"IEND", b""))
    return SimpleUploadedFile(name, body, content_type="image/png")


def huge_jpeg(width: int = 20000, height: int = 20000, name: str = "huge.jpg") -> SimpleUploadedFile:
    """A small real JPEG whose frame header (SOF0) is rewritten to say ``width``×``height``."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(out, format="JPEG")
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return SimpleUploadedFile(name, bytes(data), content_type="image/jpeg")
