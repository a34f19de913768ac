"""Invariants of the ICJ General List table (refcheck.resolve.icj_cases)."""

from __future__ import annotations

import datetime
import re

import pytest

from refcheck.resolve.icj_cases import ICJ_CASES, STATES, IcjCase

BY_NUMBER = {case.number: case for case in ICJ_CASES}
DECISION_KINDS = {"order", "judgment", "advisory-opinion"}


def _case(number: int) -> IcjCase:
    assert number in BY_NUMBER, f"No. {number} missing from ICJ_CASES"
    return BY_NUMBER[number]


def _parties_part(title: str) -> str:
    """The last parenthesised group of a title that names parties (" v. ", " c. " or "/")."""
    groups = re.findall(r"\(([^()]*(?:\([^()]*\))?[^()]*)\)", title)
    naming: list[str] = [g for g in groups if " v. " in g or " c. " in g or "/" in g]
    assert naming, title
    return naming[-1]


def _names_in(text: str, code: str) -> list[str]:
    return [name for name in STATES[code] if name in text.lower()]


def test_numbers_unique_and_strictly_increasing() -> None:
    numbers = [case.number for case in ICJ_CASES]
    assert numbers == sorted(set(numbers))
    assert all(b > a for a, b in zip(numbers, numbers[1:], strict=False))
    assert numbers[0] == 1
    assert all(n > 0 for n in numbers)


def test_table_is_not_trivially_small() -> None:
    # The module docstring promises 1-195 without No. 2.
    assert len(ICJ_CASES) == 194
    assert set(range(1, 196)) - set(BY_NUMBER) == {2}


def test_every_party_code_is_a_state() -> None:
    for case in ICJ_CASES:
        for code in case.applicant + case.respondent:
            assert code in STATES, (case.number, code)


def test_state_names_lower_case_unique_and_non_empty() -> None:
    for code, names in STATES.items():
        assert re.fullmatch(r"[A-Z]{3}", code), code
        assert names, code
        assert len(names) == len(set(names)), (code, names)
        for name in names:
            assert name == name.lower(), (code, name)
            assert name == name.strip() and name, (code, name)


def test_state_codes_used_are_all_needed() -> None:
    used = {code for case in ICJ_CASES for code in case.applicant + case.respondent}
    assert used == set(STATES)


def test_kind_matches_parties() -> None:
    for case in ICJ_CASES:
        if case.kind == "contentious":
            assert case.applicant and case.respondent, case.number
            assert not set(case.applicant) & set(case.respondent), case.number
        else:
            assert case.kind == "advisory"
            assert case.applicant == () and case.respondent == (), case.number


def test_decisions_are_valid_dates_not_before_institution() -> None:
    for case in ICJ_CASES:
        assert 1947 <= case.instituted <= datetime.date.today().year, case.number
        dates = [date for date, _ in case.decisions]
        assert dates == sorted(dates), case.number
        assert len(case.decisions) == len(set(case.decisions)), case.number
        for date, kind in case.decisions:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", date), (case.number, date)
            parsed = datetime.date.fromisoformat(date)
            assert parsed.year >= case.instituted, (case.number, date)
            assert kind in DECISION_KINDS, (case.number, kind)
            if case.kind == "advisory":
                assert kind != "judgment", (case.number, date)
            else:
                assert kind != "advisory-opinion", (case.number, date)


def test_instituted_years_never_decrease_much() -> None:
    # General List numbers are given in order of entry; a later number is never entered
    # more than a year before an earlier one (entry can lag filing, e.g. Art. 38(5) cases).
    for earlier, later in zip(ICJ_CASES, ICJ_CASES[1:], strict=False):
        assert later.instituted >= earlier.instituted - 1, (earlier.number, later.number)


def test_titles_name_the_parties() -> None:
    for case in ICJ_CASES:
        assert case.name_en.strip() == case.name_en and case.name_fr.strip() == case.name_fr
        if case.kind != "contentious":
            assert " v. " not in case.name_en and " c. " not in case.name_fr, case.number
            continue
        en, fr = _parties_part(case.name_en), _parties_part(case.name_fr)
        if " v. " in case.name_en:
            assert " c. " in case.name_fr, case.number
        else:
            # Special agreement: the Court separates the parties with a slash.
            assert "/" in en and "/" in fr, case.number
        for code in case.applicant + case.respondent:
            assert _names_in(en, code), (case.number, code, en)
            assert _names_in(fr, code), (case.number, code, fr)
        # The first applicant opens the English parties' group; in French an applicant
        # does (co-applicants are listed in French alphabetical order, e.g. No. 173).
        lead_en = en.lower().removeprefix("the ")
        first = STATES[case.applicant[0]]
        assert any(lead_en.startswith(n.removeprefix("the ")) for n in first), (case.number, en)
        any_applicant = [n for code in case.applicant for n in STATES[code]]
        assert any(fr.lower().startswith(n) for n in any_applicant), (case.number, fr)


def test_special_agreement_cases() -> None:
    slash = {case.number for case in ICJ_CASES if case.kind == "contentious" and " v. " not in case.name_en}
    assert {7, 17, 38, 51, 52, 63, 67, 68, 69, 75, 83, 92, 98, 102, 125, 130, 149, 177, 179} == slash


def test_verified_cases_exactly() -> None:
    c166 = _case(166)
    assert (c166.applicant, c166.respondent, c166.kind, c166.instituted) == (("UKR",), ("RUS",), "contentious", 2017)
    assert "Financing of Terrorism" in c166.name_en and "Racial Discrimination" in c166.name_en
    assert c166.name_en.endswith("(Ukraine v. Russian Federation)")
    assert ("2017-04-19", "order") in c166.decisions
    assert ("2024-01-31", "judgment") in c166.decisions

    c169 = _case(169)
    assert (c169.kind, c169.applicant, c169.respondent) == ("advisory", (), ())
    assert "Chagos" in c169.name_en and "Chagos" in c169.name_fr
    assert ("2019-02-25", "advisory-opinion") in c169.decisions

    c178 = _case(178)
    assert (c178.applicant, c178.respondent, c178.instituted) == (("GMB",), ("MMR",), 2019)
    assert c178.name_en.endswith("(The Gambia v. Myanmar)")
    assert ("2020-01-23", "order") in c178.decisions
    assert ("2022-07-22", "judgment") in c178.decisions

    c180 = _case(180)
    assert (
        c180.name_en
        == "Application of the International Convention on the Elimination of All Forms of Racial Discrimination (Armenia v. Azerbaijan)"
    )
    assert (
        c180.name_fr
        == "Application de la convention internationale sur l'élimination de toutes les formes de discrimination raciale (Arménie c. Azerbaïdjan)"
    )
    assert (c180.applicant, c180.respondent, c180.instituted) == (("ARM",), ("AZE",), 2021)
    for date in ("2021-12-07", "2023-02-22", "2023-07-06", "2023-11-17"):
        assert (date, "order") in c180.decisions

    c181 = _case(181)
    assert (c181.applicant, c181.respondent, c181.instituted) == (("AZE",), ("ARM",), 2021)
    for date in ("2021-12-07", "2023-02-22", "2023-07-06"):
        assert (date, "order") in c181.decisions
    assert ("2023-11-17", "order") not in c181.decisions

    c182 = _case(182)
    assert (c182.applicant, c182.respondent, c182.instituted) == (("UKR",), ("RUS",), 2022)
    assert c182.name_en.startswith("Allegations of Genocide")
    assert ("2022-03-16", "order") in c182.decisions
    assert ("2024-02-02", "judgment") in c182.decisions

    c187 = _case(187)
    assert (c187.kind, c187.applicant, c187.respondent) == ("advisory", (), ())
    assert "Climate Change" in c187.name_en

    c192 = _case(192)
    assert (c192.applicant, c192.respondent, c192.instituted) == (("ZAF",), ("ISR",), 2023)
    assert "Gaza Strip" in c192.name_en and c192.name_en.endswith("(South Africa v. Israel)")
    for date in ("2024-01-26", "2024-03-28", "2024-05-24"):
        assert (date, "order") in c192.decisions


def test_twin_cerd_cases_are_mirror_images() -> None:
    a, b = _case(180), _case(181)
    assert a.applicant == b.respondent and a.respondent == b.applicant
    assert a.kind == b.kind == "contentious" and a.instituted == b.instituted
    assert a.name_en.replace("(Armenia v. Azerbaijan)", "(Azerbaijan v. Armenia)") == b.name_en
    assert a.name_fr.replace("(Arménie c. Azerbaïdjan)", "(Azerbaïdjan c. Arménie)") == b.name_fr


@pytest.mark.parametrize(
    ("number", "applicant", "respondent"),
    [
        (1, ("GBR",), ("ALB",)),
        (19, ("ITA",), ("FRA", "GBR", "USA")),
        (70, ("NIC",), ("USA",)),
        (91, ("BIH",), ("YUG",)),
        (118, ("HRV",), ("SRB",)),
        (122, ("YUG",), ("BIH",)),
        (129, ("COG",), ("FRA",)),
        (103, ("GIN",), ("COD",)),
        (173, ("BHR", "EGY", "SAU", "ARE"), ("QAT",)),
        (174, ("BHR", "EGY", "ARE"), ("QAT",)),
        (188, ("CAN", "NLD"), ("SYR",)),
        (190, ("CAN", "SWE", "UKR", "GBR"), ("IRN",)),
        (194, ("MEX",), ("ECU",)),
        (195, ("ECU",), ("MEX",)),
    ],
)
def test_sibling_and_multi_party_cases(number: int, applicant: tuple[str, ...], respondent: tuple[str, ...]) -> None:
    case = _case(number)
    assert (case.applicant, case.respondent) == (applicant, respondent)


def test_well_known_decisions() -> None:
    assert ("1986-06-27", "judgment") in _case(70).decisions
    assert ("2004-07-09", "advisory-opinion") in _case(131).decisions
    assert ("2010-07-22", "advisory-opinion") in _case(141).decisions
    assert ("2007-02-26", "judgment") in _case(91).decisions
    assert "Wall" in _case(131).name_en and "Kosovo" in _case(141).name_en


def test_required_state_names() -> None:
    assert STATES["ARM"] == ("armenia", "arménie", "armenië")
    assert set(STATES["RUS"]) >= {
        "russian federation",
        "russia",
        "fédération de russie",
        "russische federatie",
        "russie",
        "rusland",
    }
    assert set(STATES["GMB"]) >= {"the gambia", "gambia", "gambie"}
    assert set(STATES["USA"]) >= {
        "united states of america",
        "united states",
        "états-unis d'amérique",
        "etats-unis d'amérique",
        "états-unis",
        "verenigde staten",
    }
    assert "bosnia and herzegovina" in STATES["BIH"]
    assert "serbia and montenegro" in STATES["YUG"]
    assert "congo" in STATES["COG"]
    assert {"democratic republic of the congo", "république démocratique du congo"} <= set(STATES["COD"])
