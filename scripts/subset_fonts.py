"""Rebuild louwei/static/fonts/*.woff2 from Debian's fonts-noto-cjk (GB 2312 subset)."""

import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc"
SC_INDEX = "2"  # Noto Sans CJK SC inside the collection
OUT = Path(__file__).resolve().parent.parent / "louwei" / "static" / "fonts"
EXTRA = "·—–‘’“”…※→←↑↓●○■□▲△★☆√×÷°℃№²³•"


def characters() -> str:
    chars = {chr(c) for c in range(0x20, 0x7F)}
    chars |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)} | set(EXTRA)
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                chars.add(bytes([b1, b2]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(sorted(chars))


def main() -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as text:
        text.write(characters())
        text.flush()
        for weight in ("Regular", "Bold"):
            subprocess.run(
                [sys.executable, "-m", "fontTools.subset", SOURCE.format(weight=weight), f"--font-number={SC_INDEX}",
                 f"--text-file={text.name}", "--layout-features=*", "--flavor=woff2",
                 f"--output-file={OUT / f'NotoSansSC-{weight}-GB2312.woff2'}"],
                check=True,
            )


if __name__ == "__main__":
    main()
