"""Wage-case maps, from plain data: a choropleth of townships or grid cells by a metric, and a
township's cases as points. Pure: no database, no request; the route passes translated labels
and calls `render_html`.

Small and quick for a city of a thousand grid cells: coordinates rounded to 5 decimals (about
a metre); one feature per area and no per-case data in the city view; a township's cases as
ONE GeoJSON layer of circle markers, never one Marker per case; features point into a short
list of styles; one-letter property keys. The features go into the page after folium has
rendered it (`render_html`): branca compiles every element's rendered script as a Jinja
template again, which for a city of grid cells takes longer than the SQL behind the map.

Text from people (employer and place names) is made safe by components.maps.safe_text:
HTML-escaped, because the tooltips and popups are HTML, and with its braces as entities, so
that no template engine could ever run an employer called "{{ … }}".

Clicks talk to the framing Dash page through postMessage (assets/map_bridge.js):
{type: "hrss-map", action: "select-township", code} and {type: "hrss-map", action: "open-case", id}.
"""

from __future__ import annotations

import json
import math
from typing import Callable, Iterable

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

# What each kind of feature does, as onEachFeature(feature, layer) bodies; `styles`, `labels`,
# `fields` and `highlight` are the layer's (see _Layer). Property values are escaped already.
TABLE_JS = ("'<b>' + p[fields[0]] + '</b>' + fields.slice(1).filter(function (f) { return p[f] !== ''; })"
            ".map(function (f) { return '<br>' + labels[f] + '：' + p[f]; }).join('')")
AREA_EVENTS = """
    layer.bindTooltip(%(table)s, {sticky: true});
    layer.on({
        mouseover: function () { layer.setStyle(highlight); },
        mouseout: function () { layer.setStyle(styles[p.s]); },
        click: function () {
            window.parent.postMessage({type: "hrss-map", action: "select-township", code: String(p.t)},
                                      window.location.origin);
        }
    });""" % {"table": TABLE_JS}
POINT_EVENTS = """
    layer.bindPopup(%(table)s);
    layer.on("click", function () {
        window.parent.postMessage({type: "hrss-map", action: "open-case", id: Number(feature.id)},
                                  window.location.origin);
    });""" % {"table": TABLE_JS}
NAME_TOOLTIP = "layer.bindTooltip(p.n, {sticky: true});"


class _Layer(MacroElement):
    """One Leaflet GeoJSON layer. Its features are added by `render_html` after folium has
    rendered the page; rendered without it, the layer is empty."""

    _template = Template("""{% macro script(this, kwargs) %}
(function () {
    var styles = {{ this.styles|tojson }}, labels = {{ this.labels|tojson }}, fields = {{ this.fields|tojson }},
        highlight = {{ this.highlight|tojson }};
    L.geoJson({{ this.slot }}, {
        interactive: {{ this.interactive|tojson }},
        style: function (feature) { return styles[feature.properties.s]; },
        pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, styles[feature.properties.s]); },
        onEachFeature: function (feature, layer) { var p = feature.properties; {{ this.events }} }
    }).addTo({{ this._parent.get_name() }});
})();
{% endmacro %}""")

    def __init__(self, features: list[dict], styles: list[dict], *, events: str = "", labels: dict | None = None,
                 fields: list[str] | None = None, interactive: bool = True):
        super().__init__()
        self._name = "CaseLayer"
        self.features, self.styles, self.events = features, styles, events
        self.labels, self.fields, self.interactive, self.highlight = labels or {}, fields or [], interactive, HIGHLIGHT
        self.slot = f"/*{self.get_name()}*/[]"

    def payload(self) -> str:
        """The features as JSON that is safe inside a <script> element."""
        return htmlsafe_json_dumps({"type": "FeatureCollection", "features": self.features},
                                   dumps=lambda value, **_kw: json.dumps(value, separators=(",", ":"),
                                                                         ensure_ascii=False))


class _Markup(MacroElement):
    """Our own HTML (the legend) in the document's body."""

    _template = Template("{% macro html(this, kwargs) %}{{ this.markup }}{% endmacro %}")

    def __init__(self, markup: str):
        super().__init__()
        self.markup = markup


def render_html(fmap: folium.Map) -> str:
    """The map as a whole HTML document, its layers' features in place."""
    document = fmap.get_root().render()
    for layer in _layers(fmap):
        document = document.replace(layer.slot, layer.payload(), 1)
    return document


def _layers(element) -> Iterable[_Layer]:
    for child in element._children.values():
        if isinstance(child, _Layer):
            yield child
        yield from _layers(child)


def _geometry(area: dict) -> dict:
    """An area's boundary for the map; shapes cached by the queries come rounded already."""
    return area["boundary"] if area.get("rounded") else round_geometry(area["boundary"], DIGITS)


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


def _legend(title: str, rows: list[tuple[str, str, str]], *, note: str | None = None) -> _Markup:
    """A legend in the map's lower right: rows of (fill colour, border colour, text)."""
    items = "".join(
        f'<div><span class="legend-swatch" style="background:{fill};border-color:{border}"></span>'
        f'{safe_text(text)}</div>' for fill, border, text in rows)
    extra = f'<div class="legend-note">{safe_text(note)}</div>' if note else ""
    return _Markup(
        "<style>.case-legend{position:fixed;right:10px;bottom:24px;z-index:1000;background:rgba(255,255,255,.92);"
        "padding:6px 9px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.25);font:12px/1.5 system-ui,"
        "'PingFang SC','Microsoft YaHei',sans-serif;color:#263238;max-width:46%}"
        ".case-legend .legend-title{font-weight:600;margin-bottom:2px}"
        ".case-legend .legend-swatch{display:inline-block;width:14px;height:10px;margin-right:6px;"
        "border:2px solid;vertical-align:-1px}.case-legend .legend-note{color:#607d8b;margin-top:2px}</style>"
        f'<div class="case-legend"><div class="legend-title">{safe_text(title)}</div>{items}{extra}</div>')


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


def case_choropleth(areas: list[dict], *, values: dict[str, float], figures: dict[str, dict[str, int]],
                    labels: dict[str, str], risks: dict[str, str] | None = None,
                    risk_labels: dict[str, str] | None = None, format_value: Callable[[float], str] = _number,
                    format_amount: Callable[[int], str] = _number, tile_url: str | None = None,
                    tile_attribution: str = "") -> folium.Map:
    """Townships or grid cells coloured by `values` (the chosen metric per area code).

    `areas`: [{code, name, boundary (GeoJSON geometry), township (its township's code)}];
    `figures`: per code {cases, workers, amount (cents), overdue}, for the tooltip;
    `labels`: translated words — "metric" (legend title), "cases", "workers", "amount",
    "overdue", "risk", "none" (no cases), "hint" (what a click does);
    `risks`: optional grade per code ("red" / "orange" / "yellow" / "low"), drawn as
    outlines, with `risk_labels` naming the grades;
    `format_value` / `format_amount`: numbers as the legend and tooltip show them.
    A click on an area asks the page to drill into its township. Render with render_html."""
    risks, risk_labels = risks or {}, risk_labels or {}
    breaks = class_breaks(values.get(a["code"], 0) for a in areas)
    fmap = base_map(bounds=bounds_of(a["boundary"] for a in areas), tile_url=tile_url,
                    tile_attribution=tile_attribution)
    # n name, t township, c cases, w workers, a amount, o overdue, r risk, s style
    style_of = _Styles()
    features = []
    for area in areas:
        code, figure = area["code"], figures.get(area["code"], {})
        grade = risks.get(code, "")
        properties = {"n": safe_text(area["name"]), "t": safe_text(area.get("township") or code),
                      "c": _number(figure.get("cases", 0)), "w": _number(figure.get("workers", 0)),
                      "a": safe_text(format_amount(figure.get("amount", 0))), "o": _number(figure.get("overdue", 0)),
                      "s": style_of({"fillColor": colour_for(values.get(code, 0), breaks), "fillOpacity": 0.8,
                                     "color": RISK_OUTLINE.get(grade, OUTLINE),
                                     "weight": 3 if grade in RISK_OUTLINE else 1})}
        if risks:
            properties["r"] = safe_text(risk_labels.get(grade, ""))
        features.append({"type": "Feature", "geometry": _geometry(area), "properties": properties})
    fields = ["n", "c", "w", "a", "o"] + (["r"] if risks else [])
    words = {"c": "cases", "w": "workers", "a": "amount", "o": "overdue", "r": "risk"}
    _Layer(features, style_of.styles, events=AREA_EVENTS, fields=fields,
           labels={k: safe_text(labels.get(word, word)) for k, word in words.items()}).add_to(fmap)
    rows = [(NO_CASES, "#cfd8dc", labels.get("none", "0"))]
    for i, upper in enumerate(breaks):
        text = f"≤ {format_value(upper)}" if i == 0 else f"{format_value(breaks[i - 1])} – {format_value(upper)}"
        rows.append((colour_for(upper, breaks), colour_for(upper, breaks), text))
    if risks:
        rows += [("#ffffff", RISK_OUTLINE[g], f"{labels.get('risk', '')}：{risk_labels.get(g, g)}")
                 for g in RISK_OUTLINE if g in risks.values()]
    _legend(labels.get("metric", ""), rows, note=labels.get("hint")).add_to(fmap)
    return fmap


def point_colour(point: dict) -> str:
    if point.get("overdue"):
        return POINT_COLOURS["overdue"]
    return POINT_COLOURS["open"] if point.get("due") else POINT_COLOURS["concluded"]


def township_cases_map(township: dict, points: list[dict], *, labels: dict[str, str],
                       describe: Callable[[dict], dict[str, str]], grids: list[dict] | None = None,
                       tile_url: str | None = None, tile_attribution: str = "") -> folium.Map:
    """One township's cases as circle markers (one GeoJSON layer) over its grid cells.

    `township`: {code, name, boundary}; `grids`: [{code, name, boundary}];
    `points`: [{id, lon, lat, workers, overdue, due, …}] (data.queries.cases.case_points);
    `describe(point)` gives the popup's texts — {case_no, employer, status, workers, amount,
    deadline} — already translated; each is made safe here;
    `labels`: translated words for the popup rows (same keys) and the legend ("legend",
    "overdue", "open", "concluded", "hint").
    A click on a case asks the page to open it. Render with render_html."""
    shapes = [township["boundary"]] if township.get("boundary") else []
    located = [{"type": "Polygon", "coordinates": [[[p["lon"], p["lat"]] for p in points]]}] if points else []
    fmap = base_map(bounds=bounds_of(shapes + [g["boundary"] for g in grids or []] + located),
                    tile_url=tile_url, tile_attribution=tile_attribution)
    if grids:
        _Layer([{"type": "Feature", "geometry": _geometry(g),
                 "properties": {"n": safe_text(g["name"]), "s": 0}} for g in grids],
               [{"fillColor": "#eceff1", "fillOpacity": 0.35, "color": "#90a4ae", "weight": 1}],
               events=NAME_TOOLTIP).add_to(fmap)
    if shapes:
        _Layer([{"type": "Feature", "geometry": round_geometry(township["boundary"]), "properties": {"s": 0}}],
               [{"fill": False, "color": "#37474f", "weight": 2.5}], interactive=False).add_to(fmap)
    # case_no, employer, status, workers, amount, deadline; s style
    keys = {"case_no": "k", "employer": "e", "status": "st", "workers": "w", "amount": "a", "deadline": "d"}
    style_of = _Styles()
    features = []
    for point in points:
        texts = describe(point)
        radius = round(min(12.0, 4 + 1.6 * math.sqrt(max(1, int(point.get("workers") or 1)))))
        properties = {key: safe_text(texts.get(name, "")) for name, key in keys.items()}
        properties["s"] = style_of({"fillColor": point_colour(point), "color": "#ffffff", "weight": 1,
                                    "fillOpacity": 0.85, "radius": radius})
        features.append({"type": "Feature", "id": int(point["id"]), "properties": properties,
                         "geometry": round_geometry({"type": "Point", "coordinates": [point["lon"], point["lat"]]})})
    _Layer(features, style_of.styles, events=POINT_EVENTS, fields=list(keys.values()),
           labels={key: safe_text(labels.get(name, name)) for name, key in keys.items()}).add_to(fmap)
    rows = [(POINT_COLOURS[k], POINT_COLOURS[k], labels.get(k, k)) for k in ("overdue", "open", "concluded")]
    _legend(labels.get("legend", ""), rows, note=labels.get("hint")).add_to(fmap)
    return fmap
