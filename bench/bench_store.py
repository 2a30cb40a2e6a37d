"""Store benchmark: field cipher throughput, encrypted inserts, blind-index lookups at scale.

Run: .venv/bin/python bench/bench_store.py [--rows 100000]
Prints figures; it is not a test. Everything runs on a real SQLite file in a temp folder.
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import tempfile
import time
from pathlib import Path

from sqlalchemy import Column, LargeBinary, MetaData, String, Table, Uuid, insert, select

from hmis_desktop.audit import Actor
from hmis_desktop.auth import login
from hmis_desktop.crypto.blind import Term, prefixes
from hmis_desktop.crypto.fields import FieldCipher
from hmis_desktop.crypto.primitives import random_key
from hmis_desktop.ids import new_id
from hmis_desktop.store.encrypted import encrypt_values
from hmis_desktop.store.models import Patient, SearchToken
from hmis_desktop.store.store import Store

PASSWORD = "Sunrise-Clinic-26"


def pct(values: list[float], p: float) -> float:
    """Percentile of a list of milliseconds."""
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]
    )


def word(rng: random.Random) -> str:
    """A random name-like word."""
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9))).title()


def bench_cipher(n: int = 200_000) -> None:
    """Values encrypted and decrypted per second (30-byte values, one reused AESGCM per key)."""
    c = FieldCipher({1: random_key()}, 1)
    value = b"x" * 30
    rid = new_id()
    t = time.perf_counter()
    cts = [c.encrypt(value, "patients", "given_name", rid) for _ in range(n)]
    enc = n / (time.perf_counter() - t)
    t = time.perf_counter()
    for ct in cts:
        c.decrypt(ct, "patients", "given_name", rid)
    dec = n / (time.perf_counter() - t)
    print(f"field cipher: {enc:,.0f} encryptions/s, {dec:,.0f} decryptions/s (30-byte values)")


def bench_inserts(store: Store, rows: int) -> tuple[float, float]:
    """Rows/s through the ORM with encrypted columns vs the same code on a plaintext table."""
    rng = random.Random(1)
    now = store.clock.now()
    batch = 1000
    t = time.perf_counter()
    for start in range(0, rows, batch):
        with store.session() as s:
            for _ in range(min(batch, rows - start)):
                s.add(
                    Patient(
                        given_name=word(rng),
                        family_name=word(rng),
                        notes="Follow-up in two weeks",
                        created_at=now,
                        updated_at=now,
                    )
                )
    encrypted = rows / (time.perf_counter() - t)

    meta = MetaData()
    plain = Table(
        "bench_plain_patients",
        meta,
        Column("id", Uuid, primary_key=True),
        Column("given_name", String),
        Column("family_name", String),
        Column("notes", String),
        Column("pad", LargeBinary),
    )
    meta.create_all(store.engine)
    t = time.perf_counter()
    for start in range(0, rows, batch):
        with store.session() as s:
            s.execute(
                insert(plain),
                [
                    {
                        "id": new_id(),
                        "given_name": word(rng),
                        "family_name": word(rng),
                        "notes": "Follow-up in two weeks",
                    }
                    for _ in range(min(batch, rows - start))
                ],
            )
    plain_rate = rows / (time.perf_counter() - t)
    return encrypted, plain_rate


def bench_bulk_encrypted(store: Store, rows: int) -> float:
    """Rows/s through the bulk Core path (encrypt_values), as the CSV import uses it."""
    rng = random.Random(2)
    cipher = store.require_keys().cipher
    now = store.clock.now()
    t = time.perf_counter()
    batch = 2000
    for start in range(0, rows, batch):
        payload = []
        for _ in range(min(batch, rows - start)):
            rid = new_id()
            row = {
                "id": rid,
                "created_at": now,
                "updated_at": now,
                "status": "active",
                "birth_date_estimated": False,
                "version": 1,
            }
            row |= encrypt_values(
                cipher,
                Patient,
                rid,
                {"given_name": word(rng), "family_name": word(rng), "notes": "Follow-up"},
            )
            payload.append(row)
        with store.session() as s:
            s.execute(insert(Patient), payload)
    return rows / (time.perf_counter() - t)


def bench_tokens(store: Store, rows: int, samples: int = 2000) -> None:
    """Blind-index lookup latency with `rows` patients' name-prefix tokens in the B-tree."""
    rng = random.Random(3)
    idx = store.require_keys().indexer
    names = [word(rng).lower() for _ in range(rows)]
    t = time.perf_counter()
    batch: list[dict[str, object]] = []
    for name in names:
        rid = new_id()
        for pre in prefixes(name):
            batch.append(
                {"kind": int(Term.NAME_PREFIX), "token": idx.token(Term.NAME_PREFIX, pre), "row_id": rid}
            )
        if len(batch) >= 20_000:
            with store.session() as s:
                s.execute(insert(SearchToken), batch)
            batch = []
    if batch:
        with store.session() as s:
            s.execute(insert(SearchToken), batch)
    build = time.perf_counter() - t
    times: list[float] = []
    with store.read_session() as s:
        for _ in range(samples):
            q = rng.choice(names)[: rng.randint(3, 6)]
            tok = idx.token(Term.NAME_PREFIX, q)
            t0 = time.perf_counter()
            s.execute(
                select(SearchToken.row_id)
                .where(SearchToken.kind == int(Term.NAME_PREFIX), SearchToken.token == tok)
                .limit(500)
            ).all()
            times.append((time.perf_counter() - t0) * 1000)
        plan = (
            s.connection()
            .exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT row_id FROM search_tokens WHERE kind=1 AND token=5 LIMIT 500"
            )
            .all()
        )
    print(f"blind index: {rows:,} names -> tokens built in {build:.1f} s")
    print(f"blind-index lookup at {rows:,} rows: p50 {pct(times, 50):.3f} ms, p95 {pct(times, 95):.3f} ms")
    print(f"  query plan: {plan[0][-1]}")


def main() -> None:
    """Run every measurement."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--insert-rows", type=int, default=20_000)
    args = ap.parse_args()
    bench_cipher()
    with tempfile.TemporaryDirectory() as tmp:
        store, _ = Store.create(
            Path(tmp) / "p",
            clinic_name="Bench",
            admin_username="admin",
            admin_password=PASSWORD,
            use_keyring=False,
        )
        actor: Actor = login(store, "admin", PASSWORD)
        assert actor.role == "admin"
        enc, plain = bench_inserts(store, args.insert_rows)
        print(f"ORM inserts (unit of work, 3 encrypted fields, 1,000 per transaction): {enc:,.0f} rows/s")
        bulk = bench_bulk_encrypted(store, args.insert_rows)
        print(
            f"bulk Core inserts, 3 encrypted fields: {bulk:,.0f} rows/s; plaintext: {plain:,.0f} rows/s; ratio {plain / bulk:.2f}x"
        )
        bench_tokens(store, args.rows)
        store.close()


if __name__ == "__main__":
    main()
