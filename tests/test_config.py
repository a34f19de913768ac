"""references.toml: strict, and every refusal names the file, the key and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from refcheck.config import Config, load_config, parse_duration
from refcheck.errors import ConfigError
from refcheck.models import Status

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "references.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_configuration_loads_and_names_existing_documents() -> None:
    config = load_config(ROOT / "references.toml")
    assert config.documents
    assert config.check.host("hudoc.echr.coe.int").delay_s == 2.0
    assert config.report.fail_on in ("any", "persistent", "never")
    assert config.sha256


@pytest.mark.parametrize(
    ("text", "key", "line", "reason"),
    [
        # a typo at the top level
        ('documents = ["a.txt"]\nstate_dri = ".x"\n', "state_dri", 2, "unknown key"),
        # a typo inside a table
        ("[check]\ntimeout = 3\nallow_privat = true\n", "check.allow_privat", 3, "unknown key"),
        # a wrong type
        ('[check]\nconcurrency = "many"\n', "check.concurrency", 2, "whole number"),
        ("[check]\nallow_private = 1\n", "check.allow_private", 2, "true or false"),
        ('[check]\nmax_age = "soon"\n', "check.max_age", 2, "duration"),
        ('[report]\nfail_on = "sometimes"\n', "report.fail_on", 2, "must be one of"),
        ('[report]\nformats = ["pdf"]\n', "report.formats", 2, "unknown value"),
        ('[check]\nexclude = ["("]\n', "check.exclude", 2, "regular expression"),
        # per-host overrides are checked too
        ('[check.hosts."example.org"]\ndelay = -1\n', "check.hosts.example.org.delay", 2, "at least 0"),
        # curated references: unknown key in the second entry
        ('[[references]]\nurl = "https://a.example"\n\n[[references]]\nurll = "x"\n', "references.urll", 5, "unknown"),
        ('[[references]]\nmatch = "A title"\n', "references.match", 2, "needs a 'url'"),
        ('[[references]]\naccept = ["dead"]\n', "references.accept", 2, "unknown value"),
    ],
)
def test_a_bad_configuration_is_refused_by_key_and_line(
    tmp_path: Path, text: str, key: str, line: int, reason: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert info.value.key == key
    assert info.value.line == line
    assert reason in info.value.reason
    assert str(info.value).startswith(f"{tmp_path / 'references.toml'}:{line}: key '{key}'")


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "[check]\ntimeout = \n"))
    assert info.value.line == 2
    assert "not valid TOML" in str(info.value)


def test_a_missing_configuration_file_is_an_error_when_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.toml")


def test_no_configuration_at_all_gives_the_defaults(tmp_path: Path) -> None:
    assert load_config(None, root=tmp_path) == Config(root=str(tmp_path))


def test_curated_references_are_parsed(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[[references]]\nmatch = "Some title"\nurl = "https://example.org/t"\n\n'
            '[[references]]\nkey = "un:S/2020/1104"\naccept = ["blocked"]\narchived = "https://web.archive.org/x"\n',
        )
    )
    first, second = config.references
    assert (first.match, first.url, first.line) == ("Some title", "https://example.org/t", 1)
    assert second.accept == (Status.BLOCKED,)
    assert second.line == 5


@pytest.mark.parametrize(
    ("text", "seconds"), [(90, 90.0), ("90s", 90.0), ("15m", 900.0), ("12h", 43200.0), ("7d", 604800.0)]
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds
