"""Search over answered questions: stemmed, in the reader's and the hubs' languages, bm25-ranked.

The index (``questions_search``, migration 0014) holds each answered question's search forms
(``bot.search_terms``). A query word becomes "any of its forms, or the word as a prefix",
the words are all required (``faq``) or any of them counts (``similar``, and ``faq`` when no
answer has them all), and the hubs are part of the same full-text expression. The expression is
built from normalised letters and digits only, each quoted: nothing the user types is FTS5
syntax (``NEAR``, ``"``, ``*``, ``-``, ``:`` are punctuation here, or plain words).

Ranking: /faq takes the newest 300 matches (FTS5 walks its doclists backwards and stops, so a
common word costs no more than a rare one) and says "300+" when there are more; the newest 100
are ranked by bm25, computed here from their stored forms, the rest follow newest first.
``similar`` picks its candidates by the rarest words of the text (see there).

Matched words are highlighted with ``<b>`` in a window of the question (a long one) and in a
snippet of the answer; the rest of the text is escaped, so a question that is all HTML shows
as typed.
"""

from __future__ import annotations

import asyncio
import bisect
import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot import search_terms as stemming
from bot.db.database import Database
from bot.db.questions import TEXT_WEIGHT, QuestionRow, SearchRepository, hub_token

MAX_QUERY_WORDS = 12  # /faq: the first content words count, the rest of a long paste does not
MAX_SIMILAR_WORDS = 24  # a typed question: enough words to recognise it
CANDIDATES = 300  # /faq counts up to 300 matches; "300+" says there are more
SIMILAR_WINDOW = 300  # similar(): the newest matches of its rarest words, ranked
RARITY_CAP = 1000  # similar(): a word's matches are counted up to this many
RANKED = 100  # /faq ranks the newest 100 matches by bm25; older ones follow, newest first
SIMILAR_OVERLAP = 0.5  # similar(): at least half of the question's words must be found
SNIPPET = 200  # characters of the answer shown around its first match
QUESTION_WINDOW = 400  # characters of a long question shown around its first match
HEAD = 3  # letters compared before a displayed word is stemmed for highlighting
PREFIX_MIN = 2  # a query word shorter than this is looked up as a whole word only
STEM_PREFIX_MIN = 5  # a stem this long also finds longer stems ("оценива" → "оцениван")

_INVISIBLE = "\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
_MARKS = "\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
# A word as displayed: letters and digits, with points, short vowels and invisible marks inside.
_SHOWN_WORD = re.compile(rf"(?:[^\W_]|[{_MARKS}{_INVISIBLE}])+")


@dataclass(frozen=True, slots=True)
class SearchHit:
    question_id: int
    hub_id: int
    question_html: str  # the question (~400 characters around its first match), escaped, <b>
    answer_snippet_html: str  # a part of the answer around its first match, escaped, <b>
    anonymous: bool
    asker_id: int | None  # for "🙋 Me too" (never to be shown when ``anonymous``)
    score: float  # higher is better (−bm25)


@dataclass(frozen=True, slots=True)
class Query:
    """A query word: as typed (normalised, for prefixes) and every form it is looked up by."""

    word: str
    forms: tuple[str, ...]

    def prefixes(self) -> tuple[str, ...]:
        """The word as typed, and its longer stems: found at the start of a stored form."""
        stems = tuple(
            form
            for form in self.forms[1:]
            if len(form) >= STEM_PREFIX_MIN and not form.endswith(stemming.TYPED)
        )
        return ((self.word,) if len(self.word) >= PREFIX_MIN else ()) + stems

    def expression(self) -> str:
        prefixes = self.prefixes()
        terms = [f'"{form}"*' for form in prefixes]
        terms += [f'"{form}"' for form in self.forms if form not in prefixes]
        return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def parse(text: str, locales: Sequence[str], limit: int = MAX_QUERY_WORDS) -> list[Query]:
    """The query words of ``text`` (stop words, punctuation and emoji left out)."""
    return [
        Query(word, stemming.forms(word, locales, query=True))
        for word in stemming.content_words(text, locales)[:limit]
    ]


def searchable(text: str, locales: Sequence[str]) -> bool:
    """Whether ``text`` has a word to search by in these languages (not only their common
    words, punctuation, emoji)."""
    return bool(stemming.content_words(text, locales))


def expression(queries: Sequence[Query], hub_ids: Sequence[int], *, every: bool) -> str:
    """The FTS5 expression: these hubs, and all (``every``) or any of the words."""
    hubs = " OR ".join(f'"{hub_token(hub)}"' for hub in hub_ids)
    joiner = " AND " if every else " OR "
    words = joiner.join(q.expression() for q in queries)
    return f"{{hub}} : ({hubs}) AND {{text answer}} : ({words})"


# -- highlighting


_fold = stemming.fold


class Matcher:
    """Tells whether a displayed word is one the query found (same rule as the index's)."""

    def __init__(self, queries: Sequence[Query], locales: Sequence[str]) -> None:
        self._locales = tuple(locales)
        self._langs = stemming.base_locales(locales)
        self._words = [
            (tuple(_fold(p) for p in q.prefixes()), {_fold(f) for f in q.forms}) for q in queries
        ]
        # Stemming every displayed word costs more than the search: a word is stemmed only if it
        # (or what is left after a proclitic) starts as one of the query's forms does.
        self._heads = {f[:HEAD] for prefixes, wanted in self._words for f in (*prefixes, *wanted)}
        self._seen: dict[str, set[int]] = {}
        self._chunks: dict[str, bool] = {}

    def _maybe(self, word: str) -> bool:
        folded = _fold(word)
        if folded[:HEAD] in self._heads:
            return True
        script = stemming.script_locale(word)
        return script is not None and any(
            _fold(v)[:HEAD] in self._heads for v in stemming.proclitic_variants(word, script)
        )

    def _found_by(self, word: str) -> set[int]:
        """Which query words find this normalised word."""
        found = self._seen.get(word)
        if found is None:
            found = set()
            if not stemming.is_stop_word(word, self._langs) and self._maybe(word):
                forms = [_fold(form) for form in stemming.forms(word, self._locales)]
                found = {
                    index
                    for index, (prefixes, wanted) in enumerate(self._words)
                    if any(f in wanted or f.startswith(prefixes) for f in forms)
                }
            self._seen[word] = found
        return found

    def _shown_matches(self, chunk: str) -> bool:
        """Whether a displayed word (points and marks inside it kept) is one the query found."""
        found = self._chunks.get(chunk)
        if found is None:
            found = self._chunks[chunk] = any(self._found_by(w) for w in stemming.words(chunk))
        return found

    def highlight(self, text: str) -> str:
        """``text`` escaped, the words the query found in ``<b>``."""
        out, last = [], 0
        for match in _SHOWN_WORD.finditer(text):
            if self._shown_matches(match.group()):
                out += [html.escape(text[last : match.start()], quote=False), "<b>"]
                out += [html.escape(match.group(), quote=False), "</b>"]
                last = match.end()
        out.append(html.escape(text[last:], quote=False))
        return "".join(out)

    def first(self, text: str) -> int:
        """Where the first word the query found starts in ``text`` (-1: none)."""
        for match in _SHOWN_WORD.finditer(text):
            if self._shown_matches(match.group()):
                return match.start()
        return -1


BM25_K1, BM25_B = 1.2, 0.75  # FTS5's bm25() constants


def bm25(
    queries: Sequence[Query], rows: Sequence[tuple[int, str, str]]
) -> list[tuple[int, float, int]]:
    """FTS5's bm25 over these rows' stored forms: (id, score, how many query words it has).

    The score is FTS5's (lower is better): each query word counts once per column (the index
    keeps no positions), a question word ``TEXT_WEIGHT`` times an answer word, longer rows a
    little less; a word's rarity is taken among these rows (FTS5 would read every phrase's
    whole doclist for it, which costs more than the search itself).
    """
    if not rows:
        return []
    wanted = [(frozenset(q.forms), q.prefixes()) for q in queries]

    def found(stored: str) -> list[bool]:
        # Set lookups for the forms; a prefix by bisection over the sorted forms, only when it
        # is somewhere in the text at all (a quick substring test rules most out).
        forms = set(stored.split())
        ordered: list[str] | None = None
        out = []
        for exact, prefixes in wanted:
            hit = not exact.isdisjoint(forms)
            for prefix in prefixes:
                if hit:
                    break
                if prefix in stored:
                    ordered = sorted(forms) if ordered is None else ordered
                    hit = _starts(ordered, prefix)
            out.append(hit)
        return out

    docs = [
        (question_id, found(text), found(answer), text.count(" ") + answer.count(" ") + 2)
        for question_id, text, answer in rows
    ]
    average = sum(size for *_, size in docs) / len(docs)
    having = [sum(1 for _, t, a, _ in docs if t[i] or a[i]) for i in range(len(wanted))]
    idf = [math.log((len(docs) - n + 0.5) / (n + 0.5) + 1) for n in having]
    scored = []
    for question_id, in_text, in_answer, size in docs:
        norm = BM25_K1 * (1 - BM25_B + BM25_B * size / average)
        score, words = 0.0, 0
        for i, weight in enumerate(idf):
            tf = TEXT_WEIGHT * in_text[i] + in_answer[i]
            score += weight * tf * (BM25_K1 + 1) / (tf + norm)
            words += bool(tf)
        scored.append((question_id, -score, words))
    return scored


def _starts(ordered: Sequence[str], prefix: str) -> bool:
    """Whether a word of ``ordered`` (sorted) starts with ``prefix``."""
    at = bisect.bisect_left(ordered, prefix)
    return at < len(ordered) and ordered[at].startswith(prefix)


def snippet(matcher: Matcher, answer: str, size: int = SNIPPET) -> str:
    """Up to ``size`` characters of a text around its first match (its start if none)."""
    first = matcher.first(answer)
    start = 0 if first < size // 3 else first - size // 3
    if start:  # begin at a word
        space = answer.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = start + size
    if end < len(answer):
        space = answer.rfind(" ", start, end)
        end = space if space > start + size // 2 else end
    text = answer[start:end].strip()
    body = matcher.highlight(text)
    return ("…" if start else "") + body + ("…" if end < len(answer) else "")


class SearchService:
    def __init__(self, db: Database) -> None:
        self._repo = SearchRepository(db)

    def _hits(
        self,
        scored: Sequence[tuple[int, float]],
        rows: dict[int, QuestionRow],
        matcher: Matcher | None,
    ) -> list[SearchHit]:
        """The hits, highlighted by ``matcher`` (None: no HTML built, left empty)."""
        hits = []
        for question_id, score in scored:
            row = rows.get(question_id)
            if row is None:
                continue
            hits.append(
                SearchHit(
                    question_id=row.id,
                    hub_id=row.hub_id,
                    question_html=snippet(matcher, row.text, QUESTION_WINDOW) if matcher else "",
                    answer_snippet_html=snippet(matcher, row.answer or "") if matcher else "",
                    anonymous=row.anonymous,
                    asker_id=row.asker_id,
                    score=-score,
                )
            )
        return hits

    async def faq(
        self,
        query: str,
        *,
        hub_ids: Sequence[int],
        locales: Sequence[str],
        limit: int = 5,
        offset: int = 0,
    ) -> tuple[list[SearchHit], int, bool]:
        """A page of answered questions for ``query``, best first; the total and whether the
        total is capped (more than ``CANDIDATES`` matches: say "300+").

        Answers with every word come first; when none has them all, those with any of them.
        """
        queries = parse(query, locales)
        if not queries or not hub_ids:
            return [], 0, False
        newest = await self._repo.newest(expression(queries, hub_ids, every=True), CANDIDATES + 1)
        if not newest and len(queries) > 1:
            newest = await self._repo.newest(
                expression(queries, hub_ids, every=False), CANDIDATES + 1
            )
        capped, total = len(newest) > CANDIDATES, min(len(newest), CANDIDATES)
        ranked = await self._repo.forms(newest[:RANKED])
        scored = [(i, score) for i, score, _ in bm25(queries, ranked)]
        # The best of the newest first, then the older matches, newest first.
        order = sorted(scored, key=lambda pair: (pair[1], -pair[0]))
        order += [(i, 0.0) for i in newest[RANKED:CANDIDATES]]
        page = order[max(0, offset) : max(0, offset) + limit]
        rows = await self._repo.answered([question_id for question_id, _ in page])
        return self._hits(page, rows, Matcher(queries, locales)), total, capped

    async def similar(
        self,
        text: str,
        *,
        hub_ids: Sequence[int],
        locales: Sequence[str],
        limit: int = 3,
        highlight: bool = True,
    ) -> list[SearchHit]:
        """Up to ``limit`` answered questions like ``text`` (a question being typed), best first.

        One counts when at least half of the text's words (stemmed) are in its question or
        answer; the best by bm25 come first. Candidates are chosen by the rarest words, not by
        recency: a question with half of the words has one of the rarest ``n - needed + 1`` of
        them (each word's matches counted up to ``RARITY_CAP``), so those find it however many
        newer questions share a common word. The newest ``SIMILAR_WINDOW`` rows with the two
        rarest words, then with any of the rare ones, are ranked, off the event loop. Without
        ``highlight`` the hits carry no HTML (a caller that shows the stored text).
        """
        queries = parse(text, locales, MAX_SIMILAR_WORDS)
        if not queries or not hub_ids or limit <= 0:
            return []
        needed = max(1, math.ceil(len(queries) * SIMILAR_OVERLAP))
        counts = [
            await self._repo.count(expression([q], hub_ids, every=True), RARITY_CAP)
            for q in queries
        ]
        present = sorted((count, i) for i, count in enumerate(counts) if count)
        if len(present) < needed:
            return []
        rare = [queries[i] for _, i in present[: len(present) - needed + 1]]
        ids: list[int] = []
        if len(rare) > 1:
            ids += await self._repo.newest(
                expression(rare[:2], hub_ids, every=True), SIMILAR_WINDOW
            )
        ids += await self._repo.newest(expression(rare, hub_ids, every=False), SIMILAR_WINDOW)
        rows = await self._repo.forms(list(dict.fromkeys(ids)))
        ranked = await asyncio.to_thread(bm25, queries, rows)
        scored = sorted(
            (pair for *pair, words in ranked if words >= needed),
            key=lambda pair: (pair[1], -pair[0]),
        )[:limit]
        rows_by_id = await self._repo.answered([question_id for question_id, _ in scored])
        return self._hits(scored, rows_by_id, Matcher(queries, locales) if highlight else None)
