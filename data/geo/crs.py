"""Coordinate systems of the map files a bureau has: WGS-84 and CGCS2000 (the national
datum; within a metre of WGS-84, taken as it is) and GCJ-02, the offset datum of Chinese web
maps (高德, 腾讯), which is turned back into WGS-84 here.

GCJ-02 is WGS-84 plus a published, smooth offset of a few hundred metres; the reverse has no
closed form, so it is found by fixed-point iteration (a few steps reach millimetres)."""

from __future__ import annotations

import math

_A = 6378245.0  # the ellipsoid semi-major axis the offset is defined on (Krasovsky 1940)
_EE = 0.00669342162296594323  # its first eccentricity squared


def _offset_lat(x: float, y: float) -> float:
    value = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    value += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    value += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return value


def _offset_lon(x: float, y: float) -> float:
    value = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    value += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    value += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return value


def _offset(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 minus WGS-84 at a WGS-84 point, in degrees (lon, lat)."""
    d_lat = _offset_lat(lon - 105.0, lat - 35.0)
    d_lon = _offset_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / math.sqrt(magic) * math.cos(rad) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    d_lon, d_lat = _offset(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    wgs_lon, wgs_lat = lon, lat
    for _ in range(8):
        d_lon, d_lat = _offset(wgs_lon, wgs_lat)
        next_lon, next_lat = lon - d_lon, lat - d_lat
        if abs(next_lon - wgs_lon) < 1e-9 and abs(next_lat - wgs_lat) < 1e-9:
            return next_lon, next_lat
        wgs_lon, wgs_lat = next_lon, next_lat
    return wgs_lon, wgs_lat


CRS = {"wgs84": None, "cgcs2000": None, "gcj02": gcj02_to_wgs84}
