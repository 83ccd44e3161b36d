"""Copy the front-end libraries from node_modules (installed by `npm ci` from the lock file) to
static/vendor, where the app serves them: no page loads anything from another host."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"

# (package folder to copy, where it goes under static/vendor)
COPIES = [
    ("bootstrap/dist/css", "bootstrap/css"),
    ("bootstrap/dist/js", "bootstrap/js"),
    ("bootstrap-icons/font", "bootstrap-icons/font"),
    ("leaflet/dist", "leaflet"),
    ("leaflet.markercluster/dist", "leaflet.markercluster"),
    # plotly.js with the trace types the dashboard draws (bar, scatter, pie): a quarter of the full
    # bundle Dash would load, parsed on every page with a graph (the version matches the plotly package)
    ("plotly.js-basic-dist-min", "plotly"),
]


def main() -> int:
    missing = [src for src, _ in COPIES if not (NODE / src).is_dir()]
    if missing:
        print(f"vendor: missing in node_modules: {', '.join(missing)} (run `npm ci` first)", file=sys.stderr)
        return 1
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    for src, dest in COPIES:
        shutil.copytree(NODE / src, VENDOR / dest)
    files = sum(1 for p in VENDOR.rglob("*") if p.is_file())
    print(f"vendor: {files} files in {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
