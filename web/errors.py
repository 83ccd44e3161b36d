"""The one error shape of every non-2xx /api/ answer:

    {"error": {"code": "validation", "message": "…", "fields": {"findings[2].text": "…"},
               "request_id": "…"}}

Messages are for people, in the user's language; `fields` names each bad input by its path in
the body (or the query); `request_id` is the request's id (also in the X-Request-ID header and in
the server's log lines of that request). Outside /api/ a server error answers a page (or, to a
script, JSON) that shows the same id.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from pydantic import ValidationError as PydanticError
from werkzeug.exceptions import InternalServerError

from data.errors import N_
from web.logs import request_id

PREFIX = "/api/"
# HTTP status → (code, message) where nothing more specific is known
BY_STATUS = {
    400: ("validation", N_("请求格式不对")),
    401: ("unauthenticated", N_("请先登录")),
    403: ("forbidden", N_("您无权进行此操作")),
    404: ("not_found", N_("没有找到")),
    405: ("method_not_allowed", N_("不支持该请求方法")),
    409: ("conflict", N_("该编号已用于另一条记录")),
    413: ("too_large", N_("内容太大")),
    422: ("validation", N_("请检查填写的内容")),
    429: ("throttled", N_("请求过于频繁，请稍后再试")),
    500: ("server_error", N_("服务器出错，请稍后重试")),
}


class ApiError(Exception):
    """An answer other than success, raised anywhere in a view."""

    def __init__(self, status: int, message: str | None = None, *, code: str | None = None,
                 fields: dict[str, str] | None = None, headers: dict[str, str] | None = None, **params):
        super().__init__(message)
        default_code, default_message = BY_STATUS.get(status, BY_STATUS[500])
        self.status, self.code = status, code or default_code
        self.message, self.params, self.fields = message or default_message, params, fields or {}
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> Response:
    response = jsonify(error={"code": code, "message": message, "fields": fields or {}, "request_id": request_id()})
    response.status_code = status
    return response


def server_error(_exc: InternalServerError):
    """Any 500: the API's shape under /api/, JSON to scripts (Dash's requests), else a page; each
    with the request id, so a report of the failure finds its log lines."""
    from web.auth import wants_json
    from web.i18n import _

    code, message = BY_STATUS[500]
    if request.path.startswith(PREFIX):
        return error_response(500, code, _(message))
    if wants_json():
        return jsonify(error=code, message=_(message), request_id=request_id()), 500
    return render_template("error.html", message=_(message), request_id=request_id()), 500


def init_app(server: Flask) -> None:
    server.register_error_handler(InternalServerError, server_error)


def field_path(loc: tuple) -> str:
    """pydantic's ("findings", 2, "text") as "findings[2].text"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


# pydantic error type → message id (translated where the answer is made)
PYDANTIC_MESSAGES = {
    "missing": N_("此项必填"),
    "string_too_short": N_("此项必填"),
    "string_too_long": N_("内容过长（最多 %(limit)s 字）"),
    "too_long": N_("条目过多（最多 %(limit)s 条）"),
    "too_short": N_("请至少填写 %(limit)s 项"),
    "greater_than_equal": N_("超出允许范围"),
    "less_than_equal": N_("超出允许范围"),
    "greater_than": N_("超出允许范围"),
    "less_than": N_("超出允许范围"),
    "int_parsing": N_("应为整数"),
    "int_type": N_("应为整数"),
    "int_from_float": N_("应为整数"),
    "float_parsing": N_("应为数字"),
    "float_type": N_("应为数字"),
    "date_parsing": N_("日期格式应为 YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("日期格式应为 YYYY-MM-DD"),
    "date_type": N_("日期格式应为 YYYY-MM-DD"),
    "datetime_parsing": N_("时间格式无效"),
    "datetime_from_date_parsing": N_("时间格式无效"),
    "datetime_type": N_("时间格式无效"),
    "uuid_parsing": N_("编号格式无效"),
    "uuid_type": N_("编号格式无效"),
    "string_type": N_("应为文字"),
    "list_type": N_("应为列表"),
    "dict_type": N_("格式不对"),
    "model_type": N_("格式不对"),
    "model_attributes_type": N_("格式不对"),
}
DEFAULT_MESSAGE = N_("取值无效")


def pydantic_fields(exc: PydanticError, translate) -> dict[str, str]:
    """{path: message} for each input pydantic refused (the first message per path)."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        loc = tuple(error["loc"])
        # a union (a choice's value) reports each branch it tried: name the field, not the branch
        loc = tuple(p for p in loc if not (isinstance(p, str) and p in {"str", "int", "float", "bool"}))
        path = field_path(loc)
        if path in fields:
            continue
        ctx = error.get("ctx") or {}
        limit = ctx.get("max_length", ctx.get("min_length"))
        message = PYDANTIC_MESSAGES.get(error["type"], DEFAULT_MESSAGE)
        fields[path] = translate(message, limit=limit) if limit is not None else translate(message)
    return fields
