"""Attach and read back 5 MiB and 25 MiB documents on a SQLite store: MB/s and p50/p95 per step.

attach = type check + encrypt in chunks + SHA-256 + store + audit + commit (from a file path);
read   = load chunks + decrypt + verify the SHA-256 + audit + commit.

    .venv/bin/python bench/bench_documents.py [--reps 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from hmis_desktop import auth
from hmis_desktop.services import documents as docs
from hmis_desktop.store.models import Patient
from hmis_desktop.store.store import Store

MIB = 1024 * 1024
PASSWORD = "Bench-Clinic-2026"


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of a small sample."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store, _ = Store.create(
            root / "profile",
            clinic_name="Bench Clinic",
            admin_username="admin",
            admin_password=PASSWORD,
            use_keyring=False,
        )
        actor = auth.login(store, "admin", PASSWORD)
        now = store.clock.now()
        with store.session() as s:
            patient = Patient(
                given_name="Bench", family_name="Patient", mrn="B-1", created_at=now, updated_at=now
            )
            s.add(patient)
            s.flush()
            patient_id = patient.id
        print(f"SQLite store, {args.reps} repetitions each; MB = MiB (1,048,576 bytes)")
        print(f"{'size':>7} {'step':<7} {'p50 ms':>8} {'p95 ms':>8} {'MB/s p50':>9}")
        for size in (5 * MIB, 25 * MIB):
            src = root / f"scan-{size // MIB}.pdf"
            # A PDF header then incompressible bytes: what a scanner's output costs to encrypt and store.
            src.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + os.urandom(size - 15))
            attach_s: list[float] = []
            read_s: list[float] = []
            for _ in range(args.reps):
                t0 = time.perf_counter()
                with store.session() as s:
                    doc = docs.attach_document(
                        s, actor=actor, patient_id=patient_id, source=src, title="", category="imaging"
                    )
                t1 = time.perf_counter()
                with store.session() as s:
                    data = docs.read_document(s, actor=actor, document_id=doc.id)
                t2 = time.perf_counter()
                assert len(data) == size
                attach_s.append(t1 - t0)
                read_s.append(t2 - t1)
            for step, values in (("attach", attach_s), ("read", read_s)):
                p50, p95 = pct(values, 50), pct(values, 95)
                print(
                    f"{size // MIB:>4} MB {step:<7} {p50 * 1000:>8.0f} {p95 * 1000:>8.0f} {size / MIB / p50:>9.0f}"
                )
        db_mb = sum(f.stat().st_size for f in (root / "profile").iterdir() if f.is_file())
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"store files {db_mb / MIB:.0f} MB; peak RSS {rss:.0f} MB")
        store.close()


if __name__ == "__main__":
    main()
