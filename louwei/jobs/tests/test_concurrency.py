"""Several clicks at the same moment: the limit of jobs at once holds across connections."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from louwei.jobs import services
from louwei.jobs.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_starts_never_pass_the_limit(echo, building, secretary, settings):
    settings.LOUWEI_JOBS_AT_ONCE = 1
    barrier = threading.Barrier(4)
    started, refused, errors = [], [], []
    # SQLite's in-memory test database refuses a second writer instead of waiting (see the cases'
    # concurrency test), so there the starts take turns; PostgreSQL runs them side by side, and the
    # lock on the person's row is what keeps the count right.
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def click():
        try:
            barrier.wait()
            with turns:
                started.append(services.start(actor=secretary, kind="test.echo", target=building))
        except ValidationError:
            refused.append(True)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(started) == 1 and len(refused) == 3
    assert Job.objects.filter(owner=secretary).count() == 1
