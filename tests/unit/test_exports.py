"""Spreadsheet cells: formulas neutralised, awkward text survives a round trip through csv."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from bot.i18n import use_locale
from bot.services.export_tables import Table, word
from bot.services.exports import UPLOAD_LIMIT, ExportFile, pack
from bot.services.spreadsheet import BOM, csv_bytes, safe_cell

AWKWARD = [
    "Smith, Anna",
    'Anna "the mentor" Smith',
    "two\nlines",
    "cr\r\nlf",
    "\u200fשרה כהן\u200f",
    "\u202eevil\u202c",
    "Ольга, «наставник»",
    "plain",
    "",
]


@pytest.mark.parametrize(
    "value",
    [
        "=cmd|' /C calc'!A0",
        "+1+2",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1",
        "\r=1",
        '=HYPERLINK("http://x")',
        " =1",  # a space in front: spreadsheets may drop it
        "\u200f=cmd|' /C calc'!A0",  # a right-to-left mark in front
        "\u2066@x\u2069",
        "\ufeff=1",
    ],
)
def test_formulas_get_an_apostrophe(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Anna", "a=b", "1-2", "mail@example.org", "'quoted", "#12"])
def test_ordinary_text_is_left_alone(value: str) -> None:
    assert safe_cell(value) == value


def test_numbers_and_empty_cells() -> None:
    assert safe_cell(None) == ""
    assert safe_cell(0) == "0"
    assert safe_cell(12) == "12"
    assert safe_cell(-3) == "-3"  # our own counts are never escaped
    with pytest.raises(TypeError):
        safe_cell(True)


def test_csv_bytes_have_a_bom_crlf_and_round_trip() -> None:
    header = ["Name", "=Header"]
    rows = [[value, index] for index, value in enumerate(AWKWARD)]
    data = csv_bytes(header, rows)
    assert data.startswith(BOM.encode("utf-8"))
    assert b"\r\n" in data
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed[0] == ["Name", "'=Header"]
    assert parsed[1:] == [[value, str(index)] for index, value in enumerate(AWKWARD)]


def test_formula_cells_round_trip_escaped() -> None:
    data = csv_bytes(["a"], [["=cmd|' /C calc'!A0"], ["-1"], ["@x, y"]])
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed[1:] == [["'=cmd|' /C calc'!A0"], ["'-1"], ["'@x, y"]]


def test_pack_zips_each_table_deflated() -> None:
    tables = [
        Table("members.csv", ["Name"], [["Anna"], ["Smith, Bob"]]),
        Table("questions.csv", ["Question"], []),
    ]
    made = pack(7, tables, "2026-12-05")
    assert made.name == "hub-7-export-2026-12-05.zip"
    assert made.rows == {"members.csv": 2, "questions.csv": 0}
    assert made.members == 2 and not made.too_big
    with zipfile.ZipFile(io.BytesIO(made.data)) as zf:
        assert zf.namelist() == ["members.csv", "questions.csv"]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zf.infolist())
        text = zf.read("members.csv").decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["Name"], ["Anna"], ["Smith, Bob"]]


def test_too_big_is_over_telegrams_limit() -> None:
    made = ExportFile("x.zip", b"x" * (UPLOAD_LIMIT + 1), {"members.csv": 0})
    assert made.too_big


def test_header_words_carry_no_bidi_marks() -> None:
    with use_locale("he"):
        assert word("\u200fName") == "Name"
        assert word("שם\u200f") == "שם"
