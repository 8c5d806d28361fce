"""The site's date formats where Django's defaults for English apply (FORMAT_MODULE_PATH).

Wagtail's own admin messages (e.g. "… has been scheduled to go live at …") format times with
DATETIME_FORMAT; this gives them the order and clock the rest of the admin uses and names the
zone ("1 March 2027, 09:45 CST"). Public pages pass explicit formats to |date, so they do not
change.
"""
