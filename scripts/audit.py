"""`make audit`: measure the demo site in a real browser, as visitors get it.

Serves the demo content (scripts/demo_site.py: gunicorn, DEBUG off, WhiteNoise) from a
throwaway database, then checks every page type at a phone (375 px) and a desktop
(1280 px) width with:

- axe-core (axe-playwright-python in Debian's chromium): WCAG 2.0/2.1/2.2 A and AA rules
  plus axe's best practices;
- Lighthouse 12 (node_modules): accessibility, best practices, SEO and performance, with
  the mobile preset (slow 4G, 4x CPU slowdown) at 375 px and the desktop preset at 1280 px;
- the Nu HTML Checker (vnu.jar on Java): the HTML each URL returns, and site.css.

Prints a table and exits non-zero on any axe violation, any Nu checker error, a Lighthouse
accessibility/best-practices/SEO score under 100 or a performance score under 95. The
Lighthouse JSON reports and a findings.txt stay in the report folder it names.

Usage: python scripts/audit.py [--lighthouse=all|key|none] [--runs N] [--report-dir DIR]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for `scripts.…`
from scripts.chromium import CHROMIUM, CHROMIUM_ARGS
from scripts.demo_site import DemoSite
from scripts.harness import ROOT, Column, fetch, table

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
WIDTHS = (375, 1280)

# (path, expected HTTP status, Lighthouse with --lighthouse=key)
PAGES = [
    ("/", 200, True),
    ("/offices/", 200, False),
    ("/offices/faculty-affairs/", 200, True),
    ("/organizations/", 200, False),
    ("/organizations/wumma/", 200, False),
    ("/statements/", 200, False),
    ("/statements/deans-commitment/", 200, True),
    ("/announcements/", 200, False),
    ("/announcements/heritage-month-lecture/", 200, True),
    ("/accessibility/", 200, False),
    ("/no-such-page/", 404, False),
]
SEARCH_PAGE = ("/search/?query=office", 200, True)

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
LIGHTHOUSE_CATEGORIES = ("accessibility", "best-practices", "seo", "performance")
MINIMUM = {"accessibility": 100, "best-practices": 100, "seo": 100, "performance": 95}


def run_axe(site_url, pages, findings, failures):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    counts = {}
    axe = Axe()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            console = []  # this page's errors (each width has its own page)
            page.on("console", lambda message, errors=console: message.type == "error" and errors.append(message.text))
            page.on("pageerror", lambda error, errors=console: errors.append(str(error)))
            for path, status, _ in pages:
                console.clear()
                response = page.goto(site_url + path, wait_until="load")
                if response is None or response.status != status:
                    failures.append(f"{path}: HTTP {response and response.status}, expected {status}")
                violations = axe.run(page, options=AXE_OPTIONS).response["violations"]
                counts[path, width] = sum(len(violation["nodes"]) for violation in violations)
                for violation in violations:
                    findings.append(
                        f"axe {path} @ {width}px: {violation['id']} ({violation['impact']}): {violation['help']}"
                    )
                    for node in violation["nodes"]:
                        findings.append(f"    {node['target']}: {node['html'][:160]}")
                # A missing page logs its 404 in the console; anything else is a real error.
                for message in console:
                    if not (status == 404 and "404" in message):
                        failures.append(f"console error {path} @ {width}px: {message}")
            context.close()
        browser.close()
    return counts


def lighthouse_once(command, output):
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    for _ in range(3):  # Lighthouse now and then fails to record a trace (NO_NAVSTART): retry
        output.unlink(missing_ok=True)
        result = subprocess.run(
            [*command, f"--output-path={output}"], env=env, capture_output=True, text=True, timeout=240
        )
        if result.returncode == 0 and output.exists():
            return json.loads(output.read_text())
    raise RuntimeError(f"Lighthouse failed on {command[1]}:\n{result.stderr[-2000:]}")


def run_lighthouse(site_url, path, width, report_dir, runs, noindex):
    """Lighthouse scores for one page at one width, and what cost points.

    Performance under simulated throttling varies from run to run on a busy machine, so the
    page is measured `runs` times and the run with the median performance score counts
    (Lighthouse's own advice on variability); the other categories do not vary.
    """
    name = (path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "home") + f"-{width}"
    command = [
        str(LIGHTHOUSE),
        site_url + path,
        "--output=json",
        "--only-categories=" + ",".join(LIGHTHOUSE_CATEGORIES),
        "--chrome-flags=--headless --no-sandbox --disable-gpu --disable-background-networking",
        "--quiet",
    ]
    if width < 1000:  # the default mobile preset (slow 4G, 4x CPU slowdown), at the phone width
        command += [
            "--screenEmulation.mobile",
            f"--screenEmulation.width={width}",
            "--screenEmulation.height=667",
            "--screenEmulation.deviceScaleFactor=2",
        ]
    else:
        command += ["--preset=desktop", f"--screenEmulation.width={width}", "--screenEmulation.height=900"]
    reports = [lighthouse_once(command, report_dir / f"lighthouse-{name}-run{run + 1}.json") for run in range(runs)]
    reports.sort(key=lambda report: report["categories"]["performance"]["score"] or 0)
    report = reports[len(reports) // 2]
    scores = {key: round((report["categories"][key]["score"] or 0) * 100) for key in LIGHTHOUSE_CATEGORIES}
    scores["perf-runs"] = sorted(round((r["categories"]["performance"]["score"] or 0) * 100) for r in reports)
    scores["benchmark"] = report["environment"].get("benchmarkIndex")
    problems = []
    for key in LIGHTHOUSE_CATEGORIES:
        if scores[key] >= MINIMUM[key]:
            continue
        for ref in report["categories"][key]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
                expected = " (expected: the page is noindex)" if noindex and key == "seo" else ""
                problems.append(f"lighthouse {path} @ {width}px [{key}] {ref['id']}: {audit['title']}{value}{expected}")
    return scores, problems


def run_vnu(site_url, pages, report_dir, findings):
    """Nu HTML Checker errors per path (the same HTML is served at every width)."""
    html_dir = report_dir / "html"
    html_dir.mkdir(exist_ok=True)
    files = {}  # file path (without the leading slash) -> page

    def key(location):
        return location.removeprefix("file:").lstrip("/")

    for index, (path, _, _) in enumerate(pages):
        file = html_dir / f"page-{index:02d}.html"
        file.write_bytes(fetch(site_url, path).body)
        files[key(str(file.resolve()))] = path
    css = ROOT / "static" / "css" / "site.css"
    files[key(str(css.resolve()))] = "site.css"
    command = ["java", "-jar", str(VNU_JAR), "--format", "json", "--also-check-css", *["/" + file for file in files]]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = dict.fromkeys(files.values(), 0)
    for message in messages:
        path = files.get(key(message.get("url", "")), message.get("url", "?"))
        kind = message["type"]
        if kind == "info":  # warnings and notes are listed, not counted
            if message.get("subType") == "warning":
                warning = f"vnu warning {path}: {message['message']}"
                if warning not in findings:
                    findings.append(warning)
            continue
        errors[path] = errors.get(path, 0) + 1
        where = f"line {message.get('lastLine', '?')}"
        findings.append(f"vnu {kind} {path} ({where}): {message['message']}")
        if message.get("extract"):
            findings.append(f"    {message['extract'].strip()[:160]}")
    return errors


def ensure_tools():
    if not Path(CHROMIUM).exists():
        sys.exit("The audit needs Debian's chromium at /usr/bin/chromium (bash scripts/ensure-chromium.sh).")
    if not LIGHTHOUSE.exists() or not VNU_JAR.exists():
        sys.exit("Run `npm ci --ignore-scripts` first (make audit does).")


def is_noindex(html):
    """Whether a page asks search engines not to index it (search results do)."""
    for tag in re.findall(rb"<meta[^>]+>", html, re.IGNORECASE):
        if re.search(rb"name=[\"']?robots", tag, re.IGNORECASE) and b"noindex" in tag.lower():
            return True
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--lighthouse",
        choices=["all", "key", "none"],
        default="all",
        help="Lighthouse on every page (default), only on the home, office, statement, announcement "
        "and search pages, or on none",
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="Lighthouse runs per page at the phone width; the median counts (default 3)"
    )
    parser.add_argument("--report-dir", type=Path, help="where the reports go (default: a new temporary folder)")
    args = parser.parse_args()
    ensure_tools()
    report_dir = args.report_dir or Path(tempfile.mkdtemp(prefix="dei-portal-audit-"))
    report_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    with DemoSite() as site:
        pages = list(PAGES)
        if fetch(site.url, SEARCH_PAGE[0]).status == 200:
            pages.insert(-1, SEARCH_PAGE)
        else:
            print("(no /search/ page yet: not audited)")
        noindex = {path for path, _, _ in pages if is_noindex(fetch(site.url, path).body)}
        findings, failures = [], []
        print("axe-core …")
        axe = run_axe(site.url, pages, findings, failures)
        print("Nu HTML Checker …")
        vnu = run_vnu(site.url, pages, report_dir, findings)
        lighthouse = {}
        for path, status, key in pages:
            if status != 200 or args.lighthouse == "none" or (args.lighthouse == "key" and not key):
                continue
            for width in WIDTHS:
                runs = args.runs if width < 1000 else 1
                print(f"Lighthouse {path} @ {width}px ({runs} run{'s' if runs > 1 else ''}) …", flush=True)
                scores, problems = run_lighthouse(site.url, path, width, report_dir, runs, path in noindex)
                lighthouse[path, width] = scores
                findings += problems

    failed = bool(failures)
    columns = [
        Column("page", width=40),
        Column("width", ">", 5),
        Column("axe", ">", 4),
        Column("a11y", ">", 5),
        Column("bp", ">", 4),
        Column("seo", ">", 4),
        Column("perf", ">", 5),
        Column("vnu", ">", 4),
        Column("perf runs", gap="  "),
    ]
    rows = []
    for path, _, _ in pages:
        for width in WIDTHS:
            scores = lighthouse.get((path, width))
            if scores:
                seo = f"{scores['seo']}{'*' if path in noindex else ''}"
                cells = [scores["accessibility"], scores["best-practices"], seo, scores["performance"]]
                runs = "/".join(map(str, scores["perf-runs"])) if len(scores["perf-runs"]) > 1 else ""
                needed = dict(MINIMUM, seo=0) if path in noindex else MINIMUM
                failed |= any(scores[key] < needed[key] for key in LIGHTHOUSE_CATEGORIES)
            else:
                cells, runs = ["-"] * 4, ""
            rows.append([path, width, axe[path, width], *cells, vnu[path], runs])
            failed |= axe[path, width] > 0 or vnu[path] > 0
    rows.append(["static/css/site.css", "", "", "", "", "", "", vnu["site.css"]])
    failed |= vnu["site.css"] > 0
    lines = table(columns, rows, rule="line")
    findings = failures + findings
    benchmarks = sorted(scores["benchmark"] for scores in lighthouse.values() if scores.get("benchmark"))

    (report_dir / "findings.txt").write_text("\n".join(findings) + "\n")
    (report_dir / "table.txt").write_text("\n".join(lines) + "\n")
    if findings:
        print("\nFindings:")
        print("\n".join(findings))
    print()
    print("\n".join(lines))
    print(
        textwrap.dedent(f"""
        axe = axe-core violations (elements); a11y/bp/seo/perf = Lighthouse scores (mobile preset at
        375 px: median of {args.runs} runs, all listed under "perf runs"; desktop preset at 1280 px);
        vnu = Nu HTML Checker errors. Needed: 0 axe, 0 vnu, Lighthouse a11y/bp/seo 100, perf >= 95.
        * a noindex page (search results): Lighthouse's SEO checks assume a page meant for search
          engines, so its SEO score is shown but not required.""")
    )
    if benchmarks:
        print(f"Lighthouse CPU benchmark index on this machine: {benchmarks[0]:.0f}-{benchmarks[-1]:.0f}.")
    print(f"Reports: {report_dir}. Took {time.monotonic() - started:.0f} s.")
    print("AUDIT FAILED" if failed else "AUDIT PASSED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
