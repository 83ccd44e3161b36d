"""Accounts: sign-in with throttling, creating users, language, revoking sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from data.errors import N_, NotAllowed, ValidationError
from data.imports.users import USERNAME, one_time_password
from data.models import Region, Role, User, UserRegion
from data.security import UNUSABLE, dummy_hash, hash_password, is_usable, verify_password
from data.services import login_throttle as throttle
from data.services.common import Actor, ServiceError, audit
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
    devices = _end_sessions(session, user)
    audit(session, actor=actor, action="user.revoke_sessions", target_kind="user", target_id=user.id,
          details={"device_sessions": devices})
    session.commit()
    return user


def _end_sessions(session: Session, user: User) -> int:
    """End every sign-in of the user (added to the caller's transaction): the browser sessions
    (their session version) and the device sessions (phones, walls, browsers' server side)."""
    user.session_version += 1
    return revoke_all(session, user_id=user.id)


# --- the administrator's acts on accounts (/admin/users) ---------------------------------------


def _require_admin(actor: Actor | User | None) -> None:
    if actor is None or actor.role != Role.admin:
        raise NotAllowed(N_("只有管理员可以管理用户"))


def _account(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise ValidationError(N_("用户不存在"))
    return user


def _role_of(value) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValidationError(N_("请选择角色"), field="role") from None


def _home_regions(session: Session, codes) -> list[Region]:
    """The current regions of these area codes, in code order. Raises ValidationError (field regions)."""
    codes = sorted({str(c).strip() for c in (codes or []) if c and str(c).strip()})
    if not codes:
        raise ValidationError(N_("请至少选择一个所属地区"), field="regions")
    found = {r.area_code: r for r in session.exec(select(Region).where(Region.area_code.in_(codes),
                                                                       Region.valid_to.is_(None))).all()}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationError(N_("区划代码 %(code)s 不存在或已停用"), field="regions", code="、".join(unknown))
    return [found[c] for c in codes]


def _is_last_active_admin(session: Session, user: User) -> bool:
    """Whether the user is the only active administrator. The active admins' rows are locked
    (PostgreSQL) so two administrators cannot each take the other's role at the same moment."""
    if user.role != Role.admin or not user.active:
        return False
    admins = session.exec(select(User.id).where(User.role == Role.admin, User.active.is_(True))
                          .with_for_update()).all()
    return not any(a != user.id for a in admins)


def _display_name(value: str | None) -> str:
    name = (value or "").strip()
    if not name or len(name) > 60:
        raise ValidationError(N_("请填写姓名（最多 60 个字）"), field="display_name")
    return name


def add_user(session: Session, *, actor: Actor | User, username: str, display_name: str, role: Role | str,
             region_codes: list[str]) -> tuple[User, str]:
    """An administrator creates an account with a one-time password, which is returned (to show
    once) and must be changed at the first sign-in. Raises ValidationError naming the field."""
    _require_admin(actor)
    username = (username or "").strip().lower()
    if not username:
        raise ValidationError(N_("请填写用户名"), field="username")
    if not USERNAME.match(username):
        raise ValidationError(N_("用户名只能由小写字母、数字、点、- 和 _ 组成，最多 60 位：%(value)s"),
                              field="username", value=username)
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise ValidationError(N_("用户名 %(name)s 已被使用"), field="username", name=username)
    name = _display_name(display_name)
    role = _role_of(role)
    regions = _home_regions(session, region_codes)
    password = one_time_password()
    user = User(username=username, display_name=name, role=role, password_hash=hash_password(password),
                must_change_password=True)
    session.add(user)
    session.flush()
    for region in regions:
        session.add(UserRegion(user_id=user.id, region_id=region.id))
    audit(session, actor=actor, action="user.create", target_kind="user", target_id=user.id,
          details={"username": username, "display_name": name, "role": role.value,
                   "regions": [r.area_code for r in regions], "one_time": True})
    session.commit()
    return user, password


def update_user(session: Session, *, actor: Actor | User, user_id: int, display_name: str, role: Role | str,
                region_codes: list[str]) -> User:
    """An administrator changes an account's name, role and home regions. The last active
    administrator keeps the role. New regions end the user's sign-ins (as an import does), so they
    sign in again to see them. Raises ValidationError naming the field."""
    _require_admin(actor)
    user = _account(session, user_id)
    name = _display_name(display_name)
    role = _role_of(role)
    regions = _home_regions(session, region_codes)
    if role != Role.admin and _is_last_active_admin(session, user):
        raise ValidationError(N_("不能取消最后一位启用的管理员的管理员角色"), field="role")
    links = session.exec(select(UserRegion).where(UserRegion.user_id == user.id)).all()
    before_codes = sorted(session.exec(select(Region.area_code).where(
        Region.id.in_([link.region_id for link in links]))).all()) if links else []
    after_codes = [r.area_code for r in regions]
    before, after = {}, {}
    if user.display_name != name:
        before["display_name"], after["display_name"] = user.display_name, name
    if Role(user.role) != role:
        before["role"], after["role"] = Role(user.role).value, role.value
    if {link.region_id for link in links} != {r.id for r in regions}:
        before["regions"], after["regions"] = before_codes, after_codes
    if not after:
        return user
    user.display_name, user.role = name, role
    ended = None
    if "regions" in after:
        for link in links:
            session.delete(link)
        session.flush()
        for region in regions:
            session.add(UserRegion(user_id=user.id, region_id=region.id))
        ended = _end_sessions(session, user)
    session.add(user)
    audit(session, actor=actor, action="user.update", target_kind="user", target_id=user.id,
          details={"username": user.username, "before": before, "after": after,
                   **({"device_sessions": ended} if ended is not None else {})})
    session.commit()
    return user


def set_active(session: Session, *, actor: Actor | User, user_id: int, active: bool) -> User:
    """Disable an account (every sign-in of it ends at once) or enable it again. Nobody disables
    themselves, nor the last active administrator. Raises ValidationError (field "active")."""
    _require_admin(actor)
    user = _account(session, user_id)
    if bool(user.active) == bool(active):
        return user
    if active:
        user.active = True
        audit(session, actor=actor, action="user.enable", target_kind="user", target_id=user.id,
              details={"username": user.username})
    else:
        if user.id == actor.id:
            raise ValidationError(N_("不能停用自己的账户"), field="active")
        if _is_last_active_admin(session, user):
            raise ValidationError(N_("不能停用最后一位启用的管理员"), field="active")
        user.active = False
        ended = _end_sessions(session, user)
        audit(session, actor=actor, action="user.disable", target_kind="user", target_id=user.id,
              details={"username": user.username, "device_sessions": ended})
    session.add(user)
    session.commit()
    return user


def reset_password(session: Session, *, actor: Actor | User, user_id: int) -> tuple[User, str]:
    """A new one-time password for someone who lost theirs: returned to be shown once, changed at
    the next sign-in; every sign-in of theirs ends. An administrator's own password is changed on
    /password. Raises ValidationError."""
    _require_admin(actor)
    user = _account(session, user_id)
    if user.id == actor.id:
        raise ValidationError(N_("请在“修改密码”中修改自己的密码"), field="password")
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    ended = _end_sessions(session, user)
    session.add(user)
    audit(session, actor=actor, action="user.reset_password", target_kind="user", target_id=user.id,
          details={"username": user.username, "device_sessions": ended})
    session.commit()
    return user, password


def sign_out_everywhere(session: Session, *, actor: Actor | User, user_id: int) -> int:
    """The administrator ends every sign-in of the account (browsers, field phones, wall screens),
    as for a lost phone whose owner cannot say which; the account stays usable. Returns how many
    device sign-ins ended."""
    _require_admin(actor)
    user = _account(session, user_id)
    devices = _end_sessions(session, user)
    audit(session, actor=actor, action="user.revoke_sessions", target_kind="user", target_id=user.id,
          details={"device_sessions": devices})
    session.commit()
    return devices


def unlock(session: Session, *, actor: Actor | User, user_id: int) -> int:
    """Lift the sign-in throttles of the account (its failures from every address): the throttle's
    own clear (audited there). Returns how many failures were forgotten."""
    _require_admin(actor)
    user = _account(session, user_id)
    return throttle.clear(session, actor=actor, username=user.username)
