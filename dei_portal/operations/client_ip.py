"""The visitor's address behind the site's own reverse proxies, for the login lockout.

django-axes locks a username out per address. Behind Varnish, a load balancer or a CDN,
``REMOTE_ADDR`` is the proxy's address for everybody, so one person's five wrong passwords
would lock that username out for every visitor. Each proxy appends the address it received
the request from to ``X-Forwarded-For``, but anybody can send that header too, so it is
only believed as far as it was written by proxies we know.

``TRUSTED_PROXIES`` (env ``TRUSTED_PROXIES``: IPv4/IPv6 addresses and networks,
comma-separated; empty by default) lists them. The rule:

1. ``REMOTE_ADDR`` is the address that connected to us; it cannot be forged. If it is not a
   trusted proxy, it is the visitor, and ``X-Forwarded-For`` is not read at all: a client
   talking to the app server directly cannot choose its address.
2. Otherwise walk ``X-Forwarded-For`` from the right. Each entry was appended by the hop we
   have just accepted as trusted, and names who connected to it. While that entry is itself
   a trusted proxy (the load balancer in front of Varnish), keep walking; the first entry
   that is not a trusted proxy is the visitor. Entries further left were written by the
   visitor (or a proxy we do not know) and are never believed.
3. An entry that is not an address (garbage, or empty) stops the walk: the visitor is then
   the last trusted hop, the one that handed us the garbage. That is conservative: every
   such request shares that hop's lockout, and no made-up text ever becomes "an address".
   (Our own proxies only ever write addresses, so this means something is misconfigured.)
4. When every entry is a trusted proxy (a proxy's own health check, say), the leftmost one
   is the answer.

Entries may carry a port (``203.0.113.5:41234``, ``[2001:db8::1]:41234``), as some load
balancers write them; the port is dropped. IPv4-mapped IPv6 addresses (``::ffff:10.0.0.2``,
what a dual-stack socket reports) are compared and returned as IPv4.
"""

import ipaddress
import re
from functools import lru_cache

from django.conf import settings

# "[v6]" or "[v6]:port", and "v4:port" (a bare v6 address has colons of its own).
BRACKETED = re.compile(r"^\[(?P<address>[^\]]+)\](?::(?P<port>\d{1,5}))?$")
IPV4_WITH_PORT = re.compile(r"^(?P<address>\d{1,3}(?:\.\d{1,3}){3}):(?P<port>\d{1,5})$")


def parse_networks(values):
    """The networks named by ``values`` (addresses or CIDRs); ValueError names a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as error:
            raise ValueError(
                f"{value!r} is not an IP address or network (e.g. 10.0.0.2, 10.0.0.0/24, 2001:db8::/64)"
            ) from error
    return tuple(networks)


@lru_cache(maxsize=8)
def _networks(values):
    return parse_networks(values)


def parse_address(text):
    """An ``ipaddress`` address for one header entry or ``REMOTE_ADDR``, or None if it is not one."""
    text = text.strip()
    match = BRACKETED.match(text) or IPV4_WITH_PORT.match(text)
    if match:
        if match["port"] and int(match["port"]) > 65535:
            return None
        text = match["address"]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(request):
    """The address a login lockout counts for ``request`` (django-axes' AXES_CLIENT_IP_CALLABLE)."""
    remote_text = request.META.get("REMOTE_ADDR", "")
    remote = parse_address(remote_text)
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if remote is None:
        return remote_text  # not a socket address (a unix socket): nothing better to go on

    def trusted(address):
        return any(address in network for network in networks)

    current = remote
    if not trusted(current):
        return str(current)
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not header.strip():
        return str(current)  # the proxy's own request (a probe): it is the client
    for entry in reversed(header.split(",")):
        address = parse_address(entry)
        if address is None:
            return str(current)  # never believe garbage: the hop that sent it is all we know
        current = address
        if not trusted(current):
            return str(current)
    return str(current)
