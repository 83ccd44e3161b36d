"""users: the bureau's accounts.

    用户名,姓名,角色,区划代码

角色 as the product names them (管理员/领导/经办人/督查员/挂职干部/大屏) or the English role names;
区划代码 one or several current regions separated by ";". A new account gets a one-time
password, shown once (the command line writes them to the file given by --passwords) and changed
at the first sign-in. An import changes names, roles and regions of existing accounts, never
their passwords, and never takes the role from the last active administrator."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from data.errors import N_
from data.imports.cells import Refuse, area_code, choice, lookup, text
from data.imports.core import Checker, Column, Context, ImportReport, Record, TableKind
from data.models import Region, Role, User, UserRegion
from data.security import hash_password
from data.services.common import audit

ROLES = lookup([
    (("管理员", "系统管理员", "admin", "administrator"), Role.admin),
    (("领导", "局领导", "leader"), Role.leader),
    (("经办人", "劳动保障监察员", "监察员", "case_officer", "officer"), Role.case_officer),
    (("督查员", "inspector"), Role.inspector),
    (("挂职干部", "cadre"), Role.cadre),
    (("大屏", "wall"), Role.wall),
])
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,59}$")
SEPARATORS = re.compile(r"[;；,，、\s]+")
# no 0/O, 1/l/I: read off a screen or a slip of paper
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def one_time_password(length: int = 12) -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def _username(value: str) -> str:
    value = value.strip().lower()
    if not USERNAME.match(value):
        raise Refuse(N_("用户名只能由小写字母、数字、点、- 和 _ 组成，最多 60 位：%(value)s"), value=value)
    return value


def _codes(value: str) -> list[str]:
    return sorted({area_code(code) for code in SEPARATORS.split(value) if code})


@dataclass
class _Row:
    record: Record
    username: str
    display_name: str
    role: Role
    regions: list[Region]
    existing: User | None
    changes: dict


class Users(TableKind):
    name = "users"
    columns = (
        Column("username", "用户名", ("username", "login"), example="li.ming"),
        Column("display_name", "姓名", ("name", "display_name"), example="李明"),
        Column("role", "角色", ("role",), choices=("管理员", "领导", "经办人", "督查员", "挂职干部", "大屏"),
               example="经办人"),
        Column("regions", "区划代码", ("area_code", "regions", "region_codes"),
               example="369801000000;369802000000"),
    )

    def plan(self, session: Session, records: list[Record], ctx: Context, report: ImportReport) -> list[_Row]:
        by_key = {c.key: c for c in self.columns}
        regions = {r.area_code: r for r in session.exec(select(Region).where(Region.valid_to.is_(None))).all()}
        users = {u.username: u for u in session.exec(select(User)).all()}
        homes: dict[int, set[int]] = {}
        for user_id, region_id in session.exec(select(UserRegion.user_id, UserRegion.region_id)).all():
            homes.setdefault(user_id, set()).add(region_id)
        admins = {u.username for u in users.values() if u.role == Role.admin and u.active}
        seen: dict[str, int] = {}
        rows = []
        for record in records:
            check = Checker(record, by_key, report.errors)
            username = check("username", _username)
            display_name = check("display_name", lambda v: text(v, limit=60))
            role = check("role", lambda v: choice(v, ROLES, "角色"))
            codes = check("regions", _codes)
            if check.failed:
                continue
            if not check.first_in_file("username", username, seen,
                                       N_("用户名 %(name)s 在文件中重复（第 %(first)s 行）"), name=username):
                continue
            unknown = [c for c in codes if c not in regions]
            if unknown or not codes:
                check.refuse("regions", N_("区划代码 %(code)s 不存在或已停用"), code="、".join(unknown) or "—")
                continue
            user = users.get(username)
            changes: dict = {}
            if user is not None:
                if user.display_name != display_name:
                    changes["display_name"] = display_name
                if user.role != role:
                    changes["role"] = role
                if homes.get(user.id, set()) != {regions[c].id for c in codes}:
                    changes["regions"] = codes
                if user.role == Role.admin and role != Role.admin and user.active:
                    admins.discard(username)
                    if not admins:
                        check.refuse("role", N_("不能取消最后一位启用的管理员的管理员角色"))
                        continue
            rows.append(_Row(record, username, display_name, role, [regions[c] for c in codes], user, changes))
        return report.tally(rows)

    def apply(self, session: Session, rows: list[_Row], ctx: Context, report: ImportReport) -> None:
        for n, row in enumerate(rows, start=1):
            codes = [r.area_code for r in row.regions]
            if row.existing is None:
                password = one_time_password()
                user = User(username=row.username, display_name=row.display_name, role=row.role,
                            password_hash=hash_password(password), must_change_password=True)
                session.add(user)
                session.flush()
                for region in row.regions:
                    session.add(UserRegion(user_id=user.id, region_id=region.id))
                report.passwords.append((row.username, password))
                audit(session, actor=ctx.actor, action="user.create", target_kind="user", target_id=user.id,
                      details={"username": row.username, "role": row.role.value, "regions": codes, "import": True})
            elif row.changes:
                user = row.existing
                before = {"display_name": user.display_name, "role": Role(user.role).value}
                user.display_name, user.role = row.display_name, row.role
                if "regions" in row.changes:
                    for link in session.exec(select(UserRegion).where(UserRegion.user_id == user.id)).all():
                        session.delete(link)
                    session.flush()
                    for region in row.regions:
                        session.add(UserRegion(user_id=user.id, region_id=region.id))
                    user.session_version += 1  # other regions: sign in again to see them
                session.add(user)
                audit(session, actor=ctx.actor, action="user.update", target_kind="user", target_id=user.id,
                      details={"username": row.username, "before": before,
                               "after": {k: (v.value if isinstance(v, Role) else v) for k, v in row.changes.items()}})
            if n % 100 == 0:
                ctx.step("write", n, len(rows))
        ctx.step("write", len(rows), len(rows))
