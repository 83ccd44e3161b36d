"""Sign-in latency: does the answer's time tell whether a username exists?

    .venv/bin/python bench/login.py                  # 100 rounds on a fresh SQLite database
    .venv/bin/python bench/login.py --rounds 300 --database-url postgresql+psycopg://…/hrss_bench

Serves the app (werkzeug, threaded) on a free loopback port with one account, then signs in
round after round, each round from its own loopback source address (127.0.0.x: a client of its
own, so the throttle never stands in the way): a wrong password for the known account, an
unknown username, and the right password, in a shuffled order. Prints the median, p90 and mean
of each kind and the ratio unknown/known. Before the dummy hash an unknown username answered in
about a sixth of the time (≈ 9 ms against ≈ 57 ms); now both pay one scrypt.

The last line: `summary: N ok, M miss` — answers with the expected status (401, 401, 302) and
those without.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from data.db import make_engine, migrate  # noqa: E402
from data.models import Region, RegionLevel, Role, User, UserRegion  # noqa: E402
from data.security import hash_password  # noqa: E402

PASSWORD = "bench-login-password"
KINDS = {"known, wrong password": 401, "unknown username": 401, "known, right password": 302}


def post(connection: HTTPConnection, path: str, form: dict) -> int:
    connection.request("POST", path, body=urlencode(form),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    answer = connection.getresponse()
    answer.read()
    return answer.status


def prepare(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as session:
        if session.get(User, 1) is None:
            region = Region(area_code="369900000000", name="示范市", level=RegionLevel.city, path="369900000000/")
            user = User(username="bench.officer", display_name="bench", role=Role.case_officer,
                        password_hash=hash_password(PASSWORD))
            session.add_all([region, user])
            session.flush()
            session.add(UserRegion(user_id=user.id, region_id=region.id))
            session.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="hrss-bench-login-")
    url = args.database_url or f"sqlite:///{workdir}/login.db"
    prepare(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "AUTO_MIGRATE": False, "LOG_LEVEL": "WARNING",
                      "UPLOAD_DIR": workdir})
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    forms = {"known, wrong password": ("bench.officer", "not-the-password"),
             "unknown username": ("nobody.here", "not-the-password"),
             "known, right password": ("bench.officer", PASSWORD)}
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    ok = miss = 0
    rng = random.Random(7)
    try:
        for n in range(args.rounds):
            source = (f"127.0.{1 + n // 250}.{2 + n % 250}", 0)
            connection = HTTPConnection("127.0.0.1", server.server_port, source_address=source)
            connection.request("GET", "/login")  # the connection is open before the clock starts
            connection.getresponse().read()
            order = list(KINDS)
            rng.shuffle(order)
            for kind in order:
                username, password = forms[kind]
                started = time.perf_counter()
                status = post(connection, "/login", {"username": username, "password": password})
                times[kind].append((time.perf_counter() - started) * 1000)
                ok, miss = (ok + 1, miss) if status == KINDS[kind] else (ok, miss + 1)
            connection.close()
    finally:
        server.shutdown()
    print(f"sign-in latency over {args.rounds} rounds ({'PostgreSQL' if 'postgresql' in url else 'SQLite'}), ms:")
    for kind, values in times.items():
        ordered = sorted(values)
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        print(f"  {kind:24} median {statistics.median(values):6.1f}  p90 {p90:6.1f}  "
              f"mean {statistics.mean(values):6.1f}")
    ratio = statistics.median(times["unknown username"]) / statistics.median(times["known, wrong password"])
    print(f"  unknown / known (wrong password) median: {ratio:.2f}")
    print(f"summary: {ok} ok, {miss} miss")


if __name__ == "__main__":
    main()
