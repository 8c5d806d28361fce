"""The command line of `make bench` and the order of a run: prepare the site, run each
page-cache configuration, report."""

import argparse
import datetime
import os
import sys
from pathlib import Path

from scripts.benchmark.load import run_configuration
from scripts.benchmark.pages import PAGE_TYPES
from scripts.benchmark.report import evaluate, machine_facts, print_report, write_json
from scripts.benchmark.server import BenchSite
from scripts.harness import ROOT, HarnessError, ensure_debian, exit_on_sigterm, log


def parse_args(argv, description=None):
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--scale",
        type=int,
        default=int(os.environ.get("BENCH_SCALE", "1000")),
        help="load_demo_content --scale N (default $BENCH_SCALE or 1000; 0: plain demo content)",
    )
    parser.add_argument(
        "--seconds",
        type=int,
        default=int(os.environ.get("BENCH_SECONDS", "10")),
        help="wrk seconds per URL (default $BENCH_SECONDS or 10)",
    )
    parser.add_argument("--quick", action="store_true", help="a quick look: 3 s per URL, 1 warm-up round")
    parser.add_argument(
        "--cache",
        choices=["both", "off", "on"],
        default="both",
        help="which page-cache configurations to run (default both: off, then on)",
    )
    parser.add_argument(
        "--long",
        type=int,
        default=0,
        metavar="SECONDS",
        help="after the per-URL load, hammer a mix of URLs this long, sampling worker memory",
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers (default: the shipped configuration's, WEB_CONCURRENCY or 2); "
        "given, it is a deviation the report prints",
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="warm-up rounds per URL, each one request per worker at once (default 3)"
    )
    parser.add_argument("--json", type=Path, help="where to write the JSON (default bench-results/bench-<time>.json)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target fails")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and database")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = min(args.seconds, 3)
        args.warmup = min(args.warmup, 1)
    if (
        args.seconds < 1
        or args.scale < 0
        or (args.workers is not None and args.workers < 1)
        or args.connections < args.threads
    ):
        parser.error("need --seconds ≥ 1, --scale ≥ 0, --workers ≥ 1, --connections ≥ --threads")
    return args


def fail(message):
    """The benchmark itself could not run: exit status 2."""
    print(f"\nbench: {message}", file=sys.stderr, flush=True)
    return 2


def main(argv, description=None):
    args = parse_args(argv, description)
    try:
        ensure_debian({"wrk": "wrk"})
    except HarnessError as error:
        return fail(f"the benchmark {error}")
    facts = machine_facts()
    started_at = datetime.datetime.now().astimezone()
    site = BenchSite(args)
    exit_on_sigterm()
    results = {}
    try:
        discovered = site.prepare()
        urls = {"static": None}
        urls |= {key: discovered["urls"][key] for key, _, _ in PAGE_TYPES if key in discovered["urls"]}
        configurations = ["off", "on"] if args.cache == "both" else [args.cache]
        for page_cache in configurations:
            results[page_cache] = run_configuration(site, page_cache, urls, discovered["mix"], args)
    except HarnessError as error:
        return fail(error)
    finally:
        site.cleanup()  # also after Ctrl-C or a plain kill

    targets = evaluate(results, args)
    print_report(facts, discovered, site.database.vendor_label, args, results, targets, site.server_facts())
    output = args.json or ROOT / "bench-results" / f"bench-{started_at:%Y%m%d-%H%M%S}.json"
    write_json(
        output,
        started_at=started_at,
        facts=facts,
        args=args,
        discovered=discovered,
        load_seconds=site.load_seconds,
        results=results,
        targets=targets,
        server=site.server_facts(),
    )
    failed = [target for target in targets if not target["passed"]]
    log(f"\n{len(targets) - len(failed)} of {len(targets)} targets passed. JSON: {output}")
    return 1 if (failed and args.strict) else 0
