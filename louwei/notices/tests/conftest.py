import pytest

from louwei.access import SYSTEM
from louwei.accounts.models import RoleKind
from louwei.buildings.models import Industry, PartyOrganisation
from louwei.notices import services
from louwei.testing.factories import (
    BuildingFactory,
    FloorFactory,
    FloorLeaderFactory,
    UserFactory,
    enterprise_on,
    grant,
)


class Park:
    """Two buildings of one district, 3 floors each, with enterprises of mixed industry, size and Party
    organisation, a floor leader on floors 1 and 2 of building A, and people for every role."""

    def __init__(self):
        self.a = BuildingFactory(code="NA")
        self.district = self.a.party_committee
        self.b = BuildingFactory(code="NB", party_committee=self.district)
        self.floors = {
            (b.code, n): FloorFactory(building=b, number=n) for b in (self.a, self.b) for n in (1, 2, 3)
        }
        # building A: floor 1: I/20/own, C/200/none ; floor 2: I/5/joint, M/50/own ; floor 3: C/8/none
        # building B: floor 1: I/300/own ; floor 2: M/15/none ; floor 3: (empty)
        self.e = {
            "a1_it": enterprise_on(self.f("NA", 1), industry=Industry.I, employee_count=20, party_member_count=3,
                                   party_organisation=PartyOrganisation.OWN_BRANCH),
            "a1_mfg": enterprise_on(self.f("NA", 1), industry=Industry.C, employee_count=200, party_member_count=0),
            "a2_it": enterprise_on(self.f("NA", 2), industry=Industry.I, employee_count=5, party_member_count=1,
                                   party_organisation=PartyOrganisation.JOINT_BRANCH),
            "a2_sci": enterprise_on(self.f("NA", 2), industry=Industry.M, employee_count=50, party_member_count=4,
                                    party_organisation=PartyOrganisation.OWN_BRANCH),
            "a3_mfg": enterprise_on(self.f("NA", 3), industry=Industry.C, employee_count=8, party_member_count=0),
            "b1_it": enterprise_on(self.f("NB", 1), industry=Industry.I, employee_count=300, party_member_count=30,
                                   party_organisation=PartyOrganisation.OWN_BRANCH),
            "b2_sci": enterprise_on(self.f("NB", 2), industry=Industry.M, employee_count=15, party_member_count=0),
        }
        self.district_staff = UserFactory(username="district")
        grant(self.district_staff, RoleKind.DISTRICT_STAFF, self.district)
        self.secretary = UserFactory(username="secretary")
        grant(self.secretary, RoleKind.COMMITTEE_SECRETARY, self.a)
        self.secretary_b = UserFactory(username="secretary_b")
        grant(self.secretary_b, RoleKind.COMMITTEE_SECRETARY, self.b)
        self.member = UserFactory(username="member")
        grant(self.member, RoleKind.COMMITTEE_MEMBER, self.a)
        self.leader1 = FloorLeaderFactory(floor=self.f("NA", 1), enterprise=self.e["a1_it"]).user
        self.leader2 = FloorLeaderFactory(floor=self.f("NA", 2), enterprise=self.e["a2_it"]).user
        self.contact = UserFactory(username="contact")
        grant(self.contact, RoleKind.ENTERPRISE_CONTACT, self.e["a2_it"])
        self.employee = UserFactory(username="employee")
        grant(self.employee, RoleKind.EMPLOYEE, self.e["a2_it"])
        self.other_contact = UserFactory(username="other_contact")
        grant(self.other_contact, RoleKind.ENTERPRISE_CONTACT, self.e["a1_it"])
        self.nobody = UserFactory(username="nobody")

    def f(self, code, number):
        return self.floors[(code, number)]

    def names(self, enterprises):
        by_pk = {e.pk: k for k, e in self.e.items()}
        return {by_pk[e.pk] for e in enterprises if e.pk in by_pk}

    def notice(self, scope=None, *, publish=True, actor=SYSTEM, **audience):
        scope = scope or self.a
        notice = services.create_draft(actor=actor, scope=scope, title="消防安全检查通知", body="请**各企业**配合检查。",
                                       audience=audience)
        if publish:
            notice = services.publish(actor=actor, notice=notice)
        return notice


@pytest.fixture
def park(db):
    return Park()


@pytest.fixture
def captured(monkeypatch):
    """What the notices services hand to the notification service (the real one runs too)."""
    from louwei.notifications import services as notifications

    calls = {"notify": [], "groups": []}
    real_notify, real_groups = notifications.notify, notifications.notify_groups

    def notify(**kwargs):
        calls["notify"].append({**kwargs, "recipient_ids": sorted(u.pk for u in kwargs["recipients"])})
        return real_notify(**kwargs)

    def groups(**kwargs):
        calls["groups"].append(kwargs)
        return real_groups(**kwargs)

    monkeypatch.setattr(notifications, "notify", notify)
    monkeypatch.setattr(notifications, "notify_groups", groups)
    return calls
