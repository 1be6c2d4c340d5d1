"""CSV that spreadsheets open safely: UTF-8 with a byte-order mark, formulas neutralised.

Excel and LibreOffice guess the encoding of a CSV file; the byte-order mark makes them read
Cyrillic, Hebrew and Arabic as UTF-8. A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is run as a formula ("CSV injection": ``=cmd|' /C calc'!A0``), so such a
cell gets a leading apostrophe, which spreadsheets show as text. Invisible characters in front
(bidi marks, spaces, a zero-width joiner) do not hide a formula from this check: a spreadsheet may
drop them. Numbers that the bot itself counted are written as they are.

The csv module quotes commas, quotes and line breaks, so names with them survive a round trip.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MEDIA_TYPE = "text/csv"
# Skipped when looking for a formula's first character: spaces and format characters (bidi marks,
# zero-width characters, the BOM). Tab and CR are formula starts themselves, so not skipped.
_INVISIBLE = (
    " \u00a0\u200b\u200c\u200d\u200e\u200f\u061c\u2060"
    "\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e\ufeff"
)

Cell = str | int | float | None


def safe_cell(value: Cell) -> str:
    """The text of one cell, with anything a spreadsheet would run as a formula made inert."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("say yes or no in the reader's language, not True/False")
    if isinstance(value, int | float):
        return str(value)  # our own counts: "-1" never comes from a person
    text = str(value)
    if text.lstrip(_INVISIBLE).startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The CSV text (no BOM): one header row, then ``rows``, every cell through ``safe_cell``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """The CSV file's bytes: UTF-8 with a byte-order mark, lines ending in CRLF."""
    return (BOM + csv_text(header, rows)).encode("utf-8")
