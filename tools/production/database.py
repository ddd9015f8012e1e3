"""The local PostgreSQL server as the compose file's `postgres` service: the init script applied with
database and role names of the check's own, and everything dropped afterwards.

The init script creates a role named `funnel_bi` (one per server, as in production) and revokes
CONNECT on the server's own databases (`postgres`, `template1`) from PUBLIC. So that two checks never
share it, a check holds an advisory lock for its whole run; a `funnel_bi` left behind by a check that
was killed is dropped, one still in use by something else is waited for.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import psycopg2.extensions
from psycopg2 import sql

# pg_advisory_lock key held by a production check for its whole run ('FUNL')
ADVISORY_LOCK = 0x46554E4C
BI_ROLE = "funnel_bi"
PREFIX = "pcheck_"  # every database and role a check creates starts so
# the server's own databases whose CONNECT for PUBLIC the init script revokes (template0 takes no connections)
SERVER_DATABASES = ("postgres", "template1")


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> Server:
        parts = psycopg2.extensions.parse_dsn(url.replace("postgresql+psycopg2://", "postgresql://"))
        return cls(
            parts.get("host", "127.0.0.1"),
            int(parts.get("port", 5432)),
            parts.get("user", "postgres"),
            parts.get("dbname", "postgres"),
        )

    def connect(self, dbname: str | None = None, user: str | None = None, password: str | None = None):
        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=user or self.user,
            password=password,
            dbname=dbname or self.dbname,
            connect_timeout=5,
            application_name="production_check",
        )


class Admin:
    """The superuser's session: holds the check's advisory lock until closed."""

    def __init__(self, server: Server):
        self.server = server
        self.connection = server.connect()
        self.connection.autocommit = True

    def query(self, statement, params=None) -> list[tuple]:
        with self.connection.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []

    def lock(self, timeout_seconds: float, say) -> None:
        deadline, told = time.monotonic() + timeout_seconds, False
        while not self.query("SELECT pg_try_advisory_lock(%s)", (ADVISORY_LOCK,))[0][0]:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    "another production check holds the server's advisory lock; try again when it is done"
                )
            if not told:
                say("another production check is running on this server: waiting for it")
                told = True
            time.sleep(2)

    def public_may_connect(self) -> dict[str, bool]:
        """For each of the server's own databases, whether every role may connect to it (PostgreSQL's default)."""
        return {
            database: self.query("SELECT has_database_privilege('public', %s, 'CONNECT')", (database,))[0][0]
            for database in SERVER_DATABASES
        }

    def restore_public_connect(self, before: dict[str, bool]) -> bool:
        """Give PUBLIC back the CONNECT the init script took, where it had it; True when all is as before."""
        for database, allowed in before.items():
            if allowed:
                self.query(sql.SQL("GRANT CONNECT ON DATABASE {} TO PUBLIC").format(sql.Identifier(database)))
        return self.public_may_connect() == before

    def clear_leftovers(self, timeout_seconds: float, say) -> list[str]:
        """Databases and roles of an earlier check that was killed, and an orphaned `funnel_bi`, dropped.

        A `funnel_bi` that still has privileges in a database that is not a check's is someone else's
        (a test applying the init script): waited for, for `timeout_seconds`."""
        dropped = []
        for (database,) in self.query("SELECT datname FROM pg_database WHERE datname LIKE %s", (PREFIX + "%",)):
            self.drop_database(database)
            dropped.append(f"database {database}")
        deadline, told = time.monotonic() + timeout_seconds, False
        while True:
            users = self.query(
                """SELECT DISTINCT coalesce(d.datname, '(shared)') FROM pg_shdepend s
                   JOIN pg_roles r ON s.refobjid = r.oid AND s.refclassid = 'pg_authid'::regclass
                   LEFT JOIN pg_database d ON d.oid = s.dbid """
                """OR (s.classid = 'pg_database'::regclass AND d.oid = s.objid)
                   WHERE r.rolname = %s""",
                (BI_ROLE,),
            )
            if not self.query("SELECT 1 FROM pg_roles WHERE rolname = %s", (BI_ROLE,)) or not users:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"role {BI_ROLE} is in use on this server (privileges in {', '.join(u for (u,) in users)}); "
                    "the init script creates it, so the check cannot run beside whatever uses it"
                )
            if not told:
                say(f"role {BI_ROLE} is in use (privileges in {', '.join(u for (u,) in users)}): waiting")
                told = True
            time.sleep(2)
        if self.query("SELECT 1 FROM pg_roles WHERE rolname = %s", (BI_ROLE,)):
            self.query(sql.SQL("DROP ROLE {}").format(sql.Identifier(BI_ROLE)))
            dropped.append(f"role {BI_ROLE} (orphaned)")
        for (role,) in self.query("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (PREFIX + "%",)):
            self.query(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
            dropped.append(f"role {role}")
        return dropped

    def drop_database(self, database: str) -> None:
        self.query(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))

    def drop_role(self, role: str) -> None:
        self.query(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))

    def close(self) -> None:
        with suppress(Exception):
            self.query("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK,))
        with suppress(Exception):
            self.connection.close()


def apply_init_scripts(server: Server, folder: Path, environment: Mapping[str, str], log: Path) -> list[str]:
    """Every *.sql of the folder compose mounts at /docker-entrypoint-initdb.d, in name order, as the
    postgres image's entrypoint runs them: psql as the superuser on the `postgres` database, stopping
    at the first error, with the postgres service's environment."""
    applied = []
    for script in sorted(folder.glob("*.sql")):
        result = subprocess.run(
            [
                "psql",
                "-v",
                "ON_ERROR_STOP=1",
                "--no-psqlrc",
                "-h",
                server.host,
                "-p",
                str(server.port),
                "-U",
                server.user,
                "-d",
                "postgres",
                "-f",
                str(script),
            ],
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **environment},
            capture_output=True,
            text=True,
            timeout=120,
        )
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as out:
            out.write(result.stdout + result.stderr)
        if result.returncode != 0:
            raise RuntimeError(f"{script.name} failed: {result.stderr.strip()[-2000:]}")
        applied.append(script.name)
    return applied
