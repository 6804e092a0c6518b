"""/healthz answers 200 when the database answers and 503 when it does not."""

import pytest
from django.db import connections

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_cannot_be_reached(client, tmp_path):
    """A real failure: the default connection is replaced by one to a database that does not exist
    (an SQLite file in a missing folder, or a PostgreSQL database of that name), so connecting fails
    inside the view exactly as it would when the server is down."""
    original = connections["default"]
    settings_dict = dict(original.settings_dict)
    if original.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "missing-folder" / "louwei.sqlite3")
    else:
        settings_dict["NAME"] = "louwei_healthz_no_such_database"
    broken = original.__class__(settings_dict, alias="default")
    connections["default"] = broken
    try:
        response = client.get("/healthz")
    finally:
        connections["default"] = original
        broken.close()
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "OperationalError"}
    # and the site recovers as soon as the database answers again
    assert client.get("/healthz").status_code == 200


def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
