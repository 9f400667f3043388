"""Moderators' command line: ``assistant ideas list|export|set-status`` and ``assistant audit``.

Changes made here are audited like those made in Telegram (actor ``cli:<login>``).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.export import pseudonym_secret, to_csv, to_json
from assistant.store.db import Database
from assistant.store.ideas import STATUSES, Idea
from assistant.store.moderation import VISIBLE, ModerationStore, pseudonym


def _store(settings: Settings) -> tuple[Database, ModerationStore]:
    db = Database(settings.database).open()
    return db, ModerationStore(db)


def _statuses(value: str | None) -> tuple[str, ...]:
    if value is None:
        return VISIBLE
    if value in ("all", "alle"):
        return STATUSES
    wanted = tuple(v.strip() for v in value.split(",") if v.strip())
    unknown = [v for v in wanted if v not in STATUSES]
    if unknown:
        raise AssistantError(
            f"unknown status '{unknown[0]}' (allowed: {', '.join(STATUSES)}, all)"
        )
    return wanted


def _select(settings: Settings, args: argparse.Namespace) -> tuple[list[Idea], str]:
    """The ideas the --theme and --status options ask for, and the pseudonym secret."""
    db, store = _store(settings)
    try:
        ideas = store.ideas(theme=args.theme, statuses=_statuses(args.status))
    finally:
        db.close()
    return ideas, pseudonym_secret(settings.pseudonym_secret, settings.data_dir)


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    """One line per idea: number, theme, status, date, pseudonym, start of the text."""
    ideas, secret = _select(settings, args)
    for idea in ideas:
        text = " ".join(idea.text.split())
        print(
            f"#{idea.id:<5} {idea.theme:<18} {idea.status:<9} {idea.created_at[:10]} "
            f"{pseudonym(secret, idea.author_id)}  {text[:70]}"
        )
    print(f"{len(ideas)} ideas", file=sys.stderr)
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the ideas to a CSV or JSON file (pseudonymous unless contact was agreed)."""
    ideas, secret = _select(settings, args)
    data = to_csv(ideas, secret) if args.format == "csv" else to_json(ideas, secret)
    args.output.write_bytes(data)
    print(f"wrote {len(ideas)} ideas to {args.output}")
    return 0


def cmd_set_status(settings: Settings, args: argparse.Namespace) -> int:
    """Set an idea's status (audited)."""
    if args.status not in STATUSES:
        raise AssistantError(f"unknown status '{args.status}' (allowed: {', '.join(STATUSES)})")
    db, store = _store(settings)
    try:
        change = store.set_status(
            args.id, args.status, f"cli:{getpass.getuser()}", reason=args.reason, expected=None
        )
    finally:
        db.close()
    if change.idea is None:
        raise AssistantError(f"there is no idea #{args.id}")
    if not change.changed:
        print(f"idea #{args.id} already has status {change.idea.status}")
    else:
        print(f"idea #{args.id}: {change.before} -> {change.idea.status}")
    return 0


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    """Print the moderation audit log, newest first."""
    db, store = _store(settings)
    try:
        entries = store.audit(limit=args.limit)
    finally:
        db.close()
    for e in entries:
        reason = f" ({e.reason})" if e.reason else ""
        print(
            f"{e.at}  #{e.idea_id:<5} {e.action:<8} {e.status_before} -> {e.status_after}  "
            f"by {e.actor}{reason}"
        )
    if not entries:
        print("no moderation actions yet")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ideas and audit subcommands to the ``assistant`` parser."""
    ideas = sub.add_parser("ideas", help="list, export and moderate ideas")
    ideas_sub = ideas.add_subparsers(dest="ideas_command", required=True)
    listing = ideas_sub.add_parser("list", help="list ideas (default: pending and approved)")
    listing.add_argument("--theme")
    listing.add_argument("--status", help="a status, several with commas, or 'all'")
    listing.set_defaults(func=cmd_list)
    export = ideas_sub.add_parser("export", help="export ideas to CSV or JSON")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("-o", "--output", type=Path, required=True)
    export.add_argument("--theme")
    export.add_argument("--status", help="a status, several with commas, or 'all'")
    export.set_defaults(func=cmd_export)
    status = ideas_sub.add_parser("set-status", help="set an idea's status (audited)")
    status.add_argument("id", type=int)
    status.add_argument("status", help=", ".join(STATUSES))
    status.add_argument("--reason", default="")
    status.set_defaults(func=cmd_set_status)
    audit = sub.add_parser("audit", help="print the moderation audit log")
    audit.add_argument("--limit", type=int, default=1000)
    audit.set_defaults(func=cmd_audit)
