"""Telegram's rules for HTML message text, so the local transport refuses what Telegram would.

Only b/strong, i/em, u/ins, s/strike/del, tg-spoiler (and span class="tg-spoiler"), a href,
code, pre, blockquote are allowed; tags must nest; '<', '>' and '&' must be escaped elsewhere;
only &lt; &gt; &amp; &quot; and numeric entities are known. Nesting follows the Bot API: code
and pre hold no other entity (except code inside pre), a link holds no link, a blockquote no
blockquote. Lengths and entity offsets are counted as Telegram counts them: UTF-16 units of the
parsed text.
"""

from __future__ import annotations

import html
import re

from assistant.text import utf16_len

ALLOWED = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "tg-spoiler",
    "span",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_CANONICAL = {
    "strong": "b",
    "em": "i",
    "ins": "u",
    "strike": "s",
    "del": "s",
    "span": "tg-spoiler",
}

Entity = tuple[str, int, int]  # (kind, offset, length) in UTF-16 units of the parsed text


class HtmlError(ValueError):
    """The text is not valid Telegram HTML; the message mimics the Bot API's."""


def _offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _check_nesting(name: str, stack: list[str], text: str, pos: int) -> None:
    for outer in stack:
        if outer in ("code", "pre") and not (outer == "pre" and name == "code"):
            raise HtmlError(
                f'Can\'t parse entities: can\'t nest "{name}" inside "{outer}" '
                f"at byte offset {_offset(text, pos)}"
            )
        if name == outer and name in ("a", "blockquote"):
            raise HtmlError(
                f'Can\'t parse entities: nested "{name}" at byte offset {_offset(text, pos)}'
            )


def parse_entities(text: str) -> tuple[str, list[Entity]]:
    """Validate Telegram HTML; return the plain text and its entities (UTF-16 offsets)."""
    stack: list[str] = []
    starts: list[int] = []
    entities: list[Entity] = []
    plain: list[str] = []
    units = 0
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch == "<":
            match = _TAG.match(text, pos)
            if not match:
                raise HtmlError(
                    f"Can't parse entities: unexpected '<' at byte offset {_offset(text, pos)}"
                )
            closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
            if name not in ALLOWED:
                raise HtmlError(
                    f'Can\'t parse entities: unsupported start tag "{name}" at '
                    f"byte offset {_offset(text, pos)}"
                )
            if closing:
                if not stack or stack[-1] != name:
                    raise HtmlError(
                        f"Can't parse entities: can't find end tag corresponding "
                        f'to start tag "{stack[-1] if stack else name}"'
                    )
                stack.pop()
                start = starts.pop()
                if units > start:  # Telegram drops empty entities
                    entities.append(
                        (_CANONICAL.get(name, name) + attrs.strip(), start, units - start)
                    )
            else:
                if name == "a" and "href=" not in attrs:
                    raise HtmlError("Can't parse entities: <a> without href")
                _check_nesting(name, stack, text, pos)
                stack.append(name)
                starts.append(units)
            pos = match.end()
            continue
        if ch == ">":
            raise HtmlError(
                f"Can't parse entities: unexpected '>' at byte offset {_offset(text, pos)}"
            )
        if ch == "&":
            match = _ENTITY.match(text, pos)
            if not match:
                raise HtmlError(
                    f"Can't parse entities: unsupported entity at byte offset {_offset(text, pos)}"
                )
            piece = html.unescape(match.group(0))
            pos = match.end()
        else:
            piece = ch
            pos += 1
        plain.append(piece)
        units += utf16_len(piece)
    if stack:
        raise HtmlError(
            f"Can't parse entities: can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(plain), sorted(entities, key=lambda e: (e[1], -e[2]))


def parse_html(text: str) -> str:
    """Validate Telegram HTML and return the plain text a resident would see."""
    return parse_entities(text)[0]
