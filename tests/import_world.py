"""A second fictional city, 云岭市 (not the demo's 示范市: other names, other codes), as the files
a bureau brings: regions as GB18030 CSV (Excel's habit), boundaries as GeoJSON, stations and
their staff as XLSX, users as UTF-8 CSV with a BOM, grid cells, secondments and cases as plain
UTF-8 CSV."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

from data.rules.identifiers import org_code_check_char, uscc_check_char

CITY = "369800000000"
COUNTIES = [("369801000000", "临湖区", "区"), ("369802000000", "青山县", "县")]
# (code, name, level word, county, retired on)
TOWNSHIPS = [
    ("369801001000", "湖滨街道", "街道", "369801000000", None),
    ("369801002000", "望城街道", "街道", "369801000000", None),
    ("369801101000", "白沙镇", "镇", "369801000000", None),
    ("369802101000", "青山镇", "镇", "369802000000", None),
    ("369802201000", "石门乡", "乡", "369802000000", None),
    ("369802202000", "旧桥乡", "乡", "369802000000", "2024-06-30"),  # merged into 石门乡 (撤乡并镇)
]
VILLAGES = [("369801101001", "白沙村", "村", "369801101000"), ("369801001001", "湖滨社区", "社区", "369801001000")]
CURRENT_TOWNSHIPS = [t for t in TOWNSHIPS if t[4] is None]
USERS = [("yl.admin", "赵云岭", "管理员", CITY), ("yl.leader", "钱青山", "领导", CITY),
         ("yl.officer", "孙临湖", "经办人", "369801000000"), ("yl.inspector", "李督查", "inspector", CITY),
         ("yl.cadre", "周白沙", "挂职干部", "369801101000"), ("yl.wall", "指挥中心大屏", "大屏", CITY)]
CASE_HEADER = ["案件编号", "受理日期", "来源渠道", "发生地区划代码", "用人单位名称", "统一社会信用代码", "行业",
               "涉及人数", "涉及金额（元）", "状态", "办结日期", "投诉人姓名", "身份证号", "联系电话", "案情摘要"]


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _square(lon: float, lat: float, size: float) -> list:
    return [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]


def regions_csv() -> bytes:
    rows = [["区划代码", "名称", "级别", "上级区划代码", "启用日期", "停用日期"], [CITY, "云岭市", "市", "", "", ""]]
    rows += [[code, name, level, CITY, "", ""] for code, name, level in COUNTIES]
    rows += [[code, name, level, county, "2000-01-01", retired or ""]
             for code, name, level, county, retired in TOWNSHIPS]
    rows += [[code, name, level, township, "", ""] for code, name, level, township in VILLAGES]
    return _csv(rows).encode("gb18030")


def boundaries_geojson() -> bytes:
    features = [{"type": "Feature", "properties": {"区划代码": CITY},
                 "geometry": {"type": "Polygon", "coordinates": _square(112.0, 28.0, 0.6)}}]
    for n, (code, _name, _level) in enumerate(COUNTIES):
        features.append({"type": "Feature", "properties": {"area_code": code},
                         "geometry": {"type": "Polygon", "coordinates": _square(112.0 + 0.3 * n, 28.0, 0.3)}})
    for n, (code, *_rest) in enumerate(TOWNSHIPS):
        ring = _square(112.0 + 0.1 * n, 28.1, 0.1)
        if code == "369801002000":  # a bow tie: drawn crossing itself, repaired on import
            (a, b, c, d, _e) = ring[0]
            ring = [[a, b, d, c, a]]
        features.append({"type": "Feature", "properties": {"区划代码": code, "名称": _name},
                         "geometry": {"type": "Polygon", "coordinates": ring}})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def stations_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["站点编码", "名称", "类型", "区划代码", "地址", "经度", "纬度", "电话"])
    for n, (code, name, *_rest) in enumerate(CURRENT_TOWNSHIPS):
        sheet.append([f"YL-T{n + 1:03d}", f"{name}人社所", "乡镇人社所", code, f"{name}政务服务中心一楼",
                      round(112.05 + 0.1 * n, 4), 28.15, f"0739-55500{n + 1:02d}"])
    sheet.append(["YL-V001", "白沙村服务站", "村服务站", "369801101001", "白沙村村委会", None, None, None])
    sheet.append(["YL-C001", "湖滨社区服务站", "社区服务站", "369801001001", "湖滨社区党群服务中心", None, None, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ratings_csv(today: date) -> bytes:
    """The rating system's export: a few ratings a township station, one 差评 among them."""
    rows = [["评价编号", "评价时间", "站点编码", "区划代码", "窗口", "事项", "评价等级", "评价内容", "渠道"]]
    for n, (code, *_rest) in enumerate(CURRENT_TOWNSHIPS):
        day = today.replace(day=1).isoformat()
        rows.append([f"YL-HCP{n:04d}1", f"{day} 09:30", f"YL-T{n + 1:03d}", "", "1号窗口", "社保卡申领", "满意", "",
                     "窗口评价器"])
        rows.append([f"YL-HCP{n:04d}2", f"{day} 10:30", "", code, "2号窗口", "就业登记", "非常满意", "", "二维码"])
    rows.append(["YL-HCP99999", f"{today.isoformat()} 11:00", "YL-T001", "", "1号窗口", "失业保险金申领", "不满意",
                 "等候时间太长", "窗口评价器"])
    return _csv(rows).encode("utf-8")


def users_csv() -> bytes:
    return ("\ufeff" + _csv([["用户名", "姓名", "角色", "区划代码"], *[list(u) for u in USERS]])).encode("utf-8")


def uscc(n: int) -> str:
    body = f"MA{n:06d}"
    first17 = "91369800" + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def case_rows(today: date, count: int = 40, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    sources = ["来访", "12333热线", "12345热线", "全国根治欠薪线索平台", "网格排查"]
    industries = ["建筑业", "制造业", "住宿和餐饮业", "批发和零售业", "其他服务业"]
    rows = []
    for n in range(count):
        township = CURRENT_TOWNSHIPS[n % len(CURRENT_TOWNSHIPS)][0] if n else "369802202000"  # one historic
        received = today - timedelta(days=rng.randint(5, 700))
        status = ["待受理", "调查中", "已办结", "已办结", "不予受理"][n % 5]
        closed = (received + timedelta(days=rng.randint(1, 4))) if status != "待受理" and status != "调查中" else None
        if status == "待受理":
            received = today - timedelta(days=rng.randint(0, 3))
        rows.append([f"云人社监〔{received.year}〕{n + 1:04d}号", received.isoformat(), sources[n % len(sources)],
                     township, f"云岭市第{n % 9 + 1}建设有限公司", uscc(n % 9 + 1), industries[n % len(industries)],
                     str(rng.randint(1, 40)), str(rng.randint(2000, 400000)), status,
                     closed.isoformat() if closed else "", f"申诉人{n}", "", f"139{n:08d}", f"拖欠工资第{n}件"])
    return rows


def cases_csv(today: date, rows: list[list[str]] | None = None) -> bytes:
    return _csv([CASE_HEADER, *(rows if rows is not None else case_rows(today))]).encode("utf-8")


def grid_cells_csv() -> bytes:
    rows = [["网格编码", "网格名称", "乡镇区划代码", "网格员姓名", "网格员电话"]]
    rows += [[f"YL-G{n + 1:02d}", f"{name}第一网格", code, f"网格员{n + 1}", f"1370000{n + 1:04d}"]
             for n, (code, name, *_rest) in enumerate(CURRENT_TOWNSHIPS)]
    return _csv(rows).encode("utf-8")


def staff_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["站点编码", "姓名", "岗位", "电话", "AB岗", "在岗"])
    sheet.append(["YL-T001", "吴湖滨", "所长", "13700001001", "否", "是"])
    sheet.append(["YL-T001", "郑望城", "经办员", "13700001002", "是", ""])
    sheet.append(["YL-T003", "冯白沙", "所长", "0739-5550103", "否", "否"])  # left: kept on file
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def secondments_csv() -> bytes:
    return _csv([["用户名", "站点编码", "职务", "派出单位", "开始日期", "结束日期"],
                 ["yl.cadre", "YL-T003", "第一副所长", "云岭市人社局劳动关系科", "2026-03-01", "2027-02-28"]]).encode()


def write_files(folder: Path, today: date) -> dict[str, Path]:
    files = {"regions": ("regions.csv", regions_csv()), "boundaries": ("boundaries.geojson", boundaries_geojson()),
             "grid-cells": ("grid-cells.csv", grid_cells_csv()), "stations": ("stations.xlsx", stations_xlsx()),
             "staff": ("staff.xlsx", staff_xlsx()), "users": ("users.csv", users_csv()),
             "secondments": ("secondments.csv", secondments_csv()), "cases": ("cases.csv", cases_csv(today)),
             "ratings": ("ratings.csv", ratings_csv(today))}
    paths = {}
    for kind, (name, data) in files.items():
        paths[kind] = folder / name
        paths[kind].write_bytes(data)
    return paths
