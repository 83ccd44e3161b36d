"""Photos as evidence: checked by content, re-encoded without metadata, stored by UUID.

A phone or a browser sends a photo under a UUID it made. The bytes are decoded (the type comes
from the content, never from a file name or a header), turned upright from the EXIF orientation,
scaled to at most MAX_SIDE pixels, and re-encoded as JPEG with no EXIF at all: the only place a
location is kept is the attachment row, when the user chose to give it. Storing the same UUID
again with the same picture is a no-op that returns the stored row (a resend after a dropped
connection); a different picture under a used UUID is a Conflict.

Files live under a storage root (the app's UPLOAD_DIR) as `<2 hex>/<uuid>.jpg`, written to a
temporary name and renamed, so a crash never leaves half a photo behind a row.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid as uuid_lib
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from data.errors import N_, Conflict, NotAllowed, ValidationError
from data.models import Attachment
from data.queries.field import photo_owner
from data.services.common import Actor, audit
from data.types import utcnow

MAX_BYTES = 15 * 1024 * 1024  # what a phone camera sends before downscaling, with room
MAX_PIXELS = 60_000_000  # a decompression bomb is refused before it is decoded
MAX_SIDE = 1600
JPEG_QUALITY = 82
FORMATS = {"JPEG", "PNG", "WEBP"}
OWNER_KINDS = ("inspection", "rectification", "walkthrough", "finding", "work_log")


@dataclass(frozen=True)
class PhotoMeta:
    """What the client may say about a photo besides its bytes (all optional)."""

    taken_at: datetime | None = None
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None


def _reencode(data: bytes) -> tuple[bytes, int, int]:
    if not data:
        raise ValidationError(N_("照片是空的"), field="photo")
    if len(data) > MAX_BYTES:
        raise ValidationError(N_("照片太大（最多 %(mb)s MB）"), field="photo", mb=MAX_BYTES // 1024 // 1024)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in FORMATS:
                    raise ValidationError(N_("只接受 JPEG、PNG 或 WebP 照片"), field="photo")
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationError(N_("照片像素过多"), field="photo")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                if image.mode not in ("RGB", "L"):
                    background = Image.new("RGB", image.size, "white")
                    rgba = image.convert("RGBA")
                    background.paste(rgba, mask=rgba.getchannel("A"))
                    image = background
                image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
                return out.getvalue(), image.width, image.height
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ValidationError(N_("无法识别的图片文件"), field="photo") from None


def storage_key(photo_uuid: uuid_lib.UUID) -> str:
    return f"{photo_uuid.hex[:2]}/{photo_uuid}.jpg"


def _write(root: Path, key: str, body: bytes) -> None:
    target = root / key
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(body)
    os.replace(temporary, target)


def _coordinate(value, low: float, high: float, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValidationError(N_("位置坐标无效"), field=field)
    return float(value)


def store_photo(session: Session, *, actor: Actor, root: Path, data: bytes, photo_uuid: uuid_lib.UUID,
                owner_kind: str, owner_uuid: uuid_lib.UUID, path: str, meta: PhotoMeta = PhotoMeta(),
                now: datetime | None = None) -> tuple[Attachment, bool]:
    """Store one photo for a record; returns (attachment, created).

    `path` is the region path of the record it belongs to (who may see the photo); the caller
    has checked the actor may write there.
    """
    if owner_kind not in OWNER_KINDS:
        raise ValidationError(N_("不支持的附件归属"), field="owner_kind")
    body, width, height = _reencode(data)
    digest = hashlib.sha256(body).hexdigest()
    existing = session.exec(select(Attachment).where(Attachment.uuid == photo_uuid)).first()
    if existing is not None:
        if (existing.sha256, existing.owner_uuid, existing.uploaded_by) == (digest, owner_uuid, actor.id):
            return existing, False
        raise Conflict(N_("该编号已用于另一张照片"))
    lon = _coordinate(meta.lon, -180, 180, "lon")
    lat = _coordinate(meta.lat, -90, 90, "lat")
    accuracy = _coordinate(meta.accuracy_m, 0, 100_000, "accuracy_m")
    key = storage_key(photo_uuid)
    _write(root, key, body)
    attachment = Attachment(uuid=photo_uuid, owner_kind=owner_kind, owner_uuid=owner_uuid, path=path,
                            content_type="image/jpeg", size_bytes=len(body), sha256=digest, width=width,
                            height=height, storage_key=key, taken_at=meta.taken_at, lon=lon, lat=lat,
                            accuracy_m=accuracy, uploaded_by=actor.id, created_at=now or utcnow())
    session.add(attachment)
    audit(session, actor=actor, action="photo.stored", target_kind="attachment", target_id=photo_uuid,
          details={"owner_kind": owner_kind, "owner_uuid": str(owner_uuid), "bytes": len(body)})
    try:
        session.commit()
    except IntegrityError:
        # the same photo sent twice at once: the other request stored it first
        session.rollback()
        stored = session.exec(select(Attachment).where(Attachment.uuid == photo_uuid)).first()
        if stored is not None and (stored.sha256, stored.owner_uuid) == (digest, owner_uuid):
            return stored, False
        raise Conflict(N_("该编号已用于另一张照片")) from None
    return attachment, True


def photos_of(session: Session, owner_uuid: uuid_lib.UUID) -> list[Attachment]:
    return list(session.exec(select(Attachment).where(Attachment.owner_uuid == owner_uuid)
                             .order_by(Attachment.created_at, Attachment.id)))


def attach_photo(session: Session, *, actor: Actor, root: Path, data: bytes, photo_uuid: uuid_lib.UUID,
                 owner_kind: str, owner_uuid: uuid_lib.UUID, meta: PhotoMeta = PhotoMeta(),
                 now: datetime | None = None) -> tuple[Attachment, bool]:
    """Store a photo a field device sends for one of its records; returns (attachment, created).

    The record may not have arrived yet: the photo is then filed under the sender's first region
    until the record adopts it. A record that is here must be the sender's own or lie in their
    regions. Raises NotAllowed, ValidationError, Conflict.
    """
    if owner_kind not in OWNER_KINDS:
        raise ValidationError(N_("不支持的附件归属"), field="owner_kind")
    owner = photo_owner(session, kind=owner_kind, owner_uuid=owner_uuid)
    if owner is None:
        if not actor.scope.paths:
            raise NotAllowed(N_("您没有管辖区域"))
        path = actor.scope.paths[0]
    else:
        path, author = owner
        if author != actor.id and not actor.scope.covers(path):
            raise NotAllowed(N_("记录不存在或不在您的管辖范围内"))
    return store_photo(session, actor=actor, root=root, data=data, photo_uuid=photo_uuid, owner_kind=owner_kind,
                       owner_uuid=owner_uuid, path=path, meta=meta, now=now)
