"""The Content-Security-Policy header (web/csp.py) on every answer, and its per-route exceptions.
Whether pages still work under it is tests/browser/test_csp.py."""

from __future__ import annotations

import re

import pytest

from app import create_app
from tests.conftest import app_config, login
from web.csp import inline_script_hashes, script_hash, tile_origin


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split("; "))}


@pytest.fixture
def leader_client(demo_app):
    client = demo_app.test_client()
    login(client, "leader")
    return client


def test_every_answer_has_the_strict_policy(demo_app, leader_client):
    anonymous = demo_app.test_client()
    for client, path in [(anonymous, "/login"), (anonymous, "/healthz"), (anonymous, "/field/"),
                         (leader_client, "/api/v1/me"), (leader_client, "/wall"), (anonymous, "/nothing-here")]:
        policy = directives(client.get(path))
        assert policy["script-src"] == ["'self'"], path
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"], path
        assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'self'"], path
        assert not any("unsafe-eval" in v or "*" in v for values in policy.values() for v in values), path


def test_dash_pages_allow_exactly_dashs_own_inline_scripts(demo_app, leader_client):
    page = leader_client.get("/cases")
    document = page.get_data(as_text=True)
    policy = directives(page)
    renderer = re.search(r'<script id="_dash-renderer"[^>]*>(.*?)</script>', document, re.S).group(1)
    assert script_hash(renderer) in policy["script-src"]
    # every inline script of the page, and nothing more (the JSON config is data, not run)
    # (a clientside callback several pages register alike is one script twice: one hash)
    scripts = re.findall(r"<script\b(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", document, re.S)
    executable = {script_hash(body) for kind, body in scripts if "application/json" not in kind}
    assert len(executable) >= 2 and set(inline_script_hashes(document)) >= executable
    assert set(policy["script-src"]) == {"'self'", *executable}


def test_a_map_allows_its_own_inline_scripts_and_our_frames(leader_client):
    response = leader_client.get("/maps/regions")
    document = response.get_data(as_text=True)
    policy = directives(response)
    assert policy["script-src"] == ["'self'", *inline_script_hashes(document)] and len(policy["script-src"]) >= 3
    assert policy["frame-ancestors"] == ["'self'"]
    # a script that the document does not contain is not allowed
    assert script_hash("alert(1)") not in policy["script-src"]


def test_the_policy_is_computed_on_the_uncompressed_document(leader_client):
    response = leader_client.get("/maps/regions", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"
    assert len(directives(response)["script-src"]) >= 3


def test_an_external_tile_server_is_allowed_for_the_maps_and_the_wall_only(demo_url):
    app = create_app(app_config(demo_url, TILE_URL="https://tiles.bureau.example/{z}/{x}/{y}.png"))
    client = app.test_client()
    login(client, "leader")
    assert "https://tiles.bureau.example" in directives(client.get("/maps/regions"))["img-src"]
    assert "https://tiles.bureau.example" in directives(client.get("/wall"))["img-src"]
    assert "https://tiles.bureau.example" not in directives(client.get("/cases"))["img-src"]
    app.extensions["engine"].dispose()
    assert tile_origin("/tiles/{z}/{x}/{y}.png") is None and tile_origin(None) is None
