"""The audit chain detects edited, removed, reordered and forged events."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from hmis_desktop import audit
from hmis_desktop.audit import Actor
from hmis_desktop.store.models import AuditEvent, AuditHead
from hmis_desktop.store.store import Store


def _fill(store: Store, actor: Actor, n: int = 6) -> None:
    with store.session() as s:
        for i in range(n):
            store.audit(s, "patient.view", actor=actor, entity="patient", entity_id=f"p{i}")


def _problems(store: Store) -> list[audit.ChainProblem]:
    with store.read_session() as s:
        return audit.verify(s, store.require_keys().audit_key)


def _seqs(store: Store) -> list[int]:
    with store.read_session() as s:
        return list(s.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))


def test_intact_chain_verifies(store: Store, admin: Actor) -> None:
    _fill(store, admin)
    assert _problems(store) == []
    assert _seqs(store) == list(range(1, len(_seqs(store)) + 1))


def test_edited_event_is_detected(store: Store, admin: Actor) -> None:
    _fill(store, admin)
    target = _seqs(store)[-3]
    with store.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == target).values(entity_id="someone-else"))
    problems = _problems(store)
    assert [p.seq for p in problems] == [target]
    assert "altered" in problems[0].problem


def test_deleted_event_in_the_middle_is_detected(store: Store, admin: Actor) -> None:
    _fill(store, admin)
    target = _seqs(store)[-3]
    with store.session() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == target))
    problems = _problems(store)
    assert any("missing" in p.problem for p in problems)


def test_deleted_tail_is_detected(store: Store, admin: Actor) -> None:
    _fill(store, admin)
    last = _seqs(store)[-1]
    with store.session() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == last))
    problems = _problems(store)
    assert problems and "removed" in problems[-1].problem


def test_reordered_events_are_detected(store: Store, admin: Actor) -> None:
    _fill(store, admin)
    a, b = _seqs(store)[-3:-1]
    with store.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == a).values(seq=-1))
        s.execute(update(AuditEvent).where(AuditEvent.seq == b).values(seq=a))
        s.execute(update(AuditEvent).where(AuditEvent.seq == -1).values(seq=b))
    assert {p.seq for p in _problems(store)} >= {a, b}


def test_forged_event_with_a_guessed_mac_is_detected(store: Store, admin: Actor) -> None:
    _fill(store, admin)
    with store.session() as s:
        head = s.get(AuditHead, 1)
        assert head is not None
        last = s.get(AuditEvent, head.seq)
        assert last is not None
        forged = AuditEvent(
            seq=head.seq + 1,
            id=last.id.__class__(int=last.id.int + 1),
            at=last.at,
            action="patient.view",
            outcome="ok",
            detail={},
            mac=b"\x00" * 32,
        )
        s.add(forged)
        head.seq, head.mac = forged.seq, forged.mac  # an attacker without the key cannot make a valid MAC
    assert [p.seq for p in _problems(store)] == [forged.seq]


def test_events_carry_ids_not_names(store: Store, admin: Actor) -> None:
    _fill(store, admin, 1)
    with store.read_session() as s:
        ev = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert ev is not None
        assert ev.actor_id == admin.user_id and ev.actor_role == "admin" and ev.entity_id == "p0"


@pytest.mark.parametrize("n", [3])
def test_bulk_append_continues_the_chain(store: Store, admin: Actor, n: int) -> None:
    _fill(store, admin, 2)
    with store.session() as s:
        audit.record_many(
            s,
            key=store.require_keys().audit_key,
            at=store.clock.now(),
            actor=admin,
            events=[{"action": "patient.create", "entity": "patient", "entity_id": i} for i in range(n)],
        )
    _fill(store, admin, 1)
    assert _problems(store) == []
