"""Publication benchmark (the lead wires it into ``make bench``): build ``n`` enterprises quickly and
publish one notice to all of them, measuring time, queries and peak Python memory.

    from bench.notices import publish_to
    publish_to(10_000)  # {"n": 10000, "seconds": ..., "queries": ..., "peak_mib": ..., "deliveries": ...}

Run it inside a test database or a throw-away one: it creates a building and n enterprises.
"""

from __future__ import annotations

import datetime
import time
import tracemalloc
import uuid

from django.db import connection
from django.utils import timezone

from louwei import access
from louwei.buildings.models import Building, Enterprise, Floor, Industry, Occupancy, PartyCommittee, Unit
from louwei.core.validators import uscc_check_character
from louwei.notices import services
from louwei.notices.models import Delivery


class _Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _uscc(n: int) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body, value = "", n
    for _ in range(9):
        value, digit = divmod(value, 31)
        body = alphabet[digit] + body
    first17 = f"91370800{body}"
    return first17 + uscc_check_character(first17)


def build(n_enterprises: int, *, floors: int = 20) -> Building:
    """A building with ``floors`` floors and ``n_enterprises`` current tenants, in bulk."""
    tag = uuid.uuid4().hex[:6].upper()
    district = PartyCommittee.objects.create(code=f"BENCH-{tag}", name=f"基准测试区{tag}", district="基准测试区")
    building = Building.objects.create(party_committee=district, code=f"BN-{tag}", name=f"基准大厦{tag}")
    floor_list = [Floor.objects.create(building=building, number=i) for i in range(1, floors + 1)]
    units = Unit.objects.bulk_create([Unit(floor=f, number=f"{f.number:02d}01") for f in floor_list])
    offset = Enterprise.objects.count() + int(tag, 16) % 1_000_000 * 1000
    enterprises = Enterprise.objects.bulk_create(
        [Enterprise(name=f"基准企业{tag}-{i}", uscc=_uscc(offset + i), industry=Industry.I, employee_count=10)
         for i in range(n_enterprises)],
        batch_size=2000,
    )
    start = timezone.localdate() - datetime.timedelta(days=30)
    Occupancy.objects.bulk_create(
        [Occupancy(enterprise=e, unit=units[i % len(units)], started_on=start) for i, e in enumerate(enterprises)],
        batch_size=2000,
    )
    return building


def publish_to(n_enterprises: int) -> dict:
    """Build ``n_enterprises`` tenants and publish one notice to all; returns the measurements."""
    building = build(n_enterprises)
    notice = services.create_draft(actor=access.SYSTEM, scope=building, title="基准测试通知", body="基准")
    counter = _Counter()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with connection.execute_wrapper(counter):
            services.publish(actor=access.SYSTEM, notice=notice)
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {
        "n": n_enterprises,
        "seconds": round(seconds, 4),
        "queries": counter.count,
        "peak_mib": round(peak / (1024 * 1024), 3),
        "deliveries": Delivery.objects.filter(notice=notice).count(),
    }
