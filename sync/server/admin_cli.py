"""``loyalty-server admin …``: the admin API's operations, straight on the database."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from sync.server import analytics, day_report, enrolment, service, voucher_issuing
from sync.server.config import Settings
from sync.server.db import make_engine
from sync.server.deps import in_transaction
from sync.server.errors import ServiceError
from sync.server.migrate import DatabaseTooNew, upgrade
from terminal.programmes import ProgrammeError, document_data, parse_document


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loyalty-server admin",
                                     description="Manage the loyalty server.")
    parser.add_argument("--database-url",
                        help="the server's database (default: $LOYALTY_SERVER_DATABASE_URL, "
                             "else sqlite:///loyalty-server.sqlite3); every command prints "
                             "the one it used, and only `init` creates a new SQLite file")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("init", help="create the database (or bring it to the newest schema)")

    p = sub.add_parser("create-store", help="create a store")
    p.add_argument("name")
    p.add_argument("--timezone", default="Asia/Taipei")

    p = sub.add_parser("create-terminal", help="create a terminal and its enrolment code")
    p.add_argument("--store", required=True, help="store id")
    p.add_argument("--name", required=True)
    p.add_argument("--ttl-seconds", type=int, default=None)

    p = sub.add_parser("reissue-code",
                       help="a new one-time enrolment code for an existing terminal: "
                            "registering with it replaces its credential and keeps its id, "
                            "store, number and event chain")
    p.add_argument("terminal", help="terminal id")
    p.add_argument("--ttl-seconds", type=int, default=None)

    p = sub.add_parser("revoke", help="stop a terminal's credential (and a code waiting "
                                      "for it) at once")
    p.add_argument("terminal", help="terminal id")

    p = sub.add_parser("import-members", help="import members from CSV or JSON")
    p.add_argument("file", help="CSV with card_number,name[,phone,birthday,tier] or a JSON "
                                "list")
    p.add_argument("--store", required=True, help="store id: only its terminals see them")

    p = sub.add_parser("member-secret",
                       help="print a member's code secret for the phone app (LMS1: URI), "
                            "or --issue-missing: make one for every member without one")
    p.add_argument("member_id", nargs="?")
    p.add_argument("--issue-missing", action="store_true",
                   help="members from before secrets existed get one (terminals pull them); "
                        "prints their ids, not the secrets")
    p.add_argument("--store", help="with --issue-missing: only this store's members")

    p = sub.add_parser("compact-changes",
                       help="keep only the newest pull-feed row of each member/voucher/"
                            "config; merge each till's member-event rows (no fact lost)")

    p = sub.add_parser("set-limits", help="set the offline limits (JSON object)")
    p.add_argument("json")

    p = sub.add_parser("set-programme", help="set the programme configuration (JSON file)")
    p.add_argument("file")

    p = sub.add_parser("programmes", help="the programme document: set FILE | show | "
                                          "validate FILE")
    actions = p.add_subparsers(dest="programmes_action", required=True, metavar="ACTION")
    a = actions.add_parser("set", help="check a JSON or TOML document and store it as the "
                                       "next version")
    a.add_argument("file")
    actions.add_parser("show", help="print the current document")
    a = actions.add_parser("validate", help="check a document without storing it")
    a.add_argument("file")

    p = sub.add_parser("issue-voucher", help="issue a voucher id with a face value")
    p.add_argument("id")
    p.add_argument("--face-value", type=int, required=True)

    key_help = "directory of the voucher signing keys (default: $LOYALTY_SERVER_KEY_DIR or " \
               "./voucher-keys)"
    p = sub.add_parser("voucher-key", help="make a new voucher signing key and publish it")
    p.add_argument("--key-dir", help=key_help)

    p = sub.add_parser("vouchers", help="sign e-vouchers and export them as QR PNGs")
    p.add_argument("--kind", required=True,
                   choices=["amount_off", "percent_off", "product", "multi_use"])
    p.add_argument("--value", type=int, required=True,
                   help="NT$ off, percent off, or the product code")
    p.add_argument("--uses", type=int, default=1)
    p.add_argument("--days", type=int, default=30, help="valid from now for this many days")
    p.add_argument("--member", help="bind to one member id")
    p.add_argument("--store", help="only at this store id")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--out", required=True, help="directory for the PNGs and manifest.csv")
    p.add_argument("--key-dir", help=key_help)

    p = sub.add_parser("conflicts", help="list flagged conflicts")
    p.add_argument("--store", default=None)

    p = sub.add_parser("report", help="reports")
    p.add_argument("which", choices=["liability", "day", *analytics.REPORTS])
    p.add_argument("--date", help="YYYY-MM-DD (day report; the analytics' report day)")
    _analytics_options(p)
    p = sub.add_parser("analytics-nightly", help="every analytics report, with timings (JSON); "
                       "the first run backfills the analytics facts from every event")
    p.add_argument("--date", help="the report day, YYYY-MM-DD (default: today, UTC)")
    _analytics_options(p)
    return parser


# --- analytics reports (issue 7) --------------------------------------------------------------

def _analytics_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", default=None, help="one store id (default: all, and each store)")
    p.add_argument("--json", action="store_true", help="print JSON (analytics reports)")
    p.add_argument("--new-days", type=int, default=analytics.DEFAULTS.new_days)
    p.add_argument("--dormant-days", type=int, default=analytics.DEFAULTS.dormant_days)
    p.add_argument("--churned-days", type=int, default=analytics.DEFAULTS.churned_days)
    p.add_argument("--full-scan", action="store_true",
                   help="scan every event instead of the folded analytics facts (slow; "
                        "the same figures)")


def _analytics_work(args: argparse.Namespace) -> Callable[[Connection], Any]:
    def work(conn: Connection) -> Any:
        limits = analytics.Thresholds(args.new_days, args.dormant_days, args.churned_days)
        day = analytics.parse_day(args.date)
        source = "events" if args.full_scan else "facts"
        if args.command == "analytics-nightly":
            return analytics.nightly(conn, day, limits, source=source)
        return analytics.report(conn, args.which, store_id=args.store, as_of=day,
                                limits=limits, source=source)
    return work


def _load_members(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
        if not isinstance(data, list):
            raise ValueError("the JSON file must hold a list of members")
        return [dict(m) for m in data]
    rows = list(csv.DictReader(text.splitlines()))
    for row in rows:
        if not row.get("card_number") or not row.get("name"):
            raise ValueError("every CSV row needs card_number and name")
    return [{k: v for k, v in row.items() if v} for row in rows]


def _key_dir(option: str | None) -> Path:
    return Path(option or os.environ.get("LOYALTY_SERVER_KEY_DIR") or "voucher-keys")


def _programme_file(path: Path) -> dict[str, Any]:
    """The document in a .json or .toml file; ValueError with the reason when unusable."""
    try:
        return document_data(path.read_text(encoding="utf-8"),
                             "toml" if path.suffix == ".toml" else "json")
    except ProgrammeError as exc:
        raise ValueError(exc.message) from None


def _validate_programmes(path: Path) -> int:
    try:
        document = parse_document({**_programme_file(path), "version": 1})
    except (OSError, ValueError, ProgrammeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"valid": True, "programmes": [
        {"id": p.id, "type": p.type, "name": p.name} for p in document.ordered]},
        ensure_ascii=False, indent=2))
    return 0


def _shown(url: str) -> str:
    """The database for people: password hidden, a SQLite file as an absolute path."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url.split("@")[-1]
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return f"sqlite:///{Path(parsed.database).resolve()}"
    return parsed.render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _open_database(url: str, create: bool) -> Engine | None:
    """The server's database, brought to the newest schema; None after a one-line error.

    Every command says which database it used (on stderr: stdout is the JSON answer). A
    SQLite file that does not exist yet is created by ``init`` only: anything else would
    make codes and stores in a file the real server never reads."""
    shown = _shown(url)
    print(f"database: {shown}", file=sys.stderr)
    try:
        parsed = make_url(url)
        if (parsed.get_backend_name() == "sqlite" and not create
                and not (parsed.database and Path(parsed.database).exists())):
            print(f"error: there is no server database at {shown}: give the server's with "
                  "--database-url or LOYALTY_SERVER_DATABASE_URL, or create a new one with "
                  "`loyalty-server admin init`", file=sys.stderr)
            return None
        engine = make_engine(url, pool_size=2)
    except (ArgumentError, ValueError, ImportError) as exc:
        print(f"error: the database URL {shown!r} is not usable: {_first_line(exc)}",
              file=sys.stderr)
        return None
    try:
        upgrade(engine)
    except DatabaseTooNew as exc:
        print(f"error: {exc}", file=sys.stderr)
    except (SQLAlchemyError, OSError) as exc:
        print(f"error: cannot use the database {shown}: {_first_line(exc)}", file=sys.stderr)
    else:
        return engine
    engine.dispose()
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "programmes" and args.programmes_action == "validate":
        return _validate_programmes(Path(args.file))  # no database needed
    # the flag wins over the environment (and does not leak into it)
    settings = Settings(database_url=args.database_url) if args.database_url else Settings()
    engine = _open_database(settings.database_url, create=args.command == "init")
    if engine is None:
        return 1
    work: Callable[[Connection], Any]
    try:
        if args.command == "init":
            work = lambda c: {"database": _shown(settings.database_url)}  # noqa: E731
        elif args.command == "reissue-code":
            ttl = args.ttl_seconds or settings.enrol_code_ttl_seconds
            work = lambda c: enrolment.reissue_code(c, args.terminal, ttl)  # noqa: E731
        elif args.command == "revoke":
            work = lambda c: enrolment.revoke(c, args.terminal)  # noqa: E731
        elif args.command == "create-store":
            work = lambda c: service.create_store(c, args.name, args.timezone)  # noqa: E731
        elif args.command == "create-terminal":
            ttl = args.ttl_seconds or settings.enrol_code_ttl_seconds
            work = lambda c: service.create_terminal(c, args.store, args.name, ttl)  # noqa: E731
        elif args.command == "import-members":
            members = _load_members(Path(args.file))
            work = lambda c: service.import_members(c, members, args.store)  # noqa: E731
        elif args.command == "member-secret" and args.issue_missing:
            if args.member_id:
                print("error: give a member id or --issue-missing, not both", file=sys.stderr)
                return 2
            work = lambda c: service.issue_missing_member_secrets(c, args.store)  # noqa: E731
        elif args.command == "member-secret":
            if not args.member_id or args.store:
                print("error: member-secret needs a member id (or --issue-missing [--store S])",
                      file=sys.stderr)
                return 2
            work = lambda c: service.member_secret(c, args.member_id)  # noqa: E731
        elif args.command == "compact-changes":
            work = lambda c: {"deleted": service.compact_changes(c)}  # noqa: E731
        elif args.command == "set-limits":
            limits = json.loads(args.json)
            work = lambda c: {"version": service.set_config(  # noqa: E731
                c, "offline_limits", limits)}
        elif args.command == "set-programme":
            programme = json.loads(Path(args.file).read_text(encoding="utf-8"))
            work = lambda c: {"version": service.set_config(c, "programme",  # noqa: E731
                                                            programme)}
        elif args.command == "programmes" and args.programmes_action == "set":
            document = _programme_file(Path(args.file))
            work = lambda c: service.set_programmes(c, document)  # noqa: E731
        elif args.command == "programmes":
            work = service.get_programmes
        elif args.command == "issue-voucher":
            work = lambda c: service.issue_voucher(c, args.id, args.face_value)  # noqa: E731
        elif args.command == "voucher-key":
            keys = _key_dir(args.key_dir)
            work = lambda c: voucher_issuing.new_voucher_key(c, keys)  # noqa: E731
        elif args.command == "vouchers":
            keys, out = _key_dir(args.key_dir), Path(args.out)
            work = lambda c: voucher_issuing.issue_vouchers(  # noqa: E731
                c, keys, out, kind=args.kind, value=args.value, uses=args.uses,
                days=args.days, member_id=args.member, store_id=args.store, count=args.count)
        elif (args.command == "analytics-nightly"
              or getattr(args, "which", None) in analytics.REPORTS):
            work = _analytics_work(args)
        elif args.command == "conflicts":
            work = lambda c: service.list_flags(c, args.store)  # noqa: E731
        elif args.which == "liability":
            work = service.liability
        else:
            if not args.date:
                print("error: report day needs --date", file=sys.stderr)
                return 2
            work = lambda c: day_report.day_totals(c, args.date)  # noqa: E731
        result = in_transaction(engine, work)
    except ServiceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"error: the database failed: {_first_line(exc)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if args.command == "analytics-nightly" and isinstance(result, dict) and "note" in result:
        print(f"note: {result['note']}", file=sys.stderr)
    if args.command == "report" and args.which == "day":
        for entry in result:
            if "error" in entry:
                print(f"problem: store {entry['name']} ({entry['store_id']}): "
                      f"{entry['error']}", file=sys.stderr)
            if entry.get("unreadable_amounts"):
                print(f"problem: store {entry['name']} ({entry['store_id']}): "
                      f"{entry['unreadable_amounts']} amount(s) in event bodies are not "
                      "integers and were counted as 0 (unreadable_amount_events)",
                      file=sys.stderr)
    if args.command == "analytics-nightly" and isinstance(result, dict):
        for problem in result.get("problems", []):
            print(f"problem: {problem}", file=sys.stderr)
    if args.command == "report" and args.which in analytics.REPORTS and not args.json:
        print("\n".join(analytics.render(result)))
        return 0
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0
