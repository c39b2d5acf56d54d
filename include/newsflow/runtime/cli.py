"""``newsflow run --landing PATH --lake PATH [--date YYYY-MM-DD]``

Runs the real ``news_ingest`` DAG (embedded Airflow, ``dag.test()``) and prints
what it published, what it quarantined and why, and where the evidence is.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, NoReturn

from newsflow.settings import Settings

if TYPE_CHECKING:
    from newsflow.lake.layout import RunPaths
    from newsflow.runrecords import Summary


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsflow", description=(__doc__ or "").split("\n\n")[1])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the news_ingest DAG once on a landing folder")
    run.add_argument("--landing", required=True,
                     help="landing folder (.txt, .html/.htm[.gz], .jsonl, .warc[.gz]): a path, file:// or object-store "
                          "URI; or 'ccnews': Common Crawl's CC-NEWS archives of --date, read in place (docs/ccnews.md)")
    run.add_argument("--ccnews-base", default=None,
                     help=f"--landing ccnews: where CC-NEWS is read: https://..., s3://commoncrawl/ (with --conn-id) "
                          f"or a mirror (default {Settings().ccnews_base})")
    run.add_argument("--hosts-allow", default=None,
                     help="--landing ccnews: only these sites (registered domains), comma separated or @FILE")
    run.add_argument("--hosts-deny", default=None,
                     help="--landing ccnews: never these sites, comma separated or @FILE (deny wins)")
    run.add_argument("--languages", default=None,
                     help="ISO 639-1 codes to publish, comma separated (others are quarantined); default: any")
    run.add_argument("--lake", required=True, help="lake root to publish into: a path, file:// or object-store URI")
    run.add_argument("--conn-id", default=None, help="Airflow connection for s3:// (etc.) URIs")
    run.add_argument("--batch-size", type=int, default=None,
                     help=f"landing files per mapped batch (default {Settings().batch_size})")
    run.add_argument("--date", type=_parse_date, default=None, help="partition date (default: today, UTC)")
    run.add_argument("--max-quarantine-ratio", type=float, default=None,
                     help=f"fail the run above this quarantined share (default {Settings().max_quarantine_ratio})")
    run.add_argument("--drift-warn-only", action="store_true",
                     help="report drift 'fail' verdicts as warnings and publish (docs/drift.md)")
    run.add_argument("--alert-conn-id", default=None,
                     help="Airflow connection (smtp or http) for alerts: a failed task, drift warnings")
    run.add_argument("--alert-to", default=None, help="alert recipients for an smtp connection, comma separated")
    run.add_argument("--json", action="store_true", help="print the run summary as JSON")
    lake = sub.add_parser("lake", help="lake maintenance").add_subparsers(dest="lake_command", required=True)
    migrate = lake.add_parser("migrate", help="turn a lake in the pre-Delta layout into Delta tables (idempotent)")
    migrate.add_argument("--lake", required=True, help="lake root: a path, file:// or object-store URI")
    maintain = lake.add_parser("maintain", help="compact small files, then vacuum old ones, in every table")
    maintain.add_argument("--lake", required=True, help="lake root: a path, file:// or object-store URI")
    maintain.add_argument("--retention-hours", type=int, default=168,
                          help="keep files any version of the last N hours needs (default 168; at least 24)")
    return parser


def _print_summary(summary: Summary) -> None:
    print(f"newsflow: run {summary['run_id']} for date={summary['date']}: {summary['status']}")
    print(f"  ingested {summary['ingested']}, published {summary['articles']}, quarantined {summary['quarantined']}"
          f", skipped (already processed) {summary['skipped_already_processed']}")
    if summary["archives"]:
        kinds = ", ".join(f"{kind} {n}" for kind, n in summary["not_articles"].items()) or "none"
        print(f"  WARC: {summary['archives']} archive(s), {summary['archive_records']} records; "
              f"not articles (counted, not quarantined): {kinds}")
    if summary.get("ccnews"):
        cc = summary["ccnews"]
        rate = f"{cc['mb_per_second']} MB/s" if cc["mb_per_second"] is not None else "n/a"
        filtered = ", ".join(f"{reason} {n}" for reason, n in cc["filtered"].items()) or "none"
        print(f"  CC-NEWS {cc['day']}: {cc['archives_listed']} archive(s) listed, {cc['archives_read']} read, "
              f"{cc['archives_skipped']} skipped (other dates); {cc['bytes_read'] / 1e6:.1f} MB read at {rate}, "
              f"{cc['retries']} retries; filtered (counted, not quarantined): {filtered}")
    for code, count in summary["quarantine_reasons"].items():
        print(f"  quarantine reason {code}: {count}")
    for item in summary["quarantined_files"][:20]:
        print(f"    {item['source_path']}")
        for reason in item["reasons"]:
            print(f"      - {reason}")
    versions = summary["versions"]
    print("  Delta table versions written: "
          + ", ".join(f"{name} v{number}" for name, number in sorted(versions.items())))
    for dataset, files in summary["partitions"].items():
        for path in files:
            print(f"  {dataset}: {path}")
    print(f"  run marker: {summary['manifest']}")
    print(f"  quality results (GX JSON + Data Docs): {summary['quality_dir']}")


def _failure_report(run: RunPaths) -> list[str]:
    from newsflow.runrecords import read_gate

    lines = []
    for report in run.gate_reports():
        data = read_gate(report)
        where = data["gate"] if data["batch"] is None else f"{data['gate']} (batch {data['batch']})"
        lines += [f"{where}: {failure}" for failure in data["batch_failures"]]
    return lines


def _print_drift(run_paths: RunPaths) -> None:
    """The drift gate's verdict (docs/drift.md): its status, and every warning."""
    if not run_paths.drift_report.exists():
        return
    drift = json.loads(run_paths.drift_report.read_text())
    if drift["status"] == "not_enough_history":
        print(f"  drift: not enough history yet ({len(drift['history'])} of {drift['min_history']} published dates)")
    else:
        print(f"  drift against the last {len(drift['history'])} published dates: {drift['status']}")
    for line in drift["warnings"]:
        print(f"    warn {line}")


def _absolute(entries: str | None) -> str | None:
    """A host list with its ``@file`` entries made absolute (the tasks may run elsewhere than here)."""
    if entries is None:
        return None
    from newsflow.ingest.hosts import split_list

    return ",".join("@" + os.path.abspath(os.path.expanduser(e[1:])) if e.startswith("@") else e
                    for e in split_list(entries))


def run(args: argparse.Namespace) -> int:
    from newsflow.lake.layout import Lake
    from newsflow.locations import location
    from newsflow.runrecords import read_summary
    from newsflow.runtime.airflow_local import configure, run_dag
    from newsflow.runtime.partitions import DATE_FIELD, landing_for
    from newsflow.storage import display, known_missing

    configure()  # before Airflow is imported (object-store locations import it)
    day = args.date or datetime.now(UTC).date()
    ccnews = args.landing == "ccnews"
    # "{date}" in a landing folder: the date's own folder
    landing = args.landing if ccnews else location(landing_for(args.landing, day), args.conn_id)
    lake = location(args.lake, args.conn_id)
    if not ccnews and known_missing(landing):
        print(f"newsflow: landing folder {landing} does not exist", file=sys.stderr)
        return 2
    # the DAG resolves "{date}" (and "ccnews") itself
    template = args.landing if ccnews or DATE_FIELD in args.landing else display(landing)
    run_id, state, unfinished = run_dag(template, display(lake), day, args.max_quarantine_ratio,
                                        args.conn_id, args.batch_size,
                                        {"alert_conn_id": args.alert_conn_id, "alert_to": args.alert_to,
                                         "drift_enforce": False if args.drift_warn_only else None,
                                         "ccnews_base": args.ccnews_base, "hosts_allow": _absolute(args.hosts_allow),
                                         "hosts_deny": _absolute(args.hosts_deny), "allowed_languages": args.languages})
    run_paths = Lake(lake).run(day, run_id)
    if state.endswith("success") and run_paths.summary.exists():
        summary = read_summary(run_paths.summary)
        if args.json:
            print(json.dumps({k: v for k, v in summary.items() if k != "steps"}, indent=1))
        else:
            _print_summary(summary)
            _print_drift(run_paths)
        return 0
    print(f"newsflow: run {run_id} for date={day.isoformat()} ended {state}; nothing was published", file=sys.stderr)
    print(f"  tasks not successful: {', '.join(unfinished) or 'none'}", file=sys.stderr)
    for line in _failure_report(run_paths):
        print(f"  gate failure: {line}", file=sys.stderr)
    print(f"  quality results: {display(run_paths.quality)}", file=sys.stderr)
    return 1


def lake_command(args: argparse.Namespace) -> int:
    from newsflow.storage import to_path

    if args.lake_command == "migrate":
        from newsflow.runtime.migrate import migrate

        done = migrate(to_path(args.lake))
        print(f"newsflow: migrated {len(done['migrated'])} date(s), {len(done['already'])} already in tables, "
              f"{len(done['moved'])} old file(s) moved under _legacy/, {len(done['indexed'])} date(s) of the band "
              f"index given exact-copy rows")
        return 0
    from newsflow.lake.maintain import maintain

    try:
        maintained = maintain(to_path(args.lake), args.retention_hours)
    except ValueError as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return 2
    for name, what in maintained.items():
        print(f"  {name}: compacted {what['files_removed']} file(s) into {what['files_added']}, "
              f"vacuumed {what['vacuumed']}, now v{what['version']}")
    return 0


def _exit_now(code: int) -> NoReturn:
    """End the process without tearing the interpreter down. Exit handlers still run (logging, Airflow's
    DB sessions) and output is flushed; what is skipped is freeing every module and object one by one,
    a full garbage collection over Airflow, GX and pandas that took 1.5-5 s after a run had finished
    (everything the run writes is closed by then)."""
    import atexit

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """``argv``: None when run as the ``newsflow`` program (``sys.argv``; the process then exits here)."""
    args = build_parser().parse_args(argv)
    code = 2
    if args.command == "run":
        code = run(args)
    elif args.command == "lake":
        code = lake_command(args)
    if argv is None:
        _exit_now(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
