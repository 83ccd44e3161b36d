"""/maps/<view> — folium maps as whole HTML documents, framed by the dashboard's pages.

A Dash callback only sets an Iframe's src; the map itself is built here from a scoped query
and cached by (view, arguments, scope, language), so a multi-megabyte document never travels
through a callback and a repeated view costs nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Blueprint, Flask, Response, abort, current_app, request

from components.maps import regions_map
from data.models import RegionLevel
from data.queries.regions import get_region_by_code, region_shapes
from data.scope import OutOfScope
from pages._i18n import _, current_language
from pages._web import db, scope

bp = Blueprint("maps", __name__, url_prefix="/maps")


class MapCache:
    """A small LRU of rendered maps, per process (Flask-Caching on Redis when scaled out)."""

    def __init__(self, size: int):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get_or_build(self, key, build) -> str:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def init_app(server: Flask) -> None:
    server.extensions["map_cache"] = MapCache(server.config["MAP_CACHE_SIZE"])
    server.register_blueprint(bp)


def _html_response(document: str) -> Response:
    response = Response(document, mimetype="text/html")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.get("/regions")
def regions():
    """The city's counties and townships (the user's part of it): the base of every map."""
    user_scope = scope()
    code = request.args.get("region")
    if code:
        try:
            user_scope = user_scope.narrow(get_region_by_code(db(), scope=user_scope, area_code=code).path)
        except OutOfScope:
            abort(404)
    key = ("regions", user_scope.paths, current_language(), current_app.config["TILE_URL"])

    def build() -> str:
        shapes = region_shapes(db(), scope=user_scope, levels=(RegionLevel.county, RegionLevel.township))
        labels = {"name": _("名称"), "county": _("县区"), "code": _("区划代码"),
                  "townships": _("乡镇（街道）"), "counties": _("县（市、区）"), "township": _("乡镇")}
        fmap = regions_map(shapes, labels=labels, tile_url=current_app.config["TILE_URL"],
                           tile_attribution=current_app.config["TILE_ATTRIBUTION"])
        return fmap.get_root().render()

    return _html_response(current_app.extensions["map_cache"].get_or_build(key, build))

