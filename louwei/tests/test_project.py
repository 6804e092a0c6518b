"""Checks of the project as a whole: migrations match the models, translations are complete."""

from io import StringIO
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

LOUWEI = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_models_have_migrations():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # makemigrations --check exits 1 when a migration is missing
        pytest.fail(f"models changed without a migration:\n{out.getvalue()} (exit {exc.code})")


def zh_catalogues() -> list[Path]:
    return sorted(LOUWEI.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_every_app_with_user_facing_text_has_its_zh_hans_catalogue():
    """An app whose code or templates mark text for translation keeps its own catalogue."""
    marked = ("gettext", "{% translate", "{% blocktranslate", "pgettext")
    missing = []
    for app in sorted(p for p in LOUWEI.iterdir() if (p / "apps.py").exists()):
        files = [f for f in app.rglob("*") if f.suffix in {".py", ".html"} and "tests" not in f.parts]
        if any(any(m in f.read_text(encoding="utf-8") for m in marked) for f in files):
            if not (app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").exists():
                missing.append(app.name)
    assert not missing, f"apps without a zh_Hans catalogue: {missing}"


@pytest.mark.parametrize("path", zh_catalogues(), ids=lambda p: str(p.relative_to(LOUWEI)))
def test_zh_hans_catalogue_is_complete(path):
    catalogue = polib.pofile(str(path))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated in {path.name}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {path.name}: {fuzzy[:10]}"


def test_no_msgid_is_translated_two_ways_across_the_catalogues():
    """Django merges every app's catalogue into one, and the first app in INSTALLED_APPS wins: a
    msgid (with its context) translated one way in one app and another way in another shows the
    wrong words on some page ("Record" read 基本信息 on the relay and follow-up buttons). The same
    words with two meanings need a context (pgettext, `{% translate "…" context "…" %}`)."""
    translations: dict[tuple, dict[str, list[str]]] = {}
    for path in zh_catalogues():
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
            msgstr = repr(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr
            translations.setdefault(key, {}).setdefault(msgstr, []).append(str(path.relative_to(LOUWEI)))
    clashes = {
        (f"{ctxt}|" if ctxt else "") + msgid: found
        for (ctxt, msgid, _plural), found in translations.items() if len(found) > 1
    }
    assert not clashes, f"msgids translated differently in two catalogues: {clashes}"
