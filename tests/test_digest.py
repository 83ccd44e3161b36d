"""The daily to-do digest: each person's counts by kind, by mail and to the intranet group robot,
to local receivers here; once a day whatever the workers; nothing when nothing is configured."""

from __future__ import annotations

import email
import email.policy
import json
import socketserver
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlmodel import select

from data.models import AuditEvent, CaseStatus, Role
from tests.conftest import TODAY
from tests.factories import make_case, make_city, make_user
from web.digest import due, send_day

NOW = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)  # 08:30 in Beijing


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to take a message: EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self):
        self.wfile.write(b"220 localhost ESMTP test\r\n")
        data, lines, rcpt = False, [], []
        while line := self.rfile.readline():
            if data:
                if line.rstrip(b"\r\n") == b".":
                    self.server.messages.append((rcpt, b"".join(lines)))
                    data, lines, rcpt = False, [], []
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.wfile.write(b"250-localhost\r\n250 8BITMIME\r\n")
            elif verb == b"RCPT":
                rcpt.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                self.wfile.write(b"250 ok\r\n")
            elif verb == b"DATA":
                data = True
                self.wfile.write(b"354 go on\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class Robot(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.server.posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"errcode":0,"errmsg":"ok"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def receivers():
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    smtp.messages = []
    robot = HTTPServer(("127.0.0.1", 0), Robot)
    robot.posts = []
    for server in (smtp, robot):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"smtp": smtp, "robot": robot,
           "config": {"DIGEST_SMTP_HOST": "127.0.0.1", "DIGEST_SMTP_PORT": smtp.server_address[1],
                      "DIGEST_SMTP_FROM": "digest@bureau.local",
                      "DIGEST_WEBHOOK_URL": f"http://127.0.0.1:{robot.server_address[1]}/robot",
                      "PUBLIC_URL": "http://hrss.bureau.local"}}
    for server in (smtp, robot):
        server.shutdown()
        server.server_close()


@pytest.fixture
def people(session):
    city = make_city(session)
    officer = make_user(session, username="officer.a", role=Role.case_officer, regions=[city["a"]],
                        email="wang@bureau.local", phone="13800001111")
    quiet = make_user(session, username="officer.b", role=Role.case_officer, regions=[city["b"]],
                      email="li@bureau.local")
    for _ in range(2):
        make_case(session, township=city["town_a"], county=city["a"], status=CaseStatus.received, accepted_on=None,
                  investigate_due=None)
    return {"officer": officer, "quiet": quiet}


def test_each_person_gets_their_counts_once_a_day(session, people, receivers):
    counts = send_day(session, receivers["config"], today=TODAY, now=NOW)
    assert counts == {"people": 1, "mail": 1, "webhook": 1, "failed": 0}  # nothing waits for officer.b
    [(to, raw)] = receivers["smtp"].messages
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert to == ["wang@bureau.local"] and "待办 2 项" in message["Subject"]
    body = message.get_content()
    assert "线索待受理：2" in body and "http://hrss.bureau.local/todo" in body
    [post] = receivers["robot"].posts
    assert post["msgtype"] == "text" and post["text"]["mentioned_mobile_list"] == ["13800001111"]
    assert "线索待受理：2" in post["text"]["content"]
    # a second worker (or a second tick) the same day sends nothing; --again does
    assert send_day(session, receivers["config"], today=TODAY, now=NOW)["people"] == 0
    assert len(receivers["smtp"].messages) == 1
    assert send_day(session, receivers["config"], today=TODAY, now=NOW, again=True)["mail"] == 1
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "digest.sent")).all()


def test_nothing_is_sent_when_nothing_is_configured(session, people, receivers):
    assert send_day(session, {}, today=TODAY, now=NOW) == {"people": 0, "mail": 0, "webhook": 0, "failed": 0}
    assert receivers["smtp"].messages == [] and receivers["robot"].posts == []
    # configured later the same day, it still goes (the empty run claimed nothing)
    assert send_day(session, receivers["config"], today=TODAY, now=NOW)["mail"] == 1


def test_a_mail_server_down_is_counted_and_the_robot_still_hears(session, people, receivers):
    config = {**receivers["config"], "DIGEST_SMTP_PORT": 1}
    counts = send_day(session, config, today=TODAY, now=NOW)
    assert (counts["mail"], counts["webhook"], counts["failed"]) == (0, 1, 1)


def test_due_at_half_past_eight_on_the_bureaus_clock():
    from data import clock
    assert not due({}, datetime(2026, 11, 20, 0, 29, tzinfo=UTC).astimezone(clock.zone()))
    assert due({}, datetime(2026, 11, 20, 0, 30, tzinfo=UTC).astimezone(clock.zone()))
    assert due({"DIGEST_AT": "07:00"}, datetime(2026, 11, 19, 23, 0, tzinfo=UTC).astimezone(clock.zone()))
