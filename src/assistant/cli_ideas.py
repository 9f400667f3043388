"""Moderators' command line: ``assistant ideas list|export|set-status|duplicate|similar|clusters``
and ``assistant audit``.

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
from assistant.ideas.model import STATUSES, VISIBLE, Idea
from assistant.service import idea_matcher, open_service
from assistant.similar_ideas import IdeaMatcher
from assistant.store.db import Database
from assistant.store.ideas import IdeaStore
from assistant.store.moderation import DuplicateRefused, ModerationStore, pseudonym


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


def _matcher(settings: Settings, db: Database) -> IdeaMatcher:
    """The ideas' matcher on the index in service, every idea given a vector first."""
    service = open_service(settings, build=True)
    matcher = idea_matcher(settings, db, service.retriever, service.knowledge)
    made = matcher.reembed()
    if made:
        print(f"computed {made} idea vectors", file=sys.stderr)
    return matcher


def _overview(settings: Settings, ideas: list[Idea]) -> tuple[dict[int, str], dict[int, int]]:
    """Each idea's related section ("heading (document)") and group."""
    db = Database(settings.database).open()
    try:
        matcher = _matcher(settings, db)
        ids = [i.id for i in ideas]
        vectors = matcher.stored_vectors(ids)
        sections = matcher.nearest_sections(vectors)
        related = {
            i: f"{sections[i].heading} ({sections[i].doc_title})" if i in sections else ""
            for i in ids
        }
        return related, matcher.clusters(ids)
    finally:
        db.close()


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the ideas to a CSV or JSON file (pseudonymous unless contact was agreed), with
    each idea's related section and group of similar ideas."""
    ideas, secret = _select(settings, args)
    related, clusters = _overview(settings, ideas)
    write = to_csv if args.format == "csv" else to_json
    data = write(ideas, secret, related=related, clusters=clusters)
    args.output.write_bytes(data)
    print(f"wrote {len(ideas)} ideas to {args.output}")
    return 0


def cmd_set_status(settings: Settings, args: argparse.Namespace) -> int:
    """Set an idea's status (audited)."""
    if args.status == "duplicate":
        raise AssistantError(
            "a duplicate needs the idea it joins: assistant ideas duplicate ID OF"
        )
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


def cmd_duplicate(settings: Settings, args: argparse.Namespace) -> int:
    """Mark an idea as a duplicate of another (audited)."""
    db, store = _store(settings)
    try:
        change = store.mark_duplicate(args.id, args.of, f"cli:{getpass.getuser()}", expected=None)
    except DuplicateRefused as exc:  # the same rules as the bot's button
        raise AssistantError(str(exc)) from exc
    finally:
        db.close()
    if change.idea is None:
        raise AssistantError(f"there is no idea #{args.id}")
    if not change.changed:
        print(f"idea #{args.id} already has status {change.idea.status}")
    else:
        print(f"idea #{args.id}: {change.before} -> duplicate of #{change.idea.duplicate_of}")
    return 0


def cmd_similar(settings: Settings, args: argparse.Namespace) -> int:
    """The ideas most like one idea (pending and approved by default), and the sections of the
    sources it relates to."""
    db = Database(settings.database).open()
    try:
        idea = IdeaStore(db).get(args.id)
        if idea is None:
            raise AssistantError(f"there is no idea #{args.id}")
        matcher = _matcher(settings, db)
        vector = matcher.vector_of(idea.id, idea.text)
        threshold = -1.0 if args.any else None
        found = matcher.similar(
            vector,
            text=idea.text,
            statuses=_statuses(args.status),
            exclude=(idea.id,),
            k=args.k,
            threshold=threshold,
            theme=idea.theme,
        )
        related = matcher.related(vector, idea.text, idea.theme)
        texts = {i.id: i.text for i in ModerationStore(db).ideas(statuses=STATUSES)}
    finally:
        db.close()
    print(f"#{idea.id}: {' '.join(idea.text.split())[:90]}")
    for r in related:
        kind = "its proposal" if r.own else f"belief {r.score:.2f}"
        print(f"  relates to: {r.heading} ({r.doc_title}, {r.year})  {kind}")
    if not found:
        print(
            "  no similar ideas" + ("" if args.any else f" at or above {matcher.tuning.duplicate}")
        )
    for m in found:
        text = " ".join(texts.get(m.id, "").split())[:70]
        print(f"  #{m.id:<5} {m.status:<9} {m.score:.2f}  {text}")
    return 0


def cmd_clusters(settings: Settings, args: argparse.Namespace) -> int:
    """Groups of similar ideas (two or more), largest first."""
    ideas, _ = _select(settings, args)
    _, clusters = _overview(settings, ideas)
    by_id = {i.id: i for i in ideas}
    groups: dict[int, list[int]] = {}
    for idea_id, label in clusters.items():
        groups.setdefault(label, []).append(idea_id)
    shown = sorted((g for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g[0]))
    for members in shown:
        lead = " ".join(by_id[members[0]].text.split())[:70]
        numbers = " ".join(f"#{m}" for m in sorted(members))
        print(f"group of {len(members)}: {numbers}\n  {lead}")
    alone = sum(1 for g in groups.values() if len(g) == 1)
    print(
        f"{len(shown)} groups of similar ideas; {alone} ideas alike to no other", file=sys.stderr
    )
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
    duplicate = ideas_sub.add_parser("duplicate", help="mark an idea as a duplicate (audited)")
    duplicate.add_argument("id", type=int)
    duplicate.add_argument("of", type=int, help="the idea it duplicates")
    duplicate.set_defaults(func=cmd_duplicate)
    similar = ideas_sub.add_parser("similar", help="ideas most like one idea, related sections")
    similar.add_argument("id", type=int)
    similar.add_argument("--status", help="a status, several with commas, or 'all'")
    similar.add_argument("-k", type=int, default=5, help="at most this many")
    similar.add_argument("--any", action="store_true", help="the nearest, however far")
    similar.set_defaults(func=cmd_similar)
    clusters = ideas_sub.add_parser("clusters", help="groups of similar ideas")
    clusters.add_argument("--theme")
    clusters.add_argument("--status", help="a status, several with commas, or 'all'")
    clusters.set_defaults(func=cmd_clusters)
    audit = sub.add_parser("audit", help="print the moderation audit log")
    audit.add_argument("--limit", type=int, default=1000)
    audit.set_defaults(func=cmd_audit)
