"""The roster's long work, as background jobs (``louwei.jobs``): the export, the check of an
uploaded file (the dry run) and the import itself.

A face of the registry, like its views: it runs ``roster`` for the person who asked, in the
worker. The uploaded file is the job's private input. The check keeps it, so that the person can
confirm. The confirmation hands it to the import job (``upload_from``). The import deletes it
once the rows are written, so one upload is imported once. The report is kept as the job's data.
The rejected rows, if any, are the job's file.
"""

from __future__ import annotations

from dataclasses import asdict

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from louwei.access import Action
from louwei.jobs import kinds, running

from . import roster

EXPORT = "roster.export"
CHECK = "roster.check"
IMPORT = "roster.import"
REPORT_FIELDS = (
    "building_code", "filename", "dry_run", "skip_invalid", "written", "rows", "created", "updated", "unchanged",
    "rejected", "units_created", "ignored_columns",
)


def report_data(report: roster.ImportReport) -> dict:
    """What the preview and result pages show of a report (the rejected rows are the job's file)."""
    data = {name: getattr(report, name) for name in REPORT_FIELDS}
    data["errors"] = [asdict(error) for error in report.errors]
    return data


def report_from(data: dict) -> roster.ImportReport:
    values = {name: data[name] for name in REPORT_FIELDS if name in data}
    errors = [roster.RowError(**error) for error in data.get("errors", [])]
    return roster.ImportReport(**values, errors=errors)


def _export(job, progress) -> kinds.Output:
    building = job.target
    progress.stage(_("Writing the roster"))
    data = roster.export_roster(actor=job.owner, building=building, via="web")
    return kinds.Output(data, roster.export_filename(building), roster.XLSX_CONTENT_TYPE)


def _run_import(job, progress, *, dry_run: bool) -> kinds.Output:
    building = job.target
    progress.stage(_("Reading the file"))
    if not job.input:
        raise ValidationError(_("The uploaded file has expired or was already used; upload it again."))
    try:
        with job.input.open("rb") as handle:
            source = handle.read()
    except OSError:
        raise ValidationError(_("The uploaded file has expired or was already used; upload it again.")) from None
    stage = _("Checking the rows") if dry_run else _("Importing the rows")
    started = []

    def rows_done(done: int, total: int) -> None:
        if not started:
            started.append(True)
            progress.stage(stage, total)
        progress(done, total)

    try:
        report = roster.import_roster(
            actor=job.owner, building=building, source=source, dry_run=dry_run,
            skip_invalid=bool(job.params.get("skip_invalid")), filename=job.input_name, via="web", progress=rows_done,
        )
    except ValidationError:
        running.drop_input(job)  # the file itself cannot be used: nothing to confirm later
        raise
    if report.written:
        running.drop_input(job)  # imported: the same upload cannot be imported twice
    rejected = report.rejected_workbook()
    if rejected:
        return kinds.Output(rejected, f"{building.code}-roster-rejected.xlsx", roster.XLSX_CONTENT_TYPE,
                            data=report_data(report))
    return kinds.Output(data=report_data(report))


def _enterprises(job) -> str:
    return reverse("buildings:enterprise_list", args=[job.target.code])


def _import_page(job) -> str:
    return reverse("buildings:roster_import", args=[job.target.code])


def _report_page(job) -> str:
    return reverse("buildings:roster_report", args=[job.target.code, job.pk])


kinds.register(
    EXPORT, label=gettext_lazy("Roster export"), action=Action.ROSTER_EXPORT, run=_export,
    title=lambda building, params: _("Roster of %(building)s (.xlsx)") % {"building": building.name},
    back_url=_enterprises,
)
for name, label, dry_run, title in (
    (CHECK, gettext_lazy("Roster check"), True, gettext_lazy("Check of %(file)s for %(building)s")),
    (IMPORT, gettext_lazy("Roster import"), False, gettext_lazy("Import of %(file)s into %(building)s")),
):
    kinds.register(
        name, label=label, action=Action.ROSTER_IMPORT,
        run=lambda job, progress, dry_run=dry_run: _run_import(job, progress, dry_run=dry_run),
        title=lambda building, params, title=title: title % {"file": params.get("file", ""), "building": building.name},
        back_url=_import_page, result_url=_report_page,
    )
