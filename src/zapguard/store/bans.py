"""The bans repository: every phone, device and network ever banned, across tenants (ZG601).

A ban is global: a number or device banned for one business is unsafe for every other one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, bindparam, or_, select, update

from zapguard.domain.models import Line, LineState
from zapguard.store.errors import NotFound
from zapguard.store.line_generations import LineGenerations
from zapguard.store.records import BannedSets, LineRecord
from zapguard.store.schema import banned_identifiers, lines
from zapguard.store.statements import insert_ignore, line_record
from zapguard.store.unit_of_work import UnitOfWork

_BANNED = select(banned_identifiers.c.kind, banned_identifiers.c.value)
_BANNED_AMONG = _BANNED.where(
    or_(
        *(
            and_(
                banned_identifiers.c.kind == kind,
                banned_identifiers.c.value.in_(bindparam(kind, expanding=True)),
            )
            for kind in ("phone", "device", "network")
        )
    )
)


class Bans:
    def __init__(self, work: UnitOfWork, generations: LineGenerations) -> None:
        self._work = work
        self._generations = generations

    def record(
        self,
        *,
        tenant_id: str,
        line_id: str,
        at: datetime,
        quarantine: Callable[[Line, list[Line]], Iterable[str]],
    ) -> list[str]:
        """Ban the line: its phone, device and network join the global registry, it becomes BANNED,
        and the lines ``quarantine`` chooses (the policy's ZG602 rule) among those of any tenant
        sharing its device or network become QUARANTINED, in the same transaction.

        Returns the ids of the lines quarantined now, sorted.
        """
        with self._work.writing("recording a ban") as connection:
            row = connection.execute(
                select(lines).where(lines.c.id == line_id, lines.c.tenant_id == tenant_id)
            ).first()
            if row is None:
                raise NotFound(f"linha não encontrada / line not found: {line_id}")
            shared: list[ColumnElement[bool]] = []
            for kind, value in (
                ("phone", row.phone),
                ("device", row.device),
                ("network", row.network),
            ):
                if value is None:
                    continue
                insert_ignore(
                    connection,
                    banned_identifiers,
                    {
                        "kind": kind,
                        "value": value,
                        "banned_at": at,
                        "tenant_id": tenant_id,
                        "line_id": line_id,
                    },
                )
                if kind != "phone":
                    shared.append(lines.c[kind] == value)
            connection.execute(
                update(lines).where(lines.c.id == line_id).values(state=LineState.BANNED.value)
            )
            self._generations.changed(connection, tenant_id, line_id)
            self._generations.every_tenant_changed(connection)
            if not shared:
                return []
            sharing = connection.execute(select(lines).where(lines.c.id != line_id, or_(*shared)))
            candidates = [line_record(other).line for other in sharing]
            neighbours = sorted(quarantine(line_record(row).line, candidates))
            if neighbours:
                connection.execute(
                    update(lines)
                    .where(lines.c.id.in_(neighbours))
                    .values(state=LineState.QUARANTINED.value)
                )
                # Neighbours may be other tenants' lines: each of their tenants changed.
                owners = connection.execute(
                    select(lines.c.tenant_id, lines.c.id).where(lines.c.id.in_(neighbours))
                )
                for owner, neighbour in owners.all():
                    self._generations.changed(connection, str(owner), str(neighbour))
            return neighbours

    def everything(self) -> BannedSets:
        """Every banned phone, device and network."""
        found: dict[str, set[str]] = {"phone": set(), "device": set(), "network": set()}
        with self._work.read_connection("reading bans") as connection:
            for kind, value in connection.execute(_BANNED):
                found[kind].add(value)
        return BannedSets(
            frozenset(found["phone"]), frozenset(found["device"]), frozenset(found["network"])
        )

    def among(
        self, *, phones: Iterable[str], devices: Iterable[str], networks: Iterable[str]
    ) -> BannedSets:
        """Which of these identifiers are banned: one indexed lookup, however long the registry."""
        with self._work.read_connection("reading bans") as connection:
            return bans_among(connection, phones, devices, networks)

    def is_banned(self, *, phone: str | None = None, device: str | None = None) -> bool:
        """Whether ``phone`` or ``device`` was ever banned (ZG601)."""
        wanted = [
            and_(banned_identifiers.c.kind == kind, banned_identifiers.c.value == value)
            for kind, value in (("phone", phone), ("device", device))
            if value is not None
        ]
        if not wanted:
            return False
        with self._work.read_connection("checking bans") as connection:
            return (
                connection.scalar(select(banned_identifiers.c.id).where(or_(*wanted)).limit(1))
                is not None
            )


def bans_among(
    connection: Connection,
    phones: Iterable[str],
    devices: Iterable[str],
    networks: Iterable[str],
) -> BannedSets:
    wanted = {
        "phone": sorted(set(phones)),
        "device": sorted(set(devices)),
        "network": sorted(set(networks)),
    }
    found: dict[str, set[str]] = {"phone": set(), "device": set(), "network": set()}
    for kind, value in connection.execute(_BANNED_AMONG, wanted):
        found[kind].add(value)
    return BannedSets(
        frozenset(found["phone"]), frozenset(found["device"]), frozenset(found["network"])
    )


def bans_of(connection: Connection, records: Sequence[LineRecord]) -> BannedSets:
    """Which of these lines' phones, devices and networks are banned."""
    return bans_among(
        connection,
        [found.line.phone for found in records],
        [found.line.device for found in records if found.line.device],
        [found.line.network for found in records if found.line.network],
    )
