"""Programs from Debian the scripts need (wrk, varnish), and wrk itself."""

import json
import os
import shutil
import subprocess

from .console import log
from .processes import ROOT, HarnessError

WRK_SCRIPT = ROOT / "scripts" / "bench_wrk.lua"  # prints wrk's result as one JSON line


def ensure_debian(packages):
    """Make sure each program is installed: `packages` maps a program to its Debian package.
    Missing ones are installed with apt-get when running as root (as ensure-chromium.sh does);
    otherwise HarnessError says what to install. The packages' own services are not started
    by the scripts, which run their own copies."""
    missing = sorted({package for program, package in packages.items() if not shutil.which(program)})
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise HarnessError(f"needs Debian's {' and '.join(missing)}: sudo apt-get install -y {' '.join(missing)}")
    log(f"Installing Debian's {' and '.join(missing)} with apt-get …")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env, stdout=subprocess.DEVNULL)
    still = [program for program in packages if not shutil.which(program)]
    if still:
        raise HarnessError(f"apt-get installed {' '.join(missing)}, but {' '.join(still)} is still missing")


def wrk_version():
    lines = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()
    return lines[0].strip() if lines else ""


def run_wrk(url, seconds, *, threads=2, connections=16, headers=None, timeout="30s", script=WRK_SCRIPT, script_args=()):
    """wrk on `url` for `seconds`; its result as a dict (scripts/bench_wrk.lua): requests,
    requests_per_s, latency_ms {mean, stdev, max, p50, p90, p95, p99}, bytes, errors
    {connect, read, write, status (responses ≥ 400), timeout}.

    `timeout` is wrk's per-request timeout (None: wrk's default, 2 s); a response slower
    than that counts as a timeout error.
    """
    command = ["wrk", "--threads", str(threads), "--connections", str(connections), "--duration", f"{seconds}s"]
    if timeout:
        command += ["--timeout", timeout]
    for name, value in (headers or {}).items():
        command += ["--header", f"{name}: {value}"]
    command += ["--script", str(script), url]
    if script_args:
        command += ["--", *script_args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON ") :])
    raise HarnessError(f"wrk gave no result for {url}: {result.stdout[-800:]} {result.stderr[-800:]}")


def wrk_errors(result):
    """All of a wrk result's errors, summed."""
    return sum(result["errors"].values())
