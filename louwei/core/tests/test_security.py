"""Everything a browser loads comes from this site: the CSP header on every page, no external URL in
any template or stylesheet, and no inline script or style that the CSP would block."""

import re
from pathlib import Path

import pytest

from louwei.accounts.models import RoleKind

LOUWEI = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p for p in LOUWEI.glob("**/templates/**/*.html") if ".venv" not in p.parts)
STYLESHEETS = sorted((LOUWEI / "static").glob("**/*.css"))

EXTERNAL_IN_HTML = re.compile(r"""\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
EXTERNAL_IN_CSS = re.compile(r"""(?:url\(\s*["']?\s*|@import\s+["'])(?:https?:)?//""", re.I)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)


def _is_page(path: Path) -> bool:
    """Templates a browser receives: the shell's own, and every page that extends the shell.
    (PDF templates rendered by WeasyPrint on the server are not pages and may carry <style>.)"""
    text = path.read_text(encoding="utf-8")
    return LOUWEI / "templates" in path.parents or re.search(r"""\{%\s*extends\s+["'](base|bare)\.html""", text)


def test_there_are_templates_and_stylesheets_to_scan():
    assert any(p.name == "base.html" for p in TEMPLATES)
    assert any(p.name == "louwei.css" for p in STYLESHEETS)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(LOUWEI)))
def test_no_template_loads_anything_from_another_site(path):
    text = path.read_text(encoding="utf-8")
    assert not EXTERNAL_IN_HTML.findall(text), f"{path}: external URL in src/href"
    assert not EXTERNAL_IN_CSS.findall(text), f"{path}: external URL in url()/@import"


@pytest.mark.parametrize("path", STYLESHEETS, ids=lambda p: str(p.relative_to(LOUWEI)))
def test_no_stylesheet_loads_anything_from_another_site(path):
    assert not EXTERNAL_IN_CSS.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [p for p in TEMPLATES if _is_page(p)], ids=lambda p: str(p.relative_to(LOUWEI)))
def test_pages_have_no_inline_script_or_style(path):
    """The CSP allows scripts and styles from this site only: inline ones would silently not run."""
    text = path.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.findall(text), f"{path}: inline <script>"
    assert not INLINE_STYLE.findall(text), f"{path}: inline style"
    assert not INLINE_HANDLER.findall(text), f"{path}: inline event handler"


@pytest.mark.django_db
@pytest.mark.usefixtures("shell_urls")
@pytest.mark.parametrize("role", [None, RoleKind.DISTRICT_STAFF, RoleKind.FLOOR_LEADER])
@pytest.mark.parametrize("url", ["/", "/login/", "/me/", "/no-such-page/"])
def test_pages_carry_the_csp_header_and_load_only_local_files(client, make_building, person, role, url):
    building = make_building(floors=2)
    if role is not None:
        scope = {RoleKind.DISTRICT_STAFF: building.party_committee, RoleKind.FLOOR_LEADER: building.floors.first()}
        client.force_login(person(role, scope[role]))
    response = client.get(url, follow=True)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    html = response.content.decode()
    assert not EXTERNAL_IN_HTML.findall(html)
    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_STYLE.findall(html)
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in html


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="https://cdn.example.com/htmx.js"></script>',
        "<link rel=stylesheet href='//cdn.example.com/a.css'>",
        '<img src="http://example.com/a.png">',
    ],
)
def test_the_scan_recognises_external_urls_in_html(snippet):
    assert EXTERNAL_IN_HTML.search(snippet)


@pytest.mark.parametrize(
    "snippet",
    ["src: url(https://fonts.example.com/a.woff2)", 'background: url("//cdn.example.com/x.png")',
     '@import "https://cdn.example.com/a.css";'],
)
def test_the_scan_recognises_external_urls_in_css(snippet):
    assert EXTERNAL_IN_CSS.search(snippet)


@pytest.mark.parametrize(
    "snippet", ['<script>alert(1)</script>', '<div style="color:red">', "<style>p{}</style>", '<a onclick="x()">']
)
def test_the_scan_recognises_inline_code(snippet):
    assert INLINE_SCRIPT.search(snippet) or INLINE_STYLE.search(snippet) or INLINE_HANDLER.search(snippet)
