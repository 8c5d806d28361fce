"""`make bench`'s chart (scripts/benchmark/chart.py): one small PNG, per page type the cost of one
request cached and uncached, drawn from hand-made results shaped like the bench's own."""

import datetime

import pytest
from PIL import Image

from scripts.benchmark.chart import series, write_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DAY = datetime.date(2026, 12, 4)


def rows(rates):
    """Rows as load.measure makes them: key, label, url, status, and wrk's figures."""
    made = []
    for key, rate in rates.items():
        row = {"key": key, "label": key, "group": "page", "url": f"/{key}/", "status": 200}
        if rate is None:  # a URL that did not answer 200 is not loaded: no wrk figures
            row.update(status=302, error="status 302, expected 200")
        else:
            row["wrk"] = {"requests": int(rate * 10), "requests_per_s": rate, "latency_ms": {"p50": 5.0, "p95": 9.0}}
        made.append(row)
    return made


def inprocess_rows(walls):
    return {
        key: {"path": f"/{key}/", "wall_ms": wall, "cpu_ms": wall * 0.8, "queries": 4, "x_floor": wall / 2}
        for key, wall in walls.items()
    }


RESULTS = {
    "off": {"page_cache": "off", "rows": rows({"static": 2900.0, "home": 40.0, "office": 160.0, "search": None})},
    "on": {"page_cache": "on", "rows": rows({"static": 2800.0, "home": 1500.0, "office": 2000.0, "search": 1900.0})},
}
INPROCESS = {
    "demo": {"rows": inprocess_rows({"home": 20.0, "office": 6.0, "floor": 1.5})},
    "scale": {"scale": 1000, "rows": {**inprocess_rows({"home": 24.0, "office": 6.5}), "search": {"status": 500}}},
}


def assert_small_png(path):
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert 5_000 < len(data) < 150_000
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width == 1000 and 300 <= image.height <= 2500
        return dict(image.text)


def test_chart_of_both_configurations_and_the_in_process_figures(tmp_path):
    path = tmp_path / "charts" / "bench.png"
    assert write_chart(RESULTS, INPROCESS, path, when=DAY) == path
    text = assert_small_png(path)
    assert text["Title"] == "DEI portal bench, scale 1000, 2026-12-04"  # the scale from the in-process figures


def test_the_series_are_cost_per_request_under_load_and_wall_time_in_process():
    drawn = {name: values for name, _, values in series(RESULTS, INPROCESS)}
    assert list(drawn) == ["off", "on", "demo", "scale"]
    # 2 workers ÷ 40 req/s = 50 ms; a row without wrk figures (a redirect) has no bar.
    assert drawn["off"] == pytest.approx({"static": 2000 / 2900, "home": 50.0, "office": 12.5})
    assert drawn["on"]["home"] == pytest.approx(2000 / 1500)
    assert drawn["demo"] == {"home": 20.0, "office": 6.0, "floor": 1.5}
    assert drawn["scale"] == {"home": 24.0, "office": 6.5}  # the failed URL has no wall time
    four = {name: values for name, _, values in series(RESULTS, workers=4)}
    assert list(four) == ["off", "on"] and four["off"]["home"] == pytest.approx(100.0)
    labels = [label for _, label, _ in series(RESULTS, INPROCESS)]
    assert "2 workers ÷ req/s" in labels[0] and "scale 1000" in labels[3]


def test_one_configuration_and_no_in_process_figures_still_make_a_chart(tmp_path):
    path = tmp_path / "on-only.png"
    write_chart({"on": RESULTS["on"]}, None, path, scale=100, when=datetime.datetime(2026, 12, 4, 9, 30))
    assert assert_small_png(path)["Title"] == "DEI portal bench, scale 100, 2026-12-04 09:30"
    write_chart({"off": RESULTS["off"]}, None, tmp_path / "off-only.png", when=DAY)
    assert assert_small_png(tmp_path / "off-only.png")["Title"] == "DEI portal bench, scale not given, 2026-12-04"


@pytest.mark.parametrize(
    "results",
    [
        {},
        {"off": {"rows": []}, "on": {"rows": []}},
        {"off": {"rows": rows({"home": None, "office": 0.0})}},  # nothing answered: no rate anywhere
    ],
    ids=["empty", "no-rows", "no-rates"],
)
def test_nothing_to_draw_is_a_clear_error_and_writes_no_file(tmp_path, results):
    path = tmp_path / "bench.png"
    with pytest.raises(ValueError, match="nothing to draw"):
        write_chart(results, None, path)
    assert not path.exists()
    with pytest.raises(TypeError, match="results must be a dict"):
        write_chart(None, None, path)
