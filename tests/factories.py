"""Small test data builders: make_…(session, **overrides), plain functions, real rows."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from data import checklists
from data.models import (
    CaseSource,
    CaseStatus,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionKind,
    InspectionStatus,
    Rectification,
    RectificationSource,
    RectificationStatus,
    Region,
    RegionLevel,
    Role,
    Secondment,
    Station,
    StationKind,
    User,
    UserRegion,
    WageCase,
    WorkLog,
)
from data.rules.scoring import DEFAULT_THRESHOLDS, score_checklist
from data.security import hash_password

PASSWORD = "correct-horse-battery"
# hashing is slow on purpose (scrypt, N = 2**14: ~50 ms a sign-in): the fixture accounts' hash is
# made once, at a low cost — the tests sign in hundreds of times; the product's own hashes (users
# made through the services, imports, the demo) keep the full cost, and the tests about it use them
TEST_COST = 2**10
_HASH = hash_password(PASSWORD, cost=TEST_COST)
_serial = itertools.count(1)


def _square(lon: float, lat: float, size: float = 0.1) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                [lon, lat + size], [lon, lat]]]}


def make_region(session: Session, *, code: str, name: str, level: RegionLevel, parent: Region | None = None,
                lon: float = 116.0, lat: float = 28.5, size: float = 0.1, **overrides) -> Region:
    region = Region(area_code=code, name=name, level=level, parent_id=parent.id if parent else None,
                    path=(parent.path if parent else "") + code + "/", boundary=_square(lon, lat, size),
                    centroid_lon=lon + size / 2, centroid_lat=lat + size / 2, **overrides)
    session.add(region)
    session.flush()
    return region


def make_city(session: Session) -> dict[str, Region]:
    """A city with two counties (A, B), each with one township: the least that shows scoping."""
    city = make_region(session, code="369900000000", name="示范市", level=RegionLevel.city, size=0.4)
    county_a = make_region(session, code="369901000000", name="东湖区", level=RegionLevel.county, parent=city,
                           size=0.2)
    county_b = make_region(session, code="369902000000", name="西山县", level=RegionLevel.county, parent=city,
                           lon=116.2, size=0.2)
    town_a = make_region(session, code="369901001000", name="望江街道", level=RegionLevel.township,
                         parent=county_a, kind="street")
    town_b = make_region(session, code="369902100000", name="青石镇", level=RegionLevel.township,
                         parent=county_b, lon=116.2, kind="town")
    session.commit()
    return {"city": city, "a": county_a, "b": county_b, "town_a": town_a, "town_b": town_b}


def make_province(session: Session) -> dict[str, Region]:
    """A province over two cities, each with one county and one township (issue 14: a province)."""
    province = make_region(session, code="360000000000", name="示范省", level=RegionLevel.province, lon=116.5,
                           size=1.6)
    city = make_region(session, code="369900000000", name="示范市", level=RegionLevel.city, parent=province,
                       size=0.4)
    county_a = make_region(session, code="369901000000", name="东湖区", level=RegionLevel.county, parent=city,
                           size=0.2)
    town_a = make_region(session, code="369901001000", name="望江街道", level=RegionLevel.township,
                         parent=county_a, kind="street")
    city_b = make_region(session, code="369800000000", name="临湖市", level=RegionLevel.city, parent=province,
                         lon=117.0, size=0.4)
    county_b = make_region(session, code="369801000000", name="临湖区", level=RegionLevel.county, parent=city_b,
                           lon=117.0, size=0.2)
    town_b = make_region(session, code="369801001000", name="湖滨街道", level=RegionLevel.township,
                         parent=county_b, lon=117.0, kind="street")
    session.commit()
    return {"province": province, "city": city, "a": county_a, "town_a": town_a, "city_b": city_b, "b": county_b,
            "town_b": town_b}


def make_user(session: Session, *, username: str, role: Role, regions: list[Region], **overrides) -> User:
    user = User(username=username, display_name=overrides.pop("display_name", username), role=role,
                password_hash=overrides.pop("password_hash", _HASH), **overrides)
    session.add(user)
    session.flush()
    for region in regions:
        session.add(UserRegion(user_id=user.id, region_id=region.id))
    session.commit()
    return user


def make_users(session: Session, city: dict[str, Region], **people: tuple) -> dict[str, User]:
    """Users by key, each (role, the key of their region in `city`[, username]; the key when none):
    make_users(session, city, leader=(Role.leader, "city"), cadre_a=(Role.cadre, "town_a"))."""
    return {key: make_user(session, username=rest[0] if rest else key, role=role, regions=[city[region]])
            for key, (role, region, *rest) in people.items()}


def make_case(session: Session, *, township: Region, county: Region, **overrides) -> WageCase:
    values = dict(case_no=f"T-{next(_serial):06d}", office_path=county.path,
                  source=CaseSource.walk_in, status=CaseStatus.investigating, received_on=date(2026, 10, 9),
                  accepted_on=date(2026, 10, 10), investigate_due=date(2027, 1, 8), industry="建筑业",
                  is_construction=True, workers=12, amount_claimed_cents=36_000_000, region_id=township.id,
                  path=township.path, office_region_id=county.id, summary="拖欠农民工工资")
    values.update(overrides)
    case = WageCase(**values)
    session.add(case)
    session.commit()
    return case


def make_station(session: Session, *, township: Region, **overrides) -> Station:
    values = dict(kind=StationKind.township_station, name=f"{township.name}人社所", region_id=township.id,
                  township_id=township.id, path=township.path)
    values.update(overrides)
    station = Station(**values)
    session.add(station)
    session.commit()
    return station


def make_work_log(session: Session, *, user: User, station: Station, log_date: date, **overrides) -> WorkLog:
    values = dict(user_id=user.id, station_id=station.id, path=station.path, log_date=log_date,
                  work_types=["业务经办"], done="窗口帮办", people_served=5,
                  created_at=datetime(log_date.year, log_date.month, log_date.day, 9, tzinfo=UTC))
    values.update(overrides)
    log = WorkLog(**values)
    session.add(log)
    session.commit()
    return log


def make_secondment(session: Session, *, user: User, station: Station, **overrides) -> Secondment:
    values = dict(user_id=user.id, station_id=station.id, path=station.path, starts_on=date(2026, 1, 5),
                  ends_on=date(2027, 1, 4))
    values.update(overrides)
    secondment = Secondment(**values)
    session.add(secondment)
    session.commit()
    return secondment


def make_employer(session: Session, *, name: str, **overrides):
    """An employer with a made-up (unique, well-formed) unified social credit code."""
    from data.models import Employer
    from data.rules.identifiers import uscc_check_char

    first17 = f"91369901MA{next(_serial):07d}"
    values = dict(uscc=first17 + uscc_check_char(first17), name=name, industry="construction",
                  is_construction=True, path="369900000000/")
    values.update(overrides)
    employer = Employer(**values)
    session.add(employer)
    session.commit()
    return employer


def make_grid_cell(session: Session, *, township: Region, number: int = 1, **overrides):
    """A grid cell (网格) of a township, covering its south-west quarter."""
    from data.models import GridCell

    lon, lat = township.centroid_lon - 0.05, township.centroid_lat - 0.05
    values = dict(code=f"{township.area_code}-G{number:02d}", name=f"{township.name}第{number}网格",
                  township_id=township.id, path=township.path, boundary=_square(lon, lat, 0.05),
                  centroid_lon=lon + 0.025, centroid_lat=lat + 0.025)
    values.update(overrides)
    cell = GridCell(**values)
    session.add(cell)
    session.commit()
    return cell


def make_templates(session: Session) -> dict[str, ChecklistTemplate]:
    """The two default checklist templates (data/checklists.py) as version 1, current."""
    return {kind: make_template(session, kind=kind) for kind in ("standardisation", "window_audit")}


def passing_answers(template_code: str, mode: str = "overt") -> dict:
    """Answers that meet every item of a default template (in `mode`)."""
    from data import checklists
    t = {"standardisation": checklists.STANDARDISATION, "window_audit": checklists.WINDOW_AUDIT}[template_code]
    answers = {}
    for item in t["items"]:
        modes = item["rule"].get("modes")
        if modes and mode not in modes:
            continue
        if item["answer_type"] == "pass_fail":
            answers[item["code"]] = {"value": "pass"}
        elif item["answer_type"] == "number":
            rule = item["rule"]
            answers[item["code"]] = {"value": rule.get("min_ok", rule.get("max_ok", 0))}
        else:
            answers[item["code"]] = {"value": item["rule"]["options"][0]["value"]}
    return answers


def make_template(session: Session, *, kind: str = "window_audit", version: int = 1, items: list[dict] | None = None,
                  **overrides) -> ChecklistTemplate:
    """A checklist template with its items, from the defaults in data/checklists.py
    (kind "window_audit" or "standardisation"); `items` replaces the default items."""
    default = {"window_audit": checklists.WINDOW_AUDIT, "standardisation": checklists.STANDARDISATION}[kind]
    values = dict(code=default["code"], kind=default["kind"], version=version, name=default["name"],
                  name_en=default["name_en"], is_current=True, settings=default["settings"])
    values.update(overrides)
    template = ChecklistTemplate(**values)
    session.add(template)
    session.flush()
    for n, item in enumerate(default["items"] if items is None else items):
        session.add(ChecklistItem(template_id=template.id, sort_order=n, **item))
    session.commit()
    return template


def default_answers(session: Session, template: ChecklistTemplate, *, mode: str = "overt", fail: tuple[str, ...] = (),
                    **values) -> dict:
    """Answers passing every item of `template` that `mode` can judge ("na" for the others),
    except the codes in `fail` (the worst answer of their type) and the `values` given
    (code=value, e.g. W14=25)."""
    answers = {}
    for item in session.exec(select(ChecklistItem).where(ChecklistItem.template_id == template.id)).all():
        rule = item.rule or {}
        if item.code in values:
            value = values[item.code]
        elif mode not in rule.get("modes", [mode]):
            value = "na"
        elif item.answer_type == "pass_fail":
            value = "fail" if item.code in fail else "pass"
        elif item.answer_type == "choice":
            options = sorted(rule["options"], key=lambda o: o["score"])
            value = (options[0] if item.code in fail else options[-1])["value"]
        else:
            low, high = rule.get("min_ok"), rule.get("max_ok")
            if item.code in fail:
                value = high + 1 if high is not None else low - 1
            else:
                value = high if high is not None else low
        answers[item.code] = {"value": value}
    return answers


def make_inspection(session: Session, *, station: Station, template: ChecklistTemplate, answers: dict | None = None,
                    inspected_on: date = date(2026, 10, 15), published: bool = True, **overrides) -> Inspection:
    """A submitted inspection of `station` on `template`, scored and graded by the rules;
    published (circulated) on the next day unless published=False. Window audits default to
    mode overt, station checks to announced; `answers` default to default_answers."""
    kind = overrides.pop("kind", InspectionKind.window_audit if template.kind == "window_audit"
                         else InspectionKind.station_check)
    mode = overrides.pop("mode", "overt" if kind == InspectionKind.window_audit else "announced")
    answers = default_answers(session, template, mode=mode) if answers is None else answers
    items = session.exec(select(ChecklistItem).where(ChecklistItem.template_id == template.id)).all()
    score = score_checklist(items, answers, (template.settings or {}).get("thresholds") or DEFAULT_THRESHOLDS)
    values = dict(kind=kind, mode=mode, station_id=station.id, path=station.path, template_id=template.id,
                  inspected_on=inspected_on, answers=answers, category_scores=score.category_scores,
                  score=score.total, grade=score.grade, vetoed=score.vetoed,
                  status=InspectionStatus.published if published else InspectionStatus.submitted,
                  published_at=datetime(inspected_on.year, inspected_on.month, inspected_on.day, 9,
                                        tzinfo=UTC) + timedelta(days=1) if published else None)
    values.update(overrides)
    inspection = Inspection(**values)
    session.add(inspection)
    session.commit()
    return inspection


def make_rectification(session: Session, *, inspection: Inspection, item_code: str, due_on: date = date(2026, 11, 5),
                       **overrides) -> Rectification:
    """A rectification (open) of a failed item of `inspection`, titled with the item's text."""
    item = session.exec(select(ChecklistItem).where(ChecklistItem.template_id == inspection.template_id,
                                                    ChecklistItem.code == item_code)).first()
    values = dict(source=RectificationSource.inspection, inspection_id=inspection.id, item_code=item_code,
                  station_id=inspection.station_id, path=inspection.path,
                  title=(item.text if item else item_code)[:200], responsible_person="王所长", due_on=due_on,
                  status=RectificationStatus.open)
    values.update(overrides)
    rectification = Rectification(**values)
    session.add(rectification)
    session.commit()
    return rectification


def make_service_items(session: Session) -> None:
    """The default walkthrough service items (data/checklists.py), active."""
    from data import checklists
    from data.models import ServiceItem
    for n, item in enumerate(checklists.SERVICE_ITEMS):
        session.add(ServiceItem(**item, sort_order=n, active=True))
    session.commit()


def make_field_world(session: Session) -> dict:
    """What the field app needs: a city, both templates, the service items, a station in each
    county, and users of every field role; cadre_a is seconded to station A, cadre_b to none."""
    city = make_city(session)
    templates = make_templates(session)
    make_service_items(session)
    station_a = make_station(session, township=city["town_a"])
    station_b = make_station(session, township=city["town_b"])
    users = make_users(session, city, cadre_a=(Role.cadre, "town_a"), cadre_b=(Role.cadre, "town_b"),
                       insp=(Role.inspector, "city"), insp2=(Role.inspector, "city"), insp_b=(Role.inspector, "b"),
                       leader=(Role.leader, "city"), officer=(Role.case_officer, "a"))
    make_secondment(session, user=users["cadre_a"], station=station_a)
    return {"city": city, "templates": templates, "a": station_a, "b": station_b, "users": users}
