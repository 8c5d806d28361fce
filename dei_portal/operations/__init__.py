"""Running the site in production; nothing here knows the content.

- ``health``: /healthz for load balancers and monitors;
- ``request_id``: a request id on every response and log line, one log line per request;
- ``logging_json``: JSON log lines;
- ``gunicorn_conf``: the production gunicorn configuration (``gunicorn -c`` this file);
- ``client_ip``: the visitor's address behind trusted proxies (the login lockout counts it);
- ``cache_backends``: a Redis cache that degrades to no cache while Redis is down.
"""
