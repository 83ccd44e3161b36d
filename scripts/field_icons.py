"""Draw the field app's icons (our own, simple geometric mark): pwa/static/icons/*.png.

    .venv/bin/python scripts/field_icons.py

A red tile with a 3×3 grid of white squares (the dashboard's mark). "any" icons have rounded
corners on a transparent ground; the maskable one fills the square and keeps the grid inside
the central safe zone (a circle of 80 % of the width), as Android crops it.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "pwa" / "static" / "icons"
RED, WHITE = (198, 40, 40, 255), (255, 255, 255, 255)


def draw(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # draw large, then downsample for smooth edges
    s = size * scale
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, s, s), fill=RED)
        grid = s * 0.44
    else:
        pen.rounded_rectangle((0, 0, s - 1, s - 1), radius=s * 0.22, fill=RED)
        grid = s * 0.56
    cell, gap = grid * 0.8 / 3, grid * 0.2 / 2
    start = (s - grid) / 2
    for row in range(3):
        for col in range(3):
            x, y = start + col * (cell + gap), start + row * (cell + gap)
            pen.rounded_rectangle((x, y, x + cell, y + cell), radius=cell * 0.18, fill=WHITE)
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                 ("maskable-512.png", 512, True)):
        path = OUT / name
        draw(size, maskable=maskable).save(path, optimize=True)
        print(f"{path.relative_to(OUT.parent.parent.parent)}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
