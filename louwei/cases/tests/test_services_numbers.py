"""Tracking numbers under concurrent raises: the day's counter row is locked, so numbers are unique
and consecutive. On PostgreSQL the threads really race (row lock); SQLite serialises writers by
itself, so there the threads take turns."""

import threading

import pytest
from django.db import connection, connections
from freezegun import freeze_time

from louwei.cases import services
from louwei.cases.models import Case, NumberSequence
from louwei.testing.factories import BuildingFactory, FloorFactory, UserFactory, category


@pytest.mark.django_db(transaction=True)
def test_concurrent_raises_get_consecutive_numbers():
    floor = FloorFactory(building=BuildingFactory())
    people = [UserFactory() for _ in range(6)]
    repairs = category("repairs")
    serialise = threading.Lock() if connection.vendor == "sqlite" else None
    barrier = threading.Barrier(len(people))
    errors = []

    def raise_one(person):
        try:
            barrier.wait(timeout=10)
            if serialise:
                serialise.acquire()
            try:
                services.raise_case(actor=person, floor=floor, category=repairs, description="并发提交的诉求",
                                    channel="app")
            finally:
                if serialise:
                    serialise.release()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    with freeze_time("2026-11-30 10:00:00+08:00"):
        threads = [threading.Thread(target=raise_one, args=(p,)) for p in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers == [f"20261130-{n:04d}" for n in range(1, 7)]
    assert NumberSequence.objects.get().last == 6
