"""The filter bar of every dashboard page: a card of labelled fields in one row (the period
first, then the county and township, then the page's own fields), and the one county → township
cascade that goes with it.

Builders only: a page passes its translate function, its element ids and its options, and
collects the values into its filters (data/filters.py) in a callback of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, no_update

from data.errors import N_
from data.models import RegionLevel
from data.rules.calendar import PERIOD_PRESETS, period_from_query, preset_of, preset_period

Translate = Callable[..., str]
Options = list[dict]
RegionOptions = Callable[[RegionLevel, str | None], Options]


def filter_bar(*fields) -> dbc.Card:
    """The card; `fields` are dbc.Col (or lists of them), in order."""
    columns = [c for f in fields for c in (f if isinstance(f, list) else [f]) if c is not None]
    return dbc.Card(dbc.CardBody(dbc.Row(columns, className="g-2")), className="shadow-sm mb-3 filter-bar")


def field(label: str | None, control, *, for_id: str | None = None, class_name: str | None = None,
          **width) -> dbc.Col:
    """One labelled field; `width` are dbc.Col's breakpoints (xs=6, lg=2 …)."""
    head = [dbc.Label(label, html_for=for_id, className="small mb-1")] if label else []
    return dbc.Col([*head, *(control if isinstance(control, list) else [control])], className=class_name, **width)


def period(_: Translate, element_id: str, label: str, *, start: date | None, end: date | None, today: date,
           query: dict | None = None, clearable: bool = False) -> list[dbc.Col]:
    """The period: a preset (本周, 本月, 本季, 本年, 近12个月, or 自定义) and the date range picker,
    Monday first. `start`/`end` are the page's default; the address's ?from=…&to= wins (a bookmark
    reopens the same view), and link_period keeps the address in step with the picker."""
    start, end = period_from_query(query, (start, end))
    preset = dbc.Select(id=element_id + PRESET, value=preset_of(start, end, today), size="sm",
                        options=[{"label": _(PRESET_NAMES[name]), "value": name}
                                 for name in (*PERIOD_PRESETS, "custom")])
    picker = dcc.DatePickerRange(id=element_id, start_date=start, end_date=end, display_format="YYYY-MM-DD",
                                 first_day_of_week=1, clearable=clearable, className="period-picker",
                                 start_date_placeholder_text=_("开始日期"), end_date_placeholder_text=_("结束日期"))
    return [field(_("期间"), preset, for_id=element_id + PRESET, xs=4, lg=1, class_name="period-preset"),
            field(label, [picker, dcc.Store(id=element_id + "-address")], for_id=element_id, xs=8, lg=3)]


PRESET = "-preset"
PRESET_NAMES = {"week": N_("本周"), "month": N_("本月"), "quarter": N_("本季"), "year": N_("本年"),
                "12m": N_("近12个月"), "custom": N_("自定义")}


def link_period(app: Dash, element_id: str, today: Callable[[], date]) -> None:
    """A preset chosen sets the picker's days; days picked name their preset (or 自定义); and the
    address follows the period (history.replaceState: no reload, nothing re-rendered), so a reload
    or a bookmark reopens it. The first render leaves the address alone."""
    preset_id = element_id + PRESET

    @app.callback(Output(preset_id, "value"), Output(element_id, "start_date"), Output(element_id, "end_date"),
                  Input(preset_id, "value"), Input(element_id, "start_date"), Input(element_id, "end_date"),
                  prevent_initial_call=True)
    def preset_and_days(preset, start, end):
        day = today()
        if ctx.triggered_id == preset_id:
            if preset not in PERIOD_PRESETS:
                return no_update, no_update, no_update
            first, last = preset_period(preset, day)
            return no_update, first.isoformat(), last.isoformat()
        first, last = (date.fromisoformat(v[:10]) if v else None for v in (start, end))
        return preset_of(first, last, day), no_update, no_update

    app.clientside_callback(
        """function (start, end) {
            const query = new URLSearchParams(window.location.search);
            const put = (name, value) => value ? query.set(name, value.slice(0, 10)) : query.delete(name);
            put('from', start);
            put('to', end);
            const search = query.toString();
            window.history.replaceState(window.history.state, '',
                                        window.location.pathname + (search ? '?' + search : ''));
            return window.dash_clientside.no_update;
        }""",
        Output(element_id + "-address", "data"), Input(element_id, "start_date"), Input(element_id, "end_date"),
        prevent_initial_call=True)


def dropdown(_: Translate, element_id: str, label: str, options: Options, *, multi: bool = False,
             class_name: str | None = None, value=None, **width) -> dbc.Col:
    """A dropdown whose empty choice means everything (全部)."""
    control = dcc.Dropdown(id=element_id, options=options, multi=multi, placeholder=_("全部"), value=value)
    return field(label, control, class_name=class_name, **width)


def regions(_: Translate, county_id: str, township_id: str | None, region_options: RegionOptions,
            county: str | None = None, township: str | None = None, **width) -> list[dbc.Col]:
    """The county (县（市、区）) and township (乡镇（街道）) dropdowns of the user's regions, each
    `width` wide; no township with township_id None. An empty county list is hidden (a user of
    one township has no county to choose); `link_townships` narrows the townships to the county.
    `region_options(level, parent_code)` gives a level's options (web.context.region_options);
    `county`/`township` the codes chosen at first (a link's ?county=… or ?township=…)."""
    width = width or {"xs": 6, "lg": 2}
    counties = region_options(RegionLevel.county, None)
    county_col = dropdown(_, county_id, _("县（市、区）"), counties, class_name=None if counties else "d-none",
                          value=county, **width)
    if township_id is None:
        return [county_col]
    return [county_col, dropdown(_, township_id, _("乡镇（街道）"), region_options(RegionLevel.township, None),
                                 value=township, **width)]


def link_townships(app: Dash, county_id: str, township_id: str, region_options: RegionOptions) -> None:
    """The county → township cascade: choosing a county lists its townships (all of the user's
    with no county) and keeps the township chosen only if it is among them."""
    @app.callback(Output(township_id, "options"), Output(township_id, "value", allow_duplicate=True),
                  Input(county_id, "value"), State(township_id, "value"), prevent_initial_call=True)
    def townships_of_county(county_code, township_code):
        options = region_options(RegionLevel.township, county_code)
        keep = township_code if any(o["value"] == township_code for o in options) else None
        return options, keep
