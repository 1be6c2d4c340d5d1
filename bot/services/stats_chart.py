"""The /stats chart: members and active members per week for 12 weeks, as a PNG.

matplotlib is imported inside ``render_chart`` (never at module import), so the bot starts and
idles without it; call it in a thread (``asyncio.to_thread``): drawing takes a fraction of a
second of CPU. matplotlib 3.11 lays text out with libraqm, which orders right-to-left text and
joins Arabic letters itself: labels are passed in logical order, without bidi control marks
(DejaVu Sans has no glyphs for them).
"""

from __future__ import annotations

import html
import io
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

_BIDI_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
WIDTH, HEIGHT, DPI = 9.6, 5.4, 100  # 960 × 540 pixels
_DRAWING = threading.Lock()


@dataclass(frozen=True, slots=True)
class ChartText:
    """Everything the chart says, already in the reader's language."""

    title: str
    members: str
    active: str
    week_labels: Sequence[str]
    language: str  # BCP 47, for libraqm's shaping


def plain(text: str) -> str:
    """Text as the chart draws it: no HTML, no bidi control marks."""
    return _BIDI_MARKS.sub("", html.unescape(re.sub(r"<[^>]*>", "", text)))


def chart_title(text: ChartText) -> str:
    """The title as the chart draws it: no HTML, but its isolates kept and a leading RLM or LRM,
    so that a Hebrew or Arabic title is laid out right to left even when it starts with a
    Latin hub name."""
    from bot.i18n import is_rtl

    mark = "\u200f" if is_rtl(text.language) else "\u200e"
    return mark + html.unescape(re.sub(r"<[^>]*>", "", text.title))


def preload() -> None:
    """Import matplotlib (the first /stats does, ~0.6 s): run in a thread while the figures are
    read, so that the two overlap."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.figure


def render_chart(text: ChartText, members: Sequence[int], active: Sequence[int]) -> bytes:
    """A PNG of two series over the weeks (oldest first).

    One drawing at a time: the language goes through matplotlib's global rcParams, and drawing
    holds the GIL anyway.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with _DRAWING, matplotlib.rc_context({"text.language": text.language}):
        figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
        axes = figure.add_subplot()
        positions = range(len(members))
        axes.bar(positions, active, color="#7fb3d5", label=plain(text.active))
        axes.plot(
            positions, members, color="#1f4e79", marker="o", linewidth=2, label=plain(text.members)
        )
        axes.set_xticks(list(positions), [plain(label) for label in text.week_labels], rotation=45)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(bottom=0, top=max([*members, *active, 1]) * 1.15)
        axes.set_title(chart_title(text))
        axes.grid(axis="y", alpha=0.3)
        axes.legend(loc="upper left")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
