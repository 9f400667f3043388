"""Prometheus metrics of one running bot (a registry per Application, so tests stay apart)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """Questions (answered or not), ideas submitted, and reply latency."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.questions = Counter(
            "assistant_questions",
            "Questions asked, by whether they got an answer",
            ["answered"],
            registry=self.registry,
        )
        self.ideas = Counter(
            "assistant_ideas_submitted", "Ideas stored", ["theme"], registry=self.registry
        )
        self.reply_latency = Histogram(
            "assistant_reply_latency_seconds",
            "From a question's arrival to the reply being sent",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)
