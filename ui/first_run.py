"""The first-run wizard: clinic profile, first administrator, store location, creation, the recovery key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from hmis_desktop import auth
from hmis_desktop.audit import Actor
from hmis_desktop.clock import Clock
from hmis_desktop.errors import HMISError
from hmis_desktop.profile import SQLITE_FILE
from hmis_desktop.store.store import Store
from ui.clinic_form import ClinicForm
from ui.first_run_work import Created, check_connection, create_store, recovery_pdf, save_private_file
from ui.messages import field_errors
from ui.ops import Op
from ui.widgets import MessageLabel, PasswordPolicy, hint, monospace, password_edit


@dataclass
class Answers:
    """What the wizard collected (the password is dropped once the store exists)."""

    clinic: dict[str, Any]
    logo: Path | None
    username: str
    display_name: str
    password: str
    url: str | None


class ClinicPage(QWizardPage):
    """The clinic's profile."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Your clinic"))
        self.setSubTitle(
            self.tr("How the clinic appears on invoices and documents. You can change it later.")
        )
        layout = QVBoxLayout(self)
        self.form = ClinicForm()
        layout.addWidget(self.form)
        layout.addStretch(1)

    def validatePage(self) -> bool:
        """Refuse values the core would refuse, with messages under the fields."""
        return not self.form.validate()


class AdminPage(QWizardPage):
    """The first administrator."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("First administrator"))
        self.setSubTitle(
            self.tr("This account manages users and settings. Add the other staff after the set-up.")
        )
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.username = QLineEdit("admin")
        self.username.setObjectName("adminUsername")
        self.username.setAccessibleName(self.tr("Administrator user name"))
        self.display_name = QLineEdit()
        self.display_name.setObjectName("adminDisplayName")
        self.display_name.setAccessibleName(self.tr("Administrator's full name"))
        self.password = password_edit(self.tr("Password"))
        self.password.setObjectName("adminPassword")
        self.confirm = password_edit(self.tr("Repeat the password"))
        self.confirm.setObjectName("adminConfirm")
        form.addRow(self.tr("&User name"), self.username)
        form.addRow(self.tr("&Full name"), self.display_name)
        form.addRow(self.tr("&Password"), self.password)
        form.addRow(self.tr("&Repeat it"), self.confirm)
        layout.addLayout(form)
        self.username_problem = MessageLabel()
        layout.addWidget(self.username_problem)
        self.policy = PasswordPolicy(self.password, self.confirm, self.username.text)
        layout.addWidget(self.policy)
        layout.addStretch(1)
        self.username.textChanged.connect(self.policy.refresh)
        self.username.textChanged.connect(self._changed)
        self.display_name.textChanged.connect(self._changed)
        self.policy.changed.connect(self._changed)

    def _changed(self, *_: object) -> None:
        name = self.username.text().strip().lower()
        if name and not auth.USERNAME_RE.fullmatch(name):
            self.username_problem.error(
                self.tr(
                    "User names have 2 to 63 characters: lower-case letters, digits, dot, dash or underscore."
                )
            )
        else:
            self.username_problem.clear_message()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """A valid user name, a name, and a password the policy accepts, typed twice."""
        name = self.username.text().strip().lower()
        return bool(auth.USERNAME_RE.fullmatch(name) and self.display_name.text().strip() and self.policy.ok)


class LocationPage(QWizardPage):
    """This PC's SQLite file, or a PostgreSQL server on the LAN (tested before it is accepted)."""

    def __init__(self, profile_dir: Path) -> None:
        super().__init__()
        self.setTitle(self.tr("Where to keep the records"))
        self.setSubTitle(self.tr("Everything is encrypted before it is written, wherever it is kept."))
        self.setCommitPage(False)
        layout = QVBoxLayout(self)
        self.local = QRadioButton(self.tr("On this PC"))
        self.local.setObjectName("locationLocal")
        self.server = QRadioButton(self.tr("On a PostgreSQL server on the clinic's network (several PCs)"))
        self.server.setObjectName("locationServer")
        group = QButtonGroup(self)
        group.addButton(self.local)
        group.addButton(self.server)
        self.local.setChecked(True)
        layout.addWidget(self.local)
        layout.addWidget(hint(self.tr("File: {path}").format(path=profile_dir / SQLITE_FILE)))
        layout.addSpacing(8)
        layout.addWidget(self.server)
        row = QHBoxLayout()
        self.url = QLineEdit()
        self.url.setObjectName("serverUrl")
        self.url.setAccessibleName(self.tr("Server address"))
        self.url.setPlaceholderText("postgresql://user@server:5432/clinic")
        self.test = QPushButton(self.tr("Test connection"))
        self.test.setObjectName("testConnection")
        row.addWidget(self.url, 1)
        row.addWidget(self.test)
        layout.addLayout(row)
        layout.addWidget(hint(self.tr("Use an empty database. Ask whoever runs the server for the address.")))
        self.result = MessageLabel()
        layout.addWidget(self.result)
        layout.addStretch(1)
        self.tested_url: str | None = None
        self.local.toggled.connect(self._mode_changed)
        self.url.textChanged.connect(self._url_changed)
        self.test.clicked.connect(self.run_test)
        self._mode_changed()

    def _mode_changed(self, *_: object) -> None:
        server = self.server.isChecked()
        self.url.setEnabled(server)
        self.test.setEnabled(server)
        self.completeChanged.emit()

    def _url_changed(self) -> None:
        self.tested_url = None
        self.result.clear_message()
        self.completeChanged.emit()

    def run_test(self) -> None:
        """Connect off the GUI thread; the page completes only for the URL that passed."""
        url = self.url.text().strip()
        if not url:
            self.result.error(self.tr("Enter the server's address first."))
            return
        self.test.setEnabled(False)
        self.result.info(self.tr("Connecting…"))

        def ok(_: object) -> None:
            self.test.setEnabled(True)
            if self.url.text().strip() == url:
                self.tested_url = url
                self.result.success(self.tr("Connected. The database is empty and ready."))
                self.completeChanged.emit()

        def failed(error: HMISError) -> None:
            self.test.setEnabled(True)
            self.result.error(str(error))

        Op(self, lambda: check_connection(url), ok, failed, key="first_run.test_connection").run()

    def chosen_url(self) -> str | None:
        """None for this PC's SQLite, else the tested URL."""
        return self.tested_url if self.server.isChecked() else None

    def isComplete(self) -> bool:
        """This PC, or a server that passed the test with the URL as typed now."""
        if self.local.isChecked():
            return True
        return self.tested_url is not None and self.tested_url == self.url.text().strip()


class CreatePage(QWizardPage):
    """Creates the store off the GUI thread, then moves on to the recovery key."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Creating the clinic's store"))
        self.setSubTitle(self.tr("Generating keys and preparing the encrypted store."))
        self.setCommitPage(True)
        layout = QVBoxLayout(self)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setAccessibleName(self.tr("Progress"))
        layout.addWidget(self.progress)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.retry = QPushButton(self.tr("Try again"))
        self.retry.hide()
        layout.addWidget(self.retry)
        layout.addStretch(1)
        self.done = False
        self.retry.clicked.connect(self.initializePage)

    def initializePage(self) -> None:
        """Start the creation."""
        wizard = self.wizard()
        assert isinstance(wizard, FirstRunWizard)
        self.done = False
        self.retry.hide()
        self.progress.show()
        self.message.info(self.tr("This takes a few seconds."))
        answers = wizard.answers()
        profile_dir, clock = wizard.profile_dir, wizard.clock

        def failed(error: HMISError) -> None:
            self.progress.hide()
            errors = field_errors(error)
            self.message.error(" ".join(errors.values()) if errors else str(error))
            self.retry.show()

        Op(
            self,
            lambda: create_store(profile_dir, answers, clock),
            wizard.created_ok,
            failed,
            name="first_run.create",
        ).run()

    def isComplete(self) -> bool:
        """Only once the store exists."""
        return self.done


class RecoveryPage(QWizardPage):
    """The recovery key, shown once: save or print it, and confirm before finishing."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Your recovery key"))
        self.setSubTitle(
            self.tr(
                "If every administrator password is lost, this key is the only way back in. It is shown "
                "only now: save it as a PDF or print it, and keep it somewhere safe, away from this PC."
            )
        )
        layout = QVBoxLayout(self)
        self.key = QLabel()
        self.key.setObjectName("recoveryKey")
        self.key.setFont(monospace(19))
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key.setWordWrap(True)
        self.key.setAccessibleName(self.tr("Recovery key"))
        layout.addWidget(self.key)
        layout.addSpacing(6)
        row = QHBoxLayout()
        self.save_pdf = QPushButton(self.tr("Save as PDF…"))
        self.save_pdf.setObjectName("savePdf")
        self.print_key = QPushButton(self.tr("Print…"))
        self.print_key.setObjectName("printKey")
        row.addWidget(self.save_pdf)
        row.addWidget(self.print_key)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(
            hint(
                self.tr(
                    "Anyone with this key and a copy of the store can read the clinic's records: do not "
                    "e-mail it, photograph it or leave it on this PC. The key ignores case, spaces and dashes."
                )
            )
        )
        self.message = MessageLabel()
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.confirm = QCheckBox(self.tr("I have saved or printed the recovery key"))
        self.confirm.setObjectName("confirmSaved")
        layout.addWidget(self.confirm)
        self.registerField("recoverySaved*", self.confirm)
        self.save_pdf.clicked.connect(self.ask_save)
        self.print_key.clicked.connect(self.ask_print)

    def initializePage(self) -> None:
        """Show the key."""
        wizard = self.wizard()
        assert isinstance(wizard, FirstRunWizard)
        self.key.setText(wizard.recovery_key)

    def _pdf(self) -> bytes:
        wizard = self.wizard()
        assert isinstance(wizard, FirstRunWizard)
        return recovery_pdf(wizard.clinic_name, wizard.recovery_key, wizard.clock.now().date())

    def ask_save(self) -> None:
        """Choose a file and save the PDF there."""
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the recovery key"), str(Path.home() / "recovery-key.pdf"), "PDF (*.pdf)"
        )
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> None:
        """Write the PDF (readable only by this user) off the GUI thread."""
        make = self._pdf

        def ok(_: object) -> None:
            self.message.success(self.tr("Saved to {path}. Move it somewhere safe.").format(path=path))

        Op(
            self,
            lambda: save_private_file(path, make()),
            ok,
            lambda e: self.message.error(str(e)),
            name="first_run.save_pdf",
        ).run()

    def ask_print(self) -> None:
        """Print the same sheet as the PDF."""
        from ui.printing import ask_and_print  # pypdfium2 and the print dialog load on first use

        try:
            if ask_and_print(self, self._pdf(), self.tr("Recovery key")):
                self.message.success(self.tr("Sent to the printer."))
        except OSError as exc:
            self.message.error(self.tr("Printing failed: {reason}").format(reason=exc.strerror or str(exc)))


class FirstRunWizard(QWizard):
    """Set up a clinic on this PC; emits `completed(store, actor)` with the admin signed in."""

    completed = Signal(object, object)

    def __init__(
        self, profile_dir: Path, *, clock: Clock | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.profile_dir = profile_dir
        self.store: Store | None = None
        self.actor: Actor | None = None
        self.recovery_key = ""
        self.setObjectName("firstRunWizard")
        self.setWindowTitle(self.tr("Set up HMIS Desktop"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.clinic_page = ClinicPage()
        self.admin_page = AdminPage()
        self.location_page = LocationPage(profile_dir)
        self.create_page = CreatePage()
        self.recovery_page = RecoveryPage()
        for page in (
            self.clinic_page,
            self.admin_page,
            self.location_page,
            self.create_page,
            self.recovery_page,
        ):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("Continue"))
        self.location_page.setButtonText(QWizard.WizardButton.NextButton, self.tr("Create the store"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Start using HMIS Desktop"))
        self._clock = clock
        self.resize(760, 680)

    @property
    def clock(self) -> Clock:
        """The clock the store uses (injected in tests)."""
        if self.store is not None:
            return self.store.clock
        from hmis_desktop.clock import SystemClock

        return self._clock or SystemClock()

    @property
    def clinic_name(self) -> str:
        """The name typed on the first page."""
        return str(self.clinic_page.form.values()["clinic.name"])

    def answers(self) -> Answers:
        """Everything the pages collected."""
        return Answers(
            clinic=self.clinic_page.form.values(),
            logo=self.clinic_page.form.logo_file(),
            username=self.admin_page.username.text().strip().lower(),
            display_name=self.admin_page.display_name.text().strip(),
            password=self.admin_page.password.text(),
            url=self.location_page.chosen_url(),
        )

    def created_ok(self, created: Created) -> None:
        """The store exists: keep it, forget the typed password, show the recovery key."""
        self.store, self.actor, self.recovery_key = created.store, created.actor, created.recovery_key
        self.admin_page.password.clear()
        self.admin_page.confirm.clear()
        if created.note:
            self.recovery_page.message.info(created.note)
        self.create_page.done = True
        self.create_page.completeChanged.emit()
        self.next()

    def reject(self) -> None:
        """Cancel before the store exists; after, only Finish leaves (the key must have been saved)."""
        if self.store is None:
            super().reject()

    def accept(self) -> None:
        """Finish: hand the signed-in admin to the application."""
        if self.store is None or not self.recovery_page.confirm.isChecked():
            return
        super().accept()
        self.recovery_key = ""
        self.recovery_page.key.clear()
        self.completed.emit(self.store, self.actor)
