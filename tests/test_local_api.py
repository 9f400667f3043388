"""The local Bot API is as strict as Telegram where our bot could go wrong, and injects faults."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter, ExtBot

import assistant.bot  # noqa: F401 - sets PTB_TIMEDELTA
from assistant.bot.html_check import HtmlError, parse_html
from assistant.localbot.api import LocalBotApi

TOKEN = "123:ABC"


async def make_bot(api: LocalBotApi, *, rate_limited: bool = False) -> Bot:
    bot: Bot = ExtBot(
        TOKEN,
        request=api,
        get_updates_request=api,
        rate_limiter=AIORateLimiter(max_retries=3) if rate_limited else None,
    )
    await bot.initialize()
    return bot


@pytest.mark.parametrize(
    "text",
    [
        "<b>ok</b> &amp; fine",
        "<a href='https://x.nl'>x</a>",
        "<blockquote>q</blockquote>",
        "plain 1 &lt; 2",
    ],
)
def test_valid_html(text: str) -> None:
    assert parse_html(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<div>x</div>", 'unsupported start tag "div"'),
        ("<b>x", "can't find end tag"),
        ("<b><i>x</b></i>", "can't find end tag"),
        ("1 < 2", "unexpected '<'"),
        ("a > b", "unexpected '>'"),
        ("fish & chips", "unsupported entity"),
        ("<a>x</a>", "href"),
    ],
)
def test_invalid_html(text: str, problem: str) -> None:
    with pytest.raises(HtmlError, match=problem):
        parse_html(text)


async def test_refuses_what_telegram_refuses() -> None:
    api = LocalBotApi()
    bot = await make_bot(api)
    with pytest.raises(BadRequest, match=r"(?i)text is empty"):
        await bot.send_message(1, "   ")
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(1, "x" * 4097)
    assert await bot.send_message(1, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)parse entities"):
        await bot.send_message(1, "a <b>b", parse_mode=ParseMode.HTML)
    long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(1, "x", reply_markup=long_data)
    message = await bot.send_message(1, "hallo")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("hallo", chat_id=1, message_id=message.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("nieuw", chat_id=1, message_id=99999)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("unknown-query")
    assert await bot.edit_message_text("nieuw", chat_id=1, message_id=message.message_id)
    assert api.messages[(1, message.message_id)].text == "nieuw"
    await bot.shutdown()


async def test_faults_are_injected_and_retried() -> None:
    api = LocalBotApi()
    bot = await make_bot(api, rate_limited=True)
    api.inject("429", "sendMessage", times=1, retry_after=1)
    sent = await bot.send_message(1, "na een 429")  # the rate limiter waits and retries
    assert sent.text == "na een 429"
    assert [c.ok for c in api.calls if c.method == "sendMessage"] == [False, True]
    assert len(api.to_chat(1)) == 1  # delivered once, not three times
    api.inject("timeout", "sendMessage")
    with pytest.raises(TimedOut):
        await bot.send_message(1, "timeout")
    api.inject("drop", "sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(1, "dropped")
    api.inject("500", "sendMessage")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(1, "server error")
    assert len(api.to_chat(1)) == 1
    await bot.shutdown()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<code><b>x</b></code>", "nest"),
        ("<a href='x'><a href='y'>z</a></a>", "nested"),
        ("<blockquote><blockquote>q</blockquote></blockquote>", "nested"),
    ],
)
def test_nesting_rules(text: str, problem: str) -> None:
    with pytest.raises(HtmlError, match=problem):
        parse_html(text)
    assert parse_html("<pre><code>x</code></pre>") == "x"


async def test_strict_as_telegram_on_units_edits_blocks_and_replies() -> None:
    from telegram.error import Forbidden

    api = LocalBotApi()
    bot = await make_bot(api)
    assert await bot.send_message(1, "😀" * 2048)  # 4096 UTF-16 units
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(1, "😀" * 2049)
    assert await bot.send_message(1, "<b>" + "&amp;" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    message = await bot.send_message(1, "1 &lt; 2", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)not modified"):  # same text once parsed
        await bot.edit_message_text(
            "1 &#60; 2", chat_id=1, message_id=message.message_id, parse_mode=ParseMode.HTML
        )
    assert await bot.edit_message_text(
        "<b>1 &lt; 2</b>",
        chat_id=1,  # new entity: modified
        message_id=message.message_id,
        parse_mode=ParseMode.HTML,
    )
    api.blocked.add(5)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(5, "hallo")
    api.inject("403", "sendMessage")
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(1, "hallo")
    with pytest.raises(BadRequest, match="replied not found"):
        await bot.send_message(1, "antwoord", reply_to_message_id=424242)
    sent = await bot.send_message(
        1, "antwoord", reply_to_message_id=424242, allow_sending_without_reply=True
    )
    reply = await bot.send_message(1, "op jou", reply_to_message_id=sent.message_id)
    assert reply.reply_to_message is not None
    api.expect_callback("q1")
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await bot.answer_callback_query("q1", "😀" * 101)  # 202 units
    await bot.shutdown()
