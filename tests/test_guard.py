"""Deny by default: every route of the Flask url_map, asked by someone not signed in."""

import re

import pytest

from tests.conftest import login

# routes anyone may reach, and why
PUBLIC = {
    "/login": "the sign-in page",
    "/login/language": "language of the sign-in page",
    "/healthz": "load balancer health check",
    "/vendor/<path:filename>": "front-end libraries",
    "/favicon.ico": "icon",
    "/favicon.svg": "icon",
    "/field": "the field app (redirect to /field/)",
    "/field/": "the field app's shell: static, holds no data",
    "/field/index.html": "the field app's shell",
    "/field/sw.js": "the field app's service worker",
    "/field/<path:name>": "the field app's scripts, styles, manifest and icons",
    "/api/v1/session": "a field device signs in (POST; DELETE needs a session)",
}
# Dash's own routes and other script endpoints answer 401 JSON; pages redirect to /login
XHR = re.compile(r"^/(_dash-|_reload-hash|assets/|_favicon|api/|wall/data/)")


def sample_url(rule) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?" + name + ">", "x/y.js" if "path" in url else "x", url)
    return url


def test_every_route_is_guarded(app):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = sample_url(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = app.test_client().open(url, method=method)
            if rule.rule in PUBLIC and not (rule.rule == "/api/v1/session" and method == "DELETE"):
                assert response.status_code != 401, (method, rule.rule)
                if response.status_code == 302:
                    assert "/login" in response.headers["Location"]
            elif XHR.match(rule.rule) or method != "GET":
                assert response.status_code == 401, (method, rule.rule, response.status_code)
                # the API's one error shape under /api/, Dash's shim's elsewhere
                error = response.json["error"]
                assert response.is_json and (error["code"] if rule.rule.startswith("/api/") else error) \
                    == "unauthenticated"
            else:
                assert response.status_code == 302, (method, rule.rule, response.status_code)
                assert response.headers["Location"].startswith("/login?next=")
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize("path", ["/", "/cases", "/no-such-page", "/maps/regions"])
def test_pages_redirect_to_login_with_next(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={path}"


def test_public_routes_work_without_session(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/vendor/bootstrap/css/bootstrap.min.css").status_code == 200


def test_signed_in_user_reaches_dash(demo_app):
    client = demo_app.test_client()
    login(client, "leader")
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/_dash-dependencies").status_code == 200


def test_first_request_of_a_worker_may_be_signed_in(demo_app, demo_url):
    """Dash checks its layout on a process's first request: under gunicorn that request can
    come from someone who signed in on another worker, so the signed-in layout must pass."""
    from app import create_app
    from tests.conftest import app_config

    signed_in = demo_app.test_client()
    login(signed_in, "leader")
    cookie = signed_in.get_cookie("hrss_session")
    other_worker = create_app(app_config(demo_url))
    client = other_worker.test_client()
    client.set_cookie("hrss_session", cookie.value)
    assert client.get("/maps/regions").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    other_worker.extensions["engine"].dispose()


def test_a_pages_callbacks_answer_only_its_roles(app, client, session):
    """Behind each page's own checks: the guard refuses a Dash request that writes to a page's
    components from a role that page is not for (pages declare CALLBACK_PREFIXES and ROLES)."""
    from data.models import Role
    from tests.conftest import csrf_header
    from tests.factories import PASSWORD, make_city, make_user
    city = make_city(session)
    make_user(session, username="screen", role=Role.wall, regions=[city["city"]])
    make_user(session, username="boss", role=Role.leader, regions=[city["city"]])
    prefixes = dict(app.extensions["callback_roles"])
    assert {"cases-", "case-", "stations-", "audits-", "rect-", "inspect-", "insp-", "tpl-", "walk-", "logs-",
            "brief-"} <= set(prefixes)
    body = {"output": "cases-kpis.children", "outputs": {"id": "cases-kpis", "property": "children"},
            "inputs": [{"id": "cases-filters", "property": "data", "value": {}},
                       {"id": "cases-version", "property": "data", "value": 0}],
            "changedPropIds": ["cases-filters.data"], "state": []}
    client.post("/login", data={"username": "screen", "password": PASSWORD})
    assert client.post("/_dash-update-component", json=body, headers=csrf_header(client)).status_code == 403
    client.post("/logout", headers=csrf_header(client))
    client.post("/login", data={"username": "boss", "password": PASSWORD})
    assert client.post("/_dash-update-component", json=body, headers=csrf_header(client)).status_code == 200


def test_nobody_but_the_admin_reaches_an_admin_route_or_callback(app, client, session):
    """Every /admin download and upload, and every callback of every /admin page, refused (403) to
    the other roles; the pages themselves show the refusal instead of their content."""
    import sys

    import dash

    from data.models import Role
    from tests.conftest import csrf_header
    from tests.factories import PASSWORD, make_city, make_user
    city = make_city(session)
    boss = make_user(session, username="boss", role=Role.leader, regions=[city["city"]])
    routes = [(rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"})[0]) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/admin/") and rule.endpoint != "/<path:path>"]
    assert {"/admin/import/upload", "/admin/log.xlsx", "/admin/import/template/<kind>.xlsx"} <= {r for r, _m in routes}
    pages = [p for p in dash.page_registry.values() if p["path"].startswith("/admin")]
    prefixes = tuple(prefix for p in pages for prefix in getattr(sys.modules[p["module"]], "CALLBACK_PREFIXES", ()))
    assert len(pages) >= 7 and len(prefixes) >= 6
    callbacks = [key for key in app.extensions["dash"].callback_map
                 if any(o.strip(".").startswith(prefixes) for o in key.strip(".").split("..."))]
    assert len(callbacks) >= 10
    client.post("/login", data={"username": "boss", "password": PASSWORD})
    for rule, method in routes:
        path = rule.replace("<kind>", "cases").replace("<int:job_id>", "1")
        answer = client.open(path, method=method, headers=csrf_header(client))
        assert answer.status_code == 403, (path, answer.status_code)
    for key in callbacks:
        outputs = [o.strip(".") for o in key.strip(".").split("...")]
        spec = [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]} for o in outputs]
        body = {"output": key, "outputs": spec if len(spec) > 1 else spec[0], "inputs": [], "state": [],
                "changedPropIds": []}
        answer = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
        assert answer.status_code == 403, (key, answer.status_code)
    from flask_login import login_user

    from web.auth import _load_user
    with app.test_request_context("/admin"):
        login_user(_load_user(f"{boss.id}:{boss.session_version}"))
        for page in pages:
            layout = sys.modules[page["module"]].layout()
            assert "您的角色无权查看此页面" in str(layout), page["path"]
