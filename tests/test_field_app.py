"""The field app's shell as the server serves it (pwa/shell.py), and its string table:
every Chinese string the app shows has its English in the one dictionary in pwa/static/app.js."""

from __future__ import annotations

import re
import shutil

import pytest

from pwa import shell as _field

APP_JS = _field.FIELD_DIR / "app.js"
CJK = re.compile(r"[\u3400-\u9fff]")
# shown as they are in both languages: the language button names the other language
UNTRANSLATED = {"中文"}


def english_table(source: str) -> dict[str, str]:
    block = source[source.index("var EN = {"):source.index("};", source.index("var EN = {"))]
    pairs = re.findall(r"'((?:[^'\\]|\\.)*)'\s*:\s*(?:'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\")", block)
    return {zh: en or en2 for zh, en, en2 in pairs}


def string_literals(code: str) -> list[str]:
    """The string literals of a script, skipping comments and regular expressions (a small
    tokenizer: enough for our own plain code)."""
    out, i, n, last = [], 0, len(code), ""
    while i < n:
        c = code[i]
        if code.startswith("//", i):
            i = code.find("\n", i) if "\n" in code[i:] else n
        elif code.startswith("/*", i):
            i = code.index("*/", i) + 2
        elif c in "'\"`":
            j, buf = i + 1, []
            while code[j] != c:
                buf.append(code[j:j + 2] if code[j] == "\\" else code[j])
                j += 2 if code[j] == "\\" else 1
            out.append("".join(buf))
            i, last = j + 1, "x"
        elif c == "/" and (last in "(,=:[!&|?{};" or last == ""):
            j, in_class = i + 1, False  # a regular expression literal
            while in_class or code[j] != "/":
                in_class = (in_class or code[j] == "[") and code[j] != "]"
                j += 2 if code[j] == "\\" else 1
            i, last = j + 1, "x"
        else:
            if not c.isspace():
                last = c
            i += 1
    return out


def shown_strings(source: str) -> set[str]:
    code = source[source.index("};", source.index("var EN = {")):]
    return {s for s in string_literals(code) if CJK.search(s)}


def test_every_chinese_string_has_its_english():
    source = APP_JS.read_text(encoding="utf-8")
    table = english_table(source)
    assert len(table) > 150
    missing = sorted(shown_strings(source) - set(table) - UNTRANSLATED)
    assert missing == []
    assert all(en and not CJK.search(en) for en in table.values())
    # placeholders survive translation
    for zh, en in table.items():
        assert re.findall(r"\{\w+\}", zh) == re.findall(r"\{\w+\}", en), zh


def test_shell_is_public_and_never_cached_stale(client):
    for path, kind in [("/field/", "text/html"), ("/field/app.js", "text/javascript"),
                       ("/field/core.js", "text/javascript"), ("/field/app.css", "text/css"),
                       ("/field/sw.js", "text/javascript"),
                       ("/field/manifest.webmanifest", "application/manifest+json"),
                       ("/field/icons/maskable-512.png", "image/png")]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.content_type.startswith(kind), path
        assert response.headers["Cache-Control"] == "no-cache", path
        assert "Service-Worker-Allowed" not in response.headers
    assert client.get("/field").headers["Location"] == "/field/"
    for path in ("/field/../app.py", "/field/icons/", "/field/nothing.js", "/field/tests/x"):
        assert client.get(path).status_code == 404, path
    etag = client.get("/field/sw.js").headers["ETag"]
    assert client.get("/field/sw.js", headers={"If-None-Match": etag}).status_code == 304


def test_service_worker_version_follows_the_shell(client, tmp_path, monkeypatch):
    copy = tmp_path / "field"
    shutil.copytree(_field.FIELD_DIR, copy)
    monkeypatch.setattr(_field, "FIELD_DIR", copy)
    first = client.get("/field/sw.js").get_data(as_text=True)
    version = re.search(r"var VERSION = '([0-9a-f]{12})'", first).group(1)
    assert client.get("/field/sw.js").get_data(as_text=True) == first  # stable while nothing changes
    (copy / "app.css").write_text((copy / "app.css").read_text() + "\n/* changed */\n")
    changed = re.search(r"var VERSION = '([0-9a-f]{12})'", client.get("/field/sw.js").get_data(as_text=True))
    assert changed.group(1) != version


@pytest.mark.parametrize("name", _field.SHELL[1:])
def test_the_service_worker_precaches_the_whole_shell(name):
    sw = (_field.FIELD_DIR / "sw.js").read_text()
    assert f"'/field/{name}'" in sw
