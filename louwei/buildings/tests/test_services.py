"""The registry's services: each action validates, writes, and leaves one audit event per change."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from louwei import access
from louwei.access import SYSTEM, Action
from louwei.buildings import services
from louwei.buildings.models import Enterprise, EnterpriseContact, Occupancy, PartyOrganisation, Unit
from louwei.core.audit import history_of
from louwei.core.models import AuditEvent
from louwei.testing.factories import EnterpriseContactFactory, PropertyCompanyFactory, make_uscc

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def verbs(obj):
    return [event.verb for event in history_of(obj)]


def new_enterprise(secretary, floor=None, **kwargs):
    values = {"name": "新入驻有限公司", "uscc": make_uscc(777), "industry": "J", "employee_count": 40,
              "party_member_count": 5}
    values.update(kwargs)
    # Registered from the secretary's building's page when no floor is given (the service asks access).
    building = None if floor else access.buildings(secretary, Action.ENTERPRISE_CREATE).first()
    return services.create_enterprise(actor=secretary, floor=floor, unit_number="0508" if floor else "",
                                      moved_in_on=TODAY if floor else None, building=building, **values)


class TestCreateEnterprise:
    def test_registers_and_moves_in(self, secretary, floor5):
        enterprise = new_enterprise(secretary, floor5, name="  新入驻　有限公司 ")
        assert enterprise.name == "新入驻 有限公司"
        occupancy = Occupancy.objects.get(enterprise=enterprise)
        assert occupancy.unit.floor == floor5 and occupancy.unit.number == "0508"
        assert occupancy.started_on == TODAY
        assert verbs(enterprise) == ["occupancy.moved_in", "enterprise.created"]
        assert AuditEvent.objects.get(verb="enterprise.created").actor == secretary
        # the new unit is created and audited on the building
        assert verbs(floor5.building) == ["unit.created"]

    def test_refuses_a_code_already_registered(self, secretary, ent5):
        with pytest.raises(ValidationError) as info:
            new_enterprise(secretary, uscc=ent5.uscc.lower())
        assert ent5.name in info.value.message_dict["uscc"][0]
        assert Enterprise.objects.count() == 1

    def test_party_members_cannot_outnumber_employees(self, secretary):
        with pytest.raises(ValidationError) as info:
            new_enterprise(secretary, employee_count=10, party_member_count=11)
        assert "party_member_count" in info.value.message_dict

    def test_unknown_employee_count_allows_party_members(self, secretary):
        enterprise = new_enterprise(secretary, employee_count=0, party_member_count=3)
        assert enterprise.party_member_count == 3

    def test_nothing_is_written_when_the_move_in_fails(self, secretary, floor5):
        with pytest.raises(ValidationError):
            services.create_enterprise(actor=secretary, name="半途有限公司", uscc=make_uscc(778), industry="I",
                                       floor=floor5, unit_number="", moved_in_on=TODAY)
        assert not Enterprise.objects.filter(uscc=make_uscc(778)).exists()
        assert not AuditEvent.objects.exists()


class TestUpdateEnterprise:
    def test_records_what_changed(self, secretary, ent5):
        changed = services.update_enterprise(actor=secretary, enterprise=ent5, employee_count=25,
                                             party_organisation=PartyOrganisation.JOINT_BRANCH, name=ent5.name)
        assert set(changed) == {"employee_count", "party_organisation"}
        event = history_of(ent5).first()
        assert event.verb == "enterprise.updated"
        assert event.details["changes"]["employee_count"] == {"from": 20, "to": 25}

    def test_no_change_writes_nothing(self, secretary, ent5):
        assert services.update_enterprise(actor=secretary, enterprise=ent5, name=f" {ent5.name} ") == {}
        assert not AuditEvent.objects.exists()

    def test_invalid_change_leaves_the_object_as_it_was(self, secretary, ent5):
        with pytest.raises(ValidationError):
            services.update_enterprise(actor=secretary, enterprise=ent5, uscc="91350100M000100Y44")
        assert ent5.uscc == Enterprise.objects.get(pk=ent5.pk).uscc

    def test_simple_history_keeps_the_versions(self, secretary, ent5):
        services.update_enterprise(actor=secretary, enterprise=ent5, employee_count=99)
        assert ent5.history.count() == 2


class TestContacts:
    def test_first_contact_becomes_main(self, secretary, ent2):
        contact = services.add_contact(actor=secretary, enterprise=ent2, name="李四", phone="138 0000 1111")
        assert contact.is_primary
        assert contact.phone == "13800001111"
        assert verbs(ent2)[0] == "contact.added"

    def test_one_main_contact(self, secretary, ent5):
        first = ent5.contacts.get()
        second = services.add_contact(actor=secretary, enterprise=ent5, name="王五", email="w@example.com",
                                      is_primary=True)
        first.refresh_from_db()
        assert second.is_primary and not first.is_primary
        services.update_contact(actor=secretary, contact=first, is_primary=True)
        second.refresh_from_db()
        assert not second.is_primary
        assert EnterpriseContact.objects.filter(enterprise=ent5, is_primary=True).count() == 1

    def test_contact_needs_a_way_to_reach_them(self, secretary, ent2):
        with pytest.raises(ValidationError) as info:
            services.add_contact(actor=secretary, enterprise=ent2, name="无号码")
        assert "phone" in info.value.message_dict

    def test_bad_phone(self, secretary, ent2):
        with pytest.raises(ValidationError) as info:
            services.add_contact(actor=secretary, enterprise=ent2, name="错号", phone="12345")
        assert "phone" in info.value.message_dict

    def test_removing_the_main_contact_promotes_another(self, secretary, ent5):
        main = ent5.contacts.get()
        other = EnterpriseContactFactory(enterprise=ent5, name="赵六")
        services.remove_contact(actor=secretary, contact=main)
        other.refresh_from_db()
        assert other.is_primary
        event = history_of(ent5).first()
        assert event.verb == "contact.removed" and event.details["new_primary"] == "赵六"


class TestMoves:
    def test_move_out_keeps_history(self, secretary, ent5):
        occupancy = ent5.occupancies.get()
        services.move_out(actor=secretary, occupancy=occupancy, ended_on=TODAY)
        occupancy.refresh_from_db()
        assert occupancy.ended_on == TODAY
        assert not Enterprise.objects.in_building(occupancy.unit.floor.building).exists()
        assert Occupancy.objects.filter(enterprise=ent5).count() == 1
        assert verbs(ent5)[0] == "occupancy.moved_out"

    def test_move_out_twice_is_refused(self, secretary, ent5):
        occupancy = ent5.occupancies.get()
        services.move_out(actor=secretary, occupancy=occupancy, ended_on=TODAY)
        with pytest.raises(ValidationError):
            services.move_out(actor=secretary, occupancy=occupancy, ended_on=TODAY)

    def test_move_out_before_move_in_is_refused(self, secretary, ent5):
        occupancy = ent5.occupancies.get()
        with pytest.raises(ValidationError) as info:
            services.move_out(actor=secretary, occupancy=occupancy,
                              ended_on=occupancy.started_on - datetime.timedelta(days=1))
        assert "ended_on" in info.value.message_dict

    def test_move_in_to_an_existing_unit_and_not_twice(self, secretary, ent5, building):
        unit = ent5.occupancies.get().unit
        other = new_enterprise(secretary)
        services.move_in(actor=secretary, enterprise=other, unit=unit, started_on=TODAY)
        assert Occupancy.objects.current().filter(unit=unit).count() == 2  # a shared office
        with pytest.raises(ValidationError):
            services.move_in(actor=secretary, enterprise=other, unit=unit, started_on=TODAY)

    def test_move_in_creates_a_missing_unit(self, secretary, ent5, floor5):
        services.move_in(actor=secretary, enterprise=ent5, floor=floor5, unit_number="ｂ－12", started_on=TODAY)
        assert Unit.objects.filter(floor=floor5, number="B-12").exists()

    def test_move_in_needs_a_date(self, secretary, ent5, floor5):
        with pytest.raises(ValidationError):
            services.move_in(actor=secretary, enterprise=ent5, floor=floor5, unit_number="0599", started_on=None)


class TestBuildingFloorsUnits:
    def test_update_building(self, secretary, building):
        company = PropertyCompanyFactory(name="新物业有限公司")
        changed = services.update_building(actor=secretary, building=building, name="新名字大厦",
                                           property_company=company, is_pilot=True)
        assert set(changed) == {"name", "property_company", "is_pilot"}
        building.refresh_from_db()
        assert building.property_company == company
        event = history_of(building).first()
        assert event.verb == "building.updated"
        assert event.details["changes"]["property_company"]["to"] == company.pk

    def test_create_floor_and_unit(self, secretary, building):
        floor = services.create_floor(actor=secretary, building=building, number=-1)
        assert floor.code == "TB-A-B01"
        with pytest.raises(ValidationError):
            services.create_floor(actor=secretary, building=building, number=-1)
        services.create_unit(actor=secretary, floor=floor, number="b01")
        with pytest.raises(ValidationError):
            services.create_unit(actor=secretary, floor=floor, number="B01")
        assert verbs(building) == ["unit.created", "floor.created"]

    def test_create_units_several_at_once(self, secretary, building, floor5):
        units = services.create_units(actor=secretary, floor=floor5, numbers=["0501", "0502", "0502", "a-12"],
                                      area="88.50")
        assert [u.number for u in units] == ["0501", "0502", "A-12"]
        assert {str(u.area) for u in Unit.objects.filter(floor=floor5)} == {"88.50"}
        assert verbs(building) == ["unit.created"] * 3

    def test_create_units_is_all_or_nothing(self, secretary, building, floor5):
        services.create_unit(actor=secretary, floor=floor5, number="0503")
        with pytest.raises(ValidationError) as info:
            services.create_units(actor=secretary, floor=floor5, numbers=["0501", "0502", "0503"])
        assert "0503" in info.value.message_dict["unit_number"][0]
        assert list(Unit.objects.filter(floor=floor5).values_list("number", flat=True)) == ["0503"]
        with pytest.raises(ValidationError):
            services.create_units(actor=secretary, floor=floor5, numbers=[f"{n:04d}" for n in range(201)])
        with pytest.raises(ValidationError):
            services.create_units(actor=secretary, floor=floor5, numbers=["  "])

    def test_update_unit(self, secretary, building, floor5):
        unit = services.create_unit(actor=secretary, floor=floor5, number="0501")
        services.create_unit(actor=secretary, floor=floor5, number="0502")
        changed = services.update_unit(actor=secretary, unit=unit, number=" ０５１０ ", area="120")
        assert set(changed) == {"number", "area"}
        unit.refresh_from_db()
        assert unit.number == "0510" and str(unit.area) == "120.00"
        event = history_of(building).first()
        assert event.verb == "unit.updated" and event.details["changes"]["number"] == {"from": "0501", "to": "0510"}
        assert services.update_unit(actor=secretary, unit=unit, number="0510") == {}
        with pytest.raises(ValidationError) as info:
            services.update_unit(actor=secretary, unit=unit, number="0502")
        assert "unit_number" in info.value.message_dict
        assert unit.number == "0510"  # left as it was
        with pytest.raises(ValidationError):
            services.update_unit(actor=secretary, unit=unit, area="-1")


class TestRemoveContactEndsTheirRole:
    """A contact with a login speaks for the enterprise through its enterprise_contact role; removing
    the contact ends that role, in the same transaction."""

    def test_the_role_ends_with_the_contact(self, secretary, ent5, contact5):
        from louwei import access
        from louwei.accounts.models import Role, RoleKind

        card = services.add_contact(actor=secretary, enterprise=ent5, name="联系人本人", phone="13900000055",
                                    user=contact5)
        assert access.can(contact5, access.Action.ENTERPRISE_EDIT, ent5)
        services.remove_contact(actor=secretary, contact=card)
        role = Role.objects.get(user=contact5, kind=RoleKind.ENTERPRISE_CONTACT)
        assert role.ended_at is not None
        contact5.refresh_from_db()
        contact5.forget_roles()  # the roles kept on this test's user object
        assert not access.can(contact5, access.Action.ENTERPRISE_EDIT, ent5)
        event = AuditEvent.objects.get(verb="role.end")
        assert event.actor == secretary

    def test_other_roles_stay(self, secretary, ent5, ent2, contact5):
        from louwei.accounts.models import Role, RoleKind
        from louwei.testing.factories import grant

        grant(contact5, RoleKind.ENTERPRISE_CONTACT, ent2)
        grant(contact5, RoleKind.EMPLOYEE, ent5)
        card = services.add_contact(actor=secretary, enterprise=ent5, name="联系人本人", phone="13900000055",
                                    user=contact5)
        services.remove_contact(actor=secretary, contact=card)
        active = set(Role.objects.active().filter(user=contact5).values_list("kind", "enterprise_id"))
        assert active == {(RoleKind.ENTERPRISE_CONTACT, ent2.pk), (RoleKind.EMPLOYEE, ent5.pk)}

    def test_a_contact_without_a_login_ends_nothing(self, secretary, ent5, contact5):
        from louwei.accounts.models import Role

        services.remove_contact(actor=secretary, contact=ent5.contacts.get())
        assert Role.objects.active().filter(user=contact5).count() == 1
        assert not AuditEvent.objects.filter(verb="role.end").exists()

    def test_the_role_stays_while_another_card_is_theirs(self, secretary, ent5, contact5):
        from louwei.accounts.models import Role

        first = services.add_contact(actor=secretary, enterprise=ent5, name="本人", phone="13900000055",
                                     user=contact5)
        services.add_contact(actor=secretary, enterprise=ent5, name="本人(备用)", email="me@example.com",
                             user=contact5)
        services.remove_contact(actor=secretary, contact=first)
        assert Role.objects.active().filter(user=contact5).count() == 1

    def test_from_the_web_page(self, client, secretary, ent5, contact5):
        from django.urls import reverse

        from louwei.accounts.models import Role

        card = services.add_contact(actor=secretary, enterprise=ent5, name="联系人本人", phone="13900000055",
                                    user=contact5)
        client.force_login(secretary)
        assert client.post(reverse("buildings:contact_remove", args=[card.pk])).status_code == 302
        assert not Role.objects.active().filter(user=contact5).exists()
        client.force_login(contact5)
        assert client.get(reverse("buildings:enterprise_edit", args=[ent5.pk])).status_code == 403


class TestConflictsWithConcurrentWrites:
    """A row written by someone else between a service's check and its insert (or one the caller's
    check could not see: ``known_new``) comes back as a translated ValidationError, and the
    caller's transaction stays usable (a savepoint around the insert)."""

    def test_a_code_registered_meanwhile(self, secretary, ent5):
        from django.db import transaction

        with transaction.atomic():
            with pytest.raises(ValidationError) as info:
                services._create_enterprise(
                    actor=secretary, known_new=True,
                    values={"name": "同码有限公司", "uscc": ent5.uscc, "industry": "I"},
                )
            assert ent5.name in info.value.message_dict["uscc"][0]
            assert Enterprise.objects.count() == 1  # the transaction is still usable
        assert not AuditEvent.objects.filter(verb="enterprise.created").exists()

    def test_an_open_occupancy_recorded_meanwhile(self, secretary, ent5):
        from django.db import transaction

        unit = ent5.occupancies.get().unit
        with transaction.atomic():
            with pytest.raises(ValidationError) as info:
                services._move_in(actor=secretary, enterprise=ent5, unit=unit, started_on=TODAY, known_new=True)
            assert "already occupies" in info.value.message_dict["unit_number"][0]
            assert Occupancy.objects.filter(enterprise=ent5).count() == 1
        assert not AuditEvent.objects.filter(verb="occupancy.moved_in").exists()

    def test_a_unit_created_meanwhile(self, secretary, floor5):
        from django.db import transaction

        Unit.objects.create(floor=floor5, number="0577")
        with transaction.atomic():
            with pytest.raises(ValidationError) as info:
                services._create_unit(actor=secretary, floor=floor5, number="0577")
            assert "0577" in info.value.message_dict["unit_number"][0]
        # and the move-in that needed it takes the unit that now exists
        unit, created = services.find_or_create_unit(actor=secretary, floor=floor5, number="0577")
        assert not created and unit.number == "0577"


@pytest.mark.django_db(transaction=True)
def test_a_move_in_announces_itself_after_commit():
    """Features above the registry (notices) learn of a move-in through the occupancy_started signal."""
    from louwei.buildings import services as registry
    from louwei.buildings.signals import occupancy_started
    from louwei.testing.factories import EnterpriseFactory, UnitFactory

    heard = []

    def receiver(sender, occupancy, **kwargs):
        heard.append(occupancy)

    occupancy_started.connect(receiver)
    try:
        enterprise, unit = EnterpriseFactory(), UnitFactory()
        occupancy = registry.move_in(actor=SYSTEM, enterprise=enterprise, unit=unit, started_on=timezone.localdate())
    finally:
        occupancy_started.disconnect(receiver)
    assert heard == [occupancy]
