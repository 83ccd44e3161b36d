"""The demo city 示范市: a deterministic synthetic prefecture for the embedded default and for
benchmarks. It is fictional: province 36 with prefecture code 99, which no real city has.

`generate(engine, DemoConfig(today=…))` fills an empty, migrated database. At scale 1 it makes:
- geography: the city, 7 counties/districts (3 small urban districts round the centre), 199
  townships/streets whose boundaries tile the city exactly, 3–8 grid cells each (网格), and
  about 4,900 villages/communities (points only);
- a station per township with 561 staff, and service points for most villages/communities;
- users: the six demo accounts (DEMO_ACCOUNTS, password DEMO_PASSWORD), case officers per
  county and two at the city, inspectors, leaders and 163 seconded cadres (挂职第一副所长) with
  their secondments; no other account has a usable password;
- about 1,500 employers with valid unified social credit codes, 600 projects, and wage cases
  over `years` years: about 2,400 in the first year, falling 12–18 % a year, peaking before
  each Spring Festival, with deadlines in working days, transfers, bounces, referrals,
  supervision orders and a timeline of events;
- the two default checklists; station checks twice a year whose scores improve over time and
  window audits (recent covert ones still unpublished); rectifications from failed items;
- walkthroughs (走流程) every month with issues, needs and fixes (the last complete month has
  16 / 17 / 13 with 7 fixes done, as in the source report); cadres' daily work logs with
  realistic gaps and a few leaders' comments; default settings and service items.

With `cities` ≥ 2 it makes a province instead (issue 14): 示范省 (360000000000) on top and that
many cities under it, 示范市 first, as above and from the same seed (only its paths, its rating
numbers and the demo accounts' homes differ), then fictional neighbours (CITIES) round it, each
made as the single city is, from a seed of its own. The demo accounts, the checklists, the
service items and the settings exist once; leader, admin, inspector and wall see the whole
province.

Everything derives from `seed` (one random.Random per part, so scaling cases leaves the map
alone) and from `today`: the clock is never read, so one config always gives the same rows
(only the six password hashes differ, being salted). Rows go in by bulk inserts in one
transaction, through the database's own id sequences.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

import sqlalchemy as sa
from shapely.geometry import Point
from shapely.ops import unary_union

from data import checklists, clock, rollup
from data.db import is_empty
from data.geo.synth import geojson, label_point, random_points, synth_city
from data.models import (
    AuditEvent,
    CaseDecision,
    CaseEvent,
    CaseReferral,
    CaseSource,
    CaseStatus,
    CaseTransfer,
    ChecklistItem,
    ChecklistTemplate,
    Employer,
    FindingStatus,
    GridCell,
    Inspection,
    InspectionKind,
    InspectionMode,
    InspectionStatus,
    Project,
    Rectification,
    RectificationStatus,
    Region,
    RegionLevel,
    Role,
    Secondment,
    ServiceItem,
    ServiceRating,
    Setting,
    Station,
    StationKind,
    StationStaff,
    SupervisionOrder,
    SupervisionStatus,
    TransferStatus,
    User,
    UserRegion,
    WageCase,
    Walkthrough,
    WalkthroughFinding,
    WorkLog,
    WorkLogComment,
)
from data.queries.regions import abbreviation
from data.rules.calendar import DEFAULT_CALENDAR, Deadline, WorkCalendar, add_working_days
from data.rules.identifiers import USCC_CHARSET, id_check_char, org_code_check_char, uscc_check_char
from data.rules.risk import SPRING_FESTIVAL
from data.rules.scoring import score_checklist
from data.security import UNUSABLE, hash_password

DEMO_PASSWORD = "hrss-demo"
# username → role. Home regions: the city (the province when there is one), except officer (one
# county) and cadre (one township, seconded to its station), both in the first city.
DEMO_ACCOUNTS: dict[str, Role] = {
    "admin": Role.admin,
    "leader": Role.leader,
    "officer": Role.case_officer,
    "inspector": Role.inspector,
    "cadre": Role.cadre,
    "wall": Role.wall,
}

CITY_CODE = "369900000000"
CITY_NAME = "示范市"
CENTRE = (116.0, 28.65)
PROVINCE_CODE = "360000000000"
PROVINCE_NAME = "示范省"


@dataclass(frozen=True)
class CitySpec:
    """One city of the demo: its code and names, the prefix of its generated usernames (none for
    the first city, whose accounts keep their names), the centre of its synthetic shape and its
    abbreviation in case numbers (简称; none: its name's first character)."""

    code: str
    name: str
    name_en: str
    slug: str
    centre: tuple[float, float]
    short_name: str | None = None


# the first city's neighbours in a province: fictional, each name with a first character of its
# own, which with no 简称 set is the city's abbreviation in its case numbers (示人社监〔2026〕0001号):
# a province's cities must read apart (tests/test_demo.py)
NEIGHBOURS = (("东湖市", "Donghu"), ("青岚市", "Qinglan"), ("云溪市", "Yunxi"), ("桐川市", "Tongchuan"),
              ("枫林市", "Fenglin"), ("鹤鸣市", "Heming"), ("柳源市", "Liuyuan"), ("松屿市", "Songyu"),
              ("白鹭市", "Bailu"), ("金澜市", "Jinlan"), ("霞岭市", "Xialing"), ("梅溪市", "Meixi"),
              ("翠微市", "Cuiwei"), ("兰汀市", "Lanting"), ("竹湾市", "Zhuwan"), ("龙渚市", "Longzhu"),
              ("星桥市", "Xingqiao"), ("雁湖市", "Yanhu"), ("鸿川市", "Hongchuan"))


def _cities() -> tuple[CitySpec, ...]:
    """示范市 where it always was, then its neighbours on a grid round it, nearest first: 1.2° of
    longitude and 1° of latitude apart (about 115 × 110 km, for cities 60 × 50 km across), with
    prefecture codes 98, 97, … of the same province."""
    spots = sorted(((dx, dy) for dx in range(-2, 3) for dy in range(-2, 3) if (dx, dy) != (0, 0)),
                   key=lambda s: (s[0] ** 2 + s[1] ** 2, math.atan2(s[1], s[0])))
    neighbours = [CitySpec(f"36{98 - n}00000000", name, f"{name_en} City", name_en.lower(),
                           (round(CENTRE[0] + 1.2 * dx, 2), round(CENTRE[1] + dy, 2)))
                  for n, ((name, name_en), (dx, dy)) in enumerate(zip(NEIGHBOURS, spots, strict=False))]
    return (CitySpec(CITY_CODE, CITY_NAME, "Demo City", "", CENTRE), *neighbours)


CITIES = _cities()

INDUSTRIES = {  # code: (name, name_en, share of cases in %)
    "construction": ("建筑业", "Construction", 55),
    "manufacturing": ("制造业", "Manufacturing", 15),
    "catering": ("餐饮业", "Catering", 8),
    "wholesale_retail": ("批发零售业", "Wholesale and retail", 7),
    "transport": ("交通运输业", "Transport", 5),
    "resident_services": ("居民服务业", "Resident services", 5),
    "other": ("其他行业", "Other", 5),
}

WORK_TYPES = checklists.WORK_TYPES

REFERRAL_AGENCIES = {
    "police": ("公安机关", "Police"),
    "housing_construction": ("住建部门", "Housing and construction"),
    "arbitration": ("劳动人事争议仲裁院", "Labour dispute arbitration"),
    "procuratorate": ("人民检察院", "Procuratorate"),
}

# Spring Festival (春节) dates: the arrears peak sits in the two months before each.
LUNAR_NEW_YEAR = sorted(SPRING_FESTIVAL.values())

class DatabaseNotEmpty(RuntimeError):
    """The demo city only goes into an empty database, never on top of real data."""


STALE_REASON = "超过两年追诉时效"  # a refusal the case's own dates must bear out (data.rules.limitation)


@dataclass(frozen=True, kw_only=True)
class DemoConfig:
    """What to generate. The scales multiply: case_scale the wage cases (and employers and
    projects), station_scale the townships and so stations, villages, cadres and staff (more
    counties beyond ~420 townships), inspection_scale the station checks and window audits.
    Each of `cities` gets them all: 1 is the city alone, more a province of that many (at most
    len(CITIES))."""

    seed: int = 20240601
    today: date
    years: int = 3
    case_scale: float = 1.0
    station_scale: float = 1.0
    inspection_scale: float = 1.0
    cities: int = 1


def generate(engine: sa.Engine, config: DemoConfig,
             progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Fill an empty, migrated database with the demo city (a province of `config.cities`
    cities); return rows written per table.

    Raises DatabaseNotEmpty when the region table has rows, ValueError for a bad config.
    """
    scales = (config.case_scale, config.station_scale, config.inspection_scale)
    if config.years < 1 or min(scales) <= 0:
        raise ValueError("years must be at least 1 and every scale positive")
    if not 1 <= config.cities <= len(CITIES):
        raise ValueError(f"cities must be from 1 to {len(CITIES)}")
    if not is_empty(engine):
        raise DatabaseNotEmpty(
            "The database already has regions: the demo city is only generated into an empty "
            "database. Use a new database (or DATABASE_URL) for the demo."
        )
    with engine.begin() as conn:
        loader = _Loader(conn)
        _build(loader, config, progress or (lambda _step: None))
        return loader.counts


def _build(loader: _Loader, config: DemoConfig, progress: Callable[[str], None]) -> None:
    """The cities one after another (the first also writes the rows a database holds once), then
    what spans them: the settings, the province's outline, the rollup and the audit event."""
    specs = CITIES[:config.cities]
    province = _Province(loader, config) if len(specs) > 1 else None
    cities: list[_DemoCity] = []
    for n, spec in enumerate(specs):
        said = progress if province is None else (
            lambda step, n=n, spec=spec: progress(f"城市 {n + 1}/{len(specs)} {spec.name}: {step}"))
        city = _DemoCity(loader, config, said, spec, province=province, first=cities[0] if cities else None)
        city.build()
        cities.append(city)
    progress("settings")
    cities[0].make_settings()
    if province is not None:
        province.outline(cities)
    rollup.rebuild(loader.conn)  # the cases went in by core inserts (or COPY): sum them once
    details = {"seed": config.seed, "today": config.today.isoformat(), "years": config.years,
               "case_scale": config.case_scale, "station_scale": config.station_scale,
               "inspection_scale": config.inspection_scale}
    if province is not None:
        details["cities"] = len(specs)
    loader.insert(AuditEvent, [{
        "at": _at(config.today, 0), "actor_id": None, "actor_name": "demo",
        "action": "demo.generate", "target_kind": "database", "target_id": None, "ip": None,
        "details": {**details, "counts": dict(loader.counts)},
    }])


# --- small pure helpers -------------------------------------------------------------------

def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment on `day` on the bureau's clock (Beijing time by default), as the UTC-aware
    datetime the tables store."""
    return (clock.start_of(day) + timedelta(hours=hour, minutes=minute)).astimezone(UTC)


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), at least 1 each."""
    rest = total - len(weights)
    raw = [rest * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_remainder[: rest - sum(counts)]:
        counts[i] += 1
    return [c + 1 for c in counts]


def _inner(shape):
    """The shape less a 3 m margin: a point drawn there stays inside after rounding to the
    5 stored decimals."""
    inner = shape.buffer(-3e-5)
    return inner if not inner.is_empty else shape


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _labelled(table: dict[str, tuple]) -> list[dict]:
    return [{"code": k, "name": v[0], "name_en": v[1]} for k, v in table.items()]


# --- names --------------------------------------------------------------------------------

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于"
            "蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹"
            "薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚辉玲斌波宇浩凯健俊帆鹏华红梅琳晨欣婷雪"
         "慧建国志文海峰春燕龙飞琴云亮林斌鑫宁鸿佳颖思怡子轩梓涵雨萱博文嘉豪诗琪俊杰")
PLACE_A = ("青石柳望东西南北金银白黄龙凤桃梅兰竹松枫云霞明安宁平丰富永长新太和清溪湖江山岭"
           "峰塘坪田桥港湾洲坊源泉阳林")
PLACE_B = "湖江溪河山岭峰源泉塘桥田坪冈口湾洲阳丰安宁林园坊埠渡圩铺店集坝滩"
VILLAGE_SUFFIX = "家庄湾坊岭塘坑桥垅畈岗山溪园铺"
COMMUNITY_NAMES = ["幸福", "和平", "建设", "新华", "锦绣", "阳光", "滨江", "文昌", "育才", "花园",
                   "光明", "胜利", "解放", "人民", "朝阳", "东风", "兴华", "长春", "龙潭", "翠湖",
                   "金桥", "凤凰", "桂花", "前进", "团结", "红星", "振兴", "嘉园", "书院", "学府"]
ROADS = ["人民路", "解放路", "建设路", "中山路", "新华街", "文化路", "胜利路", "幸福大道", "滨江路",
         "府前街", "迎宾大道", "学府路", "工业大道", "青年路"]
HOME_UNITS = ["市人社局办公室", "市人社局就业科", "市人社局社会保险科", "市人社局劳动关系科",
              "市劳动保障监察支队", "市就业创业服务中心", "市社会保险事业管理局", "市人事考试院",
              "市职业技能鉴定中心", "市劳动人事争议仲裁院", "市人社局信息中心", "市人社局人才开发科"]
BRANDS_A = "宏鑫华恒金天永盛瑞嘉隆泰德祥兴达丰源通安福昌富"
BRANDS_B = "达源盛通鼎辉泰隆祥丰利信发成业顺和昌安康博"
INDUSTRY_WORDS = {
    "construction": ["建筑工程", "建设工程", "路桥工程", "建筑劳务", "装饰工程", "市政工程"],
    "manufacturing": ["机械制造", "电子科技", "纺织", "食品", "塑胶制品", "新材料"],
    "catering": ["餐饮管理", "酒店管理", "饮食服务"],
    "wholesale_retail": ["商贸", "超市", "贸易"],
    "transport": ["物流", "运输", "货运"],
    "resident_services": ["物业服务", "家政服务", "保洁服务"],
    "other": ["农业开发", "教育咨询", "文化传媒", "信息技术"],
}
PROJECT_KINDS = ["安置小区{n}期工程", "中心小学改扩建工程", "农贸市场改造工程", "{road}道路改造工程",
                 "污水管网建设项目", "标准厂房建设项目", "卫生院综合楼工程", "商住小区{n}标段",
                 "乡村振兴示范点建设项目", "物流园仓储中心工程", "保障性住房{n}号楼工程", "体育公园建设项目"]


COPY_FROM = 1000  # on PostgreSQL, tables of this many rows and more load with COPY (issue 14: a province)


class _Names:
    """Chinese personal and place names from syllable lists; place names are unique within
    the scope they are asked for."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._surname_weights = [1 / (i + 8) for i in range(len(SURNAMES))]
        self._used: dict[str, set[str]] = defaultdict(set)

    def surname(self) -> str:
        return self.rng.choices(SURNAMES, self._surname_weights)[0]

    def person(self) -> str:
        given = self.rng.choice(GIVEN) + (self.rng.choice(GIVEN) if self.rng.random() < 0.6 else "")
        return self.surname() + given

    def phone(self) -> str:
        second = self.rng.choice("3456789")
        return "1" + second + "".join(self.rng.choice("0123456789") for _ in range(9))

    def unique(self, scope: str, make: Callable[[int], str]) -> str:
        """A name from make(attempt) not yet used in `scope`; makers widen their pool as the
        attempts grow, which only the benchmark-sized cities need."""
        used = self._used[scope]
        for attempt in range(2000):
            name = make(attempt)
            if name not in used:
                used.add(name)
                return name
        raise RuntimeError(f"ran out of names in {scope}")

    def place(self, scope: str, suffix: str) -> str:
        rng = self.rng
        return self.unique(scope, lambda _: rng.choice(PLACE_A) + rng.choice(PLACE_B) + suffix)

    def village(self, scope: str, community: bool) -> str:
        rng = self.rng
        if community:
            return self.unique(scope, lambda _: rng.choice(
                COMMUNITY_NAMES + [rng.choice(PLACE_A) + rng.choice(PLACE_B)]) + "社区")
        return self.unique(scope, lambda _: (
            self.surname() + rng.choice(VILLAGE_SUFFIX) if rng.random() < 0.6
            else rng.choice(PLACE_A) + rng.choice(PLACE_B)) + "村")


# --- the generator ------------------------------------------------------------------------


class _Loader:
    """Bulk inserts into the demo's one transaction, counting the rows per table."""

    def __init__(self, conn: sa.Connection):
        self.conn = conn
        self.counts: dict[str, int] = {}

    def insert(self, model: Any, rows: list[dict], ids: bool = False,
               sql_null: Sequence[str] = ()) -> list[int]:
        """Bulk-insert rows; with ids=True return their ids in row order. Columns in
        `sql_null` are set to SQL NULL (a JSON column would store None as JSON 'null').

        Ids are read back rather than taken from RETURNING: SQLite keeps RETURNING in
        parameter order only by inserting one row at a time. This transaction is the only
        writer and the tables started empty, so the new ids are those above the previous
        maximum, ascending in insertion order."""
        table = model.__table__
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        if not rows:
            return []
        before = self.conn.execute(sa.select(sa.func.max(table.c.id))).scalar() if ids else None
        if self.conn.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
            self._copy(table, rows, sql_null)
        else:
            stmt = sa.insert(table).values({name: sa.null() for name in sql_null})
            for i in range(0, len(rows), 20000):
                self.conn.execute(stmt, rows[i:i + 20000])
        if not ids:
            return []
        new = self.conn.scalars(
            sa.select(table.c.id).where(table.c.id > (before or 0)).order_by(table.c.id)).all()
        if len(new) != len(rows):
            raise RuntimeError(f"{table.name}: another writer inserted rows during the demo load")
        return list(new)

    def _copy(self, table: sa.Table, rows: list[dict], sql_null: Sequence[str]) -> None:
        """PostgreSQL's bulk load (COPY … FROM STDIN) of what the INSERT would store: the rows'
        columns, the columns' Python-side defaults for the others (as the INSERT applies them),
        JSON as its text, an enum as its value."""
        given = [name for name in rows[0] if name not in sql_null]
        defaults = {c.name: c.default for c in table.c
                    if c.name not in given and c.name not in sql_null and c.default is not None and not c.primary_key}
        columns = given + list(defaults) + list(sql_null)
        json_columns = {c.name for c in table.c if isinstance(c.type, sa.JSON)}

        def value(name: str, raw):
            if raw is None:
                return None
            if name in json_columns:
                return json.dumps(raw)  # as the INSERT stores it (SQLAlchemy's default serializer)
            return raw.value if isinstance(raw, Enum) else raw
        fixed = [None if d.is_callable else d.arg for d in defaults.values()]
        makers = [d.arg if d.is_callable else None for d in defaults.values()]
        names = ", ".join(f'"{c}"' for c in columns)
        cursor = self.conn.connection.driver_connection.cursor()
        with cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                extra = [value(name, make(None) if make else fix)
                         for name, make, fix in zip(defaults, makers, fixed, strict=True)]
                copy.write_row([value(n, row.get(n)) for n in given] + extra + [None] * len(sql_null))


class _Province:
    """The province over the cities: its row first (the cities hang from it), its outline and
    population once they are made."""

    def __init__(self, loader: _Loader, config: DemoConfig):
        self.loader = loader
        self.path = f"{PROVINCE_CODE}/"
        valid_from = date(_years_before(config.today, config.years).year, 1, 1)
        [self.id] = loader.insert(Region, [{
            "area_code": PROVINCE_CODE, "name": PROVINCE_NAME, "name_en": "Demo Province",
            "level": RegionLevel.province, "kind": "province", "parent_id": None, "path": self.path,
            "valid_from": valid_from, "valid_to": None, "centroid_lon": None, "centroid_lat": None,
            "population": None}], ids=True, sql_null=["boundary"])

    def outline(self, cities: list[_DemoCity]) -> None:
        whole = unary_union([c.outline for c in cities])
        lon, lat = label_point(whole)
        table = Region.__table__
        self.loader.conn.execute(sa.update(table).where(table.c.id == self.id).values(
            boundary=geojson(whole), centroid_lon=round(lon, 5), centroid_lat=round(lat, 5),
            population=sum(c.population for c in cities)))


class _DemoCity:
    """One city: its map, stations, people, employers, cases, checks, ratings, walks and logs.
    The first also writes the rows a database holds once (the demo accounts, the checklists, the
    service items); the others take those, and the calendar, from it."""

    def __init__(self, loader: _Loader, config: DemoConfig, progress: Callable[[str], None],
                 spec: CitySpec = CITIES[0], *, province: _Province | None = None,
                 first: _DemoCity | None = None):
        self.conn = loader.conn
        self.insert = loader.insert
        self.cfg = config
        self.progress = progress
        self.spec = spec
        self.province = province
        self.first = first  # None: this is the first city
        self.path = f"{province.path if province else ''}{spec.code}/"
        # the first city from the config's seed itself, so it is the same in a province
        self.seed = config.seed if first is None else f"{config.seed}:{spec.code}"
        self.today = config.today
        self.start = _years_before(config.today, config.years)
        self.created = _at(self.start, 9)  # when the demo's configuration rows "were made"
        if first is not None:
            self.calendar, self.workdays, self._deadlines = first.calendar, first.workdays, first._deadlines
            return
        # The official calendar, answered from a table for the generated span: the package
        # re-validates its whole range on every call, far too slow for a few hundred thousand
        # dates. Same days, same known years, so deadlines (and their provisional flag) are
        # exactly what DEFAULT_CALENDAR gives.
        earliest = self.start - timedelta(days=800)
        span = [earliest + timedelta(days=i) for i in range((self.today - earliest).days + 800)]
        official = {d: DEFAULT_CALENDAR.is_working_day(d) for d in span}
        self.calendar = WorkCalendar(overrides=official)
        self.workdays = [d for d in span if self.calendar.overrides[d]]
        self._deadlines: dict[tuple[date, int], Deadline] = {}

    # plumbing

    def office_path(self, region_id: int) -> str:
        """The path of the office holding a case: the city's or a county's."""
        if region_id == self.city_id:
            return self.path
        return next(c["path"] for c in self.counties if c["id"] == region_id)

    def rng(self, part: str) -> random.Random:
        return random.Random(f"{self.seed}:{part}")

    @staticmethod
    def new_uuid(rng: random.Random) -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    def deadline(self, start: date, days: int) -> Deadline:
        # cases and rectifications share a few thousand start dates
        key = (start, days)
        if key not in self._deadlines:
            self._deadlines[key] = add_working_days(start, days, self.calendar)
        return self._deadlines[key]

    def after(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n=0: the day itself) from a precomputed list,
        for sampled durations; statutory deadlines use add_working_days itself."""
        if n <= 0:
            return day
        return self.workdays[bisect.bisect_right(self.workdays, day) + n - 1]

    def workdays_in(self, first: date, last: date) -> list[date]:
        lo = bisect.bisect_left(self.workdays, first)
        hi = bisect.bisect_right(self.workdays, last)
        return self.workdays[lo:hi]

    def build(self) -> None:
        steps = [
            ("geography", self.make_geography), ("stations", self.make_stations),
            ("people", self.make_people), ("employers", self.make_employers),
            ("cases", self.make_cases), ("inspections", self.make_inspections), ("ratings", self.make_ratings),
            ("walkthroughs", self.make_walkthroughs), ("work logs", self.make_work_logs),
        ]
        for name, step in steps:
            self.progress(name)
            step()

    # geography ------------------------------------------------------------------------

    def make_geography(self) -> None:
        rng = self.rng("geo")
        names = _Names(rng)
        n_townships = max(7, round(199 * self.cfg.station_scale))
        n_counties = min(30, max(7, math.ceil(n_townships / 60)))
        if n_townships > n_counties * 399:
            raise ValueError("station_scale too large: a county holds at most 399 townships")
        n_urban = round(n_counties * 3 / 7)
        urban = [i < n_urban for i in range(n_counties)]
        # a district has ~10 streets, a county ~42 towns and townships (199 in all at scale 1)
        weights = [(10.3 if u else 42.0) * rng.uniform(0.9, 1.1) for u in urban]
        counts = _apportion(n_townships, weights)
        shapes = synth_city(rng, counts, urban, centre=self.spec.centre)
        valid_from = date(self.start.year, 1, 1)

        def region(code, name, level, kind, parent, path, shape=None, point=None,
                   population=None, name_en=None, short_name=None):
            lon, lat = point or label_point(shape)
            row = {"area_code": code, "name": name, "name_en": name_en, "short_name": short_name, "level": level,
                   "kind": kind, "parent_id": parent, "path": path, "valid_from": valid_from,
                   "valid_to": None, "centroid_lon": round(lon, 5), "centroid_lat": round(lat, 5),
                   "population": population}
            if shape is not None:
                row["boundary"] = geojson(shape)
            return row

        # townships first in memory: populations roll up to counties and the city
        self.counties: list[dict] = []
        self.townships: list[dict] = []
        urban_no = rural_no = 0
        for shape, n in zip(shapes.counties, counts, strict=True):
            if shape.urban:
                urban_no += 1
                code = f"{self.spec.code[:4]}{urban_no + 1:02d}000000"
                name = names.place("county", "区")
            else:
                rural_no += 1
                code = f"{self.spec.code[:4]}{rural_no + 20:02d}000000"
                name = names.place("county", "县")
            county = {"code": code, "name": name, "urban": shape.urban, "shape": shape.shape,
                      "path": f"{self.path}{code}/", "townships": [], "index": len(self.counties)}
            self.counties.append(county)
            # streets nearest the centre (the city's for a district, the county seat's for a
            # county), then towns, then the remote townships (乡)
            ref = self.spec.centre if shape.urban else label_point(shape.shape)
            cells = sorted(shape.townships, key=lambda t: (label_point(t.shape)[0] - ref[0]) ** 2
                           + (label_point(t.shape)[1] - ref[1]) ** 2)
            if shape.urban:
                n_town = round(n * 0.15)
                kinds = {"street": n - n_town, "town": n_town, "township": 0}
            else:
                n_street = max(1, round(n * 0.07))
                n_town = round((n - n_street) * 0.55)
                kinds = {"street": n_street, "town": n_town, "township": n - n_street - n_town}
            # code blocks: street 001–099, town 100–199, township 200–399
            overflow = max(0, kinds["street"] - 99)
            kinds["street"] -= overflow
            kinds["town"] += overflow
            overflow = max(0, kinds["town"] - 100)
            kinds["town"] -= overflow
            kinds["township"] += overflow
            sequence = ([("street", 1 + i) for i in range(kinds["street"])]
                        + [("town", 100 + i) for i in range(kinds["town"])]
                        + [("township", 200 + i) for i in range(kinds["township"])])
            for (kind, number), cell in zip(sequence, cells, strict=True):
                t_code = code[:6] + f"{number:03d}000"
                suffix = {"street": "街道", "town": "镇", "township": "乡"}[kind]
                population = int({"street": rng.uniform(30e3, 90e3),
                                  "town": rng.uniform(20e3, 60e3),
                                  "township": rng.uniform(8e3, 25e3)}[kind])
                township = {"code": t_code, "name": names.place("township", suffix), "kind": kind,
                            "county": county, "shape": cell.shape, "inner": _inner(cell.shape),
                            "grid_shapes": cell.grids, "path": f"{county['path']}{t_code}/",
                            "population": population, "point": label_point(cell.shape)}
                county["townships"].append(township)
                self.townships.append(township)

        self.population = sum(t["population"] for t in self.townships)
        self.outline = shapes.outline
        spec = self.spec
        [self.city_id] = self.insert(Region, [
            region(spec.code, spec.name, RegionLevel.city, None, self.province.id if self.province else None,
                   self.path, shapes.outline, population=self.population, name_en=spec.name_en,
                   short_name=spec.short_name)], ids=True)
        county_ids = self.insert(Region, [
            region(c["code"], c["name"], RegionLevel.county, "district" if c["urban"] else "county",
                   self.city_id, c["path"], c["shape"],
                   population=sum(t["population"] for t in c["townships"]))
            for c in self.counties], ids=True)
        for c, cid in zip(self.counties, county_ids, strict=True):
            c["id"] = cid
        township_ids = self.insert(Region, [
            region(t["code"], t["name"], RegionLevel.township, t["kind"], t["county"]["id"],
                   t["path"], t["shape"], population=t["population"])
            for t in self.townships], ids=True)
        for t, tid in zip(self.townships, township_ids, strict=True):
            t["id"] = tid

        # villages and communities: points only, about 25 per township
        village_rows = []
        self.villages: list[dict] = []
        for t in self.townships:
            n, n_comm = {"street": (rng.randint(6, 16), None),
                         "town": (rng.randint(20, 40), rng.randint(1, 3)),
                         "township": (rng.randint(17, 34), rng.randint(0, 1))}[t["kind"]]
            if n_comm is None:
                n_comm = round(n * rng.uniform(0.7, 0.9))
            points = random_points(rng, t["inner"], n)
            t["villages"] = []
            for i, point in enumerate(points):
                community = i < n_comm
                # code blocks: community 001–199, village 200–399
                number = (1 + i) if community else (200 + i - n_comm)
                v_code = t["code"][:9] + f"{number:03d}"
                v = {"code": v_code, "name": names.village(t["code"], community), "township": t,
                     "kind": "community" if community else "village",
                     "path": f"{t['path']}{v_code}/", "point": point,
                     "population": int(t["population"] / n * rng.uniform(0.6, 1.4))}
                t["villages"].append(v)
                self.villages.append(v)
                village_rows.append(region(v_code, v["name"], RegionLevel.village, v["kind"],
                                           t["id"], v["path"], point=point,
                                           population=v["population"]))
        village_ids = self.insert(Region, village_rows, ids=True, sql_null=["boundary"])
        for v, vid in zip(self.villages, village_ids, strict=True):
            v["id"] = vid

        grid_rows = []
        self.grids: list[dict] = []
        for t in self.townships:
            t["grids"] = []
            for n, shape in enumerate(t.pop("grid_shapes"), start=1):
                lon, lat = label_point(shape)
                g = {"township": t, "shape": shape, "inner": _inner(shape)}
                grid_rows.append({
                    "code": f"{t['code']}-G{n:02d}", "name": f"{t['name']}第{n}网格",
                    "township_id": t["id"], "path": t["path"], "boundary": geojson(shape),
                    "centroid_lon": round(lon, 5), "centroid_lat": round(lat, 5),
                    "grid_worker_name": names.person(), "grid_worker_phone": names.phone()})
                t["grids"].append(g)
                self.grids.append(g)
        for g, gid in zip(self.grids, self.insert(GridCell, grid_rows, ids=True), strict=True):
            g["id"] = gid

    # stations and staff -----------------------------------------------------------------

    def make_stations(self) -> None:
        rng = self.rng("stations")
        names = _Names(rng)
        days = (self.today - self.start).days
        rows = []
        for t in self.townships:
            near_centre = t["inner"].intersection(Point(t["point"]).buffer(0.01))
            lon, lat = random_points(rng, near_centre, 1)[0]
            area = rng.uniform(60, 99) if rng.random() < 0.08 else rng.uniform(100, 420)
            # about a third moved into bigger rooms during the period: earlier checks
            # measured the old floor area
            old_area = round(area * rng.uniform(0.55, 0.95)) if rng.random() < 0.3 else None
            renovated_on = self.start + timedelta(days=rng.randint(60, days - 60))
            # how well it keeps to the standard, at the start and by today
            quality0 = min(0.9, max(0.6, rng.gauss(0.79, 0.06)))
            laggard = rng.random() < 0.07
            t["station"] = s = {
                "floor_area": round(area), "old_area": old_area, "renovated_on": renovated_on,
                "lon": round(lon, 5), "lat": round(lat, 5), "quality0": quality0,
                "name": f"{t['name']}人力资源和社会保障服务所",
            }
            s["quality1"] = quality0 + 0.04 if laggard else rng.uniform(0.94, 0.99)
            windows = rng.randint(2, 6)
            road, number = rng.choice(ROADS), rng.randint(1, 300)
            rows.append({
                "kind": StationKind.township_station, "name": s["name"], "region_id": t["id"],
                "township_id": t["id"], "path": t["path"],
                "address": f"{self.spec.name}{t['county']['name']}{t['name']}{road}{number}号",
                "lon": s["lon"], "lat": s["lat"], "floor_area_m2": float(round(area)),
                "windows": windows,
                "opened_on": date(rng.randint(2009, 2020), rng.randint(1, 12), 1),
                "equipment": {"pc": windows + rng.randint(0, 2), "printer": max(1, windows - 1),
                              "scanner": 1, "id_reader": windows, "ss_card_reader": windows,
                              "self_service_terminal": rng.random() < 0.85,
                              "rating_device": rng.random() < 0.9},
                "active": True})
        for t, sid in zip(self.townships, self.insert(Station, rows, ids=True), strict=True):
            t["station"]["id"] = sid

        points = []
        for v in self.villages:
            if rng.random() < 0.9:
                t = v["township"]
                community = v["kind"] == "community"
                small = rng.random() < 0.1
                points.append({
                    "kind": StationKind.community_point if community else StationKind.village_point,
                    "name": v["name"] + ("人社服务站" if community else "便民服务站"),
                    "region_id": v["id"], "township_id": t["id"], "path": v["path"],
                    "address": f"{t['name']}{v['name']}",
                    "lon": round(v["point"][0], 5), "lat": round(v["point"][1], 5),
                    "floor_area_m2": float(rng.randint(30, 49) if small else rng.randint(50, 160)),
                    "windows": rng.randint(1, 2),
                    "opened_on": date(rng.randint(2012, 2022), rng.randint(1, 12), 1),
                    "equipment": {"pc": 1, "printer": 1, "ss_card_reader": int(rng.random() < 0.7)},
                    "active": True})
        self.insert(Station, points)

        # 561 staff for 199 stations: two each and the rest spread, at most four
        total = round(561 * len(self.townships) / 199)
        sizes = [2] * len(self.townships)
        extra = total - sum(sizes)
        while extra > 0:
            i = rng.randrange(len(sizes))
            if sizes[i] < 4:
                sizes[i] += 1
                extra -= 1
        staff = []
        for t, size in zip(self.townships, sizes, strict=True):
            deputy = ["副所长"] if size >= 3 else []
            posts = ["所长"] + deputy + ["经办员", "协理员", "经办员"][: size - 1 - len(deputy)]
            t["station"]["staff"] = size
            backup = rng.randrange(1, size)
            for i, post in enumerate(posts):
                name = names.person()
                if i == 0:
                    t["station"]["head"] = name
                staff.append({"station_id": t["station"]["id"], "path": t["path"], "name": name,
                              "post": post, "phone": names.phone(), "is_backup_post": i == backup,
                              "active": True})
        self.insert(StationStaff, staff)

    # users, regions, secondments --------------------------------------------------------

    def make_people(self) -> None:
        rng = self.rng("people")
        names = _Names(rng)
        demo_hash = hash_password(DEMO_PASSWORD) if self.first is None else UNUSABLE
        users: list[dict] = []
        homes: list[int] = []  # home region per user, same order

        def user(username, role, home, display=None):
            users.append({"username": username, "display_name": display or names.person(),
                          "password_hash": demo_hash if username in DEMO_ACCOUNTS else UNUSABLE,
                          "role": role, "language": "zh-CN", "phone": names.phone(),
                          "active": True, "session_version": 1, "created_at": self.created,
                          "last_login_at": None, "home_path": None, "email": None})
            homes.append(home)
            return len(users) - 1

        def handle(name: str) -> str:
            """A generated account's username, unique in the province: "donghu-leader-2"."""
            return f"{self.spec.slug}-{name}" if self.spec.slug else name

        city = self.city_id
        officer_county = self.counties[0]
        # stations for the cadres: the demo cadre's first
        n_cadres = max(1, min(len(self.townships), round(163 * len(self.townships) / 199)))
        cadre_towns = rng.sample(self.townships, n_cadres)

        if self.first is None:
            top = self.province.id if self.province else city
            idx = {"admin": user("admin", Role.admin, top, "系统管理员"),
                   "leader": user("leader", Role.leader, top),
                   "officer": user("officer", Role.case_officer, officer_county["id"]),
                   "inspector": user("inspector", Role.inspector, top),
                   "cadre": user("cadre", Role.cadre, cadre_towns[0]["id"]),
                   "wall": user("wall", Role.wall, top, "指挥中心大屏")}
        else:  # the demo accounts are the first city's: here the city's own take their places
            idx = {"leader": user(handle("leader-1"), Role.leader, city),
                   "inspector": user(handle("inspector-1"), Role.inspector, city),
                   "cadre": user(handle("cadre-001"), Role.cadre, cadre_towns[0]["id"])}
        leaders = [idx["leader"]] + [user(handle(f"leader-{i}"), Role.leader, city) for i in range(2, 5)]
        inspectors = [idx["inspector"]] + [user(handle(f"inspector-{i}"), Role.inspector, city)
                                           for i in range(2, 7)]
        # the city's inspection team: one from the city bureau, the others seconded from counties
        # (an auditor never audits their own county's stations: 回避)
        for n, i in enumerate(inspectors[1:]):
            users[i]["home_path"] = self.counties[n % len(self.counties)]["path"]
        # the city's own dispatchers route clues received centrally (一点受理) to the counties
        city_officers = [user(handle(f"officer-city-{i}"), Role.case_officer, city) for i in (1, 2)]
        county_officers: dict[int, list[int]] = {}
        for c in self.counties:
            n = rng.randint(2, 3)
            first = [idx["officer"]] if c is officer_county and "officer" in idx else []
            county_officers[c["index"]] = first + [
                user(handle(f"officer-{c['code'][4:6]}-{i}"), Role.case_officer, c["id"])
                for i in range(1, n + 1 - len(first))]
        cadres = [idx["cadre"]] + [user(handle(f"cadre-{i:03d}"), Role.cadre, t["id"])
                                   for i, t in enumerate(cadre_towns[1:], start=2)]

        ids = self.insert(User, users, ids=True)
        self.insert(UserRegion, [{"user_id": u, "region_id": home} for u, home in zip(ids, homes, strict=True)])
        self.user_ids = {name: ids[i] for name, i in idx.items()}
        self.leader_ids = [ids[i] for i in leaders]
        self.inspector_ids = [ids[i] for i in inspectors]
        self.city_officer_ids = [ids[i] for i in city_officers]
        self.officers = {k: [ids[i] for i in v] for k, v in county_officers.items()}

        # one batch of secondments, ten months ago; a few replacements came later
        batch = self.workdays[bisect.bisect_left(self.workdays, self.today - timedelta(days=305))]
        rows = []
        self.cadres: list[dict] = []
        for n, (i, t) in enumerate(zip(cadres, cadre_towns, strict=True)):
            late = n > 0 and rng.random() <= 0.06
            starts = self.after(batch, rng.randint(15, 60)) if late else batch
            ends = _years_before(starts, -1) - timedelta(days=1)
            rows.append({"user_id": ids[i], "station_id": t["station"]["id"], "path": t["path"],
                         "title": "第一副所长", "home_unit": rng.choice(HOME_UNITS),
                         "starts_on": starts, "ends_on": ends})
            cadre = {"user_id": ids[i], "township": t, "starts_on": starts, "ends_on": ends,
                     "demo": n == 0 and self.first is None}
            self.cadres.append(cadre)
            t["station"]["cadre"] = cadre
        for cadre, sid in zip(self.cadres, self.insert(Secondment, rows, ids=True), strict=True):
            cadre["secondment_id"] = sid

    # employers and projects -------------------------------------------------------------

    def make_employers(self) -> None:
        rng = self.rng("employers")
        names = _Names(rng)
        scale = self.cfg.case_scale
        n_employers = max(40, round(1500 * scale))
        n_projects = max(15, round(600 * scale))
        # where businesses sit: streets and towns far more than remote townships
        t_cum = list(itertools.accumulate(
            {"street": 2.0, "town": 1.2, "township": 0.5}[t["kind"]] * rng.lognormvariate(0, 0.5)
            for t in self.townships))
        employer_shares = {"construction": 35, "manufacturing": 22, "catering": 13,
                           "wholesale_retail": 12, "transport": 8, "resident_services": 6,
                           "other": 4}
        industries = rng.choices(list(employer_shares), list(employer_shares.values()),
                                 k=n_employers)
        used_codes: set[str] = set()
        rows = []
        self.employers: list[dict] = []
        for industry in industries:
            t = rng.choices(self.townships, cum_weights=t_cum)[0]
            prefix = rng.choice([self.spec.name, t["county"]["name"][:-1],
                                 t["name"][:-1] if t["kind"] != "street" else self.spec.name])

            def company(attempt: int, industry=industry, prefix=prefix) -> str:
                brand = rng.choice(BRANDS_A) + rng.choice(BRANDS_B)
                brand += rng.choice(BRANDS_B) if attempt >= 50 else ""
                trade = rng.choice(INDUSTRY_WORDS[industry])
                # a province-sized city: branches numbered from a range that grows with the attempts
                branch = f"第{rng.randint(2, 2 + attempt)}分公司" if attempt >= 100 else ""
                return prefix + brand + trade + rng.choice(["有限公司"] * 4 + ["有限责任公司"]) + branch

            name = names.unique("employer", company)
            while True:
                body = "MA" + "".join(rng.choice(USCC_CHARSET) for _ in range(6))
                first17 = "91" + t["code"][:6] + body + org_code_check_char(body)
                code = first17 + uscc_check_char(first17)
                if code not in used_codes:
                    used_codes.add(code)
                    break
            # a few employers default again and again: the blacklist candidates
            repeat = rng.random() < 0.01
            weight = rng.uniform(4, 8) if repeat else rng.lognormvariate(0, 0.4)
            self.employers.append({"industry": industry, "township": t, "name": name,
                                   "weight": weight})
            road, number = rng.choice(ROADS), rng.randint(1, 500)
            rows.append({"uscc": code, "name": name, "industry": industry,
                         "is_construction": industry == "construction", "region_id": t["id"],
                         "path": t["path"],
                         "address": f"{t['county']['name']}{t['name']}{road}{number}号",
                         "legal_representative": names.person(),
                         "blacklisted_until": (self.today + timedelta(days=rng.randint(200, 1000))
                                               if repeat and rng.random() < 0.5 else None)})
        for e, eid in zip(self.employers, self.insert(Employer, rows, ids=True), strict=True):
            e["id"] = eid

        by_industry: dict[str, list[dict]] = defaultdict(list)
        for e in self.employers:
            by_industry[e["industry"]].append(e)
        self.by_industry = by_industry
        builders = by_industry["construction"] or self.employers
        rows = []
        self.projects: list[dict] = []
        first_start = self.start - timedelta(days=540)
        for _ in range(n_projects):
            construction = rng.random() < 0.9
            # owners uniformly: a repeat defaulter's weight already counts once, on its project
            owner = rng.choice(builders if construction else self.employers)
            t = rng.choices(self.townships, cum_weights=t_cum)[0]
            grid = rng.choice(t["grids"])
            lon, lat = random_points(rng, grid["inner"], 1)[0]
            span = (self.today - first_start).days - 60
            started = first_start + timedelta(days=rng.randint(0, span))
            finished = started + timedelta(days=rng.randint(240, 900))
            place = t["name"][:-1] if t["kind"] != "street" else t["name"]

            def project(attempt: int, construction=construction, owner=owner, place=place) -> str:
                if construction:
                    kind = rng.choice(PROJECT_KINDS).format(n=rng.choice("一二三四五六"),
                                                            road=rng.choice(ROADS))
                else:
                    kind = owner["name"][:4] + rng.choice(["生产线技改项目", "装卸外包项目", "厂区改造项目"])
                # a province-sized city: lots numbered from a range that grows with the attempts
                return place + kind + (f"（{rng.randint(2, 2 + attempt)}标段）" if attempt >= 50 else "")

            p = {"owner": owner, "grid": grid, "township": t, "lon": lon, "lat": lat,
                 "name": names.unique("project", project), "started": started,
                 "finished": finished if finished <= self.today else None,
                 "crew_leader": names.person(), "construction": construction}
            self.projects.append(p)
            sub = rng.choice(builders)
            rows.append({"name": p["name"], "employer_id": owner["id"],
                         "general_contractor": owner["name"],
                         "subcontractor": sub["name"] if sub is not owner else None,
                         "crew_leader": p["crew_leader"], "grid_cell_id": grid["id"],
                         "path": t["path"], "lon": round(lon, 5), "lat": round(lat, 5),
                         "started_on": started, "finished_on": p["finished"]})
        for p, pid in zip(self.projects, self.insert(Project, rows, ids=True), strict=True):
            p["id"] = pid

    # wage cases -------------------------------------------------------------------------

    @staticmethod
    def season(day: date) -> float:
        """Relative daily intensity of new clues: the pre-Spring-Festival peak, the quiet
        holiday itself, the return afterwards and the summer trough."""
        i = bisect.bisect_left(LUNAR_NEW_YEAR, day)
        to_next = (LUNAR_NEW_YEAR[i] - day).days if i < len(LUNAR_NEW_YEAR) else 999
        since_last = (day - LUNAR_NEW_YEAR[i - 1]).days if i > 0 else 999
        if 7 < to_next <= 60:
            factor = 2.4
        elif 60 < to_next <= 80:
            factor = 1 + 1.4 * (80 - to_next) / 20
        elif 0 <= to_next <= 7:
            factor = 1.3
        elif since_last < 10:
            factor = 0.35
        elif since_last < 25:
            factor = 1.3
        else:
            factor = 1.0
        return factor * {6: 0.85, 7: 0.7, 8: 0.7}.get(day.month, 1.0)

    def make_cases(self) -> None:
        rng = self.rng("cases")
        decline = rng.uniform(0.12, 0.18)
        days = [self.start + timedelta(days=i) for i in range((self.today - self.start).days + 1)]
        # fewer clues on rest days: only the hotlines and the national platform take them
        weights = [self.season(d) * (1 - decline) ** (i / 365)
                   * (1.0 if self.calendar.is_working_day(d) else 0.25) for i, d in enumerate(days)]
        n_cases = round(2400 * self.cfg.case_scale * sum(weights) / sum(weights[:365]))
        received = sorted(rng.choices(days, weights, k=n_cases))

        # projects live for a while: a construction case goes to one active that month;
        # cumulative weights once per month, not per case (a benchmark city has 20,000)
        active: dict[date, tuple[list[dict], list[float]]] = {}
        month = _month_start(self.start)
        while month <= self.today:
            end = _next_month(month)
            live = [p for p in self.projects if p["construction"] and p["started"] < end
                    and (p["finished"] is None or p["finished"] + timedelta(days=120) >= month)]
            live = live or [p for p in self.projects if p["construction"]] or self.projects
            active[month] = (live, list(itertools.accumulate(p["owner"]["weight"] for p in live)))
            month = end
        other_industries = [k for k in INDUSTRIES if k != "construction" and self.by_industry[k]]
        employer_pools = {k: (self.by_industry[k],
                              list(itertools.accumulate(e["weight"] for e in self.by_industry[k])))
                          for k in other_industries}
        self.case_seq: dict[int, int] = defaultdict(int)
        names = _Names(rng)
        # in chunks, so a benchmark city's million events never sit in memory at once
        chunk = 5000
        for i in range(0, n_cases, chunk):
            if i:
                self.progress(f"cases {i:,}/{n_cases:,}")
            self._case_chunk(rng, names, received[i:i + chunk], active, other_industries,
                             employer_pools)

    def _case_chunk(self, rng, names, received, active, other_industries, employer_pools) -> None:
        cases, children = [], []
        sources = list(CaseSource)
        source_weights = [20, 24, 12, 3, 28, 7, 2, 1.5, 2.5]  # walk_in … referral, enum order
        remote_sources = [CaseSource.national_platform, CaseSource.hotline_12333,
                          CaseSource.hotline_12345]
        total_days = max(1, (self.today - self.start).days)
        for r in received:
            elapsed = (r - self.start).days / total_days
            if self.calendar.is_working_day(r):
                source = rng.choices(sources, source_weights)[0]
            else:
                source = rng.choice(remote_sources)
            construction = rng.random() < INDUSTRIES["construction"][2] / 100
            project = None
            if construction:
                live, cum = active[_month_start(r)]
                project = rng.choices(live, cum_weights=cum)[0]
                employer, grid, t = project["owner"], project["grid"], project["township"]
                lon, lat = project["lon"], project["lat"]
                industry = "construction"
            else:
                industry = rng.choices(other_industries,
                                       [INDUSTRIES[k][2] for k in other_industries])[0]
                pool, cum = employer_pools[industry]
                employer = rng.choices(pool, cum_weights=cum)[0]
                t = employer["township"]
                grid = rng.choice(t["grids"])
                lon, lat = random_points(rng, grid["inner"], 1)[0]
            county = t["county"]
            workers = self._workers(rng, construction, elapsed)
            median = 15000 if construction else 11000
            per_worker = min(60000, max(3000, rng.lognormvariate(math.log(median), 0.55)))
            amount = int(round(per_worker * workers * rng.uniform(0.85, 1.15), -1)) * 100
            owed_to = r - timedelta(days=rng.randint(10, 120))
            owed_from = owed_to - timedelta(days=rng.randint(30, 365))
            case, rows = self._lifecycle(rng, r, county, source, workers, amount)
            if any(row.get("reason") == STALE_REASON for _model, row in rows):
                # refused as past the limitation: its wages were owed more than two years before (no draw,
                # so the rest of the city stays as it was)
                gap = owed_to - owed_from
                owed_to = r - timedelta(days=731 + 3 * (r - owed_to).days)
                owed_from = owed_to - gap
            self.case_seq[r.year] += 1
            # no personal name in the free text: the summary is shown unmasked
            who = f"{workers}名务工人员" if workers > 1 else "一名务工人员"
            where = f"在{project['name']}务工期间" if project else f"在{employer['name']}工作期间"
            crew = f"，班组长{project['crew_leader']}" if project else ""
            summary = (f"{who}反映{where}被拖欠{owed_from:%Y年%m月}至{owed_to:%Y年%m月}工资约"
                       f"{amount / 100 / 10000:.2f}万元{crew}。")
            case.update({
                "uuid": self.new_uuid(rng),
                "case_no": f"{abbreviation(self.spec)}人社监〔{r.year}〕{self.case_seq[r.year]:04d}号",
                "source": source, "employer_id": employer["id"],
                "project_id": project["id"] if project else None, "industry": industry,
                "is_construction": construction, "workers": workers,
                "amount_claimed_cents": amount, "owed_from": owed_from, "owed_to": owed_to,
                "region_id": t["id"], "grid_cell_id": grid["id"], "path": t["path"],
                "lon": round(lon, 5), "lat": round(lat, 5),
                "complainant_name": names.person(),
                "complainant_id_number": self._id_number(rng, county["code"][:6], r),
                "complainant_phone": names.phone(), "summary": summary,
                "mass_incident": workers >= 30,
                "public_opinion": source == CaseSource.media or rng.random() < 0.008,
                "deleted_at": None})
            cases.append(case)
            children.append(rows)
        ids = self.insert(WageCase, cases, ids=True)
        tables = {CaseEvent: [], CaseTransfer: [], CaseReferral: [], SupervisionOrder: []}
        for case_id, rows in zip(ids, children, strict=True):
            for model, row in rows:
                row["case_id"] = case_id
                tables[model].append(row)
        for model, table_rows in tables.items():
            self.insert(model, table_rows)

    @staticmethod
    def _workers(rng: random.Random, construction: bool, elapsed: float) -> int:
        """Workers per case: mostly one or a few, a long tail, and a few mass incidents
        (≥30), which grow rarer as the governance takes hold."""
        x = rng.random()
        mass = (0.025 if construction else 0.006) * (1 - 0.6 * elapsed)
        if x < mass:
            return rng.randint(30, 60)
        if x < mass + (0.12 if construction else 0.05) * (1 - 0.3 * elapsed):
            return rng.randint(10, 29)
        if x < 0.5:
            return rng.randint(2, 9)
        return 1

    @staticmethod
    def _id_number(rng: random.Random, area6: str, on: date) -> str:
        born = on - timedelta(days=rng.randint(20 * 365, 60 * 365))
        first17 = f"{area6}{born:%Y%m%d}{rng.randint(0, 999):03d}"
        return first17 + id_check_char(first17)

    def _lifecycle(self, rng, r: date, county: dict, source: str, workers: int, amount: int):
        """One case's path from receipt to today: its state columns and its child rows
        (model, row) for events, transfers, referrals and supervision orders, all ≤ today."""
        today = self.today
        events: list[tuple[date, dict]] = []
        rows: list[tuple[Any, dict]] = []
        lead, second = rng.sample(self.officers[county["index"]], 2)

        def event(on, kind, actor=None, from_region=None, to_region=None, reason=None,
                  details=None):
            events.append((on, {"kind": kind, "on_date": on, "actor_id": actor,
                                "from_region_id": from_region, "to_region_id": to_region,
                                "reason": reason, "details": details or {}}))

        # routing: clues taken centrally, or by the wrong county, go to the one with jurisdiction
        holder = county["id"]
        transfers = bounces = 0
        ready = r
        pending = False
        incoming = None
        origin = None
        if rng.random() < 0.06:
            origin = "city" if rng.random() < 0.7 else "county"
        if origin:
            others = [c for c in self.counties if c is not county]
            if origin == "city":
                holder = self.city_id
                received_by = rng.choice(self.city_officer_ids)
                sender = rng.choice(self.city_officer_ids)
            else:
                wrong = rng.choice(others)
                holder, received_by = wrong["id"], rng.choice(self.officers[wrong["index"]])
                sender = received_by
            event(r, "received", received_by, details={"source": source})
            targets = []
            if rng.random() < 0.12:  # bounced once (推诿) before it lands where it belongs
                targets.append((rng.choice(others) if origin == "city" else county, False))
            targets.append((county, True))
            sent = self.after(r, rng.choice([0, 1, 1, 2]))
            for target, accept in targets:
                if sent > today:
                    break
                answered = self.after(sent, rng.randint(1, 3))
                reason = "属地管辖：用工单位位于" + county["name"]
                row = {"from_region_id": holder, "to_region_id": target["id"], "reason": reason,
                       "sent_at": _at(sent, 10, rng.randint(0, 300)), "sent_by": sender,
                       "answered_at": None, "answered_by": None, "return_reason": None,
                       "status": TransferStatus.pending}
                event(sent, "transfer_sent", sender, holder, target["id"], reason)
                transfers += 1
                answerer = rng.choice(self.officers[target["index"]])
                if answered > today:
                    pending, incoming = True, target["path"]
                    rows.append((CaseTransfer, row))
                    break
                row["answered_at"] = _at(answered, 11, rng.randint(0, 300))
                row["answered_by"] = answerer
                if accept:
                    row["status"] = TransferStatus.accepted
                    event(answered, "transfer_accepted", answerer, holder, target["id"])
                    holder = target["id"]
                else:
                    row["status"] = TransferStatus.returned
                    row["return_reason"] = "经核查不属于本辖区管辖"
                    event(answered, "transfer_returned", answerer, target["id"], holder,
                          row["return_reason"])
                    bounces += 1
                rows.append((CaseTransfer, row))
                ready = answered
                sent = self.after(answered, 1)
        else:
            event(r, "received", lead, details={"source": source})

        accept_due = self.deadline(r, 5)
        case: dict[str, Any] = {
            "status": CaseStatus.received, "decision": None, "received_on": r,
            "accepted_on": None, "decided_on": None, "closed_on": None, "re_reviewed_on": None,
            "accept_due": accept_due.due, "investigate_due": None, "extended": False,
            "deadline_provisional": accept_due.provisional, "amount_recovered_cents": 0,
            "office_region_id": holder, "office_path": self.office_path(holder), "incoming_path": incoming,
            "lead_officer_id": None, "second_officer_id": None,
            "supervised": False, "transfer_count": transfers, "bounce_count": bounces,
        }
        accepted = None
        if not pending:
            # most within the 5 working days, a few late
            delay = rng.choices([1, 2, 3, 4, 5, 7, 9], [30, 28, 18, 10, 8, 4, 2])[0]
            accept_on = self.after(ready, delay)
            if rng.random() < 0.03:
                rejected = self.after(ready, rng.randint(1, 4))
                if rejected <= today:
                    case.update(status=CaseStatus.rejected, decided_on=rejected)
                    event(rejected, "rejected", lead, reason=rng.choice(
                        [STALE_REASON, "已进入劳动争议仲裁程序", "不属于劳动保障监察范围",
                         "投诉人撤回且无其他线索"]))
            elif accept_on <= today:
                accepted = accept_on
                case.update(status=CaseStatus.accepted, accepted_on=accepted,
                            lead_officer_id=lead, second_officer_id=second)
                event(accepted, "accepted", lead)
        if accepted:
            self._investigation(rng, case, accepted, amount, lead, second, event, rows)
            self._supervision(rng, case, accepted, workers, amount, source, lead, event, rows)
        events.sort(key=lambda e: e[0])
        seq_on: dict[date, int] = defaultdict(int)
        for on, row in events:
            seq_on[on] += 1
            row["at"] = _at(on, 8, 30 + 40 * seq_on[on] + rng.randint(0, 30))
            row["uuid"] = self.new_uuid(rng)
            rows.append((CaseEvent, row))
        case["created_at"] = events[0][1]["at"]
        case["updated_at"] = events[-1][1]["at"]
        return case, rows

    def _investigation(self, rng, case, accepted, amount, lead, second, event, rows) -> None:
        """From filing to decision, closing and re-review, as far as today has come."""
        today = self.today
        if accepted < today:
            case["status"] = CaseStatus.investigating
            event(accepted, "investigation_started", lead)
        # a few stall past even the extension: supervised (督办) once overdue, and decided under it
        # within a few months — no case stays open for years
        stuck = rng.random() < 0.03
        # working days to a decision: most well inside the 60, a few late
        y = rng.random()
        k = (rng.randint(5, 25) if y < 0.55 else rng.randint(25, 50) if y < 0.85
             else rng.randint(50, 60) if y < 0.95 else rng.randint(61, 88))
        if stuck:
            k = rng.randint(95, 200)
        wants_extension = stuck or (k > 60 and rng.random() < 0.85)
        if k > 60 and not stuck and rng.random() < 0.1:
            k = rng.randint(91, 100)  # late even after the extension
        extended_on = self.after(accepted, rng.randint(45, 58)) if wants_extension else None
        decided = self.after(accepted, k)
        extended = (extended_on is not None and extended_on <= today
                    and (decided is None or extended_on < decided))
        due = self.deadline(accepted, 90 if extended else 60)
        case.update(extended=extended, investigate_due=due.due,
                    deadline_provisional=due.provisional)
        if extended:
            event(extended_on, "extended", lead, reason="案情复杂，经批准延长30个工作日")
        if not decided or decided > today:
            return
        decision = rng.choices(list(CaseDecision), [62, 15, 6, 4, 8, 5])[0]
        share = {"paid_in_full": rng.uniform(0.97, 1.0), "order_to_pay": rng.uniform(0.7, 1.0),
                 "administrative_decision": rng.uniform(0.5, 1.0),
                 "penalty": rng.uniform(0.6, 1.0), "withdrawn": 0.0, "referred": 0.0}[decision]
        case.update(status=CaseStatus.decided, decision=decision, decided_on=decided,
                    amount_recovered_cents=int(round(amount * share, -2)))
        event(decided, "decided", lead, details={"decision": decision})
        support = decision == CaseDecision.order_to_pay and rng.random() < 0.02
        if decision == CaseDecision.referred or support:
            agency = ("procuratorate" if support
                      else rng.choices(list(REFERRAL_AGENCIES), [40, 25, 25, 10])[0])
            reason = {"police": "涉嫌拒不支付劳动报酬罪",
                      "housing_construction": "工程款拨付纠纷，移送住建部门协调",
                      "arbitration": "双方对劳动关系存在争议",
                      "procuratorate": "劳动者维权困难，申请支持起诉"}[agency]
            rows.append((CaseReferral, {
                "to_agency": agency, "litigation_support": agency == "procuratorate",
                "reason": reason, "referred_on": decided, "referred_by": lead, "outcome": None}))
            event(decided, "referred_out", lead, reason=reason, details={"to_agency": agency})
        closed = self.after(decided, rng.randint(0, 8))
        if closed > today:
            return
        case.update(status=CaseStatus.closed, closed_on=closed)
        event(closed, "closed", lead)
        reviewed = self.after(closed, rng.randint(10, 40))
        if rng.random() < 0.01 and reviewed <= today:
            case.update(status=CaseStatus.re_reviewed, re_reviewed_on=reviewed)
            event(reviewed, "re_reviewed", second)
            if rng.random() < 0.3:  # 复查 finds it not settled: investigated again on a new clock
                self._reopened(rng, case, reviewed, amount, lead, event)

    def _reopened(self, rng, case, reopened, amount, lead, event) -> None:
        """Reopened on the day of its 复查 (as data.services.cases.reopen_case does): a new
        60-working-day clock from that day, decided and closed again as far as today has come."""
        due = self.deadline(reopened, 60)
        case.update(status=CaseStatus.investigating, closed_on=None, decided_on=None, decision=None,
                    extended=False, investigate_due=due.due, deadline_provisional=due.provisional)
        event(reopened, "reopened", lead, reason="复查发现仍有工资未足额支付")
        decided = self.after(reopened, rng.randint(10, 45))
        if decided > self.today:
            return
        case.update(status=CaseStatus.decided, decision=CaseDecision.order_to_pay, decided_on=decided,
                    amount_recovered_cents=max(case.get("amount_recovered_cents") or 0, int(round(amount * 0.98, -2))))
        event(decided, "decided", lead, details={"decision": CaseDecision.order_to_pay})
        closed = self.after(decided, rng.randint(0, 8))
        if closed <= self.today:
            case.update(status=CaseStatus.closed, closed_on=closed)
            event(closed, "closed", lead)

    def _supervision(self, rng, case, accepted, workers, amount, source, lead, event,
                     rows) -> None:
        """督办 where the rules would propose it: mass incidents, large amounts, a leader's
        instruction, and cases past their deadline."""
        today = self.today
        reasons = []
        if workers >= 30:
            reasons += ["many_workers", "mass_incident"]
        if amount >= 500000 * 100:
            reasons.append("large_amount")
        if source == CaseSource.leader_instruction or rng.random() < 0.003:
            reasons.append("leader")
        issued = self.after(accepted, rng.randint(1, 3))
        due = case["investigate_due"]
        late = case["decided_on"] is None or case["decided_on"] > due
        if late and self.after(due, 1) <= today:
            reasons.append("overdue")
            if len(reasons) == 1:
                issued = self.after(due, 1)
        if not reasons or issued > today:
            return
        city_matter = set(reasons) & {"mass_incident", "large_amount", "leader"}
        level = "province" if workers >= 50 else "city" if city_matter else "county"
        leader = rng.choice(self.leader_ids)
        order = {"level": level, "reasons": reasons, "issued_by": leader,
                 "issued_at": _at(issued, 15, rng.randint(0, 90)),
                 "due_on": self.after(issued, 10), "response": None, "responded_at": None,
                 "responded_by": None, "status": SupervisionStatus.open}
        closed = case["closed_on"]
        responded = self.after(issued, rng.randint(3, 25))
        if reasons == ["overdue"] and (today - issued).days <= 15 and closed is None:
            # proposed by the rules in the last fortnight, not yet issued by a leader
            order.update(status=SupervisionStatus.proposed, issued_by=None)
        else:
            if closed is not None and closed <= today:
                order.update(status=SupervisionStatus.closed,
                             responded_at=_at(min(closed, responded), 16),
                             response="已督促用人单位足额支付，案件办结", responded_by=lead)
            elif responded <= today:
                order.update(status=SupervisionStatus.responded, responded_at=_at(responded, 16),
                             response="已约谈用人单位负责人，正在调查处理", responded_by=lead)
            case["supervised"] = True
            event(issued, "supervision_ordered", leader,
                  details={"level": level, "reasons": reasons})
            if order["responded_at"] is not None:
                event(min(closed, responded) if closed else responded, "supervision_responded",
                      lead)
        rows.append((SupervisionOrder, order))

    # checklists, inspections, rectifications ------------------------------------------

    def make_inspections(self) -> None:
        rng = self.rng("inspections")
        if self.first is None:
            self.template_ids = self.insert(ChecklistTemplate, [
                {"code": t["code"], "kind": t["kind"], "version": 1, "name": t["name"],
                 "name_en": t["name_en"], "is_current": True, "created_by": self.user_ids["admin"],
                 "created_at": self.created, "settings": t["settings"]}
                for t in checklists.TEMPLATES], ids=True)
            fields = ("code", "category", "text", "text_en", "answer_type", "weight", "veto",
                      "evidence", "rule")
            self.insert(ChecklistItem, [
                {"template_id": tid, "sort_order": n, **{k: item[k] for k in fields}}
                for tid, t in zip(self.template_ids, checklists.TEMPLATES, strict=True)
                for n, item in enumerate(t["items"])])
        else:  # one set of checklists for the province
            self.template_ids = self.first.template_ids
        station_tid, audit_tid = self.template_ids
        total_days = max(1, (self.today - self.start).days)
        # a few items are harder to keep up than others
        difficulty = {i["code"]: rng.uniform(-0.08, 0.04)
                      for t in checklists.TEMPLATES for i in t["items"]}

        def quality(t: dict, day: date) -> float:
            s = t["station"]
            progress = ((day - self.start).days / total_days) ** 0.8
            return s["quality0"] + (s["quality1"] - s["quality0"]) * progress

        inspections: list[dict] = []
        # per inspection: township, failed item codes, the day the station learnt of them
        # (on the spot, or when a covert / remote audit is published), published on, lead auditor
        meta: list[tuple[dict, tuple[str, ...], date, date | None, int]] = []
        grade_text = {"model": "示范", "standard": "达标", "rectify": "限期整改", "fail": "不达标"}

        def add(t, template_id, items, kind, mode, day, answers, published):
            score = score_checklist(items, answers)
            auditors = rng.sample(self.inspector_ids, 2)
            started = _at(day, 9, rng.randint(0, 360))
            summary = (f"{t['station']['name']}：得分{score.total}分，{grade_text[score.grade]}"
                       + ("（一票否决）" if score.vetoed else "") + f"，{len(score.failed)}项需整改。")
            inspections.append({
                "uuid": self.new_uuid(rng), "kind": kind, "mode": mode,
                "status": InspectionStatus.published if published else InspectionStatus.submitted,
                "station_id": t["station"]["id"], "path": t["path"], "template_id": template_id,
                "inspected_on": day, "started_at": started, "auditor_ids": auditors,
                "lead_auditor_id": auditors[0], "answers": answers,
                "category_scores": score.category_scores, "score": score.total,
                "grade": score.grade, "vetoed": score.vetoed, "summary": summary,
                "published_at": _at(published, 17) if published else None,
                "created_at": started, "body_sha256": None})
            told = day if mode in (InspectionMode.announced, InspectionMode.overt) else published
            meta.append((t, score.failed, told, published, auditors[0]))

        notes = ["现场检查未达到要求", "资料不全，未能提供", "已当场指出，要求限期整改", "群众反映情况属实"]

        def pass_fail(q: float, code: str) -> dict:
            if rng.random() < q + difficulty[code]:
                return {"value": "pass"}
            return {"value": "fail", "note": rng.choice(notes)}

        def choice(q: float, options: tuple[str, str, str]) -> dict:
            x = rng.random()
            return {"value": options[0] if x < q else options[1] if x < q + (1 - q) * 0.7
                    else options[2]}

        # station checks: each station about twice a year, once in each half-year
        periods = []
        half = date(self.start.year, 1 if self.start.month <= 6 else 7, 1)
        while half <= self.today:
            end = date(half.year, 6, 30) if half.month == 1 else date(half.year, 12, 31)
            periods.append((max(half, self.start), min(end, self.today), (end - half).days))
            half = end + timedelta(days=1)
        for t in self.townships:
            s = t["station"]
            for first, last, length in periods:
                days = self.workdays_in(first, last)
                expected = self.cfg.inspection_scale * ((last - first).days + 1) / (length + 1)
                n = int(expected) + (rng.random() < expected - int(expected))
                for day in sorted(rng.sample(days, min(n, len(days)))):
                    q = quality(t, day)
                    veto_risk = 0.004 * (1 - 0.8 * (day - self.start).days / total_days)
                    answers = {}
                    for item in checklists.STANDARDISATION_ITEMS:
                        code = item["code"]
                        if item["veto"]:
                            vetoed = rng.random() < veto_risk
                            answers[code] = {"value": "fail" if vetoed else "pass"}
                        elif code == "S06":
                            moved = s["old_area"] and day < s["renovated_on"]
                            area = s["old_area"] if moved else s["floor_area"]
                            answers[code] = {"value": float(area)}
                        elif code == "S28":
                            answers[code] = {"value": s["staff"] - (rng.random() > q)}
                        elif item["answer_type"] == "choice":
                            answers[code] = choice(q, ("good", "fair", "poor"))
                        else:
                            answers[code] = pass_fail(q, code)
                    published = min(self.today, day + timedelta(days=rng.randint(1, 7)))
                    add(t, station_tid, checklists.STANDARDISATION_ITEMS,
                        InspectionKind.station_check, InspectionMode.announced, day, answers,
                        published)

        # window audits: ~150 a year, mostly unannounced
        n_audits = round(150 * self.cfg.years * self.cfg.inspection_scale)
        audit_days = self.workdays_in(self.start, self.today)
        t_cum = list(itertools.accumulate({"street": 1.5, "town": 1.0, "township": 0.6}[t["kind"]]
                                          for t in self.townships))
        modes = [InspectionMode.overt, InspectionMode.covert, InspectionMode.phone,
                 InspectionMode.online]
        for day in sorted(rng.choices(audit_days, k=n_audits)):
            t = rng.choices(self.townships, cum_weights=t_cum)[0]
            mode = rng.choices(modes, [30, 45, 15, 10])[0]
            q = quality(t, day) - 0.04
            learnt = (day - self.start).days / total_days
            answers = {}
            for item in checklists.WINDOW_AUDIT_ITEMS:
                code = item["code"]
                if mode not in item["rule"].get("modes", [mode]):
                    answers[code] = {"value": "na"}
                elif code == "W12":
                    # window staff's command of policy lags the rest (half proficient early on)
                    answers[code] = choice(q - 0.3 * (1 - learnt), ("accurate", "partial", "wrong"))
                elif code == "W13":
                    answers[code] = choice(q, ("good", "fair", "poor"))
                elif code == "W14":
                    minutes = rng.lognormvariate(math.log(4 + 12 * (1 - q)), 0.5)
                    answers[code] = {"value": round(minutes)}
                elif code == "W15":
                    answers[code] = {"value": answers["W14"]["value"] + rng.randint(5, 30)}
                else:
                    answers[code] = pass_fail(q, code)
            # covert results stay with the inspectors for a few weeks (the station must not
            # learn it was audited until the circular goes out)
            covert = mode == InspectionMode.covert
            published = day + timedelta(days=rng.randint(7, 20) if covert else rng.randint(1, 3))
            if published > self.today or covert and (self.today - day).days < 21:
                published = None
            add(t, audit_tid, checklists.WINDOW_AUDIT_ITEMS, InspectionKind.window_audit, mode,
                day, answers, published)

        ids = self.insert(Inspection, inspections, ids=True)
        self._rectifications(rng, ids, meta)

    def _rectifications(self, rng, inspection_ids, meta) -> None:
        """A rectification for every failed item of a published inspection, carried as far
        along report → re-check → close as its age allows."""
        texts = {i["code"]: i["text"] for t in checklists.TEMPLATES for i in t["items"]}
        rows = []
        for inspection_id, (t, failed, told, published, auditor) in zip(inspection_ids, meta, strict=True):
            if not published:
                continue  # a covert audit's findings reach the station only when published
            cadre = t["station"].get("cadre")
            if cadre and cadre["starts_on"] > published:
                cadre = None
            for code in failed:
                due = self.deadline(told, 15).due
                late = rng.random() >= 0.85
                took = rng.randint(13, 30) if late else rng.randint(2, 12)
                reported = self.after(published, took)
                rejected = rng.random() < 0.1
                rechecked = self.after(reported, rng.randint(2, 8) + (10 if rejected else 0))
                closed = self.after(rechecked, rng.randint(0, 2))
                # still open past its deadline: the last few months' (older ones were escalated and closed)
                never = rng.random() < 0.06 and (self.today - told).days < 150
                row = {"uuid": self.new_uuid(rng), "source": "inspection",
                       "inspection_id": inspection_id, "item_code": code, "finding_id": None,
                       "station_id": t["station"]["id"], "path": t["path"],
                       "title": texts[code][:200], "detail": None,
                       "responsible_person": t["station"]["head"],
                       "responsible_user_id": cadre["user_id"] if cadre else None, "due_on": due,
                       "status": RectificationStatus.open, "report": None, "reported_at": None,
                       "reported_by": None, "recheck_note": None, "rechecked_at": None,
                       "rechecked_by": None, "closed_at": None, "rejections": 0,
                       "created_by": auditor, "created_at": _at(published, 17, 30)}
                if not never and reported <= self.today:
                    row.update(status=RectificationStatus.reported,
                               report="已按要求完成整改，附整改前后照片。",
                               reported_at=_at(reported, 16, rng.randint(0, 90)),
                               reported_by=cadre["user_id"] if cadre else None)
                    if rechecked <= self.today:
                        checker = rng.choice([i for i in self.inspector_ids if i != auditor])
                        note = ("首次复查未通过，二次整改后到位。" if rejected else "经复查，整改到位。")
                        row.update(status=RectificationStatus.rechecked,
                                   rechecked_at=_at(rechecked, 10), rechecked_by=checker,
                                   rejections=int(rejected), recheck_note=note)
                        if closed <= self.today:
                            row.update(status=RectificationStatus.closed, closed_at=_at(closed, 15))
                rows.append(row)
        self.insert(Rectification, rows)

    # service ratings (好差评) ------------------------------------------------------------

    RATED_ITEMS = ("社保卡申领", "社保卡挂失补换", "失业保险金申领", "城乡居民养老保险参保登记", "就业登记",
                   "灵活就业人员参保登记", "职业技能提升补贴申领", "养老保险关系转移")
    NEGATIVE_COMMENTS = ("等候时间太长", "工作人员态度不耐烦", "材料要求前后不一致，跑了两趟", "系统故障当天办不了",
                         "一次性告知不到位", "窗口午休无人")

    def make_ratings(self) -> None:
        """The last two years of 好差评 at the township stations' windows: a few ratings a window a
        month, 差评 commoner where the station keeps less to the standard; every 差评 followed up
        as a rectification (回访整改), carried along as its age allows."""
        rng = self.rng("ratings")
        first = max(self.start, _years_before(self.today, 2))
        total_days = max(1, (self.today - self.start).days)
        ratings, follow_ups = [], []
        serial = 0
        # in a province the numbers carry the prefecture's digits: each city counts from 1
        region_mark = self.spec.code[2:4] if self.province else ""
        for t in self.townships:
            s = t["station"]
            windows = max(1, round(s["floor_area"] / 80))
            month = _month_start(first)
            while month <= self.today:
                month_end = _next_month(month) - timedelta(days=1)
                last = min(self.today, month_end)
                # the month under way has had only its days so far
                share = ((last - month).days + 1) / ((month_end - month).days + 1)
                for _n in range(round(rng.randint(2, 4) * windows * share)):
                    day = month + timedelta(days=rng.randint(0, (last - month).days))
                    if day < first:
                        continue
                    progress = ((day - self.start).days / total_days) ** 0.8
                    quality = s["quality0"] + (s["quality1"] - s["quality0"]) * progress
                    negative = rng.random() < 0.004 + (1 - quality) * 0.15
                    score = rng.choice((2, 2, 2, 1)) if negative else rng.choice((5,) * 16 + (4,) * 3 + (3,))
                    serial += 1
                    at = _at(day, rng.randint(9, 16), rng.randint(0, 59))
                    rating = {"rating_no": f"HCP{region_mark}{day:%Y%m%d}{serial:06d}", "rated_at": at, "rated_on": day,
                              "station_id": s["id"], "path": t["path"],
                              "window": f"{rng.randint(1, windows)}号综合窗口",
                              "item": rng.choice(self.RATED_ITEMS), "score": score, "negative": negative,
                              "comment": rng.choice(self.NEGATIVE_COMMENTS) if negative else (
                                  rng.choice(("办理很快", "态度热情", "一次办好")) if rng.random() < 0.2 else None),
                              "channel": rng.choices(("窗口评价器", "二维码", "短信"), (7, 2, 1))[0],
                              "rectification_id": None, "created_at": at}
                    ratings.append(rating)
                    if negative:
                        follow_ups.append((rating, self._rating_follow_up(rng, t, rating)))
                month = _next_month(month)
        ids = self.insert(Rectification, [row for _rating, row in follow_ups], ids=True)
        for (rating, _row), rid in zip(follow_ups, ids, strict=True):
            rating["rectification_id"] = rid
        ratings.sort(key=lambda r: r["rated_at"])
        self.insert(ServiceRating, ratings)

    def _rating_follow_up(self, rng, t: dict, rating: dict) -> dict:
        day = rating["rated_on"]
        cadre = t["station"].get("cadre")
        if cadre and cadre["starts_on"] > day:
            cadre = None
        reported = self.after(day, rng.randint(1, 6))
        rechecked = self.after(reported, rng.randint(1, 5))
        # a few recent ones are still open past their deadline
        never = rng.random() < 0.08 and (self.today - day).days < 150
        row = {"uuid": self.new_uuid(rng), "source": "rating", "inspection_id": None, "item_code": None,
               "finding_id": None, "station_id": t["station"]["id"], "path": t["path"],
               "title": f"差评回访：{rating['window']} · {rating['item']}"[:200],
               "detail": f"{day.isoformat()} {'不满意' if rating['score'] == 2 else '非常不满意'}"
                         f"（评价编号 {rating['rating_no']}）：{rating['comment']}",
               "responsible_person": t["station"]["head"],
               "responsible_user_id": cadre["user_id"] if cadre else None, "due_on": self.deadline(day, 15).due,
               "status": RectificationStatus.open, "report": None, "reported_at": None, "reported_by": None,
               "recheck_note": None, "rechecked_at": None, "rechecked_by": None, "closed_at": None,
               "rejections": 0, "created_by": None, "created_at": _at(day, 17, 45)}
        if not never and reported <= self.today:
            row.update(status=RectificationStatus.reported, report="已电话回访评价人，说明情况并致歉，已整改。",
                       reported_at=_at(reported, 16, 10), reported_by=cadre["user_id"] if cadre else None)
            if rechecked <= self.today:
                row.update(status=RectificationStatus.closed, recheck_note="回访记录核实，整改到位。",
                           rechecked_at=_at(rechecked, 10), rechecked_by=rng.choice(self.inspector_ids),
                           closed_at=_at(rechecked, 15))
        return row

    # walkthroughs ----------------------------------------------------------------------

    FINDINGS = {
        "issue": [("materials", "要求提供办事指南以外的材料"), ("waiting", "高峰时段排队等候时间过长"),
                  ("guidance", "现场导办指引不清，群众多跑冤枉路"),
                  ("system", "业务系统卡顿，跨部门数据未共享"), ("attitude", "窗口人员解释政策不耐心"),
                  ("online", "网上办理步骤繁琐，上传材料易失败"),
                  ("facilities", "自助终端故障未及时报修")],
        "need": [("outreach", "希望政策宣传进村入企"), ("hours", "希望提供错时延时服务"),
                 ("elderly", "老年人希望有专人帮办代办"), ("self_service", "希望增加自助终端点位"),
                 ("online", "希望更多事项掌上办、一次办"),
                 ("employment", "希望就近提供招聘和技能培训信息")],
        "fix": [("materials", "清理规范办事材料，统一对外公布", "业务科"),
                ("waiting", "高峰时段增开弹性窗口", "服务大厅"),
                ("guidance", "增设导办员并更新导视标识", "人社所"),
                ("system", "协调信息中心优化系统接口", "信息中心"),
                ("training", "开展窗口人员政策业务培训", "人社所"),
                ("online", "简化网办流程，压减上传材料", "信息中心")],
    }

    def make_walkthroughs(self) -> None:
        rng = self.rng("walks")
        names = _Names(rng)
        services = checklists.SERVICE_ITEMS
        if self.first is None:  # one list of service items for the province
            self.insert(ServiceItem, [{**s, "sort_order": n, "active": True}
                                      for n, s in enumerate(services)])
        last_month = _month_start(_month_start(self.today) - timedelta(days=1))
        yesterday = self.today - timedelta(days=1)
        walks, findings_per_walk = [], []
        month = _month_start(self.start)
        while month <= yesterday:
            first = max(month, self.start)
            last = min(_next_month(month) - timedelta(days=1), yesterday)
            days = self.workdays_in(first, last)
            if days:
                n = 8 if month == last_month else rng.randint(4, 10)
                for day in sorted(rng.choices(days, k=n)):
                    walks.append(self._walk(rng, day, services))
                if month == last_month:
                    findings_per_walk += self._source_report_month(rng, n)
                else:
                    for _ in range(n):
                        kinds = (["issue"] * rng.choice([0, 1, 1, 2, 2, 3])
                                 + ["need"] * rng.choice([0, 1, 1, 2, 3])
                                 + ["fix"] * rng.choice([0, 1, 1, 2]))
                        findings_per_walk.append([(k, None) for k in kinds])
            month = _next_month(month)
        self._review_walks(walks)
        ids = self.insert(Walkthrough, [w["row"] for w in walks], ids=True)
        self.insert(WalkthroughFinding, [
            self._finding(rng, names, wid, walk, kind, status)
            for wid, walk, findings in zip(ids, walks, findings_per_walk, strict=True)
            for kind, status in findings])

    def _review_walks(self, walks: list[dict]) -> None:
        """审核 as a bureau keeps it: walks older than a fortnight accepted by a leader (never the
        walker) within three days; the last fortnight's waiting, one cadre's returned with a reason.
        Its own random stream, so the rest of the city stays as it was."""
        rng = self.rng("walk-reviews")
        cutoff = self.today - timedelta(days=14)
        for walk in walks:
            row = walk["row"]
            row.update(review_status=None, review_note=None, reviewed_by=None, reviewed_at=None)
            if walk["day"] >= cutoff:
                continue
            reviewer = rng.choice([u for u in self.leader_ids if u != row["user_id"]])
            row.update(review_status="accepted", reviewed_by=reviewer,
                       reviewed_at=row["created_at"] + timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 5)))
        recent = [w["row"] for w in walks if w["day"] >= cutoff and w["row"]["user_id"] not in self.leader_ids]
        if recent:
            row = recent[0]
            row.update(review_status="returned", reviewed_by=self.leader_ids[0],
                       review_note="请补记每个环节的开始时间，并注明窗口要求的清单外材料",
                       reviewed_at=row["created_at"] + timedelta(hours=16))

    @staticmethod
    def _source_report_month(rng, n_walks: int) -> list[list[tuple[str, str | None]]]:
        """The last complete month's findings, per walk, as the source report (seed 002) has
        them: 16 issues, 17 needs and 13 fixes of which 7 are done."""
        plan: list[list[str]] = [[] for _ in range(n_walks)]
        for kind, total in (("issue", 16), ("need", 17), ("fix", 13)):
            for _ in range(total):
                plan[rng.randrange(n_walks)].append(kind)
        fixes = [(i, j) for i, kinds in enumerate(plan) for j, k in enumerate(kinds) if k == "fix"]
        done = set(rng.sample(range(len(fixes)), 7))
        statuses = {pos: "done" if m in done else rng.choice(["in_progress", "in_progress", "open"])
                    for m, pos in enumerate(fixes)}
        return [[(k, statuses.get((i, j))) for j, k in enumerate(kinds)]
                for i, kinds in enumerate(plan)]

    def _walk(self, rng, day: date, services) -> dict:
        cadres = [c for c in self.cadres if c["starts_on"] <= day <= c["ends_on"]]
        if cadres and rng.random() < 0.6:
            cadre = rng.choice(cadres)
            user, t = cadre["user_id"], cadre["township"]
        else:
            user, t = rng.choice(self.leader_ids), rng.choice(self.townships)
        service = rng.choice(services)
        channel = "phone" if service["code"] == "hotline_12333" else rng.choices(
            ["window", "online", "app", "self_service"], [65, 15, 12, 8])[0]
        in_person = channel in ("window", "self_service")
        published = list(service["published_materials"])
        asked = list(published)
        if published and rng.random() < 0.2:
            asked.append(rng.choice(["户口簿复印件", "单位证明", "近期免冠照片", "无犯罪记录证明"]))
        clock = _at(day, 9, rng.randint(0, 300))
        steps = []
        for step in ("consult", "accept", "handle", "feedback", "query"):
            seconds = rng.randint(300, 3600) if step == "handle" else rng.randint(60, 1500)
            steps.append({"name": step, "started_at": clock.isoformat(), "seconds": seconds})
            clock += timedelta(seconds=seconds + rng.randint(0, 600))
        station = t["station"]
        remote_place = {"online": "网上办事大厅", "app": "人社App", "phone": "12333热线"}
        return {"township": t, "day": day, "row": {
            "uuid": self.new_uuid(rng), "user_id": user, "station_id": station["id"],
            "path": t["path"], "service_item_code": service["code"], "channel": channel,
            "mode": "in_person" if rng.random() < 0.65 else "accompany",
            "place": station["name"] if in_person else remote_place[channel],
            "walked_on": day, "steps": steps, "trips": rng.choices([1, 2, 3], [75, 20, 5])[0],
            "materials_asked": asked, "materials_published": published,
            "note": f"以群众身份体验“{service['name']}”办理全流程。",
            "lon": round(station["lon"] + rng.uniform(-2e-4, 2e-4), 5) if in_person else None,
            "lat": round(station["lat"] + rng.uniform(-2e-4, 2e-4), 5) if in_person else None,
            "accuracy_m": float(rng.randint(5, 30)) if in_person else None,
            "created_at": _at(day, 18, rng.randint(0, 180)), "body_sha256": None}}

    def _finding(self, rng, names, walkthrough_id: int, walk: dict, kind: str,
                 status: str | None) -> dict:
        day = walk["day"]
        age = (self.today - day).days
        measure = owner = due = done = signed = None
        if kind == "fix":
            category, text, owner_unit = rng.choice(self.FINDINGS["fix"])
            measure, owner = text, f"{owner_unit}{names.person()}"
            due = day + timedelta(days=rng.randint(10, 30))
            if status is None:
                status = ("done" if rng.random() < min(0.95, age / 90)
                          else rng.choice(["in_progress", "open"]))
            if status == "done":
                done = min(self.today - timedelta(days=1), day + timedelta(days=rng.randint(3, 40)))
                done = max(done, day)
                signed = rng.choice(self.leader_ids)
        else:
            category, text = rng.choice(self.FINDINGS[kind])
            status = status or ("done" if rng.random() < min(0.9, age / 120)
                                else rng.choice(["open", "in_progress"]))
        return {"uuid": self.new_uuid(rng), "walkthrough_id": walkthrough_id,
                "path": walk["township"]["path"], "list_kind": kind, "category": category,
                "text": text, "status": FindingStatus(status), "measure": measure,
                "owner": owner, "due_on": due, "done_on": done, "signed_off_by": signed,
                "created_at": _at(day, 19)}

    # work logs -------------------------------------------------------------------------

    def make_work_logs(self) -> None:
        rng = self.rng("logs")
        yesterday = self.today - timedelta(days=1)
        n = len(self.cadres)
        patterns = ["steady"] * n
        # a handful of patchy loggers and one or two who stopped lately (never the demo cadre)
        others = list(range(1, n))
        rng.shuffle(others)
        n_patchy, n_stopped = max(1, round(n * 0.05)), max(1, round(n / 100))
        for i in others[:n_patchy]:
            patterns[i] = "patchy"
        for i in others[n_patchy:n_patchy + n_stopped]:
            patterns[i] = "stopped"
        working_today = self.calendar.is_working_day(self.today)
        logs = []
        for cadre, pattern in zip(self.cadres, patterns, strict=True):
            station = cadre["township"]["station"]
            completeness = rng.uniform(0.6, 0.8) if pattern == "patchy" else rng.uniform(0.9, 0.98)
            # a missed day drags on for 0.75 more on average (the run below)
            miss = (1 - completeness) / (1.75 - 0.75 * (1 - completeness))
            stop = (self.today - timedelta(days=rng.randint(14, 35)) if pattern == "stopped"
                    else None)
            skip = 0
            for day in self.workdays_in(cadre["starts_on"], min(yesterday, cadre["ends_on"])):
                if stop and day >= stop:
                    break
                if skip:
                    skip -= 1
                    continue
                if rng.random() < miss:
                    # absences come in runs (meetings in town, leave), not single days
                    skip = rng.choice([0, 0, 1, 2])
                    continue
                if rng.random() < 0.1:  # written up the next morning
                    created = _at(day + timedelta(days=1), 8, rng.randint(0, 120))
                else:
                    created = _at(day, 17, rng.randint(0, 300))
                logs.append(self._log(rng, cadre, station, day, created))
            # some have filed today's already; the demo cadre has not, to try the field app
            if not cadre["demo"] and not stop and working_today and rng.random() < 0.4:
                created = _at(self.today, 10, rng.randint(0, 300))
                logs.append(self._log(rng, cadre, station, self.today, created))
        ids = self.insert(WorkLog, logs, ids=True)
        comments = [
            "工作扎实，继续保持。", "注意做好台账留痕。", "欠薪排查要做到在建项目全覆盖。",
            "政策宣传要更有针对性。", "排查发现的隐患请及时上报。", "调解成效明显，值得推广。",
            "请补充服务群众的具体情况。"]
        rows = []
        for log_id, log in zip(ids, logs, strict=True):
            if rng.random() < 0.012:
                later = timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 5))
                written = log["created_at"] + later
                if written.date() >= self.today:
                    continue
                rows.append({"uuid": self.new_uuid(rng), "work_log_id": log_id,
                             "author_id": rng.choice(self.leader_ids), "text": rng.choice(comments),
                             "created_at": written,
                             "read_at": written + timedelta(hours=rng.randint(2, 30))
                             if (self.today - written.date()).days > 3 else None})
        self.insert(WorkLogComment, rows)

    def _log(self, rng, cadre: dict, station: dict, day: date, created: datetime) -> dict:
        t = cadre["township"]
        village = rng.choice(t["villages"])["name"] if t["villages"] else t["name"]
        types = rng.sample(list(WORK_TYPES), rng.choice([1, 1, 2, 2, 3]))
        policies = ["就业创业", "社保参保", "根治欠薪", "技能培训补贴"]
        phrases = {
            "policy_outreach": f"在{village}开展{rng.choice(policies)}政策宣传，"
                               f"发放资料{rng.randint(20, 200)}份",
            "case_handling": f"在所内窗口协助办理{rng.choice(checklists.SERVICE_ITEMS)['name']}"
                             f"等业务{rng.randint(3, 30)}件",
            "dispute_mediation": f"调解{village}务工人员劳动争议{rng.randint(1, 3)}起",
            "employer_visit": f"走访辖区企业{rng.randint(1, 6)}家，了解用工和工资支付情况",
            "training": f"组织村级协理员开展业务培训，参训{rng.randint(8, 40)}人次",
            "arrears_screening": f"对辖区在建项目开展欠薪隐患排查{rng.randint(1, 4)}个，"
                                 "核查实名制和工资专户",
            "records": f"整理{rng.choice(['就业', '社保', '欠薪排查', '培训'])}台账，"
                       f"补录信息{rng.randint(10, 80)}条",
        }
        solved = None
        if rng.random() < 0.35:
            solved = rng.choice([
                f"协调用工单位为{rng.randint(1, 12)}名务工人员追回工资{rng.randint(3, 120) * 1000}元",
                f"帮助{rng.randint(1, 10)}名群众办结{rng.choice(checklists.SERVICE_ITEMS)['name']}",
                f"解答群众政策咨询{rng.randint(3, 30)}人次", "化解一起历史遗留参保问题"])
        checked_in = rng.random() < 0.05  # one-off check-ins only: cadres are never tracked
        return {"uuid": self.new_uuid(rng), "user_id": cadre["user_id"],
                "secondment_id": cadre["secondment_id"], "station_id": station["id"],
                "path": t["path"], "log_date": day, "work_types": types,
                "done": "；".join(phrases[k] for k in types) + "。", "solved": solved,
                "people_served": rng.randint(0, 40) if set(types) - {"records"} else 0,
                "lon": round(station["lon"] + rng.uniform(-2e-3, 2e-3), 5) if checked_in else None,
                "lat": round(station["lat"] + rng.uniform(-2e-3, 2e-3), 5) if checked_in else None,
                "accuracy_m": float(rng.randint(5, 60)) if checked_in else None,
                "created_at": created, "body_sha256": None}

    # settings ---------------------------------------------------------------------------

    def make_settings(self) -> None:
        values = {
            "case.large_amount_yuan": 500000,
            "case.large_workers": 30,
            "case.limitation_years": 2,
            "grade.thresholds": dict(checklists.THRESHOLDS),
            "rectification.due_working_days": 15,
            # per-channel service levels in working days: first contact, and closing the clue
            "sla.channels": {
                "national_platform": {"contact": 3, "close": 15},
                "hotline_12345": {"contact": 2, "close": 15},
                "hotline_12333": {"contact": 2, "close": 20},
                "walk_in": {"contact": 1, "close": 60},
            },
            "worklog.work_types": _labelled(WORK_TYPES),
            # the situation room's screen: /wall?playlist=situation-room
            "wall.playlists": {"situation-room": {"scenes": "overview,cases,stations,field", "seconds": 30,
                                                  "region": "all"}},
        }
        self.insert(Setting, [{"key": k, "value": v, "updated_at": self.created,
                               "updated_by": self.user_ids["admin"]} for k, v in values.items()])
