"""Count the SQL queries each request runs, for `make bench` (see scripts/bench_settings.py).

The count goes out in an `X-Query-Count` response header. It uses Django's
`connection.execute_wrapper`, which works with DEBUG off (unlike `connection.queries`) and
costs one function call per query.
"""

from contextlib import ExitStack

from django.db import connections


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with ExitStack() as stack:
            for connection in connections.all(initialized_only=False):
                stack.enter_context(connection.execute_wrapper(counter))
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
