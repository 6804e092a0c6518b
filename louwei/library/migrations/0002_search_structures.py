"""The full-text structures of the database in use (not part of the model state).

PostgreSQL: the pg_trgm extension, a GIN index on ``search_vector`` (the tsvector) and trigram GIN
indexes on ``UPPER(title)`` and ``UPPER(content)`` for the substring fallback (Django's ``icontains``
compares ``UPPER(column) LIKE UPPER(%s)``, which these indexes serve).
SQLite: an FTS5 table ``library_policydocument_fts`` (rowid = notice id; columns: the title's tokens
and the other tokens, already segmented by jieba and separated by spaces), ranked by bm25 with the
title weighted 10. The model ``PolicyText`` (unmanaged) reads it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FTS_TABLE = "library_policydocument_fts"

POSTGRES_FORWARDS = [
    "CREATE INDEX IF NOT EXISTS library_search_vector_gin ON library_policydocument USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS library_title_trgm ON library_policydocument USING gin (UPPER(title) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS library_content_trgm ON library_policydocument USING gin (UPPER(content) gin_trgm_ops)",
]
POSTGRES_BACKWARDS = [
    "DROP INDEX IF EXISTS library_search_vector_gin",
    "DROP INDEX IF EXISTS library_title_trgm",
    "DROP INDEX IF EXISTS library_content_trgm",
]
SQLITE_FORWARDS = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')",
    # The `rank` column: bm25 with a title word worth ten of the body's.
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
]
SQLITE_BACKWARDS = [f"DROP TABLE IF EXISTS {FTS_TABLE}"]


class PostgresTrigramExtension(TrigramExtension):
    """pg_trgm on PostgreSQL; nothing elsewhere, in both directions."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("library", "0001_initial"),
    ]

    operations = [
        PostgresTrigramExtension(),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARDS, "sqlite": SQLITE_FORWARDS}),
            _run({"postgresql": POSTGRES_BACKWARDS, "sqlite": SQLITE_BACKWARDS}),
        ),
    ]
