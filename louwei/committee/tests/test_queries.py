import datetime

import pytest
from django.utils import timezone

from louwei.access import SYSTEM
from louwei.committee import queries, services
from louwei.testing.factories import UserFactory

from .conftest import START, Tower

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("floors", [2, 15])
def test_floors_with_serving_leaders_in_two_queries(django_assert_num_queries, floors):
    tower = Tower(floors=floors)
    services.end_floor_leader(actor=SYSTEM, leader=tower.leaders[1], ended_on=timezone.localdate())
    with django_assert_num_queries(2):
        result = queries.floors_with_leaders(tower.building)
        names = {f.pk: f.leader.user.name for f in result if f.leader}
        companies = [f.leader.enterprise.name for f in result if f.leader]
    assert result[0].leader is None
    assert names[tower.floor(2).pk] == tower.leaders[2].user.name
    assert len(companies) == floors - 1


@pytest.mark.parametrize("floors", [2, 15])
def test_floors_with_leaders_and_history_in_three_queries(django_assert_num_queries, floors):
    tower = Tower(floors=floors)
    for leader in tower.leaders.values():
        services.replace_floor_leader(actor=SYSTEM, leader=leader, user=UserFactory(), method="assigned",
                                      started_on=START + datetime.timedelta(days=100))
    with django_assert_num_queries(3):
        result = queries.floors_with_leaders(tower.building, history=True)
        seen = [(f.label, f.leader.user.name, [h.user.name for h in f.history], str(f)) for f in result]
    assert [f.number for f in result] == list(range(1, floors + 1))
    for label, serving, history, _name in seen:
        assert history[0] == serving and len(history) == 2


def test_floor_history_is_newest_first(tower):
    first = tower.leaders[1]
    second = services.replace_floor_leader(actor=SYSTEM, leader=first, user=UserFactory(), method="assigned",
                                           started_on=datetime.date(2023, 1, 1))
    floor = queries.floors_with_leaders(tower.building, history=True)[0]
    assert floor.leader == second and floor.history == [second, first]


def test_floor_page_data(tower):
    page = queries.floor_page(tower.floor(2).code)
    assert page.floor == tower.floor(2) and page.building == tower.building
    assert page.leader == tower.leaders[2]
    assert [e.name for e in page.enterprises] == [e.name for e in tower.enterprises[2]]
    assert page.committee == tower.committee and page.centre == tower.centre and page.term == tower.term


def test_current_term_picks_the_running_term(tower):
    second = services.create_term(
        actor=SYSTEM, committee=tower.committee, number=2, started_on=datetime.date(2024, 9, 10)
    )
    terms = queries.terms_of(tower.committee)
    assert queries.current_term(terms, on=datetime.date(2023, 1, 1)) == tower.term
    assert queries.current_term(terms, on=datetime.date(2025, 1, 1)) == second
