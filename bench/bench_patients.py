"""Benchmark the patient paths against DESIGN.md's budgets: search (each kind), open, register, CSV import.

Builds a SQLite store with N synthetic patients (Faker name pools, seeded) through the real bulk import, then
times each path on that store and prints p50/p95 in milliseconds. Run:

    .venv/bin/python bench/bench_patients.py --patients 10000
    .venv/bin/python bench/bench_patients.py --patients 100000
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from faker import Faker

from hmis_desktop import auth
from hmis_desktop.services.patient_fields import PatientCreate, Phone
from hmis_desktop.services.patient_io import plan_import, run_import
from hmis_desktop.services.patient_search import search_patients
from hmis_desktop.services.patients import get_patient, register_patient
from hmis_desktop.store.store import Store

PASSWORD = "Sunrise-Clinic-26"
HEADER = ["given_name", "family_name", "other_names", "sex", "birth_date", "phone", "national_id", "email"]


def name_pools(seed: int) -> tuple[list[str], list[str]]:
    """First and last names from several Faker locales (accents and Arabic script included)."""
    firsts: set[str] = set()
    lasts: set[str] = set()
    for loc, share in (("en_US", 1500), ("es_ES", 300), ("de_DE", 300), ("sw", 200), ("ar_AA", 150)):
        fake = Faker(loc)
        fake.seed_instance(seed)
        for _ in range(share):
            firsts.add(fake.first_name())
            lasts.add(fake.last_name())
    return sorted(firsts), sorted(lasts)


def synthetic_csv(n: int, seed: int, id_offset: int = 0) -> str:
    """A CSV of `n` valid patients (KE mobile numbers, unique national ids)."""
    rnd = random.Random(seed)
    firsts, lasts = name_pools(seed)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    start = date(1930, 1, 1)
    span = (date(2025, 12, 31) - start).days
    ids = rnd.sample(range(10_000_000, 99_999_999), n)
    for i in range(n):
        given, family = rnd.choice(firsts), rnd.choice(lasts)
        other = rnd.choice(firsts) if rnd.random() < 0.2 else ""
        phone = f"07{rnd.choice('0129')}{rnd.randrange(10**7):07d}"
        email = f"p{i + id_offset}@example.com" if rnd.random() < 0.3 else ""
        dob = start + timedelta(days=rnd.randrange(span))
        w.writerow([given, family, other, rnd.choice("fm"), dob.isoformat(), phone, str(ids[i]), email])
    return buf.getvalue()


def new_store(path: Path) -> tuple[Store, Any]:
    """A fresh unlocked SQLite store and its admin."""
    store, _ = Store.create(
        path,
        clinic_name="Bench Clinic",
        admin_username="admin",
        admin_password=PASSWORD,
        use_keyring=False,
        settings={"clinic.region": "KE", "clinic.currency": "KES", "clinic.locale": "en_KE"},
    )
    return store, auth.login(store, "admin", PASSWORD)


def import_csv(store: Store, admin: Any, text: str) -> tuple[float, float]:
    """Plan and run an import in one transaction; returns (plan seconds, total seconds)."""
    t0 = time.perf_counter()
    with store.session() as s:
        plan = plan_import(s, actor=admin, source=text)
        t1 = time.perf_counter()
        assert plan.ok, plan.errors[:3]
        run_import(s, actor=admin, plan=plan)
    return t1 - t0, time.perf_counter() - t0


def timed(fn: Callable[[], Any], samples: list[Any]) -> list[float]:
    """Milliseconds of `fn(sample)` for each sample, after a short warm-up."""
    for s in samples[:10]:
        fn(s)  # type: ignore[call-arg]
    out = []
    for s in samples:
        t = time.perf_counter()
        fn(s)  # type: ignore[call-arg]
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


SWAP = {"a": "e", "e": "a", "i": "e", "o": "a", "u": "o"}


def respell(word: str) -> str:
    """Swap the last vowel after the first letter: metaphone keeps the sound, prefixes no longer match."""
    for i in range(len(word) - 1, 0, -1):
        if word[i] in SWAP:
            return word[:i] + SWAP[word[i]] + word[i + 1 :]
    return word


def main() -> None:
    """Build the store, time each path, print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--patients", type=int, default=10_000)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rnd = random.Random(args.seed + 1)
    with tempfile.TemporaryDirectory(prefix="hmis-bench-") as tmp:
        store, admin = new_store(Path(tmp) / "main")
        text = synthetic_csv(args.patients, args.seed)
        plan_s, total_s = import_csv(store, admin, text)
        print(
            f"built {args.patients:,} patients by CSV import in {total_s:.1f} s "
            f"({args.patients / total_s:,.0f} patients/s; dry run {plan_s:.1f} s of it)"
        )
        rows = list(csv.DictReader(io.StringIO(text)))
        picks = [rnd.choice(rows) for _ in range(args.samples)]
        with store.read_session() as s:
            from sqlalchemy import select

            from hmis_desktop.store.models import Patient

            ids = list(s.scalars(select(Patient.id).limit(5000)))
        keys = store.require_keys()
        mrn_of = [f"MRN{rnd.randrange(1, args.patients + 1):06d}" for _ in range(args.samples)]
        results: list[tuple[str, list[float], float]] = []
        hits: dict[str, list[int]] = {}

        def search(kind: str, queries: list[str]) -> None:
            counts: list[int] = []

            def one(q: str) -> None:
                with store.read_session() as s:
                    counts.append(search_patients(s, actor=admin, query=q).total)

            results.append((f"search: {kind}", timed(one, queries), 10.0))
            hits[kind] = counts

        search("name prefix, 2 words", [f"{r['given_name'][:3]} {r['family_name'][:4]}" for r in picks])
        search("name prefix, 1 word", [r["family_name"][:4] for r in picks])
        latin = [r for r in rows if (r["given_name"] + r["family_name"]).isascii()]  # sounds: Latin script
        sounds = [rnd.choice(latin) for _ in range(args.samples)]
        search("phonetic", [f"{respell(r['given_name'])} {respell(r['family_name'])}" for r in sounds])
        search("birth date (ISO)", [r["birth_date"] for r in picks])
        search(
            "birth date (17/05/1980)",
            [date.fromisoformat(r["birth_date"]).strftime("%d/%m/%Y") for r in picks],
        )
        search("phone, last 4 digits", [r["phone"][-4:] for r in picks])
        search("phone, full local number", [r["phone"] for r in picks])
        search("record number", mrn_of)
        search("national id", [r["national_id"] for r in picks])

        def open_one(pid: Any) -> None:
            with store.session() as s:
                get_patient(s, actor=admin, patient_id=pid)

        results.append(("open patient", timed(open_one, [rnd.choice(ids) for _ in range(args.samples)]), 5.0))
        n = 0

        def register(_: Any) -> None:
            nonlocal n
            n += 1
            form = PatientCreate(
                given_name=f"Bench{n}",
                family_name="Registrant",
                sex="female",
                birth_date=date(1990, 1, 1) + timedelta(days=n),
                phones=[Phone(f"0711{n:06d}")],
                national_id=f"B{n}",
            )
            with store.session() as s:
                register_patient(s, actor=admin, data=form)

        results.append(("register patient", timed(register, list(range(args.samples))), 10.0))
        del keys
        store.close()
        if args.patients == 10_000:
            imp_n, imp_s = args.patients, total_s
        else:
            other, other_admin = new_store(Path(tmp) / "import10k")
            imp_n = 10_000
            imp_s = import_csv(other, other_admin, synthetic_csv(imp_n, args.seed + 2))[1]
            other.close()

    print(f"\nSQLite store, {args.patients:,} patients, {args.samples} samples each\n")
    print(f"{'path':34} {'p50 ms':>8} {'p95 ms':>8} {'budget':>8}  {'mean hits':>9}")
    for name, values, budget in results:
        kind = name.removeprefix("search: ")
        mean_hits = f"{statistics.mean(hits[kind]):9.1f}" if kind in hits else " " * 9
        print(f"{name:34} {pct(values, 50):8.2f} {pct(values, 95):8.2f} {budget:8.0f}  {mean_hits}")
    per_s = imp_n / imp_s
    print(
        f"\nimport {imp_n:,} patients from CSV: {imp_s:.1f} s = {per_s:,.0f} patients/s "
        f"-> 100,000 in ~{100_000 / per_s:.0f} s (budget 30 s)"
    )


if __name__ == "__main__":
    main()
