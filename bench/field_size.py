"""The field app shell's size over the wire: each file raw and gzipped, and the total without
icons (target: under 60 KB gzipped). Prints figures, then `summary: N ok, M miss`; not a test.

    .venv/bin/python bench/field_size.py
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import Tally  # noqa: E402
from pwa.shell import FIELD_DIR, VERSION_MARK, shell_version  # noqa: E402

FILES = ["index.html", "app.js", "core.js", "app.css", "sw.js", "manifest.webmanifest"]
TARGET_KB = 60


def main() -> None:
    total_raw = total_6 = total_9 = 0
    print(f"{'file':<22}{'raw':>10}{'gzip -6':>10}{'gzip -9':>10}")
    for name in FILES:
        data = (FIELD_DIR / name).read_bytes()
        if name == "sw.js":  # as served, with its version
            data = data.replace(VERSION_MARK.encode(), shell_version().encode())
        # level 6 is what Flask-Compress sends; 9 is the most a static server would squeeze
        z6, z9 = len(gzip.compress(data, 6)), len(gzip.compress(data, 9))
        total_raw, total_6, total_9 = total_raw + len(data), total_6 + z6, total_9 + z9
        print(f"{name:<22}{len(data):>10,}{z6:>10,}{z9:>10,}")
    print(f"{'shell (no icons)':<22}{total_raw:>10,}{total_6:>10,}{total_9:>10,}")
    kb = total_6 / 1024
    tally = Tally()
    print(f"gzipped shell: {kb:.1f} KB of {TARGET_KB} KB ({tally.check(kb < TARGET_KB)})")
    icons = sorted((FIELD_DIR / "icons").glob("*.png"))
    print("icons (not counted): " + ", ".join(f"{p.name} {p.stat().st_size:,} B" for p in icons))
    tally.summary()


if __name__ == "__main__":
    main()
