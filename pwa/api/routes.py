"""/api/v1 — the field app's JSON API (the contract: docs/field-api.md).

Views are thin: parse the body with its schema, call a service or a query, shape the answer.
Records are idempotent on their client UUID (the services see to it): first arrival 201, the
identical body again 200, another body under a used UUID 409. Every error has one shape
(web/errors.py); the OpenAPI document is generated from pwa/api/schemas.py by spectree.
"""

from __future__ import annotations

import logging
import math
import uuid as uuid_lib
from datetime import UTC

from flask import Blueprint, Flask, current_app, jsonify, make_response, request
from flask_login import current_user
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from spectree import Response, SpecTree
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from components.labels import WALK_CHANNEL, WALK_MODE
from data.db import one_transaction, reads_kept
from data.errors import N_, Conflict, NotAllowed, ServiceError, ValidationError, WorkflowError
from data.models import ChecklistTemplate, Inspection, Walkthrough, WorkLog
from data.queries import field as field_queries
from data.queries.inspections import auditor_options, station_options
from data.queries.settings import finding_categories, grade_thresholds, work_types
from data.queries.templates import current_templates, item_dict, template_items
from data.queries.todo import KINDS as TODO_KINDS
from data.services import devices as device_service
from data.services import login_throttle as throttle
from data.services import photos as photo_service
from data.services import users as user_service
from data.services.common import Actor, look_up_records
from data.services.inspections import InspectionForm, record_inspection
from data.services.walkthroughs import (
    FindingForm,
    Location,
    Step,
    WalkthroughForm,
    look_up_photos,
    record_walkthrough,
)
from data.services.work_logs import WorkLogForm, record_work_log
from pwa.api import schemas as s
from web import auth as _auth
from web.context import db, today
from web.errors import PREFIX, ApiError, error_response, pydantic_fields
from web.i18n import _, is_english
from web.logs import request_id
from web.photos import upload_root
from web.todo import my_todo

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger("hrss.api")
JSON_LIMIT = 2 * 1024 * 1024

spec = SpecTree(
    "flask", mode="strict", title="hrss-ops field API", version="1",
    description="The field app's sync API. Contract: docs/field-api.md.",
    validation_error_model=s.ErrorBody, annotations=False,
    # plain model names: ours are unique, and the field app's developers read them
    naming_strategy=lambda model: model.__name__, nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[{"name": "session", "data": {"type": "apiKey", "name": "hrss_session", "field_in": "cookie"}},
                      {"name": "csrf", "data": {"type": "apiKey", "name": "X-CSRFToken", "field_in": "header"}}],
    security=[{"session": [], "csrf": []}])


def _errors(*statuses: int) -> dict:
    return {f"HTTP_{status}": s.ErrorBody for status in statuses}


def documented(*, tags: tuple[str, ...], json: type[BaseModel] | None = None,
               query: type[BaseModel] | None = None, public: bool = False, **responses):
    """Register a view's schemas in the OpenAPI document. Validation happens in the view (see
    parse), so that its errors take the API's one shape in the user's language."""
    return spec.validate(json=json, query=query, resp=Response(**responses, **_errors(401, 403)), tags=tags,
                         skip_validation=True, security={} if public else None)


def parse(model: type[BaseModel], data):
    try:
        return model.model_validate(data)
    except PydanticError as exc:
        raise ApiError(422, fields=pydantic_fields(exc, _)) from None


def json_body(model: type[BaseModel]):
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes (a few thousand brackets)
        raise ApiError(422, fields={"body": _("内容嵌套过深")}) from None
    if not isinstance(data, dict):
        raise ApiError(422, fields={"body": _("请求内容应为 JSON 对象")})
    return parse(model, data)


def actor() -> Actor:
    return Actor(current_user.id, current_user.username, current_user.role, current_user.scope)


def answer(model: BaseModel, created: bool):
    return current_app.response_class(model.model_dump_json(), status=201 if created else 200,
                                      mimetype="application/json")


def user_out() -> s.UserOut:
    return s.UserOut(id=current_user.id, username=current_user.username, display_name=current_user.display_name,
                     role=str(current_user.role), language=current_user.language,
                     must_change_password=current_user.must_change_password)


# --- session ---------------------------------------------------------------------------------


@bp.post("/session")
@documented(tags=("session",), json=s.SessionIn, public=True, HTTP_200=s.SessionOut, HTTP_422=s.ErrorBody,
            HTTP_429=s.ErrorBody)
def create_session():
    """Sign a field device in: a long-lived device session (cookie hrss_device) and a browser session."""
    body = json_body(s.SessionIn)
    try:
        device, token = _auth.sign_in_device(username=body.username, password=body.password,
                                             label=body.device_label, kind="field")
    except user_service.LoginThrottled as exc:
        raise ApiError(429, N_("登录失败次数过多，请 %(minutes)d 分钟后再试"),
                       headers={"Retry-After": str(math.ceil(exc.retry_after.total_seconds()))},
                       minutes=throttle.retry_minutes(exc.retry_after)) from None
    except user_service.BadCredentials:
        raise ApiError(401, N_("用户名或密码错误")) from None
    out = s.SessionOut(user=user_out(), device_expires_at=device.expires_at)
    response = make_response(out.model_dump(mode="json"))
    _auth.set_device_cookie(response, device, token)
    return response


@bp.delete("/session")
@documented(tags=("session",), HTTP_204=None)
def delete_session():
    """Sign this device out: its device session is revoked."""
    response = make_response("", 204)
    _auth.sign_out_device(response)
    return response


@bp.post("/password")
@documented(tags=("session",), json=s.PasswordIn, HTTP_204=None, HTTP_422=s.ErrorBody)
def change_password():
    """Change the signed-in user's own password (the one-time one first of all). This device stays
    signed in; every other sign-in of the user ends."""
    body = json_body(s.PasswordIn)
    user = user_service.change_own_password(db(), user_id=current_user.id, current=body.current, new=body.new,
                                            repeat=body.repeat, ip=_auth.client_address())
    device, token = device_service.open_device_session(db(), user=user, kind="field",
                                                       label=request.headers.get("User-Agent", "")[:80],
                                                       ip=_auth.client_address())
    response = make_response("", 204)
    _auth.start_device_session(user, device, token)
    _auth.set_device_cookie(response, device, token)
    return response


@bp.get("/me")
@documented(tags=("session",), HTTP_200=s.MeOut)
def me():
    """Who is signed in."""
    return jsonify(s.MeOut(user=user_out()).model_dump(mode="json"))


# --- records ---------------------------------------------------------------------------------


def _location(body) -> Location | None:
    return Location(body.lon, body.lat, body.accuracy_m) if body is not None else None


def _location_out(row) -> s.LocationIn | None:
    return None if row.lon is None or row.lat is None else s.LocationIn(lon=row.lon, lat=row.lat,
                                                                          accuracy_m=row.accuracy_m)


def walkthrough_out(walk: Walkthrough) -> s.WalkthroughOut:
    findings = field_queries.findings_of(db(), walk.id)
    return s.WalkthroughOut(
        id=walk.id, uuid=walk.uuid, service_item_code=walk.service_item_code, channel=str(walk.channel),
        mode=str(walk.mode), place=walk.place, walked_on=walk.walked_on, station_id=walk.station_id,
        steps=walk.steps, trips=walk.trips, materials_asked=walk.materials_asked,
        materials_published=walk.materials_published, note=walk.note, location=_location_out(walk),
        created_at=walk.created_at,
        findings=[s.FindingOut(uuid=f.uuid, list_kind=str(f.list_kind), category=f.category, text=f.text,
                               status=str(f.status), measure=f.measure, owner=f.owner, due_on=f.due_on,
                               done_on=f.done_on) for f in findings])


@bp.post("/walkthroughs")
@documented(tags=("records",), json=s.WalkthroughIn, HTTP_201=s.WalkthroughOut, HTTP_200=s.WalkthroughOut,
            HTTP_409=s.ErrorBody, HTTP_422=s.ErrorBody)
def post_walkthrough():
    """Record a walkthrough (走流程) with its findings, as one idempotent unit."""
    return answer(*store_walkthrough(json_body(s.WalkthroughIn)))


def store_walkthrough(body: s.WalkthroughIn) -> tuple[s.WalkthroughOut, bool]:
    form = WalkthroughForm(
        uuid=body.uuid, service_item_code=body.service_item_code, channel=body.channel.value,
        mode=body.mode.value, walked_on=body.walked_on, place=body.place, station_id=body.station_id,
        steps=[Step(x.name, x.seconds, x.started_at) for x in body.steps], trips=body.trips,
        materials_asked=list(body.materials_asked), note=body.note, location=_location(body.location),
        findings=[FindingForm(uuid=f.uuid, list_kind=f.list_kind.value, category=f.category, text=f.text,
                              measure=f.measure, owner=f.owner, due_on=f.due_on, done_on=f.done_on)
                  for f in body.findings])
    walk, created = record_walkthrough(db(), actor=actor(), form=form, today=today())
    return walkthrough_out(walk), created


def work_log_out(log: WorkLog) -> s.WorkLogOut:
    return s.WorkLogOut(id=log.id, uuid=log.uuid, log_date=log.log_date, work_types=log.work_types, done=log.done,
                        solved=log.solved, people_served=log.people_served, station_id=log.station_id,
                        location=_location_out(log), created_at=log.created_at)


@bp.post("/work-logs")
@documented(tags=("records",), json=s.WorkLogIn, HTTP_201=s.WorkLogOut, HTTP_200=s.WorkLogOut,
            HTTP_409=s.ErrorBody, HTTP_422=s.ErrorBody)
def post_work_log():
    """File a seconded cadre's work log (工作日志)."""
    return answer(*store_work_log(json_body(s.WorkLogIn)))


def store_work_log(body: s.WorkLogIn) -> tuple[s.WorkLogOut, bool]:
    form = WorkLogForm(uuid=body.uuid, log_date=body.log_date, work_types=list(body.work_types), done=body.done,
                       solved=body.solved, people_served=body.people_served, station_id=body.station_id,
                       location=_location(body.location))
    log, created = record_work_log(db(), actor=actor(), form=form, today=today())
    return work_log_out(log), created


def inspection_out(inspection: Inspection) -> s.InspectionOut:
    return s.InspectionOut(
        id=inspection.id, uuid=inspection.uuid, kind=str(inspection.kind), mode=str(inspection.mode),
        status=str(inspection.status), station_id=inspection.station_id, template_id=inspection.template_id,
        inspected_on=inspection.inspected_on, auditor_ids=inspection.auditor_ids, score=inspection.score,
        grade=None if inspection.grade is None else str(inspection.grade), vetoed=inspection.vetoed,
        created_at=inspection.created_at)


@bp.post("/inspections")
@documented(tags=("records",), json=s.InspectionIn, HTTP_201=s.InspectionOut, HTTP_200=s.InspectionOut,
            HTTP_409=s.ErrorBody, HTTP_422=s.ErrorBody)
def post_inspection():
    """Record a window audit or a station check (scored; covert audits stay hidden until published)."""
    return answer(*store_inspection(json_body(s.InspectionIn)))


def store_inspection(body: s.InspectionIn) -> tuple[s.InspectionOut, bool]:
    answers = {code: {"value": a.value, **({"note": a.note} if a.note else {}),
                      **({"photos": [str(p) for p in a.photos]} if a.photos else {})}
               for code, a in body.answers.items()}
    form = InspectionForm(kind=body.kind, mode=body.mode, station_id=body.station_id, template_id=body.template_id,
                          inspected_on=body.inspected_on, auditor_ids=list(body.auditor_ids), answers=answers,
                          summary=body.summary, uuid=body.uuid, started_at=body.started_at)
    inspection, created = record_inspection(db(), actor=actor(), form=form, today=today())
    return inspection_out(inspection), created


@bp.put("/photos/<photo_uuid>")
@documented(tags=("records",), query=s.PhotoQuery, HTTP_201=s.PhotoOut, HTTP_200=s.PhotoOut,
            HTTP_409=s.ErrorBody, HTTP_413=s.ErrorBody, HTTP_422=s.ErrorBody)
def put_photo(photo_uuid: str):
    """Store a photo (raw JPEG, PNG or WebP bytes, at most 15 MB): its type is read from the
    content and it is re-encoded without metadata."""
    try:
        key = uuid_lib.UUID(photo_uuid)
    except ValueError:
        raise ApiError(422, fields={"uuid": _("编号格式无效")}) from None
    query = parse(s.PhotoQuery, request.args.to_dict())
    request.max_content_length = photo_service.MAX_BYTES
    data = request.get_data(cache=False)
    meta = photo_service.PhotoMeta(taken_at=query.taken_at, lon=query.lon, lat=query.lat,
                                   accuracy_m=query.accuracy_m)
    attachment, created = photo_service.attach_photo(
        db(), actor=actor(), root=upload_root(), data=data, photo_uuid=key, owner_kind=query.owner_kind,
        owner_uuid=query.owner_uuid, meta=meta)
    out = s.PhotoOut(uuid=attachment.uuid, width=attachment.width or 0, height=attachment.height or 0,
                     bytes=attachment.size_bytes)
    return answer(out, created)


STORE = {"walkthrough": (s.WalkthroughIn, store_walkthrough), "work_log": (s.WorkLogIn, store_work_log),
         "inspection": (s.InspectionIn, store_inspection)}
RECORD_MODELS = {"walkthrough": Walkthrough, "work_log": WorkLog, "inspection": Inspection}


@bp.post("/records")
@documented(tags=("records",), json=s.BatchIn, HTTP_200=s.BatchOut, HTTP_422=s.ErrorBody)
def post_records():
    """Store up to 20 records of the outbox in one request (one round trip on a weak link). Each is
    stored or refused on its own, as at its own endpoint, and answered in `results` in the order
    sent; a refused record does not hold back the others.

    Stored as one transaction first (data.db.one_transaction: each record checked and audited by
    its service as at its own endpoint, the batch committed once); when a record is refused, or
    the database stops one (its twin stored by another request meanwhile), nothing of that try is
    kept and each record is stored on its own, in its own transaction, as before."""
    body = json_body(s.BatchIn)
    results = _all_in_one(body.records)
    if results is None:
        with reads_kept(db()):
            _look_up(body.records)
            results = [_batch_result(item) for item in body.records]
    return current_app.response_class(s.BatchOut(results=results).model_dump_json(), mimetype="application/json")


def _look_up(records: list[s.BatchItemIn]) -> None:
    """Which records are stored already (one query a kind) and the photos sent before them."""
    for kind, model in RECORD_MODELS.items():
        look_up_records(db(), model, (key for item in records if item.kind == kind
                                      if (key := _uuid_or_none(item.body.get("uuid"))) is not None))
    look_up_photos(db(), actor_id=actor().id, owners=_photo_owners(records))


def _all_in_one(records: list[s.BatchItemIn]) -> list[s.BatchResultOut] | None:
    """The batch stored in one transaction, or None (nothing stored) when any record was refused
    or a service had to roll back."""
    with reads_kept(db()), one_transaction(db()) as held:
        _look_up(records)
        results = []
        for item in records:
            try:
                results.append(_stored(item))
            except (ApiError, ServiceError):
                return None
            if held.broken:
                return None
        try:
            held.commit()
        except DBAPIError:  # a refusal only the commit saw: each on its own then
            return None
        return results


def _photo_owners(records: list[s.BatchItemIn]):
    """The UUIDs a batch's photos may name: its walkthroughs' and their findings', its work logs'."""
    for item in records:
        if item.kind in ("walkthrough", "work_log"):
            yield _uuid_or_none(item.body.get("uuid"))
        findings = item.body.get("findings") if item.kind == "walkthrough" else None
        for finding in findings if isinstance(findings, list) else ():
            yield _uuid_or_none(finding.get("uuid")) if isinstance(finding, dict) else None


def _stored(item: s.BatchItemIn) -> s.BatchResultOut:
    """The record stored as at its own endpoint, and its answer (raises ApiError, ServiceError)."""
    model, store = STORE[item.kind]
    record, created = store(parse(model, item.body))
    return s.BatchResultOut(kind=item.kind, uuid=record.uuid, status=201 if created else 200, record=record)


def _batch_result(item: s.BatchItemIn) -> s.BatchResultOut:
    try:
        return _stored(item)
    except (ApiError, ServiceError) as exc:
        db().rollback()
        status, code, message, fields = refusal(exc)
        _log_refused(status, code, fields, item.kind)
        return s.BatchResultOut(kind=item.kind, uuid=_uuid_or_none(item.body.get("uuid")), status=status,
                                error=s.ErrorDetail(code=code, message=message, fields=fields,
                                                    request_id=request_id()))


def _uuid_or_none(value) -> uuid_lib.UUID | None:
    try:
        return uuid_lib.UUID(str(value))
    except ValueError:
        return None


@bp.get("/records")
@documented(tags=("records",), query=s.RecordsQuery, HTTP_200=s.RecordsOut, HTTP_422=s.ErrorBody)
def records():
    """The signed-in user's own stored records, for reconciling the outbox."""
    query = parse(s.RecordsQuery, request.args.to_dict())
    since = query.since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    rows = field_queries.records_of(db(), user_id=current_user.id, kind=query.kind, since=since)
    return jsonify(s.RecordsOut(records=rows).model_dump(mode="json"))


# --- reference data --------------------------------------------------------------------------


def _label(row: dict) -> str:
    return (row.get("name_en") if is_english() else None) or row.get("name") or row.get("code")


def _template(template: ChecklistTemplate, thresholds: dict) -> s.TemplateOut:
    english = is_english()
    settings = template.settings or {}
    categories = {code: (names[1] if english and len(names) > 1 else names[0])
                  for code, names in (settings.get("categories") or {}).items()}
    items = []
    for item in template_items(db(), template.id):
        plain = item_dict(item)
        plain["text"] = (plain.pop("text_en") if english else None) or item.text
        items.append(s.TemplateItemOut(**plain))
    name = (template.name_en if english else None) or template.name
    return s.TemplateOut(id=template.id, code=template.code, kind=str(template.kind), version=template.version,
                         name=name, thresholds=settings.get("thresholds") or thresholds, categories=categories,
                         items=items)


TODO_SHOWN = 30  # the phone lists the first; the desktop's /todo has them all


@bp.get("/reference")
@documented(tags=("reference",), HTTP_200=s.ReferenceOut)
def reference():
    """Reference data for offline use: stations in the user's regions, service items, channels,
    modes, finding categories, work types, current checklist templates, auditors, leaders'
    comments on the user's work logs, and the user's to-do list as it stood (data.queries.todo)."""
    session = db()
    thresholds = grade_thresholds(session)
    categories = finding_categories(session, offered=True)
    out = s.ReferenceOut(
        user=user_out(), server_date=today(),
        stations=[s.StationOut(id=r["id"], name=r["name"], township=r["township"])
                  for r in station_options(session, current_user.scope)],
        service_items=[s.ServiceItemOut(code=i.code, name=i.name, name_en=i.name_en,
                                        published_materials=i.published_materials or [])
                       for i in field_queries.active_service_items(session)],
        channels=[s.Option(value=k, label=_(v)) for k, v in WALK_CHANNEL.items()],
        modes=[s.Option(value=k, label=_(v)) for k, v in WALK_MODE.items()],
        finding_categories=s.FindingCategoriesOut(**{
            kind: [s.Option(value=c["code"], label=_label(c)) for c in rows] for kind, rows in categories.items()}),
        work_types=[s.Option(value=t["code"], label=_label(t)) for t in work_types(session, offered=True)],
        templates=[_template(t, thresholds) for t in current_templates(session)],
        auditors=[s.AuditorOut(id=a["id"], name=a["display_name"]) for a in auditor_options(session)],
        comments=field_queries.comments_on_logs_of(session, user_id=current_user.id),
        todo=[s.TodoOut(kind=i.kind, title=_(TODO_KINDS[i.kind]), record=i.record, reason=i.reason, link=i.link,
                        due=i.due, late=i.late) for i in my_todo()[:TODO_SHOWN]])
    return jsonify(out.model_dump(mode="json"))


@bp.get("/openapi.json")
@documented(tags=("reference",), HTTP_200=None)
def openapi():
    """This document (OpenAPI 3, generated from pwa/api/schemas.py)."""
    return jsonify(spec.spec)


# --- errors ----------------------------------------------------------------------------------


@bp.before_request
def _limit_body():
    request.max_content_length = JSON_LIMIT


SYNC_ENDPOINTS = {"api.post_walkthrough", "api.post_work_log", "api.post_inspection", "api.put_photo",
                  "api.post_records"}


@bp.after_request
def _log_refused_sync(response):
    """A record the server would not take is logged with the request id: what was refused and why
    (the error code and the names of the fields, never their values)."""
    if request.endpoint in SYNC_ENDPOINTS and response.status_code >= 400:
        error = (response.get_json(silent=True) or {}).get("error") or {}
        _log_refused(response.status_code, error.get("code"), error.get("fields"))
    return response


def _log_refused(status: int, code: str | None, fields: dict | None, kind: str | None = None) -> None:
    log.warning("sync refused: %s %s", status, code, extra={
        "event": "sync.refused", "endpoint": request.endpoint, "status": status, "code": code,
        "fields": sorted(fields or {}), **({"kind": kind} if kind else {}),
        "user_id": current_user.id if current_user.is_authenticated else None})


def refusal(exc: ApiError | ServiceError) -> tuple[int, str, str, dict[str, str]]:
    """(status, code, message, fields) of a refused request or record, the message in the user's
    language: the one mapping behind the API's error answers and a batch's refused records."""
    message = _(exc.message, **exc.params)
    if isinstance(exc, ApiError):
        return exc.status, exc.code, message, exc.fields
    if isinstance(exc, ValidationError):
        return 422, "validation", message, {exc.field or "body": message}
    if isinstance(exc, NotAllowed):
        return 403, "forbidden", message, {}
    if isinstance(exc, (Conflict, WorkflowError)):
        return 409, "conflict", message, {}
    return 422, "validation", message, {}


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    response = error_response(*refusal(exc))
    response.headers.update(exc.headers)
    return response


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    return error_response(*refusal(exc))


def _http_error(exc: HTTPException):
    """Flask's own answers (404, 405, 413, 500 …) in the API's shape under /api/; elsewhere as they were."""
    if not request.path.startswith(PREFIX):
        return exc
    status = exc.code or 500
    error = ApiError(status)
    if status == 413:
        error.message = N_("内容太大（最多 %(mb)s MB）")
        error.params = {"mb": (request.max_content_length or JSON_LIMIT) // 1024 // 1024}
    return error_response(status, error.code, _(error.message, **error.params))


def _unknown(rest: str):
    """A GET under /api/ that no view answers: 404 in the API's shape, or 405 where the path is
    a view's under another method (Dash's catch-all page route would otherwise answer 200)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        try:
            adapter.match(request.path, method=method)
        except HTTPException:
            continue
        raise ApiError(405)
    raise ApiError(404)


def init_app(server: Flask) -> None:
    server.register_blueprint(bp)
    server.add_url_rule(f"{PREFIX}<path:rest>", "api_unknown", _unknown, methods=["GET"])
    server.register_error_handler(HTTPException, _http_error)
    server.register_error_handler(ApiError, _api_error)
