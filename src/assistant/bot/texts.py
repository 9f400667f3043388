"""User-facing texts from the locale files (locales/nl.yaml, locales/en.yaml).

Handlers never hold texts themselves. ``texts.html(lang, key, **values)`` for everything sent as
a message (the Application sends Telegram HTML by default): values are escaped before they are
filled in. ``texts.plain(lang, key, **values)`` for what Telegram never parses: button labels,
callback answers, command descriptions.
"""

from __future__ import annotations

import html as _html
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
_DIR = Path(__file__).resolve().parent / "locales"


@cache
def _catalog(lang: str) -> dict[str, str]:
    data = yaml.safe_load((_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))
    return {str(k): str(v).rstrip("\n") for k, v in data.items()}


class Html(str):
    """Text that is already Telegram HTML (a rendered fragment): inserted without escaping."""


def telegram_speaks(code: str | None) -> bool:
    """Whether a Telegram language code is one of ours (nl, en, en-GB, ...)."""
    return (code or "").lower().split("-")[0] in LANGUAGES


def language_for(code: str | None, chosen: str | None = None) -> str:
    """The reply language: the resident's choice, else English for English Telegram clients."""
    if chosen in LANGUAGES:
        return chosen
    return "en" if (code or "").lower().startswith("en") else DEFAULT_LANGUAGE


def html(lang: str, key: str, **values: Any) -> str:
    """The text ``key`` in ``lang`` (Dutch if missing there) as Telegram HTML: values escaped
    (except ``Html`` fragments)."""
    return plain(
        lang,
        key,
        **{
            k: v if isinstance(v, Html) else _html.escape(str(v), quote=False)
            for k, v in values.items()
        },
    )


def plain(lang: str, key: str, **values: Any) -> str:
    """The text ``key`` as plain text (button labels, callback answers, command
    descriptions: never parsed by Telegram): values are not escaped."""
    catalog = _catalog(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    template = catalog.get(key) or _catalog(DEFAULT_LANGUAGE)[key]
    return template.format(**values) if values else template


def keys(lang: str) -> set[str]:
    """All keys of a locale (the tests compare nl and en)."""
    return set(_catalog(lang))
