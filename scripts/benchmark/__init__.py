"""`make bench` (scripts/bench.py), in parts that each do one thing:

    pages     what is measured: the page types, their groups and the targets
    server    the throwaway database and the site under test (gunicorn with the production
              config file), started once per configuration
    discover  runs inside Django: picks the URLs to measure from the database
    load      one configuration: status checks, warm-up, query counts, wrk per URL, memory
    report    the tables, the targets' PASS/FAIL and the JSON file
    cli       the command line and the order of it all

The shared machinery (HTTP, gunicorn, PostgreSQL, Redis keys, wrk, tables) is scripts/harness.
A new kind of measurement is a module beside `load` whose result goes into the configuration's
dict, a row for `report.print_table` and, if it has a target, a line in `report.evaluate`.
"""
