"""What the bench measures: the page types, how they are grouped, and the targets."""

ACCEPT_ENCODING = "gzip, deflate, br"  # what a browser sends: WhiteNoise serves its compressed copy

TARGET_HOME_CACHE_OFF = 0.10  # of the static file's requests/s
TARGET_EVERY_PAGE_CACHE_ON = 0.50
TARGET_P95_MS = 100.0
TARGET_MEMORY_GROWTH_MB = 10.0
BASELINE_DRIFT_WARNING = 0.25  # first vs last static measurement

# (key, label, group). Groups decide the targets: "listing", "feed" and "search" have the
# p95 target with the cache off; every group but "static" has the ratio target with it on.
PAGE_TYPES = [
    ("home", "home", "page"),
    ("office", "office", "page"),
    ("organization", "organization", "page"),
    ("statement", "statement", "page"),
    ("announcement", "announcement", "page"),
    ("standard", "standard page", "page"),
    ("offices", "offices listing", "listing"),
    ("organizations", "organizations listing", "listing"),
    ("statements", "statements listing", "listing"),
    ("announcements", "announcements p1", "listing"),
    ("announcements_deep", "announcements deep", "listing"),
    ("announcements_category", "category filter", "listing"),
    ("search", "search", "search"),
    ("rss", "RSS feed", "feed"),
    ("atom", "Atom feed", "feed"),
    ("ics", "iCalendar", "feed"),
    ("sitemap", "sitemap", "other"),
    # Not a target: robots.txt is a plain Django template view that runs no SQL, through the
    # same middleware. It is the most a dynamic response can do on this server, which puts
    # the other rows (and the cache-off targets) in proportion.
    ("floor", "Django view, no SQL", "reference"),
]
LABELS = {key: label for key, label, _ in PAGE_TYPES} | {"static": "static file (baseline)"}
GROUPS = {key: group for key, _, group in PAGE_TYPES} | {"static": "static"}
