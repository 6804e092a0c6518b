"""Fixtures for the Open311 tests: two districts with a building each, client keys, a parser for both formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from louwei.access import SYSTEM
from louwei.open311 import keys
from louwei.testing.factories import (
    BuildingFactory,
    FloorFactory,
    FloorLeaderFactory,
    PartyCommitteeFactory,
    enterprise_on,
)

BASE = "/open311/v2"


class Site:
    """District D-EAST: building XCFZ-B (floors 1–3, a leader on floor 2, an enterprise on each floor);
    district D-WEST: building QTDS (floors 1–2)."""

    def __init__(self):
        self.east = PartyCommitteeFactory(code="D-EAST", name="东区两新组织党委")
        self.west = PartyCommitteeFactory(code="D-WEST", name="西区两新组织党委")
        self.a = BuildingFactory(code="XCFZ-B", name="新城发展大厦B座", party_committee=self.east)
        self.b = BuildingFactory(code="QTDS", name="齐泰大厦", party_committee=self.west)
        self.a_floors = {n: FloorFactory(building=self.a, number=n) for n in (1, 2, 3)}
        self.b_floors = {n: FloorFactory(building=self.b, number=n) for n in (1, 2)}
        self.a_enterprises = {n: enterprise_on(f) for n, f in self.a_floors.items()}
        self.leader = FloorLeaderFactory(floor=self.a_floors[2], enterprise=self.a_enterprises[2])


@pytest.fixture
def client():
    """Requests in English (the error texts the tests read); tests of the Chinese names ask for zh-hans."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def site(db):
    return Site()


@pytest.fixture
def secrets(site):
    """Live keys: one for every district, one limited to each district; and a revoked one."""
    everywhere = keys.issue_key(actor=SYSTEM, name="City platform").secret
    east = keys.issue_key(actor=SYSTEM, name="East hotline", party_committee=site.east).secret
    west = keys.issue_key(actor=SYSTEM, name="West hotline", party_committee=site.west).secret
    revoked = keys.issue_key(actor=SYSTEM, name="Old app")
    keys.revoke_key(actor=SYSTEM, key=revoked.key)
    return {"everywhere": everywhere, "east": east, "west": west, "revoked": revoked.secret}


def parse(response):
    """The body as Python data: JSON as is; XML as (root tag, element) after checking the declaration."""
    if response["Content-Type"].startswith("text/xml"):
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        body = response.content
        assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        return ET.fromstring(body)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def xml_items(root, item_tag):
    """The children of an XML list as dicts of their leaf texts (None for empty elements)."""
    return [{child.tag: child.text for child in item} for item in root.findall(item_tag)]


def xml_errors(response):
    root = parse(response)
    assert root.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]


def json_errors(response):
    return [(e["code"], e["description"]) for e in parse(response)]
