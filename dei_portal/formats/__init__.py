"""How the site writes dates and times where Django's defaults for English apply
(FORMAT_MODULE_PATH), and the site's zone as people say it.

Wagtail's own admin messages (e.g. "… has been scheduled to go live at …") format times with
DATETIME_FORMAT; en/formats.py gives them the order, clock and zone name the rest of the admin
uses ("1 March 2027, 09:45 Central Time", as dei_portal/editing/scheduling.py writes them).
Public pages pass explicit formats to |date, so they do not change.
"""

import zoneinfo
from functools import lru_cache

from babel.dates import get_timezone_name


@lru_cache
def spoken_zone_name(zone_key):
    """ "Central Time" for America/Chicago: the generic name, right in winter and summer alike,
    from the Unicode CLDR (babel). A zone CLDR has no such name for (UTC) is named by its key."""
    spoken = get_timezone_name(zoneinfo.ZoneInfo(zone_key), width="long", locale="en_US")
    return zone_key if "Unknown" in spoken else spoken
