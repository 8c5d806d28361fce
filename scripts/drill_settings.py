"""Settings for `make drills` (scripts/fault_drills.py): production over plain HTTP on loopback.

scripts/bench_settings.py (production settings without the HTTPS redirect, HSTS and
secure-only cookies, for 127.0.0.1) minus its query-count middleware, and with production's
own logging: JSON lines at INFO, one per request, so the drill can read what the site logged.
The drill sets the environment (its private PostgreSQL and Redis). Never used for a real deployment.
"""

import os

from scripts.bench_settings import *  # noqa: F403
from scripts.bench_settings import LOGGING, MIDDLEWARE

MIDDLEWARE = [name for name in MIDDLEWARE if name != "scripts.bench_middleware.QueryCountMiddleware"]
LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "INFO")
