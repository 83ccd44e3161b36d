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
from dash import Dash, Input, Output, State, dcc

from data.models import RegionLevel

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
    return dbc.Col([*head, control], className=class_name, **width)


def period(element_id: str, label: str, *, start: date | None, end: date | None, clearable: bool = False) -> dbc.Col:
    """The date range picker, Monday first, as wide as a third of the bar on large screens."""
    picker = dcc.DatePickerRange(id=element_id, start_date=start, end_date=end, display_format="YYYY-MM-DD",
                                 first_day_of_week=1, clearable=clearable, className="d-block")
    return field(label, picker, for_id=element_id, xs=12, lg=4)


def dropdown(_: Translate, element_id: str, label: str, options: Options, *, multi: bool = False,
             class_name: str | None = None, **width) -> dbc.Col:
    """A dropdown whose empty choice means everything (全部)."""
    control = dcc.Dropdown(id=element_id, options=options, multi=multi, placeholder=_("全部"))
    return field(label, control, class_name=class_name, **width)


def regions(_: Translate, county_id: str, township_id: str | None, region_options: RegionOptions,
            **width) -> list[dbc.Col]:
    """The county (县（市、区）) and township (乡镇（街道）) dropdowns of the user's regions, each
    `width` wide; no township with township_id None. An empty county list is hidden (a user of
    one township has no county to choose); `link_townships` narrows the townships to the county.
    `region_options(level, parent_code)` gives a level's options (web.context.region_options)."""
    width = width or {"xs": 6, "lg": 2}
    counties = region_options(RegionLevel.county, None)
    county = dropdown(_, county_id, _("县（市、区）"), counties, class_name=None if counties else "d-none", **width)
    if township_id is None:
        return [county]
    return [county, dropdown(_, township_id, _("乡镇（街道）"), region_options(RegionLevel.township, None), **width)]


def link_townships(app: Dash, county_id: str, township_id: str, region_options: RegionOptions) -> None:
    """The county → township cascade: choosing a county lists its townships (all of the user's
    with no county) and keeps the township chosen only if it is among them."""
    @app.callback(Output(township_id, "options"), Output(township_id, "value", allow_duplicate=True),
                  Input(county_id, "value"), State(township_id, "value"), prevent_initial_call=True)
    def townships_of_county(county_code, township_code):
        options = region_options(RegionLevel.township, county_code)
        keep = township_code if any(o["value"] == township_code for o in options) else None
        return options, keep
