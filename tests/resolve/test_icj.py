"""ICJ decisions: the court, the case (parties' order, title, number, context) and the date."""

from __future__ import annotations

import pytest

from refcheck.resolve import icj
from refcheck.resolve._types import ScanContext
from refcheck.resolve.icj_cases import ICJ_CASES


def keys(text: str, context: ScanContext | None = None) -> list[str]:
    matches, _ = icj.find_in_text(text, context or ScanContext())
    return [m.key for m in matches]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ICJ, Application of the International Convention on the Elimination of All Forms of Racial "
            "Discrimination (Armenia v. Azerbaijan), Provisional Measures, Order of 7 December 2021.",
            ["icj:180:order:2021-12-07"],
        ),
        (
            "ICJ, Application of the International Convention on the Elimination of All Forms of Racial "
            "Discrimination (Azerbaijan v. Armenia), Provisional Measures, Order of 7 December 2021.",
            ["icj:181:order:2021-12-07"],
        ),
        (
            "CIJ, Application de la convention internationale sur l’élimination de toutes les formes de "
            "discrimination raciale (Arménie c. Azerbaïdjan), Mesures conservatoires, ordonnance du 22 février 2023.",
            ["icj:180:order:2023-02-22"],
        ),
        (
            "Internationaal Gerechtshof (Armenië t. Azerbeidzjan), beschikkingen van 7 december 2021 en 17 november 2023",
            ["icj:180:order:2021-12-07", "icj:180:order:2023-11-17"],
        ),
        (
            "I.C.J., Application of the Genocide Convention (The Gambia v. Myanmar), Judgment of 22 July 2022",
            ["icj:178:judgment:2022-07-22"],
        ),
        (
            "International Court of Justice, General List No. 192, Order of 26 January 2024",
            ["icj:192:order:2024-01-26"],
        ),
    ],
)
def test_decisions_with_their_case(text: str, expected: list[str]) -> None:
    assert keys(text) == expected


def test_the_title_decides_between_cases_with_the_same_parties() -> None:
    genocide = "ICJ, Allegations of Genocide (Ukraine v. Russian Federation), Order of 16 March 2022"
    terrorism = (
        "ICJ, Application of the International Convention for the Suppression of the Financing of Terrorism "
        "(Ukraine v. Russian Federation), Order of 19 April 2017"
    )
    assert keys(genocide) == ["icj:182:order:2022-03-16"]
    assert keys(terrorism) == ["icj:166:order:2017-04-19"]


def test_same_parties_and_nothing_else_to_tell_is_left_unresolved() -> None:
    assert keys("ICJ (Ukraine v. Russian Federation), order of 1 June 2023") == []


def test_a_later_passage_uses_the_case_named_before() -> None:
    first = "ICJ, CERD (Armenia v. Azerbaijan), Order of 22 February 2023."
    _, context = icj.find_in_text(first, ScanContext())
    assert context.icj_case == 180
    later = "vu les ordonnances de la Cour internationale de Justice des 7 décembre 2021, 22 février 2023 et 17 novembre 2023;"
    assert keys(later, context) == ["icj:180:order:2021-12-07", "icj:180:order:2023-02-22", "icj:180:order:2023-11-17"]


def test_a_decision_given_in_a_case_named_after_it() -> None:
    # The case after "in" is the decision's, not the case the passage names last.
    text = (
        "The International Court of Justice, in its Order of 16 March 2022 in Allegations of Genocide "
        "(Ukraine v. Russian Federation), indicated provisional measures. In French: CIJ, Application de la "
        "convention (Afrique du Sud c. Israël), ordonnance du 26 janvier 2024. The ICJ's judgment of "
        "22 July 2022 in *The Gambia v. Myanmar* is also relevant."
    )
    assert keys(text) == ["icj:182:order:2022-03-16", "icj:192:order:2024-01-26", "icj:178:judgment:2022-07-22"]


def test_proceedings_instituted_by_name_the_applicant_first() -> None:
    text = (
        "France passed over in silence the proceedings instituted by Azerbaijan against Armenia in the Court "
        "and the provisional measures delivered by the International Court of Justice in its order of 7 December 2021."
    )
    assert keys(text) == ["icj:181:order:2021-12-07"]


def test_a_decision_whose_kind_the_table_knows() -> None:
    text = "The International Court of Justice never found a breach of any of its decisions, including that of 17 November 2023."
    assert keys(text) == ["icj:180:order:2023-11-17"]


@pytest.mark.parametrize(
    "text",
    [
        "International Criminal Court, Pre-Trial Chamber, Order of 17 November 2023",
        "Cour pénale internationale, ordonnance du 17 novembre 2023",
        "ITLOS, Order of 22 November 2013 (Netherlands v. Russian Federation)",
        "Order of 17 November 2023 of the arbitral tribunal",
        "Order of 17 November 2023",
    ],
)
def test_other_tribunals_and_bare_orders_are_not_icj_decisions(text: str) -> None:
    assert keys(text) == []


def test_the_icj_named_but_another_court_nearer_the_decision() -> None:
    text = "Unlike the ICJ, the International Criminal Court issued an order of 17 November 2023."
    assert keys(text) == []


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (
            "https://www.icj-cij.org/sites/default/files/case-related/180/180-20231117-ord-01-00-en.pdf",
            "icj:180:order:2023-11-17",
        ),
        (
            "https://www.icj-cij.org/public/files/case-related/182/182-20220316-ORD-01-00-EN.pdf",
            "icj:182:order:2022-03-16",
        ),
        (
            "https://www.icj-cij.org/sites/default/files/case-related/178/178-20220722-JUD-01-00-EN.pdf",
            "icj:178:judgment:2022-07-22",
        ),
        ("https://www.icj-cij.org/case/180", "icj:180"),
        ("https://www.icj-cij.org/fr/affaire/180", "icj:180"),
        (
            "https://www.icj-cij.org/public/files/case-related/180/180-20231117-ORD-01-00-FR.pdf",
            "icj:180:order:2023-11-17",
        ),
    ],
)
def test_key_from_url(url: str, key: str) -> None:
    match = icj.from_url(url)
    assert match is not None and match.key == key


def test_urls() -> None:
    assert icj.url_for("icj:180:order:2023-11-17") == (
        "https://www.icj-cij.org/sites/default/files/case-related/180/180-20231117-ord-01-00-en.pdf"
    )
    assert icj.url_for("icj:180") == "https://www.icj-cij.org/case/180"


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Democratic Republic of the Congo", {"COD"}),
        ("République démocratique du Congo", {"COD"}),
        ("the Congo", {"COG"}),
        ("Etats-Unis d'Amérique", {"USA"}),
        ("Bosnie-Herzegovine", {"BIH"}),
        ("the Court d’Appel of Niger’s", {"NER"}),
        ("Nigeria", {"NGA"}),
        ("Niger", {"NER"}),
    ],
)
def test_state_names_prefer_the_longest_and_ignore_accents(text: str, codes: set[str]) -> None:
    assert icj.states_in(text) == codes


def test_a_case_brought_by_special_agreement_names_its_parties_with_a_slash() -> None:
    text = "I.C.J., Frontier Dispute (Burkina Faso/Niger), Judgment of 16 April 2013"
    (key,) = keys(text)
    assert key.endswith(":judgment:2013-04-16")
    (case,) = [c for c in ICJ_CASES if set(c.applicant) == {"BFA"} and set(c.respondent) == {"NER"}]
    assert key == f"icj:{case.number}:judgment:2013-04-16"


@pytest.mark.parametrize(
    "text",
    [
        "The International Court of Justice (Armenia v. Azerbaijan), Order of 17 November 2023.",
        "THE INTERNATIONAL COURT OF JUSTICE, ORDERS OF 7 DECEMBER 2021 AND 22 FEBRUARY 2023",
        "la Cour internationale de Justice, ordonnance du 1er février 2024; xICJ ICJx I.C.J. C.I.J.",
        "Internatıonal Court of Justıce: judgment of 3 February 2015",  # dotless i: IGNORECASE reads it as i
        "ICJ advisory opinion of 19 July 2024, adviſory opinion of 19 July 2024",  # long s
        "ICJ Order of 17 November 2023 (Kelvin sign: K)",
        "İCJ arrêt du 3 février 2015",  # İ lower-cases to two characters: the slow path
        "Europees Hof; ITLOS; Tribunal; the ICJ beschikking van 22 februari 2023",
    ],
)
def test_the_case_folded_search_finds_what_the_case_insensitive_patterns_find(text: str) -> None:
    folded = icj._fold_case(text)
    if folded is None:
        assert "İ" in text
        return
    assert len(folded) == len(text)
    assert [m.span() for m in icj._COURT_FOLDED.finditer(folded)] == [m.span() for m in icj.COURT.finditer(text)]
    fast = [(m.span(), m.span("word"), m.span("dates")) for m in icj._DECISION_FOLDED.finditer(folded)]
    assert fast == [(m.span(), m.span("word"), m.span("dates")) for m in icj.DECISION.finditer(text)]


def test_a_decision_followed_by_its_case_title_and_parties() -> None:
    # French citations put the title after the date; the case the passage names last
    # (Ukraine v. Russian Federation, 166) is not the first decision's.
    text = (
        "(CIJ, arrêt du 26 février 2007, Application de la convention pour la prévention et la répression du\n"
        "crime de génocide (Bosnie-Herzégovine c. Serbie-et-Monténégro)). Plus récemment (CIJ, arrêt du\n"
        "31 janvier 2024, Application de la convention internationale pour la répression du financement du\n"
        "terrorisme et de la convention internationale sur l'élimination de toutes les formes de discrimination\n"
        "raciale (Ukraine c. Fédération de Russie))."
    )
    assert keys(text) == ["icj:91:judgment:2007-02-26", "icj:166:judgment:2024-01-31"]


def test_a_title_after_the_date_needs_its_parties() -> None:
    # Words after a comma closed by parentheses that name no parties: the case named before stands.
    text = "ICJ (Armenia v. Azerbaijan). The ICJ's order of 17 November 2023, Provisional Measures (see paragraph 3)."
    assert keys(text) == ["icj:180:order:2023-11-17"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Bent u bekend met de beschikking van 26 januari 2024 van het Internationaal Gerechtshof\n"
            "in de zaak Zuid-Afrika tegen Israël?",
            ["icj:192:order:2024-01-26"],
        ),
        (
            "l'ordonnance du 16 mars 2022 de la Cour internationale de Justice dans l'affaire Ukraine c. Fédération de Russie",
            ["icj:182:order:2022-03-16"],
        ),
        ("the order of 17 November 2023 of the ICJ in Armenia v. Azerbaijan", ["icj:180:order:2023-11-17"]),
    ],
)
def test_the_court_named_right_after_the_decision(text: str, expected: list[str]) -> None:
    assert keys(text) == expected


def test_another_court_named_after_the_decision_is_not_the_icj() -> None:
    assert keys("the order of 17 November 2023 of the International Criminal Court") == []
