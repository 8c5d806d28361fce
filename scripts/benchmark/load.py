"""One configuration under load: every URL's status, a warm-up, one request per URL for its
query count and size, wrk on each URL (the static file first and last), worker memory, the
workers that booted while it ran, and the optional long run on a mix of URLs."""

import os
import re
import threading
import time

from scripts.benchmark.pages import ACCEPT_ENCODING, GROUPS, LABELS
from scripts.benchmark.server import summarize_log
from scripts.harness import ROOT, HarnessError, fetch, log, rss_kib, run_wrk, wrk_errors
from scripts.harness.tools import WRK_SCRIPT

MIX_SCRIPT = ROOT / "scripts" / "bench_wrk_mix.lua"  # walks a file of paths; bench_wrk.lua's report


def get(base_url, path, timeout=30):
    """GET as a browser asks (compressed), redirects not followed."""
    return fetch(base_url, path, headers={"Accept-Encoding": ACCEPT_ENCODING}, timeout=timeout)


def simultaneous(base_url, path, count):
    """`count` requests for `path` at once: with sync workers, each reaches a different one."""
    threads = [threading.Thread(target=get, args=(base_url, path)) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def drain(base_url, path, workers, limit=300):
    """Wait until every worker is idle again; the seconds that took.

    When wrk stops, connections it already sent are still queued at gunicorn and every one is
    served, slow pages too. A round of simultaneous requests to a cheap URL, one per worker,
    returns only after that queue is empty; repeat until such a round is quick.
    """
    started = time.monotonic()
    while time.monotonic() - started < limit:
        round_started = time.monotonic()
        threads = [threading.Thread(target=_quiet_get, args=(base_url, path, limit)) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if time.monotonic() - round_started < 0.5:
            break
    return time.monotonic() - started


def _quiet_get(base_url, path, timeout):
    try:
        get(base_url, path, timeout=timeout)
    except OSError:
        pass


def static_stylesheet(base_url, home_path):
    """The fingerprinted site.css the home page links to: the static-file baseline."""
    home = get(base_url, home_path)
    if home.status != 200:
        raise HarnessError(f"the home page answered {home.status}")
    match = re.search(rb'href="(/static/[^"]*?site\.[0-9a-f]{6,}\.css)"', home.body)
    if not match:
        raise HarnessError("no fingerprinted site.css (/static/…/site.<hash>.css) in the home page's HTML")
    return match.group(1).decode()


def wrk(url, seconds, args, script=WRK_SCRIPT, script_args=()):
    """wrk as the bench runs it: --threads/--connections from the command line, a 30 s
    timeout (gunicorn's own: a slower response never comes), a browser's Accept-Encoding."""
    return run_wrk(
        url,
        seconds,
        threads=args.threads,
        connections=args.connections,
        headers={"Accept-Encoding": ACCEPT_ENCODING},
        timeout="30s",
        script=script,
        script_args=script_args,
    )


def memory_snapshot(site):
    return {str(pid): rss_kib(pid) for pid in site.workers()}


class WorkerWatch:
    """Which worker processes the master has, sampled every `interval` seconds in a thread from
    the moment the server answers: `booted(start, end)` are the workers first seen in that time
    window (each one a worker that gunicorn forked: a recycle, a crash, a timeout). A worker
    that lives less than `interval` could be missed; gunicorn's "Booting worker" log lines
    are counted too (`log_boots`), as a cross-check."""

    def __init__(self, site, interval=0.05):
        self.site = site
        self.interval = interval
        self.initial = set(site.workers())
        self.first_seen = {}
        self.log_offset = len(site.log_text())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            now = time.monotonic()
            for pid in self.site.workers():
                if pid not in self.initial:
                    self.first_seen.setdefault(pid, now)
            self._stop.wait(self.interval)

    def booted(self, start=float("-inf"), end=float("inf")):
        return sorted(pid for pid, seen in self.first_seen.items() if start <= seen <= end)

    def log_boots(self):
        return self.site.log_text()[self.log_offset :].count("Booting worker with pid")

    def stop(self):
        self._stop.set()
        self._thread.join()


def run_configuration(site, page_cache, urls, mix, args):
    """gunicorn with PAGE_CACHE=`page_cache`, every URL measured; the configuration's result."""
    log(f"\n=== PAGE_CACHE={page_cache}: starting gunicorn ({args.workers} workers, shipped configuration) …")
    site.start(page_cache)
    watch = WorkerWatch(site)
    result = {
        "page_cache": page_cache,
        "load_average_before": [round(value, 2) for value in os.getloadavg()],
        "memory_kib": {"start": memory_snapshot(site)},
        "rows": [],
    }
    try:
        if urls["static"] is None:  # the baseline: the fingerprinted stylesheet the home page links
            urls["static"] = static_stylesheet(site.url, urls["home"])
        checked = check_statuses(site, urls)
        warm_up(site, urls, checked, args)
        result["memory_kib"]["after_warmup"] = memory_snapshot(site)
        for key, path in urls.items():
            result["rows"].append(measure(site, key, path, checked[key], urls["static"], args, watch))
        # The static file once more at the end: if the machine got busier or quieter during
        # the run (others at work), the two baselines differ and the report says so.
        if checked["static"] == 200:
            started = time.monotonic()
            result["static_end"] = wrk(site.url + urls["static"], args.seconds, args)
            result["static_end_boots"] = watch.booted(started, time.monotonic())
            log(f"  {'static file (again)':<24} {result['static_end']['requests_per_s']:>9.1f} req/s")
        result["memory_kib"]["after_load"] = memory_snapshot(site)
        if args.long:
            started = time.monotonic()
            result["long_run"] = long_run(site, mix + [urls["static"]], args)
            result["long_run"]["worker_boots"] = watch.booted(started, time.monotonic())
            result["memory_kib"]["after_long_run"] = memory_snapshot(site)
    finally:
        watch.stop()
        result["worker_boots"] = {"pids": watch.booted(), "log_lines": watch.log_boots()}
        site.stop()
        result["server_log"] = site.log_text()[-20000:]
        result["server_errors"] = summarize_log(site.log_text())
    add_static_ratios(result)
    return result


def check_statuses(site, urls):
    """Every URL answers 200 (no redirect, no error page) before any load: {key: status}."""
    checked = {}
    for key, path in urls.items():
        checked[key] = get(site.url, path).status
        if checked[key] != 200:
            log(f"  ! {LABELS[key]} {path}: status {checked[key]}, expected 200 — not loaded")
    return checked


def warm_up(site, urls, checked, args):
    """Rounds of one request per worker at once for each URL. A sync worker serves one request
    at a time, so simultaneous requests reach different workers: every worker renders (and,
    cache on, caches) every URL before it is measured."""
    started = time.monotonic()
    for _ in range(args.warmup):
        for key, path in urls.items():
            if checked[key] == 200:
                simultaneous(site.url, path, args.workers)
    log(
        f"  warmed up: {args.warmup} round(s) of {args.workers} simultaneous requests per URL "
        f"in {time.monotonic() - started:.1f} s"
    )


def measure(site, key, path, status, static_path, args, watch):
    """One URL: a request alone (time, query count, size), then wrk; its row, with the workers
    that booted while wrk ran or its queue drained."""
    row = {"key": key, "label": LABELS[key], "group": GROUPS[key], "url": path, "status": status}
    if status != 200:
        row["error"] = f"status {status}, expected 200"
        return row
    solo_started = time.perf_counter()
    response = get(site.url, path)
    row["solo_ms"] = round((time.perf_counter() - solo_started) * 1000, 1)  # alone: no queue
    queries = response.header("X-Query-Count")
    row["queries"] = int(queries) if queries else None
    row["body_bytes"] = len(response.body)
    row["content_encoding"] = response.header("Content-Encoding")
    row["content_type"] = response.header("Content-Type")
    row["load_average_before"] = round(os.getloadavg()[0], 2)
    started = time.monotonic()
    row["wrk"] = wrk(site.url + path, args.seconds, args)
    row["drain_s"] = round(drain(site.url, static_path, args.workers), 1)
    row["worker_boots"] = watch.booted(started, time.monotonic())
    errors = wrk_errors(row["wrk"])
    log(
        f"  {LABELS[key]:<24} {row['wrk']['requests_per_s']:>9.1f} req/s"
        f"  p95 {row['wrk']['latency_ms']['p95']:>7.1f} ms"
        + (f"  {errors} errors" if errors else "")
        + (f"  {len(row['worker_boots'])} worker(s) booted" if row["worker_boots"] else "")
        + (
            f"  (queued requests kept the workers busy {row['drain_s']:.0f} s after the load)"
            if row["drain_s"] >= 1
            else ""
        )
    )
    return row


def add_static_ratios(result):
    """The static baseline (the mean of its first and last measurement), its drift, and each
    row's requests/s as a fraction of it."""
    first = next((r["wrk"]["requests_per_s"] for r in result["rows"] if r["key"] == "static" and "wrk" in r), 0)
    last = result.get("static_end", {}).get("requests_per_s") or first
    static_rate = (first + last) / 2
    result["static_requests_per_s"] = static_rate
    result["static_requests_per_s_first_last"] = [first, last]
    result["baseline_drift"] = abs(first - last) / max(first, last) if max(first, last) else 0.0
    for row in result["rows"]:
        if "wrk" in row and static_rate:
            row["ratio_to_static"] = row["wrk"]["requests_per_s"] / static_rate


def long_run(site, paths, args):
    """wrk on a mix of URLs for --long seconds, sampling worker memory as it goes."""
    mix_file = site.workdir / "mix.txt"
    mix_file.write_text("\n".join(paths) + "\n")
    samples = []
    interval = max(5.0, args.long / 12)
    log(f"  long run: {args.long} s on a mix of {len(paths)} URLs, memory every {interval:.0f} s …")
    outcome = {}

    def load():
        try:
            outcome["wrk"] = wrk(site.url + "/", args.long, args, script=MIX_SCRIPT, script_args=[str(mix_file)])
        except Exception as error:  # reported below
            outcome["error"] = str(error)

    thread = threading.Thread(target=load)
    started = time.monotonic()
    thread.start()
    while thread.is_alive():
        samples.append({"t_s": round(time.monotonic() - started, 1), "rss_kib": memory_snapshot(site)})
        thread.join(timeout=interval)
    samples.append({"t_s": round(time.monotonic() - started, 1), "rss_kib": memory_snapshot(site)})
    if "error" in outcome:
        log(f"  ! long run: {outcome['error']}")
    else:
        w = outcome["wrk"]
        log(
            f"  long run: {w['requests']} requests, {w['requests_per_s']:.1f} req/s, "
            f"p95 {w['latency_ms']['p95']:.1f} ms, {wrk_errors(w)} errors"
        )
    return {"seconds": args.long, "urls": len(paths), "samples": samples, **outcome}
