"""Chinese first, English second: every marked string has an English translation, and the
switch changes what the pages say."""

import subprocess
import sys

from tests.conftest import ROOT, contains, csrf_header, login


def test_every_string_has_english():
    result = subprocess.run([sys.executable, "scripts/catalog.py", "--check"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout


def test_catalogs_compile_outside_the_source_tree(tmp_path, monkeypatch):
    from web import i18n

    before = sorted(p.name for p in (ROOT / "translations").rglob("*"))
    monkeypatch.setenv("HRSS_BUILD_DIR", str(tmp_path))
    assert i18n.catalog_dir() == tmp_path / "translations"
    mo = tmp_path / "translations" / "en" / "LC_MESSAGES" / "messages.mo"
    stamp = mo.stat().st_mtime_ns
    assert i18n.catalog_dir() == tmp_path / "translations" and mo.stat().st_mtime_ns == stamp  # current: untouched
    assert sorted(p.name for p in (ROOT / "translations").rglob("*")) == before
    assert ".mo" not in {p.suffix for p in (ROOT / "translations").rglob("*")}


def test_login_page_in_english_on_request(client):
    client.post("/login/language", data={"lang": "en"})
    text = client.get("/login").get_data(as_text=True)
    assert "Sign in" in text and 'lang="en"' in text


def test_signed_in_user_switches_to_english(demo_app):
    client = demo_app.test_client()
    login(client, "inspector")
    client.post("/language", data={"lang": "en", "next": "/"}, headers=csrf_header(client))
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Overview" in layout and "Sign out" in layout
    client.post("/language", data={"lang": "zh-CN", "next": "/"}, headers=csrf_header(client))
    assert contains(client.get("/_dash-layout").get_data(as_text=True), "总览")
