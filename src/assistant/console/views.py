"""What each console page shows, as plain data: tables (with their CSV), charts and idea cards.
Built on the database thread from the stores; the HTTP layer (console.server) only renders it.

Every table is one ``Table``: the page draws it, its chart is drawn from the same rows, and its
CSV download writes the same rows, so a figure on screen and in a spreadsheet never differ.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from dataclasses import dataclass, field

from assistant.console import charts
from assistant.console.groups import IdeaGroups
from assistant.console.words import word
from assistant.ideas.model import STATUSES, Idea
from assistant.knowledge import KnowledgeBase
from assistant.retrieval.search import Retriever
from assistant.store.insight import SMALL, IdeaCell, InsightStore, OpenQuestion
from assistant.store.moderation import pseudonym

PAGE_SIZE = 50  # ideas per page of the review queue
SIMILAR_SHOWN = 5  # near-duplicates shown beside an idea (the group link shows all)
OPEN_PER_SECTION = 10  # unanswered questions shown per section (the newest; triage shows more)


@dataclass(frozen=True)
class Table:
    """A titled table with its one-line definition, optional chart and CSV."""

    name: str
    title: str
    definition: str
    columns: list[str]
    rows: list[list[str]]
    chart: str = ""  # server-drawn SVG, or ""

    def csv(self) -> str:
        """The table as CSV (the same cells as on the page)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()


def section_names(kb: KnowledgeBase) -> dict[str, str]:
    """Section key ("doc#section") -> "Document title: heading", in reading order."""
    return {f"{d.id}#{s.id}": f"{d.title}: {s.heading}" for d in kb.documents for s in d.sections}


def _name(names: dict[str, str], key: str, lang: str) -> str:
    return names.get(key) or (key if key else word(lang, "no_nearest"))


def _percent(value: float | None) -> str:
    return "" if value is None else f"{round(100 * value)}%"


# --- insight -------------------------------------------------------------------------------------
def insight_tables(
    insight: InsightStore, groups: IdeaGroups, kb: KnowledgeBase, lang: str
) -> list[Table]:
    """The insight page: questions per week, sections reached, ideas by place, by related
    section, and the largest groups."""
    names = section_names(kb)
    headings = {f"{d.id}#{s.id}": s.heading for d in kb.documents for s in d.sections}
    grouping = groups.current()
    largest = grouping.largest()
    firsts = insight.ideas([first for first, _ in largest])
    weeks = insight.per_week()
    weekly = Table(
        "weekly",
        word(lang, "weekly"),
        word(lang, "weekly_def"),
        [word(lang, "week"), word(lang, "questions")],
        [[label, str(n)] for label, n in weeks],
    )
    weekly = _with_chart(weekly, charts.line, [n for _, n in weeks])

    sections = [f for f in insight.sections() if f.section and f.sure]
    sections.sort(key=lambda f: (-f.sure, f.section))
    reached = Table(
        "reached",
        word(lang, "reached"),
        word(lang, "reached_def"),
        [word(lang, "section"), word(lang, "answered"), word(lang, "up"), word(lang, "down")],
        [
            [_name(names, f.section, lang), str(f.sure), str(f.up), str(f.down)]
            for f in sections[:15]
        ],
    )
    reached = _with_chart(
        reached,
        charts.bars,
        [f.sure for f in sections[:15]],
        [headings.get(f.section, f.section) for f in sections[:15]],
    )

    cells = insight.ideas_by_place()
    by_place = Table(
        "by_place",
        word(lang, "by_place"),
        word(lang, "by_place_def"),
        [word(lang, "theme"), word(lang, "municipality"), word(lang, "ideas")],
        [
            [kb.theme_title(c.theme, lang), c.municipality or word(lang, "not_given"), c.shown]
            for c in cells
        ],
    )

    related = Counter(r.key for r in grouping.related.values())
    by_related = Table(
        "by_related",
        word(lang, "by_related"),
        word(lang, "by_related_def"),
        [word(lang, "section"), word(lang, "ideas")],
        [[_name(names, key, lang), _small(n)] for key, n in related.most_common()],
    )
    large = [(key, n) for key, n in related.most_common() if n >= SMALL]  # "< 5" draws no bar
    if large:
        by_related = _with_chart(
            by_related,
            charts.bars,
            [n for _, n in large],
            [headings.get(key, key) for key, _ in large],
        )

    biggest = Table(
        "groups",
        word(lang, "groups"),
        word(lang, "groups_def"),
        [word(lang, "size"), word(lang, "theme"), word(lang, "first_idea")],
        [
            [
                str(len(members)),
                kb.theme_title(firsts[first].theme, lang) if first in firsts else "",
                f"#{first} {firsts[first].text[:160]}" if first in firsts else f"#{first}",
            ]
            for first, members in largest
        ],
    )
    return [weekly, reached, by_place, by_related, biggest]


def _small(n: int) -> str:
    return IdeaCell("", "", n).shown


def _with_chart(
    table: Table, draw: object, values: list[int], labels: list[str] | None = None
) -> Table:
    """The table with a chart of ``values``, labelled by ``labels`` (default: the table's
    first column)."""
    if not table.rows:
        return table
    series = charts.Series(table.title, labels or [r[0] for r in table.rows], values)
    return Table(
        table.name,
        table.title,
        table.definition,
        table.columns,
        table.rows,
        draw(series),  # type: ignore[operator]
    )


# --- content gaps -------------------------------------------------------------------------------
@dataclass
class GapsPage:
    """The content-gap page."""

    table: Table
    open_questions: list[tuple[str, str, list[OpenQuestion], int]]  # key, name, questions, gone
    sections: list[tuple[str, str]]  # key, name: the choices for "belongs to"


class Replay:
    """How many residents the learned phrasings now answer: each learned phrasing's question
    asked again of the index in service, cached per index and set of phrasings."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self._lock = threading.Lock()
        self._key: tuple[object, ...] | None = None
        self._answered: dict[str, set[str]] = {}

    def answered(self, learned: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
        """Per section, which of its learned texts the current index answers outright with it
        (runs the search: call it off the event loop)."""
        key = (self.retriever.index.path, tuple(sorted(learned.items())))
        with self._lock:
            if key != self._key:
                found: dict[str, set[str]] = {}
                for section, texts in learned.items():
                    for text in texts:
                        answer = self.retriever.search(text)
                        top = answer.shown[0].passage.section_key if answer.shown else ""
                        if answer.verdict == "sure" and top == section:
                            found.setdefault(section, set()).add(text)
                self._key, self._answered = key, found
            return self._answered


def gaps_page(
    insight: InsightStore,
    learned: dict[str, tuple[str, ...]],
    answered: dict[str, set[str]],
    kb: KnowledgeBase,
    lang: str,
) -> GapsPage:
    """Figures per section, the untriaged questions per nearest section, learned phrasings."""
    names = section_names(kb)
    figures = insight.gaps()
    asking = insight.residents_asking([t for texts in learned.values() for t in texts])
    rows = []
    for f in figures.sections:
        now = sum(asking.get(t, 0) for t in answered.get(f.section, ()))
        rows.append(
            [
                _name(names, f.section, lang),
                str(f.questions),
                _percent(f.answer_rate),
                _percent(f.maybe_rate),
                str(f.chosen),
                str(f.up),
                str(f.down),
                str(len(learned.get(f.section, ()))),
                str(now),
            ]
        )
    table = Table(
        "sections",
        word(lang, "per_section"),
        word(lang, "per_section_def") + " " + word(lang, "now_answered_def"),
        [
            word(lang, "section"),
            word(lang, "questions"),
            word(lang, "answer_rate"),
            word(lang, "maybe_rate"),
            word(lang, "chosen"),
            word(lang, "up"),
            word(lang, "down"),
            word(lang, "learned"),
            word(lang, "now_answered"),
        ],
        rows,
    )
    gone = {f.section: f.texts_gone for f in figures.sections}
    groups = [
        (key, _name(names, key, lang), questions[:OPEN_PER_SECTION], gone.get(key, 0))
        for key, questions in sorted(
            figures.open_questions.items(), key=lambda kv: (-len(kv[1]), kv[0])
        )
    ]
    return GapsPage(table, groups, list(names.items()))


# --- moderation -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    """The review queue's filters (empty: any)."""

    theme: str = ""
    status: str = "pending"
    municipality: str = ""
    section: str = ""
    group: int | None = None
    offset: int = 0


@dataclass
class Card:
    """One idea as the queue shows it (no Telegram id or name; contact only when agreed)."""

    idea: Idea
    author: str  # pseudonym
    related: str  # section name, or ""
    group: int | None  # the group's number when it has two or more ideas
    similar: list[Idea] = field(default_factory=list)  # the other ideas of its group
    answers: list[tuple[str, str]] = field(default_factory=list)  # follow-up question, answer


@dataclass
class Queue:
    """The review page."""

    cards: list[Card]
    total: int
    themes: list[tuple[str, str]]
    municipalities: list[str]
    sections: list[tuple[str, str]]
    statuses: tuple[str, ...] = STATUSES


def queue_page(
    insight: InsightStore,
    groups: IdeaGroups,
    filters: Filters,
    kb: KnowledgeBase,
    secret: str,
    lang: str,
) -> Queue:
    """The ideas matching the filters, oldest first, a page at a time, with their groups (only
    the ideas on the page and their group members are read in full)."""
    statuses = (filters.status,) if filters.status in STATUSES else STATUSES
    grouping = groups.current()
    plain = (statuses, filters.theme, filters.municipality)
    if filters.section or filters.group is not None:  # filters the database cannot apply
        chosen = [
            i
            for i in insight.idea_ids(*plain)
            if (
                not filters.section
                or (i in grouping.related and grouping.related[i].key == filters.section)
            )
            and (filters.group is None or grouping.group_of.get(i) == filters.group)
        ]
        total, page = len(chosen), chosen[filters.offset : filters.offset + PAGE_SIZE]
    else:
        total = insight.count_ideas(*plain)
        page = insight.idea_ids(*plain, limit=PAGE_SIZE, offset=filters.offset)
    members = {
        i: [m for m in grouping.members.get(grouping.group_of.get(i, -1), []) if m != i][
            :SIMILAR_SHOWN
        ]
        for i in page
    }
    ideas = insight.ideas(sorted(set(page) | {m for ms in members.values() for m in ms}))
    names = section_names(kb)
    cards = []
    for idea_id in page:
        idea = ideas.get(idea_id)
        if idea is None:  # erased meanwhile
            continue
        group = grouping.group_of.get(idea.id)
        theme = kb.theme(idea.theme)
        questions = (
            {q.id: q.text.get(lang) or q.text["nl"] for q in theme.questions} if theme else {}
        )
        related = grouping.related.get(idea.id)
        cards.append(
            Card(
                idea=idea,
                author=pseudonym(secret, idea.author_id),
                related=names.get(related.key, related.heading) if related else "",
                group=group if members[idea_id] else None,
                similar=[ideas[m] for m in members[idea_id] if m in ideas],
                answers=[(questions.get(k, k), v) for k, v in idea.answers.items() if v],
            )
        )
    used_sections = sorted({r.key for r in grouping.related.values()})
    return Queue(
        cards=cards,
        total=total,
        themes=[(t.id, t.title.get(lang, t.id)) for t in kb.themes],
        municipalities=insight.municipalities(),
        sections=[(k, names.get(k, k)) for k in used_sections],
    )
