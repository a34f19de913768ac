"""argv -> Config -> library calls -> exit code. No logic of its own lives here.

Each subcommand has an ``_add_<name>`` function that declares its arguments and a
``_run_<name>`` function that turns them into library calls and an ``ExitCode``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

from refcheck import __version__
from refcheck.config import FAIL_POLICIES, Config, load_config
from refcheck.errors import RefcheckError

if TYPE_CHECKING:
    from refcheck.check.memory import CheckRun
    from refcheck.models import Reference


class ExitCode(IntEnum):
    """Exit codes, documented in README.md (a test keeps the two in sync)."""

    OK = 0  # success: every source alive, or only warnings
    BROKEN = 1  # at least one cited source is dead (by the fail policy)
    USAGE = 2  # bad arguments, bad configuration, or a document that cannot be read
    OFFLINE = 3  # this machine could not reach the network, or an internal failure


Runner = Callable[[argparse.Namespace], ExitCode]

DESCRIPTION = """\
Check the sources that policy and legal documents cite.

refcheck reads documents (PDF, text, Markdown, HTML, DOCX), finds every URL and
document identifier they cite (repairing URLs that PDF extraction spaced out or
wrapped, and resolving UN symbols, ICJ orders, HUDOC items, European Parliament
procedures, Belgian Chamber documents, DOIs, ECLI and CELEX numbers), checks that
each source is still there, archives it, and reports what needs an editor.

With no PATH, the documents listed in references.toml are read.
"""

EPILOG = """\
exit codes:
  0  success: every source alive, or only warnings
  1  at least one cited source is dead (by the fail policy)
  2  bad arguments, bad configuration, or a document that cannot be read
  3  offline (nothing could be reached) or an internal failure
"""


def _config(args: argparse.Namespace) -> Config:
    return load_config(args.config)


def _with_fail_on(config: Config, fail_on: str | None) -> Config:
    return replace(config, report=replace(config.report, fail_on=fail_on)) if fail_on else config


def _documents(args: argparse.Namespace, config: Config) -> list[Path]:
    from refcheck.pipeline import document_paths

    return document_paths(args.paths, config)


def _subparser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, *, help: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand's parser, with the exit codes in its --help like the top level."""
    return sub.add_parser(
        name,
        help=help,
        description=description,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="documents or directories (default: from references.toml)"
    )
    parser.add_argument(
        "--config", metavar="FILE", help="configuration file (default: references.toml in the current directory)"
    )


def _add_extract(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> Runner:
    p = _subparser(
        sub,
        "extract",
        help="list the sources documents cite, repaired, merged and resolved",
        description="Find every URL and identifier the documents cite; nothing is fetched.",
    )
    _add_common(p)
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(command="extract")
    return _run_extract


def _run_extract(args: argparse.Namespace) -> ExitCode:
    from refcheck.pipeline import extract_paths
    from refcheck.report.extraction import render_extraction_json, render_extraction_table

    config = _config(args)
    result = extract_paths(_documents(args, config), config)
    text = render_extraction_json(result) if args.format == "json" else render_extraction_table(result)
    _write(text, args.output)
    return ExitCode.OK


def _write_check_json(run: CheckRun, references: Sequence[Reference], output: str | None) -> None:
    # One result at a time: the whole JSON of a large run was the largest thing in memory.
    from refcheck.check.command import write_check_json

    if output:
        from refcheck._files import open_atomic

        with open_atomic(Path(output)) as handle:
            write_check_json(run, references, handle)
    else:
        write_check_json(run, references, sys.stdout)


def _write(text: str, output: str | None) -> None:
    if output:
        from refcheck._files import write_atomic

        write_atomic(Path(output), text.encode("utf-8"))
    else:
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--urls", metavar="FILE", help="also check the URLs in FILE, one a line")
    parser.add_argument("--report-dir", metavar="DIR", help="where the reports go (default: [report] dir, 'reports')")


def _add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> Runner:
    p = _subparser(
        sub,
        "run",
        help="extract, check, archive and report: the one command a scheduled job runs",
        description="Extract the sources documents cite, check them, archive them as configured, record "
        "the run in the store, write the reports (.html, .md, .json, .csv, .sarif) and exit by the fail policy. "
        "In GitHub Actions, the Markdown report goes to the job summary and dead sources become annotations.",
    )
    _add_common(p)
    _add_report_options(p)
    p.add_argument("--allow-private", action="store_true", help="check private and local addresses too")
    p.add_argument("--no-archive", action="store_true", help="check and report without archiving")
    p.add_argument("--fail-on", choices=FAIL_POLICIES, help="fail policy, overriding [report] fail_on")
    p.set_defaults(command="run")
    return _run_run


def _run_run(args: argparse.Namespace) -> ExitCode:
    from refcheck.runner import run

    outcome = run(
        args.paths,
        config=_with_fail_on(_config(args), args.fail_on),
        urls_file=args.urls,
        report_dir=args.report_dir,
        allow_private=args.allow_private,
        archive=not args.no_archive,
    )
    print(f"refcheck: {outcome.describe()}", file=sys.stderr)
    return ExitCode(outcome.verdict.exit_code)


def _add_report(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> Runner:
    p = _subparser(
        sub,
        "report",
        help="render the reports of the last run again, from the store",
        description="Write the reports of the last recorded run again; nothing is fetched. The documents "
        "are read again to say where each source is cited.",
    )
    _add_common(p)
    _add_report_options(p)
    p.set_defaults(command="report")
    return _run_report


def _run_report(args: argparse.Namespace) -> ExitCode:
    from refcheck.runner import rerender

    outcome = rerender(args.paths, config=_config(args), urls_file=args.urls, report_dir=args.report_dir)
    print(f"refcheck: {outcome.describe()}", file=sys.stderr)
    return ExitCode(outcome.verdict.exit_code)


def _add_check(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> Runner:
    p = _subparser(
        sub,
        "check",
        help="check that every cited source is still there, with evidence",
        description="Fetch every source the documents (or a URL list) cite and give a verdict with evidence: "
        "alive, redirected, broken, server-error, blocked, soft-404, timeout, tls-error, unsafe, excluded, "
        "offline. Runs are recorded in the state directory: a re-run reuses recent successes (--max-age) and "
        "an interrupted run is resumed.",
    )
    _add_common(p)
    p.add_argument("--urls", metavar="FILE", help="check the URLs in FILE, one a line (with or without PATHs)")
    p.add_argument("--allow-private", action="store_true", help="check private and local addresses too")
    p.add_argument("--concurrency", type=int, metavar="N", help="requests at once, in all (default 64)")
    p.add_argument("--host-concurrency", type=int, metavar="N", help="requests at once to one host (default 4)")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="timeout of one request (default 20)")
    p.add_argument("--retries", type=int, metavar="N", help="retries after a timeout, reset, 408, 429 or 5xx")
    p.add_argument("--max-age", metavar="DURATION", help="reuse successes younger than this (3600, 30m, 12h, 7d)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--archive", action="store_true", help="archive each source as it is checked (no second fetch)")
    p.set_defaults(command="check")
    return _run_check


def _run_check(args: argparse.Namespace) -> ExitCode:
    from refcheck.check.command import (
        check_command,
        gather_references,
        outcome_of,
        policy_from_options,
        progress_reporter,
        render_check_table,
    )

    config = _config(args)
    policy = policy_from_options(
        config.check,
        allow_private=args.allow_private,
        concurrency=args.concurrency,
        host_concurrency=args.host_concurrency,
        timeout_s=args.timeout,
        retries=args.retries,
        max_age=args.max_age,
    )
    references = gather_references(args.paths, args.urls, config)
    with progress_reporter(len(references)) as progress:
        run = check_command(references, config, policy, progress=progress, capture=args.archive)
    if args.archive and not run.offline:
        from refcheck.archive import archive_outcomes

        summary = archive_outcomes(run.outcomes, references, config, run_id=run.run.id)
        print(f"refcheck: {summary.describe()}", file=sys.stderr)
    if args.format == "json":
        _write_check_json(run, references, args.output)
    else:
        _write(render_check_table(run), args.output)
    return {"ok": ExitCode.OK, "broken": ExitCode.BROKEN, "offline": ExitCode.OFFLINE}[outcome_of(run)]


def _add_archive(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> Runner:
    p = _subparser(
        sub,
        "archive",
        help="archive what documents cite: WARC, CDXJ, WACZ, manifest, public archive copies",
        description="Check every cited source and keep what it served: a WARC/1.1 per run (unchanged pages "
        "as revisit records), a CDXJ index and a WACZ package per collection, laid out as a pywb collection, "
        "a manifest (CSV and JSON), sources whose content changed since first captured, and Internet Archive "
        "copies (looked up; requested with Save Page Now when [archive] save = true and keys are set).",
    )
    _add_common(p)
    p.add_argument("--urls", metavar="FILE", help="archive the URLs in FILE, one a line (with or without PATHs)")
    p.add_argument("--archive-dir", metavar="DIR", help="where the archive goes (default: [archive] dir, 'archive')")
    p.add_argument("--allow-private", action="store_true", help="fetch private and local addresses too")
    p.add_argument("--only-alive", action="store_true", help="archive only sources judged alive or redirected")
    p.add_argument("--no-public", action="store_true", help="do not look up or request Internet Archive copies")
    p.set_defaults(command="archive")
    return _run_archive


def _run_archive(args: argparse.Namespace) -> ExitCode:
    from refcheck.archive import archive_references, is_offline
    from refcheck.check.command import gather_references

    config = _config(args)
    summary = archive_references(
        gather_references(args.paths, args.urls, config),
        config,
        archive_dir=args.archive_dir,
        allow_private=args.allow_private,
        only_alive=args.only_alive,
        public=not args.no_public,
        progress=sys.stderr.isatty(),
    )
    print(f"refcheck: {summary.describe()}", file=sys.stderr)
    return ExitCode.OFFLINE if is_offline(summary) else ExitCode.OK


def _add_issue(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> Runner:
    p = _subparser(
        sub,
        "issue",
        help="open, update or close the GitHub issue that lists dead sources, from the last run's reports",
        description="Read the last run's reports (refcheck.json, refcheck.md) and keep one GitHub issue, "
        "labelled 'refcheck', in step with them: opened on breakage that counts by the fail policy, updated "
        "(with a comment when another source dies), closed with a comment when every source answers again. "
        "Uses GITHUB_TOKEN, GITHUB_REPOSITORY and GITHUB_API_URL.",
    )
    p.add_argument(
        "--config", metavar="FILE", help="configuration file (default: references.toml in the current directory)"
    )
    p.add_argument("--report-dir", metavar="DIR", help="where the reports are (default: [report] dir, 'reports')")
    p.add_argument("--fail-on", choices=FAIL_POLICIES, help="fail policy, overriding [report] fail_on")
    p.add_argument("--label", default="refcheck", help="the issue's label (default: refcheck)")
    p.add_argument("--dry-run", action="store_true", help="print the issue that would be opened; call nothing")
    p.set_defaults(command="issue")
    return _run_issue


def _run_issue(args: argparse.Namespace) -> ExitCode:
    from refcheck.report.issue import issue_command

    outcome = issue_command(
        _config(args),
        report_dir=args.report_dir,
        fail_on=args.fail_on,
        label=args.label,
        dry_run=args.dry_run,
        env=os.environ,
    )
    if args.dry_run and outcome.plan.body:
        _write(f"# {outcome.plan.title}\n\n{outcome.plan.body}", None)
    print(f"refcheck: {outcome.description}", file=sys.stderr)
    return ExitCode.OK


COMMANDS: tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], Runner], ...] = (
    _add_extract,
    _add_run,
    _add_report,
    _add_check,
    _add_archive,
    _add_issue,
)


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Runner]]:
    """Build the argument parser and the table of subcommand runners."""
    parser = argparse.ArgumentParser(
        prog="refcheck",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"refcheck {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    runners: dict[str, Runner] = {}
    for add in COMMANDS:
        runner = add(sub)
        name = next(reversed(sub.choices))
        runners[name] = runner
    return parser, runners


def main(argv: Sequence[str] | None = None) -> int:
    """Run refcheck with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    parser, runners = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    try:
        return int(runners[args.command](args))
    except RefcheckError as exc:
        print(f"refcheck: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        print("refcheck: interrupted; state written so far is kept and the next run resumes", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
