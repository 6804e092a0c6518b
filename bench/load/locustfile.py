"""A Monday morning at Louwei, for locust (run by ``python -m bench.load``; docs/benchmarks.md).

Five kinds of simulated people, each logging in as a person of its own from the accounts file that
``bench/load/prepare.py`` wrote (``LOAD_ACCOUNTS``); when a kind has fewer people than simulated
users, its people are shared (a login that succeeds counts against no limit). Each behaves as a
browser does: it fetches a page, reads the form's CSRF token and fields from the HTML, fills what a
person would fill and posts it back, following redirects. Nothing is caught or retried here: every
answer that is not what a browser expects is a failure in the table.

* ``FloorLeader`` (weight 6): home, their queue, opens a case and passes it on or answers it when
  the page offers that, the notices not yet read on their floors, a notice.
* ``Employee`` (weight 6): home, "notices for us" and one of them (recorded as read), raises a case
  in the app (the form's similar-cases check first), looks at it, their queue.
* ``QrVisitor`` (weight 4): no account. Scans a floor's QR code (``/f/<floor>/``), opens the
  raise-a-case form and, one time in three, raises a case and opens its private link. Behind
  nginx each phone has its own address: the visitor sends it in ``X-Real-IP`` (as nginx does, and
  as the production settings read it), and after each case it is a new phone (new address, new
  cookies), so the per-address and per-device limits on visitors' cases hold as for real people.
* ``Staff`` (weight 3): district staff, committee secretaries and property staff in turn. Their
  dashboards and the building's case list; secretaries accept, dispatch or close a case, property
  staff reply to one; one time in four an export (the case list or the figures) is started and its
  ``/jobs/<uuid>/`` page polled as the page's htmx does, every 2 s, until the file can be
  downloaded.
* ``NoticePublisher`` (weight 1): district staff and secretaries writing a notice (the form, the
  draft) and publishing it to their district or building, every minute or so.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from html.parser import HTMLParser

from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(open(os.environ.get("LOAD_ACCOUNTS", "accounts.json"), encoding="utf-8").read())
POLL_SECONDS = 2
JOB_TIMEOUT = 120
CASE_LINK = re.compile(r'href="/cases/(\d{8}-\d{4,})/"')
STATIC = re.compile(r'(?:href|src)="(/static/[^"]+)"')
NOTICE_LINK = re.compile(r'href="/notices/(\d+)/"')
TEXTS = ["走廊灯不亮，请尽快维修。", "空调不制冷，室温偏高。", "电梯经常停在本层不关门。", "卫生间没有纸巾。",
         "咨询招用高校毕业生的社保补贴。", "建议服务中心中午开放休息区。", "饮水机没有水了，请更换。"]
ANSWERS = ["已联系物业处理，今天下午维修。", "已转告楼委会，请耐心等待。", "已处理完毕，请查看。"]


class _Pool:
    """Hands out the people of one kind, each once while there are enough, then again in turn."""

    def __init__(self, items):
        self.items = list(items)
        random.Random(7).shuffle(self.items)
        self.cycle = itertools.cycle(self.items)

    def take(self):
        return next(self.cycle)


POOLS = {
    "leaders": _Pool(ACCOUNTS["leaders"]),
    "employees": _Pool(ACCOUNTS["employees"]),
    "floors": _Pool(ACCOUNTS["floors"]),
    "district": _Pool({"username": u, "kind": "district"} for u in ACCOUNTS["district_staff"]),
    "secretaries": _Pool({**s, "kind": "secretary"} for s in ACCOUNTS["secretaries"]),
    "property": _Pool({**p, "kind": "property"} for p in ACCOUNTS["property"]),
}
STAFF_KINDS = itertools.cycle(["district", "secretaries", "property"])
PUBLISHER_KINDS = itertools.cycle(["district", "secretaries"])
ADDRESSES = (f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}" for n in itertools.count(1))


# --- Forms, as a browser reads them -----------------------------------------------------------------------


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": [], "selects": {}, "radios": {}}
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind == "radio":
                choice = form["radios"].setdefault(name, {"values": [], "checked": None})
                choice["values"].append(a.get("value", "on"))
                if "checked" in a:
                    choice["checked"] = a.get("value", "on")
            elif kind == "checkbox":
                if "checked" in a:
                    form["fields"].append([name, a.get("value", "on")])
            else:
                form["fields"].append([name, a.get("value") or ""])
        elif tag == "select" and name:
            self._select = form["selects"].setdefault(name, {"options": [], "selected": None})
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._select["options"].append(value)
            if "selected" in a:
                self._select["selected"] = value
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            form["fields"].append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag in ("form", "select", "textarea"):
            setattr(self, f"_{tag}", None)


def forms_of(html: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_with(html: str, action_part: str, url: str = "") -> dict | None:
    """The first form posting to an address that holds ``action_part`` (no action: the page's ``url``)."""
    for form in forms_of(html):
        form["action"] = form["action"] or url
        if form["method"] == "post" and action_part in form["action"]:
            return form
    return None


def fill(form: dict, values: dict | None = None, text: str | None = None) -> dict:
    """The form's data as a person submits it: what is there, the chosen option of each select (or
    the first real one), the checked radio (or the first), empty text areas written in, then
    ``values``."""
    data = {}
    for name, value in form["fields"]:
        data.setdefault(name, value)
    for name, select in form["selects"].items():
        real = [v for v in select["options"] if v]
        data[name] = select["selected"] if select["selected"] else (random.choice(real) if real else "")
    for name, radio in form["radios"].items():
        data[name] = radio["checked"] or radio["values"][0]
    for name, value in list(data.items()):
        if not value.strip() and text is not None and name.split("-")[-1] in ("text", "description", "body", "note"):
            data[name] = text
    data.update(values or {})
    return data


def fail(name: str, message: str) -> None:
    """A step a browser could not take (the page lacked its form): a failure of ``name`` in the table."""
    events.request.fire(request_type="POST", name=name, response_time=0, response_length=0,
                        exception=RuntimeError(message), context={})


# --- People ---------------------------------------------------------------------------------------------


class Person(HttpUser):
    abstract = True
    wait_time = between(3, 10)
    pool = ""

    def on_start(self):
        self.account = self.take_account()
        if self.account is not None:
            self.login()

    def take_account(self):
        return POOLS[self.pool].take() if self.pool else None

    def username(self) -> str:
        return self.account if isinstance(self.account, str) else self.account["username"]

    def login(self):
        page = self.client.get("/login/", name="/login/")
        for asset in sorted(set(STATIC.findall(page.text))):  # a new browser loads the styles and scripts once
            self.client.get(asset, name="/static/[asset]")
        form = form_with(page.text, "/login/", page.url) or {"fields": [], "selects": {}, "radios": {}}
        data = fill(form, {"username": self.username(), "password": ACCOUNTS["password"]})
        with self.client.post("/login/", data=data, name="/login/ (POST)", catch_response=True) as response:
            if "/login/" in response.url:
                response.failure("login refused")

    def get(self, path: str, name: str, **kwargs):
        return self.client.get(path, name=name, **kwargs)

    def post_form(self, page, action_part: str, name: str, values=None, text=None, **kwargs):
        """Submit the form of ``page`` whose action holds ``action_part``; a page without it fails."""
        form = form_with(page.text, action_part, page.url)
        if form is None:
            fail(name, f"no form for {action_part} on {page.url}")
            return None
        return self.client.post(form["action"], data=fill(form, values, text), name=name,
                                headers={"Referer": page.url}, **kwargs)

    def open_case(self, html: str):
        numbers = CASE_LINK.findall(html)
        if not numbers:
            return None
        return self.get(f"/cases/{random.choice(numbers)}/", "/cases/[number]/")

    def act(self, case_page, preferred: list[str]):
        """Take one of the ``preferred`` steps the case's page offers (none offered: nothing)."""
        offered = [a for a in preferred if form_with(case_page.text, f"/act/{a}/")]
        if offered:
            action = random.choice(offered)
            self.post_form(case_page, f"/act/{action}/", f"/cases/[number]/act/{action}/", text=random.choice(ANSWERS))

    def read_a_notice(self, html: str):
        ids = NOTICE_LINK.findall(html)
        if ids:
            self.get(f"/notices/{random.choice(ids)}/", "/notices/[id]/")


class SignedIn(Person):
    abstract = True

    @task(2)
    def home(self):
        self.get("/", "/")


class FloorLeader(SignedIn):
    weight = 6
    pool = "leaders"

    @task(5)
    def queue(self):
        queue = self.get("/cases/", "/cases/")
        case = self.open_case(queue.text)
        if case is not None and random.random() < 0.5:
            self.act(case, ["pass_on", "answer"])

    @task(2)
    def notices(self):
        page = self.get("/notices/my-floors/", "/notices/my-floors/")
        self.read_a_notice(page.text)


class Employee(SignedIn):
    weight = 6
    pool = "employees"

    @task(3)
    def notices(self):
        page = self.get("/notices/", "/notices/")
        self.read_a_notice(page.text)

    @task(2)
    def raise_case(self):
        form_page = self.get("/cases/new/", "/cases/new/")
        floor = re.search(r"floor=([A-Z0-9-]+)", form_page.url)
        form = form_with(form_page.text, "/cases/new/", form_page.url)
        category = random.choice([v for v in (form or {"selects": {}}).get("selects", {}).get("category", {})
                                  .get("options", []) if v] or [""])
        description = random.choice(TEXTS)
        if floor:
            self.get(f"/cases/similar/?floor={floor.group(1)}&category={category}&description={description}",
                     "/cases/similar/")
        self.post_form(form_page, "/cases/new/", "/cases/new/ (POST)",
                       values={"category": category, "description": description})

    @task(1)
    def my_cases(self):
        queue = self.get("/cases/", "/cases/")
        self.open_case(queue.text)


class QrVisitor(Person):
    weight = 4

    def on_start(self):
        self.new_phone()

    def new_phone(self):
        self.client.cookies.clear()
        self.client.headers["X-Real-IP"] = next(ADDRESSES)

    @task
    def scan(self):
        floor = POOLS["floors"].take()
        self.get(f"/f/{floor}/", "/f/[floor]/")
        form_page = self.get(f"/f/{floor}/report/", "/f/[floor]/report/")
        if random.random() < 1 / 3:
            done = self.post_form(form_page, "/report/", "/f/[floor]/report/ (POST)",
                                  values={"description": random.choice(TEXTS), "website": ""})
            link = re.search(r'href="(/t/[^"/]+/[^"/]+/)"', done.text if done is not None else "")
            if link:
                self.get(link.group(1), "/t/[number]/[token]/")
            self.new_phone()


class Staff(SignedIn):
    weight = 3

    def take_account(self):
        return POOLS[next(STAFF_KINDS)].take()

    def building(self) -> str:
        return self.account.get("building") or random.choice(ACCOUNTS["buildings"])

    @task(3)
    def dashboard(self):
        if self.account["kind"] == "district":
            self.get(f"/districts/{ACCOUNTS['district']}/cases/dashboard/", "/districts/[code]/cases/dashboard/")
        else:
            self.get(f"/buildings/{self.building()}/cases/dashboard/", "/buildings/[code]/cases/dashboard/")

    @task(3)
    def cases(self):
        page = self.get(f"/buildings/{self.building()}/cases/", "/buildings/[code]/cases/")
        if self.account["kind"] == "district":
            self.open_case(page.text)
            return
        queue = self.get("/cases/", "/cases/")
        case = self.open_case(queue.text)
        if case is not None:
            steps = ["reply"] if self.account["kind"] == "property" else ["accept", "dispatch", "close"]
            self.act(case, steps)

    @task(1)
    def export(self):
        if random.random() < 0.5:
            page = self.get(f"/buildings/{self.building()}/cases/", "/buildings/[code]/cases/")
            started = self.post_form(page, "/cases/export.xlsx", "/buildings/[code]/cases/export.xlsx (POST)")
            label = "cases export"
        elif self.account["kind"] == "district":
            page = self.get(f"/districts/{ACCOUNTS['district']}/cases/dashboard/", "/districts/[code]/cases/dashboard/")
            started = self.post_form(page, "/cases/figures.xlsx", "/districts/[code]/cases/figures.xlsx (POST)")
            label = "figures export"
        else:
            page = self.get(f"/buildings/{self.building()}/cases/dashboard/", "/buildings/[code]/cases/dashboard/")
            started = self.post_form(page, "/cases/figures.xlsx", "/buildings/[code]/cases/figures.xlsx (POST)")
            label = "figures export"
        if started is not None and "/jobs/" in started.url:
            self.follow_job(started.url, label)

    def follow_job(self, url: str, label: str):
        """Poll the job's page as its htmx does until the file is ready, then download it. The time
        from the start to the ready file is reported as ``job: <label>``."""
        began = time.perf_counter()
        html = ""
        while time.perf_counter() - began < JOB_TIMEOUT:
            time.sleep(POLL_SECONDS)
            html = self.get(url, "/jobs/[uuid]/ (htmx poll)", headers={"HX-Request": "true"}).text
            if 'hx-trigger="every' not in html:
                break
        took_ms = (time.perf_counter() - began) * 1000
        download = re.search(r'href="(/jobs/[0-9a-f-]+/download/)"', html)
        events.request.fire(request_type="JOB", name=f"job: {label} (start to file)", response_time=took_ms,
                            response_length=0, exception=None if download else RuntimeError(f"no file: {html[:200]}"),
                            context={})
        if download:
            self.get(download.group(1), "/jobs/[uuid]/download/")


class NoticePublisher(Person):
    weight = 1
    wait_time = between(30, 90)

    def take_account(self):
        return POOLS[next(PUBLISHER_KINDS)].take()

    @task
    def publish(self):
        scope = f"d:{ACCOUNTS['district']}" if self.account["kind"] == "district" else f"b:{self.account['building']}"
        self.get("/notices/manage/", "/notices/manage/")
        form_page = self.get(f"/notices/new/?scope={scope}", "/notices/new/")
        stamp = time.strftime("%H:%M:%S")
        draft = self.post_form(form_page, "/notices/new/", "/notices/new/ (POST)", values={
            "kind": "notice", "title": f"本周一例会通知 {stamp}",
            "body": "各企业：本周三下午三点在一楼党群服务中心召开楼宇例会，请各楼层楼长和企业联系人参加。",
        })
        match = re.search(r"/notices/(\d+)/", draft.url if draft is not None else "")
        if match is None:
            return
        publish_page = self.get(f"/notices/{match.group(1)}/publish/", "/notices/[id]/publish/")
        form = next((f for f in forms_of(publish_page.text)
                     if any(n == "when" and v == "now" for n, v in f["fields"])), None)
        if form is None:
            fail("/notices/[id]/publish/ (POST)", f"no publish form on {publish_page.url}")
            return
        self.client.post(form["action"] or publish_page.url, data=fill(form), name="/notices/[id]/publish/ (POST)")
