"""Logging: configured once in create_app (logging.config.dictConfig), a request id per request,
and nothing personal in a log line.

- LOG_FORMAT=text (default) writes `time level logger [request id] message`; LOG_FORMAT=json
  writes one JSON object a line (time, level, logger, message, request_id, the event's fields,
  exception) for a log collector. LOG_LEVEL (INFO) sets the level. Both go to stderr, where
  gunicorn or systemd's journal picks them up.
- Every request has an id: the X-Request-ID a trusted proxy sent (nginx's $request_id; letters,
  digits, ".", "_", "-", 8–64 of them), else a new one. It is echoed in the X-Request-ID response
  header and in every error answer, and every log line written during the request carries it, so
  a person's "错误编号" finds the log line (and the access log line) of their failure.
- No personal data: log calls name users by id, never by name, and client addresses masked to
  their network (203.0.113.0/24); SQL parameters are hidden in database errors (data/db.py), and
  every line passes a last mask for mainland ID numbers, mobile numbers and IPv4 addresses.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import logging.config
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

HEADER = "X-Request-ID"
_INCOMING = re.compile(r"[A-Za-z0-9._-]{8,64}")
# a mainland ID number, a mobile number, an IPv4 address: masked wherever they appear
_PERSONAL = [
    (re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{2}[0-9]{3}[0-9Xx](?![0-9])"),
     "[id-number]"),
    (re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])"), "[phone]"),
    (re.compile(r"(?<![0-9.])((?:[0-9]{1,3}\.){3})[0-9]{1,3}(?![0-9.])"), r"\g<1>x"),
]
# fields a log call may add (extra={...}) that the JSON line carries
FIELDS = ("event", "method", "path", "status", "code", "fields", "user_id", "client", "kind", "endpoint")
log = logging.getLogger("hrss")
_applied: tuple | None = None


def mask(text: str) -> str:
    for pattern, replacement in _PERSONAL:
        text = pattern.sub(replacement, text)
    return text


def masked_address(address: str | None) -> str:
    """A client address as logs may show it: its /24 (IPv4) or /48 (IPv6) network."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "-"
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))


def request_id() -> str:
    """This request's id ("-" outside a request)."""
    if not has_request_context():
        return "-"
    if "request_id" not in g:
        sent = request.headers.get(HEADER, "")
        g.request_id = sent if _INCOMING.fullmatch(sent) else uuid.uuid4().hex
    return g.request_id


def _with_request_id(make_record):
    """A log record factory that stamps each record with the request id (for every handler,
    whoever added it)."""
    def factory(*args, **kwargs):
        record = make_record(*args, **kwargs)
        record.request_id = request_id()
        return record
    factory.stamps_request_id = True
    return factory


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                "request_id": getattr(record, "request_id", "-")}
        line.update({k: getattr(record, k) for k in FIELDS if hasattr(record, k)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return mask(json.dumps(line, ensure_ascii=False, default=str))


def configure(log_format: str, level: str) -> None:
    """Set up logging for the process (once per format and level: every app in a process shares it)."""
    global _applied
    if log_format not in ("text", "json"):
        raise ValueError(f"LOG_FORMAT is text or json, not {log_format!r}")
    if _applied == (log_format, level):
        return
    if not getattr(logging.getLogRecordFactory(), "stamps_request_id", False):
        logging.setLogRecordFactory(_with_request_id(logging.getLogRecordFactory()))
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"text": {"()": TextFormatter}, "json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "formatter": log_format}},
        "root": {"level": level, "handlers": ["stderr"]},
        # werkzeug's own request lines repeat what the access log says (with query strings)
        "loggers": {"werkzeug": {"level": "WARNING"}},
    })
    _applied = (log_format, level)


def init_app(server: Flask) -> None:
    configure(server.config["LOG_FORMAT"], server.config["LOG_LEVEL"])

    @server.before_request
    def _request_id():
        request_id()

    @server.after_request
    def _echo(response):
        response.headers[HEADER] = request_id()
        if response.status_code >= 500:
            log.error("answered %s", response.status_code, extra={
                "event": "http.error", "method": request.method, "path": request.path,
                "status": response.status_code})
        return response
