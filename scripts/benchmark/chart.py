"""The bench's picture: one PNG, per page type what one request costs, cached and uncached.

``write_chart(results, inprocess, path)`` draws, per page type (one horizontal group of bars,
in ``pages.PAGE_TYPES`` order, the static file first), in milliseconds on a log scale:

- under load, page cache off and on (``results["off"]``, ``results["on"]``, the bench's
  configurations): the cost of one request = workers ÷ requests/s (Little's law for busy
  workers; docs/performance.md, "Reading the numbers"), from wrk's rate in each row;
- when ``inprocess`` is given (``scripts/benchmark/inprocess.py``'s figures): the median wall
  time of one request in one process, page cache off, on the demo content and at scale.

Either configuration, or the in-process figures, may be missing; with nothing to draw it raises
ValueError. matplotlib renders with Agg (no display, no pyplot state); Pillow stores the image
with a palette (about 40 KB at 1000 px wide).
"""

import datetime
import io
import math
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from scripts.benchmark.pages import LABELS, PAGE_TYPES

DEFAULT_WORKERS = 2  # gunicorn_conf.py's WEB_CONCURRENCY default, what `make bench` runs
ORDER = ["static", *(key for key, _, _ in PAGE_TYPES)]
# Okabe-Ito colours (told apart with any colour vision), one per series.
COLORS = {"off": "#D55E00", "on": "#0072B2", "demo": "#CC79A7", "scale": "#009E73"}
WIDTH_PX, DPI = 1000, 100


def load_cost_ms(row, workers):
    """workers ÷ requests/s, in ms: what one request costs a worker under load; None when wrk
    has no rate for the row (an error, a redirect, a failed load)."""
    rate = (row.get("wrk") or {}).get("requests_per_s") or row.get("requests_per_s")
    if not rate or rate <= 0:
        return None
    return row.get("workers", workers) * 1000 / rate


def series(results, inprocess=None, workers=None):
    """[(name, legend label, {page key: ms})] for every series that has at least one figure."""
    found = []
    for config, caption in (("off", "uncached (page cache off)"), ("on", "cached (page cache on)")):
        result = results.get(config)
        if not result:
            continue
        count = workers or result.get("workers") or DEFAULT_WORKERS
        costs = {row["key"]: load_cost_ms(row, count) for row in result.get("rows", ()) if "key" in row}
        costs = {key: ms for key, ms in costs.items() if ms is not None}
        if costs:
            found.append((config, f"under load, {caption}: {count} workers ÷ req/s", costs))
    for name in ("demo", "scale"):
        part = (inprocess or {}).get(name)
        if not part:
            continue
        walls = {key: row["wall_ms"] for key, row in part.get("rows", {}).items() if row.get("wall_ms")}
        where = "demo content" if name == "demo" else f"scale {part.get('scale', '?')}"
        if walls:
            found.append((name, f"in process, uncached, {where}: median wall ms", walls))
    return found


def _ms(value, _position=None):
    return f"{value:g}"  # 0.1, 1, 10, 1000: plain milliseconds, not powers of ten


def write_chart(results, inprocess, path, *, workers=None, scale=None, when=None):
    """One PNG at `path`: per page type a group of horizontal bars, one per series (see the
    module docstring), x in ms on a log scale, values written at the bars' ends; a legend and a
    title with the scale and the date. Returns the path.

    results: {"off": {"rows": [...]}, "on": {"rows": [...]}}, load.py's rows (either key may
    be missing). inprocess: None, or {"demo": {"rows": {key: {"wall_ms": ...}}},
    "scale": {"scale": N, "rows": {...}}}. workers: gunicorn workers (else a result's
    "workers", else 2). scale: for the title (else inprocess["scale"]["scale"]). when: a date or
    datetime for the title (else today).
    """
    if not isinstance(results, dict):
        raise TypeError(f"write_chart: results must be a dict of configurations, not {type(results).__name__}")
    drawn = series(results, inprocess, workers)
    if not drawn:
        raise ValueError(
            "write_chart: nothing to draw: results has no 'off' or 'on' configuration with a measured "
            "requests/s row, and no in-process figures were given"
        )
    keys = {key for _, _, values in drawn for key in values}
    pages = [key for key in ORDER if key in keys] + sorted(keys - set(ORDER))
    if scale is None:
        scale = ((inprocess or {}).get("scale") or {}).get("scale")
    when = when or datetime.date.today()
    day = when.strftime("%Y-%m-%d %H:%M") if isinstance(when, datetime.datetime) else when.isoformat()

    bar = 0.8 / len(drawn)
    height_in = max(4.0, 1.4 + 0.15 * len(pages) * max(2, len(drawn)))
    figure = Figure(figsize=(WIDTH_PX / DPI, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    smallest = min(ms for _, _, values in drawn for ms in values.values())
    largest = max(ms for _, _, values in drawn for ms in values.values())
    for index, (name, label, values) in enumerate(drawn):
        ys = [row + (index - (len(drawn) - 1) / 2) * bar for row, key in enumerate(pages) if key in values]
        xs = [values[key] for key in pages if key in values]
        bars = axes.barh(ys, xs, height=bar * 0.92, color=COLORS[name], label=label)
        axes.bar_label(bars, labels=[f"{x:.3g}" for x in xs], padding=2, fontsize=7)
    axes.set_xscale("log")
    # Whole decades, with room right of the longest bar for its value.
    axes.set_xlim(10 ** math.floor(math.log10(smallest)), 10 ** math.ceil(math.log10(largest) + 0.3))
    axes.xaxis.set_major_locator(LogLocator(base=10))
    axes.xaxis.set_major_formatter(FuncFormatter(_ms))
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.set_xlabel("milliseconds per request (log scale; shorter is cheaper)")
    axes.set_yticks(range(len(pages)), [LABELS.get(key, key) for key in pages])
    axes.set_ylim(len(pages) - 0.5, -0.5)  # the first page type on top
    axes.grid(axis="x", which="major", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    figure.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    scale_text = f"scale {scale}" if scale is not None else "scale not given"
    figure.suptitle(f"DEI portal bench: cost of one request per page type, {scale_text}, {day}", fontsize=11)

    # Flat colours and anti-aliased text fit a 256-colour palette: a third of the RGBA file's size.
    rendered = io.BytesIO()
    figure.savefig(rendered, format="png")
    info = PngInfo()
    info.add_text("Title", f"DEI portal bench, {scale_text}, {day}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(rendered) as image:
        image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(
            path, format="PNG", optimize=True, pnginfo=info
        )
    return path
