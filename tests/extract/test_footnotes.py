"""Footnote splitting: a number opens a footnote only where the layout says so."""

from __future__ import annotations

import pytest

from refcheck.extract import footnotes
from refcheck.extract.footnotes import footnote_opener, split_segments


def footnotes_of(text: str) -> list[tuple[int | None, str]]:
    return [(s.footnote, " ".join(s.text.split())) for s in split_segments(text.split("\n"))]


def test_footnotes_open_after_a_blank_line_and_stack_without_one() -> None:
    text = "Body text.1\n\n1 https://a.example.org/x\n2 Second note\nwraps here.\n\nMore body."
    assert footnotes_of(text) == [
        (None, "Body text.1"),
        (1, "https://a.example.org/x"),
        (2, "Second note wraps here."),
        (None, "More body."),
    ]


def test_footnotes_open_after_the_rule_printed_above_them() -> None:
    text = "act within 30 days;\n_______________\n1 Texts adopted, P9_TA(2023)0356.\n2 OJ C 314, 1.9.2023, p. 86."
    assert footnotes_of(text) == [
        (None, "act within 30 days;"),
        (1, "Texts adopted, P9_TA(2023)0356."),
        (2, "OJ C 314, 1.9.2023, p. 86."),
    ]
    # A rule is not a footnote, and a number after a body line is not a footnote either.
    assert footnotes_of("Body\n    __________\nmore body\n3 items") == [(None, "Body"), (None, "more body 3 items")]


def test_a_date_wrapped_onto_a_line_start_is_not_a_footnote() -> None:
    # corpus 002, recital M: "… 22 février 2023 et\n17 novembre 2023;"
    assert footnote_opener("17 novembre 2023;") is None
    text = "vu les ordonnances des 7 décembre 2021, 22 février 2023 et\n17 novembre 2023;"
    assert [f for f, _ in footnotes_of(text)] == [None]


def test_a_number_in_running_text_is_not_a_footnote() -> None:
    assert [f for f, _ in footnotes_of("The parties met\n12 times in 2023.")] == [None]


def test_numbered_list_items_are_not_footnotes() -> None:
    assert footnote_opener("1. CondaMne avec la plus grande fermeté") is None
    assert footnote_opener("4.4.5. de respecter") is None
    assert footnote_opener("110589/001DOC 56") is None


def test_a_footnote_continues_across_a_blank_line_when_unfinished() -> None:
    # corpus 002 fn 10 (FR): "… concernant le\n\ncinquième rapport …"
    text = "10 Comité contre la torture, concernant le\n\ncinquième rapport, point 22.\n\n11 Next note."
    assert footnotes_of(text) == [
        (10, "Comité contre la torture, concernant le cinquième rapport, point 22."),
        (11, "Next note."),
    ]


def test_a_url_footnote_continues_across_a_blank_line_on_a_joiner() -> None:
    text = "16 https://www .rferl .org /a /nagorno\n\n-karabakh /33068045 .html\n17 Le Zanguezour oriental."
    assert [f for f, _ in footnotes_of(text)] == [16, 17]
    assert "-karabakh" in footnotes_of(text)[0][1]


def test_body_text_after_the_footnotes_is_never_swallowed() -> None:
    text = (
        "13 https://www .primeminister .am /fr /07\n/Nikol -Pashinyan -Announcement/\n\n"
        "de gevechten in 2020.8 Dit aantal zou\nvolgens Armeense mensen\nhoger liggen.9 De\nautoriteiten hebben"
    )
    assert [f for f, _ in footnotes_of(text)] == [13, None]


def test_a_new_column_after_a_footnote_starts_a_new_block() -> None:
    # corpus 002 fn 18 (NL) runs straight into the next page's first line
    text = "\n18 Ilham Aliyev attended the unveiling\nin Baku Official web-site\n l’Azerbaïdjan va plus loin"
    assert footnotes_of(text) == [
        (18, "Ilham Aliyev attended the unveiling in Baku Official web-site"),
        (None, "l’Azerbaïdjan va plus loin"),
    ]


def test_the_marker_is_blanked_so_offsets_keep_their_columns() -> None:
    (segment,) = split_segments(["6 https://a.example.org"])
    assert segment.text == "  https://a.example.org"
    assert segment.line_at(5) == 1


def test_superscript_footnote_numbers_open_footnotes() -> None:
    assert footnote_opener("⁶ https://example.org/x") == (6, 2)
    assert footnote_opener("¹² Smith, Report") == (12, 3)


def test_skipping_lines_that_start_with_a_letter_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # The openers, blank lines, wrapped dates, hanging indents and continuations of the
    # tests above, after body lines that start with a letter and lines that do not.
    lines = [
        "Body text.1",
        "",
        "1 https://a.example.org/x",
        "2 Second note",
        "wraps here.",
        "",
        "10 Comité contre la torture, concernant le",
        "",
        "cinquième rapport, point 22.",
        "",
        "vu les ordonnances des 7 décembre 2021, 22 février 2023 et",
        "17 novembre 2023;",
        "",
        "[3] Smith, Report",
        " l’Azerbaïdjan va plus loin",
        "",
        "⁶ https://example.org/x",
        "\t4. https://b.example.org",
        "   ",
        "(12) not a note",
        "18 Ilham Aliyev attended",
        " new column",
        "",
        "Élan 5 https://c.example.org",
        "5 https://c.example.org",
    ]
    got = [(s.lines, s.first_line, s.footnote) for s in split_segments(lines)]
    monkeypatch.setattr(footnotes, "_lines_to_look_at", lambda all_lines: list(range(len(all_lines))))
    assert got == [(s.lines, s.first_line, s.footnote) for s in split_segments(lines)]
    assert [note for _, _, note in got] == [None, 1, 2, 10, None, None, 3, None, 6, 4, None, None]


def test_notes_indented_as_pdftotext_layout_prints_them_after_an_unnumbered_note() -> None:
    lines = [
        "5.     The Secretary-General recalled resolution 77/229.6",
        "",
        "__________________",
        "    * The present report was submitted after the deadline to reflect the most recent",
        "      developments.",
        "    1 See A/HRC/RES/52/32, para. 9.",
        "    2 Ibid.",
        "",
        "    3 CCPR/C/UKR/CO/8, paras. 11-12.",
    ]
    segments = split_segments(lines)
    assert [(s.footnote, s.first_line) for s in segments] == [(None, 1), (None, 4), (1, 6), (2, 7), (3, 9)]


def test_an_asterisk_inside_a_paragraph_is_no_unnumbered_note() -> None:
    # Only after a blank line (or a rule) does "* text" open a note; mid-paragraph it is text.
    lines = ["The vote on the text", "* was close:", "12 members voted in favour, 3 against."]
    assert [(s.footnote, s.first_line) for s in split_segments(lines)] == [(None, 1)]
