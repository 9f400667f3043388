"""Every message fits Telegram's limits whatever residents typed (issue 13, item 1).

Telegram counts UTF-16 units of the parsed text (4096 per message); the local Bot API does the
same, so a reply that Telegram would refuse fails these tests. The longest allowed idea, in
plain letters and in emoji, goes through summary, Send, /review and /mijnideeen; an idea longer
than today's limits (stored earlier, or by the CLI) is still reviewable; long lists are paged.
"""

from __future__ import annotations

import pytest

from assistant.bot import limits, texts
from assistant.ideas.model import MAX_ANSWER_CHARS, MAX_CHARS, MAX_PLACE_CHARS, Draft
from assistant.localbot.api import LocalBotApi, SentMessage
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.text import utf16_len as text_length
from tests.conftest import services_of
from tests.support import MOD

LONG_NAME = Resident(id=620, first_name="W" * 64, language_code="nl")


def sized(unit: str, units: int) -> str:
    """A text of exactly ``units`` UTF-16 units made of ``unit`` (and letters to fill)."""
    text = unit * (units // text_length(unit))
    text += "a" * (units - text_length(text))
    assert text_length(text) == units
    return text


def no_refusals(api: LocalBotApi) -> None:
    refused = [(c.method, c.error) for c in api.calls if not c.ok]
    assert refused == []


async def longest_summary(telegram: LocalTelegram, who: Resident, unit: str) -> SentMessage:
    [choice] = await telegram.send(who, "/idee")
    await telegram.press(who, choice, "theme:preventiecoalitie")
    [step] = await telegram.send(who, "Idee " + sized(unit, MAX_CHARS - 5))
    for _ in range(2):
        [step] = await telegram.send(who, "Antw " + sized(unit, MAX_ANSWER_CHARS - 5))
    [step] = await telegram.send(who, "Plek " + sized(unit, MAX_PLACE_CHARS - 5))
    [step] = await telegram.press(who, step, "age:75+")
    [summary] = await telegram.press(who, step, "contact:yes")
    return summary


@pytest.mark.parametrize("unit", ["a", "😀", "👩‍👩‍👧‍👦", "&<é>"])
async def test_longest_idea_through_every_screen(
    staffed: LocalTelegram,
    api: LocalBotApi,
    unit: str,
) -> None:
    summary = await longest_summary(staffed, LONG_NAME, unit)
    # the input limits add up to a summary that is shown whole
    assert limits.MORE not in summary.text and [d for _, d in summary.buttons] == [
        "send",
        "edit",
        "cancel",
    ]
    replies = await staffed.press(LONG_NAME, summary, "send")
    [idea] = services_of(staffed).ideas.by_author(LONG_NAME.id)
    assert f"#{idea.id}" in replies[-1].text and text_length(idea.text) == MAX_CHARS
    [review] = await staffed.send(MOD, "/review")
    assert f"#{idea.id}" in review.text and limits.MORE not in review.text
    [mine] = await staffed.send(LONG_NAME, "/mijnideeen")
    assert f"#{idea.id}" in mine.text
    await staffed.press(MOD, review, "Goedkeuren")
    no_refusals(api)


async def test_emoji_idea_counted_in_utf16_units(staffed: LocalTelegram) -> None:
    [choice] = await staffed.send(LONG_NAME, "/idee")
    await staffed.press(LONG_NAME, choice, "theme:preventiecoalitie")
    # 1001 emoji are 1001 code points but 2002 units: over the limit, and said so
    [reply] = await staffed.send(LONG_NAME, "Idee " + "😀" * 1000)
    assert reply.text == texts.html("nl", "idea_too_long", length=2005, max=MAX_CHARS)


def store_raw(telegram: LocalTelegram, author: int, text: str, answer: str, key: str) -> int:
    """An idea stored without the bot's input limits (older limits, or another client)."""
    draft = Draft(
        theme="preventiecoalitie",
        text=text,
        answers={"voor_wie": answer, "samenwerking": answer},
        municipality="Zaandam" * 20,
        contact_ok=True,
        step="confirm",
    )
    services = services_of(telegram)
    idea, _ = services.ideas.submit(author, draft, key, "Z" * 200)
    with services.db.transaction() as conn:  # older than a day: no daily limit in the way
        conn.execute(
            "UPDATE ideas SET created_at = ? WHERE id = ?", ("2026-01-01T00:00:00+00:00", idea.id)
        )
    return idea.id


async def test_an_overlong_idea_cannot_block_the_queue(
    staffed: LocalTelegram,
    api: LocalBotApi,
) -> None:
    huge = store_raw(staffed, 630, "Begin " + "😀" * 4000 + " eind", "x" * 3000, "k1")
    later = store_raw(staffed, 631, "Een gewoon idee over moestuinen.", "ja", "k2")
    [review] = await staffed.send(MOD, "/review")
    assert f"#{huge}" in review.text and limits.MORE in review.text
    assert texts.html("nl", "mod_shortened") in review.text and "Begin 😀" in review.text
    assert limits.visible_len(review.text) <= limits.MAX_MESSAGE
    [after] = (await staffed.press(MOD, review, "Goedkeuren"))[-1:]
    assert f"#{later}" in after.text
    assert services_of(staffed).ideas.get(huge).status == "approved"  # type: ignore[union-attr]
    assert limits.MORE in review.text  # the edited review is fitted as well
    no_refusals(api)


async def test_an_overlong_draft_summary_is_shortened_with_a_note(
    telegram: LocalTelegram, api: LocalBotApi
) -> None:
    draft = Draft(
        theme="preventiecoalitie",
        text="😀" * 3000,
        answers={"voor_wie": "b" * 2000, "samenwerking": None},
        municipality="",
        contact_ok=False,
        step="confirm",
        lang="nl",
    )
    services_of(telegram).ideas.save_draft(640, 640, draft)
    [offer] = await telegram.send(Resident(id=640), "/idee")
    [summary] = await telegram.press(Resident(id=640), offer, "resume:continue")
    assert limits.MORE in summary.text
    assert texts.html("nl", "idea_summary_shortened") in summary.text
    await telegram.press(Resident(id=640), summary, "send")
    [idea] = services_of(telegram).ideas.by_author(640)
    assert idea.text == "😀" * 3000  # the full text was sent, not the shortened view
    no_refusals(api)


async def test_my_ideas_are_paged_none_dropped(telegram: LocalTelegram, api: LocalBotApi) -> None:
    numbers = [
        store_raw(telegram, 650, f"Idee nummer {i} " + "😀" * 300, "x", f"m{i}") for i in range(23)
    ]
    who = Resident(id=650)
    pages = [(await telegram.send(who, "/mijnideeen"))[-1]]
    while pages[-1].buttons:
        assert "(...)" in pages[-1].text
        pages.append((await telegram.press(who, pages[-1], "Volgende"))[-1])
    shown = "\n".join(p.text for p in pages)
    assert all(f"#{n}</b>" in shown for n in numbers) and len(pages) == 3
    no_refusals(api)


def test_fit_and_cut() -> None:
    assert limits.cut("abcdef", 10) == "abcdef"
    assert limits.cut("😀" * 10, 10) == "😀😀 (...)"  # never half an emoji
    text, shortened = limits.fit(
        lambda v: "<b>x</b> " + v["a"].replace("&", "&amp;"), {"a": "&" * 5000}, limit=100
    )
    assert shortened and limits.visible_len(text) <= 100 and text.endswith("(...)")
