"""Wage-case maps, from plain data: a choropleth of townships or grid cells by a metric, and a
township's cases as points. Pure: no database, no request; the route passes translated labels.

Small and quick for a city of a thousand grid cells: coordinates rounded to 5 decimals (about
a metre); one feature per area and no per-case data in the city view; a township's cases as
ONE GeoJSON layer of circle markers, never one Marker per case; features point into a short
list of styles; one-letter property keys.

Each map is drawn in two steps. A `MapSkeleton` is the page without its figures: folium's
map, the scripts, and the shapes (the heavy part: a city's grid cells are thousands of
polygons), rendered once and kept by the caller for as long as the shapes stay the same.
Each request then only fills its holes: the figures and colours per area, or a township's
cases, and the legend (`choropleth_document`, `township_document`). Folium is never run per
request: branca compiles every element's rendered script as a Jinja template again, which for
a city of grid cells takes longer than the SQL behind the map.

Text from people (employer and place names) is made safe by components.maps.safe_text:
HTML-escaped, because the tooltips, popups and the legend are HTML, and with its braces as
entities, so that no template engine could ever run an employer called "{{ … }}". What fills
a hole in a <script> is JSON with <, >, & and ' written as \\u escapes (`script_json`), so no
"</script>" in a name can end the script.

Clicks talk to the framing Dash page through postMessage (assets/map_bridge.js):
{type: "hrss-map", action: "select-township", code} and {type: "hrss-map", action: "open-case", id}.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

import folium
from branca.element import MacroElement
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from components.maps import base_map, bounds_of, safe_text
from data.geo import round_geometry

# a sequential scale (ColorBrewer OrRd), light to dark; areas without cases stay neutral
SCALE = ["#fef0d9", "#fdd49e", "#fdbb84", "#fc8d59", "#ef6548", "#d7301f", "#990000"]
NO_CASES = "#f5f7fa"
OUTLINE = "#ffffff"
RISK_OUTLINE = {"red": "#b71c1c", "orange": "#ef6c00", "yellow": "#f9a825"}
POINT_COLOURS = {"overdue": "#d32f2f", "open": "#1565c0", "concluded": "#78909c"}
HIGHLIGHT = {"weight": 3, "fillOpacity": 0.95}
DIGITS = 5
PADDING = (8, 8)

# What each kind of feature does, as onEachFeature(feature, layer) bodies; `styles`, `labels`,
# `fields` and `highlight` are the layer's (see _Layer). Property values are escaped already.
TABLE_JS = ("'<b>' + p[fields[0]] + '</b>' + fields.slice(1).filter(function (f) { return p[f] !== ''; })"
            ".map(function (f) { return '<br>' + labels[f] + '：' + p[f]; }).join('')")
AREA_EVENTS = """
    layer.bindTooltip(TABLE_JS, {sticky: true});
    layer.on({
        mouseover: function () { layer.setStyle(highlight); },
        mouseout: function () { layer.setStyle(styles[p.s]); },
        click: function () {
            window.parent.postMessage({type: "hrss-map", action: "select-township", code: String(p.t)},
                                      window.location.origin);
        }
    });""".replace("TABLE_JS", TABLE_JS)
POINT_EVENTS = """
    layer.bindPopup(TABLE_JS);
    layer.on("click", function () {
        window.parent.postMessage({type: "hrss-map", action: "open-case", id: Number(feature.id)},
                                  window.location.origin);
    });""".replace("TABLE_JS", TABLE_JS)
NAME_TOOLTIP = "layer.bindTooltip(p.n, {sticky: true});"


# --- skeletons and their holes -----------------------------------------------------------------

_HOLE = re.compile(r"/\*hrss-hole:([a-z-]+)\*/")


def _hole(name: str) -> str:
    """Where a hole goes in an element's template; `MapSkeleton` cuts the page there."""
    return f"/*hrss-hole:{name}*/"


def _compact(value, **_kwargs) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def script_json(value) -> str:
    """`value` as JSON that is safe inside a <script> element: <, >, & and ' as \\u escapes."""
    return str(htmlsafe_json_dumps(value, dumps=_compact))


@dataclass(frozen=True)
class MapSkeleton:
    """A map page rendered without what changes per request: `fill` puts that in.

    `pieces` alternate text and hole names (text, hole, text, …, text). The page is cut at
    the holes right after folium has rendered it, before any name from the database is put
    in, so no text can pose as a hole. `codes` are the choropleth's areas in feature order;
    `bounds` the township map's shapes' ((south, west), (north, east))."""

    pieces: tuple[str, ...]
    codes: tuple[str, ...] = ()
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None

    @classmethod
    def render(cls, fmap: folium.Map, fixed: dict[str, str], **extra) -> MapSkeleton:
        """`fmap` rendered, with the holes in `fixed` filled for good (they are part of the
        skeleton: the shapes); the others are left for `fill`."""
        parts = _HOLE.split(fmap.get_root().render())
        names = parts[1::2]
        if len(set(names)) != len(names) or not set(fixed) <= set(names):
            raise ValueError(f"each hole once, the fixed ones among them: {names}, {sorted(fixed)}")
        pieces = [parts[0]]
        for name, text in zip(parts[1::2], parts[2::2], strict=True):
            if name in fixed:
                pieces[-1] += fixed[name] + text
            else:
                pieces += [name, text]
        return cls(pieces=tuple(pieces), **extra)

    @property
    def holes(self) -> tuple[str, ...]:
        return self.pieces[1::2]

    def fill(self, parts: dict[str, str]) -> str:
        """The whole HTML document: each hole filled with `parts[hole]`, which must be safe where
        it goes (script_json in a script; escaped HTML in the body)."""
        if set(parts) != set(self.holes):
            raise ValueError(f"fill exactly {self.holes}, not {sorted(parts)}")
        out = list(self.pieces)
        out[1::2] = [parts[name] for name in self.holes]
        return "".join(out)


class _Layer(MacroElement):
    """One Leaflet GeoJSON layer, its data in two holes: `<name>`, the features (a
    FeatureCollection), and `<name>-given`: {styles, labels, fields} and optionally `keys` and
    `rows`, a row of property values per feature (in feature order) to add to its
    properties — the figures of areas whose shapes are in the skeleton."""

    _template = Template("""{% macro script(this, kwargs) %}
(function () {
    var shapes = {{ this.hole_features }}, given = {{ this.hole_given }}, styles = given.styles,
        labels = given.labels || {}, fields = given.fields || [], highlight = {{ this.highlight|tojson }};
    (given.rows || []).forEach(function (row, i) {
        var p = shapes.features[i].properties;
        given.keys.forEach(function (key, j) { p[key] = row[j]; });
    });
    L.geoJson(shapes, {
        interactive: {{ this.interactive|tojson }},
        style: function (feature) { return styles[feature.properties.s]; },
        pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, styles[feature.properties.s]); },
        onEachFeature: function (feature, layer) { var p = feature.properties; {{ this.events }} }
    }).addTo({{ this._parent.get_name() }});
})();
{% endmacro %}""")

    def __init__(self, name: str, *, events: str = "", interactive: bool = True):
        super().__init__()
        self._name = "CaseLayer"
        self.events, self.interactive, self.highlight = events, interactive, HIGHLIGHT
        self.hole_features, self.hole_given = _hole(name), _hole(f"{name}-given")


class FitBesideLegend(MacroElement):
    """The map fitted to `bounds` ((south, west), (north, east)), or to the bounds in the hole
    "bounds" ([[south, west], [north, east]] or null) when none are given, beside the legend."""

    _template = Template("""{% macro script(this, kwargs) %}
    (function (bounds) {
        // an open legend (lower right) takes its width off the right: the areas sit beside it
        var legend = document.querySelector('.case-legend'), options = {{ this.options|tojson }};
        if (legend && legend.open) { options.paddingBottomRight = [legend.offsetWidth + 16, 8]; }
        if (bounds) { {{ this._parent.get_name() }}.fitBounds(bounds, options); }
    })({{ this.hole }});
{% endmacro %}""")

    def __init__(self, bounds=None):
        super().__init__()
        self._name = "FitBounds"
        self.options = {"paddingTopLeft": list(PADDING), "paddingBottomRight": list(PADDING)}
        self.hole = _bounds_json(bounds) if bounds else _hole("bounds")


class _Markup(MacroElement):
    """Our own HTML (the legend) in the document's body, from the hole "legend"."""

    _template = Template("{% macro html(this, kwargs) %}{{ this.hole }}{% endmacro %}")

    def __init__(self):
        super().__init__()
        self.hole = _hole("legend")


def _bounds_json(bounds) -> str:
    return script_json([list(bounds[0]), list(bounds[1])] if bounds else None)


def _collection(features: list[dict]) -> str:
    return script_json({"type": "FeatureCollection", "features": features})


def _geometry(area: dict) -> dict:
    """An area's boundary for the map; shapes cached by the queries come rounded already."""
    return area["boundary"] if area.get("rounded") else round_geometry(area["boundary"], DIGITS)


# --- colours and the legend --------------------------------------------------------------------


def class_breaks(values: Iterable[float], classes: int = len(SCALE) - 1) -> list[float]:
    """Upper bounds of up to `classes` classes for the non-zero values: quantiles (arrears
    cluster in a few places, so equal steps would paint almost everything the lightest
    colour), rounded up to two significant digits, ascending and distinct; the last is the max."""
    positive = sorted(v for v in values if v and v > 0)
    if not positive:
        return []
    breaks: list[float] = []
    for i in range(1, classes + 1):
        value = positive[min(len(positive) - 1, math.ceil(i * len(positive) / classes) - 1)]
        if i < classes and value >= 1:
            step = 10 ** max(0, int(math.floor(math.log10(value))) - 1)
            value = math.ceil(value / step) * step
        value = min(value, positive[-1])
        if not breaks or value > breaks[-1]:
            breaks.append(value)
    return breaks


def colour_for(value: float | None, breaks: list[float]) -> str:
    """The class colour of `value`: the classes spread over the scale above its lightest
    step (too close to "no cases"), the top class darkest."""
    if not value or value <= 0 or not breaks:
        return NO_CASES
    index = next((i for i, upper in enumerate(breaks) if value <= upper), len(breaks) - 1)
    return SCALE[round((index + 1) * (len(SCALE) - 1) / len(breaks))]


def _legend(title: str, rows: list[tuple[str, str, str]], *, note: str | None = None) -> str:
    """A legend in the map's lower right (HTML for the hole "legend"): rows of (fill colour,
    border colour, text). It folds to its title with a click (a <details>, no script), and starts
    folded on a phone, so it never has to sit on the areas a reader wants to see."""
    items = "".join(
        f'<div><span class="legend-swatch" style="background:{fill};border-color:{border}"></span>'
        f'{safe_text(text)}</div>' for fill, border, text in rows)
    extra = f'<div class="legend-note">{safe_text(note)}</div>' if note else ""
    return ("<style>.case-legend{position:fixed;right:10px;bottom:24px;z-index:1000;background:rgba(255,255,255,.92);"
            "padding:4px 9px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.25);font:12px/1.5 system-ui,"
            "'PingFang SC','Microsoft YaHei',sans-serif;color:#263238;max-width:46%}"
            ".case-legend summary{font-weight:600;cursor:pointer}"
            ".case-legend .legend-swatch{display:inline-block;width:14px;height:10px;margin-right:6px;"
            "border:2px solid;vertical-align:-1px}.case-legend .legend-note{color:#607d8b;margin-top:2px}</style>"
            f'<details class="case-legend" open><summary class="legend-title">{safe_text(title)}</summary>'
            f'{items}{extra}</details>'
            "<script>if (window.innerWidth < 500) document.querySelector('.case-legend').open = false;</script>")


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


class _Styles:
    """The distinct styles of a layer; each feature carries the index of its own."""

    def __init__(self):
        self.styles: list[dict] = []
        self._index: dict[tuple, int] = {}

    def __call__(self, style: dict) -> int:
        key = tuple(sorted(style.items()))
        if key not in self._index:
            self._index[key] = len(self.styles)
            self.styles.append(style)
        return self._index[key]


def choropleth_skeleton(areas: list[dict], *, tile_url: str | None = None,
                        tile_attribution: str = "") -> MapSkeleton:
    """The choropleth without its figures: the map fitted to `areas` ([{code, name, boundary
    (GeoJSON geometry), township (its township's code)}]), their shapes, names and township
    codes. No words in it: one skeleton serves every language. Fill with choropleth_document."""
    fmap = base_map(bounds=None, tile_url=tile_url, tile_attribution=tile_attribution)
    FitBesideLegend().add_to(fmap)
    _Layer("areas", events=AREA_EVENTS).add_to(fmap)
    _Markup().add_to(fmap)
    # n name, t township (what a click drills into)
    features = [{"type": "Feature", "geometry": _geometry(area),
                 "properties": {"n": safe_text(area["name"]), "t": safe_text(area.get("township") or area["code"])}}
                for area in areas]
    return MapSkeleton.render(fmap, {"bounds": _bounds_json(bounds_of(a["boundary"] for a in areas)),
                                     "areas": _collection(features)},
                              codes=tuple(area["code"] for area in areas))


def choropleth_document(skeleton: MapSkeleton, *, values: dict[str, float], figures: dict[str, dict[str, int]],
                        labels: dict[str, str], risks: dict[str, str] | None = None,
                        risk_labels: dict[str, str] | None = None, format_value: Callable[[float], str] = _number,
                        format_amount: Callable[[int], str] = _number) -> str:
    """The choropleth page: the skeleton's areas coloured by `values` (the chosen metric per
    area code).

    `figures`: per code {cases, workers, amount (cents), overdue}, for the tooltip;
    `labels`: translated words — "metric" (legend title), "cases", "workers", "amount",
    "overdue", "risk", "none" (no cases), "hint" (what a click does);
    `risks`: optional grade per code ("red" / "orange" / "yellow" / "low"), drawn as
    outlines, with `risk_labels` naming the grades;
    `format_value` / `format_amount`: numbers as the legend and tooltip show them.
    A click on an area asks the page to drill into its township."""
    risks, risk_labels = risks or {}, risk_labels or {}
    codes = skeleton.codes
    breaks = class_breaks(values.get(code, 0) for code in codes)
    # c cases, w workers, a amount, o overdue, s style, r risk
    keys = ["c", "w", "a", "o", "s"] + (["r"] if risks else [])
    style_of = _Styles()
    grades = {grade: safe_text(risk_labels.get(grade, "")) for grade in [*set(risks.values()), ""]}
    # a thousand grid cells share a few dozen numbers and a dozen styles: work each out once
    numbers: dict[float, str] = {}
    styles: dict[tuple[float, str], int] = {}

    def number(value: float) -> str:
        if value not in numbers:
            numbers[value] = _number(value)
        return numbers[value]

    def style(value: float, grade: str) -> int:
        if (value, grade) not in styles:
            styles[value, grade] = style_of({"fillColor": colour_for(value, breaks), "fillOpacity": 0.8,
                                             "color": RISK_OUTLINE.get(grade, OUTLINE),
                                             "weight": 3 if grade in RISK_OUTLINE else 1})
        return styles[value, grade]

    rows = []
    for code in codes:
        figure, grade = figures.get(code, {}), risks.get(code, "")
        row = [number(figure.get("cases", 0)), number(figure.get("workers", 0)),
               safe_text(format_amount(figure.get("amount", 0))), number(figure.get("overdue", 0)),
               style(values.get(code, 0), grade)]
        if risks:
            row.append(grades[grade])
        rows.append(row)
    words = {"c": "cases", "w": "workers", "a": "amount", "o": "overdue", "r": "risk"}
    given = {"styles": style_of.styles, "fields": ["n", "c", "w", "a", "o"] + (["r"] if risks else []),
             "labels": {k: safe_text(labels.get(word, word)) for k, word in words.items()}, "keys": keys, "rows": rows}
    legend = [(NO_CASES, "#cfd8dc", labels.get("none", "0"))]
    for i, upper in enumerate(breaks):
        text = f"≤ {format_value(upper)}" if i == 0 else f"{format_value(breaks[i - 1])} – {format_value(upper)}"
        legend.append((colour_for(upper, breaks), colour_for(upper, breaks), text))
    if risks:
        legend += [("#ffffff", RISK_OUTLINE[g], f"{labels.get('risk', '')}：{risk_labels.get(g, g)}")
                   for g in RISK_OUTLINE if g in risks.values()]
    return skeleton.fill({"areas-given": script_json(given),
                          "legend": _legend(labels.get("metric", ""), legend, note=labels.get("hint"))})


def case_choropleth(areas: list[dict], *, tile_url: str | None = None, tile_attribution: str = "",
                    **figures) -> str:
    """A choropleth page in one go (choropleth_skeleton, then choropleth_document with `figures`)."""
    return choropleth_document(choropleth_skeleton(areas, tile_url=tile_url, tile_attribution=tile_attribution),
                               **figures)


def point_colour(point: dict) -> str:
    if point.get("overdue"):
        return POINT_COLOURS["overdue"]
    return POINT_COLOURS["open"] if point.get("due") else POINT_COLOURS["concluded"]


def township_skeleton(township: dict, *, grids: list[dict] | None = None, tile_url: str | None = None,
                      tile_attribution: str = "") -> MapSkeleton:
    """A township's map without its cases: its grid cells (named on hover) under its outline.

    `township`: {code, name, boundary (or None)}; `grids`: [{code, name, boundary}].
    No words in it. Fill with township_document."""
    shapes = [township["boundary"]] if township.get("boundary") else []
    fmap = base_map(bounds=None, tile_url=tile_url, tile_attribution=tile_attribution)
    FitBesideLegend().add_to(fmap)
    fixed = {}
    if grids:
        _Layer("grids", events=NAME_TOOLTIP).add_to(fmap)
        fixed["grids"] = _collection([{"type": "Feature", "geometry": _geometry(g),
                                       "properties": {"n": safe_text(g["name"]), "s": 0}} for g in grids])
        fixed["grids-given"] = script_json(
            {"styles": [{"fillColor": "#eceff1", "fillOpacity": 0.35, "color": "#90a4ae", "weight": 1}]})
    if shapes:
        _Layer("outline", interactive=False).add_to(fmap)
        fixed["outline"] = _collection([{"type": "Feature", "geometry": _geometry(township), "properties": {"s": 0}}])
        fixed["outline-given"] = script_json({"styles": [{"fill": False, "color": "#37474f", "weight": 2.5}]})
    _Layer("cases", events=POINT_EVENTS).add_to(fmap)
    _Markup().add_to(fmap)
    return MapSkeleton.render(fmap, fixed, bounds=bounds_of(shapes + [g["boundary"] for g in grids or []]))


def _widened(bounds, lats: list[float], lons: list[float]):
    """`bounds` widened to take in the points (lats, lons), as bounds_of over all would."""
    if not lats:
        return bounds
    if bounds is None:
        return (min(lats), min(lons)), (max(lats), max(lons))
    (south, west), (north, east) = bounds
    return (min(south, *lats), min(west, *lons)), (max(north, *lats), max(east, *lons))


def township_document(skeleton: MapSkeleton, points: list[dict], *, labels: dict[str, str],
                      describe: Callable[[dict], dict[str, str]]) -> str:
    """A township's page: its cases as circle markers (one GeoJSON layer) over the skeleton,
    the map fitted to both.

    `points`: [{id, lon, lat, workers, overdue, due, …}] (data.queries.cases.case_points);
    `describe(point)` gives the popup's texts — {case_no, employer, status, workers, amount,
    deadline} — already translated; each is made safe here;
    `labels`: translated words for the popup rows (same keys) and the legend ("legend",
    "overdue", "open", "concluded", "hint").
    A click on a case asks the page to open it."""
    # case_no, employer, status, workers, amount, deadline; s style
    keys = {"case_no": "k", "employer": "e", "status": "st", "workers": "w", "amount": "a", "deadline": "d"}
    style_of = _Styles()
    # statuses, deadlines and employers repeat, and a few styles serve all: work each out once
    escaped: dict[str, str] = {}
    styles: dict[tuple[str, int], int] = {}
    scale = 10 ** DIGITS
    features = []
    for point in points:
        texts = describe(point)
        properties = {}
        for name, key in keys.items():
            text = texts.get(name, "")
            if text not in escaped:
                escaped[text] = safe_text(text)
            properties[key] = escaped[text]
        look = (point_colour(point), round(min(12.0, 4 + 1.6 * math.sqrt(max(1, int(point.get("workers") or 1))))))
        if look not in styles:
            styles[look] = style_of({"fillColor": look[0], "color": "#ffffff", "weight": 1, "fillOpacity": 0.85,
                                     "radius": look[1]})
        properties["s"] = styles[look]
        # rounded as data.geo.round_geometry rounds
        features.append({"type": "Feature", "id": int(point["id"]), "properties": properties,
                         "geometry": {"type": "Point", "coordinates": [round(point["lon"] * scale) / scale,
                                                                       round(point["lat"] * scale) / scale]}})
    given = {"styles": style_of.styles, "fields": list(keys.values()),
             "labels": {key: safe_text(labels.get(name, name)) for name, key in keys.items()}}
    bounds = _widened(skeleton.bounds, [p["lat"] for p in points], [p["lon"] for p in points])
    legend = [(POINT_COLOURS[k], POINT_COLOURS[k], labels.get(k, k)) for k in ("overdue", "open", "concluded")]
    return skeleton.fill({"bounds": _bounds_json(bounds), "cases": _collection(features),
                          "cases-given": script_json(given),
                          "legend": _legend(labels.get("legend", ""), legend, note=labels.get("hint"))})


def township_cases_map(township: dict, points: list[dict], *, labels: dict[str, str],
                       describe: Callable[[dict], dict[str, str]], grids: list[dict] | None = None,
                       tile_url: str | None = None, tile_attribution: str = "") -> str:
    """A township's page in one go (township_skeleton, then township_document)."""
    skeleton = township_skeleton(township, grids=grids, tile_url=tile_url, tile_attribution=tile_attribution)
    return township_document(skeleton, points, labels=labels, describe=describe)


def case_map_address(filters, *, metric: str, level: str, version=None) -> str:
    """The address of the case map (/maps/cases, web.maps) for a page's CaseFilters: the
    township's cases as points when the region is a township, else its areas by `metric`."""
    params = {**filters.to_query(), "metric": metric, "level": level}
    if version is not None:
        params["v"] = version
    code = filters.region_code
    if code and len(code) == 12 and code[6:9] != "000":
        params["township"] = code
    return "/maps/cases?" + urlencode(params)
