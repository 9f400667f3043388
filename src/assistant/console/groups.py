"""Which ideas form groups of near-duplicates and which part of the texts each idea builds on,
computed once per state of the ideas' vectors and of the index (both take seconds for 10,000
ideas; the pages that show them must take milliseconds)."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from assistant.ideas.model import VISIBLE
from assistant.similar_ideas import IdeaMatcher, RelatedSection
from assistant.store.insight import InsightStore


@dataclass(frozen=True)
class Grouping:
    """Near-duplicate groups (each named by its smallest idea number) and related sections of
    the visible ideas."""

    group_of: dict[int, int] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)  # groups of two or more
    related: dict[int, RelatedSection] = field(default_factory=dict)

    def largest(self, n: int = 10) -> list[tuple[int, list[int]]]:
        """The ``n`` largest groups, largest first (ties: oldest first)."""
        return sorted(self.members.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:n]


class IdeaGroups:
    """The current ``Grouping`` of the pending and approved ideas, recomputed when the ideas
    (the table's fingerprint), their vectors (the vector store's marks) or the index change."""

    def __init__(self, matcher: IdeaMatcher, insight: InsightStore) -> None:
        self.matcher = matcher
        self.insight = insight
        self._lock = threading.Lock()
        self._key: tuple[object, ...] | None = None
        self._value = Grouping()

    def current(self) -> Grouping:
        """The grouping as it is now. Call it on the database thread (it reads the ideas and,
        when they changed, their vectors)."""
        matcher = self.matcher
        key = (matcher.vectors.marks(), self.insight.fingerprint(), matcher.retriever.index.path)
        with self._lock:
            if key == self._key:
                return self._value
            vectors = matcher.stored_vectors(self.insight.idea_ids(VISIBLE))
            labels = matcher.clusters(sorted(vectors)) if vectors else {}
            members: dict[int, list[int]] = defaultdict(list)
            for idea, group in sorted(labels.items()):
                members[group].append(idea)
            self._value = Grouping(
                group_of=labels,
                members={g: ids for g, ids in members.items() if len(ids) > 1},
                related=matcher.nearest_sections(vectors),
            )
            self._key = key
            return self._value
