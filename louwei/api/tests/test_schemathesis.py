"""The API against its own OpenAPI description (Schemathesis): for every operation, as every demo role
with its own token and as nobody, generated requests (valid and invalid) never give a server error,
and every answer matches what the description says of it (status, content type, body).

The requests go to the application in-process (Django's test handler behind a WSGI adapter), inside
the test's transaction: each one runs in a savepoint that is rolled back, so a step that succeeds
changes nothing for the next. The number of examples is bounded (``EXAMPLES``) to keep ``make test``
short; ``LOUWEI_SCHEMATHESIS_EXAMPLES`` raises it for a longer run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.db import transaction
from django.test.client import ClientHandler
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from louwei.accounts.models import User
from louwei.api.services import create_token
from louwei.testing import hostile

EXAMPLES = int(os.environ.get("LOUWEI_SCHEMATHESIS_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _wsgi(environ, start_response):
    """Django's test handler as a WSGI application: the test's database connection stays open. The
    client's address is set as a WSGI server sets it (Werkzeug's test environ has none)."""
    environ.setdefault("REMOTE_ADDR", "127.0.0.1")
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    headers = [(k, v) for k, v in response.items()]
    headers += [("Set-Cookie", morsel.OutputString()) for morsel in response.cookies.values()]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return response.streaming_content if response.streaming else [response.content]


@pytest.fixture(scope="module")
def api(demo_loaded, django_db_blocker):
    """The demo building (loaded once for the module, ``louwei.testing.demo``), a token for every demo
    role, and the API's description loaded from itself. All of it is rolled back at the module's end."""
    with django_db_blocker.unblock():
        tokens = {hostile.ANONYMOUS: None}
        for username in hostile.ROLES:
            user = User.objects.get(username=username)
            tokens[username] = create_token(actor=user, user=user, name="schemathesis").secret
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _wsgi)
        operations = [result.ok() for result in schema.get_all_operations()]
    return {"tokens": tokens, "operations": operations}


def _run(operation, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case):
        savepoint = transaction.savepoint()
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        finally:
            transaction.savepoint_rollback(savepoint)

    check()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [hostile.ANONYMOUS, *hostile.ROLES])
def test_every_operation_as_every_role_keeps_to_the_description(api, role, django_db_blocker):
    assert len(api["operations"]) > 20
    failures = []
    with django_db_blocker.unblock():
        for operation in api["operations"]:
            try:
                _run(operation, api["tokens"][role])
            except Exception as failure:  # noqa: BLE001 - collected, reported together below
                failures.append(f"{operation.label}: {str(failure)[:800]}")
    assert not failures, "\n\n".join(failures)
