"""How every headless browser in this repo starts: Debian's chromium, never a downloaded one.

Used by the browser tests (tests/test_browser*.py), `make audit` and `make screenshots`.
The background-networking and component-update switches stop chromium from calling out:
this machine's network is closed, and a test must not depend on the internet anyway.
"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
