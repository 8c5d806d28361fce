"""Where Django finds the app's template libraries: each module here registers, under the name
templates load, the library of the layer it belongs to (dei_portal/core/image_tags.py,
dei_portal/site/navigation_tags.py, ...). Django discovers libraries only in an installed app's
``templatetags`` package, for every template engine (the form renderer that draws the admin's
widgets has its own, which reads no TEMPLATES options).
"""
