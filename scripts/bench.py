"""`make bench`: serve the site as production does, fill it with a large data set, load every
page type with wrk and print what it sustains, with the page cache off and then on.

    python scripts/bench.py [--scale N] [--seconds S] [--quick] [--long S] [--strict] ...

What it does (docs/performance.md explains how to read the result):

1. A throwaway database: when DATABASE_URL names PostgreSQL, a fresh database `<name>_bench`
   on that server (dropped and created again; the developer's own database is never
   touched), else a SQLite file in a temporary directory. Media and collected static files
   live in that directory too; all of it is removed at the end (unless --keep).
2. `manage.py migrate`, `manage.py load_demo_content --scale N` (N offices, N/5
   organizations, N/10 statements, 10N announcements; --scale 0 loads the plain demo
   content), `collectstatic`.
3. The URLs to measure come from the database (a page of each type, the middle page of the
   announcements listing, its busiest category), plus the fingerprinted stylesheet named in
   the home page's HTML as the static-file baseline.
4. For each configuration (PAGE_CACHE=off, then PAGE_CACHE=on): gunicorn with
   dei_portal/operations/gunicorn_conf.py exactly as `make serve` runs it (its workers,
   preloading and recycling policy, and any GUNICORN_* of the caller's environment); the bench
   overrides only its bind address (127.0.0.1, a free port), its control socket and the access
   log (off, as `make serve`), and prints each override ("bench overrides: …") and the
   resolved configuration. DEBUG off, settings scripts/bench_settings.py. A check that every
   URL answers 200, a warm-up, one request per URL for its SQL query count (the X-Query-Count
   header from scripts/bench_middleware.py) and size, then wrk on each URL for a few seconds
   (scripts/bench_wrk.lua), the static file first and last, each time waiting until the
   workers have served every request still queued. The workers that boot while wrk runs are
   counted (the master's children, sampled every 50 ms; 0 expected). Worker memory (VmRSS) is
   read at start, after the warm-up and after the load; --long S adds S seconds of wrk on a
   mix of URLs (scripts/bench_wrk_mix.lua), sampling memory.
5. A table per configuration (worker boots per URL), PASS/FAIL per target, and the whole
   result as JSON.

Targets: cache off, the home page sustains ≥ 10% of the static file's requests/s; cache on,
every page type ≥ 50%; cache off, listings, feeds and search have p95 ≤ 100 ms; no worker boots
during the load; worker memory grows by no more than 10 MB from the warm-up to the end. The exit status is 0 unless the
benchmark itself could not run, or --strict is given and a target failed.

The code is in scripts/benchmark/ (pages, server, discover, load, report, cli) on top of
scripts/harness/.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for `scripts.…`
from scripts.benchmark.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], description=__doc__.split("\n\n")[0]))
