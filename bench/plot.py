"""The plot of `make bench`: p50/p95/p99 latency against the number of connections, one panel a page.

Drawn with Pillow, which the application already depends on, rather than matplotlib (and numpy) for one
chart: `make bench` then needs nothing beyond the runtime packages.
"""

from __future__ import annotations

import math

from PIL import Image, ImageDraw, ImageFont

COLOURS = {"p50": (31, 119, 180), "p95": (255, 127, 14), "p99": (214, 39, 40)}
PANEL_W, PANEL_H, MARGIN = 560, 350, 60


def nice_step(top: float, steps: int = 5) -> float:
    raw = top / steps
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def plot(series: dict[str, list[dict]], path, title: str) -> None:
    """series: page name → points {"connections", "p50", "p95", "p99", "rps"} (latencies in ms). Every panel
    spans every number of connections measured for any page; "not run" marks those a page was not run at."""
    columns = 2
    rows = math.ceil(len(series) / columns)
    image = Image.new("RGB", (columns * PANEL_W, rows * PANEL_H + 50), "white")
    draw = ImageDraw.Draw(image)
    font, small = ImageFont.load_default(size=15), ImageFont.load_default(size=12)
    draw.text((12, 10), title, fill="black", font=font)
    x_legend = columns * PANEL_W - 230
    for n, (name, colour) in enumerate(COLOURS.items()):
        draw.line([(x_legend + 70 * n, 20), (x_legend + 70 * n + 24, 20)], fill=colour, width=3)
        draw.text((x_legend + 70 * n + 28, 13), name, fill="black", font=small)
    ticks = sorted({p["connections"] for points in series.values() for p in points})
    for index, (page, points) in enumerate(series.items()):
        left, top = (index % columns) * PANEL_W, 50 + (index // columns) * PANEL_H
        panel(draw, (left, top), page, sorted(points, key=lambda p: p["connections"]), ticks, font, small)
    image.save(path, optimize=True)


def panel(draw: ImageDraw.ImageDraw, origin, page: str, points: list[dict], ticks: list[int], font, small) -> None:
    left, top = origin
    x0, x1 = left + MARGIN + 10, left + PANEL_W - 35
    y0, y1 = top + PANEL_H - 55, top + 30  # y0 is the axis (bottom)
    draw.text((x0, top + 6), page, fill="black", font=font)
    highest = max(p["p99"] for p in points) or 1
    step = nice_step(highest * 1.05)
    y_top = step * math.ceil(highest * 1.05 / step)
    lowest, widest = math.log2(ticks[0]), math.log2(ticks[-1])

    def x_of(connections: float) -> float:
        span = widest - lowest or 1
        return x0 + (math.log2(connections) - lowest) / span * (x1 - x0)

    def y_of(ms: float) -> float:
        return y0 - ms / y_top * (y0 - y1)

    tick = 0.0
    while tick <= y_top + 1e-9:
        y = y_of(tick)
        draw.line([(x0, y), (x1, y)], fill=(230, 230, 230))
        label = f"{tick:g}"
        draw.text((x0 - 8 - draw.textlength(label, font=small), y - 7), label, fill="black", font=small)
        tick += step
    draw.line([(x0, y0), (x1, y0)], fill="black")
    draw.line([(x0, y0), (x0, y1)], fill="black")
    measured = {p["connections"]: p for p in points}
    for connections in ticks:
        x = x_of(connections)
        draw.line([(x, y0), (x, y0 + 4)], fill="black")
        label = str(connections)
        draw.text((x - draw.textlength(label, font=small) / 2, y0 + 6), label, fill="black", font=small)
        rate = f"{measured[connections]['rps']:,.0f}/s" if connections in measured else "not run"
        draw.text((x - draw.textlength(rate, font=small) / 2, y0 + 21), rate, fill=(110, 110, 110), font=small)
    draw.text((x0 + (x1 - x0) / 2 - 95, y0 + 38), "connections (requests a second)", fill="black", font=small)
    draw.text((left + 6, y1 - 22), "ms", fill="black", font=small)
    for name, colour in COLOURS.items():
        line = [(x_of(p["connections"]), y_of(p[name])) for p in points]
        draw.line(line, fill=colour, width=2)
        for x, y in line:
            draw.ellipse([(x - 3, y - 3), (x + 3, y + 3)], fill=colour)


if __name__ == "__main__":  # a look at the drawing with made-up numbers: python bench/plot.py out.png
    import sys

    made_up = {
        page: [
            {"connections": c, "p50": base * max(1, c / 2), "p95": base * 1.3 * max(1, c / 2),
             "p99": base * 1.6 * max(1, c / 2), "rps": 2000 / base}
            for c in (1, 2, 4, 8, 16, 32, 64)
        ]
        for page, base in (("floor (robots.txt)", 0.5), ("timetable, 200 sessions", 8), ("session page", 15),
                           ("My program", 60))
    }  # fmt: skip
    plot(made_up, sys.argv[1], "make bench: latency against concurrency (made-up numbers)")
