"""Command line: ``python -m course_utils <command>`` (run with ``--help`` for the list)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _doctor(args: argparse.Namespace) -> int:
    from course_utils import environment

    return environment.doctor()


def _download_fruits(args: argparse.Namespace) -> int:
    from course_utils import fruits360

    target = fruits360.download_fruits(args.url, force=args.force)
    print(f"Fruits-360 workshop subset verified in {target}")
    return 0


def _verify_fruits(args: argparse.Namespace) -> int:
    from course_utils import datasets, fruits360

    folder = Path(args.folder) if args.folder else datasets.find_real_fruits()
    if folder is None:
        _error(f"No real Fruits-360 folder found. {datasets.real_data_hint()}")
        return 1
    root = folder if isinstance(folder, Path) else folder.root
    found = fruits360.verify_tree(root)
    print(f"{root}: all {sum(g['files'] for g in found.values())} files match the published hashes")
    return 0


def _generate_fruits(args: argparse.Namespace) -> int:
    from course_utils import generated_fruits

    print(f"Generated fruits in {generated_fruits.ensure_generated_fruits()}")
    return 0


def _fetch_weights(args: argparse.Namespace) -> int:
    from course_utils import pretrained

    missing = [
        item.label for item in pretrained.COURSE_FILES if pretrained.ensure_file(item) is None
    ]
    if missing:
        _error(f"Could not get: {', '.join(missing)}. {pretrained.GET_WEIGHTS_HINT}")
        return 1
    print(f"All pretrained files are in {pretrained.paths.keras_cache_dir()}")
    return 0


def _bundle(args: argparse.Namespace) -> int:
    from course_utils import bundle

    if args.action == "create":
        parts = args.only.split(",") if args.only else bundle.PARTS
        path = bundle.create_bundle(
            args.path or bundle.DEFAULT_NAME, parts=parts, sources=args.sources
        )
        print(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    else:
        if not args.path:
            _error("give the bundle to install: python -m course_utils bundle install FILE")
            return 2
        for line in bundle.install_bundle(args.path):
            print(f"installed {line}")
    return 0


def _say(message: str = "", *, end: str = "\n") -> None:
    """Progress and notices: on stderr, so that stdout holds only results."""
    print(message, file=sys.stderr, end=end, flush=True)


def _cell_progress(*, live: bool):
    """A progress callback: one line per cell in a log, one updated line on a terminal."""
    width = 0

    def show(notebook: str, number: int, count: int, words: str) -> None:
        nonlocal width
        line = f"  {notebook}: cell {number}/{count}  {words}"
        if live:
            _say("\r" + line.ljust(width), end="")
            width = len(line)
        else:
            _say(line)

    def clear() -> None:
        nonlocal width
        if live and width:
            _say("\r" + " " * width + "\r", end="")
        width = 0

    return show, clear


def _run_notebooks(args: argparse.Namespace) -> int:
    from course_utils.instructor import runner

    live = sys.stderr.isatty()
    progress, clear = _cell_progress(live=live)

    def started(number: int, count: int, name: str) -> None:
        _say(f"[{number}/{count}] running {name} ...")

    def finished(result) -> None:
        clear()
        verdict = "ok" if result.ok else f"FAILED: {result.error}"
        _say(f"  {verdict} ({result.seconds:.0f} s)")

    report = runner.run_notebooks(
        args.notebooks,
        quick=args.quick,
        output=Path(args.output) if args.output else None,
        html=not args.no_html,
        timeout=args.timeout,
        update_readme=args.update_readme,
        progress=progress,
        started=started,
        finished=finished,
    )
    print(f"{report.table}\n\nExecuted notebooks and HTML are in {report.output}")
    if report.readme_updated:
        print("README.md updated.")
    if report.failed:
        _error(
            f"{len(report.failed)} notebook(s) FAILED: {', '.join(report.failed)}. "
            f"Their executed copies in {report.output} show the traceback."
            + (" README.md NOT updated: fix the failures first." if args.update_readme else "")
        )
        return 1
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _student_edition(args: argparse.Namespace) -> int:
    from course_utils.instructor import student

    files = student.student_edition()
    folder = Path(args.output) if args.output else student.student_dir()
    notebooks = _count(sum(name.endswith(".ipynb") for name in files), "notebook")
    if args.check:
        differences = student.student_edition_differences(files, folder)
        if differences:
            for line in differences:
                print(f"{folder.name}/{line}")
            _error("the student edition is out of date: run `make student` and commit it.")
            return 1
        print(f"{folder} is up to date ({notebooks}).")
        return 0
    written = student.write_student_edition(files, folder)
    for line in written.changes:
        print(f"  {line}")
    for name in written.kept:
        print(f"  kept {name} (not written by student-edition)")
    print(
        f"Student edition in {folder}: {notebooks}, "
        f"{_count(student.count_solutions(), 'solution')} replaced by exercise cells "
        f"({_count(len(written.changes), 'file')} changed)."
    )
    return 0


def _app(args: argparse.Namespace) -> int:
    from course_utils import app

    app.serve(args.model, host=args.host, port=args.port)
    return 0


def _clean_notebooks(args: argparse.Namespace) -> int:
    from course_utils.instructor import lessons, policy

    selected = [Path(p) for p in args.paths] or sorted(lessons.notebooks_dir().glob("*.ipynb"))
    found = policy.clean_notebooks(selected, check=args.check)
    for path, problems in found.items():
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        print(f"{path}: {'; '.join(problems[:3])}{more}")
    if args.check:
        if found:
            _error(
                f"{len(found)} notebook(s) break the output policy. "
                "Run `make clean-notebooks` (python -m course_utils clean-notebooks) to fix."
            )
            return 1
        print(f"All {len(selected)} notebook(s) follow the output policy.")
        return 0
    print(f"Cleaned {len(found)} of {len(selected)} notebook(s).")
    return 0


def _slides(args: argparse.Namespace) -> int:
    from course_utils.instructor import slides

    report = slides.build_slides(
        [Path(p) for p in args.notebooks],
        output=Path(args.output) if args.output else None,
        build=Path(args.build) if args.build else None,
        execute=args.execute,
        course_deck=not args.no_course,
        announce=_say,
    )
    for line in report.warnings:
        _say(f"warning: {line}")
    print("| deck | slides | notes | figures | MB |\n|---|---:|---:|---:|---:|")
    for deck in report.decks:
        print(
            f"| {deck.path.name} | {deck.slides} | {deck.notes} | {deck.figures} "
            f"| {deck.bytes / 1e6:.1f} |"
        )
    print(
        f"\n{_count(len(report.decks), 'deck')} in {report.output} ({report.seconds:.0f} s); "
        f"open one in a browser (offline: reveal.js is in {report.output / slides.ASSETS}). "
        "Press S for the speaker notes."
    )
    return 0


def _schedule(args: argparse.Namespace) -> int:
    from course_utils.instructor import schedule

    text = schedule.generate_schedule()
    path = Path(args.output) if args.output else schedule.repository() / schedule.SCHEDULE_FILE
    if args.check:
        if schedule.schedule_differs(text, path):
            _error(f"{path} is out of date: {schedule.STALE_HINT}.")
            return 1
        print(f"{path} is up to date.")
        return 0
    changed = schedule.schedule_differs(text, path)
    schedule.write_schedule(text, path)
    print(f"{'Wrote' if changed else 'Unchanged:'} {path}")
    return 0


def _workshop_server(args: argparse.Namespace) -> int:
    from course_utils.instructor import workshop

    folder = Path(args.folder) if args.folder else None
    if args.action == "stop":
        if workshop.stop_hub(folder=folder):
            print("Workshop hub stopped (and every attendee's server).")
            return 0
        _error("no workshop hub is running from that folder (nothing to stop).")
        return 1
    _say("starting JupyterHub ...")
    hub = workshop.start_hub(
        port=args.port,
        ip=args.ip,
        folder=folder,
        shared=Path(args.shared) if args.shared else None,
        password=args.password,
        mem_limit=args.mem_limit,
        cpu_limit=args.cpu_limit,
        quick=args.quick,
        fruits=Path(args.fruits) if args.fruits else None,
    )
    print(
        f"Workshop hub running at {hub.url} (pid {hub.pid}; listening on {args.ip}).\n"
        f"Attendees: any user name, password {hub.password}\n"
        f"Instructor: user {workshop.ADMIN_USER}, password {hub.admin_password} (admin page)\n"
        f"Each attendee's work: {hub.folder / 'users'}/<name>; log: {hub.folder}/jupyterhub.log\n"
        "Stop it with: python -m course_utils workshop-server stop"
        + (f" --folder {args.folder}" if args.folder else "")
    )
    return 0


def _progress(args: argparse.Namespace) -> int:
    from course_utils.checks import catalogue, progress

    recorded = progress.load_progress()
    if recorded.notice:
        _say(f"warning: {recorded.notice}")
    elif not recorded.exists:
        _say(
            f"No progress recorded yet ({recorded.path} does not exist): checks and quiz "
            "answers in the lessons are recorded there."
        )
    print(progress.progress_table(progress.summarise(recorded, catalogue.declared())))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m course_utils``."""
    parser = argparse.ArgumentParser(prog="python -m course_utils", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    doctor = commands.add_parser("doctor", help="check this machine and say what to fix")
    doctor.set_defaults(run=_doctor)

    download = commands.add_parser("download-fruits", help="download the real Fruits-360 subset")
    download.add_argument("--force", action="store_true", help="download again")
    download.add_argument("--url", default=None, help="another archive URL (mirrors, tests)")
    download.set_defaults(run=_download_fruits)

    verify = commands.add_parser("verify-fruits", help="check a Fruits-360 folder's hashes")
    verify.add_argument("folder", nargs="?", help="default: the data the course uses")
    verify.set_defaults(run=_verify_fruits)

    generate = commands.add_parser("generate-fruits", help="generate the offline fruits dataset")
    generate.set_defaults(run=_generate_fruits)

    weights = commands.add_parser("fetch-weights", help="download the pretrained weights")
    weights.set_defaults(run=_fetch_weights)

    bundle = commands.add_parser("bundle", help="create or install an instructor bundle")
    bundle.add_argument("action", choices=("create", "install"))
    bundle.add_argument("path", nargs="?", help="the bundle file (create: output, install: input)")
    bundle.add_argument("--only", help="comma-separated parts: weights,class-index,fruits")
    bundle.add_argument(
        "--from",
        dest="sources",
        action="append",
        default=[],
        metavar="FOLDER",
        help="take files from this folder before the cache and the network (repeatable)",
    )
    bundle.set_defaults(run=_bundle)

    run = commands.add_parser("run-notebooks", help="run every notebook headlessly and time it")
    run.add_argument("notebooks", nargs="*", help="default: every notebook in notebooks/")
    run.add_argument("--quick", action="store_true", help="run in quick mode (COURSE_QUICK=1)")
    run.add_argument(
        "--output", default=None, help="folder for executed notebooks and HTML (default: build/)"
    )
    run.add_argument("--no-html", action="store_true", help="skip the HTML export")
    run.add_argument("--update-readme", action="store_true", help="put the table in README.md")
    run.add_argument("--timeout", type=int, default=1200, help="seconds allowed per cell")
    run.set_defaults(run=_run_notebooks)

    student = commands.add_parser(
        "student-edition", help="write student-edition/: the notebooks without solutions"
    )
    student.add_argument(
        "--check", action="store_true", help="only say whether the committed edition is current"
    )
    student.add_argument(
        "--output", default=None, help="another folder (default: student-edition/)"
    )
    student.set_defaults(run=_student_edition)

    clean = commands.add_parser(
        "clean-notebooks", help="strip outputs, execution counts and widget state"
    )
    clean.add_argument("paths", nargs="*", help="default: every notebook in notebooks/")
    clean.add_argument(
        "--check", action="store_true", help="only report (exit status 1 if any is not clean)"
    )
    clean.set_defaults(run=_clean_notebooks)

    deck = commands.add_parser("slides", help="build offline reveal.js slides from the lessons")
    deck.add_argument("notebooks", nargs="*", help="default: every notebook in notebooks/")
    deck.add_argument("--output", default=None, help="folder for the decks (default: build/slides)")
    deck.add_argument("--build", default=None, help="where the executed runs are (default: build/)")
    deck.add_argument(
        "--execute", action="store_true", help="run lessons without an executed copy (quick mode)"
    )
    deck.add_argument("--no-course", action="store_true", help="skip the whole-course deck")
    deck.set_defaults(run=_slides)

    plan = commands.add_parser(
        "schedule", help="write docs/schedule.md: one- and two-day workshop timetables"
    )
    plan.add_argument("--check", action="store_true", help="only say whether it is up to date")
    plan.add_argument("--output", default=None, help="another file (default: docs/schedule.md)")
    plan.set_defaults(run=_schedule)

    hub = commands.add_parser(
        "workshop-server", help="start or stop a JupyterHub for a workshop room"
    )
    hub.add_argument("action", choices=("start", "stop"))
    hub.add_argument("--port", type=int, default=8000, help="port attendees connect to")
    hub.add_argument("--ip", default="0.0.0.0", help="address to listen on (default: all)")
    hub.add_argument("--folder", default=None, help="the hub's state (default: build/workshop)")
    hub.add_argument(
        "--shared", default=None, help="shared read-only data and weights (default: FOLDER/shared)"
    )
    hub.add_argument("--password", default=None, help="attendees' password (8+ characters)")
    hub.add_argument("--mem-limit", default="3G", help="per attendee (address-space guard)")
    hub.add_argument("--cpu-limit", type=float, default=1.0, help="threads per attendee")
    hub.add_argument("--quick", action="store_true", help="lessons in quick mode for everyone")
    hub.add_argument("--fruits", default=None, help="a Fruits-360 folder for everyone")
    hub.set_defaults(run=_workshop_server)

    progress = commands.add_parser(
        "progress", help="show your results of the lessons' checks and quizzes"
    )
    progress.set_defaults(run=_progress)

    serve = commands.add_parser(
        "app", help="serve an exported classifier: drop a photo, get the top 3 and Grad-CAM"
    )
    serve.add_argument("--model", required=True, help="the folder export_model wrote")
    serve.add_argument("--port", type=int, default=8000, help="default: 8000")
    serve.add_argument(
        "--host", default="127.0.0.1", help="default: 127.0.0.1 (this computer only)"
    )
    serve.set_defaults(run=_app)
    return parser


_WRITE_HINT = (
    "The data folder moves with COURSE_DATA_DIR, the pretrained weights with KERAS_HOME, "
    "and the instructor tools write where --output says."
)


def _error(message: str) -> None:
    """An error: ``error: ...`` on stderr (the caller returns a non-zero exit status)."""
    print(f"error: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m course_utils``.

    Every command prints its results on stdout. Errors the package explains
    (FileNotFoundError, ValueError, RuntimeError, and OSError such as a full disk or a
    read-only folder) are printed on stderr as ``error: ...`` without a traceback, with
    exit status 1; argument errors exit with 2 (argparse); Ctrl-C with 130.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        _error(str(error))
    except OSError as error:
        from course_utils import fileio

        if error.filename and not isinstance(error, fileio.WriteError):
            error = fileio.explain_write_error(error, error.filename, hint=_WRITE_HINT)
        if isinstance(error, fileio.WriteError):  # a full disk or a read-only folder
            _error(error.strerror or str(error))
        else:
            _error(f"{error}. Check that the file or folder named is there and readable.")
    except KeyboardInterrupt:
        _error("interrupted.")
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
