"""Child processes of a run: servers with log files, waiting for readiness, time limits,
/proc facts about workers, and undoing everything at the end."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent  # the repository


class HarnessError(Exception):
    """A run could not be set up or a server misbehaved; the message says what and shows the
    end of the log that tells why."""


class OutOfTime(Exception):
    """Raised in the main thread when a `time_limit` expires."""


def wait_for(predicate, timeout, interval=0.05):
    """Call `predicate` until it returns something true (returned) or `timeout` seconds pass
    (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


@contextlib.contextmanager
def time_limit(seconds, message=None):
    """`with time_limit(seconds, "…"):` raises OutOfTime("…") in the main thread when the
    block runs longer (SIGALRM, so one at a time)."""

    def expired(signum, frame):
        raise OutOfTime(message or f"did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def exit_on_sigterm():
    """A plain `kill` of the script runs its `finally` blocks and context managers (servers
    stopped, databases dropped), as Ctrl-C does."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def tail(path, size=2000):
    """The last `size` characters of a text file ("" when it does not exist)."""
    try:
        return Path(path).read_text(errors="replace")[-size:]
    except OSError:
        return ""


# --- /proc ---------------------------------------------------------------------------------


def children(pid):
    """The process ids of `pid`'s children, sorted."""
    try:
        return sorted(int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except OSError:  # kernels without CONFIG_PROC_CHILDREN: scan for the parent id
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
        return sorted(found)


def alive(pid):
    """Whether `pid` exists and is not a zombie (exited, not yet reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def rss_kib(pid):
    """A process's resident memory (VmRSS) in KiB, or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


# --- servers -------------------------------------------------------------------------------


class Server:
    """A long-running child (gunicorn, varnishd, redis-server …) in a session of its own, so it
    is stopped with everything it forked; its output goes to `log_path` (stderr too, unless
    `stderr_path` names a second file). It can be started again after a stop."""

    def __init__(self, name, command, *, log_path, env=None, cwd=ROOT, stderr_path=None):
        self.name = name
        self.command = [str(part) for part in command]
        self.log_path = Path(log_path)
        self.stderr_path = Path(stderr_path) if stderr_path else None
        self.env = env
        self.cwd = cwd
        self.process = None

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self):
        # The child keeps its own copies of the file descriptors.
        with contextlib.ExitStack() as files:
            out = files.enter_context(open(self.log_path, "ab"))
            err = files.enter_context(open(self.stderr_path, "ab")) if self.stderr_path else subprocess.STDOUT
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdout=out, stderr=err, start_new_session=True
            )
        return self

    def wait_until(self, ready, timeout, what="did not answer", interval=0.3):
        """Poll `ready()` until it is true; HarnessError if the process exits first or
        `timeout` seconds pass. A `ready` that raises OSError counts as not ready yet."""

        def check():
            if not self.running():
                raise HarnessError(
                    f"{self.name} exited (status {self.process.returncode if self.process else '?'}): {self.tail()}"
                )
            try:
                return ready()
            except OSError:
                return False

        if not wait_for(check, timeout, interval=interval):
            raise HarnessError(f"{self.name} {what} within {timeout:.0f} s: {self.tail()}")

    def signal(self, signum):
        """Send a signal to the server's main process only (a HUP to gunicorn's master …)."""
        os.kill(self.process.pid, signum)

    def stop(self, timeout=20):
        """SIGTERM to the whole process group; SIGKILL to it after `timeout` seconds."""
        if not self.running():
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            self.process.wait()

    def log_text(self):
        return tail(self.log_path, size=10**9)

    def tail(self, size=2000):
        """The end of its log (and of its stderr file, when it has one)."""
        text = tail(self.log_path, size)
        if self.stderr_path:
            text = f"{text}\n--- {self.stderr_path.name} ---\n{tail(self.stderr_path, size)}"
        return text


# --- undoing a run -------------------------------------------------------------------------


def make_workdir(name):
    """A new temporary directory for one run's files: /tmp/dei-portal-<name>-XXXX."""
    return Path(tempfile.mkdtemp(prefix=f"dei-portal-{name}-"))


class Cleanup:
    """What a run has set up, to undo at the end: last first, every step even when an earlier
    one fails. A step may return a note (a string) saying what it did; a step that raises
    leaves a note with the error.

        with Cleanup() as cleanup:
            cleanup.add(server.stop)
            cleanup.add(shutil.rmtree, workdir, ignore_errors=True)
            ...
        cleanup.notes
    """

    def __init__(self):
        self.steps = []
        self.notes = []

    def add(self, function, *args, **kwargs):
        self.steps.append((function, args, kwargs))
        return function

    def remove_directory(self, path, keep=False):
        """Remove `path` at the end, or say it is kept."""

        def remove():
            if keep:
                return f"kept {path}"
            shutil.rmtree(path, ignore_errors=True)
            return None

        self.add(remove)

    def run(self):
        while self.steps:
            function, args, kwargs = self.steps.pop()
            try:
                note = function(*args, **kwargs)
            except Exception as error:  # cleanup goes on; the note tells
                note = f"{getattr(function, '__name__', function)} failed ({type(error).__name__}: {error})"
            if isinstance(note, str) and note:
                self.notes.append(note)
        return self.notes

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.run()
