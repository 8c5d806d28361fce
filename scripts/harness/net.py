"""Loopback networking: free ports, one HTTP request at a time, a cookie-keeping client."""

import http.client
import re
import socket
import urllib.parse

HOST = "127.0.0.1"  # everything the scripts start listens here, and only here


def free_port():
    """A TCP port on HOST that nothing listens on now (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Response:
    """A response read to the end: `status` (an int; for `try_fetch`, the error's name when
    there was no response), `headers` (case-insensitive) and `body` (bytes)."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name, default=""):
        return self.headers.get(name, default)

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def cookies(self):
        """The cookies it sets: {name: value}."""
        found = {}
        for value in self.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
        return found


def _address(where):
    """(host, port) of a port number on HOST or of a base URL such as http://127.0.0.1:8000."""
    if isinstance(where, int):
        return HOST, where
    parts = urllib.parse.urlsplit(where)
    return parts.hostname, parts.port or 80


def fetch(where, path, *, method="GET", headers=None, body=None, timeout=30, source=None):
    """One request to `where` (a port on HOST, or a base URL), redirects not followed.

    `source` is the local address to connect from (any of 127.0.0.0/8 on Linux), to play a
    second visitor. Connection errors and timeouts raise OSError (see `try_fetch`).
    """
    host, port = _address(where)
    connection = http.client.HTTPConnection(host, port, timeout=timeout, source_address=(source, 0) if source else None)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def try_fetch(where, path, **kwargs):
    """`fetch`, but a failure is a Response too: its status is the error's name
    ("ConnectionRefusedError", "TimeoutError", …), with no headers and an empty body."""
    try:
        return fetch(where, path, **kwargs)
    except (http.client.HTTPException, OSError) as error:
        return Response(type(error).__name__, http.client.HTTPMessage(), b"")


class Browser:
    """Just enough of a browser for the admin's forms: keeps the cookies of one origin."""

    def __init__(self, where, source=None):
        self.where = where
        self.source = source
        self.cookies = {}

    def request(self, method, path, form=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = fetch(self.where, path, method=method, headers=headers, body=body, source=self.source)
        for name, value in response.cookies().items():
            if value in ("", '""'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, form, **kwargs):
        return self.request("POST", path, form=form, **kwargs)


def csrf_token(response):
    """The CSRF token of the (first) Django form in an HTML response, or ""."""
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
    return match.group(1) if match else ""
