"""The hostile-input walk: every address of the site, as every demo role, fed the values a careless
user or an attacker sends. Used by ``louwei/tests/hostile/``; nothing here runs outside the tests.

How it works:

1. **Discover.** For each demo role (and anonymous), follow the site's own links from the landing
   pages, a few clicks deep, as a person would: every page that answers is an *example* of its URL
   pattern, and every ``<form>`` on it is a form to fill. JSON answers (the API, Open311) are read
   for the addresses they hold. Patterns no link reaches get an example from :data:`SEEDS`, so a new
   pattern cannot hide from the walk (``uncovered_patterns`` must stay empty).
2. **Learn what a page reads.** Each example is requested once with a query dict that records the
   names a view asks for (``request.GET.get("page")``, a filter form's fields, DRF's filters).
3. **Attack.** Every query parameter read and every path argument gets each hostile value
   (:data:`QUERY_VALUES`, :data:`PATH_VALUES`, raw invalid UTF-8), one at a time, as the role that
   reached it. Every role gets each of its own pages with all parameters hostile at once
   (:data:`ROLE_VALUES`). Every form gets each hostile value in all its fields at once
   (:data:`FORM_VALUES`), then the values that pass a field's own checks in each field alone
   (:data:`PASSING_VALUES`), and malformed files in its file fields. Each request runs inside a
   savepoint that is rolled back, so an accepted value changes nothing for the next request and the
   walk sees the same world throughout.

A response of 500 or an exception is a failure, reported with the request that caused it.
"""

from __future__ import annotations

import dataclasses
import json
import traceback
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

ROLES = ["district", "secretary", "member", "property", "leader", "contact", "employee",
         "wuye", "wuye2", "shichang", "renshe", "zhujian"]
ANONYMOUS = "anonymous"

LONG = "长" * 100_000
# Values for query parameters and form fields: control characters, 100,000 characters, huge and
# negative numbers, floats where integers go, dates at year 1 and 9999, lists where scalars go,
# characters that mean something to SQL, LIKE, regular expressions and HTML.
QUERY_VALUES: list[str | list[str]] = [
    "a\x00b\x01\x1b\x7f", LONG, "99999999999999999999999", "-5.6e128", "1.5", "NaN",
    "0001-01-01", "9999-12-31", ["1", "2"], "'\"<b>%_\\*(",
]
FORM_VALUES = QUERY_VALUES
# Values that pass a form field's own checks more often than not (any text, a number, a date) and
# so reach the services and the database: each field gets them alone, the other fields as the page
# gives them.
PASSING_VALUES: list[str] = ["99999999999999999999999", "9999-12-31", LONG]
# What every other role gets on its own pages, all parameters at once (the control characters never
# pass the middleware, whoever asks, so they are left to the one role that sends each parameter
# everything). With a list, ``get`` reads the last value and ``getlist`` both.
ROLE_VALUES: list[str | list[str]] = ["-5.6e128", ["9999-12-31", LONG]]
# Values for path arguments (percent-encoded into the path), and raw invalid UTF-8.
PATH_VALUES = ["a\x00b", "A" * 100_000, "99999999999999999999999", "-1", "1.5", "9999-12-31", "'\"<>", "𠮷"]
RAW_PATH_VALUES = ["%FF%FE"]
# A query string that is not valid UTF-8 (a lone surrogate among it), and one not even well-formed.
RAW_QUERY_STRINGS = ["{name}=%FF%FE%ED%A0%80", "=&&={name}[]=1&{name}[x]=2&{name}"]

# Links never followed: they end the session or switch the language (both are seeds, opened by the
# anonymous client), or lead out of the application (the admin, files). PDFs are expensive to render
# and get path arguments only.
SKIP = ("/logout/", "/admin/", "/static/", "/media/", "/i18n/setlang/")
# Fields left as the page gives them (Django's CSRF check is off in the test client anyway).
NOT_ATTACKED = ("csrfmiddlewaretoken",)
# Forms only the anonymous client may send: as anyone else they would end the client's session.
ANONYMOUS_ONLY = ("/logout/",)
EXPENSIVE = (".pdf",)
MAX_PAGES_PER_ROLE = 120
MAX_EXAMPLES_PER_PATTERN = 2


# -------------------------------------------------------------------------------------------------
# Recording which query parameters a view reads


_read: set[str] | None = None


class RecordingQueryDict(QueryDict):
    """A query dict that notes every name asked for while :data:`_read` is a set."""

    def _note(self, key):
        if _read is not None and isinstance(key, str):
            _read.add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)


class RecordingMiddleware:
    """Put first in MIDDLEWARE by the walk: ``request.GET`` records what the view reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = RecordingQueryDict(request.META.get("QUERY_STRING", ""), encoding=request.encoding)
        return self.get_response(request)


# -------------------------------------------------------------------------------------------------
# Reading pages


@dataclasses.dataclass
class Form:
    action: str  # path (and query) the form posts or gets to
    method: str
    fields: dict[str, list[str]]  # name -> the values the page gives it (first: the default)
    files: list[str]
    role: str

    def key(self) -> tuple:
        return (pattern_of(self.action), self.method, tuple(sorted(self.fields)), tuple(sorted(self.files)))


class _PageParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for attr in ("hx-get", "hx-post"):
            if a.get(attr):
                self.links.append(a[attr])
        if tag == "form":
            self._form = {"action": a.get("action") or self.page_url, "method": (a.get("method") or "get").lower(),
                          "fields": {}, "files": []}
            self.forms.append(self._form)
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "file":
                form["files"].append(name)
            elif kind in ("submit", "button", "image", "reset"):
                form["fields"].setdefault(name, []).append(a.get("value", ""))
            elif kind in ("checkbox", "radio"):
                form["fields"].setdefault(name, []).append(a.get("value", "on"))
            else:
                form["fields"].setdefault(name, []).insert(0, a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            form["fields"].setdefault(name, [])
        elif tag == "option" and self._select:
            value = a.get("value")
            if value is not None:
                values = form["fields"][self._select]
                if "selected" in a:
                    values.insert(0, value)
                else:
                    values.append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"].setdefault(name, [""])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea][0] += data


def _same_site(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    if not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _json_links(data) -> Iterator[str]:
    if isinstance(data, str):
        if data.startswith(("http://testserver/", "/")):
            yield data
    elif isinstance(data, list):
        for item in data:
            yield from _json_links(item)
    elif isinstance(data, dict):
        for item in data.values():
            yield from _json_links(item)


# -------------------------------------------------------------------------------------------------
# URL patterns


def all_patterns() -> list[str]:
    """Every route of the site but the admin's and the static files'."""

    def join(prefix: str, route: str) -> str:  # as Django joins ResolverMatch.route
        return prefix + route.removeprefix("^") if prefix else route

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, join(prefix, str(p.pattern)))
            elif isinstance(p, URLPattern):
                yield join(prefix, str(p.pattern))

    routes = [r for r in walk(get_resolver().url_patterns) if not r.startswith(("admin/", "media/"))]
    return sorted(set(routes))


def pattern_of(path: str) -> str | None:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.route


# -------------------------------------------------------------------------------------------------
# The walk


@dataclasses.dataclass
class Example:
    role: str
    url: str  # path + query
    status: int


@dataclasses.dataclass
class Failure:
    role: str
    method: str
    url: str
    detail: str

    def __str__(self) -> str:
        url = self.url if len(self.url) < 200 else self.url[:200] + "…"
        return f"{self.role:10} {self.method:4} {url}\n    {self.detail}"


def _short(value) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:60] + "…"


class Walk:
    """One walk over the site; ``clients`` maps role → logged-in test client."""

    def __init__(self, clients: dict[str, Client], seeds: dict[str, str] | None = None):
        self.clients = clients
        self.seeds = dict(seeds or {})  # address -> the role that opens it
        self.examples: dict[str, list[Example]] = {}
        self.forms: dict[tuple, Form] = {}
        self.failures: list[Failure] = []
        self.requests = 0

    # -- sending ---------------------------------------------------------------------------------

    def send(self, role: str, method: str, path: str, *, data=None, query_string: str | None = None,
             files=None, label: str = ""):
        """One request inside a savepoint that is rolled back; a 500 or an exception is a failure."""
        client = self.clients[role]
        self.requests += 1
        extra = {} if query_string is None else {"QUERY_STRING": query_string}
        sid = transaction.savepoint()
        try:
            if method == "get":
                response = client.get(path, data=data, **extra)
            else:
                payload = dict(data or {})
                payload.update(files or {})
                response = client.post(path, data=payload, **extra)
        except Exception as exc:  # noqa: BLE001 - every exception is what the walk looks for
            transaction.savepoint_rollback(sid)
            frames = traceback.extract_tb(exc.__traceback__)
            ours = [f for f in frames if "/louwei/" in f.filename and "/testing/" not in f.filename]
            where = f"{ours[-1].filename.split('/louwei/')[-1]}:{ours[-1].lineno}" if ours else "?"
            self.failures.append(Failure(role, method, self._describe(path, data, query_string),
                                         f"{type(exc).__name__}: {str(exc)[:200]} at {where} {label}"))
            return None
        transaction.savepoint_rollback(sid)
        if response.status_code >= 500:
            self.failures.append(Failure(role, method, self._describe(path, data, query_string),
                                         f"status {response.status_code} {label}"))
        return response

    @staticmethod
    def _describe(path, data, query_string) -> str:
        if query_string is not None:
            return f"{path} ?{query_string[:120]}"
        if data:
            return f"{path} {{{', '.join(f'{k}={_short(v)}' for k, v in data.items())}}}"
        return path

    # -- discovery -------------------------------------------------------------------------------

    def discover(self, depth: int = 3) -> None:
        """Every role follows links from its landing page; then each seed is opened by its role."""
        for role in self.clients:
            self._crawl(role, ["/"], depth)
        for url, role in self.seeds.items():
            self._crawl(role, [url], 0, force=True)

    def _crawl(self, role: str, start: list[str], depth: int, force: bool = False) -> None:
        seen: set[str] = set()
        fetched = 0
        frontier = [url for url in start]
        for _level in range(depth + 1):
            next_frontier: list[str] = []
            for url in frontier:
                if url in seen or fetched >= MAX_PAGES_PER_ROLE:
                    continue
                seen.add(url)
                pattern = pattern_of(url)
                known = [e for e in self.examples.get(pattern, ()) if e.role == role]
                if len(known) >= MAX_EXAMPLES_PER_PATTERN and not force:
                    continue  # another case, notice or enterprise page of a kind this role has seen
                if (url.startswith(SKIP) and not force) or urlsplit(url).path.endswith(EXPENSIVE):
                    self._note(role, url, 0, force)
                    continue
                response = self.send(role, "get", url)
                fetched += 1
                if response is None:
                    continue
                self._note(role, url, response.status_code, force)
                if response.status_code in (301, 302) and response.get("Location"):
                    target = _same_site(response["Location"])
                    if target:
                        next_frontier.append(target)
                    continue
                if response.status_code != 200:
                    continue
                next_frontier.extend(self._read_page(role, url, response))
            frontier = next_frontier

    def _note(self, role: str, url: str, status: int, force: bool = False) -> None:
        pattern = pattern_of(url)
        if pattern is None:
            return
        examples = self.examples.setdefault(pattern, [])
        if any(e.url == url and e.role == role for e in examples):
            return
        if force or sum(1 for e in examples if e.role == role) < MAX_EXAMPLES_PER_PATTERN:
            examples.append(Example(role, url, status))

    def _read_page(self, role: str, url: str, response) -> list[str]:
        content_type = response.get("Content-Type", "")
        links: list[str] = []
        if "json" in content_type:
            try:
                data = json.loads(response.content)
            except ValueError:
                return []
            links = list(_json_links(data))
        elif "html" in content_type:
            parser = _PageParser(url)
            parser.feed(response.content.decode("utf-8", "replace"))
            links = parser.links
            for raw in parser.forms:
                action = _same_site(raw["action"]) or url
                if raw["action"].startswith("?"):
                    action = urlsplit(url).path + raw["action"]
                form = Form(action, raw["method"], raw["fields"], raw["files"], role)
                self.forms.setdefault(form.key(), form)
        found = []
        for link in links:
            target = _same_site(link)
            if target and not target.startswith(SKIP):
                found.append(target)
        return found

    def uncovered_patterns(self) -> list[str]:
        covered = set(self.examples)
        covered.update(pattern_of(form.action) for form in self.forms.values())
        return [p for p in all_patterns() if p not in covered]

    # -- attacks ---------------------------------------------------------------------------------

    def best_examples(self) -> Iterator[Example]:
        """One example per pattern: a 200 if any role got one, else what there is."""
        for pattern in sorted(self.examples):
            yield self._best(pattern)

    def _best(self, pattern: str) -> Example:
        examples = self.examples[pattern]
        answered = [e for e in examples if e.status == 200]
        return (answered or examples)[0]

    def best_example_of(self, example: Example) -> Example:
        return self._best(pattern_of(example.url))

    @staticmethod
    def query_names(example: Example) -> set[str]:
        return set(QueryDict(example.url.partition("?")[2]).keys())

    def parameters_read(self, example: Example) -> set[str]:
        global _read
        _read = set()
        try:
            self.send(example.role, "get", example.url)
            return set(_read)
        finally:
            _read = None

    def parameters_of(self, example: Example) -> set[str]:
        """The query parameters of ``example``'s page: those its view reads, those in its address, and the
        fields of the GET forms (filters, searches) that lead to it."""
        cache = self.__dict__.setdefault("_parameters", {})
        if example.url not in cache:
            pattern = pattern_of(example.url)
            names = self.parameters_read(example) | self.query_names(example)
            for form in self.forms.values():
                if form.method == "get" and pattern_of(form.action) == pattern:
                    names.update(form.fields)
            cache[example.url] = {n for n in names if n and not n.startswith(NOT_ATTACKED)}
        return cache[example.url]

    def unique_forms(self) -> list[Form]:
        """The forms that post somewhere (a GET form's fields are its target's query parameters)."""
        return [form for _key, form in sorted(self.forms.items(), key=lambda item: str(item[0]))
                if form.method == "post"]

    def attack_query(self, example: Example, names: Iterable[str]) -> None:
        path, _sep, query = example.url.partition("?")
        base = QueryDict(query, mutable=True)
        names = sorted(set(names))
        for name in names:
            for value in QUERY_VALUES:
                data = base.copy()
                data.setlist(name, value if isinstance(value, list) else [value])
                self.send(example.role, "get", path, query_string=data.urlencode(), label=f"[{name}]")
            for raw in RAW_QUERY_STRINGS:
                self.send(example.role, "get", path, query_string=raw.format(name=quote(name)), label=f"[{name}]")

    def role_examples(self, role: str) -> Iterator[Example]:
        """One page of each pattern that ``role`` reached (answered 200)."""
        for _pattern, examples in sorted(self.examples.items()):
            for example in examples:
                if example.role == role and example.status == 200:
                    yield example
                    break

    def attack_as(self, example: Example, names: Iterable[str]) -> None:
        """``example``'s page as its role, with all ``names`` hostile at once, value by value."""
        path = example.url.partition("?")[0]
        names = sorted(set(names)) or ["q"]
        for value in ROLE_VALUES:
            values = value if isinstance(value, list) else [value]
            self.send(example.role, "get", path, query_string=urlencode([(n, v) for n in names for v in values]))

    def attack_path(self, example: Example) -> None:
        path = example.url.partition("?")[0]
        match = resolve(path)
        arguments = {k: str(v) for k, v in match.kwargs.items()}
        for name, value in arguments.items():
            if not value or path.count(f"/{value}") == 0:
                continue
            head, _sep, tail = path.partition(f"/{value}")
            for hostile in PATH_VALUES:
                self.send(example.role, "get", f"{head}/{quote(hostile, safe='')}{tail}", label=f"<{name}>")
            for raw in RAW_PATH_VALUES:
                self.send(example.role, "get", f"{head}/{raw}{tail}", label=f"<{name}>")

    def attack_form(self, form: Form) -> None:
        defaults = {name: (values[0] if values else "") for name, values in form.fields.items()}
        method = "post" if form.method == "post" else "get"
        role = ANONYMOUS if form.action.startswith(ANONYMOUS_ONLY) else form.role
        form = dataclasses.replace(form, role=role)
        path, _sep, query = form.action.partition("?")
        target = form.action if method == "post" else path
        attacked = sorted(name for name in form.fields if not name.startswith(NOT_ATTACKED))
        for value in FORM_VALUES:
            data = dict(defaults)
            data.update({name: value for name in attacked})
            self.send(form.role, method, target, data=data, label="every field")
        for name in attacked:
            for value in PASSING_VALUES:
                data = dict(defaults)
                data[name] = value
                self.send(form.role, method, target, data=data, label=f"field {name}")
        for name in form.files:
            for upload in _bad_files():
                self.send(form.role, method, target, data=defaults, files={name: upload}, label=f"file {name}")


def _bad_files() -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile("empty.xlsx", b"", content_type="application/vnd.ms-excel"),
        SimpleUploadedFile("garbage.jpg", b"\x00\xff" * 512, content_type="image/jpeg"),
        SimpleUploadedFile("zip.xlsx", b"PK\x03\x04" + b"\x00" * 100, content_type="application/zip"),
        SimpleUploadedFile("\x00name\x01.pdf", b"%PDF-1.4\n%%EOF", content_type="application/pdf"),
    ]


def report(failures: list[Failure], limit: int = 60) -> str:
    lines = [str(f) for f in failures[:limit]]
    if len(failures) > limit:
        lines.append(f"… and {len(failures) - limit} more")
    return "\n".join(lines)

