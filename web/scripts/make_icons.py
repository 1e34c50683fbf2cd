"""Draw the app icons (a white 访 on government red) into web/public/icons/.

Run once when the design changes; the PNGs are committed, so builds never need
this script, Pillow or the font:

    python3 web/scripts/make_icons.py [path/to/NotoSansCJK-Bold.ttc]

The font is Noto Sans CJK (Debian package fonts-noto-cjk); the .ttc index of
the Simplified Chinese face is looked up by name.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

RED = (200, 22, 29, 255)  # #c8161d, the manifest's theme_color
WHITE = (255, 255, 255, 255)
GLYPH = "访"
DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
OUT = Path(__file__).resolve().parent.parent / "public" / "icons"
SUPERSAMPLE = 4  # draw large, then downscale, for smooth edges


def load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """Return the Simplified Chinese face of a Noto CJK collection."""
    for index in range(16):
        try:
            font = ImageFont.truetype(path, size, index=index)
        except OSError:
            break
        if "SC" in " ".join(font.getname()):
            return font
    return ImageFont.truetype(path, size)


def draw_icon(size: int, font_path: str, *, glyph_ratio: float, radius_ratio: float) -> Image.Image:
    """A square icon: red background (rounded when radius_ratio > 0), white glyph centred.

    glyph_ratio is the glyph's em size relative to the icon; maskable icons keep it
    inside the central 80 % safe zone.
    """
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=int(big * radius_ratio), fill=RED)
    font = load_font(font_path, int(big * glyph_ratio))
    left, top, right, bottom = draw.textbbox((0, 0), GLYPH, font=font)
    x = (big - (right - left)) / 2 - left
    y = (big - (bottom - top)) / 2 - top
    draw.text((x, y), GLYPH, font=font, fill=WHITE)
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    font_path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_FONT
    OUT.mkdir(parents=True, exist_ok=True)
    # "any" icons: rounded corners on transparency, as launchers show them.
    for size in (192, 512):
        draw_icon(size, font_path, glyph_ratio=0.62, radius_ratio=0.18).save(OUT / f"icon-{size}.png", optimize=True)
    # Maskable: full bleed, glyph within the safe zone; the launcher cuts the shape.
    draw_icon(512, font_path, glyph_ratio=0.46, radius_ratio=0).save(OUT / "icon-maskable-512.png", optimize=True)
    # iOS rounds the corners itself and shows transparency as black: full bleed, opaque.
    apple = draw_icon(180, font_path, glyph_ratio=0.6, radius_ratio=0).convert("RGB")
    apple.save(OUT / "apple-touch-icon.png", optimize=True)
    draw_icon(32, font_path, glyph_ratio=0.78, radius_ratio=0.18).save(OUT / "favicon-32.png", optimize=True)


if __name__ == "__main__":
    main()
