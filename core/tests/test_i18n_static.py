"""The Chinese catalogue is complete and compiled, and no page loads anything from the internet."""

import re
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"


def test_every_message_has_a_chinese_translation():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy


def test_compiled_catalogue_matches_the_source():
    po = {
        (e.msgid, e.msgstr or e.msgstr_plural.get(0, ""))
        for e in polib.pofile(str(PO))
        if not e.obsolete
    }
    mo = {
        (e.msgid, e.msgstr or e.msgstr_plural.get(0, ""))
        for e in polib.mofile(str(PO.with_suffix(".mo")))
        if e.msgid
    }
    assert po == mo, "run `make messages` to recompile django.mo"


def test_no_template_loads_from_another_origin():
    external = re.compile(r"""(src|href)\s*=\s*["'](https?:)?//""", re.IGNORECASE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.glob("**/templates/**/*.html")
        if ".venv" not in path.parts and external.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders


def test_vendored_assets_are_present():
    for asset in [
        "static/vendor/bootstrap-5.3.9/bootstrap.min.css",
        "static/vendor/bootstrap-5.3.9/bootstrap.bundle.min.js",
        "static/vendor/htmx-2.0.11/htmx.min.js",
    ]:
        assert (ROOT / asset).stat().st_size > 10_000, asset
