"""The sign-in throttle: progressive delays per (account, client address) and per address.

What it guards against, and what it must not become (OWASP's authentication guidance):
- guessing one account's password from one place: after `per_pair` failures for the same
  username from the same address, that pair waits `first_delay`, then twice as long after each
  further failure, up to `window` (then one guess per window); a success from that address
  resets the pair;
- guessing many accounts from one place: after `per_address` failures from an address (any
  usernames), the address waits the same progressive delays;
- a lock-out button: nothing is counted per account alone, so failures elsewhere never refuse the
  right password from an address that has none (an attacker cannot lock the owner out, nor can
  30 typos behind one proxy lock the bureau out once PROXY_HOPS names the real client address).

A run of failures ends when `window` passes without one: then the counter starts again.
Attempts live in the database (login_attempt) so the limits hold across processes and hosts.
A throttled attempt is refused before the password is checked and is not counted. Admins see
and clear throttles with `flask --app app throttles`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from data.models import LoginAttempt, User
from data.services.common import audit
from data.types import utcnow


@dataclass(frozen=True)
class Policy:
    per_pair: int = 5
    per_address: int = 30
    window: timedelta = timedelta(minutes=15)
    first_delay: timedelta = timedelta(minutes=1)

    def delay(self, failures: int, limit: int) -> timedelta | None:
        """How long to wait after the last of `failures` failures; None below the limit."""
        if failures < limit:
            return None
        steps = min(failures - limit, self.saturation())
        return min(self.first_delay * 2 ** steps, self.window)

    def saturation(self) -> int:
        """Failures past the limit after which the delay no longer grows (it has reached the window)."""
        ratio = self.window / self.first_delay if self.first_delay else 1
        return max(0, math.ceil(math.log2(ratio))) if ratio > 1 else 0


@dataclass(frozen=True)
class Throttle:
    """One counter: a (username, address) pair, or an address alone (username None)."""

    username: str | None
    address: str
    failures: int  # in the current run (counted up to where the delay stops growing)
    last_failure: datetime
    locked_until: datetime | None

    @property
    def kind(self) -> str:
        return "address" if self.username is None else "account+address"


class Throttled(Exception):
    def __init__(self, retry_after: timedelta, throttle: Throttle):
        super().__init__("throttled")
        self.retry_after, self.throttle = retry_after, throttle


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite's aggregates skip the column type
        return moment.replace(tzinfo=UTC)
    return moment


def _pair_where(session: Session, username: str, address: str) -> list:
    """The pair's failures since its last success (a success from that address resets it)."""
    where = [LoginAttempt.success.is_(False), LoginAttempt.username == username, LoginAttempt.ip == address]
    last_ok = _aware(session.exec(select(sa.func.max(LoginAttempt.at)).where(
        LoginAttempt.success.is_(True), LoginAttempt.username == username, LoginAttempt.ip == address)).one())
    return where + ([LoginAttempt.at > last_ok] if last_ok is not None else [])


def _address_where(address: str) -> list:
    return [LoginAttempt.success.is_(False), LoginAttempt.ip == address]


def _state(session: Session, where: list, username: str | None, address: str, limit: int, policy: Policy,
           now: datetime) -> Throttle | None:
    """A counter's current run of failures: the latest ones, each less than `window` after the one
    before, the last less than `window` ago. None when there is no current run."""
    latest = session.exec(select(LoginAttempt.at).where(*where).order_by(LoginAttempt.at.desc())
                          .limit(limit + policy.saturation() + 1)).all()
    run: list[datetime] = []
    for at in map(_aware, latest):
        if (run[-1] if run else now) - at > policy.window:
            break
        run.append(at)
    if not run:
        return None
    delay = policy.delay(len(run), limit)
    return Throttle(username, address, len(run), run[0], run[0] + delay if delay is not None else None)


def check(session: Session, *, username: str, address: str, policy: Policy, now: datetime | None = None) -> None:
    """Raise Throttled when this attempt must wait; otherwise return."""
    now = now or utcnow()
    counters = (_state(session, _pair_where(session, username, address), username, address, policy.per_pair,
                       policy, now),
                _state(session, _address_where(address), None, address, policy.per_address, policy, now))
    waits = [(c.locked_until - now, c) for c in counters if c and c.locked_until and c.locked_until > now]
    if waits:
        retry_after, throttle = max(waits, key=lambda w: w[0])
        raise Throttled(retry_after, throttle)


def record(session: Session, *, username: str, address: str, success: bool, now: datetime | None = None) -> None:
    """Add (not commit) one attempt."""
    session.add(LoginAttempt(username=username[:60], ip=address[:45], at=now or utcnow(), success=success))


def current(session: Session, *, policy: Policy, username: str | None = None, address: str | None = None,
            now: datetime | None = None) -> list[Throttle]:
    """Every counter with a current run of failures (locked or not), locked ones first, then the
    latest; optionally those of one username and/or one address."""
    now = now or utcnow()
    recent = [LoginAttempt.success.is_(False), LoginAttempt.at >= now - policy.window]
    if address:
        recent.append(LoginAttempt.ip == address)
    pairs = session.exec(select(LoginAttempt.username, LoginAttempt.ip).distinct()
                         .where(*recent, *([LoginAttempt.username == username] if username else []))).all()
    found = [_state(session, _pair_where(session, name, ip), name, ip, policy.per_pair, policy, now)
             for name, ip in pairs]
    if not username:
        found += [_state(session, _address_where(ip), None, ip, policy.per_address, policy, now)
                  for ip in session.exec(select(LoginAttempt.ip).distinct().where(*recent)).all()]
    found = [t for t in found if t is not None]
    found.sort(key=lambda t: (t.locked_until is None or t.locked_until <= now, -t.last_failure.timestamp()))
    return found


def clear(session: Session, *, actor: User | None, username: str | None = None, address: str | None = None,
          now: datetime | None = None) -> int:
    """Forget failed attempts (of one username and/or address, or all); audited. Returns how many."""
    where = [LoginAttempt.success.is_(False)]
    if username:
        where.append(LoginAttempt.username == username.strip().lower())
    if address:
        where.append(LoginAttempt.ip == address)
    result = session.exec(sa.delete(LoginAttempt).where(*where))
    count = result.rowcount or 0
    audit(session, actor=actor, action="login_throttle.cleared", target_kind="login_throttle",
          details={"username": username, "address": address, "failures": count}, at=now)
    session.commit()
    return count


def retry_minutes(retry_after: timedelta) -> int:
    """Whole minutes to tell people (rounded up, at least one)."""
    return max(1, math.ceil(retry_after.total_seconds() / 60))
