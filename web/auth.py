"""Sign-in and the deny-by-default guard.

Every route needs a signed-in user except the few in PUBLIC. Without a session, Dash's own
routes and other XHR answer 401 JSON (the browser shim in assets/ sends the page to /login),
pages redirect to /login. Unsafe methods also need the CSRF token: Dash's renderer sends the
`_csrf_token` cookie back as the X-CSRFToken header; forms send it as a hidden field.

A field phone (or a wall screen) also holds a device session: a long-lived, revocable cookie
(`hrss_device`, see data/services/devices.py) that signs the user in again when the short
browser session has lapsed. Its CSRF token is derived from the device token, so a token the
phone already holds stays good across that silent sign-in. Under /api/ every refusal takes the
API's one error shape (web/errors.py).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user

from data.errors import ValidationError
from data.models import DeviceSession, Role
from data.queries.users import get_user, get_user_scope
from data.scope import Scope
from data.services import devices as device_service
from data.services import login_throttle as throttle
from data.services import users as user_service
from web.context import db
from web.errors import PREFIX as API_PREFIX
from web.errors import error_response
from web.i18n import LANGUAGES, _
from web.logs import masked_address

log = logging.getLogger("hrss.auth")

bp = Blueprint("auth", __name__)

# endpoints anyone may reach; the field app's shell (static, no data) is public by its prefix
PUBLIC_ENDPOINTS = {"auth.login", "auth.set_language_anonymous", "healthz", "vendor", "favicon",
                    "api.create_session", "field.bare"}
PUBLIC_PREFIXES = ("/field/",)
# all a person with a one-time password may do before changing it (desktop and field app)
PASSWORD_CHANGE_ENDPOINTS = {"auth.password", "auth.logout", "auth.set_language", "api.change_password",
                             "api.delete_session", "api.me", "vendor", "favicon", "static"}
# paths whose clients are scripts, not people: they get 401 JSON instead of a redirect
XHR_PREFIXES = ("/_dash-", "/_reload-hash", "/assets/", "/api/", "/_favicon", "/wall/data/")
CSRF_COOKIE, CSRF_HEADER, CSRF_FIELD = "_csrf_token", "X-CSRFToken", "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
DEVICE_COOKIE = "hrss_device"
# where each kind of device sends its cookie: a phone only talks to the API, a wall is a page
DEVICE_COOKIE_PATHS = {"field": API_PREFIX, "wall": "/"}


@dataclass
class SessionUser:
    """The signed-in user as the web layer sees them (flask-login's user object)."""

    id: int
    username: str
    display_name: str
    role: Role
    language: str
    session_version: int
    scope: Scope
    must_change_password: bool = False  # a one-time password: nothing but the change until it is done

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        # the version makes revoking sessions (bumping it) sign out every device
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in roles


def _load_user(token: str) -> SessionUser | None:
    try:
        user_id, version = (int(part) for part in token.split(":"))
    except ValueError:
        return None
    session_db = db()
    user = get_user(session_db, user_id=user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    # held for the request: the session's identity map keeps rows only while something does, and
    # the device check (_device_holds) reads this row again
    g.user_row = user
    return SessionUser(id=user.id, username=user.username, display_name=user.display_name,
                       role=Role(user.role), language=user.language,
                       session_version=user.session_version,
                       scope=get_user_scope(session_db, user_id=user.id),
                       must_change_password=bool(user.must_change_password))


def wants_json() -> bool:
    if request.path.startswith(XHR_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" or request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _is_public() -> bool:
    return request.endpoint in PUBLIC_ENDPOINTS or request.path.startswith(PUBLIC_PREFIXES)


# roles whose first screen after sign-in is their to-do list (/todo), when no page was asked for
TODO_FIRST = frozenset({Role.case_officer, Role.inspector, Role.cadre})


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect after login would help phishing."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def client_address() -> str:
    """The client's address as the throttle, the logs and the audit trail see it (behind PROXY_HOPS
    trusted proxies, ProxyFix has already put the real one in REMOTE_ADDR)."""
    return request.remote_addr or "-"


def throttle_policy() -> throttle.Policy:
    config = current_app.config
    return throttle.Policy(per_pair=config["LOGIN_MAX_FAILURES"], per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
                           window=config["LOGIN_WINDOW"], first_delay=config["LOGIN_FIRST_DELAY"])


def authenticate(username: str, password: str):
    """Check credentials from this client (throttled); logged without the name or the full address.
    Raises user_service.LoginThrottled, user_service.BadCredentials."""
    where = {"client": masked_address(client_address()), "path": request.path}
    try:
        user = user_service.authenticate(db(), username=username, password=password, ip=client_address(),
                                         policy=throttle_policy())
    except user_service.LoginThrottled as exc:
        log.warning("sign-in throttled (%s)", exc.kind, extra={"event": "login.throttled", "kind": exc.kind, **where})
        raise
    except user_service.BadCredentials:
        log.info("sign-in refused", extra={"event": "login.failed", **where})
        raise
    log.info("signed in", extra={"event": "login.ok", "user_id": user.id, **where})
    return user


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _same_origin() -> bool:
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        return False
    return _same_origin()


def _guard():
    if request.endpoint is None and request.method not in SAFE_METHODS:
        return None  # 404/405 follow
    if _is_public():
        # no token before sign-in (scripts post credentials directly); a browser's Origin
        # header still stops another site from posting a sign-in form
        if request.method not in SAFE_METHODS and not _same_origin():
            return _refuse_csrf()
        return None
    if current_user.is_authenticated and not _device_holds():
        logout_user()
        session.clear()
    if not current_user.is_authenticated and not _restore_from_device():
        if wants_json() or request.method not in SAFE_METHODS:
            return _refuse_unauthenticated()
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if request.method not in SAFE_METHODS and not _csrf_ok():
        return _refuse_csrf()
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        message = _("请先修改初始密码")
        if wants_json() or request.method not in SAFE_METHODS:
            if request.path.startswith(API_PREFIX):
                return error_response(403, "password_change_required", message)
            return jsonify(error="password_change_required", message=message), 403
        return redirect(url_for("auth.password", next=request.full_path.rstrip("?")))
    if request.path == "/_dash-update-component" and not _callback_allowed():
        return jsonify(error="forbidden", message=_("您没有访问此页面的权限")), 403
    return None


def _output_ids(body) -> list[str]:
    """The component ids a Dash callback request writes to (a pattern id by its type)."""
    outputs = body.get("outputs") if isinstance(body, dict) else None
    found: list[str] = []
    stack = [outputs]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            ident = item.get("id")
            found.append(str(ident.get("type", "")) if isinstance(ident, dict) else str(ident))
    return found


def _callback_allowed() -> bool:
    """Second line behind each page's own checks: a callback that writes to a page's components
    runs only for the roles of that page (pages declare CALLBACK_PREFIXES beside ROLES), so a
    crafted request cannot reach a page's data from a role the page is not for."""
    rules = current_app.extensions.get("callback_roles") or ()
    if not rules:
        return True
    try:
        ids = _output_ids(request.get_json(silent=True) or {})
    except RecursionError:  # nested deeper than any callback's body: refused, not a 500
        return False
    for prefix, roles in rules:
        if any(i.startswith(prefix) for i in ids) and current_user.role not in roles:
            return False
    return True


def _refuse_unauthenticated():
    if request.path.startswith(API_PREFIX):
        return error_response(401, "unauthenticated", _("请先登录"))
    return jsonify(error="unauthenticated", message=_("请先登录"), login="/login"), 401


def _refuse_csrf():
    if request.path.startswith(API_PREFIX):
        return error_response(403, "csrf", _("页面已过期，请刷新后重试"))
    return jsonify(error="csrf", message=_("页面已过期，请刷新后重试")), 403


# --- device sessions ---------------------------------------------------------------------------


def _device_csrf(token: str) -> str:
    """The CSRF token of a device session's browser sessions: the same for every one of them."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"csrf:" + token.encode(), hashlib.sha256).hexdigest()


def _start_session(user, device: DeviceSession, csrf: str) -> None:
    """Begin the browser session of a server-side session (`device`): the cookie names that row,
    and every request checks that it still holds (_device_holds), so signing out ends it."""
    session.clear()  # a fresh session id after sign-in
    session.permanent = True
    login_user(_load_user(f"{user.id}:{user.session_version}"))
    session["device"] = device.id
    session["csrf"] = csrf


def start_device_session(user, device: DeviceSession, token: str) -> None:
    """The browser session of a device session just opened (a field phone after a password change)."""
    _start_session(user, device, _device_csrf(token))


def _start_web_session(user) -> None:
    """A person's sign-in at /login: a server-side session of kind "web" that lasts as long as the
    browser session may (PERMANENT_SESSION_LIFETIME)."""
    device, _token = device_service.open_device_session(
        db(), user=user, kind="web", label=request.headers.get("User-Agent", "")[:80], ip=client_address(),
        lifetime=current_app.config["PERMANENT_SESSION_LIFETIME"])
    _start_session(user, device, secrets.token_urlsafe(32))


def _restore_from_device() -> bool:
    """Sign the user in again from a live device session's cookie; False when there is none."""
    token = request.cookies.get(DEVICE_COOKIE)
    if not token:
        return False
    for kind, path in DEVICE_COOKIE_PATHS.items():
        if request.path.startswith(path):
            found = device_service.device_by_token(db(), token=token, kind=kind)
            if found is not None:
                device, user = found
                _start_session(user, device, _device_csrf(token))
                return True
    return False


def _device_holds() -> bool:
    """Every browser session belongs to a server-side session (a "web" one from /login, or the
    device session of a phone or a wall screen) and lasts only as long as that does: signing out
    or revoking ends it at once, and a copy of the cookie taken before is refused. A cookie that
    names none (made before sessions were kept on the server) holds no more."""
    device_id = session.get("device")
    if device_id is None:
        return False
    return device_service.device_is_live(db(), device_id=device_id, user_id=current_user.id)


def sign_in_device(*, username: str, password: str, label: str | None, kind: str) -> tuple[DeviceSession, str]:
    """Check credentials (throttled as at /login) and open a device session; the browser session
    starts too. Returns the device session and its token for the cookie. Raises
    user_service.LoginThrottled, user_service.BadCredentials."""
    user = authenticate(username, password)
    old = request.cookies.get(DEVICE_COOKIE)
    if old:  # the phone signs in anew: what it held before is done with
        found = device_service.device_by_token(db(), token=old, kind=kind)
        if found is not None:
            device_service.revoke_device_session(db(), actor=found[1], device_id=found[0].id,
                                                 ip=request.remote_addr)
    device, token = device_service.open_device_session(db(), user=user, kind=kind, label=label,
                                                       ip=request.remote_addr)
    _start_session(user, device, _device_csrf(token))
    return device, token


def set_device_cookie(response, device: DeviceSession, token: str) -> None:
    response.set_cookie(DEVICE_COOKIE, token, expires=device.expires_at, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], path=DEVICE_COOKIE_PATHS[device.kind])


def sign_out_device(response) -> None:
    """Sign out: end the server-side session this browser session belongs to, and the device
    session whose cookie the browser holds (a phone's or a wall screen's), and drop that cookie."""
    if current_user.is_authenticated:
        user = get_user(db(), user_id=current_user.id)
        ended = {session.get("device")}
        for kind in DEVICE_COOKIE_PATHS:
            found = device_service.device_by_token(db(), token=request.cookies.get(DEVICE_COOKIE), kind=kind)
            if found is not None and found[1].id == user.id:
                ended.add(found[0].id)
        for device_id in ended - {None}:
            device_service.revoke_device_session(db(), actor=user, device_id=device_id, ip=request.remote_addr)
        user_service.record_logout(db(), user=user, ip=request.remote_addr)
    logout_user()
    session.clear()
    for path in set(DEVICE_COOKIE_PATHS.values()):
        response.delete_cookie(DEVICE_COOKIE, path=path)


def init_app(server: Flask) -> None:
    manager = LoginManager()
    manager.user_loader(_load_user)
    manager.init_app(server)
    server.before_request(_guard)
    server.register_blueprint(bp)
    server.jinja_env.globals["csrf_token"] = csrf_token

    @server.after_request
    def _csrf_cookie(response):
        # readable by scripts on purpose: Dash's renderer copies it into the X-CSRFToken header
        token = csrf_token()
        if request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(CSRF_COOKIE, token, httponly=False, samesite="Strict",
                                secure=current_app.config["SESSION_COOKIE_SECURE"])
        return response

    @server.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith("/maps/"):
            # the maps are framed by our own pages only
            response.headers.setdefault("X-Frame-Options", "DENY")
        else:
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    asked = request.values.get("next")  # where the person was going, when they were sent here
    next_url = _safe_next(asked)
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    error, status, retry_after = None, 200, None
    username = ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        if not username or not password:
            error, status = _("请输入用户名和密码"), 400
        else:
            try:
                user = authenticate(username, password)
            except user_service.LoginThrottled as exc:
                error, status = _("登录失败次数过多，请 %(minutes)d 分钟后再试",
                                  minutes=throttle.retry_minutes(exc.retry_after)), 429
                retry_after = exc.retry_after
            except user_service.BadCredentials:
                error, status = _("用户名或密码错误"), 401
            else:
                if user.role == Role.wall:
                    # a situation-room screen: a year-long device session, so the screen comes
                    # back signed in after its own restarts and the server's (revocable by admins)
                    device, token = device_service.open_device_session(
                        db(), user=user, kind="wall", label=request.headers.get("User-Agent", "")[:80],
                        ip=request.remote_addr)
                    _start_session(user, device, _device_csrf(token))
                    response = redirect(next_url if next_url != "/" else "/wall")
                    set_device_cookie(response, device, token)
                    return response
                _start_web_session(user)
                # nowhere asked: officers, inspectors and cadres start from what waits for them
                if not asked and user.role in TODO_FIRST:
                    return redirect("/todo")
                return redirect(next_url)
    response = make_response(render_template("login.html", error=error, username=username,
                                             next=next_url if asked else "",
                                             languages=LANGUAGES), status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(math.ceil(retry_after.total_seconds()))
    return response


@bp.post("/logout")
def logout():
    """Sign out on the server: the session ends, a copy of its cookie is refused from now on, and a
    wall screen's (or phone's) device session ends with it."""
    response = redirect(url_for("auth.login"))
    sign_out_device(response)
    return response


@bp.route("/password", methods=["GET", "POST"])
def password():
    """Change one's own password; the only page open to someone with a one-time password until
    they have. This browser stays signed in (a new session); every other sign-in ends."""
    next_url = _safe_next(request.values.get("next"))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            user = user_service.change_own_password(
                db(), user_id=current_user.id, current=request.form.get("current") or "",
                new=request.form.get("new") or "", repeat=request.form.get("repeat") or "", ip=client_address())
        except ValidationError as exc:
            errors[exc.field or "new"] = _(exc.message, **exc.params)
            status = 400
        else:
            _start_web_session(user)
            flash_next = next_url if next_url not in ("/password", "") else "/"
            return redirect(flash_next)
    response = make_response(render_template(
        "password.html", errors=errors, next=next_url, forced=current_user.must_change_password,
        username=current_user.username, minimum=user_service.PASSWORD_MIN), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/language")
def set_language():
    """Switch the signed-in user's language (remembered on their account)."""
    lang = request.form.get("lang", "")
    if lang not in LANGUAGES:
        abort(400)
    user_service.set_language(db(), user_id=current_user.id, language=lang)
    back = request.form.get("next") or urlsplit(request.referrer or "/").path
    return redirect(_safe_next(back))


@bp.post("/login/language")
def set_language_anonymous():
    """The language of the sign-in page, before anyone is signed in."""
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(url_for("auth.login", next=_safe_next(request.form.get("next"))))
