"""Admin → Keys: rotation with progress to the end, cancel and resume, and Verify store."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from hmis_desktop import rotation
from hmis_desktop.clock import FakeClock
from hmis_desktop.store.store import Store
from tests.ui.billing_support import issued_invoice, make_clinic, page_of, window_for
from tests.ui.conftest import settle
from ui.billing.jobs import JobProgress
from ui.pages.admin import AdminPage
from ui.pages.admin_keys import encrypted_rows, run_rotation


def test_rotation_runs_to_completion_with_progress_and_the_store_verifies(
    qtbot, ui_store: Store, clock: FakeClock
) -> None:
    clinic = make_clinic(ui_store)
    issued_invoice(clinic)
    old_key = ui_store.require_keys().cipher.primary_id
    window = window_for(qtbot, ui_store, clock, clinic.admin)
    page = page_of(window, AdminPage, qtbot)
    page.tabs.setCurrentWidget(page.keys)
    settle(qtbot)
    tab = page.keys
    assert tab.state.text() == f"Key {old_key} protects every value."
    assert not tab.resume_button.isVisible()

    seen: list[tuple[int, int]] = []
    tab.rotate()
    box = tab.confirm_box
    assert isinstance(box, QMessageBox)
    next(b for b in box.buttons() if b.text() == "Rotate").click()
    progress = tab.rotation_strip.progress
    assert progress is not None and tab.rotation_strip.isVisible()
    progress.progressed.connect(lambda done, total: seen.append((done, total)))
    settle(qtbot)
    assert not tab.rotation_strip.running and not tab.rotation_strip.isVisible()
    assert "values re-encrypted under key" in tab.rotation_message.text()
    total = encrypted_rows(ui_store)
    assert seen and seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # progress only moves forward
    new_key = ui_store.require_keys().cipher.primary_id
    assert new_key != old_key and not rotation.rotation_pending(ui_store)
    assert tab.state.text() == f"Key {new_key} protects every value. 1 older key is retired."

    tab.verify_button.click()
    settle(qtbot)
    assert tab.verify_message.property("kind") == "success"
    assert "The store is sound" in tab.verify_message.text()


def test_a_stopped_rotation_is_offered_for_resume(qtbot, ui_store: Store, clock: FakeClock) -> None:
    clinic = make_clinic(ui_store)
    stopped = JobProgress()
    stopped.cancel()
    outcome = run_rotation(ui_store, clinic.admin, stopped, start=True)
    assert outcome.cancelled and rotation.rotation_pending(ui_store)
    window = window_for(qtbot, ui_store, clock, clinic.admin)
    page = page_of(window, AdminPage, qtbot)
    page.tabs.setCurrentWidget(page.keys)
    settle(qtbot)
    tab = page.keys
    assert "A rotation is not finished" in tab.state.text()
    assert tab.resume_button.isVisible() and not tab.rotate_button.isEnabled()
    # The screen locks while it runs: the job goes on and its outcome is there after unlock.
    tab.resume_button.click()
    window.lock.lock("manual")
    settle(qtbot)
    assert not rotation.rotation_pending(ui_store)
    assert "values re-encrypted" in tab.rotation_message.text()
