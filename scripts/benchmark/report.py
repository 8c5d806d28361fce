"""What the bench reports: the machine, a table per configuration, the targets' PASS/FAIL,
and everything as JSON."""

import json
import os
import platform
from pathlib import Path

from scripts.benchmark.pages import (
    ACCEPT_ENCODING,
    BASELINE_DRIFT_WARNING,
    TARGET_EVERY_PAGE_CACHE_ON,
    TARGET_HOME_CACHE_OFF,
    TARGET_MEMORY_GROWTH_MB,
    TARGET_P95_MS,
)
from scripts.harness import Column, Free, log, table, wrk_errors, wrk_version


def machine_facts():
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": wrk_version(),
    }


def mib(kib):
    return f"{kib / 1024:.1f}" if kib is not None else "?"


ROW_COLUMNS = [
    Column("page type", width=24),
    Column("URL", width=42),
    Column("req/s", ">", 8),
    Column("×static", ">", 8),
    Column("p50 ms", ">", 8),
    Column("p95 ms", ">", 8),
    Column("p99 ms", ">", 8),
    Column("solo ms", ">", 8),
    Column("queries", ">", 7),
    Column("bytes", ">", 8),
    Column("requests", ">", 8),
    Column("errors", ">", 6),
    Column("boots", ">", 5),
]


def print_table(result):
    """One configuration: the static baseline, a row per URL, worker memory, server errors."""
    page_cache = result["page_cache"]
    first, last = result["static_requests_per_s_first_last"]
    log(
        f"\nPage cache {page_cache.upper()} (PAGE_CACHE={page_cache}): static baseline "
        f"{result['static_requests_per_s']:,.0f} req/s (first {first:,.0f}, last {last:,.0f}); "
        f"load average before {result['load_average_before']}"
    )
    if result["baseline_drift"] > BASELINE_DRIFT_WARNING:
        log(
            f"WARNING: the static baseline moved by {result['baseline_drift']:.0%} "
            "during this configuration: the machine's load changed (see load averages in the JSON), so "
            "ratios are approximate. Run again on a quieter machine."
        )
    rows = list(result["rows"])
    if "static_end" in result:
        static = next(row for row in rows if row["key"] == "static")
        again = result["static_end"]
        rows.append(
            static
            | {
                "label": "static file (again)",
                "wrk": again,
                "worker_boots": result.get("static_end_boots", []),
                "ratio_to_static": again["requests_per_s"] / result["static_requests_per_s"],
            }
        )
    cells = []
    for row in rows:
        url = row["url"] if len(row["url"]) <= 42 else row["url"][:41] + "…"
        if "wrk" not in row:
            cells.append([row["label"], url, Free(row.get("error", "not measured"))])
            continue
        w = row["wrk"]
        ratio = row.get("ratio_to_static")
        cells.append(
            [
                row["label"],
                url,
                f"{w['requests_per_s']:.1f}",
                f"{ratio:.3f}" if ratio is not None else "?",
                f"{w['latency_ms']['p50']:.1f}",
                f"{w['latency_ms']['p95']:.1f}",
                f"{w['latency_ms']['p99']:.1f}",
                f"{row['solo_ms']:.1f}",
                row["queries"] if row["queries"] is not None else "?",
                row["body_bytes"],
                w["requests"],
                wrk_errors(w),
                len(row.get("worker_boots", [])),
            ]
        )
    for line in table(ROW_COLUMNS, cells, rule="line"):
        log(line)
    memory = result["memory_kib"]
    log(
        "Worker memory (VmRSS, MiB): "
        + "; ".join(
            f"pid {pid}: start {mib(memory['start'].get(pid))} → warm {mib(memory['after_warmup'].get(pid))}"
            f" → after load {mib(memory['after_load'].get(pid))}"
            + (f" → after long run {mib(memory['after_long_run'].get(pid))}" if "after_long_run" in memory else "")
            for pid in memory["after_warmup"]
        )
    )
    boots = result.get("worker_boots", {"pids": [], "log_lines": 0})
    log(
        f"Worker boots while this configuration ran (0 expected): {len(boots['pids'])}"
        + (f" (pids {', '.join(map(str, boots['pids']))})" if boots["pids"] else "")
        + f'; gunicorn\'s log: {boots["log_lines"]} "Booting worker" line(s) after start'
    )
    if result.get("server_errors"):
        log("The server logged (full log tail in the JSON):")
        for entry in result["server_errors"][:10]:
            log(f"  {entry['count']}× {entry['message']}")
    if result.get("long_run", {}).get("samples"):
        log(
            "Long run, worker memory over time (MiB): "
            + "  ".join(
                f"{sample['t_s']:.0f}s " + "/".join(mib(value) for value in sample["rss_kib"].values())
                for sample in result["long_run"]["samples"]
            )
        )


def evaluate(results, args):
    """The targets: [{"target": name, "passed": bool, "detail": text}]."""
    targets = []

    def add(name, passed, detail):
        targets.append({"target": name, "passed": passed, "detail": detail})

    for page_cache, result in results.items():
        problems = []
        for row in result["rows"]:
            if "wrk" not in row:
                problems.append(f"{row['label']}: {row.get('error', 'not measured')}")
            elif wrk_errors(row["wrk"]):
                errors = {kind: n for kind, n in row["wrk"]["errors"].items() if n}
                problems.append(f"{row['label']}: {errors}")
        add(
            f"cache {page_cache}: every URL answers 200, no errors under load",
            not problems,
            "; ".join(problems) or f"{len(result['rows'])} URLs",
        )
    off = results.get("off")
    if off:
        home = next((row for row in off["rows"] if row["key"] == "home" and "ratio_to_static" in row), None)
        add(
            f"cache off: home ≥ {TARGET_HOME_CACHE_OFF:.0%} of static req/s",
            bool(home) and home["ratio_to_static"] >= TARGET_HOME_CACHE_OFF,
            f"{home['ratio_to_static']:.1%} ({home['wrk']['requests_per_s']:.1f} of "
            f"{off['static_requests_per_s']:.0f} req/s)"
            if home
            else "not measured",
        )
        for row in off["rows"]:
            if row["group"] in ("listing", "feed", "search"):
                name = f"cache off: {row['label']} p95 ≤ {TARGET_P95_MS:.0f} ms"
                if "wrk" not in row or not row["wrk"]["requests"]:
                    add(name, False, "not measured (no response completed)")
                    continue
                p95 = row["wrk"]["latency_ms"]["p95"]
                timeouts = row["wrk"]["errors"]["timeout"]
                add(
                    name,
                    p95 <= TARGET_P95_MS and not timeouts,
                    f"{p95:.1f} ms" + (f", and {timeouts} requests timed out (> 30 s)" if timeouts else ""),
                )
    on = results.get("on")
    if on:
        for row in on["rows"]:
            if row["group"] not in ("static", "reference"):
                ratio = row.get("ratio_to_static")
                add(
                    f"cache on: {row['label']} ≥ {TARGET_EVERY_PAGE_CACHE_ON:.0%} of static req/s",
                    ratio is not None and ratio >= TARGET_EVERY_PAGE_CACHE_ON,
                    f"{ratio:.1%}" if ratio is not None else "not measured",
                )
    for page_cache, result in results.items():
        boots = result.get("worker_boots", {"pids": [], "log_lines": 0})
        add(
            f"cache {page_cache}: no worker booted during the load (shipped configuration)",
            not boots["pids"] and not boots["log_lines"],
            f"{len(boots['pids'])} seen, {boots['log_lines']} in gunicorn's log",
        )
        memory = result["memory_kib"]
        final = memory.get("after_long_run") or memory["after_load"]
        warm = memory["after_warmup"]
        replaced = sorted(set(warm) ^ set(final))
        long = result.get("long_run")
        if long:
            errors = {kind: n for kind, n in long.get("wrk", {}).get("errors", {}).items() if n}
            add(
                f"cache {page_cache}: long run on a mix of {long['urls']} URLs without errors",
                "wrk" in long and not errors,
                long.get("error") or (f"{errors}" if errors else f"{long['wrk']['requests']} requests"),
            )
        stage = "long run" if "after_long_run" in memory else "load"
        if replaced:
            add(
                f"cache {page_cache}: worker memory flat over the {stage}",
                False,
                f"workers were replaced during the load (pids {', '.join(replaced)})",
            )
            continue
        growth = {pid: (final[pid] - warm[pid]) / 1024 for pid in warm if final[pid] and warm[pid]}
        worst = max(growth.values(), default=0.0)
        add(
            f"cache {page_cache}: worker memory flat over the {stage} (≤ {TARGET_MEMORY_GROWTH_MB:.0f} MB growth)",
            worst <= TARGET_MEMORY_GROWTH_MB,
            ", ".join(
                f"pid {pid} {mib(warm[pid])} → {mib(final[pid])} MiB ({delta:+.1f})" for pid, delta in growth.items()
            ),
        )
    return targets


def describe_configuration(config):
    """The gunicorn configuration that ran, in a few words."""
    recycling = (
        f"max_requests {config['max_requests']} (+ jitter {config['max_requests_jitter']})"
        if config["max_requests"]
        else "no max_requests"
    )
    rss = f"worker RSS limit {config['max_worker_rss_mb']} MiB" if config.get("max_worker_rss_mb") else "no RSS limit"
    return (
        f"{config['workers']} {config['worker_class']} workers × {config['threads']} thread(s), "
        f"preload {'on' if config['preload_app'] else 'off'}, {recycling}, {rss}, timeout {config['timeout']} s"
    )


def print_server(server):
    """How gunicorn ran: the shipped configuration as resolved, and every deviation."""
    log(
        "gunicorn: dei_portal/operations/gunicorn_conf.py as `make serve` runs it: "
        + describe_configuration(server["configuration"])
    )
    overrides = server["bench_overrides"]
    log("bench overrides: " + "; ".join(f"{name}={o['value']} ({o['why']})" for name, o in overrides.items()))
    log("bench overrides (not through GUNICORN_*): " + "; ".join(server["other_deviations"]))
    inherited = server["inherited_environment"]
    log(
        "from the caller's environment (as `make serve` would inherit): "
        + (", ".join(f"{name}={value}" for name, value in inherited.items()) or "nothing")
    )


def print_report(facts, discovered, database_label, args, results, targets, server):
    """Everything, after the runs: the setting, a table per configuration, the targets."""
    log("\n" + "=" * 100)
    log(
        f"Machine: {facts['cpu_count']} CPUs ({facts['cpu_model']}), load average at start "
        f"{facts['load_average_at_start']}; Python {facts['python']}, Django {discovered['django']}, "
        f"Wagtail {discovered['wagtail']}, gunicorn {discovered['gunicorn']}, {facts['wrk']}"
    )
    log(
        f"Database: {discovered['db_version']} ({database_label}); CONN_MAX_AGE "
        f"{discovered['db_conn_max_age']}; data: scale {args.scale} "
        f"({', '.join(f'{k} {v}' for k, v in discovered['counts'].items())})"
    )
    log(
        f"Cache: backends {discovered['caches']}; middleware {discovered['cache_middleware'] or 'none'}; "
        f"{' '.join(f'{k}={v}' for k, v in discovered['cache_settings'].items())}; "
        f"REDIS_URL {'set' if os.environ.get('REDIS_URL') else 'not set'}"
    )
    log(f"Load: wrk {args.threads} threads, {args.connections} connections, {args.seconds} s per URL, 127.0.0.1")
    print_server(server)
    for note in discovered["notes"]:
        log(f"Note: {note}")
    for result in results.values():
        print_table(result)
    if "on" in results:
        pages = [row for row in results["on"]["rows"] if row["key"] != "static"]
        hits = [row for row in pages if row.get("queries") == 0]
        log(
            f"\nWith PAGE_CACHE=on, {len(hits)} of {len(pages)} pages answered the query-count request with 0 SQL "
            f"queries (a page-cache hit)"
            + (": not " + ", ".join(r["label"] for r in pages if r not in hits) if len(hits) < len(pages) else "")
            + "."
        )
    log("\nTargets:")
    for target in targets:
        log(f"  {'PASS' if target['passed'] else 'FAIL'}  {target['target']}: {target['detail']}")


def write_json(path, *, started_at, facts, args, discovered, load_seconds, results, targets, server):
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "machine": facts,
        "settings": {
            "scale": args.scale,
            "seconds_per_url": args.seconds,
            "warmup_requests": args.warmup,
            "wrk_threads": args.threads,
            "wrk_connections": args.connections,
            "gunicorn_workers": args.workers,
            "long_run_seconds": args.long,
            "accept_encoding": ACCEPT_ENCODING,
        },
        "database": {
            "vendor": discovered["db_vendor"],
            "version": discovered["db_version"],
            "conn_max_age": discovered["db_conn_max_age"],
        },
        "gunicorn": server,
        "data_load_seconds": round(load_seconds, 1),
        "site": {key: value for key, value in discovered.items() if key not in ("mix",)},
        "configurations": results,
        "targets": targets,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
