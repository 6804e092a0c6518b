"""Phone numbers read one way everywhere: the kernel formats them, and every page shows them through
its filters (a number showed as 139 1234 5678 on the floor page, 13912345678 on the enterprise page)."""

import re
from pathlib import Path

import pytest

from louwei.core import phones

LOUWEI = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("stored, shown, href", [
    ("13912345678", "139 1234 5678", "tel:13912345678"),
    ("+86 139-1234-5678", "139 1234 5678", "tel:13912345678"),
    ("0537-2345678", "0537-2345678", "tel:05372345678"),
    ("05372345678", "0537-2345678", "tel:05372345678"),
    ("", "", "tel:"),
    (None, "", "tel:"),
])
def test_one_format(stored, shown, href):
    assert phones.display(stored) == shown
    assert phones.tel_href(stored) == href


# A phone field printed as it is stored, or a tel: link written by hand.
RAW = re.compile(r"\{\{\s*[\w.]*phone\s*(\|(?!phone\b|tel_href\b)[^}]*)?\}\}|href=\"tel:")


def test_every_template_shows_phone_numbers_through_the_kernels_filters():
    found = []
    for path in sorted(LOUWEI.rglob("templates/**/*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # Inside {% blocktranslate with phone=…|phone %}, the placeholder {{ phone }} is formatted already.
            line = re.sub(r"\{% blocktranslate .*?%\}.*?\{% endblocktranslate %\}", "", line)
            if RAW.search(line):
                found.append(f"{path.relative_to(LOUWEI)}:{number}")
    assert not found, f"phone numbers shown as stored (use |phone and |tel_href): {found}"
