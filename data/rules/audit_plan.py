"""暗访计划: drawing the year's unannounced window audits (DOMAIN.md §3). Pure: stations, auditors,
working days and a seed in; the draw out. The same inputs and seed give the same draw.

- How many: every station `per_station` times, and more often where it does worse — a lower grade,
  open rectifications, complaints (差评) — by its weight: 1 + the grade's weight + the shares of
  open rectifications (up to 5) and complaints (up to 10) times theirs. A weight of 2.4 adds one
  audit and a second with probability 0.4.
- When: a station's audits split the period's working days into equal runs, one day drawn at random
  in each (another of the run when two auditors are not free that day): spread over the year, on no
  fixed weekday.
- Who: two auditors, neither from the station's county (回避), the least busy first (ties drawn at
  random), nobody twice on one day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

DEFAULT_WEIGHTS = {"grade": {"rectify": 1.0, "fail": 1.5, "none": 0.5}, "open_rectifications": 0.5,
                   "complaints": 0.5}
MODES = ("covert", "overt", "phone", "online")


class DrawError(ValueError):
    """The draw cannot be made (no working day, too few auditors after recusal)."""


@dataclass(frozen=True)
class Candidate:
    station_id: int
    county: str  # the station's county path
    grade: str | None = None  # its latest standardisation grade (None: never checked)
    open_rectifications: int = 0
    complaints: int = 0  # 差评 in the last year


@dataclass(frozen=True)
class Auditor:
    user_id: int
    home: str | None = None  # the county path they come from (None: the city's own staff)


@dataclass(frozen=True)
class Draw:
    station_id: int
    due_on: date
    mode: str
    auditor_ids: tuple[int, int]


def weight(candidate: Candidate, weights: dict = DEFAULT_WEIGHTS) -> float:
    grades = weights.get("grade", {})
    w = 1.0 + float(grades.get(candidate.grade or "none", 0.0))
    w += float(weights.get("open_rectifications", 0)) * min(candidate.open_rectifications, 5) / 5
    w += float(weights.get("complaints", 0)) * min(candidate.complaints, 10) / 10
    return w


def draw_plan(candidates: list[Candidate], auditors: list[Auditor], *, workdays: list[date], modes: list[str],
              per_station: int, seed: int, weights: dict = DEFAULT_WEIGHTS) -> list[Draw]:
    """The plan's audits, by date then station. Raises DrawError when it cannot be drawn."""
    if not workdays:
        raise DrawError("no working day in the period")
    if not modes or not set(modes) <= set(MODES):
        raise DrawError("modes")
    rng = random.Random(seed)
    days = sorted(workdays)
    load: dict[int, int] = {a.user_id: 0 for a in auditors}
    busy: set[tuple[int, date]] = set()
    out = []
    for candidate in sorted(candidates, key=lambda c: c.station_id):
        extra = weight(candidate, weights) - 1.0
        count = max(1, per_station) + int(extra) + (1 if rng.random() < extra - int(extra) else 0)
        count = min(count, len(days))
        eligible = [a.user_id for a in auditors if a.home is None or not candidate.county.startswith(a.home)]
        for k in range(count):
            run = days[k * len(days) // count:(k + 1) * len(days) // count] or days
            # a day of the run at random; another of the run when two auditors are not free that day
            for day in rng.sample(run, len(run)):
                free = [u for u in eligible if (u, day) not in busy]
                if len(free) >= 2:
                    break
            else:
                raise DrawError(f"fewer than two auditors for station {candidate.station_id}")
            order = sorted(free, key=lambda u: (load[u], rng.random()))
            pair = (order[0], order[1])
            for user_id in pair:
                load[user_id] += 1
                busy.add((user_id, day))
            out.append(Draw(candidate.station_id, day, rng.choice(sorted(modes)), pair))
    return sorted(out, key=lambda d: (d.due_on, d.station_id))
