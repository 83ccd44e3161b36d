"""The API never answers 500 to a body or query it cannot use: integers past 64 bits (or past
the database's ids), absurdly deep JSON, text the database cannot store, impossible times all
answer 422 in the one error shape. Two identical records sent at the same moment both succeed."""

from __future__ import annotations

import threading
import uuid

import pytest

from tests.conftest import csrf_header
from tests.factories import PASSWORD, make_field_world
from tests.test_api import assert_error, field_client, inspection_body, walkthrough_body, work_log_body


@pytest.fixture
def world(session):
    return make_field_world(session)


def post_raw(client, path: str, text: str):
    return client.post(path, data=text, content_type="application/json", headers=csrf_header(client))


@pytest.mark.parametrize("depth", [100, 5_000, 100_000])
def test_absurdly_deep_json_is_422(app, world, depth):
    client = field_client(app, "insp")
    body = '{"uuid": "' + str(uuid.uuid4()) + '", "note": ' + "[" * depth + "]" * depth + "}"
    error = assert_error(post_raw(client, "/api/v1/walkthroughs", body), 422, "validation")
    assert error["request_id"]
    assert_error(client.post("/api/v1/session", data="[" * depth + "]" * depth, content_type="application/json"),
                 422, "validation")


HUGE = [2**31, 2**63, 2**64 + 1, -(2**63) - 1, 10**30]


@pytest.mark.parametrize("number", HUGE)
def test_integers_past_what_the_database_holds_are_422(app, world, number):
    walker = field_client(app, "insp")
    error = assert_error(post_raw(walker, "/api/v1/walkthroughs",
                                  _json(walkthrough_body(world, station_id=number))), 422, "validation")
    assert "station_id" in error["fields"]
    error = assert_error(post_raw(walker, "/api/v1/inspections",
                                  _json(inspection_body(world, template_id=number))), 422, "validation")
    assert "template_id" in error["fields"]
    error = assert_error(post_raw(walker, "/api/v1/inspections",
                                  _json(inspection_body(world, auditor_ids=[number]))), 422, "validation")
    assert "auditor_ids[0]" in error["fields"]
    cadre = field_client(app, "cadre_a")
    for body in (work_log_body(station_id=number), work_log_body(people_served=number)):
        assert_error(post_raw(cadre, "/api/v1/work-logs", _json(body)), 422, "validation")
    answers = {**inspection_body(world)["answers"]}
    first = next(iter(answers))
    answers[first] = {"value": number}
    assert post_raw(walker, "/api/v1/inspections", _json(inspection_body(world, answers=answers))).status_code in (
        201, 422)


def test_text_the_database_cannot_store_is_422(app, world):
    cadre = field_client(app, "cadre_a")
    error = assert_error(cadre.post("/api/v1/work-logs", json=work_log_body(done="窗口\u0000帮办"),
                                    headers=csrf_header(cadre)), 422, "validation")
    assert "done" in error["fields"]
    lone_surrogate = '{"uuid": "%s", "log_date": "2026-11-20", "work_types": ["case_handling"], "done": "\\ud800"}'
    assert_error(post_raw(cadre, "/api/v1/work-logs", lone_surrogate % uuid.uuid4()), 422, "validation")


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "10000-01-01"])
def test_impossible_times_are_422(app, world, moment):
    client = field_client(app, "cadre_a")
    error = assert_error(client.get("/api/v1/records", query_string={"since": moment}), 422, "validation")
    assert "since" in error["fields"]
    walker = field_client(app, "insp")
    step = {"name": "咨询", "seconds": 5, "started_at": moment}
    answer = walker.post("/api/v1/walkthroughs", json=walkthrough_body(world, steps=[step]),
                         headers=csrf_header(walker))
    assert "steps[0].started_at" in assert_error(answer, 422, "validation")["fields"]


def _json(body) -> str:
    import json

    return json.dumps(body)


# --- the race: two identical records at the same moment ----------------------------------------------------


def at_once(clients, path: str, body: dict) -> list[int]:
    """POST the same body from each client (one person on several connections) at the same moment,
    released together by a barrier; the statuses."""
    gate = threading.Barrier(len(clients))
    statuses: list[int] = [0] * len(clients)

    def send(n: int):
        gate.wait()
        statuses[n] = clients[n].post(path, json=body, headers=csrf_header(clients[n])).status_code

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


ROUNDS = 30  # before the fix about one round in six answered 409 on PostgreSQL


def test_two_identical_walkthroughs_at_the_same_moment_both_succeed(app, world, session):
    from sqlmodel import func, select

    from data.models import Walkthrough, WalkthroughFinding

    phone = [field_client(app, "insp"), field_client(app, "insp")]
    outcomes = [sorted(at_once(phone, "/api/v1/walkthroughs", walkthrough_body(world))) for _ in range(ROUNDS)]
    assert outcomes == [[200, 201]] * ROUNDS
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Walkthrough)).one() == ROUNDS
    assert session.exec(select(func.count()).select_from(WalkthroughFinding)).one() == 3 * ROUNDS


def test_identical_work_logs_and_inspections_at_the_same_moment_both_succeed(app, world):
    cadre = [field_client(app, "cadre_a"), field_client(app, "cadre_a")]
    inspector = [field_client(app, "insp"), field_client(app, "insp")]
    for _ in range(6):
        assert sorted(at_once(cadre, "/api/v1/work-logs", work_log_body(log_date="2026-11-19"))) == [200, 201]
        assert sorted(at_once(inspector, "/api/v1/inspections", inspection_body(world))) == [200, 201]


def test_sign_in_with_an_overlong_password_is_422_not_500(client, world):
    assert_error(client.post("/api/v1/session", json={"username": "cadre_a", "password": PASSWORD * 100}),
                 422, "validation")
