"""The benchmark cases. Each builds its data, measures, prints, and leaves the data for the next."""

from __future__ import annotations

import io
import statistics
import time
import tracemalloc
from contextlib import contextmanager

from django.db import connection
from django.test import Client

from louwei import access
from louwei.accounts.models import RoleKind
from louwei.buildings import roster as roster_io
from louwei.buildings.models import Enterprise
from louwei.testing.factories import BuildingFactory, FloorFactory, FloorLeaderFactory, UserFactory, grant, make_uscc


class QueryCounter:
    """Counts SQL statements without keeping them (CaptureQueriesContext stops at 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def p95(times: list[float]) -> float:
    """The 95th percentile (inclusive method: the value below which 95 % of the times lie)."""
    if len(times) < 2:
        return times[0]
    return statistics.quantiles(times, n=20, method="inclusive")[18]


@contextmanager
def measured(label: str, memory: bool = True):
    """Print the wall time, the process's CPU time, the SQL queries and the peak Python memory of
    the block. Tracing memory slows Python code down (two to three times for pure Python work):
    ``memory=False`` times the block untraced and prints the process's peak resident size instead.
    The CPU time is this process's only (not the database server's): on a busy machine it says more
    than the wall time about the work done."""
    counter = QueryCounter()
    if memory:
        tracemalloc.start()
    with connection.execute_wrapper(counter):
        started, cpu = time.perf_counter(), time.process_time()
        yield
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if memory:
        _current, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak = f"peak {traced / 2**20:.1f} MiB"
    else:
        import resource

        peak = f"process peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    print(f"  {label}: {elapsed:.2f} s (CPU {cpu:.2f} s), {counter.count} queries, {peak}")


def _roster_file(building, rows: int, floors: int) -> bytes:
    data = []
    for n in range(rows):
        floor = n % floors + 1
        data.append([
            f"基准测试{n}科技有限公司", make_uscc(900000 + n), "信息科技", floor, f"{floor:02d}{n // floors % 90 + 1:02d}",
            "2024-03-01", 30, "独立支部", 5, f"联系人{n}", f"139{n:08d}", f"c{n}@example.com",
        ])
    workbook = roster_io._roster_workbook(data)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster(args) -> None:
    print(f"roster import, {args.rows} new enterprises in a 20-floor building")
    building = BuildingFactory(code="BENCH-R")
    for number in range(1, 21):
        FloorFactory(building=building, number=number)
    content = _roster_file(building, args.rows, 20)
    # Untraced (memory tracing would double the time): the process's peak size is printed instead.
    with measured("dry run (check every row, write nothing)", memory=False):
        report = roster_io.import_roster(actor=access.SYSTEM, building=building, source=io.BytesIO(content), dry_run=True)
    assert report.rejected == 0, report.errors[:3]
    with measured("import (all rows new)", memory=False):
        roster_io.import_roster(actor=access.SYSTEM, building=building, source=io.BytesIO(content))
    with measured("re-import (nothing changes)", memory=False):
        report = roster_io.import_roster(actor=access.SYSTEM, building=building, source=io.BytesIO(content))
    assert report.unchanged == args.rows, report
    print()


def bombs(args) -> None:
    """Issue 8, row 5: spreadsheet bombs refused within a second, on upload and by the import."""
    import zipfile

    from django.core.exceptions import ValidationError

    from louwei.testing.workbooks import roster_bomb

    print("spreadsheet bombs: how fast each is refused (upload check, then the import's dry run)")
    building = BuildingFactory(code="BENCH-X")
    FloorFactory(building=building, number=1)
    files = {
        "1,048,575 blank rows of 12 cells": dict(blank_rows=1_048_575, blank_cells=12),
        "the same under a 50 MB limit (40,000 rows), dimension that lies": dict(blank_rows=40_000, dimension="A1:L2"),
        "one row of 4,000,000 cells": dict(row_cells=4_000_000, cell_refs=False),
        "the same, dimension that lies": dict(row_cells=4_000_000, cell_refs=False, dimension="A1:L2"),
        "5,000 rows of 40 cells, no dimension": dict(blank_rows=5_000, blank_cells=40, dimension=None),
        "3,000,000 shared strings": dict(shared_strings=3_000_000),
    }
    for label, options in files.items():
        data = roster_bomb(**options)
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
        print(f" {label}: {len(data) / 1024:,.0f} KiB, {unpacked / 2**20:,.0f} MiB unpacked")
        for step, call in (
            ("upload check", lambda: roster_io.check_workbook_bytes(data)),
            ("import", lambda: roster_io.import_roster(actor=access.SYSTEM, building=building, source=data, dry_run=True)),
        ):
            for memory in (False, True):
                with measured(f"{step}{' (memory traced)' if memory else ''}", memory=memory):
                    try:
                        call()
                        outcome = "accepted"
                    except ValidationError as exc:
                        outcome = exc.messages[0]
            print(f"    {outcome[:100]}")
    data = _roster_file(building, 5000, 20)
    print(f" for comparison, a good roster of 5,000 rows: {len(data) / 1024:,.0f} KiB")
    with measured("upload check (accepted)", memory=False):
        roster_io.check_workbook_bytes(data)
    print()


def _page(client: Client, url: str, repeat: int) -> tuple[float, float, int]:
    client.get(url)  # warm up
    times = []
    for _ in range(repeat):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    times.sort()
    return statistics.median(times), p95(times), counter.count


def enterprise_list(args) -> None:
    print("enterprise list page (secretary, first page of 25), as the building grows")
    building = BuildingFactory(code="BENCH-L")
    floors = [FloorFactory(building=building, number=n) for n in range(1, 21)]
    secretary = UserFactory(username="bench-secretary")
    grant(secretary, RoleKind.COMMITTEE_SECRETARY, building)
    client = Client()
    client.force_login(secretary)
    url = f"/buildings/{building.code}/enterprises/"
    made = 0
    for target in (120, 1200, 5000):
        rows = []
        for n in range(made, target):
            floor = floors[n % 20]
            rows.append([f"列表{n}有限公司", make_uscc(500000 + n), "金融", floor.number,
                         f"{floor.number:02d}{n // 20 % 90 + 1:02d}", "2023-01-01", 10, "无", 0, "", "", ""])
        workbook = roster_io._roster_workbook(rows)
        buffer = io.BytesIO()
        workbook.save(buffer)
        roster_io.import_roster(actor=access.SYSTEM, building=building, source=io.BytesIO(buffer.getvalue()))
        made = target
        median, p95, queries = _page(client, url, args.repeat)
        searched = _page(client, url + "?q=有限&industry=J", args.repeat)
        print(f"  {Enterprise.objects.count():>5} enterprises: median {median:.1f} ms, p95 {p95:.1f} ms, "
              f"{queries} queries; with search+filter: median {searched[0]:.1f} ms, {searched[2]} queries")
    print()


def posters(args) -> None:
    print("A4 posters, one PDF for a 20-floor building with 20 serving leaders")
    from louwei.committee import posters as poster_module
    from louwei.committee import queries as committee_queries

    building = BuildingFactory(code="BENCH-P")
    for number in range(1, 21):
        FloorLeaderFactory(floor=FloorFactory(building=building, number=number))
    with measured("building PDF"):
        pdf = poster_module.render_pdf(committee_queries.poster_pages(building))
    print(f"  {len(pdf) / 1024:.0f} KiB")
    print()


def notices(args) -> None:
    print("publishing one notice to every enterprise of a building (the audience resolved in bulk)")
    from bench.notices import publish_to

    import resource

    for n in (1_000, 20_000):
        result = publish_to(n)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  {result['n']:>6} enterprises: {result['seconds']:.2f} s, {result['queries']} queries, "
              f"peak {result['peak_mib']:.1f} MiB of Python memory (process peak so far {rss:.0f} MiB), "
              f"{result['deliveries']} deliveries")
    print()
