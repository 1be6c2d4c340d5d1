"""Built-in prompts about mentoring practice; each member reads one in their own language."""

from __future__ import annotations

from bot import i18n
from bot.i18n import LazyText, lazy_gettext

LIBRARY: dict[str, LazyText] = {
    "lib1": lazy_gettext(
        "Think of one moment this week when you watched your mentee teach. What did you notice "
        "first, and what did you notice only later?"
    ),
    "lib2": lazy_gettext(
        "What is one piece of feedback you gave this week? How did your mentee take it, and "
        "what would you say differently next time?"
    ),
    "lib3": lazy_gettext(
        "Which question that you asked your mentee opened up the conversation? Which one closed "
        "it down?"
    ),
    "lib4": lazy_gettext(
        "Where has your mentee grown since you started working together? Describe one small "
        "sign of it."
    ),
    "lib5": lazy_gettext(
        "What did you learn about your own teaching by mentoring someone else this week?"
    ),
    "lib6": lazy_gettext(
        "When did you hold back from giving an answer and let your mentee find it? What happened?"
    ),
    "lib7": lazy_gettext(
        "Recall a lesson you observed. What did the students do that told you it was working, "
        "or not?"
    ),
    "lib8": lazy_gettext("What is your mentee proud of right now? Did you tell them you noticed?"),
    "lib9": lazy_gettext(
        "Which conversation with your mentee felt hardest this week? What made it hard, and "
        "what helped?"
    ),
    "lib10": lazy_gettext(
        "What goal did you and your mentee agree on? How will both of you know it has been reached?"
    ),
    "lib11": lazy_gettext(
        "Describe one thing you would like to try as a mentor that you have not tried yet."
    ),
    "lib12": lazy_gettext(
        "What did you praise this week, and was the praise specific enough to be useful?"
    ),
    "lib13": lazy_gettext(
        "Where did you feel unsure as a mentor this week? Who or what could help you with it?"
    ),
    "lib14": lazy_gettext(
        "If your mentee described your last meeting to a colleague, what do you hope they "
        "would say?"
    ),
    "lib15": lazy_gettext(
        "What pattern do you see in your mentee's lessons over the last few weeks? What might "
        "be behind it?"
    ),
}


def library_text(key: str, locale: str) -> str:
    """A library prompt in ``locale`` (plain text); an unknown key gives an empty string."""
    prompt = LIBRARY.get(key)
    if prompt is None:
        return ""
    with i18n.use_locale(locale):
        return str(prompt)


def english(key: str) -> str:
    """The msgid, stored as ``prompts.text`` so a library prompt outlives a renamed key."""
    prompt = LIBRARY.get(key)
    return prompt.message if prompt is not None else ""
