"""Languages: Chinese (zh-CN) first, English second, chosen per user.

Message ids are the Chinese strings, so Chinese needs no catalog; English comes from
translations/en/LC_MESSAGES/messages.po. Setup compiles it into build/translations/ (or
$HRSS_BUILD_DIR/translations; an installed wheel: the instance folder's build/); the source
tree is never written at start. A server that finds
no current .mo there compiles one into a temporary folder of its own and says so in the log.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request, session
from flask_babel import Babel, get_locale, gettext, lazy_gettext, ngettext, pgettext
from flask_login import current_user

from data.db import CHECKOUT, instance_dir

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LANGUAGES = {"zh-CN": "zh_Hans_CN", "en": "en"}
DEFAULT_LANGUAGE = "zh-CN"
log = logging.getLogger(__name__)

_ = gettext
_l = lazy_gettext
__all__ = ["N_", "_", "_l", "ngettext", "pgettext", "current_language", "init_app"]


def N_(message: str) -> str:
    """Marks a string for the catalog where it must stay a plain str (page names, enum labels);
    translate it with _() where it is shown."""
    return message


def build_dir() -> Path:
    """Where compiled catalogs go: $HRSS_BUILD_DIR/translations, else build/translations in a
    checkout, else the instance folder's build/translations (an installed wheel compiles its
    catalogs there at first start)."""
    default = ROOT / "build" if CHECKOUT else instance_dir() / "build"
    return Path(os.environ.get("HRSS_BUILD_DIR") or default) / "translations"


def _stale(source: Path, target: Path) -> bool:
    return not target.exists() or target.stat().st_mtime < source.stat().st_mtime


def compile_catalogs(source: Path = TRANSLATIONS, target: Path | None = None) -> Path:
    """Compile every messages.po under `source` whose .mo under `target` is missing or older;
    returns `target` (default: build_dir())."""
    target = target or build_dir()
    for po_path in source.glob("*/LC_MESSAGES/messages.po"):
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        if not _stale(po_path, mo_path):
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        partial.replace(mo_path)  # whole or not at all, when several workers start at once
    return target


def catalog_dir() -> Path:
    """The compiled catalogs to serve: the build's when current, else a private temporary copy."""
    built = build_dir()
    try:
        return compile_catalogs(target=built)  # writes nothing when setup's are current
    except OSError as exc:  # a read-only install that setup did not compile
        private = Path(tempfile.mkdtemp(prefix="hrss-translations-"))
        log.warning("cannot write %s (%s): catalogs compiled into %s", built, exc, private)
        return compile_catalogs(target=private)


def current_language() -> str:
    """'zh-CN' or 'en' for this request: the user's choice, else the session's, else Chinese."""
    try:
        if current_user and current_user.is_authenticated:
            return current_user.language if current_user.language in LANGUAGES else DEFAULT_LANGUAGE
    except RuntimeError:  # outside a request
        return DEFAULT_LANGUAGE
    lang = session.get("lang") if request else None
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def init_app(server: Flask) -> None:
    Babel(server, locale_selector=lambda: LANGUAGES[current_language()],
          default_translation_directories=str(catalog_dir()), default_locale="zh_Hans_CN",
          default_timezone=server.config.get("TIME_ZONE") or "Asia/Shanghai")

    @server.context_processor
    def _language():
        return {"lang": current_language(), "html_lang": "zh-CN" if current_language() == "zh-CN" else "en"}


def is_english() -> bool:
    return str(get_locale()) == "en"


def options(mapping: dict[str, str]) -> list[dict]:
    """Dropdown options from a {code: message id} label table, translated."""
    return [{"label": _(label), "value": value} for value, label in mapping.items()]


def error_text(exc) -> str:
    """A domain error's message for people to read, with its parameters."""
    return _(exc.message, **exc.params)


def row_error_text(error: dict) -> str:
    """A refused import row as stored ({row, column, message, params}), in the reader's language."""
    message, params = error["message"], error.get("params") or {}
    return _(message, **params)
