"""/documents/case/<case id>/<document id>.pdf — a notice printed from a case, exactly as issued
(data.services.documents). Whoever sees the case may open its notices; opening one is audited."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Flask, Response, abort
from flask_login import current_user

from data.errors import NotAllowed
from data.models import Role
from data.services.common import audit
from data.services.documents import get_document
from web.context import actor, db

DOCUMENT_ROLES = frozenset({Role.leader, Role.case_officer, Role.admin})
bp = Blueprint("documents", __name__, url_prefix="/documents")


def document_href(case_id: int, document_id: int) -> str:
    return f"/documents/case/{case_id}/{document_id}.pdf"


@bp.get("/case/<int:case_id>/<int:document_id>.pdf")
def case_document(case_id: int, document_id: int):
    if current_user.role not in DOCUMENT_ROLES:
        abort(403)
    session = db()
    try:
        document = get_document(session, actor=actor(), case_id=case_id, document_id=document_id)
    except NotAllowed:
        abort(404)
    audit(session, actor=actor(), action="document.view", target_kind="case_document", target_id=document.id,
          details={"doc_no": document.doc_no})
    session.commit()
    response = Response(document.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(document.doc_no)}.pdf"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def init_app(server: Flask) -> None:
    server.register_blueprint(bp)
