"""Changes recorded at the same time from several connections: rows created once, no update lost."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import close_old_connections, connection, transaction

from louwei.cases import figures
from louwei.cases.models import Case, CaseFigure
from louwei.testing.factories import BuildingFactory, CaseFactory, FloorFactory, HandlerFactory

from .test_figures import at, reseed_categories, table

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_changes_create_each_row_once_and_lose_nothing():
    reseed_categories()
    building = BuildingFactory()
    floors = [FloorFactory(building=building, number=n) for n in (1, 2)]
    handler = HandlerFactory(building=building)
    # Cases written without figures; each thread records its own, all on the same new rows.
    cases = [CaseFactory(floor=floors[i % 2], submitted_at=at(2 + i % 3)) for i in range(40)]
    start = threading.Barrier(4)
    errors: list[BaseException] = []
    # SQLite runs one writer at a time; its in-memory test database (shared cache) refuses a second
    # writer at once ("table is locked") instead of waiting as a file database does, so there the
    # transactions take turns. PostgreSQL runs them truly side by side.
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def work(mine: list[int]):
        try:
            start.wait()
            for pk in mine:
                with turns, transaction.atomic():
                    case = Case.objects.select_related("building").get(pk=pk)
                    figures.record_change(None, case)
                with turns, transaction.atomic():
                    before = figures.snapshot(case)
                    case.status, case.handler, case.responded_at = "dispatched", handler, at(3)
                    case.save()
                    figures.record_change(before, case)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=([c.pk for c in cases[i::4]],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    whole = CaseFigure.objects.get(building=building, dimension="building", key="")
    assert (whole.received, whole.responded) == (40, 40)
    assert CaseFigure.objects.filter(building=building, dimension="building").count() == 1
    incremental = table()
    figures.rebuild()
    assert table() == incremental
