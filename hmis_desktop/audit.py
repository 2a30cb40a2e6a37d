"""Append-only audit events chained by HMAC, so an edited, removed or reordered event is detected.

Events carry ids and codes, never names or other PHI. Each event's MAC covers its own canonical form and the
previous event's MAC; `audit_head` holds the last (seq, mac) and is locked for each append, so PCs sharing a
LAN PostgreSQL append one at a time. Events written while no key is open (a failed login on a store without a
device slot) are stored unsealed and sealed, in order, at the next unlock.
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session

from hmis_desktop.crypto.primitives import hmac256
from hmis_desktop.ids import new_id
from hmis_desktop.store.models import AuditEvent, AuditHead

GENESIS = b"\x00" * 32


@dataclass(frozen=True)
class Actor:
    """Who does something: enough for permission checks and audit, nothing more."""

    user_id: uuid.UUID
    username: str
    role: str


def _canonical(ev: AuditEvent) -> bytes:
    at = ev.at.astimezone(UTC).isoformat()
    body = {
        "seq": ev.seq,
        "id": str(ev.id),
        "at": at,
        "actor": str(ev.actor_id) if ev.actor_id else None,
        "role": ev.actor_role,
        "action": ev.action,
        "entity": ev.entity,
        "entity_id": ev.entity_id,
        "outcome": ev.outcome,
        "detail": ev.detail,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _mac(key: bytes, prev: bytes, ev: AuditEvent) -> bytes:
    return hmac256(key, prev + _canonical(ev))


def _head(session: Session) -> AuditHead:
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, seq=0, mac=GENESIS)
        session.add(head)
        session.flush()
    return head


def record(
    session: Session,
    *,
    key: bytes | None,
    at: datetime,
    action: str,
    actor: Actor | None = None,
    entity: str | None = None,
    entity_id: object = None,
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
    actor_id: uuid.UUID | None = None,
    actor_role: str | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction. `key` None stores it unsealed (see module doc).

    The first event of a transaction locks the chain head and reads the last sequence; later events of the
    same transaction reuse both (the lock is held until commit), so an action that audits three things costs
    one round trip for the chain, and the inserts go out together at flush.
    """
    tail = session.info.get(_TAIL)
    if tail is None:
        head = _head(session)
        last_seq = session.scalar(select(func.max(AuditEvent.seq))) or 0
        if key is not None and last_seq > head.seq:
            _seal_pending(session, key, head)
        tail = session.info[_TAIL] = _Tail(head, max(head.seq, last_seq))
    tail.seq += 1
    ev = AuditEvent(
        seq=tail.seq,
        id=new_id(),
        at=at,
        actor_id=actor.user_id if actor else actor_id,
        actor_role=actor.role if actor else actor_role,
        action=action,
        entity=entity,
        entity_id=str(entity_id) if entity_id is not None else None,
        outcome=outcome,
        detail=dict(detail or {}),
        mac=None,
    )
    if key is not None:
        if tail.head.seq != tail.seq - 1:  # unsealed events precede this one in this transaction
            _seal_pending(session, key, tail.head)
        ev.mac = _mac(key, tail.head.mac, ev)
        tail.head.seq, tail.head.mac = ev.seq, ev.mac
    session.add(ev)
    return ev


@dataclass
class _Tail:
    head: AuditHead
    seq: int


_TAIL = "hmis_audit_tail"


@event.listens_for(Session, "after_transaction_end")
def _forget_tail(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_TAIL, None)


def record_many(
    session: Session, *, key: bytes, at: datetime, actor: Actor | None, events: list[dict[str, Any]]
) -> int:
    """Append many events in one go (CSV import): same chain, one head update, one bulk insert.

    Each dict has `action` and optionally `entity`, `entity_id`, `outcome`, `detail`.
    """
    if not events:
        return 0
    session.flush()
    session.info.pop(_TAIL, None)
    head = _head(session)
    _seal_pending(session, key, head)
    session.flush()
    seq = max(head.seq, session.scalar(select(func.max(AuditEvent.seq))) or 0)
    mac = head.mac
    rows = []
    for e in events:
        seq += 1
        # A plain namespace, not an ORM object: same canonical form and MAC, a third of the cost per event.
        ev = SimpleNamespace(
            seq=seq,
            id=new_id(),
            at=at,
            actor_id=actor.user_id if actor else None,
            actor_role=actor.role if actor else None,
            action=e["action"],
            entity=e.get("entity"),
            entity_id=str(e["entity_id"]) if e.get("entity_id") is not None else None,
            outcome=e.get("outcome", "ok"),
            detail=dict(e.get("detail") or {}),
            mac=None,
        )
        mac = ev.mac = _mac(key, mac, cast(AuditEvent, ev))
        rows.append(vars(ev))
    session.execute(insert(AuditEvent), rows)
    head.seq, head.mac = seq, mac
    session.flush()
    return len(rows)


def _seal_pending(session: Session, key: bytes, head: AuditHead) -> int:
    pending = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq > head.seq, AuditEvent.mac.is_(None))
            .order_by(AuditEvent.seq)
        )
    )
    for ev in pending:
        ev.mac = _mac(key, head.mac, ev)
        head.seq, head.mac = ev.seq, ev.mac
    return len(pending)


def seal_pending(session: Session, key: bytes) -> int:
    """Seal events written while the store was closed; returns how many."""
    return _seal_pending(session, key, _head(session))


@dataclass(frozen=True)
class ChainProblem:
    """One place where the chain does not hold."""

    seq: int
    problem: str


def verify(session: Session, key: bytes, *, batch: int = 5000) -> list[ChainProblem]:
    """Walk the chain; report edited events, gaps (removed events), reordering, and a truncated tail."""
    problems: list[ChainProblem] = []
    prev_mac, expected_seq = GENESIS, 1
    last_seq = 0
    for ev in _iter_events(session, batch):
        if ev.seq != expected_seq:
            problems.append(ChainProblem(ev.seq, f"events {expected_seq}..{ev.seq - 1} are missing"))
        if ev.mac is None:
            problems.append(ChainProblem(ev.seq, "event is not sealed"))
        elif not hmac.compare_digest(ev.mac, _mac(key, prev_mac, ev)):
            problems.append(ChainProblem(ev.seq, "event was altered, removed before it, or moved"))
        prev_mac = ev.mac or prev_mac
        expected_seq = ev.seq + 1
        last_seq = ev.seq
    head = session.get(AuditHead, 1)
    if head is not None and head.seq > last_seq:
        problems.append(ChainProblem(head.seq, f"the last {head.seq - last_seq} event(s) were removed"))
    elif head is not None and head.seq and not hmac.compare_digest(head.mac, _last_mac(session, head.seq)):
        problems.append(ChainProblem(head.seq, "the chain head does not match the last event"))
    return problems


def _last_mac(session: Session, seq: int) -> bytes:
    ev = session.get(AuditEvent, seq)
    return (ev.mac or b"") if ev else b""


def _iter_events(session: Session, batch: int) -> Iterator[AuditEvent]:
    after = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        session.expunge_all()
