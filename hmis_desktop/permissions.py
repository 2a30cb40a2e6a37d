"""Roles and what each may do. Checked in the core services, not only hidden in the UI."""

from __future__ import annotations

import enum

from hmis_desktop.audit import Actor
from hmis_desktop.errors import PermissionDenied


class Role(enum.StrEnum):
    """The four roles of a clinic."""

    FRONT_DESK = "front_desk"
    DOCTOR = "doctor"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """Human name of the role."""
        return {
            "front_desk": "Front desk",
            "doctor": "Doctor",
            "manager": "Manager",
            "admin": "Administrator",
        }[self.value]


class Perm(enum.StrEnum):
    """Permissions; the value reads as the end of "may not …" in refusals."""

    PATIENT_VIEW = "view patients"
    PATIENT_CREATE = "register patients"
    PATIENT_EDIT = "edit patients"
    PATIENT_ARCHIVE = "archive or restore patients"
    PATIENT_MERGE = "merge patients"
    PATIENT_UNMERGE = "undo a patient merge"
    PATIENT_HISTORY = "see a patient's history"
    INVOICE_VIEW = "view invoices"
    INVOICE_EDIT = "create or edit draft invoices"
    INVOICE_ISSUE = "issue invoices"
    INVOICE_VOID = "void invoices or issue credit notes"
    PAYMENT_TAKE = "take payments"
    PAYMENT_REFUND = "refund payments"
    INVOICE_EXPORT = "export invoices in bulk"
    REPORT_VIEW = "see financial reports"
    DOCUMENT_VIEW = "view documents"
    DOCUMENT_ATTACH = "attach documents"
    DOCUMENT_EDIT = "rename, re-categorise or archive documents"
    DOCUMENT_EXPORT = "export documents"
    CATALOGUE_MANAGE = "manage the service catalogue"
    PATIENT_IMPORT = "import patients"
    PATIENT_EXPORT = "export patients"
    USER_MANAGE = "manage users"
    SETTINGS_MANAGE = "change clinic settings"
    KEY_MANAGE = "manage encryption keys"
    BACKUP_RUN = "make backups"
    BACKUP_RESTORE = "restore backups"
    AUDIT_VIEW = "see the audit log"


_FRONT_DESK = {
    Perm.PATIENT_VIEW,
    Perm.PATIENT_CREATE,
    Perm.PATIENT_EDIT,
    Perm.INVOICE_VIEW,
    Perm.INVOICE_EDIT,
    Perm.INVOICE_ISSUE,
    Perm.PAYMENT_TAKE,
    Perm.DOCUMENT_VIEW,
    Perm.DOCUMENT_ATTACH,
    Perm.DOCUMENT_EDIT,
}
_DOCTOR = {
    Perm.PATIENT_VIEW,
    Perm.PATIENT_CREATE,
    Perm.PATIENT_EDIT,
    Perm.INVOICE_VIEW,
    Perm.DOCUMENT_VIEW,
    Perm.DOCUMENT_ATTACH,
    Perm.DOCUMENT_EDIT,
    Perm.DOCUMENT_EXPORT,
}
_MANAGER = (
    _FRONT_DESK
    | _DOCTOR
    | {
        Perm.PATIENT_ARCHIVE,
        Perm.PATIENT_MERGE,
        Perm.PATIENT_HISTORY,
        Perm.INVOICE_VOID,
        Perm.PAYMENT_REFUND,
        Perm.INVOICE_EXPORT,
        Perm.REPORT_VIEW,
        Perm.CATALOGUE_MANAGE,
        Perm.PATIENT_IMPORT,
        Perm.PATIENT_EXPORT,
        Perm.BACKUP_RUN,
        Perm.AUDIT_VIEW,
    }
)
MATRIX: dict[Role, frozenset[Perm]] = {
    Role.FRONT_DESK: frozenset(_FRONT_DESK),
    Role.DOCTOR: frozenset(_DOCTOR),
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMIN: frozenset(Perm),
}


def allowed(role: str, perm: Perm) -> bool:
    """Whether `role` has `perm`."""
    try:
        return perm in MATRIX[Role(role)]
    except ValueError:
        return False


def require(actor: Actor, perm: Perm) -> None:
    """Raise PermissionDenied unless the actor's role has `perm`."""
    if not allowed(actor.role, perm):
        raise PermissionDenied(
            perm.value, Role(actor.role).label.lower() if actor.role in Role else actor.role
        )
