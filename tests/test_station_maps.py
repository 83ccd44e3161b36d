"""The station map route (/maps/stations) and its service points (/maps/stations/points): who
may fetch them, refusals outside the scope, bad parameters, station names that stay text (HTML
and template syntax), the zoom layer, no request to another host, the cache and its version,
and the size of the demo city's map."""

import re
from datetime import UTC, datetime

import pytest

from components.station_map import decode_polyline, encode_polyline
from data.models import Inspection, InspectionStatus
from tests.conftest import contains
from tests.factories import PASSWORD
from tests.stations_world import station_world

XSS = '<script>alert("hrss")</script>'  # a station name holds at most 80 characters
TEMPLATE = "{{7*7}}probe{% if 1 %}IF{% endif %}"
EXTERNAL = re.compile(r"https?://", re.I)


@pytest.fixture
def world(session):
    return station_world(session, station_a_name=f"望江{XSS}{TEMPLATE}人社所")


def signed_in(client, username):
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def station_rows(page: str) -> dict[int, list]:
    """The stations in a rendered map: {id: [id, lon, lat, grade index, name, score, date]}."""
    rows = re.findall(r'\[(\d+),([\d.]+),([\d.]+),(\d),"((?:[^"\\]|\\.)*)",([\d.]+|null),("[\d-]+"|null)\]', page)
    return {int(r[0]): list(r) for r in rows}


def test_a_leader_gets_every_station_coloured_by_grade(client, world):
    signed_in(client, "leader")
    response = client.get("/maps/stations")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    rows = station_rows(page)
    assert set(rows) == {world[k].id for k in ("a_station", "a2_station", "b_station", "c_station")}
    # grade index: model 0, standard 1, rectify 2, fail 3, never checked 4
    assert rows[world["a_station"].id][3] == "0" and rows[world["c_station"].id][3] == "4"
    assert rows[world["a2_station"].id][3] == "2"
    assert "hrss-map" in page and '"station"' in page  # a click tells the page framing the map
    assert not EXTERNAL.search(page)


def test_the_cadre_sees_their_township_without_the_covert_grade(app, world):
    cadre = signed_in(app.test_client(), "cadre")
    rows = station_rows(cadre.get("/maps/stations").get_data(as_text=True))
    assert list(rows) == [world["a_station"].id]
    assert rows[world["a_station"].id][3] == "1" and rows[world["a_station"].id][5] == "85.0"
    inspector = signed_in(app.test_client(), "inspector")
    assert station_rows(inspector.get("/maps/stations").get_data(as_text=True))[world["a_station"].id][5] == "95.0"


def test_roles_and_sign_in(app, world):
    assert app.test_client().get("/maps/stations", headers={"Accept": "application/json"}).status_code == 401
    assert app.test_client().get("/maps/stations/points?bbox=116,28.5,116.1,28.6",
                                 headers={"Accept": "application/json"}).status_code == 401
    for username in ("officer", "wall"):
        client = signed_in(app.test_client(), username)
        refused = client.get("/maps/stations")
        assert refused.status_code == 403 and refused.json["error"] == "forbidden"
        assert client.get("/maps/stations/points?bbox=116,28.5,116.1,28.6").status_code == 403


def test_outside_the_scope_is_not_found(app, world):
    admin = signed_in(app.test_client(), "admin_a")
    assert admin.get("/maps/stations?region_code=369901000000").status_code == 200
    assert admin.get("/maps/stations?region_code=369902000000").status_code == 404
    assert admin.get("/maps/stations?region_code=369999999000").status_code == 404  # unknown: the same answer
    assert admin.get("/maps/stations/points?region_code=369902000000&bbox=116,28.5,116.1,28.6").status_code == 404
    cadre = signed_in(app.test_client(), "cadre")
    assert cadre.get("/maps/stations?region_code=369901101000").status_code == 404  # the neighbouring township


def test_bad_parameters_are_refused_with_a_message(client, world):
    signed_in(client, "leader")
    for query, field in (("date_from=2026-13-01", "date_from"), ("region_code=3699", "region_code"),
                         ("kind=castle", "kind"), ("date_from=2026-11-01&date_to=2026-01-01", "date_from")):
        response = client.get(f"/maps/stations?{query}")
        assert response.status_code == 400, query
        assert response.json["field"] == field and response.json["message"]
    for bbox in ("", "116,28.5,116.1", "a,b,c,d", "116.1,28.5,116,28.6", "110,20,118,29", "116,28.5,116.1,95"):
        response = client.get(f"/maps/stations/points?bbox={bbox}")
        assert response.status_code == 400, bbox
        assert response.json["field"] == "bbox"
    assert client.get("/maps/stations?v=7&_=1").status_code == 200  # unknown parameters are no error


def test_station_names_stay_text(client, world):
    signed_in(client, "leader")
    page = client.get("/maps/stations").get_data(as_text=True)
    assert contains(page, "望江")
    assert "<script>alert" not in page
    # branca compiles folium's output as a template: the name's braces must not run
    assert "49probe" not in page and "IF人社所" not in page
    # escaped once (shown as typed), not twice
    assert "\\u0026lt;script\\u0026gt;alert" in page and "\\u0026amp;lt;" not in page
    points = client.get("/maps/stations/points?bbox=116,28.5,116.1,28.6")
    assert points.status_code == 200 and points.json["points"][0][5] == "柳溪村便民服务站"


def test_service_points_come_when_zoomed_in(client, world):
    signed_in(client, "leader")
    page = client.get("/maps/stations?region_code=369901000000").get_data(as_text=True)
    # the page holds no service point, only the layer that asks for them at zoom 12 and closer
    assert "柳溪村" not in page and not contains(page, "柳溪村")
    assert 'map.on("zoomend", refresh)' in page and "minZoom = 12" in page
    assert '"/maps/stations/points?region_code=369901000000' in page
    body = client.get("/maps/stations/points?region_code=369901000000&bbox=116,28.5,116.1,28.6").json
    assert body == {"points": [[world["point"].id, 116.035, 28.535, 0, 4, "柳溪村便民服务站"]], "truncated": False}
    # outside the box, or outside the region: none
    assert client.get("/maps/stations/points?bbox=117,28.5,117.1,28.6").json["points"] == []
    assert client.get("/maps/stations/points?region_code=369902000000&bbox=116,28.5,116.1,28.6").json["points"] == []


def test_the_cache_answers_304_until_a_grade_changes(client, session, world):
    signed_in(client, "cadre")
    first = client.get("/maps/stations")
    again = client.get("/maps/stations", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    covert = session.get(Inspection, world["a_covert"].id)
    covert.status, covert.published_at = InspectionStatus.published, datetime(2026, 11, 10, tzinfo=UTC)
    session.commit()
    second = client.get("/maps/stations", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    assert station_rows(second.get_data(as_text=True))[world["a_station"].id][3] == "0"  # now model for the cadre


def test_the_demo_city_view_is_small_and_local(demo_app):
    client = demo_app.test_client()
    assert client.post("/login", data={"username": "leader", "password": "hrss-demo"}).status_code == 302
    for query in ("", "date_from=2026-01-01&date_to=2026-11-20", "region_code=369902000000"):
        response = client.get(f"/maps/stations?{query}")
        assert response.status_code == 200, query
        assert len(response.data) < 500 * 1024, (query, len(response.data))
        page = response.get_data(as_text=True)
        assert not EXTERNAL.search(page) and len(station_rows(page)) >= 5
    points = client.get("/maps/stations/points?bbox=115.9,28.5,116.1,28.7")
    assert points.status_code == 200 and points.json["points"]


def test_polylines_round_trip():
    ring = [[116.05123, 28.55], [116.1, 28.5], [115.99999, 28.60001], [116.05123, 28.55]]
    assert decode_polyline(encode_polyline(ring)) == [(lat, lon) for lon, lat in ring]
    assert encode_polyline([[-120.2, 38.5], [-120.95, 40.7], [-126.453, 43.252]]) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"
