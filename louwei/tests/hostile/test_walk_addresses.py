"""No input gives a 500 (1 of 2): every address of the site is reached, and every query parameter and
path argument of each is sent each hostile value (``louwei.testing.hostile``), as the role that reached
it. CI runs this on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from louwei.testing import hostile

pytestmark = pytest.mark.django_db


def test_the_walk_reaches_every_address_of_the_site(walk):
    assert walk.uncovered_patterns() == [], "add a seed (louwei/tests/hostile/conftest.py) for these"
    assert not walk.failures_of_discovery, hostile.report(walk.failures_of_discovery)


def test_hostile_query_parameters_and_path_arguments(walk):
    for example in walk.best_examples():
        walk.attack_query(example, walk.parameters_of(example))
        walk.attack_path(example)
    print(f"{walk.requests} requests so far")
    assert not walk.failures, hostile.report(walk.failures)
