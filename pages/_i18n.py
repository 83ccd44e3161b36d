"""Languages: Chinese (zh-CN) first, English second, chosen per user.

Message ids are the Chinese strings, so Chinese needs no catalog; English comes from
translations/en/LC_MESSAGES/messages.po, compiled to .mo when missing or stale.
"""

from __future__ import annotations

import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request, session
from flask_babel import Babel, get_locale, gettext, lazy_gettext, ngettext, pgettext
from flask_login import current_user

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
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


def compile_catalogs(root: Path = TRANSLATIONS) -> None:
    """Compile every messages.po whose .mo is missing or older (cheap; runs at start-up)."""
    for po_path in root.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
        except OSError as exc:  # a read-only install must have been compiled at setup
            log.warning("cannot compile %s: %s", po_path, exc)


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
    compile_catalogs()
    Babel(server, locale_selector=lambda: LANGUAGES[current_language()],
          default_translation_directories=str(TRANSLATIONS), default_locale="zh_Hans_CN",
          default_timezone="Asia/Shanghai")

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
