"""`hmis-desktop`: the command line over the same core services the desktop app uses.

Passwords come from a prompt, or from $HMIS_PASSWORD (and $HMIS_NEW_PASSWORD) for scripts; never from
arguments, which other users of the PC can see in the process list. Every failure prints a sentence and
exits with the error's code (2 invalid input, 3 store, 4 keys, 5 login, 6 permission, 9 backup).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from hmis_desktop import __version__
from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError, ValidationError
from hmis_desktop.profile import default_profile_dir
from hmis_desktop.store.store import Store


def _password(prompt: str, env: str = "HMIS_PASSWORD", confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise ValidationError({"password": f"No password given: set ${env} or run in a terminal."})
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != first:
        raise ValidationError({"password": "The two passwords differ."})
    return first


def _open(args: argparse.Namespace) -> tuple[Store, Actor]:
    from hmis_desktop import auth

    store = Store.open(args.profile)
    store.unlock_with_device()
    user = args.user or os.environ.get("HMIS_USER") or "admin"
    actor = auth.login(store, user, _password(f"Password for {user}: "))
    return store, actor


def cmd_init(args: argparse.Namespace) -> int:
    """Create a store: clinic profile, first admin, recovery key shown once."""
    password = _password(f"Password for the new administrator '{args.admin}': ", confirm=True)
    store, recovery = Store.create(
        args.profile,
        clinic_name=args.clinic_name,
        admin_username=args.admin,
        admin_password=password,
        admin_display_name=args.admin_name,
        url=args.url,
        use_keyring=not args.no_keyring,
        settings={"clinic.currency": args.currency, "clinic.region": args.region},
    )
    with store.read_session() as s:
        from sqlalchemy import select

        from hmis_desktop.store.models import KeySlot

        device = s.scalar(select(KeySlot.id).where(KeySlot.kind == "device")) is not None
    store.close()
    print(f"Created the store for {args.clinic_name} at {store.describe()}.")
    print(
        "This PC's keyring holds a device key."
        if device
        else "No OS keyring: users' passwords open the store."
    )
    print()
    print("RECOVERY KEY (shown once; print it or write it down and keep it in a safe place):")
    print()
    print(f"    {recovery}")
    print()
    print("Anyone with this key and a copy of the store can read the clinic's data.")
    print("It is the only way back in if every administrator password is lost.")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """Where the store is and what it holds (counts, no PHI)."""
    from sqlalchemy import func, select

    from hmis_desktop.crypto.keys import keyring_available
    from hmis_desktop.rotation import rotation_pending
    from hmis_desktop.store.migrate import current_revision
    from hmis_desktop.store.models import DataKey, Document, Invoice, KeySlot, Patient, User

    store = Store.open(args.profile)
    with store.read_session() as s:
        counts = {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (Patient, Invoice, Document, User)
        }
        slots = sorted(s.scalars(select(KeySlot.kind)))
        keys = [(k.id, k.state) for k in s.scalars(select(DataKey).order_by(DataKey.id))]
    print(f"HMIS Desktop {__version__}")
    print(f"Profile:   {args.profile}")
    print(f"Store:     {store.describe()} (id {store.profile.store_id})")
    print(f"Schema:    {current_revision(store.engine)}")
    print(
        f"Key slots: {', '.join(slots)}; OS keyring {'available' if keyring_available() else 'not available'}"
    )
    print(f"Data keys: {', '.join(f'{i} ({st})' for i, st in keys)}")
    print("Records:   " + ", ".join(f"{n} {t}" for t, n in counts.items()))
    if store.unlock_with_device() and rotation_pending(store):
        print("A key rotation is unfinished: run `hmis-desktop rotate-key --resume`.")
    store.close()
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    """List and manage users."""
    from sqlalchemy import select

    from hmis_desktop import auth
    from hmis_desktop.store.models import User

    store, actor = _open(args)
    try:
        with store.session() as s:
            if args.action == "list":
                for u in auth.list_users(s, actor=actor):
                    state = "active" if u.active else "disabled"
                    print(f"{u.username:<20} {u.role:<11} {state:<9} {u.display_name}")
                return 0
            target = s.scalars(select(User).where(User.username == (args.username or "").lower())).first()
            if args.action == "add":
                pw = _password(f"Temporary password for {args.username}: ", "HMIS_NEW_PASSWORD", confirm=True)
                auth.create_user(
                    s,
                    actor=actor,
                    username=args.username,
                    display_name=args.name or args.username,
                    role=args.role,
                    password=pw,
                )
                print(f"Added {args.username} ({args.role}); they choose their own password at first login.")
                return 0
            if target is None:
                raise ValidationError({"username": "No such user."})
            if args.action in ("disable", "enable"):
                auth.set_active(s, actor=actor, user_id=target.id, active=args.action == "enable")
            elif args.action == "role":
                auth.set_role(s, actor=actor, user_id=target.id, role=args.role)
            elif args.action == "reset-password":
                pw = _password(
                    f"New temporary password for {target.username}: ", "HMIS_NEW_PASSWORD", confirm=True
                )
                auth.reset_password(s, actor=actor, user_id=target.id, new_password=pw)
            print(f"Done: {args.action} {target.username}.")
        return 0
    finally:
        store.close()


def cmd_backup(args: argparse.Namespace) -> int:
    """Write an encrypted backup."""
    from hmis_desktop import backup

    store, actor = _open(args)
    try:
        info = backup.create_backup(store, actor=actor, dest=args.dest)
    finally:
        store.close()
    print(f"Backup written: {info.path} ({info.size:,} bytes).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the store with a backup, after checking it; the replaced store is kept aside."""
    from hmis_desktop import backup

    info = backup.read_info(args.file)
    print(f"Backup of store {info.store_id} made {info.created_at} ({info.kind}).")
    recovery = os.environ.get("HMIS_RECOVERY_KEY") if args.recovery else None
    if args.recovery and not recovery:
        recovery = getpass.getpass("Recovery key: ")
    user = None if recovery else (args.user or os.environ.get("HMIS_USER") or "admin")
    password = None if recovery else _password(f"Password for {user} (as of the backup): ")
    if args.decrypt_to:
        backup.decrypt_to(args.file, args.decrypt_to, username=user, password=password, recovery_key=recovery)
        print(f"Decrypted the backup's database to {args.decrypt_to} (its patient fields stay encrypted).")
        return 0
    kept = backup.restore_backup(
        args.file, args.profile, username=user, password=password, recovery_key=recovery
    )
    backup.restore_check(args.profile)
    print(f"Restored into {args.profile}.")
    if kept:
        print(f"The store it replaced was kept at {kept}.")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Check the audit chain and decrypt every encrypted value."""
    from hmis_desktop.rotation import verify_store

    store, actor = _open(args)
    try:
        check = verify_store(store, actor=actor)
    finally:
        store.close()
    print(f"Checked {check.values.checked:,} encrypted values; database pages: {check.database}.")
    for table, column, row in check.values.bad[:50]:
        print(f"  cannot decrypt {table}.{column} of row {row}")
    for p in check.audit_problems[:50]:
        print(f"  audit event {p.seq}: {p.problem}")
    if check.ok:
        print("Everything checks out: the audit chain is intact and every value decrypts.")
        return 0
    print("Problems found: restore the affected records from a backup (see README, 'Backups').")
    return 10


def cmd_rotate_key(args: argparse.Namespace) -> int:
    """Make a new data key primary and re-encrypt everything under it (resumable)."""
    from hmis_desktop.rotation import resume_rotation, rotation_pending, start_rotation

    store, actor = _open(args)
    try:
        if not args.resume or not rotation_pending(store):
            key_id = start_rotation(store, actor=actor)
            print(f"Data key {key_id} is now primary; re-encrypting existing values…")
        report = resume_rotation(
            store, actor=actor, progress=lambda n: print(f"\r  {n:,} rows", end="", flush=True)
        )
    finally:
        store.close()
    print(f"\nDone: {report.reencrypted:,} rows re-encrypted; retired keys {report.retired or 'none'}.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Create (or top up) a demo clinic with synthetic patients, invoices and documents."""
    from hmis_desktop import demo

    summary = demo.ensure_demo(args.profile, patients=args.patients)
    print(summary)
    return 0


def cmd_import_patients(args: argparse.Namespace) -> int:
    """Import patients from CSV: a dry run first, then all or nothing."""
    from hmis_desktop.services import patient_io

    store, actor = _open(args)
    try:
        with store.read_session() as s:
            plan = patient_io.plan_import(s, actor=actor, source=args.file)
        print(patient_io.describe_plan(plan))
        if args.dry_run or not plan.ok:
            return 0 if plan.ok else 2
        with store.session() as s:
            result = patient_io.run_import(s, actor=actor, plan=plan)
        print(f"Imported {result.imported:,} patients.")
        return 0
    finally:
        store.close()


def cmd_export(args: argparse.Namespace) -> int:
    """Export patients as CSV or a FHIR R4 bundle."""
    from hmis_desktop.services import patient_io

    store, actor = _open(args)
    try:
        with store.session() as s:
            if args.format == "csv":
                n = patient_io.export_patients_csv(s, actor=actor, path=args.out)
            else:
                n = patient_io.export_patients_fhir(s, actor=actor, path=args.out)
    finally:
        store.close()
    print(f"Exported {n:,} patients to {args.out}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the docs)."""
    p = argparse.ArgumentParser(prog="hmis-desktop", description="HMIS Desktop command line.")
    p.add_argument("--version", action="version", version=f"hmis-desktop {__version__}")
    p.add_argument(
        "--profile", type=Path, default=None, help="profile folder (default: the per-user data folder)"
    )
    p.add_argument("--user", help="user name to log in as (default $HMIS_USER or admin)")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, fn: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=fn)
        return sp

    sp = add("init", cmd_init, "create a new store and its first administrator")
    sp.add_argument("--clinic-name", required=True)
    sp.add_argument("--admin", default="admin", help="user name of the first administrator")
    sp.add_argument("--admin-name", default="Administrator", help="their display name")
    sp.add_argument("--url", help="a LAN PostgreSQL URL instead of this PC's SQLite file")
    sp.add_argument("--currency", default="USD")
    sp.add_argument("--region", default="US", help="country code for phone numbers")
    sp.add_argument("--no-keyring", action="store_true", help="do not keep a device key in the OS keyring")
    add("info", cmd_info, "show where the store is and what it holds")
    sp = add("users", cmd_users, "list and manage users")
    sp.add_argument("action", choices=["list", "add", "disable", "enable", "role", "reset-password"])
    sp.add_argument("username", nargs="?")
    sp.add_argument("--role", choices=["front_desk", "doctor", "manager", "admin"], default="front_desk")
    sp.add_argument("--name", help="display name (add)")
    sp = add("backup", cmd_backup, "write an encrypted backup of the store")
    sp.add_argument("dest", type=Path, help="a file, or a folder to write a dated file in")
    sp = add("restore", cmd_restore, "replace the store with a backup (the replaced one is kept)")
    sp.add_argument("file", type=Path)
    sp.add_argument("--recovery", action="store_true", help="open the backup with the recovery key")
    sp.add_argument("--decrypt-to", type=Path, help="only decrypt the backup's database to this file")
    add("verify", cmd_verify, "check the audit chain and that every encrypted value decrypts")
    sp = add("rotate-key", cmd_rotate_key, "rotate the data key and re-encrypt all values")
    sp.add_argument("--resume", action="store_true", help="finish an interrupted rotation")
    sp = add("demo", cmd_demo, "create a demo clinic with synthetic data")
    sp.add_argument("--patients", type=int, default=300)
    sp = add("import-patients", cmd_import_patients, "import patients from a CSV file")
    sp.add_argument("file", type=Path)
    sp.add_argument("--dry-run", action="store_true")
    sp = add("export", cmd_export, "export patients")
    sp.add_argument("--format", choices=["csv", "fhir"], default="csv")
    sp.add_argument("--out", type=Path, required=True)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = build_parser().parse_args(argv)
    if args.profile is None:
        args.profile = default_profile_dir()
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except ValidationError as exc:
        for field, msg in exc.errors.items():
            print(f"error: {field}: {msg}", file=sys.stderr)
        return exc.exit_code
    except HMISError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Interrupted; nothing half-done was kept.", file=sys.stderr)
        return 130
