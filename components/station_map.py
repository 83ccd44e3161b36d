"""The station map, from plain data: township stations coloured by their latest grade over the
township outlines, and village / community service points that appear when zoomed in. Pure:
no database, no request; the route passes translated labels and calls `render_html` (below).

Small for a city of two thousand townships (well under 500 KB): outlines travel as encoded
polylines (a few bytes a vertex instead of twenty), stations as short arrays, and the tens of
thousands of service points never go into the page — at zoom `min_zoom` and closer the map
asks `points_url` (with bbox=west,south,east,north) for those in view, as JSON arrays
[id, lon, lat, kind index, grade index, name]. Everything is added after folium has rendered
the page (render_html here), so no template engine sees it; names are made safe by
components.maps.safe_text, because tooltips are HTML.

A click on a station or a point posts {type: "hrss-map", action: "station", id} to the framing
page (assets/map_bridge.js), which opens the station's profile.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable

import folium
from branca.element import Element, MacroElement
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from components.case_map import FitBesideLegend, _legend
from components.maps import base_map, bounds_of, safe_text

GRADES = ("model", "standard", "rectify", "fail", None)  # index order in the page's arrays
POINT_KINDS = ("village_point", "community_point")
MIN_ZOOM = 12
PRECISION = 5
OUTLINE = {"color": "#78909c", "weight": 1, "fill": True, "fillColor": "#ffffff", "fillOpacity": 0.35,
           "interactive": False}


def encode_polyline(coordinates: Iterable[Iterable[float]], precision: int = PRECISION) -> str:
    """(lon, lat) pairs as an encoded polyline (lat first, the usual order): each value the
    difference from the previous one, in 5-bit chunks of printable ASCII (63–126)."""
    factor, out, last = 10 ** precision, [], (0, 0)
    for lon, lat, *_rest in coordinates:
        point = (round(lat * factor), round(lon * factor))
        for value, before in zip(point, last, strict=True):
            delta = value - before
            delta = ~(delta << 1) if delta < 0 else delta << 1
            while delta >= 0x20:
                out.append(chr((0x20 | (delta & 0x1F)) + 63))
                delta >>= 5
            out.append(chr(delta + 63))
        last = point
    return "".join(out)


def decode_polyline(text: str, precision: int = PRECISION) -> list[tuple[float, float]]:
    """The inverse of encode_polyline: [(lat, lon)]; what the map's script does in JS."""
    factor, index, values, out = 10 ** precision, 0, [0, 0], []
    while index < len(text):
        for i in (0, 1):
            shift = result = 0
            while True:
                byte = ord(text[index]) - 63
                index += 1
                result |= (byte & 0x1F) << shift
                shift += 5
                if byte < 0x20:
                    break
            values[i] += ~(result >> 1) if result & 1 else result >> 1
        out.append((values[0] / factor, values[1] / factor))
    return out


Outline = tuple[list[str], tuple[tuple[float, float], tuple[float, float]]]


def township_outlines(townships: list[dict]) -> list[Outline]:
    """Each township's rings, encoded, with its bounds ((south, west), (north, east)): the part of
    the station map that does not change with the data. The route keeps it in the shared cache
    (web/cache.py) under the scope and the shapes version, so a city's two thousand outlines are
    encoded and measured once, not on every build."""
    out = []
    for township in townships:
        geometry = township.get("boundary")
        if not geometry:
            continue
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        out.append(([encode_polyline(ring) for polygon in polygons for ring in polygon], bounds_of([geometry])))
    return out


def _union(boxes: list[tuple]) -> tuple | None:
    boxes = [b for b in boxes if b]
    if not boxes:
        return None
    return ((min(b[0][0] for b in boxes), min(b[0][1] for b in boxes)),
            (max(b[1][0] for b in boxes), max(b[1][1] for b in boxes)))


class _SlotLayer(MacroElement):
    """A layer whose data goes in after folium has rendered the page (`render_html` puts
    `payload()` where `slot` stands), so no template engine ever sees user text."""

    def __init__(self):
        super().__init__()
        self.slot = f"/*{self.get_name()}*/[]"

    def payload(self) -> str:
        raise NotImplementedError


class _Markup(MacroElement):
    """Our own HTML (the legend) in the document's body."""

    _template = Template("{% macro html(this, kwargs) %}{{ this.markup }}{% endmacro %}")

    def __init__(self, markup: str):
        super().__init__()
        self.markup = markup


def render_html(fmap: folium.Map) -> str:
    """The station map as a whole HTML document, its layers' data in place."""
    document = fmap.get_root().render()
    stack = [fmap]
    while stack:
        element = stack.pop()
        for child in element._children.values():
            if isinstance(child, _SlotLayer):
                document = document.replace(child.slot, child.payload(), 1)
            stack.append(child)
    return document


class _StationLayer(_SlotLayer):
    """Outlines, station markers and the zoom-dependent service points, in one script."""

    _template = Template("""{% macro script(this, kwargs) %}
(function () {
    var map = {{ this._parent.get_name() }};
    var colours = {{ this.colours|tojson }}, grades = {{ this.grades|tojson }}, kinds = {{ this.kinds|tojson }},
        words = {{ this.words|tojson }}, outline = {{ this.outline|tojson }},
        pointsUrl = {{ this.points_url|tojson }}, minZoom = {{ this.min_zoom|tojson }};
    var data = {{ this.slot }};
    function decode(text) {
        var index = 0, lat = 0, lon = 0, out = [];
        function next() {
            var result = 0, shift = 0, b;
            do { b = text.charCodeAt(index++) - 63; result |= (b & 31) << shift; shift += 5; } while (b >= 32);
            return (result & 1) ? ~(result >> 1) : (result >> 1);
        }
        while (index < text.length) { lat += next(); lon += next(); out.push([lat / 1e5, lon / 1e5]); }
        return out;
    }
    function open(id) {
        window.parent.postMessage({type: "hrss-map", action: "station", id: Number(id)}, window.location.origin);
    }
    (data.t || []).forEach(function (rings) { L.polygon(rings.map(decode), outline).addTo(map); });
    (data.s || []).forEach(function (r) {
        var marker = L.circleMarker([r[2], r[1]], {radius: 6, weight: 1.5, color: "#ffffff", fillColor: colours[r[3]],
                                                   fillOpacity: 0.95});
        var text = "<b>" + r[4] + "</b><br>" + grades[r[3]];
        if (r[5] !== null) { text += " · " + r[5] + words.points; }
        if (r[6]) { text += "<br>" + words.checked + "：" + r[6]; }
        marker.bindTooltip(text, {sticky: true});
        marker.on("click", function () { open(r[0]); });
        marker.addTo(map);
    });
    var points = L.layerGroup(), covered = null, asked = 0, pending = "";
    function refresh() {
        if (map.getZoom() < minZoom) { map.removeLayer(points); return; }
        points.addTo(map);
        var view = map.getBounds();
        if (covered && covered.contains(view)) { return; }
        var box = view.pad(0.25);
        var bbox = [box.getWest(), box.getSouth(), box.getEast(), box.getNorth()].map(function (v) {
            return v.toFixed(5); }).join(",");
        if (bbox === pending) { return; }  // a zoom fires zoomend and moveend
        var mine = ++asked;
        pending = bbox;
        fetch(pointsUrl + "&bbox=" + bbox, {credentials: "same-origin", headers: {"Accept": "application/json"}})
            .then(function (answer) { return answer.ok ? answer.json() : null; })
            .then(function (body) {
                if (mine !== asked) { return; }
                pending = "";
                if (!body) { return; }
                points.clearLayers();
                body.points.forEach(function (p) {
                    var dot = L.circleMarker([p[2], p[1]], {radius: 3.5, weight: 1, color: "#546e7a",
                                                            fillColor: colours[p[4]], fillOpacity: 0.9});
                    dot.bindTooltip("<b>" + p[5] + "</b><br>" + kinds[p[3]] + " · " + grades[p[4]]);
                    dot.on("click", function () { open(p[0]); });
                    points.addLayer(dot);
                });
                covered = body.truncated ? null : box;
            })
            .catch(function () { covered = null; pending = ""; });
    }
    map.on("zoomend", refresh);
    map.on("moveend", refresh);
    refresh();  // a township's map opens zoomed in already
})();
{% endmacro %}""")

    def __init__(self, data: dict, *, colours: list[str], grades: list[str], kinds: list[str], words: dict,
                 points_url: str, min_zoom: int):
        super().__init__()
        self._name = "StationLayer"
        self.data, self.colours, self.grades, self.kinds, self.words = data, colours, grades, kinds, words
        self.outline, self.points_url, self.min_zoom = OUTLINE, points_url, min_zoom

    def payload(self) -> str:
        return htmlsafe_json_dumps(self.data, dumps=lambda value, **_kw: json.dumps(
            value, separators=(",", ":"), ensure_ascii=False))


@functools.lru_cache(maxsize=65_536)
def _safe_name(name: str) -> str:
    """safe_text, remembered: the same two thousand station names come back on every build."""
    return safe_text(name)


def grade_index(grade: str | None) -> int:
    return GRADES.index(grade) if grade in GRADES else len(GRADES) - 1


def stations_map(stations: list[dict], outlines: list[Outline], *, labels: dict[str, str],
                 grade_labels: dict[str | None, str], kind_labels: dict[str, str], colours: dict[str | None, str],
                 points_url: str, min_zoom: int = MIN_ZOOM, tile_url: str | None = None,
                 tile_attribution: str = "") -> folium.Map:
    """Stations coloured by grade over township outlines; service points from `points_url`
    when zoomed in to `min_zoom`.

    `stations`: [{id, name, lon, lat, score, grade, checked_on}] (data.queries.stations.map_stations);
    `outlines`: the townships' outlines (township_outlines, from rounded GeoJSON geometries);
    `labels`: translated words — "points" (after a score), "checked" (last checked), "legend"
    (its title), "hint" (what zooming and clicking do);
    `grade_labels` / `colours`: per grade code and None (never checked); `kind_labels`: per
    service-point kind. Render with render_html."""
    located = [{"type": "Polygon", "coordinates": [[[s["lon"], s["lat"]] for s in stations]]}] if stations else []
    bounds = _union([box for _rings, box in outlines]) or bounds_of(located)
    fmap = base_map(bounds=None, tile_url=tile_url, tile_attribution=tile_attribution)
    if bounds:  # the stations beside the legend, not under it
        FitBesideLegend(bounds).add_to(fmap)
    rows = [[s["id"], round(s["lon"], PRECISION), round(s["lat"], PRECISION), grade_index(s.get("grade")),
             _safe_name(s["name"]), s.get("score"), s.get("checked_on")] for s in stations]
    data = {"t": [rings for rings, _box in outlines], "s": rows}
    _StationLayer(data, colours=[colours.get(g, colours[None]) for g in GRADES],
                  grades=[safe_text(grade_labels.get(g, "")) for g in GRADES],
                  kinds=[safe_text(kind_labels.get(k, k)) for k in POINT_KINDS],
                  words={k: safe_text(labels.get(k, "")) for k in ("points", "checked")},
                  points_url=points_url, min_zoom=min_zoom).add_to(fmap)
    legend = [(colours.get(g, colours[None]), colours.get(g, colours[None]), grade_labels.get(g, "")) for g in GRADES]
    _Markup(_legend(labels.get("legend", ""), legend, note=labels.get("hint"))).add_to(fmap)
    fmap.get_root().header.add_child(Element(
        "<style>@media (max-width: 480px) {.case-legend{font-size:10px;padding:3px 6px;line-height:1.3}"
        ".case-legend .legend-note{display:none}}</style>"))
    return fmap


def point_rows(points: list[dict]) -> list[list]:
    """Service points as the map's script reads them: [id, lon, lat, kind index, grade index, name]."""
    return [[p["id"], round(p["lon"], PRECISION), round(p["lat"], PRECISION),
             POINT_KINDS.index(p["kind"]) if p["kind"] in POINT_KINDS else 0, grade_index(p.get("grade")),
             _safe_name(p["name"])] for p in points]
