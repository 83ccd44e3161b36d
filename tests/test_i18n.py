"""Chinese first, English second: every marked string has an English translation, and the
switch changes what the pages say."""

import subprocess
import sys

from tests.conftest import ROOT, contains, csrf_header, login


def test_every_string_has_english():
    result = subprocess.run([sys.executable, "scripts/catalog.py", "--check"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout


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
