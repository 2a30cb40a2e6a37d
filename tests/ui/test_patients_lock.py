"""The lock with the Patients page busy: nothing of a patient stays in any widget or model, and the
half-filled registration form comes back exactly after the unlock (the phase-1 MainWindow/LockController path)."""

from __future__ import annotations

from pathlib import Path

from hmis_desktop import auth
from hmis_desktop.clock import FakeClock
from hmis_desktop.drafts import load_drafts
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD, admin_actor
from tests.patients_helpers import reg
from tests.ui.conftest import settle
from tests.ui.patients_ui import fill_form, open_window, png_file, search_for
from tests.ui.test_lock import _unlock, window_texts

SECRET_GIVEN = "Zoë"
SECRET_FAMILY = "Wanjiru-Achieng"


def test_lock_clears_the_page_and_unlock_restores_the_form(
    qtbot, ui_store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    admin = admin_actor(ui_store)
    known = reg(ui_store, admin, given_name="Amina", family_name="Otieno", alerts="Diabetic")
    window, page = open_window(qtbot, ui_store, admin, clock)
    assert search_for(qtbot, page, "amina") == ["Amina Otieno"]
    page.open_patient(known.id)
    qtbot.waitUntil(lambda: page.record.patient is not None)
    documents = page.record.documents
    documents.attach_files([png_file(tmp_path / "otieno-id.png")])
    qtbot.waitUntil(lambda: documents.model.rowCount() == 1)
    documents.table.selectRow(0)
    qtbot.waitUntil(lambda: documents.preview.kind == "image")
    # Half a registration: the name is non-ASCII, so it is set, not typed (keyClicks aborts on it).
    window.command_actions["new_patient"].trigger()
    assert page.view() == "form"
    fill_form(
        page,
        given_name=SECRET_GIVEN,
        family_name=SECRET_FAMILY,
        sex="female",
        estimated_age="34",
        phone="0712 999 888",
        alerts="Needs a Swahili interpreter",
    )
    page.registration.fields.phones.add_row()
    page.registration.fields.phones.rows[1].number.setText("0733 111 222")
    before = page.registration.fields.state()
    draft_before = page.collect_draft()

    window.lock.lock("manual")
    assert window.locked
    settle(qtbot)
    texts = window_texts(window)
    for secret in (SECRET_GIVEN, SECRET_FAMILY, "0712 999 888", "0733 111 222", "Swahili", "Amina", "Otieno"):
        assert secret not in texts, secret
    assert "Diabetic" not in texts and "otieno-id" not in texts
    assert page.search.model.rowCount() == 0 and page.search.box.text() == ""
    assert documents.model.rowCount() == 0 and documents.preview.pixmap().isNull()
    assert documents.preview.image.pixmap().isNull()
    assert page.record.patient is None and page.registration.fields.is_empty()
    stored = load_drafts_of_admin(ui_store)
    assert stored["patients"] == draft_before

    _unlock(qtbot, window, ADMIN_PASSWORD)
    assert not window.locked
    settle(qtbot)
    assert page.view() == "form"
    assert page.registration.fields.state() == before
    assert page.collect_draft() == draft_before
    assert page.search.box.text() == "amina"
    # The form saves as if the lock never happened.
    page.registration.save()
    qtbot.waitUntil(lambda: page.registration.duplicates.isVisible() or page.view() == "record")
    qtbot.waitUntil(
        lambda: page.record.patient is not None and page.record.patient.family_name == SECRET_FAMILY
    )
    assert [p.number for p in page.record.patient.phones] == ["+254712999888", "+254733111222"]
    window.close()


def load_drafts_of_admin(store: Store) -> dict:
    """The admin's saved drafts (what the lock wrote)."""
    admin = auth.login(store, "admin", ADMIN_PASSWORD)
    with store.read_session() as s:
        return load_drafts(s, actor=admin)
