"""The demo clinic holds what `make run` promises: every role, every invoice state, documents."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from hmis_desktop import auth, demo
from hmis_desktop.store.models import Document, Invoice, Payment
from hmis_desktop.store.store import Store


def test_demo_clinic(tmp_path: Path) -> None:
    summary = demo.ensure_demo(tmp_path / "demo", patients=40)
    assert summary.created and summary.patients == 40 and summary.invoices >= 20 and summary.documents >= 2
    again = demo.ensure_demo(tmp_path / "demo", patients=40)
    assert not again.created and again.patients == 40  # a second run changes nothing
    store = Store.open(tmp_path / "demo")
    for username, password in [demo.ADMIN] + [(u, pw) for u, _, _, pw in demo.USERS]:
        assert auth.login(store, username, password).username == username
    with store.read_session() as s:
        states = set(s.scalars(select(Invoice.state).distinct()))
        kinds = set(s.scalars(select(Invoice.kind).distinct()))
        assert {"draft", "issued", "voided"} <= states and kinds == {"invoice", "credit_note"}
        assert s.scalar(select(func.count()).select_from(Payment)) > 0
        assert (
            s.scalar(select(func.count()).select_from(Document).where(Document.mime == "application/pdf")) > 0
        )
    store.close()
