"""Questions: asked, moderated, supported, answered privately, archived and searched."""

from tests.conftest import RunningBot, tr
from tests.e2e.test_hubs import invite_link, make_hub
from tests.fakebot import FakeTelegram, Msg, SimGroup, SimUser


async def hub_with(
    telegram: FakeTelegram, *languages: str, moderation: bool = False
) -> tuple[SimUser, SimGroup, list[SimUser]]:
    owner = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, owner)
    await owner.send("/start")
    if moderation:
        await owner.send("/hubsettings moderation on")
    await owner.send("/invite", chat=group)
    code = invite_link(telegram, group.last().text).rsplit("=", 1)[1]
    members = []
    for index, language in enumerate(languages):
        member = telegram.user(f"Member{index}", language_code=language, username=f"member_{index}")
        await member.send(f"/start {code}")
        group.add_member(member)
        members.append(member)
    return owner, group, members


async def ask(user: SimUser, text: str, *, anonymous: bool = False) -> Msg:
    await user.send(f"/ask {text}")
    draft = user.last()
    await user.press(draft, draft.buttons[0][1 if anonymous else 0].text)
    await user.press(draft, draft.buttons[0][0].text)  # Ask
    return draft


def post_of(group: SimGroup, number: int) -> Msg:
    return next(m for m in group.inbox() if f"#{number}" in m.text.split("\n")[0])


async def test_named_question_is_posted_supported_and_answered(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner, group, (alice, dana, noa) = await hub_with(telegram, "en", "he", "he")
    draft = await ask(alice, "How do you give feedback <after> a lesson?")
    assert "Question #1 is posted in Chisinau mentors" in draft.text
    post = post_of(group, 1)
    assert "Question #1 from Member0" in post.text
    assert "<after>" in post.text

    await dana.press(post, "🙋 Me too")
    assert post.button("🙋 Me too (1)")
    answer = await alice.press(post, "🙋 Me too (1)")
    assert answer.show_alert and "own question" in answer.text
    await dana.press(post, "🙋 Me too (1)")  # takes it back
    assert post.button("🙋 Me too")
    await dana.press(post, "🙋 Me too")
    await noa.press(post, "🙋 Me too (1)")
    assert post.button("🙋 Me too (2)")

    await owner.send("Ask for one concrete example first.", chat=group, reply_to=post)
    private = alice.last().text
    assert "Answer to your question #1" in private
    assert "Ask for one concrete example first." in private
    assert (
        tr("he", "💬 A question you said 🙋 Me too to (#{id}) has an answer:", id=1)
        in dana.last().text
    )
    assert "Ask for one concrete example first." in post.text
    assert post.buttons == []  # answered: no more votes

    await owner.send("/answer 1 Ask for two concrete examples.")
    assert "Corrected answer to your question #1" in alice.last().text
    assert "two concrete examples" in post.text
    assert "updated" in owner.last().text


async def test_anonymous_question_with_moderation_names_nobody(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner, group, (ivan, nour) = await hub_with(telegram, "ru", "ar", moderation=True)
    await ivan.send("/ask")
    assert ivan.last().text == tr(
        "ru", "Type your question for <b>{hub}</b>:", hub="Chisinau mentors"
    )
    await ivan.send("Как говорить с родителями о трудном ученике?")
    draft = ivan.last()
    await ivan.press(draft, draft.buttons[0][1].text)  # anonymously
    await ivan.press(draft, draft.buttons[0][0].text)  # ask
    assert "#1" in draft.text
    assert not any("#1" in m.text for m in group.inbox())  # moderated: not posted yet

    review = owner.last()
    assert "New question #1" in review.text and "anonymous" in review.text
    await owner.press(review, "✅ Approve")
    post = post_of(group, 1)
    assert "(anonymous)" in post.text
    assert (
        tr(
            "ru",
            "Your question #{id} was approved and posted in {hub}.",
            id=1,
            hub="Chisinau mentors",
        )
        in ivan.last().text
    )

    await nour.press(post, "🙋 Me too")
    await owner.send("/answer 1 Начните с сильных сторон ученика.")
    assert "Начните с сильных сторон" in ivan.last().text

    await ask(ivan, "Второй вопрос", anonymous=True)
    await owner.send("/close 2 duplicate of #1")
    assert (
        tr(
            "ru",
            "Your question #{id} wasn't approved for posting. Reason: {reason}",
            id=2,
            reason="duplicate of #1",
        )
        in ivan.last().text
    )

    # Nothing anyone but Ivan receives names him.
    for chat_id, messages in telegram.messages.items():
        if chat_id == ivan.id:
            continue
        for message in messages:
            if message.from_bot:
                for trace in (ivan.first_name, ivan.username, str(ivan.id)):
                    assert trace not in message.text, (chat_id, message.text)
                    assert trace not in str(message.reply_markup), (chat_id, message.reply_markup)


async def test_lists_agenda_and_search_in_cyrillic_and_hebrew(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner, group, (ivan, dana, mia) = await hub_with(telegram, "ru", "he", "en")
    await ask(ivan, "Как оценивать проекты учеников?")
    await ask(dana, "איך נותנים משוב לחונך חדש?")
    await ask(mia, "How to plan the first observation?")
    await mia.press(post_of(group, 2), "🙋 Me too")
    await ivan.press(post_of(group, 2), "🙋 Me too")
    await dana.press(post_of(group, 3), "🙋 Me too")

    await mia.send("/questions")
    listing = mia.last().text
    assert listing.index("#2") < listing.index("#3") < listing.index("#1")  # most-voted first
    await owner.send("/agenda")
    agenda = owner.last().text
    assert agenda.index("#2") < agenda.index("#3") < agenda.index("#1")
    assert "2 votes" in agenda

    await owner.send("/answer 1 Используйте рубрику оценивания.")
    await owner.send("/answer 2 מתחילים בשאלה פתוחה.")
    await mia.send("/faq оценивать")
    assert "#1" in mia.last().text and "рубрику" in mia.last().text
    await mia.send("/faq משוב")
    assert "#2" in mia.last().text
    await mia.send("/faq observation")  # not answered yet: not in the archive
    assert "Nothing found" in mia.last().text


async def test_faq_pages_through_many_answers(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner, group, (mia,) = await hub_with(telegram, "en")
    hub = await bot.services.hubs.for_chat(group.id)
    questions = bot.services.questions
    for n in range(7):
        q = await questions.draft(hub.id, mia.id, f"Mentoring question number {n}")
        q = await questions.submit(q)
        await questions.answer(q, f"Mentoring answer {n}", owner.id)
    bot.services.delivery.wake()
    await bot.services.delivery.drained()  # the answers' notices first, then the search
    await mia.send("/faq mentoring")
    first = mia.last()
    assert "7 answers" in first.text
    assert first.text.count("❓") == 5
    await mia.press(first, "More ▶")
    assert first.text.count("❓") == 2
    await mia.press(first, "◀ Back")
    assert first.text.count("❓") == 5


async def test_bad_input_gets_clear_answers(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner, group, (mia, leaver) = await hub_with(telegram, "en", "nl")
    other_owner = telegram.user("Sven", language_code="nl")
    await make_hub(telegram, other_owner, "Elsewhere")
    await other_owner.send("/start")
    await mia.send("/ask " + "x" * 1501)
    assert "at most 1500 characters" in mia.last().text
    await ask(mia, "A fair question")
    await other_owner.send("/answer 1 Not my hub")
    assert other_owner.last().text == tr("nl", "There is no question #{id} in your hubs.", id=1)
    await mia.send("/answer 1 I answer myself")
    assert "Only this hub's facilitators" in mia.last().text
    await owner.send("/answer 99 Nothing")
    assert "There is no question #99" in owner.last().text
    await owner.send("/answer one two")
    assert "/answer 12" in owner.last().text
    await owner.send("/close 1 off topic")
    post = post_of(group, 1)
    answer = await mia.press_data(post, "qv:1")
    assert answer.show_alert and "closed" in answer.text
    await owner.send("/answer 1 Too late")
    assert owner.last().text == tr("en", "This question is closed.")
    answer = await mia.press_data(post, "qv:999")
    assert "no longer valid" in answer.text
    # Drafted while a member, sent after leaving: refused.
    await leaver.send("/ask Last words")
    draft = leaver.last()
    await leaver.press(draft, draft.buttons[0][0].text)
    hub = await bot.services.hubs.for_chat(group.id)
    await bot.services.hubs.leave(hub.id, leaver.id)
    answer = await leaver.press(draft, draft.buttons[0][0].text)
    assert answer.show_alert
    assert answer.text == tr("nl", "You are not a member of that hub (any more).")
    await leaver.send("/ask Again")
    assert leaver.last().text == tr(
        "nl", "You are not in a hub yet. Ask your facilitator for an invite link."
    )


async def test_facilitators_see_waiting_questions_in_the_list(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner, group, (mia,) = await hub_with(telegram, "en", moderation=True)
    await ask(mia, "Waiting for review")
    await mia.send("/questions")
    assert "Waiting for review" not in mia.last().text  # members see only open ones
    await owner.send("/questions")
    listing = owner.last()
    assert "Waiting for approval" in listing.text and "Waiting for review" in listing.text
    await owner.press(listing, "✅ Approve #1")
    assert "Question #1 approved and posted." in listing.text
    assert "Waiting for review" in post_of(group, 1).text
