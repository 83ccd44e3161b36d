"""The shared cache (web/cache.py): two apps on one database are two workers. On Redis they
share every entry — a map built by one is a hit in the other, a write changes the key for both
at once, the wall's panels agree — while in-process caches each build their own; a key is named
the same in every process; a cache that cannot be reached costs time, never a page."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from app import create_app
from data.models import Inspection, InspectionStatus, Role, WageCase
from tests.conftest import ROOT, app_config, cache_config, free_port
from tests.factories import PASSWORD
from tests.stations_world import station_world
from web import cache


@pytest.fixture
def world(session):
    return station_world(session)


def workers(db_url: str, redis_url: str | None, count: int = 2) -> list:
    """`count` apps on one database, sharing one key prefix: workers of one deployment."""
    shared = cache_config(redis_url)
    return [create_app(app_config(db_url, **shared)) for _ in range(count)]


def signed_in(app, username: str = "leader"):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def publish_the_covert_check(session, world) -> None:
    covert = session.get(Inspection, world["a_covert"].id)
    covert.status, covert.published_at = InspectionStatus.published, datetime(2026, 11, 10, tzinfo=UTC)
    session.commit()


def test_on_redis_a_map_built_by_one_worker_is_a_hit_in_the_other(db_url, redis_url, session, world):
    first, second = (signed_in(app) for app in workers(db_url, redis_url))
    built = first.get("/maps/stations")
    assert built.status_code == 200 and built.headers["X-Cache"] == "miss"
    served = second.get("/maps/stations")
    assert served.headers["X-Cache"] == "hit" and served.data == built.data
    assert served.headers["ETag"] == built.headers["ETag"]  # so a 304 from either worker
    assert second.get("/maps/stations", headers={"If-None-Match": built.headers["ETag"]}).status_code == 304

    # a write: the next load in either worker asks for a new key, built once for both
    publish_the_covert_check(session, world)
    changed = second.get("/maps/stations")
    assert changed.headers["X-Cache"] == "miss" and changed.headers["ETag"] != built.headers["ETag"]
    again = first.get("/maps/stations")
    assert again.headers["X-Cache"] == "hit" and again.data == changed.data
    with first.application.app_context():
        assert cache.entries("map") == 2
        assert cache.entries("outlines") == 1  # the outlines outlive the data version


def test_in_process_caches_are_each_workers_own(db_url, session, world):
    first, second = (signed_in(app) for app in workers(db_url, None))
    assert first.get("/maps/stations").headers["X-Cache"] == "miss"
    assert first.get("/maps/stations").headers["X-Cache"] == "hit"
    assert second.get("/maps/stations").headers["X-Cache"] == "miss"


def test_on_redis_the_wall_panels_agree_across_workers(db_url, redis_url, session, world):
    first, second = (signed_in(app) for app in workers(db_url, redis_url))
    before = first.get("/wall/data/kpis")
    assert before.status_code == 200 and before.headers["X-Cache"] == "miss"
    publish_the_covert_check(session, world)  # within the panel's few seconds, every screen shows the same
    after = second.get("/wall/data/kpis")
    assert after.headers["X-Cache"] == "hit" and after.json == before.json


def test_case_maps_and_their_skeletons_are_shared(db_url, redis_url, session):
    from tests.factories import make_case, make_city, make_user

    city = make_city(session)
    make_case(session, township=city["town_a"], county=city["a"], lon=116.02, lat=28.52)
    make_user(session, username="leader", role=Role.leader, regions=[city["city"]])
    first, second = (signed_in(app) for app in workers(db_url, redis_url))
    assert first.get("/maps/cases?metric=workers").headers["X-Cache"] == "miss"
    assert second.get("/maps/cases?metric=workers").headers["X-Cache"] == "hit"
    assert second.get("/maps/regions").headers["X-Cache"] == "miss"
    assert first.get("/maps/regions").headers["X-Cache"] == "hit"
    case = session.get(WageCase, 1)
    case.workers, case.updated_at = 77, datetime.now(UTC)  # as a service's write does
    session.commit()
    rebuilt = second.get("/maps/cases?metric=workers")
    assert rebuilt.headers["X-Cache"] == "miss" and '["1","77",' in rebuilt.get_data(as_text=True)
    with first.application.app_context():
        assert cache.entries("skeleton") == 1  # the new data version reused the shapes' skeleton
        cache.clear("map")
        assert cache.entries("map") == 0 and cache.entries("skeleton") == 1
    assert first.get("/maps/cases?metric=workers").headers["X-Cache"] == "miss"


def test_an_unreachable_cache_is_a_miss_not_an_error(db_url, session, world, caplog):
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    client = signed_in(workers(db_url, closed, count=1)[0])
    for _ in range(2):
        response = client.get("/maps/stations")
        assert response.status_code == 200 and response.headers["X-Cache"] == "miss"
    assert client.get("/wall/data/kpis").status_code == 200
    assert "cache unavailable" in caplog.text


def test_a_key_is_named_the_same_in_every_process():
    key = ("map", frozenset({"369901/", "369902/", "369903/"}), {"b": {2, 1}, "a": (1, "x")}, None)
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from web.cache import digest; "
              "print(digest(('map', frozenset({'369901/', '369902/', '369903/'}), "
              "{'b': {2, 1}, 'a': (1, 'x')}, None)))")
    names = {subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip() for seed in ("1", "2", "3")}
    assert names == {cache.digest(key)}
    assert cache.digest(key) != cache.digest(key[:-1] + ("other",))
