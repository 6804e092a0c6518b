"""Neutral placeholder portraits for the demo's floor leaders: a pale silhouette on a soft colour."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile

# Muted, neutral backgrounds that sit quietly next to the Party red of the pages.
BACKGROUNDS = [
    (120, 144, 156), (141, 110, 99), (96, 125, 139), (117, 117, 117), (84, 110, 122),
    (121, 134, 150), (109, 135, 100), (150, 130, 110), (100, 120, 150), (130, 110, 130),
]
SILHOUETTE = (236, 239, 241)
SIZE = (480, 600)  # 4:5, the proportion of a poster portrait


def silhouette(index: int) -> ContentFile:
    """A PNG portrait placeholder; ``index`` picks the background colour."""
    from PIL import Image, ImageDraw

    width, height = SIZE
    image = Image.new("RGB", SIZE, BACKGROUNDS[index % len(BACKGROUNDS)])
    draw = ImageDraw.Draw(image)
    head_r = width * 0.19
    cx, cy = width / 2, height * 0.38
    draw.ellipse((cx - head_r, cy - head_r, cx + head_r, cy + head_r), fill=SILHOUETTE)
    shoulders_top = cy + head_r * 1.25
    draw.ellipse((cx - width * 0.40, shoulders_top, cx + width * 0.40, shoulders_top + height * 0.62), fill=SILHOUETTE)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return ContentFile(out.getvalue(), name=f"leader-{index:02d}.png")
