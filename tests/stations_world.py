"""A small city of stations, checks and rectifications for the stations tests (queries, map
route, page), built from tests/factories.py plus inspections and rectifications added directly.

County A (东湖区) has two townships: 望江街道 with station A (the cadre's) and 临江镇 with
station A2; county B (西山县) has 青石镇 with station B and 白沙镇 with station C, never checked.
Station A's checks, oldest first: fail 55 (March), standard 85 (September, published), a
covert model 95 (October, NOT published), a draft 40 (November) and a window audit: so its
latest grade is model 95 for inspectors and city-wide leaders and standard 85 for the cadre.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from data import models as m
from tests.factories import make_city, make_region, make_secondment, make_station, make_user, make_work_log

CATEGORIES = ("appearance", "facilities", "conduct", "process", "rules", "staffing")


def categories(*values: float) -> dict:
    return dict(zip(CATEGORIES, values, strict=True))


def add_inspection(session, station, *, on: date, score: float | None, grade: str | None,
                   kind: m.InspectionKind = m.InspectionKind.station_check,
                   mode: m.InspectionMode = m.InspectionMode.announced,
                   status: m.InspectionStatus = m.InspectionStatus.published, published: bool = True,
                   category_scores: dict | None = None, template_id: int = 1) -> m.Inspection:
    inspection = m.Inspection(kind=kind, mode=mode, status=status, station_id=station.id, path=station.path,
                            template_id=template_id, inspected_on=on, score=score, grade=grade,
                            category_scores=category_scores or {},
                            published_at=datetime(on.year, on.month, on.day, 9, tzinfo=UTC) if published else None)
    session.add(inspection)
    session.commit()
    return inspection


def add_rectification(session, station, *, inspection: m.Inspection | None, due_on: date,
                      status: m.RectificationStatus = m.RectificationStatus.open,
                      title: str = "整改事项") -> m.Rectification:
    rectification = m.Rectification(
        source=m.RectificationSource.inspection if inspection else m.RectificationSource.walkthrough,
        inspection_id=inspection.id if inspection else None, station_id=station.id, path=station.path, title=title,
        due_on=due_on, status=status, responsible_person="郑芳")
    session.add(rectification)
    session.commit()
    return rectification


def station_world(session, *, station_a_name: str | None = None) -> dict:
    city = make_city(session)
    town_a2 = make_region(session, code="369901101000", name="临江镇", level=m.RegionLevel.township, parent=city["a"],
                          lon=116.1, kind="town")
    town_c = make_region(session, code="369902101000", name="白沙镇", level=m.RegionLevel.township, parent=city["b"],
                         lon=116.3, kind="town")
    village = make_region(session, code="369901001201", name="柳溪村", level=m.RegionLevel.village,
                          parent=city["town_a"], size=0.01, lon=116.03, lat=28.53)
    template = m.ChecklistTemplate(code="standardisation", kind=m.TemplateKind.standardisation, version=1,
                                 name="标准化检查表")
    session.add(template)
    session.commit()
    a = make_station(session, township=city["town_a"], name=station_a_name or "望江街道人社所", lon=116.05, lat=28.55)
    a2 = make_station(session, township=town_a2, lon=116.15, lat=28.55)
    b = make_station(session, township=city["town_b"], lon=116.25, lat=28.55)
    c = make_station(session, township=town_c, lon=116.35, lat=28.55)
    point = make_station(session, township=city["town_a"], kind=m.StationKind.village_point, name="柳溪村便民服务站",
                         region_id=village.id, path=village.path, lon=116.035, lat=28.535)
    t = template.id
    a_fail = add_inspection(session, a, on=date(2026, 3, 10), score=55, grade="fail", template_id=t,
                            category_scores=categories(40, 50, 60, 60, 50, 70))
    a_standard = add_inspection(session, a, on=date(2026, 9, 1), score=85, grade="standard", template_id=t,
                                category_scores=categories(80, 84, 90, 86, 80, 90))
    a_covert = add_inspection(session, a, on=date(2026, 10, 15), score=95, grade="model", template_id=t,
                              mode=m.InspectionMode.covert, status=m.InspectionStatus.submitted, published=False,
                              category_scores=categories(100, 92, 95, 96, 90, 100))
    add_inspection(session, a, on=date(2026, 11, 1), score=40, grade="fail", template_id=t,
                   status=m.InspectionStatus.draft, published=False, category_scores=categories(*[40] * 6))
    add_inspection(session, a, on=date(2026, 10, 20), score=50, grade="fail", template_id=t,
                   kind=m.InspectionKind.window_audit, mode=m.InspectionMode.overt)
    add_inspection(session, a2, on=date(2026, 5, 20), score=70, grade="rectify", template_id=t,
                   category_scores=categories(60, 70, 80, 70, 60, 80))
    # two checks on the same day: the one entered last counts
    add_inspection(session, b, on=date(2026, 8, 3), score=75, grade="rectify", template_id=t,
                   category_scores=categories(*[75] * 6))
    b_model = add_inspection(session, b, on=date(2026, 8, 3), score=92, grade="model", template_id=t,
                             category_scores=categories(90, 90, 95, 90, 90, 100))
    # last year's checks, for the trend
    add_inspection(session, b, on=date(2025, 9, 10), score=81, grade="standard", template_id=t,
                   category_scores=categories(*[81] * 6))
    today = date(2026, 11, 20)
    add_rectification(session, a, inspection=a_covert, due_on=date(2026, 11, 5), title="暗访：未落实一次性告知")
    add_rectification(session, a, inspection=a_covert, due_on=date(2026, 12, 5), title="暗访：窗口人员脱岗")
    add_rectification(session, a, inspection=a_standard, due_on=date(2026, 9, 22), title="公示栏未更新")
    add_rectification(session, a, inspection=a_standard, due_on=date(2026, 9, 22),
                      status=m.RectificationStatus.reported, title="值班表未公开")
    add_rectification(session, a, inspection=a_fail, due_on=date(2026, 4, 1), status=m.RectificationStatus.closed,
                      title="门头标牌缺失")
    add_rectification(session, a, inspection=None, due_on=date(2026, 12, 31), title="走流程：导办指引不清")
    add_rectification(session, b, inspection=b_model, due_on=date(2026, 8, 24), title="自助终端故障")
    session.add_all([
        m.StationStaff(station_id=a.id, path=a.path, name="郑芳", post="所长", phone="13912348000"),
        m.StationStaff(station_id=a.id, path=a.path, name="谢斌", post="经办员", phone="17900003992",
                     is_backup_post=True),
        m.StationStaff(station_id=a.id, path=a.path, name="离职者", post="经办员", phone="13000000000", active=False),
    ])
    a.equipment = {"pc": 3, "self_service_terminal": True}
    session.add(a)
    session.commit()
    users = {name: make_user(session, username=name, role=role, regions=[city[region]] if region in city else [region])
             for name, role, region in (("leader", m.Role.leader, "city"), ("inspector", m.Role.inspector, "city"),
                                        ("admin_a", m.Role.admin, "a"), ("officer", m.Role.case_officer, "a"),
                                        ("wall", m.Role.wall, "city"))}
    users["cadre"] = make_user(session, username="cadre", role=m.Role.cadre, regions=[city["town_a"]],
                               display_name="马博", phone="16012346436")
    make_secondment(session, user=users["cadre"], station=a, home_unit="市人社局就业科")
    former = make_user(session, username="former", role=m.Role.cadre, regions=[city["town_a"]], display_name="前任")
    make_secondment(session, user=former, station=a, starts_on=date(2025, 1, 6), ends_on=date(2026, 1, 5))
    for day in (date(2026, 11, 18), date(2026, 11, 19)):
        make_work_log(session, user=users["cadre"], station=a, log_date=day, work_types=["policy_outreach"],
                      done=f"{day} 开展政策宣传")
    return {**city, "town_a2": town_a2, "town_c": town_c, "village": village, "a_station": a, "a2_station": a2,
            "b_station": b, "c_station": c, "point": point, "a_covert": a_covert, "users": users, "today": today}
