"""``manage.py backup`` and ``manage.py restore``: the database and MEDIA_ROOT in one archive, and back
into an EMPTY database, on SQLite and on PostgreSQL.

The restore goes into a second database made for the test (a file on SQLite; on PostgreSQL a
database with a random name, so parallel workers never meet, dropped at the end), never into the
test database itself. The pages are then served from it by putting its connection in the place of
``default`` for the duration of the checks.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import os
import secrets
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import translation
from django_tasks_db.models import DBTaskResult
from PIL import Image

from louwei.access import SYSTEM
from louwei.accounts.models import User
from louwei.api.services import create_token
from louwei.buildings.models import Floor
from louwei.cases import services as case_services
from louwei.committee.models import FloorLeader
from louwei.core import backup
from louwei.core.tasks import prune_task_results
from louwei.notices import services as notice_services
from louwei.notices.models import Notice
from louwei.testing.factories import UserFactory, category

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads what is committed

TARGET = "restore_target"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def empty_database(tmp_path):
    """A second database, with no table at all, beside the test database: a file on SQLite, on
    PostgreSQL a database of its own with a random name (dropped at the end)."""
    default = connections["default"]
    settings_dict = copy.deepcopy(default.settings_dict)
    if default.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "restored.sqlite3")
    else:
        settings_dict["NAME"] = f"{default.settings_dict['NAME']}_restore_{secrets.token_hex(4)}"[-63:]
        with default.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{settings_dict["NAME"]}"')
    connections.settings[TARGET] = settings_dict
    # Connected here: Django's test case refuses to open a connection to an alias it was not told
    # of when the test began.
    connections[TARGET].connect()
    yield TARGET
    connections[TARGET].close()
    del connections[TARGET]
    del connections.settings[TARGET]
    if default.vendor == "postgresql":
        with default.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}" WITH (FORCE)')


@contextlib.contextmanager
def serving_from(alias: str):
    """Serve pages and run queries from database ``alias`` as if it were ``default``."""
    original = connections["default"]
    connections["default"] = connections[alias]
    try:
        yield
    finally:
        connections["default"] = original


def rows(alias: str) -> dict[str, int]:
    """Rows per table, counted here independently of the backup module."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def ready_tasks() -> set[str]:
    return {str(pk) for pk in DBTaskResult.objects.ready().values_list("id", flat=True)}


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def png(name="photo.png", colour=(30, 120, 200)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def make_backup(tmp_path, *args) -> Path:
    out = io.StringIO()
    call_command("backup", "--out", str(tmp_path / "backups") + os.sep, *args, stdout=out, stderr=io.StringIO())
    return Path(out.getvalue().strip())


def restore(archive, *args, alias=TARGET) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), "--database", alias, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def restored_media(settings, tmp_path):
    """Where the restore puts the files: a MEDIA_ROOT of its own, as on a new machine."""

    def switch():
        settings.MEDIA_ROOT = tmp_path / "restored-media"
        return settings.MEDIA_ROOT

    return switch


def test_a_backup_of_the_demo_restored_into_an_empty_database_works_as_before(
    tmp_path, empty_database, restored_media
):
    call_command("load_demo", stdout=io.StringIO())
    secretary = User.objects.get(username="secretary")
    contact = User.objects.get(username="contact")
    employee = User.objects.get(username="employee")
    policy = Notice.objects.get(title="高新技术企业认定补贴政策")
    attachment = notice_services.add_attachment(  # a district policy: its district's staff write it
        actor=User.objects.get(username="district"), notice=policy, upload=SimpleUploadedFile("实施细则.pdf", b"%PDF-1.4\n% louwei\n")
    )
    case = case_services.raise_case(
        actor=employee, floor=Floor.objects.get(code="XCFZ-B-05"), category=category("repairs"),
        description="五楼走廊灯不亮", channel="app", photos=[png()],
    ).case
    session = Client()
    session.force_login(contact)
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
    token = create_token(actor=SYSTEM, user=secretary, name="backup").secret
    cache.set("backup-test", "kept in the cache table", 3600)
    prune_task_results.enqueue()
    waiting = ready_tasks()
    before_rows = rows("default")
    before_files = files_under(Path(settings.MEDIA_ROOT))
    uploads = [attachment.file.name, *(photo.image.name for photo in case.photos.all())]
    uploads += [leader.photo.name for leader in FloorLeader.objects.exclude(photo="")]
    assert len(uploads) >= 22 and set(uploads) <= set(before_files)  # 20 leaders' photos, an attachment, a photo

    archive = make_backup(tmp_path)

    assert archive.name.startswith("louwei-backup-") and archive.name.endswith(".tar.gz")
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["format"] == "louwei-backup" and manifest["format_version"] == 1
    assert manifest["database"]["vendor"] == connections["default"].vendor
    assert manifest["tables"] == {table: count for table, count in before_rows.items() if table in manifest["tables"]}
    assert set(before_rows) - set(manifest["tables"]) <= {"sqlite_sequence"}
    applied = MigrationRecorder(connections["default"]).applied_migrations()
    assert {(app, name) for app, names in manifest["migrations"].items() for name in names} == set(applied)
    listed = {f["path"]: f for f in manifest["files"]}
    assert {p for p in listed if p.startswith("media/")} == {f"media/{name}" for name in before_files}
    assert all(listed[f"media/{name}"]["size"] == len(data) for name, data in before_files.items())

    media_root = restored_media()
    assert "is sound" in restore(archive, "--check")
    assert connections[TARGET].introspection.table_names() == [] and not media_root.exists()  # --check changed nothing
    output = restore(archive)

    assert "as in the archive" in output
    assert rows(TARGET) == before_rows
    assert files_under(media_root) == before_files
    assert not [p for p in media_root.iterdir() if p.name.startswith(".louwei-restore-")]
    with serving_from(TARGET):
        assert User.objects.count() == before_rows[User._meta.db_table]
        assert ready_tasks() == waiting and waiting  # still there for a worker to run
        assert cache.get("backup-test") == "kept in the cache table"
        returning = Client()
        returning.cookies[settings.SESSION_COOKIE_NAME] = cookie
        home = returning.get("/")
        assert home.status_code == 200
        assert home.wsgi_request.user.pk == contact.pk

        found = returning.get("/policies/", {"q": "补贴"})
        assert found.status_code == 200
        assert found.context["result"].matched_by == "words"  # the full-text index, not the substring fallback
        assert f'href="/notices/{policy.pk}/"' in found.content.decode()

        api = Client().get("/api/v1/buildings/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert api.status_code == 200
        assert [b["code"] for b in api.json()["results"]] == ["XCFZ-B"]
        assert Client().get("/api/v1/buildings/", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


@pytest.fixture
def small_archive(tmp_path):
    """An archive of a small database (one person) and two uploaded files."""
    UserFactory(username="kept")
    media = Path(settings.MEDIA_ROOT)
    (media / "notices" / "x").mkdir(parents=True)
    (media / "notices" / "x" / "通知.pdf").write_bytes(b"%PDF-1.4 one")
    (media / "floor-leaders").mkdir()
    (media / "floor-leaders" / "1.jpg").write_bytes(b"\xff\xd8\xff two")
    return make_backup(tmp_path)


def test_restore_refuses_a_database_or_media_root_that_is_not_empty_unless_forced(
    small_archive, empty_database, restored_media
):
    media_root = restored_media()
    media_root.mkdir()
    (media_root / "old.jpg").write_bytes(b"old")
    with pytest.raises(CommandError, match="MEDIA_ROOT .* holds files"):
        restore(small_archive)
    assert connections[TARGET].introspection.table_names() == []
    assert files_under(media_root) == {"old.jpg": b"old"}
    (media_root / "old.jpg").unlink()

    restore(small_archive)
    User.objects.using(TARGET).create(username="added-after")
    (media_root / "stray.txt").write_text("added after the restore")
    with pytest.raises(CommandError, match="is not empty"):
        restore(small_archive)
    assert User.objects.using(TARGET).filter(username="added-after").exists()
    assert (media_root / "stray.txt").exists()

    restore(small_archive, "--force")
    assert list(User.objects.using(TARGET).values_list("username", flat=True)) == ["kept"]
    assert sorted(files_under(media_root)) == ["floor-leaders/1.jpg", "notices/x/通知.pdf"]


def test_an_archive_from_an_older_migration_state_is_migrated_after_the_restore(
    small_archive, tmp_path, empty_database, restored_media
):
    restored_media()
    restore(small_archive)
    target = connections[TARGET]
    graph = MigrationExecutor(target).loader.graph
    leaf = next(  # a migration nothing depends on, with one before it in its app
        node for node in sorted(graph.leaf_nodes())
        if any(parent[0] == node[0] for parent in graph.node_map[node].parents)
    )
    parent = next(p for p in graph.node_map[leaf].parents if p[0] == leaf[0])
    call_command("migrate", leaf[0], parent[1], database=TARGET, verbosity=0)
    older = tmp_path / "older.tar.gz"
    call_command("backup", "--database", TARGET, "--out", str(older), stdout=io.StringIO(), stderr=io.StringIO())
    with tarfile.open(older) as tar:
        assert leaf[1] not in json.load(tar.extractfile("manifest.json"))["migrations"][leaf[0]]

    output = restore(older, "--force")

    assert "Applied 1 migration the archive did not have yet." in output
    assert leaf in MigrationRecorder(target).applied_migrations()
    assert MigrationExecutor(target).migration_plan(graph.leaf_nodes()) == []
    assert User.objects.using(TARGET).filter(username="kept").exists()


def rewrite(archive: Path, out: Path, *, manifest=None, member=None, data=None, extra=None, rehash=False) -> Path:
    """A copy of ``archive`` with the manifest changed by ``manifest(dict)``, the bytes of
    ``member`` replaced by ``data`` (and its checksum in the manifest too if ``rehash``), or an
    ``extra`` (TarInfo, bytes) member added."""
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as copy_:
        for info in source.getmembers():  # the manifest comes last
            content = source.extractfile(info).read() if info.isfile() else None
            if info.name == "manifest.json" and (manifest or rehash):
                parsed = json.loads(content)
                if manifest:
                    manifest(parsed)
                for entry in parsed["files"]:
                    if rehash and entry["path"] == member:
                        entry.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
                content = json.dumps(parsed).encode()
            elif info.name == member:
                content = data
            if content is not None:
                info.size = len(content)
                copy_.addfile(info, io.BytesIO(content))
            else:
                copy_.addfile(info)
        if extra:
            info, content = extra
            info.size = len(content)
            copy_.addfile(info, io.BytesIO(content))
    return out


def flip_a_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]


def test_restore_refuses_a_bad_archive_before_touching_anything(
    small_archive, tmp_path, empty_database, restored_media
):
    media_root = restored_media()
    here = connections["default"].vendor
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[here]
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    database = backup.DATABASE_FILES[here]
    with tarfile.open(small_archive) as tar:
        dump = tar.extractfile(database).read()
    escape, link = tarfile.TarInfo("media/../../escaped.txt"), tarfile.TarInfo("media/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"

    def set_vendor(manifest):
        manifest["database"]["vendor"] = other

    def add_migration(manifest):
        manifest["migrations"]["core"].append("9999_from_the_future")

    def set_format(manifest):
        manifest["format_version"] = 2

    bad = {
        "wrong checksum for media/floor-leaders/1.jpg": {"member": "media/floor-leaders/1.jpg", "data": b"\xff 2"},
        f"wrong checksum for {database}": {"member": database, "data": flip_a_byte(dump)},
        "not those its manifest lists": {"extra": (tarfile.TarInfo("media/extra.txt"), b"x")},
        "unexpected member media/../../escaped.txt": {"extra": (escape, b"x")},
        "unexpected member media/link": {"extra": (link, b"")},
        f"holds a {names[other]} database and cannot be restored into {names[here]}": {"manifest": set_vendor},
        "newer version of Louwei .* core.9999_from_the_future": {"manifest": add_migration},
        "format version 2": {"manifest": set_format},
    }
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(small_archive.read_bytes()[:-200])
    archives = {message: rewrite(small_archive, tmp_path / f"bad{n}.tar.gz", **change)
                for n, (message, change) in enumerate(bad.items())}
    archives["is not a Louwei backup or is damaged"] = truncated

    for message, archive in archives.items():
        with pytest.raises(CommandError, match=message):
            restore(archive)
        assert connections[TARGET].introspection.table_names() == []
        assert files_under(media_root) == {}
    assert not (tmp_path / "escaped.txt").exists() and not (media_root.parent / "escaped.txt").exists()


def test_a_restore_that_fails_midway_leaves_the_database_and_files_as_they_were(
    small_archive, tmp_path, empty_database, restored_media
):
    """The database file cut short before its checksum was taken (so the checksums pass): SQLite
    finds the damage before it starts; PostgreSQL's pg_restore stops at the last table's rows, after
    psql has run everything before them, and the one transaction rolls back."""
    media_root = restored_media()
    restore(small_archive)
    User.objects.using(TARGET).create(username="added-after")
    vendor = connections["default"].vendor
    database = backup.DATABASE_FILES[vendor]
    with tarfile.open(small_archive) as tar:
        dump = tar.extractfile(database).read()
    # PostgreSQL: the table of contents stays whole, the last table's rows are cut short.
    data = {"sqlite": dump[: len(dump) * 2 // 3], "postgresql": dump[:-100]}[vendor]
    cut = rewrite(small_archive, tmp_path / "cut.tar.gz", member=database, data=data, rehash=True)
    before_rows, before_files = rows(TARGET), files_under(media_root)

    message = {"sqlite": "is damaged", "postgresql": "pg_restore failed .* end of file"}[vendor]
    with pytest.raises(CommandError, match=message):
        restore(cut, "--force")

    assert rows(TARGET) == before_rows
    assert User.objects.using(TARGET).filter(username="added-after").exists()
    assert files_under(media_root) == before_files


def fake_program(folder: Path, name: str, version: str) -> None:
    program = folder / name
    program.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    program.chmod(0o755)


def test_postgresql_client_programs_must_be_there_and_new_enough(small_archive, tmp_path, settings):
    """A missing or old pg_dump, pg_restore or psql stops with what to install; SQLite needs none."""
    folder = tmp_path / "bin"
    folder.mkdir()
    settings.LOUWEI_PG_BINDIR = str(folder)
    if connections["default"].vendor == "sqlite":
        assert make_backup(tmp_path).is_file()
        assert "is sound" in restore(small_archive, "--check", alias="default")
        return
    with pytest.raises(CommandError, match="pg_dump was not found.*LOUWEI_PG_BINDIR"):
        make_backup(tmp_path)
    fake_program(folder, "pg_dump", "9.6.24")
    with pytest.raises(CommandError, match=r"pg_dump 9 is older than the PostgreSQL server \(\d+\)"):
        make_backup(tmp_path)
    with pytest.raises(CommandError, match="pg_restore was not found"):
        restore(small_archive, "--check", alias="default")
    fake_program(folder, "pg_restore", "9.6.24")
    with pytest.raises(CommandError, match=r"pg_restore 9 is older than the pg_dump \d+ that made this archive"):
        restore(small_archive, "--check", alias="default")
    fake_program(folder, "pg_restore", "99.1")
    with pytest.raises(CommandError, match="psql was not found"):
        restore(small_archive, "--check", alias="default")


def test_where_backup_writes_its_archive_and_how_many_it_keeps(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for stamp in ("20240101-030000", "20240102-030000", "20240103-030000", "20240103-030000-2"):
        (folder / f"louwei-backup-{stamp}.tar.gz").write_bytes(b"old")
    (folder / "notes.txt").write_text("not an archive")

    archive = make_backup(tmp_path, "--keep", "2")

    assert archive.parent == folder
    assert sorted(p.name for p in folder.iterdir()) == [
        "louwei-backup-20240103-030000-2.tar.gz", archive.name, "notes.txt"
    ]
    with pytest.raises(CommandError, match="--keep must be 1 or more"):
        make_backup(tmp_path, "--keep", "0")
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    with pytest.raises(CommandError, match="outside MEDIA_ROOT"):
        call_command("backup", "--out", str(media / "b.tar.gz"), **quiet)
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", "--out", str(archive), **quiet)
    with pytest.raises(CommandError, match="must end in .tar.gz"):
        call_command("backup", "--out", str(tmp_path / "b.zip"), **quiet)


def test_a_backup_holds_what_is_committed(tmp_path):
    """Inside a transaction: PostgreSQL's pg_dump sees what is committed; SQLite's copy, made through
    the same connection, would wait for ever for that connection's own lock, so it is refused."""
    UserFactory(username="committed")
    with transaction.atomic():
        UserFactory(username="not-yet-committed")
        if connections["default"].vendor == "sqlite":
            with pytest.raises(CommandError, match="cannot run inside a transaction"):
                make_backup(tmp_path)
            return
        archive = make_backup(tmp_path)
    with tarfile.open(archive) as tar:
        assert json.load(tar.extractfile("manifest.json"))["tables"][User._meta.db_table] == 1
