"""The design system: every agreed class exists, text colours meet WCAG 2.1 AA, fonts are local
first and bundled second, tap targets are 44 px, focus is visible and motion can be reduced."""

import re
from pathlib import Path

import pytest
from django.conf import settings

STATIC = Path(settings.BASE_DIR) / "louwei" / "static"
CSS = (STATIC / "louwei" / "louwei.css").read_text(encoding="utf-8")

# From the helpers' brief ("Design system class names"): other apps' pages rely on each.
AGREED_CLASSES = """
page-header page-actions stack grid card card-header card-body list list-item table table-wrap
btn btn-primary btn-secondary btn-danger btn-small btn-block form field help errorlist form-actions
filters badge badge-ok badge-warn badge-danger badge-muted badge-info muted empty pagination
stat stat-value stat-label stats breadcrumbs callout callout-warn callout-danger avatar
""".split()

# (text, background) pairs the stylesheet uses for text; each must reach 4.5:1.
TEXT_PAIRS = [
    ("--gray-900", "--white"), ("--gray-900", "--gray-100"), ("--gray-700", "--white"),
    ("--gray-600", "--white"), ("--gray-600", "--gray-100"), ("--gray-600", "--gray-50"),
    ("--red", "--white"), ("--white", "--red"), ("--white", "--red-strong"), ("--red-strong", "--white"),
    ("--red-text", "--red-tint"), ("--red-strong", "--red-tint"),
    ("--ok-text", "--ok-tint"), ("--warn-text", "--warn-tint"), ("--danger-text", "--danger-tint"),
    ("--info-text", "--info-tint"), ("--muted-text", "--muted-tint"), ("--danger-text", "--white"),
    ("--warn-text", "--white"), ("--warn-text", "--gray-50"), ("--focus", "--white"),
]


def _variables() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\n\}", CSS, re.S).group(1)
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9A-Fa-f]{6})\b", root))


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("name", AGREED_CLASSES)
def test_every_agreed_class_is_styled(name):
    assert re.search(rf"\.{re.escape(name)}(?![\w-])[^{{;]*\{{", CSS), f".{name} has no rule"


def test_contrast_helper_matches_known_values():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


def test_the_accent_is_party_red():
    assert _variables()["--red"].upper() == "#C8161D"


@pytest.mark.parametrize("text, background", TEXT_PAIRS)
def test_text_colours_meet_wcag_aa(text, background):
    colours = _variables()
    ratio = contrast(colours[text], colours[background])
    assert ratio >= 4.5, f"{text} on {background}: {ratio:.2f}:1"


def test_system_cjk_fonts_come_first_then_the_bundled_font():
    stack = re.search(r"--font-sans:\s*(.*?);", CSS, re.S).group(1)
    names = [name.strip().strip('"') for name in stack.split(",")]
    assert names[:6] == [
        "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC",
        "WenQuanYi Micro Hei",
    ]
    assert names[6] == "Louwei Sans"


def test_the_bundled_font_is_local_first_swapped_and_present():
    faces = re.findall(r"@font-face\s*\{(.*?)\}", CSS, re.S)
    assert faces
    for face in faces:
        assert "font-display: swap" in face
        assert "local(" in face
        for url in re.findall(r"url\(([^)]+)\)", face):
            assert not url.startswith(("http:", "https:", "//"))
            assert (STATIC / "louwei" / url.strip("\"'")).resolve().is_file(), url
    assert "url(../fonts/NotoSansSC-Regular-GB2312.woff2)" in CSS


def test_tap_targets_focus_and_motion():
    assert re.search(r"--tap:\s*44px", CSS)
    button = re.search(r"\n\.btn \{(.*?)\n\}", CSS, re.S).group(1)
    assert "min-height: var(--tap)" in button
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid", CSS)
    assert "@media (prefers-reduced-motion: reduce)" in CSS
    assert "@media (min-width: 900px)" in CSS
