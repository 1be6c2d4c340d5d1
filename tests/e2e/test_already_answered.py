"""'Already answered?' in /ask: similar answered questions are offered before a new one goes out."""

import html
import re

from bot import i18n
from tests.conftest import RunningBot, tr
from tests.e2e.test_hubs import invite_link, make_hub
from tests.e2e.test_questions import hub_with, post_of
from tests.fakebot import FakeTelegram, SimUser

ANSWERS_IT = "✅ That answers it"
ASK_ANYWAY = "Ask anyway"
LOOK_ALIKE = "🔎 These answered questions look like yours. Does one of them answer it?"
NOT_POSTED = "👍 Glad it was already answered. Your question was not posted."


def trn(locale: str, singular: str, plural: str, n: int, **params: object) -> str:
    with i18n.use_locale(locale):
        return re.sub(r"<[^>]+>", "", html.unescape(i18n.ngettext(singular, plural, n, **params)))


def figure(locale: str, answered: int, shown: int) -> str:
    return trn(
        locale,
        "🔎 Already answered before asking: {answered} of {count} question that got suggestions.",
        "🔎 Already answered before asking: {answered} of {count} questions that got suggestions.",
        shown,
        answered=answered,
    )


async def asked_and_answered(
    user: SimUser, owner: SimUser, question: str, answer: str, *, anonymous: bool = False
) -> None:
    """A question asked (with no suggestion in the way) and answered by the facilitator."""
    await user.send(f"/ask {question}")
    draft = user.last()
    await user.press(draft, draft.buttons[0][1 if anonymous else 0].text)
    await user.press(draft, draft.buttons[0][0].text)  # Confirm
    number = int(re.search(r"#\W*(\d+)", draft.text).group(1))  # type: ignore[union-attr]
    await owner.send(f"/answer {number} {answer}")


async def test_that_answers_it_posts_nothing_counts_and_offers_me_too(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner, group, (mia, dana) = await hub_with(telegram, "en", "en")
    await asked_and_answered(
        mia,
        owner,
        "How do you give feedback after a lesson?",
        "Start with one strength you saw.\nThen name one thing to try next time.",
    )
    await dana.send("/ask What feedback should I give after observed lessons?")
    offer = dana.last()
    assert tr("en", LOOK_ALIKE) in offer.text
    assert "#1" in offer.text and "How do you give feedback after a lesson?" in offer.text
    assert "Start with one strength you saw." in offer.text
    assert "Then name one thing" not in offer.text  # the answer's first line only
    assert "Member0" not in offer.text and "member_0" not in offer.text

    await dana.press(offer, tr("en", ANSWERS_IT))
    assert tr("en", NOT_POSTED) in offer.text
    assert "Start with one strength you saw." in offer.text  # the suggestions stay in view
    assert not any("#2" in m.text.split("\n")[0] for m in group.inbox())  # nothing posted
    draft = await bot.services.questions.get(2)
    assert draft.status.value == "closed"
    again = await dana.press_data(offer, "qa:2:ok")  # a double tap changes nothing
    assert again is not None and not again.show_alert

    answer = await dana.press(offer, "🙋 Me too: #1")
    assert answer is not None
    assert answer.text == tr("en", "🙋 Me too added ({count} so far).", count=1)
    assert (await bot.services.questions.get(1)).votes == 1
    assert offer.buttons == []
    assert tr("en", "🙋 You said Me too to #{id}.", id=1) in offer.text
    again = await dana.press_data(offer, "qa:2:me:1")  # not a toggle: pressing again keeps it
    assert again is not None and "already" in again.text
    assert (await bot.services.questions.get(1)).votes == 1

    await owner.send("/agenda")
    assert figure("en", 1, 1) in owner.last().text
    counts = await bot.services.suggestions.counts(1)
    assert (counts.shown, counts.answered, counts.asked_anyway) == (1, 1, 0)
    await mia.send("/agenda")  # members do not see it
    assert "Already answered before asking" not in mia.last().text


async def test_ask_anyway_goes_on_as_today_in_a_moderated_hub_in_russian(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner, group, (ivan, olga) = await hub_with(telegram, "ru", "ru", moderation=True)
    await ivan.send("/ask Как говорить с родителями о трудном ученике?")
    draft = ivan.last()
    await ivan.press(draft, draft.buttons[0][0].text)
    await ivan.press(draft, draft.buttons[0][0].text)
    review = next(m for m in owner.inbox() if "New question #1" in m.text)
    await owner.press(review, "✅ Approve")
    await owner.send(
        "/answer 1 Начните с сильных сторон ученика.\nПотом договоритесь об одном шаге."
    )

    await olga.send("/ask Как поговорить с родителем трудного ученика?")  # inflected forms
    offer = olga.last()
    assert tr("ru", LOOK_ALIKE) in offer.text
    assert "Начните с сильных сторон ученика." in offer.text
    assert "Потом договоритесь" not in offer.text

    await olga.press(offer, tr("ru", ASK_ANYWAY))
    assert tr("ru", "Ask it with your name, or anonymously?") in offer.text  # the draft, as today
    await olga.press(offer, offer.buttons[0][1].text)  # anonymously
    await olga.press(offer, offer.buttons[0][0].text)  # confirm
    assert (
        tr(
            "ru",
            "Question #{id} is waiting for a facilitator of {hub} to approve it.",
            id=2,
            hub="Chisinau mentors",
        )
        in offer.text
    )
    assert not any("#2" in m.text.split("\n")[0] for m in group.inbox())
    review = next(m for m in owner.inbox() if "New question #2" in m.text)
    await owner.press(review, "✅ Approve")
    assert "(anonymous)" in post_of(group, 2).text

    counts = await bot.services.suggestions.counts(1)
    assert (counts.shown, counts.answered, counts.asked_anyway) == (1, 0, 1)
    await owner.send("/agenda")
    assert figure("en", 0, 1) in owner.last().text


async def test_hebrew_anonymous_asker_is_never_shown_and_own_question_gets_no_me_too(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner, _group, (noa, dana) = await hub_with(telegram, "he", "he")
    await asked_and_answered(
        noa,
        owner,
        "איך נותנים משוב לחונך חדש?",
        "מתחילים בשאלה פתוחה.\nאחר כך מקשיבים.",
        anonymous=True,
    )
    await dana.send("/ask מה עושים עם המשוב לחונך חדש?")  # the article joined to the word
    offer = dana.last()
    assert tr("he", LOOK_ALIKE) in offer.text
    assert "מתחילים בשאלה פתוחה." in offer.text and "מקשיבים" not in offer.text
    for trace in (noa.first_name, noa.username, str(noa.id)):
        assert trace not in offer.text
        assert trace not in str(offer.reply_markup)
    await dana.press(offer, tr("he", ANSWERS_IT))
    assert tr("he", NOT_POSTED) in offer.text
    await dana.press(offer, tr("he", "🙋 Me too: #{id}", id=1))
    # Nothing anyone but Noa receives names her, the suggestions and Me too included.
    for chat_id, messages in telegram.messages.items():
        for message in messages:
            if chat_id != noa.id and message.from_bot:
                for trace in (noa.first_name, noa.username, str(noa.id)):
                    assert trace not in message.text + str(message.reply_markup), message.text

    # The anonymous asker herself: the closest is her own question, so no "🙋 Me too".
    await noa.send("/ask איך נותנים משוב לחונך חדש בבית ספר?")
    own = noa.last()
    assert tr("he", LOOK_ALIKE) in own.text
    await noa.press(own, tr("he", ANSWERS_IT))
    assert own.buttons == []
    forged = await noa.press_data(own, "qa:3:me:1")
    assert forged is not None and forged.text == tr(
        "he", "You can't add 🙋 Me too to your own question."
    )
    assert (await bot.services.questions.get(1)).votes == 1  # Dana's only


async def test_no_similar_question_means_no_extra_step(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner, _group, (mia,) = await hub_with(telegram, "en")
    await mia.send("/ask Which reading app works offline?")  # nothing answered yet
    draft = mia.last()
    assert tr("en", "Ask it with your name, or anonymously?") in draft.text
    await mia.press(draft, draft.buttons[0][0].text)
    await mia.press(draft, draft.buttons[0][0].text)
    await owner.send("/answer 1 Try the library's own app.")
    await mia.send("/ask Zebra giraffe quokka")  # nothing alike among the answered ones
    assert tr("en", "Ask it with your name, or anonymously?") in mia.last().text
    assert (await bot.services.suggestions.counts(1)).shown == 0
    await owner.send("/agenda")
    assert "Already answered before asking" not in owner.last().text


async def test_typed_question_in_a_second_hub_gets_suggestions_of_all_its_hubs(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner, _group, (mia,) = await hub_with(telegram, "en")
    await asked_and_answered(
        mia, owner, "How long should a mentoring meeting last?", "About forty minutes."
    )
    sven = telegram.user("Sven", language_code="nl")
    other = await make_hub(telegram, sven, "Elsewhere")
    await sven.send("/start")
    await sven.send("/invite", chat=other)
    await mia.send("/start " + invite_link(telegram, other.last().text).rsplit("=", 1)[1])
    other.add_member(mia)

    await mia.send("/ask")
    picker = mia.last()
    await mia.press(picker, "Elsewhere")
    await mia.send("How long do mentoring meetings last?")
    offer = mia.last()
    assert tr("en", LOOK_ALIKE) in offer.text and "About forty minutes." in offer.text
    assert "Chisinau mentors" in offer.text  # the hub the answer comes from
    assert offer.buttons == [[offer.button(ANSWERS_IT)], [offer.button(ASK_ANYWAY)]]
    await mia.press(offer, ASK_ANYWAY)
    await mia.press(offer, offer.buttons[0][0].text)
    await mia.press(offer, offer.buttons[0][0].text)
    assert "posted in Elsewhere" in offer.text
    hub2 = await bot.services.hubs.for_chat(other.id)
    counts = await bot.services.suggestions.counts(hub2.id)  # counted where it was asked
    assert (counts.shown, counts.asked_anyway) == (1, 1)
    await sven.send("/agenda")
    assert figure("nl", 0, 1) in sven.last().text


async def test_forged_presses_change_nothing(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner, group, (mia, dana, leaver) = await hub_with(telegram, "en", "en", "ru")
    await asked_and_answered(mia, owner, "How do I plan a co-teaching lesson?", "Plan it together.")
    # A second hub with its own answered question.
    sven = telegram.user("Sven", language_code="nl")
    other = await make_hub(telegram, sven, "Elsewhere")
    await sven.send("/start")
    hub2 = await bot.services.hubs.for_chat(other.id)
    q = await bot.services.questions.draft(hub2.id, sven.id, "How do I plan a co-teaching lesson?")
    q = await bot.services.questions.submit(q)
    await bot.services.questions.answer(q, "Elsewhere's answer.", sven.id)
    other_id = q.id
    await telegram.settle()

    await dana.send("/ask How to plan co-teaching lessons?")
    offer = dana.last()
    draft_id = int(re.search(r"qa:(\d+):ok", str(offer.reply_markup)).group(1))  # type: ignore[union-attr]
    assert "Elsewhere's answer." not in offer.text  # only the asker's hubs

    # "Me too" before "That answers it", on another hub's question, on a question not suggested.
    for data in (f"qa:{draft_id}:me:1", f"qa:{draft_id}:me:{other_id}", "qa:999:ok", "qa:x:ok"):
        answer = await dana.press_data(offer, data)
        assert answer is not None and answer.show_alert, data
    # Someone else's draft.
    answer = await mia.press_data(mia.last(), f"qa:{draft_id}:ok")
    assert answer is not None and answer.text == tr("en", "This button is no longer valid.")
    assert (await bot.services.questions.get(draft_id)).status.value == "draft"

    await dana.press(offer, ANSWERS_IT)
    answer = await dana.press_data(offer, f"qa:{draft_id}:me:{other_id}")
    assert answer is not None and answer.text == tr("en", "This button is no longer valid.")
    answer = await dana.press_data(offer, f"qa:{draft_id}:go")  # asked anyway after all? no
    assert answer is not None and answer.show_alert
    assert (await bot.services.questions.get(other_id)).votes == 0
    assert (await bot.services.questions.get(1)).votes == 0
    counts = await bot.services.suggestions.counts(1)
    assert (counts.shown, counts.answered, counts.asked_anyway) == (1, 1, 0)

    # A member who left the hub since: every press is refused.
    await leaver.send("/ask How do I plan a co-teaching lesson well?")
    offer = leaver.last()
    hub = await bot.services.hubs.for_chat(group.id)
    await bot.services.hubs.leave(hub.id, leaver.id)
    answer = await leaver.press(offer, tr("ru", ASK_ANYWAY))
    assert answer is not None
    assert answer.text == tr("ru", "You are not a member of that hub (any more).")
    assert (await bot.services.suggestions.counts(1)).asked_anyway == 0
