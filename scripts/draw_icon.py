"""Draws the app's icon, a safe's combination dial, as assets/dial.svg and assets/dial.png.

Run once after changing the design (`python scripts/draw_icon.py`); both files are committed.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

ASSETS = Path(__file__).resolve().parents[1] / "assets"
STEEL, RIM, FACE, INK, MARK = "#2f3e4e", "#56B4E9", "#f4f1e8", "#1a1a1a", "#D55E00"
SIZE = 256  # the SVG's view box; the PNG is drawn at 4x and scaled down for smooth edges


def ticks():
    """(outer, inner) end points of the 40 ticks of a dial, long every fifth, in view-box units."""
    centre = SIZE / 2
    for i in range(40):
        angle = 2 * math.pi * i / 40 - math.pi / 2
        inner = 84 if i % 5 == 0 else 92
        yield ((centre + 102 * math.cos(angle), centre + 102 * math.sin(angle)),
               (centre + inner * math.cos(angle), centre + inner * math.sin(angle)), i % 5 == 0)


def svg() -> str:
    c = SIZE / 2
    lines = "".join(
        f'<line x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" y2="{b[1]:.1f}" stroke="{INK}" '
        f'stroke-width="{5 if major else 2.5}" stroke-linecap="round"/>' for a, b, major in ticks())
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}">'
            f'<circle cx="{c}" cy="{c}" r="124" fill="{STEEL}"/>'
            f'<circle cx="{c}" cy="{c}" r="112" fill="{FACE}" stroke="{RIM}" stroke-width="6"/>{lines}'
            f'<circle cx="{c}" cy="{c}" r="58" fill="{STEEL}"/>'
            f'<circle cx="{c}" cy="{c}" r="44" fill="none" stroke="{RIM}" stroke-width="4"/>'
            f'<path d="M {c - 13} 10 L {c + 13} 10 L {c} 34 Z" fill="{MARK}"/></svg>\n')


def png(path: Path, scale: int = 4) -> None:
    image = Image.new("RGBA", (SIZE * scale, SIZE * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = SIZE * scale / 2

    def circle(r, **style):
        draw.ellipse((c - r * scale, c - r * scale, c + r * scale, c + r * scale), **style)

    circle(124, fill=STEEL)
    circle(112, fill=FACE, outline=RIM, width=6 * scale)
    for a, b, major in ticks():
        draw.line([(a[0] * scale, a[1] * scale), (b[0] * scale, b[1] * scale)], fill=INK,
                  width=int((5 if major else 2.5) * scale))
    circle(58, fill=STEEL)
    circle(44, outline=RIM, width=4 * scale)
    mid = SIZE / 2
    draw.polygon([((mid - 13) * scale, 10 * scale), ((mid + 13) * scale, 10 * scale), (mid * scale, 34 * scale)],
                 fill=MARK)
    image.resize((128, 128), Image.LANCZOS).save(path)


if __name__ == "__main__":
    (ASSETS / "dial.svg").write_text(svg())
    png(ASSETS / "dial.png")
    print("wrote assets/dial.svg and assets/dial.png")
