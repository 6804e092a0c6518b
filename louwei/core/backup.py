"""Backups: the database and every uploaded file (``MEDIA_ROOT``) together in one archive, and back.

**An archive** is one ``louwei-backup-YYYYMMDD-HHMMSS.tar.gz`` (mode 0600: it holds password
hashes and sessions) with:

* ``database/db.sqlite3``: SQLite, copied with the online backup API (``sqlite3.Connection.backup``),
  a consistent snapshot while the web server and the worker keep writing (WAL mode);
* or ``database/db.pgdump``: PostgreSQL, ``pg_dump --format=custom``, taken in the snapshot of a
  repeatable-read transaction that also counts the rows (``pg_export_snapshot``), so the counts
  are exactly those of the dump;
* ``media/…``: every file under ``MEDIA_ROOT``, read after the database snapshot (an upload is
  written before the row that names it, so every file the snapshot names is there);
* ``manifest.json``: the format and its version, when, the database vendor and tool, the applied
  migrations, the rows of every table, and the size and SHA-256 of each file above.

The database goes whole: the cache table, sessions, API tokens (stored hashed), the database task
backend's queue and results, and the policy library's search index (PostgreSQL's ``tsvector``
column with its GIN index, SQLite's FTS5 table with its shadow tables), so search works at once
after a restore on the same vendor, without ``rebuild_policy_index``.

**A restore** unpacks the archive into a private folder inside ``MEDIA_ROOT`` (the same file
system, so moving the files in is a rename), refusing any member that is not a plain file or
folder under ``database/`` or ``media/``; checks every size and checksum, the format version, the
vendor, that the code knows every migration the archive has applied and that the database file can
be read; and only then, if the
database has no table and ``MEDIA_ROOT`` no file (or ``force``), replaces the database (SQLite:
the backup API again, into the configured file; PostgreSQL: ``pg_restore`` piped into one ``psql
--single-transaction``, which with ``force`` first drops what the schema holds, so a failure leaves
the old database as it was), checks the row counts against the manifest, swaps the files in, runs
``migrate`` when the archive is from an older migration state, and ``createcachetable``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path, PurePosixPath

import django
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "louwei-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ARCHIVE_NAME = re.compile(r"^louwei-backup-(\d{8}-\d{6})(?:-(\d+))?\.tar\.gz$")
DATABASE_FILES = {"sqlite": "database/db.sqlite3", "postgresql": "database/db.pgdump"}
# The private folder a restore unpacks into, inside MEDIA_ROOT; never backed up itself.
STAGING_PREFIX = ".louwei-restore-"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclasses.dataclass
class Snapshot:
    """The database copied to a file, with what the manifest says about it."""

    path: Path
    tables: dict[str, int]
    migrations: dict[str, list[str]]
    details: dict


class _Summary:
    """What the commands report of an archive: rows, and the uploaded files."""

    manifest: dict

    @property
    def rows(self) -> int:
        return sum(self.manifest["tables"].values())

    @property
    def media_files(self) -> list[dict]:
        return [f for f in self.manifest["files"] if f["path"].startswith("media/")]

    @property
    def created(self) -> str:
        """When the archive was made, in local time."""
        try:
            made = datetime.datetime.fromisoformat(self.manifest["created_at"])
        except (KeyError, TypeError, ValueError):
            return "?"
        return f"{timezone.localtime(made):%Y-%m-%d %H:%M:%S}"


@dataclasses.dataclass
class BackupResult(_Summary):
    path: Path
    manifest: dict
    pruned: list[Path]


@dataclasses.dataclass
class RestoreResult(_Summary):
    manifest: dict
    migrated: list[str] = dataclasses.field(default_factory=list)
    checked_only: bool = False


# --- Making an archive --------------------------------------------------------------------------


def backup(
    out: str | os.PathLike | None = None, *, using: str = DEFAULT_DB_ALIAS, keep: int | None = None
) -> BackupResult:
    """Write one archive of the database ``using`` and of ``MEDIA_ROOT``; return where and what.

    ``out`` is a file (``….tar.gz``) or a folder for a timestamped name (default
    ``settings.LOUWEI_BACKUP_DIR``). ``keep`` then deletes all but the newest ``keep`` archives
    of that folder.
    """
    connection = connections[using]
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(
            _("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": connection.vendor}
        )
    if keep is not None and keep < 1:
        raise BackupError(_("--keep must be 1 or more."))
    media_root = Path(settings.MEDIA_ROOT).resolve()
    target = _archive_path(out)
    if target.resolve().is_relative_to(media_root):
        raise BackupError(_("Write the archive outside MEDIA_ROOT (%(media)s).") % {"media": media_root})
    if target.exists():
        raise BackupError(_("%(path)s already exists.") % {"path": target})
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(prefix=".louwei-backup-", dir=target.parent) as staging:
        taken_at = timezone.now()
        snapshot = _DUMP[connection.vendor](connection, Path(staging))
        try:
            manifest = _write_archive(partial, snapshot, connection.vendor, media_root, taken_at)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    pruned = prune(target.parent, keep) if keep else []
    return BackupResult(path=target, manifest=manifest, pruned=pruned)


def _archive_path(out) -> Path:
    if out is None:
        folder = Path(settings.LOUWEI_BACKUP_DIR)
    else:
        folder_wanted = str(out).endswith(("/", os.sep))
        out = Path(out)
        if not (out.is_dir() or folder_wanted):
            if not out.name.endswith(".tar.gz"):
                raise BackupError(_("The archive's name must end in .tar.gz: %(path)s") % {"path": out})
            out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            return out
        folder = out
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = f"louwei-backup-{timezone.localtime():%Y%m%d-%H%M%S}"
    path, number = folder / f"{stamp}.tar.gz", 1
    while path.exists():  # a second archive within the same second
        number += 1
        path = folder / f"{stamp}-{number}.tar.gz"
    return path


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives named ``louwei-backup-YYYYMMDD-HHMMSS[-N].tar.gz``."""
    archives = sorted(
        (found.group(1), int(found.group(2) or 1), path)
        for path in Path(folder).iterdir()
        if (found := ARCHIVE_NAME.match(path.name)) and path.is_file()
    )
    old = [path for _stamp, _number, path in archives[:-keep]] if keep else []
    for path in old:
        path.unlink()
    return old


class _HashingReader:
    """Reads a file for ``tarfile`` and hashes exactly the bytes it hands over."""

    def __init__(self, file):
        self.file = file
        self.sha256 = hashlib.sha256()

    def read(self, size=-1):
        data = self.file.read(size)
        self.sha256.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, arcname: str) -> dict | None:
    try:
        file = open(path, "rb")  # noqa: SIM115 (closed below; a vanished file is skipped)
    except FileNotFoundError:
        return None  # deleted since the folder was listed: its row is gone from the snapshot too
    with file:
        info = tar.gettarinfo(arcname=arcname, fileobj=file)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _HashingReader(file)
        tar.addfile(info, reader)
    return {"path": arcname, "size": info.size, "sha256": reader.sha256.hexdigest()}


def _media_files(media_root: Path):
    """Every regular file under MEDIA_ROOT, sorted, without a restore's private folder or symlinks."""
    if not media_root.is_dir():
        return
    for folder, dirs, files in os.walk(media_root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(STAGING_PREFIX))  # links to folders: not followed
        for name in sorted(files):
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                yield path


def _write_archive(partial: Path, snapshot: Snapshot, vendor: str, media_root: Path, taken_at) -> dict:
    files = []
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT, compresslevel=6) as tar:
            files.append(_add_file(tar, snapshot.path, DATABASE_FILES[vendor]))
            for path in _media_files(media_root):
                entry = _add_file(tar, path, "media/" + path.relative_to(media_root).as_posix())
                if entry:
                    files.append(entry)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": taken_at.isoformat(),  # when the database snapshot was taken
                "louwei_version": _version(),
                "django_version": django.get_version(),
                "database": {"vendor": vendor, "file": DATABASE_FILES[vendor], **snapshot.details},
                "migrations": snapshot.migrations,
                "tables": snapshot.tables,
                "files": files,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(timezone.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
        raw.flush()
        os.fsync(raw.fileno())
    return manifest


def _version() -> str:
    try:
        return metadata.version("louwei")
    except metadata.PackageNotFoundError:
        return ""


# --- Tables, rows and migrations, on a DB-API cursor of either vendor ---------------------------

_TABLES_SQL = {
    "sqlite": (
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    ),
    "postgresql": (
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
        "AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    ),
}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_counts(cursor, vendor: str) -> dict[str, int]:
    """The rows of every table of the database (the schema in use on PostgreSQL), by table name."""
    cursor.execute(_TABLES_SQL[vendor])
    counts = {}
    for (name,) in cursor.fetchall():
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(name)}")
        counts[name] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor, tables) -> dict[str, list[str]]:
    """The applied migrations, ``{app: [name, …]}`` in the order they were applied."""
    applied: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            applied.setdefault(app, []).append(name)
    return applied


# --- SQLite -------------------------------------------------------------------------------------


def _dump_sqlite(connection, staging: Path) -> Snapshot:
    if connection.in_atomic_block:  # the copy would wait for ever for this connection's own write lock
        raise BackupError(_("A backup cannot run inside a transaction."))
    path = staging / "db.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        connection.connection.backup(copy)  # one step: a consistent snapshot; writers go on (WAL)
        copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
        cursor = copy.cursor()
        tables = table_counts(cursor, "sqlite")
        migrations = _applied_migrations(cursor, tables)
        version = copy.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        copy.close()
    return Snapshot(path, tables, migrations, {"server_version": version})


def _verify_sqlite(file: Path, manifest: dict) -> str | None:
    """Why the archive's database file cannot be restored (damaged, or other rows than the
    manifest says), or ``None``."""
    try:
        source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return _("its database file is damaged")
            if table_counts(source.cursor(), "sqlite") != manifest["tables"]:
                return _("its database does not hold the rows its manifest lists")
        finally:
            source.close()
    except sqlite3.Error as exc:
        return str(exc)
    return None


def _restore_sqlite(connection, file: Path, manifest: dict, force: bool) -> None:
    source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        connection.ensure_connection()
        # Replaces every page of the configured database in one locked step; connections of a
        # running server see the restored data from their next transaction.
        source.backup(connection.connection)
    except sqlite3.Error as exc:
        raise BackupError(_("SQLite could not restore the database: %(error)s") % {"error": exc}) from exc
    finally:
        source.close()


# --- PostgreSQL ---------------------------------------------------------------------------------


def _pg_tool(name: str) -> tuple[str, int, str]:
    """The path, major version and version text of a PostgreSQL client program."""
    folder = getattr(settings, "LOUWEI_PG_BINDIR", "") or None
    path = shutil.which(name, path=folder)
    if path is None:
        raise BackupError(
            _(
                "%(tool)s was not found. Install the PostgreSQL client programs of the server's version "
                "(on Debian: apt-get install postgresql-client-15), or set LOUWEI_PG_BINDIR to their folder."
            ) % {"tool": name}
        )
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"\)\s+((\d+)[.\w]*)", output)  # "pg_dump (PostgreSQL) 15.20 (Debian …)"
    if not found:
        raise BackupError(
            _("Could not read the version of %(tool)s: %(output)s") % {"tool": path, "output": output.strip()}
        )
    return path, int(found.group(2)), found.group(1)


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """The environment that connects libpq programs to the database: the password in PGPASSWORD,
    never on the command line (where any user of the machine could read it)."""
    from django.db.backends.postgresql.client import DatabaseClient

    _args, extra = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(extra or {})}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


def _check_exit(what: str, code: int, log: str) -> None:
    """Raise with the last lines a client program wrote when it failed."""
    if code != 0:
        tail = "\n".join((log or "").strip().splitlines()[-12:])
        raise BackupError(
            _("%(what)s failed (exit code %(code)s): %(error)s") % {"what": what, "code": code, "error": tail}
        )


def _dump_postgresql(connection, staging: Path) -> Snapshot:
    pg_dump, dump_major, dump_version = _pg_tool("pg_dump")
    path = staging / "db.pgdump"
    # A connection of its own, holding the snapshot that pg_dump reads, so the counts and the
    # migrations in the manifest are exactly the dump's.
    own = connections.create_connection(connection.alias)
    try:
        own.connect()
        server_major = own.pg_version // 10000
        if dump_major < server_major:
            raise BackupError(
                _(
                    "pg_dump %(tool)s is older than the PostgreSQL server (%(server)s) and cannot dump it. "
                    "Install postgresql-client-%(server)s, or set LOUWEI_PG_BINDIR to its folder."
                ) % {"tool": dump_major, "server": server_major}
            )
        with own.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot_id, server_version = cursor.fetchone()
            tables = table_counts(cursor, "postgresql")
            migrations = _applied_migrations(cursor, tables)
            done = subprocess.run(
                [pg_dump, "--format=custom", "--compress=0", f"--snapshot={snapshot_id}", f"--file={path}"],
                env=_pg_env(own.settings_dict), capture_output=True, text=True, check=False,
            )
            _check_exit("pg_dump", done.returncode, done.stderr)
            cursor.execute("ROLLBACK")
    finally:
        own.close()
    details = {"server_version": server_version, "tool": f"pg_dump {dump_version}", "tool_major": dump_major}
    return Snapshot(path, tables, migrations, details)


# Drops what the schema holds (tables with their sequences and indexes, views, routines, types),
# leaving extensions alone; run in the restore's own transaction, so a failed restore drops nothing.
_PG_CLEAR = r"""
DO $louwei$
DECLARE
    obj record;
BEGIN
    FOR obj IN
        SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                              WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind,
               format('%I.%I', n.nspname, c.relname) AS name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
        ORDER BY c.relkind
    LOOP
        EXECUTE format('DROP %s IF EXISTS %s CASCADE', obj.kind, obj.name);
    END LOOP;
    FOR obj IN
        SELECT p.oid::regprocedure::text AS name FROM pg_proc p
        WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', obj.name);
    END LOOP;
    FOR obj IN
        SELECT format('%I.%I', n.nspname, t.typname) AS name
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = current_schema()
          AND (t.typtype IN ('e', 'd', 'r')
               OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                          AND d.objid = t.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('DROP TYPE IF EXISTS %s CASCADE', obj.name);
    END LOOP;
END
$louwei$;
"""


def _restore_postgresql(connection, file: Path, manifest: dict, force: bool) -> None:
    pg_restore, _major, _text = _pg_restore_tool(manifest)
    psql, _psql_major, _psql_text = _pg_tool("psql")
    env = _pg_env(connection.settings_dict)
    prelude = file.with_name("prelude.sql")
    prelude.write_text(_PG_CLEAR if force else "SELECT 1;\n", encoding="utf-8")
    with tempfile.TemporaryFile() as script_log, tempfile.TemporaryFile() as loader_log:
        script = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(file)],
            env=env, stdout=subprocess.PIPE, stderr=script_log,
        )
        loader = subprocess.Popen(
            [psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
             f"--file={prelude}", "--file=-"],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=loader_log,
        )
        with contextlib.suppress(BrokenPipeError):  # psql stopped on an error: it says which below
            shutil.copyfileobj(script.stdout, loader.stdin, CHUNK)
        script.stdout.close()
        script.wait()
        if script.returncode != 0 and loader.poll() is None:
            # The script is cut short: psql must not reach its end, where it would COMMIT the part it
            # has. Killed, it leaves the server to roll the whole transaction back.
            loader.kill()
        with contextlib.suppress(BrokenPipeError):
            loader.stdin.close()
        loader.wait()
        if loader.returncode > 0:  # psql's own error explains pg_restore's broken pipe too
            _check_exit("psql", loader.returncode, _read_log(loader_log))
        _check_exit("pg_restore", script.returncode, _read_log(script_log))


def _read_log(file) -> str:
    file.seek(0)
    return file.read().decode("utf-8", "replace")


def _verify_postgresql(file: Path, manifest: dict) -> str | None:
    """Why pg_restore cannot read the archive's dump (its table of contents), or ``None``."""
    pg_restore = _pg_restore_tool(manifest)[0]
    _pg_tool("psql")  # needed by the restore: missing, say so before anything is touched
    listed = subprocess.run([pg_restore, "--list", str(file)], capture_output=True, text=True, check=False)
    return None if listed.returncode == 0 else listed.stderr.strip()


def _pg_restore_tool(manifest: dict) -> tuple[str, int, str]:
    tool = _pg_tool("pg_restore")
    made_by = int(manifest["database"].get("tool_major") or 0)
    if tool[1] < made_by:
        raise BackupError(
            _(
                "pg_restore %(tool)s is older than the pg_dump %(dump)s that made this archive and cannot read it. "
                "Install postgresql-client-%(dump)s, or set LOUWEI_PG_BINDIR to its folder."
            ) % {"tool": tool[1], "dump": made_by}
        )
    return tool


_DUMP = {"sqlite": _dump_sqlite, "postgresql": _dump_postgresql}
_VERIFY = {"sqlite": _verify_sqlite, "postgresql": _verify_postgresql}
_RESTORE = {"sqlite": _restore_sqlite, "postgresql": _restore_postgresql}


# --- Restoring ----------------------------------------------------------------------------------


def restore(
    archive: str | os.PathLike, *, using: str = DEFAULT_DB_ALIAS, force: bool = False, check_only: bool = False,
    stdout=None,
) -> RestoreResult:
    """Restore ``archive`` into the database ``using`` and ``MEDIA_ROOT`` (see the module's text).

    ``check_only`` unpacks and verifies the archive, and changes nothing.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("There is no file %(path)s.") % {"path": archive})
    connection = connections[using]
    media_root = Path(settings.MEDIA_ROOT)
    if not check_only:
        media_root.mkdir(parents=True, exist_ok=True)
    # Mode 0700; inside MEDIA_ROOT so that moving the files in is a rename on one file system.
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=None if check_only else media_root))
    try:
        manifest = _unpack(archive, staging)
        _check_compatible(manifest, connection)
        database = staging / manifest["database"]["file"]
        if problem := _VERIFY[connection.vendor](database, manifest):
            raise _damaged(archive, problem)
        if check_only:
            return RestoreResult(manifest=manifest, checked_only=True)
        if not force:
            _require_empty(connection, media_root)
        _RESTORE[connection.vendor](connection, database, manifest, force)
        _check_counts(connection, manifest)
        _swap_media(staging / "media", media_root, staging)
        migrated = _migrate(connection, stdout)
        call_command("createcachetable", database=using, verbosity=0)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(manifest=manifest, migrated=migrated)


def _damaged(archive: Path, why: str) -> BackupError:
    return BackupError(
        _("%(path)s is not a Louwei backup or is damaged (%(why)s); nothing was changed.")
        % {"path": archive, "why": why}
    )


def _unpack(archive: Path, staging: Path) -> dict:
    """Extract the archive into ``staging``; check each member's kind and path, then the manifest
    and every file's size and checksum. Raises before anything outside ``staging`` is touched."""
    seen = set()
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                path = PurePosixPath(member.name)
                safe = (
                    not path.is_absolute() and ".." not in path.parts and path.parts
                    and (path.parts[0] in {"database", "media"} or member.name == MANIFEST)
                )
                if not safe or not (member.isfile() or member.isdir()) or member.name in seen:
                    raise _damaged(archive, _("unexpected member %(name)s") % {"name": member.name})
                seen.add(member.name)
                tar.extract(member, staging, filter="data")
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise _damaged(archive, str(exc)) from exc
    try:
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
        listed = {entry["path"]: entry for entry in manifest["files"]}
        valid = (
            manifest["format"] == FORMAT and isinstance(manifest["tables"], dict)
            and isinstance(manifest["migrations"], dict) and manifest["database"]["vendor"]
        )
    except (OSError, ValueError, KeyError, TypeError):
        valid = False
    if not valid:
        raise _damaged(archive, _("no valid manifest"))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("The archive has format version %(found)s; this version of Louwei reads version %(known)s. "
              "Restore it with the version of Louwei that made it (%(louwei)s), or a newer one.")
            % {
                "found": manifest.get("format_version"), "known": FORMAT_VERSION,
                "louwei": manifest.get("louwei_version") or "?",
            }
        )
    present = {name for name in seen if (staging / name).is_file()} - {MANIFEST}
    if present != set(listed) or manifest["database"].get("file") not in listed:
        raise _damaged(archive, _("its files are not those its manifest lists"))
    for name, entry in listed.items():
        if _file_digest(staging / name) != (entry["size"], entry["sha256"]):
            raise _damaged(archive, _("wrong checksum for %(name)s") % {"name": name})
    return manifest


def _file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _check_compatible(manifest: dict, connection) -> None:
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            _("This archive holds a %(archive)s database and cannot be restored into %(here)s: "
              "restore it into a %(archive)s database (set DATABASE_URL). Nothing was changed.")
            % {"archive": _vendor_name(vendor), "here": _vendor_name(connection.vendor)}
        )
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    unknown = [
        f"{app}.{name}" for app, names in manifest["migrations"].items() for name in names
        if app in loader.migrated_apps and (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            _("The archive comes from a newer version of Louwei (%(louwei)s): this code does not have the "
              "migrations %(names)s. Install that version or a newer one first. Nothing was changed.")
            % {"louwei": manifest.get("louwei_version") or "?", "names": ", ".join(unknown[:5])}
        )


def _vendor_name(vendor: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(vendor, vendor)


def _require_empty(connection, media_root: Path) -> None:
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            _("The database %(name)s is not empty (%(count)s tables). Restore into an empty database, or "
              "add --force to replace everything in it and in MEDIA_ROOT. Nothing was changed.")
            % {"name": connection.settings_dict["NAME"], "count": len(tables)}
        )
    if next(_media_files(media_root), None) is not None:
        raise BackupError(
            _("MEDIA_ROOT (%(media)s) holds files. Empty it, or add --force to replace them. Nothing was changed.")
            % {"media": media_root}
        )


def _check_counts(connection, manifest: dict) -> None:
    with connection.cursor() as cursor:
        counts = table_counts(cursor, connection.vendor)
    different = sorted(
        name for name in set(counts) | set(manifest["tables"]) if counts.get(name) != manifest["tables"].get(name)
    )
    if different:
        raise BackupError(
            _("The restored database does not hold the rows the manifest lists (tables %(tables)s); "
              "the files were not restored.") % {"tables": ", ".join(different[:5])}
        )


def _swap_media(new: Path, media_root: Path, staging: Path) -> None:
    """Move MEDIA_ROOT's entries aside and the archive's in, by renames on one file system; on a
    failure, put the old entries back. MEDIA_ROOT itself stays (it may be a mount point)."""
    previous = staging / "previous"
    previous.mkdir()
    old = [entry for entry in media_root.iterdir() if not entry.name.startswith(STAGING_PREFIX)]
    incoming = sorted(new.iterdir()) if new.is_dir() else []
    moved_out, moved_in = [], []
    try:
        for entry in old:
            entry.rename(previous / entry.name)
            moved_out.append(entry.name)
        for entry in incoming:
            entry.rename(media_root / entry.name)
            moved_in.append(entry.name)
    except OSError as exc:
        for name in moved_in:
            (media_root / name).rename(new / name)
        for name in moved_out:
            (previous / name).rename(media_root / name)
        raise BackupError(
            _("The database was restored but the files could not be moved into MEDIA_ROOT: %(error)s") % {"error": exc}
        ) from exc


def _migrate(connection, stdout) -> list[str]:
    """Apply the migrations the archive did not have yet; return their names."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return []
    call_command("migrate", database=connection.alias, interactive=False, verbosity=0, stdout=stdout)
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
