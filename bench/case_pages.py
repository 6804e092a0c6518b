"""The cases' queues and dashboards at scale (issue 4): ``python -m bench --only cases``.

Fills N cases (default 1,000,000 on PostgreSQL, 100,000 on SQLite) across 200 buildings of one
district (20 floors each, a serving floor leader per floor, the property company as each
building's handler with one staff login, the default categories), rebuilds the figures, ANALYZEs,
and times each queue and dashboard page with the test client, logged in as the role that uses it:
first at 100,000 cases (on SQLite at a tenth of N), then again after filling up to N.

PostgreSQL fills with ``INSERT … SELECT … FROM generate_series`` (case rows and two timeline events
per case); SQLite with ``executemany`` batches. The status mix is about that of a working
building: ~5 % open (recent), ~3 % declined, ~2 % merged, the rest closed, most of them rated;
about one case in six overdue at some point. Deterministic (fixed seeds).
"""

from __future__ import annotations

import datetime
import random
import re
import statistics
import time
import uuid
from collections import Counter

from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from louwei.accounts.models import Role, RoleKind, User
from louwei.buildings.models import Building, Floor, PartyCommittee, PropertyCompany
from louwei.cases import figures
from louwei.cases.models import Case, CaseEvent, Category, Handler, HandlerKind, HandlerMember
from louwei.committee.models import BuildingCommittee, FloorLeader, Term

from .cases import QueryCounter, p95

FLOORS = 20
FIRST_SIZE = 100_000
P95_TARGET_MS = 50
# Hours to respond and to resolve, by urgency: the working-day rules as calendar hours (roughly).
HOURS = {"urgent": (2, 24), "utilities": (8, 24), "general": (24, 216), "complex": (24, 504)}
ON_BEHALF = ("visit", "phone", "in_person", "group_chat")
CHANNELS = [("app", 0.45), ("qr", 0.25), ("visit", 0.10), ("phone", 0.10), ("group_chat", 0.05), ("in_person", 0.05)]
OPEN_STATUSES = [("submitted", 0.20), ("referred", 0.15), ("accepted", 0.10), ("dispatched", 0.40), ("replied", 0.15)]
TEXTS = ["走廊灯不亮，请尽快维修。", "空调不制冷，室温偏高。", "电梯经常停在本层不关门。", "卫生间没有纸巾。",
         "咨询招用高校毕业生的社保补贴。", "建议服务中心中午开放休息区。", "地下车库车位不够。", "消防通道被纸箱堵住。"]

# The columns the fill writes; checked against the model so that a new field is noticed.
COLUMNS = [
    "number", "public_id", "building_id", "floor_id", "enterprise_id", "category_id", "urgency", "description",
    "channel", "submitted_by_id", "raised_by_id", "submitter_name", "submitter_phone", "submitter_email",
    "tracking_hash", "source", "leader_id", "handler_id", "status", "decline_reason", "merged_into_id",
    "submitted_at", "respond_by", "due_at", "responded_at", "accepted_at", "dispatched_at", "replied_at",
    "first_closed_at", "closed_at", "reminded_at", "overdue_at", "escalation_level", "reopen_count",
    "supporter_count", "rating", "rating_comment", "rating_source", "rated_at", "updated_at",
]


# --- The buildings, people and handlers ----------------------------------------------------------


class World:
    """The 200 buildings and the people the pages are measured as (all in building 1 or its district)."""

    def __init__(self, buildings: int):
        started = time.perf_counter()
        self.district = PartyCommittee.objects.create(code="BENCH", name="基准测试两新组织党委", district="基准区")
        company = PropertyCompany.objects.create(name="基准测试物业服务有限公司")
        self.buildings = Building.objects.bulk_create([
            Building(party_committee=self.district, code=f"BENCH-{n:03d}", name=f"基准大厦{n:03d}",
                     property_company=company)
            for n in range(1, buildings + 1)
        ])
        self.floors = Floor.objects.bulk_create([
            Floor(building=b, number=number, code=b.floor_code(number))
            for b in self.buildings for number in range(1, FLOORS + 1)
        ])
        committees = BuildingCommittee.objects.bulk_create(
            [BuildingCommittee(building=b, name=f"{b.name}楼委会") for b in self.buildings])
        terms = {t.committee.building_id: t for t in Term.objects.bulk_create(
            [Term(committee=c, number=1, started_on=datetime.date(2024, 1, 1)) for c in committees])}
        leaders = User.objects.bulk_create(
            [User(username=f"bench-leader-{f.code}", name=f"楼长{f.code}", password="!") for f in self.floors])
        roles = Role.objects.bulk_create(
            [Role(user=u, kind=RoleKind.FLOOR_LEADER, floor=f) for u, f in zip(leaders, self.floors, strict=True)])
        FloorLeader.objects.bulk_create([
            FloorLeader(floor=f, term=terms[f.building_id], user=u, appointment_method="assigned",
                        public_phone="0537-2000000", started_on=datetime.date(2024, 1, 1), role=r)
            for f, u, r in zip(self.floors, leaders, roles, strict=True)
        ])
        self.leader_of = {f.pk: u.pk for f, u in zip(self.floors, leaders, strict=True)}
        self.handlers = Handler.objects.bulk_create([
            Handler(name="物业服务中心", kind=HandlerKind.PROPERTY, building=b, property_company=company)
            for b in self.buildings
        ])
        staff = User.objects.bulk_create(
            [User(username=f"bench-wuye-{b.code}", name=f"物业{b.code}", password="!") for b in self.buildings])
        HandlerMember.objects.bulk_create(
            [HandlerMember(handler=h, user=u, is_manager=True) for h, u in zip(self.handlers, staff, strict=True)])
        self.handler_of = {h.building_id: h.pk for h in self.handlers}

        # The people the pages are measured as: building 1's floor-5 leader, its handler's staff,
        # its committee secretary, and the district's staff.
        self.building = self.buildings[0]
        self.leader = leaders[4]
        self.handler_member = staff[0]
        self.secretary = User.objects.create(username="bench-secretary", name="书记", password="!")
        Role.objects.create(user=self.secretary, kind=RoleKind.COMMITTEE_SECRETARY, building=self.building)
        self.district_staff = User.objects.create(username="bench-district", name="区两新党委", password="!")
        Role.objects.create(user=self.district_staff, kind=RoleKind.DISTRICT_STAFF, party_committee=self.district)

        # Leaf categories (a case is raised in a sub-category where there is one).
        categories = list(Category.objects.filter(is_active=True).order_by("position", "code"))
        parents = {c.parent_id for c in categories if c.parent_id}
        self.categories = [(c.pk, c.urgency) for c in categories if c.pk not in parents]
        print(f"  {len(self.buildings)} buildings, {len(self.floors)} floors and leaders, {len(self.handlers)} "
              f"handlers made in {time.perf_counter() - started:.1f} s")


# --- Filling ----------------------------------------------------------------------------------


def _check_columns() -> None:
    model = {f.column for f in Case._meta.concrete_fields if not f.primary_key}
    if model != set(COLUMNS):
        raise SystemExit(f"bench/case_pages.py: the Case columns changed: {sorted(model ^ set(COLUMNS))}")


def _lookup_tables(world: World) -> None:
    """Temporary tables the INSERT … SELECT joins: floor index → floor, building, leader, handler;
    category index → category and its deadlines."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute("DROP TABLE IF EXISTS bench_category")
        cursor.execute("CREATE TEMPORARY TABLE bench_floor (idx int PRIMARY KEY, floor_id bigint, building_id bigint, "
                       "leader_id bigint, handler_id bigint)")
        cursor.executemany("INSERT INTO bench_floor VALUES (%s, %s, %s, %s, %s)", [
            (n, f.pk, f.building_id, world.leader_of[f.pk], world.handler_of[f.building_id])
            for n, f in enumerate(world.floors)
        ])
        cursor.execute("CREATE TEMPORARY TABLE bench_category (idx int PRIMARY KEY, category_id bigint, "
                       "urgency text, respond_h int, resolve_h int)")
        cursor.executemany("INSERT INTO bench_category VALUES (%s, %s, %s, %s, %s)", [
            (n, pk, urgency, *HOURS[urgency]) for n, (pk, urgency) in enumerate(world.categories)
        ])


def _pick(column: str, choices: list[tuple[str, float]]) -> str:
    """SQL: a CASE choosing among ``choices`` by their shares, from a uniform [0, 1) ``column``."""
    parts, edge = [], 0.0
    for value, share in choices[:-1]:
        edge += share
        parts.append(f"WHEN {column} < {edge:.4f} THEN '{value}'")
    return f"CASE {' '.join(parts)} ELSE '{choices[-1][0]}' END"


PG_FILL = """
INSERT INTO cases_case ({columns})
SELECT
  'B' || to_char(submitted_at AT TIME ZONE 'Asia/Shanghai', 'YYMMDD') || '-' || i,
  md5('bench-' || i)::uuid, building_id, floor_id, NULL, category_id, urgency,
  '第' || i || '号诉求：' || (ARRAY[{texts}])[1 + i %% {text_count}],
  channel, NULL, CASE WHEN channel IN ('visit', 'phone', 'in_person', 'group_chat') THEN leader_id END,
  '', '', '', '', '', leader_id,
  CASE WHEN dispatched_at IS NOT NULL THEN handler_id END,
  status,
  CASE status WHEN 'declined' THEN (CASE WHEN r7 < 0.6 THEN 'out_of_scope' ELSE 'insufficient' END)
              WHEN 'merged' THEN 'duplicate' ELSE '' END,
  NULL, submitted_at, respond_by, due_at, responded_at,
  accepted_at, dispatched_at, replied_at, closed_at, closed_at,
  CASE WHEN dispatched_at IS NOT NULL AND submitted_at + (due_at - submitted_at) * 0.8 < COALESCE(replied_at, now())
       THEN submitted_at + (due_at - submitted_at) * 0.8 END,
  CASE WHEN status IN ('submitted', 'referred', 'accepted', 'dispatched', 'replied') AND due_at < now() THEN due_at
       WHEN closed_at > due_at THEN due_at END,
  CASE WHEN COALESCE(closed_at, CASE WHEN status IN ('declined', 'merged') THEN submitted_at ELSE now() END)
            > due_at + interval '1 day' THEN 2
       WHEN COALESCE(closed_at, CASE WHEN status IN ('declined', 'merged') THEN submitted_at ELSE now() END)
            > due_at THEN 1 ELSE 0 END,
  CASE WHEN rating = 'dissatisfied' THEN 1 ELSE 0 END, 0,
  rating, '', CASE WHEN rating = '' THEN '' WHEN r8 < 0.85 THEN 'submitter' ELSE 'follow_up' END,
  CASE WHEN rating <> '' THEN closed_at + interval '6 hours' END,
  now()
FROM (
  SELECT t.*,
    CASE WHEN status IN ('closed', 'replied') THEN
      CASE WHEN answered THEN responded_at
           ELSE submitted_at + make_interval(secs => resolve_h * 3600 * (0.15 + 0.9 * r5)) END END AS replied_at,
    CASE WHEN status = 'closed' THEN
      CASE WHEN answered THEN responded_at
           ELSE submitted_at + make_interval(secs => resolve_h * 3600 * (0.2 + 0.95 * r5)) END END AS closed_at,
    CASE WHEN status IN ('accepted', 'dispatched', 'replied') OR (status = 'closed' AND NOT answered)
         THEN responded_at + interval '2 hours' END AS accepted_at,
    CASE WHEN status IN ('dispatched', 'replied') OR (status = 'closed' AND NOT answered)
         THEN responded_at + interval '2 hours' END AS dispatched_at,
    CASE WHEN status = 'closed' AND r6 < 0.72 THEN
      CASE WHEN r7 < 0.75 THEN 'satisfied' WHEN r7 < 0.93 THEN 'basically' ELSE 'dissatisfied' END
    ELSE '' END AS rating
  FROM (
    SELECT s.*,
      submitted_at + make_interval(hours => respond_h) AS respond_by,
      submitted_at + make_interval(hours => resolve_h) AS due_at,
      CASE WHEN status <> 'submitted'
           THEN submitted_at + make_interval(secs => respond_h * 3600 * (0.1 + 1.0 * r4)) END AS responded_at
    FROM (
      SELECT g.*,
        CASE WHEN r1 < 0.05 THEN {open_status}
             WHEN r1 < 0.08 THEN 'declined' WHEN r1 < 0.10 THEN 'merged' ELSE 'closed' END AS status,
        CASE WHEN r1 < 0.05 THEN now() - make_interval(secs => 20 * 86400 * r3)
             ELSE now() - interval '25 days' - make_interval(secs => 700 * 86400 * r3) END AS submitted_at,
        {channel} AS channel,
        r5 < 0.12 AS answered
      FROM (
        SELECT i, f.floor_id, f.building_id, f.leader_id, f.handler_id, c.category_id, c.urgency,
               c.respond_h, c.resolve_h,
               random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6,
               random() AS r7, random() AS r8, random() AS r9
        FROM generate_series(%s, %s) AS i
        JOIN bench_floor f ON f.idx = i %% {floors}
        JOIN bench_category c ON c.idx = (i / {floors} + i) %% {categories}
      ) g
    ) s
  ) t
) u
"""

PG_EVENTS = """
INSERT INTO cases_caseevent (case_id, kind, actor_id, actor_name, is_public, text, data, created_at)
SELECT id, 'submitted', NULL::bigint, '', true, '', '{}'::jsonb, submitted_at FROM cases_case WHERE id > %s
UNION ALL
SELECT id, CASE status WHEN 'closed' THEN 'closed' WHEN 'declined' THEN 'declined' WHEN 'merged' THEN 'merged'
                       WHEN 'referred' THEN 'passed_on' WHEN 'accepted' THEN 'accepted'
                       WHEN 'dispatched' THEN 'dispatched' ELSE 'replied' END,
       NULL, '', true, '', '{}'::jsonb, COALESCE(closed_at, replied_at, dispatched_at, responded_at)
FROM cases_case WHERE id > %s AND status <> 'submitted'
"""


def _link_merged(cursor, world: World, last_id: int) -> None:
    """A merged case points at the case raised just before it on the same floor (the fills give
    ids in order, one floor after the other, with no gap)."""
    cursor.execute("SELECT min(id) FROM cases_case")
    lowest = cursor.fetchone()[0]
    floors = len(world.floors)
    cursor.execute("UPDATE cases_case SET merged_into_id = id - %s "
                   "WHERE status = 'merged' AND id > %s AND id - %s >= %s", [floors, last_id, floors, lowest])


def _fill_postgresql(world: World, start: int, stop: int) -> None:
    _lookup_tables(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(max(id), 0) FROM cases_case")
        last_id = cursor.fetchone()[0]
        cursor.execute("SELECT setseed(%s)", [0.42 if start == 1 else 0.43])
        sql = PG_FILL.format(
            columns=", ".join(COLUMNS), texts=", ".join(f"'{t}'" for t in TEXTS), text_count=len(TEXTS),
            open_status=_pick("r2", OPEN_STATUSES), channel=_pick("r9", CHANNELS),
            floors=len(world.floors), categories=len(world.categories),
        )
        cursor.execute(sql, [start, stop])
        # A merged case points at the case raised just before it on the same floor.
        _link_merged(cursor, world, last_id)
        cursor.execute(PG_EVENTS, [last_id, last_id])


def _choose(rng: random.Random, choices) -> str:
    roll, edge = rng.random(), 0.0
    for value, share in choices:
        edge += share
        if roll < edge:
            return value
    return choices[-1][0]


def _rows_python(world: World, start: int, stop: int, now: datetime.datetime):
    """The same mix as the PostgreSQL fill, generated in Python (for SQLite)."""
    rng = random.Random(start)
    hour = datetime.timedelta(hours=1)
    floors, categories = world.floors, world.categories
    for i in range(start, stop + 1):
        floor = floors[i % len(floors)]
        category_id, urgency = categories[(i // len(floors) + i) % len(categories)]
        respond_h, resolve_h = HOURS[urgency]
        r = [rng.random() for _ in range(9)]
        if r[0] < 0.05:
            status = _choose(rng, OPEN_STATUSES)
            submitted = now - datetime.timedelta(days=20 * r[2])
        else:
            status = "declined" if r[0] < 0.08 else "merged" if r[0] < 0.10 else "closed"
            submitted = now - datetime.timedelta(days=25 + 700 * r[2])
        channel = _choose(rng, CHANNELS)
        answered = r[4] < 0.12
        respond_by, due = submitted + respond_h * hour, submitted + resolve_h * hour
        responded = None if status == "submitted" else submitted + respond_h * hour * (0.1 + r[3])
        via = status in ("accepted", "dispatched", "replied") or (status == "closed" and not answered)
        accepted = responded + 2 * hour if via else None
        dispatched = accepted if via and status != "accepted" else None
        replied = closed = None
        if status in ("closed", "replied"):
            replied = responded if answered else submitted + resolve_h * hour * (0.15 + 0.9 * r[4])
        if status == "closed":
            closed = responded if answered else submitted + resolve_h * hour * (0.2 + 0.95 * r[4])
        rating = ""
        if status == "closed" and r[5] < 0.72:
            rating = "satisfied" if r[6] < 0.75 else "basically" if r[6] < 0.93 else "dissatisfied"
        is_open = status in ("submitted", "referred", "accepted", "dispatched", "replied")
        end = closed or (submitted if status in ("declined", "merged") else now)
        overdue = due if (is_open and due < now) or (closed and closed > due) else None
        reminder = submitted + (due - submitted) * 0.8
        yield (
            f"B{timezone.localtime(submitted):%y%m%d}-{i}", uuid.uuid5(uuid.NAMESPACE_OID, f"bench-{i}").hex,
            floor.building_id, floor.pk, None, category_id, urgency, f"第{i}号诉求：{TEXTS[i % len(TEXTS)]}",
            channel, None, world.leader_of[floor.pk] if channel in ON_BEHALF else None, "", "", "", "", "",
            world.leader_of[floor.pk], world.handler_of[floor.building_id] if dispatched else None, status,
            ("out_of_scope" if r[6] < 0.6 else "insufficient") if status == "declined"
            else "duplicate" if status == "merged" else "",
            None, submitted, respond_by, due, responded, accepted, dispatched, replied, closed, closed,
            reminder if dispatched and reminder < (replied or now) else None, overdue,
            2 if end > due + 24 * hour else 1 if end > due else 0, 1 if rating == "dissatisfied" else 0, 0,
            rating, "", "" if not rating else "submitter" if r[7] < 0.85 else "follow_up",
            closed + 6 * hour if rating else None, now,
        )


def _fill_sqlite(world: World, start: int, stop: int) -> None:
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now()
    sql = f"INSERT INTO cases_case ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    dates = [i for i, name in enumerate(COLUMNS) if name.endswith("_at") or name in ("respond_by",)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(max(id), 0) FROM cases_case")
        last_id = cursor.fetchone()[0]
        batch = []
        for row in _rows_python(world, start, stop, now):
            row = list(row)
            for index in dates:
                row[index] = adapt(row[index])
            batch.append(row)
            if len(batch) == 5000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
        _link_merged(cursor, world, last_id)
        cursor.execute(
            "INSERT INTO cases_caseevent (case_id, kind, actor_id, actor_name, is_public, text, data, created_at) "
            "SELECT id, 'submitted', NULL, '', 1, '', '{}', submitted_at FROM cases_case WHERE id > %s "
            "UNION ALL SELECT id, CASE status WHEN 'closed' THEN 'closed' WHEN 'declined' THEN 'declined' "
            "WHEN 'merged' THEN 'merged' WHEN 'referred' THEN 'passed_on' WHEN 'accepted' THEN 'accepted' "
            "WHEN 'dispatched' THEN 'dispatched' ELSE 'replied' END, NULL, '', 1, '', '{}', "
            "COALESCE(closed_at, replied_at, dispatched_at, responded_at) FROM cases_case "
            "WHERE id > %s AND status <> 'submitted'", [last_id, last_id])


def fill(world: World, start: int, stop: int) -> float:
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        _fill_postgresql(world, start, stop)
    else:
        _fill_sqlite(world, start, stop)
    filled = time.perf_counter() - started
    rebuild_started = time.perf_counter()
    rows = figures.rebuild()
    rebuilt = time.perf_counter() - rebuild_started
    analyze_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    analyzed = time.perf_counter() - analyze_started
    print(f"  filled cases {start:,}–{stop:,} in {filled:.1f} s; figures rebuilt in {rebuilt:.1f} s "
          f"({rows:,} rows); ANALYZE {analyzed:.1f} s; database {database_size()}")
    print(f"  mix: {mix()}")
    return filled


def mix() -> str:
    """The shares of open, declined, merged, closed, rated and overdue cases (one aggregate query)."""
    from django.db.models import Count, Q

    from louwei.cases.models import OPEN_STATUSES

    counts = Case.objects.aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        declined=Count("pk", filter=Q(status="declined")), merged=Count("pk", filter=Q(status="merged")),
        closed=Count("pk", filter=Q(status="closed")), rated=Count("pk", filter=~Q(rating="")),
        overdue=Count("pk", filter=Q(overdue_at__isnull=False)),
    )
    total = counts.pop("total") or 1
    return ", ".join(f"{name} {value / total:.1%}" for name, value in counts.items())


def database_size() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database()), pg_total_relation_size('cases_case'), "
                           "pg_total_relation_size('cases_caseevent')")
            total, cases, events = cursor.fetchone()
            return f"{total / 2**20:,.0f} MiB (cases {cases / 2**20:,.0f} MiB, events {events / 2**20:,.0f} MiB)"
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return f"{pages * cursor.fetchone()[0] / 2**20:,.0f} MiB"


# --- Measuring --------------------------------------------------------------------------------


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def pages(world: World) -> list[tuple[str, object, str | None]]:
    """(label, who, URL) of every page measured."""
    building, district = world.building.code, world.district.code
    case = (Case.objects.filter(building=world.building, status="closed").exclude(rating="")
            .order_by("-submitted_at").first())
    return [
        ("queue · floor leader", world.leader, _url("cases:queue")),
        ("queue · handler staff", world.handler_member, _url("cases:queue")),
        ("queue · committee secretary", world.secretary, _url("cases:queue")),
        ("queue · district staff", world.district_staff, _url("cases:queue")),
        ("building cases · secretary", world.secretary, _url("cases:building_cases", building)),
        ("building dashboard · secretary", world.secretary, _url("cases:building_dashboard", building)),
        ("district dashboard · district staff", world.district_staff, _url("cases:district_dashboard", district)),
        ("landing / · floor leader", world.leader, "/"),
        ("landing / · handler staff", world.handler_member, "/"),
        ("landing / · committee secretary", world.secretary, "/"),
        ("landing / · district staff", world.district_staff, "/"),
        ("case detail · secretary", world.secretary, _url("cases:detail", case.number) if case else None),
    ]


def measure(client: Client, url: str, repeat: int) -> dict:
    """Median and 95th percentile in ms and the query count of ``repeat`` GETs (after one warm-up),
    and from one more GET the time spent in SQL and the slowest statement, to show where the time goes."""
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    if response.status_code != 200:
        return {"status": response.status_code}
    times, queries = [], set()
    for _ in range(repeat):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        queries.add(counter.count)
        if response.status_code != 200:
            return {"status": response.status_code}
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
    shapes = Counter(_shape(q["sql"]) for q in captured.captured_queries)
    sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    times.sort()
    return {"sql_ms": sql_ms, "status": 200, "median": statistics.median(times),
            "p95": p95(times),
            "queries": max(queries), "varies": len(queries) > 1, "shapes": shapes,
            "slowest": (float(slowest["time"]) * 1000, " ".join(slowest["sql"].split())) if slowest else None}


def _shape(sql: str) -> str:
    """A statement without its values, to compare the statements of two requests."""
    sql = re.sub(r"'[^']*'(::\w+)?", "?", " ".join(sql.split()))
    sql = re.sub(r"\b\d+\b", "?", sql)
    return re.sub(r"\(\?(, \?)*\)", "(…)", sql)


def _cell(result: dict) -> str:
    if result["status"] == 501:
        return "not built (501)"
    if result["status"] != 200:
        return f"HTTP {result['status']}"
    varies = " (varies)" if result["varies"] else ""
    return f"{result['median']:7.1f} ms  p95 {result['p95']:7.1f} ms  {result['queries']:3d} queries{varies}"


def measure_all(world: World, repeat: int) -> dict[str, dict]:
    results = {}
    width = max(len(label) for label, _who, _url_ in pages(world))
    for label, who, url in pages(world):
        if url is None:
            results[label] = {"status": 501}
        else:
            client = Client()
            client.force_login(who)
            results[label] = measure(client, url, repeat)
        print(f"    {label:<{width}}  {_cell(results[label])}")
    return results


def run(args) -> None:
    _check_columns()
    postgresql = connection.vendor == "postgresql"
    total = args.cases or (1_000_000 if postgresql else 100_000)
    first = FIRST_SIZE if total > FIRST_SIZE else max(total // 10, 1)
    engine = "PostgreSQL" if postgresql else "SQLite" + ("" if args.cases else ", whose default N is smaller")
    print(f"cases: queues and dashboards with {first:,} and then {total:,} cases in {args.buildings} buildings "
          f"({engine}), {args.repeat} requests per page")
    world = World(args.buildings)
    sizes = [first, total] if total > first else [total]
    measured: dict[int, dict] = {}
    done = 0
    for size in sizes:
        fill(world, done + 1, size)
        done = size
        print(f"  at {Case.objects.count():,} cases, {CaseEvent.objects.count():,} events:")
        measured[size] = measure_all(world, args.repeat)
    print(f"  time in SQL and the slowest statement of each page (at {sizes[-1]:,} cases, one request):")
    for label, result in measured[sizes[-1]].items():
        if result.get("slowest"):
            ms, sql = result["slowest"]
            print(f"    {label}: SQL {result['sql_ms']:.0f} ms in all; slowest {ms:.0f} ms: {sql[:240]}")
    print("  flags:")
    flagged = False
    for label in measured[sizes[-1]]:
        results = [measured[size][label] for size in sizes]
        built = [r for r in results if r["status"] == 200]
        if len(built) != len(results):
            continue
        if len({r["queries"] for r in built}) > 1:
            print(f"    {label}: the query count changes with the data "
                  f"({' → '.join(str(r['queries']) for r in built)})")
            first, last = built[0]["shapes"], built[-1]["shapes"]
            for shape in sorted(set(first) | set(last)):
                if first[shape] != last[shape]:
                    print(f"      {first[shape]} → {last[shape]} × {shape[:260]}")
            flagged = True
        slow = [f"{size:,}" for size, r in zip(sizes, built, strict=True) if r["p95"] >= P95_TARGET_MS]
        if slow:
            print(f"    {label}: p95 ≥ {P95_TARGET_MS} ms at {', '.join(slow)} cases")
            flagged = True
    if not flagged:
        print("    none")
    print()
