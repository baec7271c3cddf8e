"""Reading a small-multiples PNG back: where the panels are, and whether a title leaves its
panel (then neighbouring titles can run into each other).

Measured on the pixels, as a person sees them: the panels are found by their frames (long
dark horizontal lines), and each panel row's titles are the dark pixels in a band just
above the frames' top edges.
"""

from __future__ import annotations

import io

import numpy as np

DARK = 140  # a frame or a letter: every channel below this
MIN_FRAME = 60  # pixels: a horizontal dark run at least this long is a panel frame
BAND = (16, 8)  # the title band: from this many pixels above a frame's top edge to this many
TICK = 6  # pixels: a tick mark on a frame edge can lengthen its line by this much


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """``(start, stop)`` of the True runs of a 1-D bool array."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], row.astype(np.int8), [0]])))
    return list(zip(edges[::2], edges[1::2], strict=True))


def panels(png: bytes) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """The dark-pixel mask of the image and its panels as ``(top, bottom, left, right)``."""
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)
    dark = rgb.max(axis=2) < DARK
    lines: dict[tuple[int, int], list[int]] = {}  # (left, right) -> the rows of such lines
    for y in range(dark.shape[0]):
        for x0, x1 in _runs(dark[y]):
            if x1 - x0 >= MIN_FRAME:
                key = next((k for k in lines if abs(k[0] - x0) <= TICK and abs(k[1] - x1) <= TICK),
                           (int(x0), int(x1)))
                lines.setdefault(key, []).append(y)
    boxes = []
    for (x0, x1), rows in lines.items():
        edges = [rows[0]] + [b for a, b in zip(rows, rows[1:], strict=False) if b - a > 3]
        for top, bottom in zip(edges[::2], edges[1::2], strict=False):
            boxes.append((top, bottom, x0, x1))
    return dark, sorted(boxes)


def title_overflow(png: bytes) -> dict:
    """How the titles sit: ``{"panels": n, "untitled": [...], "outside": [...]}``, with
    the panels without a title above them and, per panel row, the number of title pixel
    columns outside every panel of that row (a title wider than its panel)."""
    dark, boxes = panels(png)
    rows: dict[int, list[tuple[int, int, int, int]]] = {}
    for box in boxes:
        key = next((k for k in rows if abs(k - box[0]) <= 2), box[0])
        rows.setdefault(key, []).append(box)
    untitled, outside = [], []
    for top, row in sorted(rows.items()):
        band = dark[max(top - BAND[0], 0): max(top - BAND[1], 0)]
        ink = band.any(axis=0)
        inside = np.zeros_like(ink)
        for _, _, x0, x1 in row:
            inside[max(x0 - 2, 0): x1 + 2] = True
            if not ink[x0:x1].any():
                untitled.append((top, x0))
        spill = int((ink & ~inside).sum())
        if spill:
            outside.append((top, spill))
    return {"panels": len(boxes), "untitled": untitled, "outside": outside}
