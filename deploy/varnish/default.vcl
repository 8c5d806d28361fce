# Varnish in front of the DEI portal's app servers (docs/deployment.md).
#
# Varnish 7.x (Debian 12's `varnish`). Start it with, for example:
#   varnishd -a :6081 -f /etc/varnish/default.vcl -s malloc,256m
# and point every app server at it: FRONTEND_CACHE_URLS=http://<varnish host>:6081.
#
# What it does:
# - spreads requests over the app servers (round robin), each probed on /healthz;
# - caches what the app marks public, for the app's s-maxage (CDN_MAX_AGE), and keeps it
#   for 6 hours past that (grace) to serve while every app server is down;
# - never caches the admin, two-factor, documents, requests of signed-in users (a session or
#   CSRF cookie) or responses that set a cookie; other cookies are dropped;
# - takes PURGE <url> (Wagtail, on publish and unpublish) and BAN (every page, after any
#   change a visitor could see: dei_portal/core/frontend_cache.py) from the addresses in `purgers`;
# - says X-Cache: HIT, MISS or PASS, and X-Served-By: the app server that rendered it.
#
# scripts/scaleout.py starts a throwaway varnishd with this file, changing only the backend
# ports and the probe URL (the lines marked "scaleout:").

vcl 4.1;

import directors;
import std;

probe app_health {
    .url = "/healthz";          # scaleout: probe URL
    .timeout = 2s;
    .interval = 2s;
    .window = 5;
    .threshold = 3;
    .initial = 3;                # healthy at start, before the first probes
}

backend app1 {
    .host = "127.0.0.1";        # the first app server (gunicorn)
    .port = "8001";             # scaleout: app1 port
    .probe = app_health;
    # Probes send Host: <.host> (visitors' requests keep their own Host). The app answers 400
    # to a Host outside ALLOWED_HOSTS: list the address there, or probe with the site's name:
    # .host_header = "dei.example.edu";
    .connect_timeout = 1s;
    .first_byte_timeout = 35s;  # gunicorn's own timeout is 30 s
    .between_bytes_timeout = 10s;
}

backend app2 {
    .host = "127.0.0.1";        # the second app server
    .port = "8002";             # scaleout: app2 port
    .probe = app_health;
    .connect_timeout = 1s;
    .first_byte_timeout = 35s;
    .between_bytes_timeout = 10s;
}

# Who may PURGE and BAN: this machine and the app servers (add their addresses).
acl purgers {
    "localhost";
    "127.0.0.1";
    "::1";
}

sub vcl_init {
    new app = directors.round_robin();
    app.add_backend(app1);
    app.add_backend(app2);
}

sub vcl_recv {
    set req.backend_hint = app.backend();
    # ?b=2&a=1 and ?a=1&b=2 are one page (the app's own cache sorts them the same way).
    set req.url = std.querysort(req.url);

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "PURGE not allowed from this address"));
        }
        return (purge);
    }
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(405, "BAN not allowed from this address"));
        }
        # Every page and feed; fingerprinted static files never change and stay.
        # (Matched on headers stored with each object, so the ban lurker clears them.)
        ban("obj.http.x-url !~ ^/static/");
        return (synth(200, "Banned"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }

    # Never cached: the admin and its previews, two-factor, documents (permission-checked)
    # and Wagtail's internal views.
    if (req.url ~ "^/(admin|admin-2fa|documents|_util)(/|\?|$)") {
        return (pass);
    }
    # Signed in (session) or in the middle of a form (CSRF): the app answers for this
    # visitor alone.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|csrftoken)=") {
        return (pass);
    }
    # Any other cookie (analytics, a consent banner) changes nothing the app renders.
    unset req.http.Cookie;
    if (req.http.Authorization) {
        return (pass);
    }

    # Grace: past its TTL, an object is served for 10 s while a fresh copy is fetched; when
    # no app server is healthy, for as long as it is kept (beresp.grace, 6 hours).
    if (std.healthy(req.backend_hint)) {
        set req.grace = 10s;
    }
    return (hash);
}

sub vcl_backend_response {
    # Stored with the object for bans (vcl_recv) and for the X-Served-By header.
    set beresp.http.x-url = bereq.url;
    set beresp.http.x-host = bereq.http.host;
    set beresp.http.X-Served-By = beresp.backend.name;
    # The app's own page cache says X-Cache too; keep its word under another name.
    if (beresp.http.X-Cache) {
        set beresp.http.X-App-Cache = beresp.http.X-Cache;
        unset beresp.http.X-Cache;
    }

    # Pages, feeds and text compressed once, in the cache (static files come compressed).
    if (beresp.http.Content-Type ~ "^(text/|application/(rss\+xml|atom\+xml|xml|json|javascript))") {
        set beresp.do_gzip = true;
    }
    # A response that sets a cookie is for one visitor only.
    if (beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # The app decides: only what it marks public with an s-maxage or max-age is kept
    # (Varnish takes s-maxage first). No Cache-Control (a 404, a redirect): not kept.
    if (!beresp.http.Cache-Control || beresp.http.Cache-Control ~ "(private|no-store|no-cache)") {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    if (beresp.ttl <= 0s) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    set beresp.grace = 6h;
    return (deliver);
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.x-url;
    unset resp.http.x-host;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}

sub vcl_synth {
    set resp.http.Content-Type = "text/plain; charset=utf-8";
    set resp.body = resp.reason;
    return (deliver);
}
