"""The policy library's search index: one row per published policy (a ``notices.Notice`` of kind
policy), kept current by the receivers in ``receivers.py``.

The row holds what the library filters and sorts on, copied from the notice, and the text to search:
``title_tokens`` and ``tokens`` are the words of the title and of the rest (issuer, document number,
body) as cut by ``louwei.core.search.segment``. On PostgreSQL ``search_vector`` holds them as a
``tsvector`` ('simple' configuration, title weighted A) with a GIN index, and ``title`` and
``content`` have trigram indexes (on their UPPER()) for the substring fallback; on SQLite an FTS5
table ``library_policydocument_fts`` (rowid = notice id) holds the same words. Those indexes and the FTS5 table are made by the migration
for the database in use only, so they are not part of the model state.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

FTS_TABLE = "library_policydocument_fts"


class PolicyDocument(models.Model):
    notice = models.OneToOneField(
        "notices.Notice", primary_key=True, on_delete=models.CASCADE, related_name="library_entry",
        verbose_name=_("policy"),
    )
    title = models.CharField(_("title"), max_length=200)
    issuing_body = models.CharField(_("issuing body"), max_length=200, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"))
    party_committee = models.ForeignKey(
        "buildings.PartyCommittee", on_delete=models.CASCADE, related_name="+", verbose_name=_("district")
    )
    building = models.ForeignKey(
        "buildings.Building", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("building"),
    )
    # The body as plain text (Markdown marks removed), for the excerpts under each result.
    body = models.TextField(_("text"), blank=True)
    # Title, issuer, number and body as plain text: the substring fallback searches it.
    content = models.TextField(blank=True)
    title_tokens = models.TextField(blank=True)
    tokens = models.TextField(blank=True)
    search_vector = SearchVectorField(null=True, editable=False)  # PostgreSQL only; NULL on SQLite
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("library entry")
        verbose_name_plural = _("library entries")
        ordering = ["-published_at", "-notice_id"]
        indexes = [
            models.Index(fields=["-published_at"], name="library_published_idx"),
            models.Index(fields=["topic"], name="library_topic_idx"),
            models.Index(fields=["issuing_body"], name="library_issuer_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class PolicyText(models.Model):
    """SQLite only: the FTS5 table seen as an unmanaged model, so a search is one join, ranked by
    FTS5's ``rank`` column (bm25 with the title weighted 10, set by the migration). Written to with
    plain SQL by ``index.py``; never queried on PostgreSQL, where the table does not exist."""

    document = models.OneToOneField(
        PolicyDocument, primary_key=True, db_column="rowid", on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="fts",
    )
    title = models.TextField()
    body = models.TextField()
    match = models.TextField(db_column=FTS_TABLE)  # FTS5's hidden column named after the table: `t.t MATCH ?`
    rank = models.FloatField()  # smaller is better

    class Meta:
        managed = False
        db_table = FTS_TABLE


@PolicyText._meta.get_field("match").register_lookup
class Match(models.Lookup):
    """``match`` on the FTS5 hidden column: ``"t"."t" MATCH %s`` (an FTS5 query string)."""

    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]

