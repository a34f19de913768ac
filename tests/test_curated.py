"""Curated references in references.toml, end to end through ``refcheck.extract``."""

from __future__ import annotations

from pathlib import Path

import pytest

from refcheck.config import CuratedReference, load_config
from refcheck.models import ExtractionResult, Reference
from refcheck.pipeline import extract
from refcheck.resolve.curated import matches, title_matches

DOCUMENT = (
    "Body text cites sources.1 More.2 Again.3 Last.4\n"  # 1
    "\n"  # 2
    "1 Current genocides and the consistent international\n"  # 3
    "practice to deny them, report, 2023.\n"  # 4
    "2 20240423_Armenia-Azerbaijan border delimitation.pdf\n"  # 5
    "3 https://www.example.org/kept and https://www.example.org/dropped and CAT/C/AZE/CO/5\n"  # 6
    "4 Annual report, https://www.icj-cij.org/case/180\n"  # 7
)


def run(tmp_path: Path, toml: str, document: str = DOCUMENT) -> ExtractionResult:
    (tmp_path / "doc.txt").write_text(document, encoding="utf-8")
    (tmp_path / "references.toml").write_text(toml, encoding="utf-8")
    config = load_config(tmp_path / "references.toml")
    return extract(tmp_path / "doc.txt", config)


def by_key(result: ExtractionResult) -> dict[str, Reference]:
    keys = [r.key for r in result.references]
    assert len(keys) == len(set(keys)), f"duplicate reference keys: {keys}"
    return {r.key: r for r in result.references}


def test_without_curation_the_title_and_file_name_are_unresolved(tmp_path: Path) -> None:
    result = run(tmp_path, "")
    assert [u.text for u in result.unresolved] == [
        "Current genocides and the consistent international practice to deny them, report, 2023.",
        "20240423_Armenia-Azerbaijan border delimitation.pdf",
    ]
    assert sorted(by_key(result)) == [
        "https://www.example.org/dropped",
        "https://www.example.org/kept",
        "icj:180",
        "un:CAT/C/AZE/CO/5",
    ]


def test_a_title_mapped_to_a_url_becomes_a_reference_with_its_citations(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        '[[references]]\nmatch = "current genocides and the CONSISTENT international practice"\n'
        'url = "https://example.org/ocampo-memo.pdf"\n',
    )
    ref = by_key(result)["https://example.org/ocampo-memo.pdf"]
    assert (ref.url, ref.urls, ref.type) == (
        "https://example.org/ocampo-memo.pdf",
        ("https://example.org/ocampo-memo.pdf",),
        "curated",
    )
    assert ref.title == "Current genocides and the consistent international practice to deny them, report, 2023."
    assert [(c.location.document, c.location.line, c.location.footnote) for c in ref.citations] == [
        (str(tmp_path / "doc.txt"), 3, 1)
    ]
    assert [u.text for u in result.unresolved] == ["20240423_Armenia-Azerbaijan border delimitation.pdf"]


def test_a_title_mapped_to_a_url_already_cited_joins_that_reference(tmp_path: Path) -> None:
    result = run(tmp_path, '[[references]]\nmatch = "Current genocides"\nurl = "https://WWW.example.org/kept"\n')
    ref = by_key(result)["https://www.example.org/kept"]
    assert [c.location.footnote for c in ref.citations] == [3, 1]
    assert ref.title == "Current genocides and the consistent international practice to deny them, report, 2023."


def test_an_ignored_file_name_is_listed_as_excluded(tmp_path: Path) -> None:
    result = run(tmp_path, '[[references]]\nmatch = "20240423_Armenia-Azerbaijan border delimitation"\nignore = true\n')
    assert [u.text for u in result.unresolved] == [
        "Current genocides and the consistent international practice to deny them, report, 2023."
    ]
    ((excluded),) = result.excluded
    assert excluded.key == "ignored:20240423_Armenia-Azerbaijan border delimitation.pdf"
    assert [c.location.footnote for c in excluded.citations] == [2]


@pytest.mark.parametrize(
    "entry",
    [
        'url = "https://www.example.org/dropped"',
        'url = "HTTPS://WWW.EXAMPLE.ORG:443/dropped"',  # the same URL in identity form
        'key = "https://www.example.org/dropped"',
    ],
)
def test_an_ignored_url_disappears_and_is_listed_as_excluded(tmp_path: Path, entry: str) -> None:
    result = run(tmp_path, f"[[references]]\n{entry}\nignore = true\n")
    assert "https://www.example.org/dropped" not in by_key(result)
    assert "https://www.example.org/kept" in by_key(result)
    assert [r.key for r in result.excluded] == ["https://www.example.org/dropped"]


@pytest.mark.parametrize("key", ["un:CAT/C/AZE/CO/5", "UN:cat/c/aze/co/5", " un:CAT/C/AZE/CO/5 "])
def test_an_ignored_identifier_disappears_whatever_its_case(tmp_path: Path, key: str) -> None:
    result = run(tmp_path, f'[[references]]\nkey = "{key}"\nignore = true\n')
    assert "un:CAT/C/AZE/CO/5" not in by_key(result)
    assert [r.key for r in result.excluded] == ["un:CAT/C/AZE/CO/5"]


def test_a_url_entry_applies_to_a_url_the_resolvers_turned_into_an_identifier(tmp_path: Path) -> None:
    result = run(tmp_path, '[[references]]\nurl = "https://www.icj-cij.org/case/180"\nignore = true\n')
    assert "icj:180" not in by_key(result)
    assert [r.key for r in result.excluded] == ["icj:180"]


def test_a_key_entry_overrides_the_url_to_check(tmp_path: Path) -> None:
    result = run(tmp_path, '[[references]]\nkey = "un:CAT/C/AZE/CO/5"\nurl = "https://example.org/cat-co-5.pdf"\n')
    ref = by_key(result)["un:CAT/C/AZE/CO/5"]
    assert ref.url == "https://example.org/cat-co-5.pdf"
    assert [c.location.footnote for c in ref.citations] == [3]


def test_a_hand_added_reference_says_it_came_from_the_configuration(tmp_path: Path) -> None:
    toml = (
        "# curated by hand\n"  # 1
        "\n"  # 2
        "[[references]]\n"  # 3
        'match = "20240423_Armenia"\n'  # 4
        "ignore = true\n"  # 5
        "\n"  # 6
        "[[references]]\n"  # 7
        'url = "https://example.org/report.pdf"\n'  # 8
        'accept = ["blocked"]\n'  # 9
        'note = "sent by the author"\n'  # 10
    )
    result = run(tmp_path, toml)
    ref = by_key(result)["https://example.org/report.pdf"]
    (citation,) = ref.citations
    assert (citation.location.document, citation.location.line, citation.source, citation.note) == (
        str(tmp_path / "references.toml"),
        7,
        "config",
        "sent by the author",
    )
    assert (ref.url, ref.type, citation.url) == (
        "https://example.org/report.pdf",
        "url",
        "https://example.org/report.pdf",
    )


def test_a_hand_added_url_that_is_also_cited_is_not_doubled(tmp_path: Path) -> None:
    result = run(tmp_path, '[[references]]\nurl = "https://www.example.org/kept"\naccept = ["blocked"]\n')
    ref = by_key(result)["https://www.example.org/kept"]
    assert [c.source for c in ref.citations] == ["text"]


@pytest.mark.parametrize(
    ("match", "text", "expected"),
    [
        ("Current genocides", "Current genocides and the practice", True),
        ("current  GENOCIDES", "Current genocides and the practice", True),  # case and spacing
        ("“Current genocides”", '"Current genocides" and the practice', True),  # quotes differ
        ("international practice", "the consistent international\npractice", True),  # a wrapped line
        ("genocide", "Current genocides", False),  # whole words only
        ("art", "a party to the treaty", False),
        ("   ", "anything", False),  # an empty match matches nothing
    ],
)
def test_title_matching_is_case_insensitive_whole_words(match: str, text: str, expected: bool) -> None:
    assert title_matches(match, text) is expected


def test_entries_for_a_key_or_url_match_references() -> None:
    ref = Reference(
        key="icj:180",
        type="icj",
        url="https://www.icj-cij.org/case/180",
        citations=(),
        urls=("https://www.icj-cij.org/case/180",),
    )
    assert matches(CuratedReference(line=1, key="ICJ:180"), ref)
    assert matches(CuratedReference(line=1, url="https://www.icj-cij.org/case/180"), ref)
    assert not matches(CuratedReference(line=1, url="https://www.icj-cij.org/case/181"), ref)
    assert not matches(CuratedReference(line=1, match="icj", url="https://www.icj-cij.org/case/180"), ref)
