"""European Parliament procedures and texts adopted."""

from __future__ import annotations

import pytest

from refcheck.resolve import ep
from refcheck.resolve._types import ScanContext


def keys(text: str) -> list[str]:
    matches, _ = ep.find_in_text(text, ScanContext())
    return [m.key for m in matches]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("résolution du 5 octobre 2023 (2023/2879(RSP))", ["ep:2023/2879(RSP)"]),
        ("procedure 2024/2890 (RSP) and 2020/0279(COD)", ["ep:2024/2890(RSP)", "ep:2020/0279(COD)"]),
        ("texts adopted P9_TA(2023)0356", ["ep:ta:P9_TA(2023)0356"]),
        ("aangenomen teksten P10_TA-PROV(2024)0012", ["ep:ta:P10_TA-PROV(2024)0012"]),
    ],
)
def test_references_in_prose(text: str, expected: list[str]) -> None:
    assert keys(text) == expected


@pytest.mark.parametrize("text", ["2023/2879 (XYZ)", "page 2023/2879", "in 1850/1234(RSP)", "(RSP)"])
def test_traps(text: str) -> None:
    assert keys(text) == []


def test_procedure_url() -> None:
    assert ep.url_for("ep:2023/2879(RSP)") == (
        "https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference=2023/2879(RSP)"
    )
    match = ep.from_url("https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference=2023/2879%28RSP%29")
    assert match is not None and match.key == "ep:2023/2879(RSP)"


def test_text_adopted_url_in_the_reader_language() -> None:
    assert ep.url_for("ep:ta:P9_TA(2023)0356", "fr") == (
        "https://www.europarl.europa.eu/doceo/document/TA-9-2023-0356_FR.html"
    )
    match = ep.from_url("https://www.europarl.europa.eu/doceo/document/TA-9-2023-0356_EN.html")
    assert match is not None and match.key == "ep:ta:P9_TA(2023)0356"
