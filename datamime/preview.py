"""The real-vs-generated preview image of ``scripts/sample.py`` and the app, drawn fast.

The preview is on the default sampling command's path, so it is drawn with Pillow (the
imaging library matplotlib itself writes PNGs with) rather than a matplotlib figure:
no figure machinery, tick locators or layout engine, ~0.1 s for six series. Values are
thinned first (:func:`thin`): a plot a person looks at needs a few hundred points per
series, not 8,760; each bin shows the min-max band and the mean.

Inputs: ``[T, G]`` real and generated arrays (NaN: no value, e.g. closed hours) on their
own time indexes; one label per series.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

POINTS = 300  # bins per series
WIDTH, ROW, TOP, LEFT, GAP = 1100, 150, 34, 64, 36
REAL, GENERATED, BAND = (31, 119, 180), (230, 115, 20), (250, 205, 160)


def thin(values: np.ndarray, index: pd.DatetimeIndex, points: int = POINTS
         ) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray, np.ndarray]:
    """``[T, k]`` values as at most ``points`` bins of consecutive steps per series.

    Returns:
        The first time of each bin (``[B]``) and the ``[B, k]`` min, mean and max of
        each bin (NaN where a bin holds no value); with ``T <= points`` the values
        themselves, one step per bin.
    """
    n_steps, k = values.shape
    step = max(1, -(-n_steps // max(points, 1)))  # ceil
    n_bins = -(-n_steps // step)
    padded = np.full((n_bins * step, k), np.nan)
    padded[:n_steps] = values
    binned = padded.reshape(n_bins, step, k)  # [B, step, k]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN bins stay NaN
        return (pd.DatetimeIndex(index)[::step], np.nanmin(binned, axis=1),
                np.nanmean(binned, axis=1), np.nanmax(binned, axis=1))


def picks(n_series: int, n: int = 6) -> np.ndarray:
    """Up to ``n`` series spread evenly over ``n_series``."""
    return np.unique(np.linspace(0, n_series - 1, min(n, n_series)).round().astype(int))


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # pragma: no cover - Pillow < 10.1: the fixed bitmap font
        return ImageFont.load_default()


def _fit(draw, text: str, font, width: float) -> str:
    """``text`` cut (with an ellipsis) to at most ``width`` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _date(ts: pd.Timestamp, span: pd.Timedelta) -> str:
    # a comma: the small font draws a space 2 px wide, and "2024 00:00" read as one number
    return ts.strftime("%d %b %Y, %H:%M" if span <= pd.Timedelta(days=3) else "%d %b %Y")


def _panel(draw, box: tuple[int, int, int, int], thinned, i: int, lo: float, hi: float,
           color: tuple, font) -> None:
    """One series in ``box``: the min-max band (when thinned) and the mean line."""
    x0, y0, x1, y1 = box
    draw.rectangle(box, outline=(160, 160, 160))
    times, low, mean, high = thinned
    n = len(times)
    if n == 0:
        return
    xs = x0 + 2 + (np.arange(n) + 0.5) * (x1 - x0 - 4) / n
    scale = (y1 - y0 - 6) / (hi - lo) if hi > lo else 0.0

    def y(v: np.ndarray) -> np.ndarray:
        return y1 - 3 - (v - lo) * scale if scale else np.full_like(v, (y0 + y1) / 2)

    banded = not np.array_equal(low[:, i], high[:, i], equal_nan=True)
    if banded:
        for x, a, b in zip(xs, y(low[:, i]), y(high[:, i])):
            if np.isfinite(a) and np.isfinite(b):
                draw.line([(x, a), (x, b)], fill=BAND, width=int(np.ceil((x1 - x0) / n)) + 1)
    ym = y(mean[:, i])
    ok = np.isfinite(ym)
    cuts = np.flatnonzero(np.diff(ok.astype(np.int8)) != 0) + 1  # runs between gaps
    for run in np.split(np.arange(n), cuts):
        if ok[run[0]] and len(run) > 1:
            draw.line(list(zip(xs[run], ym[run])), fill=color, width=1)
        elif ok[run[0]]:
            draw.point((xs[run[0]], ym[run[0]]), fill=color)
    span = times[-1] - times[0]
    draw.text((x0, y1 + 2), _date(times[0], span), fill=(90, 90, 90), font=font)
    last = _date(times[-1], span)
    draw.text((x1 - draw.textlength(last, font=font), y1 + 2), last, fill=(90, 90, 90),
              font=font)


def preview_png(real_index: pd.DatetimeIndex, real: np.ndarray, gen_index: pd.DatetimeIndex,
                generated: np.ndarray, labels: list[str], n: int = 6,
                points: int = POINTS) -> bytes:
    """The preview as PNG bytes: up to ``n`` series (spread over the ``G``), one row
    each, real on the left and generated on the right on the same value scale, every
    row titled with its series label (cut to fit: titles never overlap)."""
    from PIL import Image, ImageDraw

    chosen = picks(real.shape[1], n)
    small, title = _font(11), _font(13)
    height = TOP + ROW * len(chosen) + 8
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    sides = [thin(real[:, chosen], real_index, points),
             thin(generated[:, chosen], gen_index, points)]
    half = (WIDTH - LEFT - GAP - 10) // 2
    heads = ["real", "generated" + (" (min-max band and mean per bin)"
                                    if len(sides[1][0]) < len(gen_index) else "")]
    for col, head in enumerate(heads):
        draw.text((LEFT + col * (half + GAP), 8), head, fill=(0, 0, 0), font=title)
    for i, j in enumerate(chosen):
        top = TOP + i * ROW
        both = np.r_[sides[0][1][:, i], sides[0][3][:, i], sides[1][1][:, i], sides[1][3][:, i]]
        both = both[np.isfinite(both)]
        lo, hi = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
        draw.text((LEFT, top + 4), _fit(draw, labels[j], title, WIDTH - LEFT - 10),
                  fill=(0, 0, 0), font=title)
        for col, color in enumerate((REAL, GENERATED)):
            x0 = LEFT + col * (half + GAP)
            _panel(draw, (x0, top + 22, x0 + half, top + ROW - 18), sides[col], i, lo, hi,
                   color, small)
        for v, yy in ((hi, top + 20), (lo, top + ROW - 30)):
            text = f"{v:.4g}"
            draw.text((LEFT - 4 - draw.textlength(text, font=small), yy), text,
                      fill=(90, 90, 90), font=small)
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=3)
    return buf.getvalue()


def write_preview(path: str | Path, *args, **kwargs) -> Path:
    """:func:`preview_png` written to ``path`` (no folder is created)."""
    path = Path(path)
    path.write_bytes(preview_png(*args, **kwargs))
    return path
