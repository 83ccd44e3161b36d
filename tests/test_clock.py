"""One clock: the bureau's date in TIME_ZONE (default Asia/Shanghai), never the host's.

The process runs with TZ=UTC under faketime at 23:30 UTC: 07:30 the next morning in Beijing."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest

from data import clock
from tests.conftest import ROOT
from tests.factories import make_field_world

FAKETIME = shutil.which("faketime")
AT_2330_UTC = "2026-11-20 23:30:00"  # Beijing: 2026-11-21 07:30
SOURCES = ("app.py", "pages", "web", "pwa", "components", "data", "bench", "scripts")
HOST_CLOCK = re.compile(r"date\.today\(\)|datetime\.today\(\)|datetime\.now\(\)|time\.localtime\(|time\.ctime\(|"
                        r"time\.strftime\(|new Date\(\)\.getTimezoneOffset")


def test_no_code_reads_the_hosts_local_date():
    found = []
    for name in SOURCES:
        path = ROOT / name
        for file in [path] if path.is_file() else path.rglob("*.py"):
            for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                if HOST_CLOCK.search(line) and "data/clock.py" not in str(file) and "noqa: clock" not in line:
                    found.append(f"{file.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []


def under_faketime(code: str, **env) -> subprocess.CompletedProcess:
    assert FAKETIME, "faketime is missing: scripts/test.sh installs it (apt-get install faketime)"
    return subprocess.run([FAKETIME, AT_2330_UTC, sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "TZ": "UTC", **env})


def test_the_bureaus_date_is_not_the_hosts_local_date():
    done = under_faketime("import datetime; from data import clock\n"
                          "print(datetime.date.today(), clock.today(), clock.now().strftime('%H:%M'))")
    assert done.returncode == 0, done.stderr
    host, bureau, hour = done.stdout.split()
    assert (host, bureau, hour) == ("2026-11-20", "2026-11-21", "07:30")


def test_the_zone_is_configurable_and_checked():
    try:
        clock.configure("UTC")
        assert clock.local(datetime(2026, 11, 20, 23, 30, tzinfo=UTC)).date() == date(2026, 11, 20)
        clock.configure("Asia/Shanghai")
        assert clock.local(datetime(2026, 11, 20, 23, 30)).date() == date(2026, 11, 21)  # naive is UTC
        assert clock.end_of(date(2026, 11, 21)) == datetime(2026, 11, 21, 15, 59, 59, tzinfo=UTC)
        with pytest.raises(ValueError, match="TIME_ZONE"):
            clock.configure("Mars/Olympus_Mons")
    finally:
        clock.configure(clock.DEFAULT_ZONE)


SIGN_IN_AND_FILE = """
import json, uuid
from app import create_app
from tests.conftest import app_config
from tests.factories import PASSWORD
app = create_app(app_config({url!r}, TODAY=None))
client = app.test_client()
assert client.post("/api/v1/session", json={{"username": "cadre_a", "password": PASSWORD}}).status_code == 200
reference = client.get("/api/v1/reference").json
token = {{"X-CSRFToken": client.get_cookie("_csrf_token").value}}
body = {{"uuid": str(uuid.uuid4()), "log_date": "2026-11-21", "work_types": ["case_handling"], "done": "窗口帮办"}}
answer = client.post("/api/v1/work-logs", json=body, headers=token)
print(json.dumps({{"server_date": reference["server_date"], "status": answer.status_code, "body": answer.json}}))
"""


def test_a_work_log_dated_beijings_today_is_accepted_at_2330_utc(db_url, session):
    make_field_world(session)
    done = under_faketime(SIGN_IN_AND_FILE.format(url=db_url))
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["server_date"] == "2026-11-21"
    assert result["status"] == 201, result["body"]
    assert result["body"]["log_date"] == "2026-11-21"

    # the zone is the setting: a bureau on UTC is still on the 20th, and the 21st is refused
    done = under_faketime(SIGN_IN_AND_FILE.format(url=db_url), TIME_ZONE="UTC")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["server_date"] == "2026-11-20"
    assert result["status"] == 422 and result["body"]["error"]["fields"]["log_date"] == "日期不能晚于今天"
