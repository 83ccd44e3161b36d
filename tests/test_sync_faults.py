"""Sync under faults, against a real server over loopback: the server fails (500, a dropped
connection) in the middle of a batch, before or after it stored a record; two copies of one
record arrive at the same moment; the session expires with records queued. Nothing is lost and
nothing is stored twice.

The client here behaves as the field app's outbox does (docs/field-api.md): it keeps each
record until an answer settles it, resends on a 5xx or a dropped connection, and on a 401 signs
in again and resends.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter

import pytest
import requests
import sqlalchemy as sa
from sqlmodel import select

from data.models import DeviceSession, Walkthrough, WalkthroughFinding, WorkLog
from tests.conftest import LiveServer
from tests.factories import PASSWORD, make_field_world
from tests.test_api import walkthrough_body, work_log_body

RECORD_PATHS = ("/api/v1/walkthroughs", "/api/v1/work-logs", "/api/v1/records")


class Faults:
    """WSGI middleware that fails chosen requests to record paths: by the order they arrive,
    `plan` maps a number to "500-before", "500-after", "drop-before" or "drop-after" (before
    or after the app has handled it, so after the record is stored)."""

    def __init__(self, app, plan: dict[int, str] | None = None):
        self.app, self.plan = app, dict(plan or {})
        self.seen = 0
        self.done: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        fault = None
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] in RECORD_PATHS:
            with self.lock:
                self.seen += 1
                fault = self.plan.pop(self.seen, None)
                if fault:
                    self.done.append(fault)
        if fault in ("500-before", "drop-before"):
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            return self._fail(fault, environ, start_response)
        if fault in ("500-after", "drop-after"):
            body = b"".join(self.app(environ, lambda *a, **k: None))
            assert body  # the app answered; the answer is what gets lost
            return self._fail(fault, environ, start_response)
        return self.app(environ, start_response)

    @staticmethod
    def _fail(fault, environ, start_response):
        if fault.startswith("500"):
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "application/json")])
            return [b'{"error": {"code": "server_error", "message": "injected", "fields": {}}}']
        environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
        start_response("200 OK", [])
        return []


class Outbox:
    """A field app's outbox: records queued with their UUIDs, sent until each is settled."""

    def __init__(self, base: str, username: str):
        self.base, self.username = base, username
        self.http = requests.Session()
        self.queue: list[tuple[str, dict]] = []
        self.answers: dict[str, int] = {}
        self.events: Counter = Counter()

    def sign_in(self) -> None:
        response = self.http.post(f"{self.base}/api/v1/session",
                                  json={"username": self.username, "password": PASSWORD}, timeout=10)
        assert response.status_code == 200, response.text
        self.events["sign_in"] += 1

    def add(self, path: str, body: dict) -> None:
        self.queue.append((path, body))

    def send(self, path: str, body: dict) -> requests.Response:
        headers = {"X-CSRFToken": self.http.cookies.get("_csrf_token", "")}
        return self.http.post(f"{self.base}{path}", json=body, headers=headers, timeout=10)

    def sync(self, *, attempts: int = 6) -> None:
        while self.queue:
            path, body = self.queue[0]
            for _ in range(attempts):
                try:
                    response = self.send(path, body)
                except requests.ConnectionError:
                    self.events["dropped"] += 1
                    continue
                if response.status_code == 401:
                    self.events["401"] += 1
                    self.sign_in()  # the user signs in again; the queue is kept
                    continue
                if response.status_code >= 500:
                    self.events["5xx"] += 1
                    continue
                if response.status_code == 403 and response.json()["error"]["code"] == "csrf":
                    self.events["csrf"] += 1  # the answer carried the current token
                    continue
                break
            else:
                pytest.fail(f"{body['uuid']} not settled after {attempts} attempts")
            self.answers[body["uuid"]] = response.status_code
            self.queue.pop(0)


@pytest.fixture
def world(session):
    return make_field_world(session)


def rows_per_uuid(session, table) -> Counter:
    session.expire_all()
    return Counter(str(u) for u in session.exec(select(table.uuid)).all())


def batch(world, n: int) -> list[tuple[str, dict]]:
    records = []
    for i in range(n):
        if i % 2:
            records.append(("/api/v1/work-logs", work_log_body(log_date=f"2026-11-{20 - i % 14:02d}")))
        else:
            records.append(("/api/v1/walkthroughs", walkthrough_body(world)))
    return records


def test_server_failures_in_the_middle_of_a_batch_lose_and_double_nothing(app, session, world):
    faults = Faults(app, {3: "500-before", 5: "500-after", 8: "drop-before", 11: "drop-after", 12: "drop-after",
                          15: "500-after"})
    server = LiveServer(faults).start()
    try:
        outbox = Outbox(server.url, "cadre_a")
        outbox.sign_in()
        records = batch(world, 16)
        for path, body in records:
            outbox.add(path, body)
        outbox.sync()
    finally:
        server.stop()
    assert sorted(faults.done) == sorted(["500-before", "500-after", "drop-before", "drop-after", "drop-after",
                                          "500-after"])
    assert outbox.events["5xx"] == 3 and outbox.events["dropped"] == 3
    walks, logs = rows_per_uuid(session, Walkthrough), rows_per_uuid(session, WorkLog)
    sent_walks = {b["uuid"] for p, b in records if p.endswith("walkthroughs")}
    sent_logs = {b["uuid"] for p, b in records if p.endswith("work-logs")}
    assert set(walks) == sent_walks and set(logs) == sent_logs
    assert max(walks.values()) == 1 and max(logs.values()) == 1
    assert len(session.exec(select(WalkthroughFinding)).all()) == 3 * len(sent_walks)
    # a record stored before its answer was lost comes back as 200 on the resend
    statuses = Counter(outbox.answers.values())
    assert statuses == {201: 16 - 3, 200: 3}


def test_a_batch_cut_off_part_way_is_sent_again_and_stored_once(app, session, world):
    """A batch (POST /api/v1/records) stores each record in its own transaction: the server dies
    part-way through one (its first records stored), then the answer to the next copy is
    lost after all were stored; the outbox sends the same batch again each time, and the third
    copy answers 200 for every record — one row each, nothing half-written."""
    engine = app.extensions["engine"]
    inserts = Counter()

    def die_at_the_third_log(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO WORK_LOG "):
            inserts["work_log"] += 1
            if inserts["work_log"] == 3:
                raise RuntimeError("injected: the worker dies part-way through the batch")

    records = batch(world, 10)
    items = [{"kind": "work_log" if path.endswith("work-logs") else "walkthrough", "body": body}
             for path, body in records]
    faults = Faults(app, {2: "drop-after"})
    sa.event.listen(engine, "before_cursor_execute", die_at_the_third_log)
    server = LiveServer(faults).start()
    answers = []
    try:
        outbox = Outbox(server.url, "cadre_a")
        outbox.sign_in()
        for _ in range(3):
            try:
                response = outbox.send("/api/v1/records", {"records": items})
            except requests.ConnectionError:
                answers.append("dropped")
                continue
            answers.append(response.status_code if response.status_code != 200 else
                           [r["status"] for r in response.json()["results"]])
    finally:
        sa.event.remove(engine, "before_cursor_execute", die_at_the_third_log)
        server.stop()
    assert answers == [500, "dropped", [200] * 10]
    walks, logs = rows_per_uuid(session, Walkthrough), rows_per_uuid(session, WorkLog)
    assert set(walks) | set(logs) == {body["uuid"] for _path, body in records}
    assert max(walks.values()) == 1 and max(logs.values()) == 1
    assert len(session.exec(select(WalkthroughFinding)).all()) == 3 * len(walks)

def test_two_copies_at_the_same_moment_make_one_row(app, session, world):
    """Both copies pass the look-up for the UUID before either inserts (the engine holds each
    insert until both have got there), so the unique constraint decides: one 201, one 200."""
    engine = app.extensions["engine"]
    barrier = threading.Barrier(2, timeout=10)
    held = {"walkthrough": 0}

    def hold(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO WALKTHROUGH "):
            held["walkthrough"] += 1
            barrier.wait()

    sa.event.listen(engine, "before_cursor_execute", hold)
    server = LiveServer(app).start()
    try:
        phones = [Outbox(server.url, "cadre_a") for _ in range(2)]
        for phone in phones:
            phone.sign_in()
        body = walkthrough_body(world)
        answers = [None, None]

        def send(n):
            answers[n] = phones[n].send("/api/v1/walkthroughs", body)

        threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sa.event.remove(engine, "before_cursor_execute", hold)
        server.stop()
    assert held["walkthrough"] == 2
    assert sorted(a.status_code for a in answers) == [200, 201], [a.text[:300] for a in answers]
    assert answers[0].json() == answers[1].json()
    assert list(rows_per_uuid(session, Walkthrough).values()) == [1]
    assert len(session.exec(select(WalkthroughFinding)).all()) == 3


def test_expired_session_with_records_queued_loses_nothing(app, session, world):
    server = LiveServer(app).start()
    try:
        outbox = Outbox(server.url, "cadre_a")
        outbox.sign_in()
        records = batch(world, 6)
        for path, body in records[:2]:
            outbox.add(path, body)
        outbox.sync()
        # weeks offline: the browser session has lapsed and so has the device session
        device = session.exec(select(DeviceSession)).one()
        device.expires_at = device.created_at
        session.commit()
        outbox.http.cookies.clear(domain="127.0.0.1", path="/", name="hrss_session")
        for path, body in records[2:]:
            outbox.add(path, body)
        first = outbox.send(*outbox.queue[0])
        assert first.status_code == 401 and first.json()["error"]["code"] == "unauthenticated"
        outbox.sync()
    finally:
        server.stop()
    assert outbox.events["401"] == 1 and outbox.events["sign_in"] == 2
    assert set(outbox.answers.values()) == {201}
    stored = rows_per_uuid(session, Walkthrough) + rows_per_uuid(session, WorkLog)
    assert set(stored) == {b["uuid"] for _, b in records} and set(stored.values()) == {1}


def test_a_lapsed_browser_session_alone_is_silent(app, session, world):
    server = LiveServer(app).start()
    try:
        outbox = Outbox(server.url, "cadre_a")
        outbox.sign_in()
        outbox.http.cookies.clear(domain="127.0.0.1", path="/", name="hrss_session")
        for path, body in batch(world, 4):
            outbox.add(path, body)
        started = time.monotonic()
        outbox.sync()
    finally:
        server.stop()
    assert time.monotonic() - started < 30
    assert outbox.events["401"] == 0 and outbox.events["sign_in"] == 1
    assert set(outbox.answers.values()) == {201}


def test_sqlite_connections_wait_for_each_other_in_wal_mode(engine):
    """Many writers at once on the embedded database: WAL lets readers go on while one writes,
    and the busy timeout makes a writer wait for the lock instead of failing."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 10_000
