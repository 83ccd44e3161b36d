"""Imports started on the admin screen, run in the background of the worker that took the
upload: first a check (the preview: counts and refused rows), then, once the admin confirms,
the import itself (data.imports: all or nothing). The job row carries status, progress and
the result, so any worker can show them; on SQLite, whose one writer is busy during the import,
progress is also kept in this process (the embedded default runs one process)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, timedelta

from sqlmodel import Session, select

from data.errors import N_
from data.imports import KINDS, ImportFileError, import_file
from data.models import ImportJob, Role
from data.services.common import Actor, NotAllowed, ValidationError, audit
from data.types import utcnow

log = logging.getLogger(__name__)
MAX_BYTES = 100 * 1024 * 1024
KEPT_ERRORS = 1000
STALE = timedelta(hours=2)  # a job whose worker died: marked failed when next looked at
_progress: dict[int, tuple[str, int, int]] = {}  # job id → (stage, done, total), this process
_threads: dict[int, threading.Thread] = {}


def _admin(actor: Actor) -> None:
    if actor.role is not Role.admin and actor.role != Role.admin.value:
        raise NotAllowed(N_("您的角色不能执行此操作"))


def create_job(session: Session, *, actor: Actor, kind: str, filename: str, data: bytes,
               options: dict | None = None) -> ImportJob:
    _admin(actor)
    if kind not in KINDS:
        raise ValidationError(N_("请选择导入的数据类型"), field="kind")
    if not data:
        raise ValidationError(N_("请选择要上传的文件"), field="file")
    if len(data) > MAX_BYTES:
        raise ValidationError(N_("文件太大（最多 100 MB）"), field="file")
    job = ImportJob(kind=kind, filename=(filename or "upload")[-200:], data=data, options=options or {},
                    status="checking", created_by=actor.id)
    session.add(job)
    session.flush()
    audit(session, actor=actor, action="import.upload", target_kind="import_job", target_id=job.id,
          details={"kind": kind, "file": job.filename, "bytes": len(data)})
    session.commit()
    return job


def confirm_job(session: Session, *, actor: Actor, job_id: int) -> ImportJob:
    _admin(actor)
    job = session.get(ImportJob, job_id)
    if job is None or job.status != "checked":
        raise ValidationError(N_("只有检查通过的导入才能确认"), field="job")
    job.status, job.stage, job.done = "importing", "read", 0
    session.add(job)
    session.commit()
    return job


def take_passwords(session: Session, *, actor: Actor, job_id: int) -> list[tuple[str, str]]:
    """The one-time passwords of a users import, once: they are cleared as they are read."""
    _admin(actor)
    job = session.get(ImportJob, job_id)
    if job is None or not job.passwords:
        return []
    found = [tuple(p) for p in job.passwords]
    job.passwords = []
    session.add(job)
    audit(session, actor=actor, action="import.passwords_shown", target_kind="import_job", target_id=job.id,
          details={"accounts": len(found)})
    session.commit()
    return found


def progress_of(job: ImportJob) -> tuple[str | None, int, int]:
    """(stage, done, total) of a running job: this process's if it runs here, else the row's."""
    return _progress.get(job.id) or (job.stage, job.done, job.total)


def mark_stale(session: Session, now=None) -> int:
    now = now or utcnow()
    stale = session.exec(select(ImportJob).where(ImportJob.status.in_(["checking", "importing"]),
                                                 ImportJob.created_at < now - STALE)).all()
    for job in stale:
        if job.id in _progress:
            continue
        job.status, job.message, job.finished_at = "failed", N_("导入中断（服务重启），请重新上传"), now
        session.add(job)
    session.commit()
    return len(stale)


def start(engine, job_id: int, *, actor: Actor, today: date, dry_run: bool) -> threading.Thread:
    """Run the job's check (dry_run) or import in a background thread of this process."""
    thread = threading.Thread(target=run_job, args=(engine, job_id), daemon=True, name=f"import-{job_id}",
                              kwargs={"actor": actor, "today": today, "dry_run": dry_run})
    _threads[job_id] = thread
    thread.start()
    return thread


def wait(job_id: int, timeout: float = 120.0) -> bool:
    """Wait for this process's thread of a job to end (tests, the command line); True if it did."""
    thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)
        if thread.is_alive():
            return False
        _threads.pop(job_id, None)
    return True


def run_job(engine, job_id: int, *, actor: Actor, today: date, dry_run: bool) -> None:
    sqlite = engine.dialect.name == "sqlite"
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        _progress[job_id] = (stage, done, total)
        now = time.monotonic()
        if (sqlite and not dry_run) or now - last[0] < 0.5:
            # SQLite: a write beside the import's own transaction would stop it from writing
            # (its snapshot goes stale); this process's dict tells instead
            return
        last[0] = now
        with Session(engine) as side:
            job = side.get(ImportJob, job_id)
            job.stage, job.done, job.total = stage, done, total
            side.add(job)
            side.commit()

    with Session(engine, expire_on_commit=False) as session:
        job = session.get(ImportJob, job_id)
        data, kind, filename, options = job.data, job.kind, job.filename, dict(job.options or {})
    try:
        with Session(engine, expire_on_commit=False) as session:
            report = import_file(session, actor=actor, kind=kind, data=data, filename=filename, today=today,
                                 dry_run=dry_run, progress=progress, options=options)
        status = ("checked" if report.ok else "refused") if dry_run else ("done" if report.ok else "refused")
        result = {"counts": report.counts(), "error_count": len(report.errors), "message": None,
                  "errors": [{"row": e.row, "column": e.column, "message": e.message, "params": e.params}
                             for e in report.errors[:KEPT_ERRORS]],
                  "passwords": [list(p) for p in report.passwords]}
    except ImportFileError as exc:
        status = "refused"
        result = {"counts": {}, "error_count": 1, "message": None,
                  "errors": [{"row": 1, "column": None, "message": exc.message, "params": exc.params}]}
    except Exception:  # recorded on the job for the admin; the details go to the log
        log.exception("import job %s failed", job_id)
        status, result = "failed", {"message": N_("导入失败，数据库未作任何改动；请联系技术支持")}
    with Session(engine) as session:
        job = session.get(ImportJob, job_id)
        job.status, job.stage = status, None
        stage, done, total = _progress.get(job_id, (None, job.done, job.total))
        job.done, job.total = total or done, total
        for key, value in result.items():
            setattr(job, key, value)
        if status != "checked":
            job.finished_at = utcnow()
        if status != "checked":
            job.data = b""  # kept only between the check and the import
        session.add(job)
        session.commit()
    _progress.pop(job_id, None)
