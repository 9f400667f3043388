"""Telegram's rules for HTML message text, so the local transport refuses what Telegram would.

Only b/strong, i/em, u/ins, s/strike/del, tg-spoiler (and span class="tg-spoiler"), a href,
code, pre, blockquote are allowed; tags must nest; '<', '>' and '&' must be escaped elsewhere;
only &lt; &gt; &amp; &quot; and numeric entities are known.
"""

from __future__ import annotations

import html
import re

ALLOWED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "span",
           "a", "code", "pre", "blockquote", "tg-emoji"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class HtmlError(ValueError):
    """The text is not valid Telegram HTML; the message mimics the Bot API's."""


def _offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_html(text: str) -> str:
    """Validate Telegram HTML and return the plain text a resident would see."""
    stack: list[str] = []
    plain: list[str] = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch == "<":
            match = _TAG.match(text, pos)
            if not match:
                raise HtmlError(f"Can't parse entities: unexpected '<' at byte offset "
                                f"{_offset(text, pos)}")
            closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
            if name not in ALLOWED:
                raise HtmlError(f"Can't parse entities: unsupported start tag \"{name}\" at "
                                f"byte offset {_offset(text, pos)}")
            if closing:
                if not stack or stack[-1] != name:
                    raise HtmlError(f"Can't parse entities: can't find end tag corresponding "
                                    f"to start tag \"{stack[-1] if stack else name}\"")
                stack.pop()
            else:
                if name == "a" and "href=" not in attrs:
                    raise HtmlError("Can't parse entities: <a> without href")
                stack.append(name)
            pos = match.end()
        elif ch == ">":
            raise HtmlError(f"Can't parse entities: unexpected '>' at byte offset "
                            f"{_offset(text, pos)}")
        elif ch == "&":
            match = _ENTITY.match(text, pos)
            if not match:
                raise HtmlError(f"Can't parse entities: unsupported entity at byte offset "
                                f"{_offset(text, pos)}")
            plain.append(html.unescape(match.group(0)))
            pos = match.end()
        else:
            plain.append(ch)
            pos += 1
    if stack:
        raise HtmlError(f"Can't parse entities: can't find end tag corresponding to start tag "
                        f"\"{stack[-1]}\"")
    return "".join(plain)
