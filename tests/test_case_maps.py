"""The case map route (/maps/cases): who may fetch which view, refusals outside the scope, bad
parameters, user text that stays text (HTML and template syntax), no request to another host,
the data version in the cache key, and the size of the demo city's map."""

import re
from datetime import UTC, date, datetime

import pytest

from data.models import CaseStatus, Role, WageCase
from tests.conftest import contains
from tests.factories import PASSWORD, make_case, make_city, make_employer, make_grid_cell, make_user
from web import cache

XSS = '<script>alert("hrss")</script><img src=x onerror=alert(1)>'
TEMPLATE = "{{ 'ssti'|upper }}probe{% if true %}IF{% endif %}"
BREAKOUT = "</script><script>window.__xss=1</script>{{7*7}}"
EXTERNAL = re.compile(r"https?://", re.I)


@pytest.fixture
def world(session):
    city = make_city(session)
    make_grid_cell(session, township=city["town_a"])
    rogue = make_employer(session, name=f"恶意{XSS}{TEMPLATE}有限公司")
    located = dict(industry="construction", lon=116.02, lat=28.52)
    make_case(session, township=city["town_a"], county=city["a"], employer_id=rogue.id, **located)
    make_case(session, township=city["town_a"], county=city["a"], status=CaseStatus.received, accepted_on=None,
              investigate_due=None, accept_due=date(2026, 11, 9), **located)
    make_case(session, township=city["town_b"], county=city["b"], lon=116.22, lat=28.52)
    for name, role, region in (("officer", Role.case_officer, "a"), ("leader", Role.leader, "city"),
                               ("inspector", Role.inspector, "city"), ("wall", Role.wall, "city"),
                               ("cadre", Role.cadre, "town_a")):
        make_user(session, username=name, role=role, regions=[city[region]])
    return city


def signed_in(client, username):
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_an_officer_gets_the_choropleth_of_their_county(client, world):
    signed_in(client, "officer")
    response = client.get("/maps/cases")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert contains(page, "望江街道") and not contains(page, "青石镇")
    assert "hrss-map" in page and "select-township" in page  # a click tells the page framing the map
    for level in ("township", "grid"):
        for metric in ("cases", "workers", "amount", "overdue"):
            assert client.get(f"/maps/cases?level={level}&metric={metric}&risk=1").status_code == 200


def test_outside_the_scope_is_not_found(client, world):
    signed_in(client, "officer")
    assert client.get(f"/maps/cases?region_code={world['a'].area_code}").status_code == 200
    assert client.get(f"/maps/cases?region_code={world['b'].area_code}").status_code == 404
    assert client.get(f"/maps/cases?township={world['town_b'].area_code}").status_code == 404
    assert client.get("/maps/cases?township=369999999000").status_code == 404  # unknown: the same answer
    assert client.get(f"/maps/cases?grid_code={world['town_b'].area_code}-G01").status_code == 404


def test_bad_parameters_are_refused_with_a_message(client, world):
    signed_in(client, "leader")
    for query, field in (("level=province", "level"), ("metric=salary", "metric"), ("statuses=lost", "statuses"),
                         ("date_from=2026-13-01", "date_from"), ("township=12345", "township"),
                         ("date_from=2026-11-01&date_to=2026-01-01", "date_from"), ("risk=yes", "risk")):
        response = client.get(f"/maps/cases?{query}")
        assert response.status_code == 400, query
        assert response.json["field"] == field and response.json["message"]
    # unknown parameters (a cache buster) are no error
    assert client.get("/maps/cases?v=7&_=1").status_code == 200


def test_roles(app, world):
    wall = signed_in(app.test_client(), "wall")
    assert wall.get("/maps/cases").status_code == 200  # the aggregate only
    refused = wall.get(f"/maps/cases?township={world['town_a'].area_code}")
    assert refused.status_code == 403 and refused.json["error"] == "forbidden"
    cadre = signed_in(app.test_client(), "cadre")
    assert cadre.get("/maps/cases").status_code == 403
    inspector = signed_in(app.test_client(), "inspector")
    assert inspector.get(f"/maps/cases?township={world['town_a'].area_code}").status_code == 200


def test_anonymous_gets_no_map(client, world):
    assert client.get("/maps/cases", headers={"Accept": "application/json"}).status_code == 401


def test_user_text_stays_text_in_the_drill_down(client, world):
    signed_in(client, "officer")
    response = client.get(f"/maps/cases?township={world['town_a'].area_code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "hrss-map" in page and "open-case" in page and contains(page, "恶意")
    assert "<script>alert" not in page and "<img src=x" not in page and "alert(1)>" not in page
    # branca compiles folium's output as a template: the employer's braces must not run
    assert "SSTIprobe" not in page and "IF有限公司" not in page
    # escaped once (shown as typed), not twice (shown as "&lt;script&gt;")
    assert "\\u0026lt;script\\u0026gt;alert" in page and "\\u0026amp;lt;" not in page
    assert not EXTERNAL.search(page)
    # the cases are one GeoJSON layer (over the grid cells and the outline), not a marker each
    assert page.count("L.geoJson(") == 3 and "L.marker(" not in page


def test_the_data_version_refreshes_a_cached_map(client, session, world):
    signed_in(client, "officer")
    first = client.get("/maps/cases?metric=workers")
    assert client.get("/maps/cases?metric=workers", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    case = session.get(WageCase, 1)
    case.workers, case.updated_at = 77, datetime.now(UTC)  # as a service's write does
    session.commit()
    second = client.get("/maps/cases?metric=workers")
    assert second.headers["ETag"] != first.headers["ETag"]
    # 望江街道's row of figures (cases, workers, …): 77 + 12 workers now
    assert '"rows":[["2","24",' in first.get_data(as_text=True)
    assert '"rows":[["2","89",' in second.get_data(as_text=True)


def test_what_is_spliced_into_a_kept_skeleton_stays_text(client, session, world):
    """The shapes' part of a map is kept and each data version splices its figures, cases and
    legend into it: a name that would end the script or run as a template stays text there."""
    make_grid_cell(session, township=world["town_a"], number=2, name=f"网格{BREAKOUT}")
    hostile = make_employer(session, name=f"单位{BREAKOUT}")
    make_case(session, township=world["town_a"], county=world["a"], employer_id=hostile.id, lon=116.03, lat=28.53)
    signed_in(client, "officer")
    # escaped once, so shown as typed: HTML entities (braces too), then JSON's \u0026 for each "&"
    shown = ("\\u0026lt;/script\\u0026gt;\\u0026lt;script\\u0026gt;window.__xss=1\\u0026lt;/script\\u0026gt;"
             "\\u0026#123;\\u0026#123;7*7\\u0026#125;\\u0026#125;")
    views = {"level=grid&risk=1": "网格", "level=grid&metric=amount": "网格",
             f"township={world['town_a'].area_code}": "单位"}
    for _version in (1, 2):
        for query, name in views.items():
            page = client.get(f"/maps/cases?{query}").get_data(as_text=True)
            assert "<script>window.__xss" not in page and page.count("<script") == page.count("</script>"), query
            assert "{{7*7}}" not in page and name + shown in page, query
        # the city's grid cells and the township: a new data version reuses them
        with client.application.app_context():
            assert cache.entries("skeleton") == 2
        case = session.get(WageCase, 1)
        case.workers, case.updated_at = 5, datetime.now(UTC)  # as a service's write does
        session.commit()


def test_the_demo_city_view_is_small_and_local(demo_app):
    client = demo_app.test_client()
    assert client.post("/login", data={"username": "leader", "password": "hrss-demo"}).status_code == 302
    for query in ("", "level=grid", "level=grid&metric=amount&risk=1", "date_from=2026-01-01&date_to=2026-11-20"):
        response = client.get(f"/maps/cases?{query}")
        assert response.status_code == 200, query
        assert len(response.data) < 500 * 1024, (query, len(response.data))
        assert not EXTERNAL.search(response.get_data(as_text=True))
    township = client.get("/maps/cases?township=369902001000")
    assert township.status_code == 200 and not EXTERNAL.search(township.get_data(as_text=True))


# --- the component, without a server -----------------------------------------------------------


def test_classes_spread_the_values_over_the_scale():
    from components.case_map import NO_CASES, SCALE, class_breaks, colour_for

    values = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233]
    breaks = class_breaks(values)
    assert breaks == sorted(set(breaks)) and breaks[-1] == 233 and len(breaks) <= len(SCALE) - 1
    assert colour_for(0, breaks) == NO_CASES and colour_for(233, breaks) == SCALE[-1]
    colours = [colour_for(v, breaks) for v in values[1:]]
    assert [SCALE.index(c) for c in colours] == sorted(SCALE.index(c) for c in colours)  # darker as it grows
    assert class_breaks([0, 0]) == [] and class_breaks([7, 7, 7]) == [7]


def test_a_choropleth_of_areas_and_a_township_of_points_render_locally():
    from components.case_map import case_choropleth, township_cases_map

    square = {"type": "Polygon", "coordinates": [[[116.0, 28.5], [116.1, 28.5], [116.1, 28.6], [116.0, 28.5]]]}
    areas = [{"code": "369901001000", "name": f"望江{TEMPLATE}", "boundary": square, "township": "369901001000"}]
    page = case_choropleth(
        areas, values={"369901001000": 3}, labels={"metric": "案件数"}, risks={"369901001000": "red"},
        figures={"369901001000": {"cases": 3, "workers": 9, "amount": 100, "overdue": 1}},
        risk_labels={"red": "红色"})
    assert "select-township" in page and '"t":"369901001000"' in page and "红色" in page
    assert "SSTIprobe" not in page and not EXTERNAL.search(page)
    points = [{"id": 7, "lon": 116.051234567, "lat": 28.55, "workers": 40, "overdue": True, "due": "2026-11-09"}]
    page = township_cases_map({"code": "369901001000", "name": "望江", "boundary": square}, points,
                              labels={}, describe=lambda p: {"case_no": "T-1", "employer": XSS})
    assert "open-case" in page and '"coordinates":[116.05123,28.55]' in page and "<script>alert" not in page


def test_a_name_cannot_open_a_hole_and_every_hole_is_filled():
    from components.case_map import case_choropleth, choropleth_skeleton

    square = {"type": "Polygon", "coordinates": [[[116.0, 28.5], [116.1, 28.5], [116.1, 28.6], [116.0, 28.5]]]}
    areas = [{"code": "369901001000", "name": "/*hrss-hole:legend*/", "boundary": square}]
    page = case_choropleth(areas, values={}, figures={}, labels={"metric": BREAKOUT, "none": XSS})
    assert page.count('class="case-legend"') == 1 and '"n":"/*hrss-hole:legend*/"' in page
    # the legend folds (a <details>, folded on a phone) and an open one keeps the areas beside it
    assert '<details class="case-legend" open>' in page and "legend.open) { options.paddingBottomRight" in page
    assert "<script>window.__xss" not in page and "<img src=x" not in page and "{{7*7}}" not in page
    assert page.count("<script") == page.count("</script>")
    skeleton = choropleth_skeleton(areas)
    assert set(skeleton.holes) == {"areas-given", "legend"}
    with pytest.raises(ValueError):
        skeleton.fill({"legend": ""})


def test_a_304_comes_only_for_the_very_document_the_browser_holds(client, session, world, db_url):
    """Two workers that keep their own caches each build the map, with their own element ids (so
    their own inline-script hashes in the policy header): the ETag is the document's, so the other
    worker answers 304 only for an identical document, else the whole map with its own policy."""
    from app import create_app
    from tests.conftest import app_config

    signed_in(client, "officer")
    first = client.get("/maps/cases?metric=workers")
    assert client.get("/maps/cases?metric=workers",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    other = create_app(app_config(db_url, CACHE_REDIS_URL=None)).test_client()  # a second worker, its own cache
    signed_in(other, "officer")
    again = other.get("/maps/cases?metric=workers", headers={"If-None-Match": first.headers["ETag"]})
    same = other.get("/maps/cases?metric=workers").get_data() == first.get_data()
    assert again.status_code == (304 if same else 200)
    if not same:
        assert again.headers["ETag"] != first.headers["ETag"] and again.get_data() != first.get_data()
