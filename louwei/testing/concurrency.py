"""Running calls at the same moment from threads, for race tests (``transaction=True`` tests).

On PostgreSQL the calls really race (row locks decide); SQLite serialises writers by itself, so there
they take turns. Each thread closes its database connections when done.
"""

from __future__ import annotations

import threading

from django.db import connection, connections


def race(*calls) -> tuple[list, list[BaseException]]:
    """Start every call of ``calls`` at once, each in its own thread; return their results (in the
    order they finished) and the exceptions they raised."""
    turns = threading.Lock() if connection.vendor == "sqlite" else None
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait(timeout=10)
            if turns:
                turns.acquire()
            try:
                results.append(call())
            finally:
                if turns:
                    turns.release()
        except Exception as error:  # noqa: BLE001 - returned to the test, which asserts on it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
