"""Accounts: sign-in with throttling, creating users, language, revoking sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from data.errors import N_, ValidationError
from data.models import Region, Role, User, UserRegion
from data.security import UNUSABLE, dummy_hash, hash_password, is_usable, verify_password
from data.services import login_throttle as throttle
from data.services.common import ServiceError, audit
from data.services.devices import revoke_all
from data.types import utcnow

LANGUAGES = ("zh-CN", "en")


class BadCredentials(ServiceError):
    """Unknown user, wrong password or disabled account (deliberately indistinguishable)."""


class LoginThrottled(ServiceError):
    """Too many failed attempts from this address (for this account, or for any); try again later."""

    def __init__(self, retry_after: timedelta, kind: str = "account+address"):
        super().__init__("throttled")
        self.retry_after, self.kind = retry_after, kind


def authenticate(session: Session, *, username: str, password: str, ip: str, now: datetime | None = None,
                 policy: throttle.Policy | None = None) -> User:
    """Check a username and password from a client address. Raises LoginThrottled, BadCredentials.

    The throttle (data/services/login_throttle.py) counts failures per (username, address) and per
    address, never per account alone. Every attempt that reaches the password costs one scrypt,
    whether the account exists, is disabled or has no password (a dummy hash stands in), so the
    answer's time does not tell whether a username exists.
    """
    now = now or utcnow()
    policy = policy or throttle.Policy()
    username = (username or "").strip().lower()[:60]
    ip = (ip or "-")[:45]
    try:
        throttle.check(session, username=username, address=ip, policy=policy, now=now)
    except throttle.Throttled as exc:
        raise LoginThrottled(exc.retry_after, exc.throttle.kind) from None

    user = session.exec(select(User).where(User.username == username)).first()
    usable = user is not None and user.active and is_usable(user.password_hash)
    matches = verify_password(password or "", user.password_hash if usable else dummy_hash())
    ok = usable and matches
    throttle.record(session, username=username, address=ip, success=ok, now=now)
    if not ok:
        audit(session, actor=None, action="user.login_failed", target_kind="user",
              target_id=username, ip=ip, at=now)
        session.commit()
        raise BadCredentials("bad credentials")
    user.last_login_at = now
    audit(session, actor=user, action="user.login", target_kind="user", target_id=user.id, ip=ip, at=now)
    session.commit()
    return user


def record_logout(session: Session, *, user: User, ip: str | None = None) -> None:
    audit(session, actor=user, action="user.logout", target_kind="user", target_id=user.id, ip=ip)
    session.commit()


def create_user(session: Session, *, actor: User | None, username: str, display_name: str,
                role: Role | str, region_codes: list[str], password: str | None,
                language: str = "zh-CN") -> User:
    """Create an account. Raises ServiceError for a taken name, unknown role, region or language.

    Without a password the account cannot sign in until one is set.
    """
    username = username.strip().lower()
    if not username or len(username) > 60:
        raise ServiceError("username must be 1–60 characters")
    if session.exec(select(User).where(User.username == username)).first():
        raise ServiceError(f"username {username!r} is taken")
    try:
        role = Role(role)
    except ValueError:
        raise ServiceError(f"unknown role {role!r}; one of {', '.join(Role)}") from None
    if language not in LANGUAGES:
        raise ServiceError(f"language must be one of {', '.join(LANGUAGES)}")
    if password is not None and len(password) < 10:
        raise ServiceError("password must have at least 10 characters")
    regions = []
    for code in region_codes:
        region = session.exec(select(Region).where(Region.area_code == code, Region.valid_to.is_(None))).first()
        if region is None:
            raise ServiceError(f"unknown region code {code!r}")
        regions.append(region)
    if not regions:
        raise ServiceError("a user needs at least one home region")
    user = User(username=username, display_name=display_name, role=role, language=language,
                password_hash=hash_password(password) if password else UNUSABLE)
    session.add(user)
    session.flush()
    for region in regions:
        session.add(UserRegion(user_id=user.id, region_id=region.id))
    audit(session, actor=actor, action="user.create", target_kind="user", target_id=user.id,
          details={"username": username, "role": role.value, "regions": region_codes})
    session.commit()
    return user


def set_password(session: Session, *, actor: User | None, username: str, password: str) -> User:
    """Raises ServiceError for an unknown user or a short password. Revokes old sessions."""
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise ServiceError(f"no user {username!r}")
    if len(password) < PASSWORD_MIN:
        raise ServiceError(f"password must have at least {PASSWORD_MIN} characters")
    user.password_hash = hash_password(password)
    user.session_version += 1
    audit(session, actor=actor, action="user.set_password", target_kind="user", target_id=user.id)
    session.commit()
    return user


PASSWORD_MIN = 10


def password_problem(new: str, *, username: str, current: str | None = None) -> str | None:
    """Why a new password will not do (a message to translate), or None."""
    if len(new) < PASSWORD_MIN:
        return N_("新密码至少 10 个字符")
    if new.strip().lower() == username.strip().lower():
        return N_("新密码不能与用户名相同")
    if current is not None and new == current:
        return N_("新密码不能与当前密码相同")
    return None


def change_own_password(session: Session, *, user_id: int, current: str, new: str, repeat: str,
                        ip: str | None = None) -> User:
    """A person changes their own password (also the change a one-time password requires at the
    first sign-in): the current one proves it is them. Every other sign-in of theirs ends (phones,
    browsers); the caller starts this browser's again. Raises ValidationError naming the field."""
    user = session.get(User, user_id)
    if user is None or not verify_password(current, user.password_hash):
        raise ValidationError(N_("当前密码不对"), field="current")
    problem = password_problem(new, username=user.username, current=current)
    if problem:
        raise ValidationError(problem, field="new")
    if new != repeat:
        raise ValidationError(N_("两次输入的新密码不一致"), field="repeat")
    forced = user.must_change_password
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1
    ended = revoke_all(session, user_id=user.id)
    audit(session, actor=user, action="user.change_password", target_kind="user", target_id=user.id,
          details={"one_time": forced, "device_sessions": ended}, ip=ip)
    session.commit()
    return user


def set_language(session: Session, *, user_id: int, language: str) -> None:
    """Raises ServiceError for a language we do not speak."""
    if language not in LANGUAGES:
        raise ServiceError(f"language must be one of {', '.join(LANGUAGES)}")
    user = session.get(User, user_id)
    if user is None or user.language == language:
        return
    user.language = language
    audit(session, actor=user, action="user.set_language", target_kind="user", target_id=user.id,
          details={"language": language})
    session.commit()


def revoke_sessions(session: Session, *, actor: User | None, username: str) -> User:
    """Sign the user out everywhere, field phones and wall screens included. Raises ServiceError
    for an unknown user."""
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise ServiceError(f"no user {username!r}")
    user.session_version += 1
    devices = revoke_all(session, user_id=user.id)
    audit(session, actor=actor, action="user.revoke_sessions", target_kind="user", target_id=user.id,
          details={"device_sessions": devices})
    session.commit()
    return user
