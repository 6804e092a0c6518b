"""No input gives a 500 (2 of 2): every demo role (and anonymous) gets hostile parameters on each of its
own pages, and every form of the site gets hostile values in each field and malformed files
(``louwei.testing.hostile``). CI runs this on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from louwei.testing import hostile

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [hostile.ANONYMOUS, *hostile.ROLES])
def test_every_role_gets_hostile_parameters_on_its_own_pages(walk, role):
    pages = 0
    for example in walk.role_examples(role):
        walk.attack_as(example, walk.parameters_of(walk.best_example_of(example)) | walk.query_names(example))
        pages += 1
    assert pages, f"{role} reached no page"
    assert not walk.failures, hostile.report(walk.failures)


def test_hostile_form_fields_and_files(walk):
    forms = walk.unique_forms()
    assert len(forms) > 20
    for form in forms:
        walk.attack_form(form)
    print(f"{len(forms)} forms, {walk.requests} requests so far")
    assert not walk.failures, hostile.report(walk.failures)
