"""Footnote text joined for an editor: hyphenation undone, invisible marks dropped."""

from __future__ import annotations

from refcheck.normalise.notes import classify_note, join_note
from refcheck.models import CitationKind


def test_lines_joined_and_line_end_hyphenation_undone() -> None:
    assert join_note(["Human Rights Watch, Report on the block-", "ade of the corridor, 2023."]) == (
        "Human Rights Watch, Report on the blockade of the corridor, 2023."
    )


def test_invisible_marks_left_by_readers_and_pdfs_are_dropped() -> None:
    # Readers put a word joiner before a note that opens like a date ("3 June 2023, …").
    assert join_note(["\u2060June 2023 report of the Special\u200b Rapporteur"]) == (
        "June 2023 report of the Special Rapporteur"
    )


def test_a_file_name_note_is_a_file_name_citation() -> None:
    assert classify_note(join_note(["Joint statement.", "pdf"])) is CitationKind.FILE_NAME


def test_a_page_reference_of_any_length_marks_a_source() -> None:
    # "p. 3" was read and "p. 86" was not: the page number is one or more digits.
    assert classify_note("OJ L 246, 17.9.1999, p. 3.") is CitationKind.TITLE
    assert classify_note("OJ C 314, 1.9.2023, p. 86.") is CitationKind.TITLE
    assert classify_note("See above, para. 12.") is None
