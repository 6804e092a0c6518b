"""Run the benchmarks on a fresh, throw-away database (never the development one).

    .venv/bin/python -m bench [--only roster|bombs|enterprise_list|posters|notices|cases] [--rows N]
    .venv/bin/python -m bench --only cases [--cases N] [--buildings 200] [--repeat 30]

The database is the one DATABASE_URL names (SQLite by default), with ``test_`` in front of its
name, created and dropped by Django's test machinery. Each benchmark prints wall time (median and
95th percentile where it repeats), the number of SQL queries and the peak Python memory.
"""

import argparse
import os
import sys


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", choices=["roster", "bombs", "enterprise_list", "posters", "notices", "cases"])
    parser.add_argument("--rows", type=int, default=2000, help="rows in the roster import (default 2000)")
    parser.add_argument("--repeat", type=int, default=30, help="requests per page measurement (default 30)")
    parser.add_argument("--cases", type=int, default=None,
                        help="cases to fill (default 1,000,000 on PostgreSQL, 100,000 on SQLite)")
    parser.add_argument("--buildings", type=int, default=200, help="buildings the cases are spread over (default 200)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "louwei.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from bench import case_pages, cases

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"database: {connection.vendor}\n")
        for name in ("roster", "bombs", "enterprise_list", "posters", "notices"):
            if args.only in (None, name):
                getattr(cases, name)(args)
        if args.only in (None, "cases"):
            case_pages.run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return 0


if __name__ == "__main__":
    sys.exit(main())
