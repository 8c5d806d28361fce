"""Running the project in child processes: its environment, `manage.py` commands, and a
function called inside Django with its JSON answer."""

import json
import os
import subprocess
import sys
import time

from .processes import ROOT, HarnessError

# Variables of the calling shell that must not reach a site a script starts: they would
# change how it runs (tests set DJANGO_ALLOW_ASYNC_UNSAFE; the others are per-site).
DROPPED = ("DJANGO_ALLOW_ASYNC_UNSAFE",)
ANSWER = "HARNESS_JSON "


def django_env(settings, drop=(), **values):
    """The environment for a child process of a site: the caller's, minus DROPPED and `drop`
    (names; one ending in "_", such as "AWS_", drops every name it starts), with
    DJANGO_SETTINGS_MODULE=`settings`, the repository on PYTHONPATH (settings modules such as
    scripts.bench_settings), and `values` (converted to strings)."""
    names = {*DROPPED, *(entry for entry in drop if not entry.endswith("_"))}
    prefixes = tuple(entry for entry in drop if entry.endswith("_"))
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in names and not (prefixes and name.startswith(prefixes))
    }
    env["DJANGO_SETTINGS_MODULE"] = settings
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env.update({name: str(value) for name, value in values.items()})
    return env


def _failed(args, returncode, output):
    return HarnessError(f"`manage.py {' '.join(args)}` failed (exit status {returncode}):\n{output[-3000:]}")


def manage(env, *args, timeout=None):
    """Run `manage.py args` to the end; its stdout. HarnessError (with the end of its
    output) when it fails."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise _failed(args, result.returncode, result.stdout[-3000:] + result.stderr)
    return result.stdout


class Background:
    """`manage.py args` running alongside other work (collectstatic needs no database, so it
    runs while migrate does); `wait()` for it."""

    def __init__(self, env, *args):
        self.args = args
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    @property
    def label(self):
        return " ".join(self.args)

    def stop(self):
        """Stop it if it still runs (a run that gives up early)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def wait(self, timeout=None):
        """Its stdout and stderr; HarnessError when it failed."""
        output, _ = self.process.communicate(timeout=timeout)
        if self.process.returncode != 0:
            raise _failed(self.args, self.process.returncode, output)
        self.seconds = time.monotonic() - self.started
        return output


_CALL = f"""
import importlib, json, sys
import django
django.setup()
module, function = sys.argv[1].split(":")
answer = getattr(importlib.import_module(module), function)(*json.loads(sys.argv[2]))
print({ANSWER!r} + json.dumps(answer), flush=True)
"""


def django_call(env, target, *args, timeout=None):
    """Call `target` ("scripts.module:function") with `args` (JSON values) in a new process
    that runs Django in `env`, and return what it returns (a JSON value).

    The function runs where the site's settings, database and cache are: it may use the ORM,
    the test client, the cache. Its printed output is ignored; HarnessError when it raises.
    """
    result = subprocess.run(
        [sys.executable, "-c", _CALL, target, json.dumps(args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    for line in reversed(result.stdout.splitlines()):
        if line.startswith(ANSWER):
            return json.loads(line[len(ANSWER) :])
    raise HarnessError(
        f"{target} failed in Django (exit status {result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-3000:]}"
    )
