"""The visitor's address behind the site's own reverse proxies, for the login lockout.

django-axes locks a username out per address. Behind Varnish, a load balancer or a CDN,
``REMOTE_ADDR`` is the proxy's address for everybody, so one person's five wrong passwords
would lock that username out for every visitor. Each trusted proxy appends the address it
received the request from to ``X-Forwarded-For``; with ``TRUSTED_PROXY_COUNT`` proxies in
front (env ``AXES_PROXY_COUNT``), the visitor's address is the entry that many places from
the right. Anything further left was written by the visitor and is never believed, so
sending a made-up ``X-Forwarded-For`` changes nothing. A request with fewer entries than
proxies did not come through them (a health check, a direct connection): its
``REMOTE_ADDR`` is used.
"""

import ipaddress

from django.conf import settings


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # not an address: our proxy never writes that, so do not trust it
        return remote
