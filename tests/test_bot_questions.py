"""Residents ask questions through the real Application and the local Bot API."""

from __future__ import annotations

import logging
import re

import pytest

from assistant.bot import replies, texts
from assistant.cli import main
from assistant.localbot.api import BOT_USERNAME, LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from tests.conftest import services_of
from tests.support import maybe_band, rows

NL = Resident(id=501, first_name="Anna", language_code="nl")
EN = Resident(id=502, first_name="John", language_code="en-GB")


async def test_start_in_dutch_and_english(telegram: LocalTelegram) -> None:
    [reply] = await telegram.send(NL, "/start")
    assert "Welkom bij de Metropool-assistent" in reply.text
    assert [label for label, _ in reply.buttons] == [
        "❓ Stel een vraag",
        "💡 Deel een idee",
        "📚 Over de teksten",
        "🔒 Privacy",
    ]
    [reply] = await telegram.send(EN, "/start")
    assert "Welcome to the Metropool assistant" in reply.text
    assert "💡 Share an idea" in [label for label, _ in reply.buttons]


async def test_command_menu_registered_in_both_languages(
    telegram: LocalTelegram, api: LocalBotApi
) -> None:
    assert {"", "en"} <= set(api.commands)
    names = [c["command"] for c in api.commands[""]]
    assert names[:3] == ["start", "help", "idee"]
    assert api.commands[""][0]["description"] != api.commands["en"][0]["description"]
    english = [c["command"] for c in api.commands["en"]]
    assert english[:3] == ["start", "help", "idea"]


DUTCH_ONLY = ("idee", "mijnideeen", "vergeetmij", "taal", "annuleer", "over", "hulp")


async def test_an_english_resident_is_shown_no_dutch_command(
    telegram: LocalTelegram, api: LocalBotApi
) -> None:
    """Both names work for everyone, but an English resident reads only the English ones:
    in the menu, in /help, and in the texts that name a command."""
    named = {c["command"] for c in api.commands["en"]}
    assert not named & set(DUTCH_ONLY)
    [help_reply] = await telegram.send(EN, "/help")
    [nothing] = await telegram.send(EN, "what will the weather be tomorrow?")
    for text in (help_reply.text, nothing.text):
        assert not re.findall(r"/(?:" + "|".join(DUTCH_ONLY) + r")\b", text), text
    assert "/idea" in help_reply.text and "/myideas" in help_reply.text
    for command in ("/myideas", "/mijnideeen"):  # the Dutch names keep working for all
        [mine] = await telegram.send(EN, command)
        assert mine.text.startswith("You have not sent any ideas yet")


async def test_questions_about_the_bot_itself_get_an_honest_answer(
    telegram: LocalTelegram,
) -> None:
    for resident, question, start in (
        (NL, "ben je een echt mens?", "Ik ben een automatische assistent, geen mens."),
        (NL, "bot of mens", "Ik ben een automatische assistent, geen mens."),
        (EN, "Am I talking to a real person?", "I am an automatic assistant, not a person."),
    ):
        [reply] = await telegram.send(resident, question)
        assert reply.text.startswith(start)


@pytest.mark.parametrize(
    ("resident", "command", "expected"),
    [
        (NL, "/help", "Zo werkt het"),
        (EN, "/help", "How it works"),
        (NL, "/over", "Scenario Local for Local"),
        (EN, "/over", "What I answer from"),
        (NL, "/privacy", "zonder je naam of Telegram-id"),
        (EN, "/privacy", "without your name"),
    ],
)
async def test_commands(
    telegram: LocalTelegram, resident: Resident, command: str, expected: str
) -> None:
    [reply] = await telegram.send(resident, command)
    assert expected in reply.text


async def test_over_lists_documents_and_themes(telegram: LocalTelegram) -> None:
    [reply] = await telegram.send(NL, "/over")
    assert "Metropool van Morgen" in reply.text and "Regionale preventiecoalitie" in reply.text
    assert "AI: verantwoord en voor iedereen" in reply.text


async def test_menu_buttons(telegram: LocalTelegram) -> None:
    [welcome] = await telegram.send(NL, "/start")
    [prompt] = await telegram.press(NL, welcome, "Stel een vraag")
    assert "Typ je vraag" in prompt.text
    [about] = await telegram.press(NL, welcome, "Over de teksten")
    assert "Waar ik uit antwoord" in about.text


async def test_language_choice_is_remembered_across_restart(
    telegram: LocalTelegram, settings: object, api: LocalBotApi
) -> None:
    [prompt] = await telegram.send(NL, "/taal")
    [confirm] = await telegram.press(NL, prompt, "English")
    assert confirm.text == texts.html("en", "language_set")
    assert services_of(telegram).prefs.language(NL.id) == "en"
    [reply] = await telegram.send(NL, "/help")
    assert "How it works" in reply.text
    # a new Application on the same data directory still knows the choice
    await telegram.stop()
    await telegram.start()
    [reply] = await telegram.send(NL, "/help")
    assert "How it works" in reply.text


async def test_without_a_choice_the_message_decides_between_dutch_and_english(
    telegram: LocalTelegram,
) -> None:
    """Telegram in Polish (or no language at all): each clear message sets the language; a
    Dutch or English Telegram, or a /taal choice, is not overruled by what is typed."""
    for code in ("pl", None):
        resident = Resident(id=560 if code else 561, language_code=code)
        [english] = await telegram.send(resident, "What is a citizens' assembly?")
        assert english.text.startswith(texts.html("en", "answer_header"))
        [help_en] = await telegram.send(resident, "/help")  # no words to go by: stays English
        assert "How it works" in help_en.text
        [dutch] = await telegram.send(resident, "Wat is een burgerberaad?")
        assert dutch.text.startswith(texts.html("nl", "answer_header"))
    [dutch_client] = await telegram.send(NL, "What is a citizens' assembly?")
    assert dutch_client.text.startswith(texts.html("nl", "answer_header"))
    sharer = Resident(id=563, language_code="pl")
    [choice] = await telegram.send(sharer, "/idee")  # no words to go by: Dutch
    await telegram.press(sharer, choice, "theme:ai-voor-iedereen")
    [follow_up] = await telegram.send(sharer, "An AI help desk in the library for older people.")
    assert "What risk or opportunity of AI" in follow_up.text
    draft = services_of(telegram).ideas.draft(sharer.id)
    assert draft is not None and draft.lang == "en"  # its notices follow too
    chooser = Resident(id=562, language_code="pl")
    await telegram.send(chooser, "What is a citizens' assembly?")  # English, until the choice
    [prompt] = await telegram.send(chooser, "/taal")
    await telegram.press(chooser, prompt, "Nederlands")
    [chosen] = await telegram.send(chooser, "What is a citizens' assembly?")
    assert chosen.text.startswith(texts.html("nl", "answer_header"))


@pytest.mark.parametrize(
    ("resident", "question", "heading"),
    [
        (NL, "Wat is een burgerberaad?", "Meer betrokken inwoners via burgerberaden"),
        (
            NL,
            "Hoe kunnen we de zorg ontlasten met preventie?",
            "Op weg naar een regionale preventiecoalitie",
        ),
        (
            EN,
            "How will residents be prepared for artificial intelligence?",
            "Kunstmatige intelligentie (AI): verantwoord en voor iedereen",
        ),
    ],
)
async def test_question_gets_sourced_excerpt(
    telegram: LocalTelegram, api: LocalBotApi, resident: Resident, question: str, heading: str
) -> None:
    [reply] = await telegram.send(resident, question)
    assert reply.parse_mode == "HTML"
    assert f"<b>{heading}</b>" in reply.text
    source = "Bron:" if resident is NL else "Source:"
    assert source in reply.text and "2023" in reply.text
    assert (resident.id, "typing") in api.chat_actions
    labels = [label for label, _ in reply.buttons]
    assert "👍" in labels and "👎" in labels


async def test_theme_button_under_theme_answers(telegram: LocalTelegram) -> None:
    [reply] = await telegram.send(NL, "Wat is een regionale preventiecoalitie?")
    assert (
        "💡 Deel je idee over Regionale preventiecoalitie",
        "idea:preventiecoalitie",
    ) in reply.buttons
    [reply] = await telegram.send(NL, "Wat is een burgerberaad?")
    assert not any(data.startswith("idea:") for _, data in reply.buttons)


async def test_more_results_and_feedback(telegram: LocalTelegram) -> None:
    [reply] = await telegram.send(NL, "Hoe organiseren burgers duurzame energie?")
    [more] = await telegram.press(NL, reply, "Meer resultaten")
    assert more.text.startswith("<b>Meer resultaten:</b>")
    first_headings = {line for line in reply.text.splitlines() if line.startswith("📄")}
    more_headings = {line for line in more.text.splitlines() if line.startswith("📄")}
    assert more_headings and not first_headings & more_headings
    await telegram.press(NL, reply, "👎")
    assert telegram.callback_answer()["text"] == "Bedankt voor je feedback!"
    await telegram.press(NL, more, "👍 bij 3")
    services = services_of(telegram)
    rows = services.db.execute(
        "SELECT question_id, passage_id, vote FROM feedback ORDER BY vote"
    ).fetchall()
    logged = services.questions.get(rows[0]["question_id"])
    assert logged is not None and logged.text == "Hoe organiseren burgers duurzame energie?"
    assert [(r["passage_id"], r["vote"]) for r in rows] == [
        (logged.hits[0], -1),
        (logged.hits[2], 1),
    ]
    columns = {
        d[0]
        for table in ("feedback", "questions")
        for d in services.db.execute(f"SELECT * FROM {table} LIMIT 0").description
    }
    assert not any("user" in c or "chat" in c for c in columns)  # anonymous by design


async def test_no_answer_and_report(
    telegram: LocalTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):
        [reply] = await telegram.send(NL, "Hoe laat speelt Ajax?")
    assert "geen goed antwoord" in reply.text
    suggested = [k for k in replies.EXAMPLES if texts.plain("nl", k) in reply.text]
    assert len(suggested) == 3 and "/idee" in reply.text
    [reply] = await telegram.send(EN, "How do I bake sourdough bread?")
    assert "could not find a good answer" in reply.text
    [reply] = await telegram.send(NL, "Wat is een burgerberaad?")
    await telegram.press(NL, reply, "👍")
    await telegram.stop()
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "questions: 4, answered: 1, unanswered: 3" in out
    assert "1 up, 0 down (100% positive)" in out
    assert "   2  hoe laat speelt ajax?" in out
    assert "(off_topic)" in out  # grouped: everyday topics apart from content gaps
    await telegram.start()


@pytest.mark.parametrize("kind", ["photo", "sticker", "voice", "document", "location"])
async def test_non_text_input(telegram: LocalTelegram, kind: str) -> None:
    [reply] = await telegram.send_other(NL, kind)
    assert reply.text == texts.html("nl", "text_only")


async def test_a_question_in_a_photo_caption_is_answered(telegram: LocalTelegram) -> None:
    [reply] = await telegram.send_other(NL, "photo", caption="Wat is een burgerberaad?")
    assert "Meer betrokken inwoners via burgerberaden" in reply.text
    assert reply.text.rstrip().endswith(texts.html("nl", "caption_read"))
    [plain] = await telegram.send(NL, "Wat is een burgerberaad?")
    assert texts.html("nl", "caption_read") not in plain.text


async def test_html_special_characters_are_escaped(telegram: LocalTelegram) -> None:
    replies = await telegram.send(NL, "<b>burgerberaad</b> & <script>alert(1)</script> >_<")
    assert len(replies) == 1  # the strict local Bot API accepted the HTML
    replies = await telegram.send(NL, "Wat is <i>AI</i> & wie doet mee?")
    assert len(replies) == 1 and "<i>AI</i>" not in replies[0].text


async def test_very_long_input(telegram: LocalTelegram) -> None:
    long = "Ik wil graag weten hoe een burgerberaad werkt en wie daaraan meedoet. " * 60
    [reply] = await telegram.send(NL, long)
    assert "burgerberaden" in reply.text and "eerste 1000 tekens" in reply.text
    [reply] = await telegram.send(NL, "x" * 100_000)
    assert "eerste 1000 tekens" in reply.text
    assert len(reply.text) <= 4096


async def test_group_chat_only_when_addressed(telegram: LocalTelegram) -> None:
    group = -100200
    assert await telegram.send(NL, "Wat is een burgerberaad?", chat_id=group) == []
    [reply] = await telegram.send(NL, f"@{BOT_USERNAME} Wat is een burgerberaad?", chat_id=group)
    assert "burgerberaden" in reply.text
    [reply2] = await telegram.send(
        NL, "En wat is een preventiecoalitie?", chat_id=group, reply_to=reply
    )
    assert "preventiecoalitie" in reply2.text
    [help_reply] = await telegram.send(NL, f"/help@{BOT_USERNAME}", chat_id=group)
    assert "Zo werkt het" in help_reply.text
    assert await telegram.send_other(NL, "photo") != []  # private chat still gets the hint


async def test_flood_limit(telegram: LocalTelegram) -> None:
    replies = [await telegram.send(NL, f"Wat is een burgerberaad? {n}") for n in range(20)]
    assert all(len(r) == 1 and "burgerberaden" in r[0].text for r in replies)
    [warning] = await telegram.send(NL, "Wat is een burgerberaad?")
    assert warning.text.startswith(texts.html("nl", "slow_down").split("{time}")[0])
    assert await telegram.send(NL, "Wat is een burgerberaad?") == []  # told once, then quiet
    [other] = await telegram.send(EN, "What is the regional prevention coalition?")
    assert "preventiecoalitie" in other.text  # other residents are unaffected


async def test_unknown_command_and_forged_button(telegram: LocalTelegram) -> None:
    [reply] = await telegram.send(NL, "/bestaatniet")
    assert reply.text == texts.html("nl", "unknown_command")
    [answer] = await telegram.send(NL, "Wat is een burgerberaad?")
    forged = telegram.callback_update(NL, answer, "fb:999999:0:u")
    await telegram.process(forged)
    assert telegram.callback_answer()["text"] == texts.plain("nl", "expired_button")
    await telegram.process(telegram.callback_update(NL, answer, "fb:x:y"))
    assert telegram.callback_answer()["text"] == texts.plain("nl", "expired_button")
    await telegram.process(telegram.callback_update(NL, answer, "nonsense"))
    assert telegram.callback_answer()["text"] == texts.plain("nl", "expired_button")


async def test_locales_have_the_same_keys_and_placeholders() -> None:
    import re

    assert texts.keys("nl") == texts.keys("en")
    for key in texts.keys("nl"):
        nl, en = (set(re.findall(r"{(\w+)}", texts.plain(lang, key))) for lang in ("nl", "en"))
        assert nl == en, key  # a lost placeholder (e.g. cut off by a YAML comment) shows here


async def test_token_never_logged(
    settings: object,
    encoder: object,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assistant.bot.app import InProcess, build_application, install_token_redaction
    from assistant.config import Settings

    secret = "987654:SECRET-token-never-to-be-seen"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", secret)
    configured = Settings.from_env()
    caplog.set_level(logging.DEBUG)
    install_token_redaction(secret)
    api = LocalBotApi(valid_token=lambda token: token == secret)
    app = build_application(configured, InProcess(api), encoder=encoder)  # type: ignore[arg-type]
    async with LocalTelegram(app, api) as running:
        await running.send(NL, "Wat is een burgerberaad?")
        logging.getLogger("httpx").warning("HTTP Request: POST https://x/bot%s/getMe", secret)
    assert api.calls and all(c.ok for c in api.calls if c.method == "getMe")
    assert caplog.records
    assert not any(secret in caplog.handler.format(r) for r in caplog.records)
    assert secret not in configured.describe().values().__repr__()
    assert secret not in repr(configured)


async def test_rejected_and_missing_token(
    settings: object, encoder: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from telegram.error import InvalidToken

    from assistant.bot.app import InProcess, build_application, check_telegram
    from assistant.errors import ConfigError

    api = LocalBotApi(valid_token=lambda token: False)
    app = build_application(settings, InProcess(api), encoder=encoder)  # type: ignore[arg-type]
    with pytest.raises(InvalidToken):
        await LocalTelegram(app, api).start()
    with pytest.raises(ConfigError, match="Telegram rejected the bot token"):
        await check_telegram(app, "")
    offline = LocalBotApi()
    offline.inject("drop", "getMe", times=10)  # longer than the retries
    app = build_application(settings, InProcess(offline), encoder=encoder)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="cannot reach the Telegram Bot API at http://x/bot"):
        await check_telegram(app, "http://x/bot")
    capsys.readouterr()
    assert main(["run"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: TELEGRAM_BOT_TOKEN is not set") and "\n" not in err


async def test_source_dates_read_as_people_write_them(telegram: LocalTelegram) -> None:
    [dutch] = await telegram.send(NL, "Wat is een burgerberaad?")
    assert "11 juli 2023" in dutch.text and "11-07-2023" not in dutch.text
    [english] = await telegram.send(EN, "What is a citizens' assembly?")
    assert "11 July 2023" in english.text


# No sure answer, yet a score where declined questions are as often in scope as not: the
# likely sections are named as a maybe, each one tap away, and the choice is logged.
MAYBE = "mijn buurtvereniging wil een moestuin beginnen, krijgen we hulp?"


async def test_no_sure_answer_offers_the_likely_sections(telegram: LocalTelegram) -> None:
    services = services_of(telegram)
    maybe_band(services.retriever, MAYBE)
    answer = services.retriever.search(MAYBE)
    assert answer.verdict == "maybe" and 2 <= len(answer.shown) <= 3
    [reply] = await telegram.send(NL, MAYBE)
    assert reply.text.startswith("Daar vind ik helaas geen goed antwoord op")
    assert "Meer ruimte voor maatschappelijk initiatief" in reply.text
    assert "Bron:" not in reply.text  # named, not shown as an answer
    assert len(reply.buttons) == len(answer.shown)
    second = answer.shown[1].passage
    [shown] = await telegram.press(NL, reply, reply.buttons[1][1])
    assert shown.text.startswith("<b>Geen zeker antwoord op je vraag")
    assert second.heading in shown.text and "Bron:" in shown.text
    [choice] = rows(telegram, "SELECT section FROM maybe_choices")
    assert choice["section"] == second.section_key  # the content-gap report's signal
    report = services.questions.report()
    assert report.maybe_chosen == [(second.section_key, 1)]
    assert rows(telegram, "SELECT * FROM feedback") == []  # a choice is no vote


async def test_no_maybe_for_what_is_not_in_the_texts(telegram: LocalTelegram) -> None:
    question = "wat vind jij van de burgemeester"
    assert services_of(telegram).retriever.search(question).verdict == "none"
    [reply] = await telegram.send(EN, question)
    assert reply.text.startswith("I could not find a good answer")
    assert "closest" not in reply.text and reply.buttons == []


async def test_only_a_question_over_the_limit_is_said_to_be_cut(telegram: LocalTelegram) -> None:
    """At exactly MAX_QUESTION_CHARS characters nothing was cut; one more and the resident is
    told the search used the first part."""
    from assistant.retrieval.search import MAX_QUESTION_CHARS

    who = Resident(id=4411, language_code="nl")
    base = "Wat doet de regio aan de zorg voor ouderen in de wijk? "
    exact = (base * 40)[:MAX_QUESTION_CHARS]
    note = texts.html("nl", "answer_truncated", limit=MAX_QUESTION_CHARS)
    [reply] = await telegram.send(who, exact)
    assert note not in reply.text
    [reply] = await telegram.send(who, exact + "x")
    assert note in reply.text
