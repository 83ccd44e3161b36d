"""/photos/<uuid> — evidence photos, for people allowed to see the record they belong to.

A photo is served to whoever uploaded it, and otherwise to users whose regions cover it; a photo
of an inspection that is not yet published (a covert audit) only to those who may see
unpublished inspections. Anything else is a 404, so photo UUIDs cannot be probed.
"""

from __future__ import annotations

import uuid as uuid_lib
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_file
from flask_login import current_user
from sqlmodel import select

from data.models import Attachment, Inspection, Rectification, Role
from data.queries.inspections import sees_unpublished
from web.context import db

bp = Blueprint("photos", __name__)


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def may_see(attachment: Attachment) -> bool:
    if current_user.role == Role.wall:
        return False  # the situation-room screen shows aggregates only, never evidence
    if attachment.uploaded_by == current_user.id:
        return True
    if not current_user.scope.covers(attachment.path):
        return False
    if sees_unpublished(current_user.role, current_user.scope):
        return True
    session = db()
    if attachment.owner_kind == "inspection":
        published = session.exec(select(Inspection.published_at).where(
            Inspection.uuid == attachment.owner_uuid)).first()
        return published is not None
    if attachment.owner_kind == "rectification":
        return session.exec(select(Rectification.id).where(Rectification.uuid == attachment.owner_uuid)).first() \
            is not None
    return True


@bp.get("/photos/<photo_uuid>")
def photo(photo_uuid: str):
    try:
        key = uuid_lib.UUID(photo_uuid)
    except ValueError:
        abort(404)
    attachment = db().exec(select(Attachment).where(Attachment.uuid == key)).first()
    if attachment is None or not may_see(attachment):
        abort(404)
    path = upload_root() / attachment.storage_key
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, max_age=0, etag=True, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def init_app(server: Flask) -> None:
    server.register_blueprint(bp)
