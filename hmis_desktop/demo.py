"""A demo clinic: users of every role, a catalogue, synthetic patients (many scripts), invoices in every
state with payments, and documents. Deterministic (seeded), made through the same services the app uses.

Used by `make run` (through `ui.app --demo`) and `hmis-desktop demo`.
"""

from __future__ import annotations

import csv
import io
import random
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hmis_desktop import auth
from hmis_desktop import settings as settings_mod
from hmis_desktop.audit import Actor
from hmis_desktop.clock import FakeClock
from hmis_desktop.profile import Profile
from hmis_desktop.store import blobs
from hmis_desktop.store.store import Store

ADMIN = ("admin", "Sunrise-Clinic-26")
USERS = (
    ("manager", "Mina Wanjiru", "manager", "Harbor-Light-26"),
    ("doctor", "Dr Daniel Osei", "doctor", "Stetho-Scope-26"),
    ("frontdesk", "Fatma Ali", "front_desk", "Morning-Desk-26"),
)
CATALOGUE = (
    ("CONS", "General consultation", "1500", "0"),
    ("CONS-SP", "Specialist consultation", "3500", "0"),
    ("FOLLOW", "Follow-up visit", "800", "0"),
    ("LAB-CBC", "Full blood count", "1200", "0"),
    ("LAB-MAL", "Malaria rapid test", "400", "0"),
    ("LAB-GLU", "Blood glucose", "300", "0"),
    ("XRAY", "Chest X-ray", "2500", "16"),
    ("ECG", "Electrocardiogram", "2000", "16"),
    ("VACC", "Vaccination (administration)", "500", "0"),
    ("DRESS", "Wound dressing", "650", "16"),
    ("CERT", "Medical certificate", "1000", "16"),
    ("PHARM", "Dispensing fee", "150", "16"),
)
GIVEN = (
    "Amina",
    "John",
    "Grace",
    "Peter",
    "Wanjiru",
    "Otieno",
    "Fatuma",
    "David",
    "Mary",
    "Joseph",
    "Aisha",
    "Samuel",
    "Esther",
    "Daniel",
    "Njeri",
    "Brian",
    "Mercy",
    "Kevin",
    "Faith",
    "Hassan",
    "Zawadi",
    "Ali",
    "Lucy",
    "Moses",
    "Jon",
    "Sarah",
    "Ibrahim",
    "Ruth",
    "Paul",
    "Halima",
)
FAMILY = (
    "Otieno",
    "Kamau",
    "Mwangi",
    "Ochieng",
    "Wanjiku",
    "Mohamed",
    "Smith",
    "Njoroge",
    "Kiprop",
    "Achieng",
    "Omondi",
    "Hassan",
    "Mutua",
    "Kariuki",
    "Chebet",
    "Abdi",
    "Juma",
    "Wafula",
    "Nyambura",
    "Kimani",
    "Smyth",
    "Odhiambo",
)
SPECIAL = (
    ("Zoë", "Núñez-Ångström", "female"),
    ("محمد", "عبد الله", "male"),
    ("小龍", "李", "male"),
    ("John", "Smith", "male"),
)


@dataclass(frozen=True)
class DemoSummary:
    """What the demo holds."""

    profile: Path
    patients: int
    invoices: int
    documents: int
    created: bool

    def __str__(self) -> str:
        verb = "Created" if self.created else "Found"
        return (
            f"{verb} the demo clinic at {self.profile}: {self.patients} patients, {self.invoices} invoices, "
            f"{self.documents} documents.\nLog in as admin / {ADMIN[1]} (also manager / {USERS[0][3]}, "
            f"doctor / {USERS[1][3]}, frontdesk / {USERS[2][3]})."
        )


def _png(size: int = 96) -> bytes:
    """A small sun logo drawn pixel by pixel (no imaging library needed)."""
    rows = []
    c = (size - 1) / 2
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            d = ((x - c) ** 2 + (y - c) ** 2) ** 0.5
            if d < size * 0.28:
                row += bytes((245, 166, 35, 255))
            elif d < size * 0.46 and (int((x - c) * 3) % 7 == 0 or int((y - c) * 3) % 7 == 0):
                row += bytes((245, 190, 80, 255))
            else:
                row += bytes((0, 0, 0, 0))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def _lab_pdf(title: str, lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(title)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(60, 780, title)
    c.setFont("Helvetica", 11)
    for i, line in enumerate(lines):
        c.drawString(60, 750 - 18 * i, line)
    c.showPage()
    c.save()
    return buf.getvalue()


def _patients_csv(n: int, rng: random.Random, today: date) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        [
            "given_name",
            "family_name",
            "sex",
            "birth_date",
            "phone",
            "email",
            "address",
            "national_id",
            "notes",
        ]
    )
    used_ids: set[str] = set()
    for i in range(n):
        if i < len(SPECIAL):
            given, family, sex = SPECIAL[i]
        else:
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            sex = rng.choice(("female", "male"))
        dob = today - timedelta(days=rng.randint(200, 33000))
        phone = f"07{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
        nid = ""
        if rng.random() < 0.7:
            while not nid or nid in used_ids:
                nid = str(rng.randint(10_000_000, 39_999_999))
            used_ids.add(nid)
        email = (
            f"{given.lower()}.{family.lower()}{i}@example.org"
            if given.isascii() and family.isascii() and rng.random() < 0.4
            else ""
        )
        address = f"P.O. Box {rng.randint(100, 9999)}, Nairobi" if rng.random() < 0.6 else ""
        w.writerow([given, family, sex, dob.isoformat(), phone, email, address, nid, ""])
    return out.getvalue()


def ensure_demo(profile_dir: Path, *, patients: int = 300, seed: int = 7) -> DemoSummary:
    """Create the demo clinic in `profile_dir` unless a store is already there."""
    if Profile.load(profile_dir).exists():
        store = Store.open(profile_dir)
        try:
            return _summary(store, profile_dir, created=False)
        finally:
            store.close()
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    clock = FakeClock(now - timedelta(days=150))  # history spread over five months for the reports
    store, _recovery = Store.create(
        profile_dir,
        clinic_name="Sunrise Community Clinic",
        admin_username=ADMIN[0],
        admin_password=ADMIN[1],
        admin_display_name="Ada Admin",
        clock=clock,
        settings={
            "clinic.address": "Ngong Road 14\nNairobi, Kenya",
            "clinic.tax_id": "P051234567X",
            "clinic.phone": "+254 20 555 0100",
            "clinic.email": "front@sunrise-clinic.example",
            "clinic.currency": "KES",
            "clinic.locale": "en_KE",
            "clinic.region": "KE",
            "clinic.invoice_footer": "Thank you. M-Pesa paybill 123456, account = invoice number.",
            "invoice.prefix": "SUN1",
        },
    )
    try:
        admin = auth.login(store, *ADMIN)
        _populate(store, admin, rng, patients, clock, now)
        return _summary(store, profile_dir, created=True)
    finally:
        store.close()


def _populate(
    store: Store, admin: Actor, rng: random.Random, n: int, clock: FakeClock, end: datetime
) -> None:
    from hmis_desktop.services import catalogue, documents, invoices, patient_io, payments

    with store.session() as s:
        for username, name, role, password in USERS:
            auth.create_user(
                s, actor=admin, username=username, display_name=name, role=role, password=password
            )
        logo = blobs.put_blob(s, _png())
        settings_mod.update(s, actor=admin, values={"clinic.logo_blob_id": str(logo.id)})
        services = [
            catalogue.create_service(
                s,
                actor=admin,
                data=catalogue.ServiceCreate(code=c, name=nm, price=Decimal(p), tax_rate=Decimal(t)),
            )
            for c, nm, p, t in CATALOGUE
        ]
    with store.session() as s:
        plan = patient_io.plan_import(s, actor=admin, source=_patients_csv(n, rng, end.date()))
        result = patient_io.run_import(s, actor=admin, plan=plan)
    ids = list(result.patient_ids)
    visits = ids[: max(4, len(ids) // 2)]
    step = timedelta(days=150) / max(1, len(visits))
    for i, pid in enumerate(visits):
        clock.advance((step).total_seconds())
        picks = rng.sample(services, k=rng.randint(1, 4))
        lines = [
            invoices.LineInput(service_id=svc.id, quantity=Decimal(rng.choice((1, 1, 1, 2)))) for svc in picks
        ]
        with store.session() as s:
            draft = invoices.create_draft(
                s, actor=admin, data=invoices.InvoiceCreate(patient_id=pid, lines=lines)
            )
            fate = rng.random() if i >= 5 else (0.1, 0.5, 0.8, 0.97, 0.99)[i]
            if fate < 0.08:
                continue  # stays a draft
            inv = invoices.issue_invoice(s, actor=admin, invoice_id=draft.id)
            if fate < 0.35:
                continue  # unpaid
            method = rng.choice(("cash", "cash", "card", "insurance", "bank_transfer"))
            if fate < 0.55:
                payments.take_payment(
                    s,
                    actor=admin,
                    invoice_id=inv.id,
                    amount=(inv.total / 2).quantize(Decimal("1")),
                    method=method,
                )
            elif fate < 0.95:
                payments.take_payment(
                    s, actor=admin, invoice_id=inv.id, amount=inv.total, method=method, reference=""
                )
            elif i % 2:
                invoices.void_invoice(s, actor=admin, invoice_id=inv.id, reason="Billed to the wrong patient")
            else:
                invoices.create_credit_note(s, actor=admin, invoice_id=inv.id, reason="Service not delivered")
    docs = 0
    for pid in ids[:: max(1, len(ids) // 25)][:25]:
        with store.session() as s:
            documents.attach_document(
                s,
                actor=admin,
                patient_id=pid,
                source=_lab_pdf(
                    "Laboratory result", ["Full blood count", "Haemoglobin 13.2 g/dL", "WBC 6.1 x10^9/L"]
                ),
                filename="lab-result.pdf",
                title="Full blood count",
                category="lab_result",
                doc_date=clock.now().date(),
            )
            docs += 1
    with store.session() as s:
        documents.attach_document(
            s,
            actor=admin,
            patient_id=ids[0],
            source=_png(160),
            filename="id-card.png",
            title="National ID (scan)",
            category="identity",
        )


def _summary(store: Store, profile_dir: Path, *, created: bool) -> DemoSummary:
    from sqlalchemy import func, select

    from hmis_desktop.store.models import Document, Invoice, Patient

    with store.read_session() as s:
        return DemoSummary(
            profile=profile_dir,
            patients=s.scalar(select(func.count()).select_from(Patient)) or 0,
            invoices=s.scalar(select(func.count()).select_from(Invoice)) or 0,
            documents=s.scalar(select(func.count()).select_from(Document)) or 0,
            created=created,
        )
