"""The inactivity lock (KeePassXC's InactivityTimer, CommCare's saved forms; DESIGN.md "the lock").

An application-wide event filter reports key, mouse and wheel input to the headless `InactivityPolicy`; a
one-second QTimer asks the policy where things stand and shows the warning banner or locks. Locking is
synchronous and never asks anything: pages' unsaved forms are collected, every page drops its patient data,
open dialogs close, the clipboard is cleared if it holds our text, and the lock screen replaces the content.
Drafts are then saved encrypted for the user, off the GUI thread, with the audit event. Unlocking checks the
password with `auth.login` (failures count toward the lockout) and restores that user's drafts.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QFrame, QHBoxLayout, QLabel, QWidget

from hmis_desktop import auth
from hmis_desktop.audit import Actor
from hmis_desktop.drafts import delete_draft, load_drafts, save_draft
from hmis_desktop.errors import DecryptionError, HMISError
from hmis_desktop.inactivity import InactivityPolicy, Phase
from hmis_desktop.store.store import Store
from ui import clipboard
from ui.account import display_name, lock_timeout_minutes
from ui.lock_screen import LockScreen
from ui.messages import auth_message
from ui.ops import Op
from ui.passwords import ChangePasswordDialog

log = logging.getLogger(__name__)

KEEP_ON_LOCK = "hmis_keep_on_lock"

_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TabletPress,
}


class Lockable(Protocol):
    """What the lock needs from the main window."""

    store: Store

    @property
    def actor(self) -> Actor: ...

    def collect_drafts(self) -> dict[str, dict[str, Any]]: ...

    def enter_lock(self) -> None: ...

    def leave_lock(self, actor: Actor, display_name: str, drafts: dict[str, dict[str, Any]]) -> None: ...


class ActivityFilter(QObject):
    """Application-wide: any key, mouse or wheel input counts as activity. Never consumes events."""

    lock_due = Signal()
    lock_requested = Signal()

    def __init__(self, policy: InactivityPolicy, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.policy = policy
        self.paused = False
        self.lock_keys = QKeySequence("Ctrl+L")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Touch the policy on input; note our own Copy/Cut for the clipboard guard."""
        if event.type() in _INPUT and not self.paused:
            if (
                event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and QKeySequence(event.keyCombination()) == self.lock_keys
            ):
                # A modal dialog blocks the window's shortcut; the lock key must work everywhere.
                self.lock_requested.emit()
                return True
            if not self.policy.touch():
                self.lock_due.emit()  # input after the deadline (e.g. the key that woke the PC)
            if (
                event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and (
                    event.matches(QKeySequence.StandardKey.Copy)
                    or event.matches(QKeySequence.StandardKey.Cut)
                )
            ):
                QTimer.singleShot(0, clipboard.remember_current)
        return False


class WarningBanner(QFrame):
    """ "Locking in 1:59 — move the mouse or press a key to stay signed in"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("warningBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        self.label = QLabel()
        self.label.setObjectName("warningText")
        layout.addWidget(self.label, 1)
        self.hide()

    def show_countdown(self, countdown: str) -> None:
        """Show (or update) the countdown."""
        text = self.tr("Locking in {countdown} — move the mouse or press a key to stay signed in").format(
            countdown=countdown
        )
        self.label.setText(text)
        self.label.setAccessibleName(text)
        self.show()


def close_dialogs(window: QWidget) -> int:
    """Close every popup and dialog without asking (their callers see Rejected); returns how many.

    Dialogs are deleted afterwards so no hidden dialog keeps patient data in the window's widget tree.
    """
    for _ in range(10):
        popup = QApplication.activePopupWidget()
        if popup is None:
            break
        popup.close()
    closed = 0
    candidates = [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog)]
    candidates += [w for w in window.findChildren(QDialog) if w not in candidates]
    for dialog in candidates:
        if not shiboken6.isValid(dialog) or dialog.property(KEEP_ON_LOCK):
            continue
        if dialog.isVisible():
            dialog.done(QDialog.DialogCode.Rejected)
            closed += 1
        dialog.deleteLater()
    return closed


@dataclass(frozen=True)
class Unlocked:
    """What a successful unlock brings back to the GUI thread."""

    actor: Actor
    display_name: str
    drafts: dict[str, dict[str, Any]]
    must_change_password: bool
    timeout_minutes: int


def save_lock(store: Store, actor: Actor, drafts: dict[str, dict[str, Any]], reason: str) -> None:
    """Worker: keep the user's unsaved forms as encrypted drafts and audit the lock, in one transaction."""
    with store.session() as s:
        for form_key, payload in drafts.items():
            save_draft(s, actor=actor, form_key=form_key, payload=payload)
        store.audit(s, "session.lock", actor=actor, detail={"reason": reason, "drafts": len(drafts)})


def unlock(store: Store, username: str, password: str, locked_user: Actor) -> Unlocked:
    """Worker: check the password (counted toward lockout), take the user's drafts, audit the unlock."""
    actor = auth.login(store, username, password)
    with store.session() as s:
        try:
            drafts = load_drafts(s, actor=actor)
        except DecryptionError as exc:
            log.warning("drafts of a user could not be read: %s", type(exc).__name__)
            drafts = {}
        delete_draft(s, actor=actor)
        switched = actor.user_id != locked_user.user_id
        store.audit(s, "session.unlock", actor=actor, detail={"switched": switched})
    return Unlocked(
        actor=actor,
        display_name=display_name(store, actor.user_id),
        drafts=drafts,
        must_change_password=auth.must_change_password(store, actor),
        timeout_minutes=lock_timeout_minutes(store),
    )


class LockController(QObject):
    """Owns the policy's timer, the warning banner and the lock screen of one main window."""

    locked_changed = Signal(bool)
    unlocked = Signal(object)

    def __init__(self, window: Lockable, policy: InactivityPolicy, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.policy = policy
        self.banner = WarningBanner()
        self.screen = LockScreen()
        self.screen.unlock_requested.connect(self._try_unlock)
        self.filter = ActivityFilter(policy, self)
        self.filter.lock_due.connect(lambda: self.lock("timeout"))
        self.filter.lock_requested.connect(lambda: self.lock("manual"))
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.filter)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self._locked_actor: Actor | None = None
        # Drafts whose save failed, by user id: restored from memory at that user's unlock.
        self._unsaved: dict[uuid.UUID, dict[str, dict[str, Any]]] = {}
        self.last_error: HMISError | None = None

    @property
    def locked(self) -> bool:
        """Whether the lock screen is up."""
        return self._locked_actor is not None

    def stop(self) -> None:
        """Stop watching input (the window is closing)."""
        self.timer.stop()
        self.filter.paused = True
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.filter)

    def tick(self) -> None:
        """Once a second: warn, lock, or hide the warning."""
        if self.locked:
            return
        state = self.policy.state()
        if state.phase is Phase.LOCK_DUE:
            self.lock("timeout")
        elif state.phase is Phase.WARNING:
            self.banner.show_countdown(state.countdown)
        elif self.banner.isVisible():
            self.banner.hide()

    def lock(self, reason: str = "manual", *, switching: bool = False) -> None:
        """Lock now: collect drafts, clear every page, close dialogs, show the lock screen; never ask."""
        if self.locked:
            if switching and not self.screen.switching:
                self.screen.set_switching(True)
            return
        actor = self.window.actor
        self._locked_actor = actor
        self.policy.force_due()
        self.filter.paused = True
        drafts = self.window.collect_drafts()
        self.window.enter_lock()
        self.banner.hide()
        close_dialogs(self.screen.window())
        clipboard.clear_if_ours()
        self.screen.show_for(
            actor.username, getattr(self.window, "display_name", ""), actor.role, switching=switching
        )
        self._unsaved[actor.user_id] = dict(drafts)
        store = self.window.store
        Op(
            self.screen,
            lambda: save_lock(store, actor, drafts, reason),
            lambda _: self._unsaved.pop(actor.user_id, None),
            self._save_failed,
            name="lock.save",
            ignore_lock=True,
        ).run()
        self.locked_changed.emit(True)

    def _save_failed(self, error: HMISError) -> None:
        # The drafts stay in memory for this user's unlock; say so instead of losing them silently.
        self.last_error = error
        self.screen.message.error(
            self.tr(
                "Unsaved forms could not be stored ({error}); they are kept until this user unlocks."
            ).format(error=str(error))
        )

    def _try_unlock(self, username: str, password: str) -> None:
        locked = self._locked_actor
        if locked is None:
            return
        store = self.window.store
        Op(
            self.screen,
            lambda: unlock(store, username, password, locked),
            lambda result: self._unlocked(result, password),
            self._unlock_failed,
            name="lock.unlock",
            ignore_lock=True,
        ).run()

    def _unlock_failed(self, error: HMISError) -> None:
        self.last_error = error
        self.screen.show_error(auth_message(error))

    def _unlocked(self, result: Unlocked, password: str) -> None:
        drafts = {**result.drafts, **self._unsaved.pop(result.actor.user_id, {})}
        self._locked_actor = None
        self.window.leave_lock(result.actor, result.display_name, drafts)
        try:
            self.policy.set_timeout(result.timeout_minutes)
        except HMISError:
            log.warning("lock timeout setting out of range; keeping %s", self.policy.timeout_minutes)
        self.policy.reset()
        self.filter.paused = False
        self.locked_changed.emit(False)
        self.unlocked.emit(result.actor)
        if result.must_change_password:
            self._force_password_change(result.actor, password)

    def _force_password_change(self, actor: Actor, password: str) -> None:
        dialog = ChangePasswordDialog(
            self.window.store, actor, old_password=password, forced=True, parent=self.screen.window()
        )
        dialog.rejected.connect(lambda: self.lock("password_change_refused"))
        dialog.open()
