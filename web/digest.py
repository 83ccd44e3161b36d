"""The daily to-do digest (每日待办摘要): each person's count of waiting items by kind, the same list
/todo shows (data.queries.todo), sent at DIGEST_AT (08:30 by default) on the bureau's clock — by mail
to those with an address when DIGEST_SMTP_HOST is set, and to the intranet group robot
(企业微信/政务微信 webhook JSON, the person @-mentioned by mobile) when DIGEST_WEBHOOK_URL is set.
Nothing is sent when neither is configured, or to a person with nothing waiting.

Once a day whatever the number of workers: the run claims the day in the database (a setting row
keyed by the date: the second worker's insert fails) before it sends. `flask send-digest` sends the
day's run at once (cron, or a second try after a mail server was down: --again).
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage

from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from data import clock
from data.models import Setting, User
from data.queries.settings import work_calendar
from data.queries.todo import KINDS, todo_counts, todo_items
from data.queries.users import get_user_scope
from data.services.common import audit

log = logging.getLogger("hrss.digest")
ROLES = ("admin", "leader", "case_officer", "inspector", "cadre")
TICK_SECONDS = 60


@dataclass(frozen=True)
class Digest:
    user_id: int
    username: str
    name: str
    email: str | None
    phone: str | None
    counts: dict[str, int]

    def lines(self) -> list[str]:
        return [f"{KINDS[kind]}：{n}" for kind, n in self.counts.items()]

    def text(self, day: date, base_url: str) -> str:
        total = sum(self.counts.values())
        return "\n".join([f"{self.name}，您好：{day.isoformat()} 共有 {total} 项待办。", *self.lines(),
                          f"请登录查看：{base_url.rstrip('/')}/todo"])


def digests(session: Session, *, today: date, now: datetime) -> list[Digest]:
    """Every active person's counts (those with nothing waiting left out)."""
    calendar = work_calendar(session)
    out = []
    for user in session.exec(select(User).where(User.active.is_(True), User.role.in_(ROLES)).order_by(User.id)):
        items = todo_items(session, role=user.role, user_id=user.id, scope=get_user_scope(session, user_id=user.id),
                           today=today, now=now, calendar=calendar)
        counts = todo_counts(items)
        if counts:
            out.append(Digest(user.id, user.username, user.display_name, user.email, user.phone, counts))
    return out


def configured(config) -> bool:
    return bool(config.get("DIGEST_SMTP_HOST") or config.get("DIGEST_WEBHOOK_URL"))


def _claim(session: Session, day: date) -> bool:
    """True for the one run that claims the day (the setting's key is its primary key)."""
    session.add(Setting(key=f"digest.sent.{day.isoformat()}", value={"at": clock.now().isoformat()}))
    try:
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False


def send_day(session: Session, config, *, today: date, now: datetime, again: bool = False) -> dict[str, int]:
    """Send the day's digests once (again=True: even if the day's run was made). Returns the
    counts {"people", "mail", "webhook", "failed"}; nothing is sent when nothing is configured."""
    counts = {"people": 0, "mail": 0, "webhook": 0, "failed": 0}
    if not configured(config) or (not again and not _claim(session, today)):
        return counts
    base = config.get("PUBLIC_URL") or "http://127.0.0.1:8050"
    people = digests(session, today=today, now=now)
    counts["people"] = len(people)
    if config.get("DIGEST_SMTP_HOST"):
        try:
            port = int(config.get("DIGEST_SMTP_PORT") or 25)
            with smtplib.SMTP(config["DIGEST_SMTP_HOST"], port, timeout=30) as smtp:
                for person in (p for p in people if p.email):
                    message = EmailMessage()
                    message["From"] = config.get("DIGEST_SMTP_FROM") or "hrss-ops@localhost"
                    message["To"] = person.email
                    message["Subject"] = f"人社督导一张图 · {today.isoformat()} 待办 {sum(person.counts.values())} 项"
                    message.set_content(person.text(today, base))
                    smtp.send_message(message)
                    counts["mail"] += 1
        except (OSError, smtplib.SMTPException) as exc:
            counts["failed"] += 1
            log.warning("digest mail failed: %s", exc)
    if config.get("DIGEST_WEBHOOK_URL"):
        for person in people:
            body = {"msgtype": "text", "text": {"content": person.text(today, base),
                                                "mentioned_mobile_list": [person.phone] if person.phone else []}}
            request = urllib.request.Request(config["DIGEST_WEBHOOK_URL"], method="POST",
                                             data=json.dumps(body, ensure_ascii=False).encode(),
                                             headers={"Content-Type": "application/json; charset=utf-8"})
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (the configured intranet URL)
                    answer.read()
                counts["webhook"] += 1
            except OSError as exc:
                counts["failed"] += 1
                log.warning("digest webhook failed for %s: %s", person.username, exc)
    audit(session, actor=None, action="digest.sent", target_kind="digest", target_id=today.isoformat(), details=counts)
    session.commit()
    return counts


def due(config, moment: datetime) -> bool:
    """The day's run is due: at or after DIGEST_AT on the bureau's clock."""
    hour, minute = (int(x) for x in str(config.get("DIGEST_AT") or "08:30").split(":"))
    return (moment.hour, moment.minute) >= (hour, minute)


def _loop(app: Flask) -> None:
    engine = app.extensions["engine"]
    while True:
        try:
            moment = clock.now()
            if due(app.config, moment):
                with Session(engine) as session:
                    key = f"digest.sent.{moment.date().isoformat()}"
                    if session.get(Setting, key) is None:
                        result = send_day(session, app.config, today=moment.date(), now=moment)
                        log.info("digest for %s: %s", moment.date(), result)
        except Exception:  # noqa: BLE001 (a failed run must not end the loop: tomorrow comes)
            log.exception("digest run failed")
        time.sleep(TICK_SECONDS)


def init_app(server: Flask) -> None:
    """Start the daily run in this process when a channel is configured (each worker starts one;
    the day's claim lets one of them send)."""
    if configured(server.config) and not server.config.get("TESTING"):
        threading.Thread(target=_loop, args=(server,), name="digest", daemon=True).start()
