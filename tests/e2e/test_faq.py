"""/faq in all six languages: inflected queries find answered questions, words highlighted."""

import pytest

from bot.db.database import to_db_time, utcnow
from bot.db.questions import QuestionRepository
from bot.services.search import CANDIDATES
from tests.conftest import RunningBot, tr
from tests.e2e.test_already_answered import trn
from tests.e2e.test_questions import ask, hub_with
from tests.fakebot import FakeTelegram

# (language, question, answer, query as a teacher types it, words to be highlighted)
CASES = [
    (
        "en",
        "How do I run the first meeting with my mentee?",
        "Agree on goals and on a rhythm of meetings.",
        "mentees meetings",
        ["meeting", "mentee", "meetings"],
    ),
    (
        "ru",
        "Как провести первую встречу с наставником?",
        "Договоритесь о целях и о ритме встреч.",
        "первая встреча",
        ["первую", "встречу", "встреч"],
    ),
    (
        "ro",
        "Cum pregătesc prima întâlnire cu mentorul?",
        "Stabiliți împreună obiectivele întâlnirilor.",
        "intalnirea",  # typed without diacritics
        ["întâlnire"],
    ),
    (
        "nl",
        "Hoe bereid ik de vergadering met mijn mentor voor?",
        "Spreek doelen af voor de vergaderingen.",
        "vergaderingen mentoren",
        ["vergadering", "mentor", "vergaderingen"],
    ),
    (
        "ar",
        "كيف أبني الثقة مع المعلم الجديد؟",
        "ابدأ بلقاءات قصيرة مع المعلمين.",
        "معلم",
        ["المعلم", "المعلمين"],
    ),
    (
        "he",
        "איך בונים אמון עם החונכים?",
        "פגישות קצרות בונות את האמון.",
        "אמון חונך",  # proclitics and plural on the stored side only
        ["אמון", "האמון", "החונכים"],
    ),
]


@pytest.mark.parametrize(("locale", "question", "answer", "query", "bold"), CASES)
async def test_inflected_query_finds_the_answer_in_every_language(
    bot: RunningBot,
    telegram: FakeTelegram,
    locale: str,
    question: str,
    answer: str,
    query: str,
    bold: list[str],
) -> None:
    owner, _group, (member,) = await hub_with(telegram, locale)
    await ask(member, question)
    await ask(
        member, "?" + "Другой вопрос про парковку" if locale == "ru" else "Parking at school?"
    )
    await owner.send(f"/answer 1 {answer}")
    await owner.send("/answer 2 Behind the gym.")
    await member.send(f"/faq {query}")
    found = member.last()
    assert tr(locale, "<b>{count} answer</b> for {words}:", count=1, words=query) in found.text
    assert "#1" in found.text and "#2" not in found.text
    assert found.html is not None
    for word in bold:
        assert f"<b>{word}</b>" in found.html, (word, found.html)


async def test_reader_language_and_hub_language_both_stem(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    # An English hub; a Russian-speaking member asks in Russian, an English one searches.
    owner, _group, (ivan, mia) = await hub_with(telegram, "ru", "en")
    await ask(ivan, "Как оценивать проекты учеников?")
    await owner.send("/answer 1 По рубрике, которую вы обсудили с учениками.")
    await mia.send("/faq оценивание проекта")
    assert "#1" in mia.last().text
    await ask(mia, "How should I plan observations?")
    await owner.send("/answer 2 Plan one observation per week.")
    await ivan.send("/faq observation plans")
    assert "#2" in ivan.last().text


async def test_bad_queries_get_clear_answers(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner, _group, (dana, mia) = await hub_with(telegram, "he", "en")
    await ask(mia, '<b>Feedback</b> "quotes" & NEAR(x) *stars* -minus col:on')
    await owner.send("/answer 1 <i>Kindly</i>, within a day.")
    await mia.send("/faq the of and")
    assert mia.last().text == tr(
        "en",
        "{words} has only very common words. Try a more telling one, e.g. /faq feedback",
        words="the of and",
    )
    await mia.send("/faq 😀👍 ?!")
    assert mia.last().text == tr("en", "Type a word or two after /faq, e.g. /faq feedback")
    await dana.send("/faq של את")
    assert dana.last().text == tr(
        "he",
        "{words} has only very common words. Try a more telling one, e.g. /faq feedback",
        words="של את",
    )
    for query in ('NEAR(feedback "quotes"', "col:on", "-minus", "stars*", "fee\u200fdback"):
        await mia.send(f"/faq {query}")
        assert "#1" in mia.last().text, query
    # The question is shown as typed: its HTML escaped, the matched word in bold.
    await mia.send("/faq feedback")
    shown = mia.last()
    assert "<b>Feedback</b>" in shown.text  # the tags typed, shown as text
    assert "&lt;b&gt;<b>Feedback</b>&lt;/b&gt;" in (shown.html or "")
    # 1,000 distinct words (3 letters each, to fit one message): the first ones count.
    letters = "bcdfghjklmnpqrstvwxz"
    many = [a + b + c for a in letters for b in "aeiou" for c in letters][:1000]
    assert len(set(many)) == 1000
    query = "feedback " + " ".join(many)
    await mia.send(f"/faq {query}")
    assert mia.last().text.startswith(
        tr("en", "<b>{count} answer</b> for {words}:", count=1, words=query[:59] + "…")
    )
    assert "#1" in mia.last().text
    await mia.send("/faq Feedback и обратная связь")  # mixed scripts: any word found
    assert "#1" in mia.last().text


async def test_a_capped_count_says_300_plus(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner, group, (dana,) = await hub_with(telegram, "he")
    hub = await bot.services.hubs.for_chat(group.id)
    now = to_db_time(utcnow())
    async with bot.services.db.transaction() as conn:
        for n in range(CANDIDATES + 1):
            cursor = await conn.execute(
                """INSERT INTO questions (hub_id, asker_id, text, status, created_at, updated_at)
                   VALUES (?, ?, ?, 'open', ?, ?)""",
                (hub.id, dana.id, f"Mentoring question {n}", now, now),
            )
            await QuestionRepository.set_answer(conn, cursor.lastrowid, "Answer", owner.id)
    await dana.send("/faq mentoring")
    expected = trn(
        "he",
        "<b>{count}+ answer</b> for {words}; the best of the newest are shown:",
        "<b>{count}+ answers</b> for {words}; the best of the newest are shown:",
        CANDIDATES,
        words="mentoring",
    )
    assert expected in dana.last().text


async def test_a_long_question_is_shown_as_a_window_around_its_matches(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner, _group, (mia,) = await hub_with(telegram, "en")
    await ask(mia, ("ab " * 500).strip())  # 1,500 characters, every word a match
    await ask(mia, "<td></td>" * 166)  # all HTML
    await owner.send("/answer 1 Yes.")
    await owner.send("/answer 2 No.")
    for query, number in (("ab", "#1"), ("td", "#2")):
        await mia.send(f"/faq {query}")
        shown = mia.last()  # one message, Telegram accepted its HTML (no 400)
        assert number in shown.text
        assert tr("en", "<b>{count} answer</b> for {words}:", count=1, words=query) in shown.text
        assert len(shown.text) < 1000
