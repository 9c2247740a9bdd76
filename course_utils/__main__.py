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
        print(f"No real Fruits-360 folder found. {datasets.GET_REAL_DATA_HINT}")
        return 1
    root = folder if isinstance(folder, Path) else folder.root
    found = fruits360.verify_tree(root)
    print(f"{root}: all {sum(g['files'] for g in found.values())} files match the published hashes")
    return 0


def _generate_fruits(args: argparse.Namespace) -> int:
    from course_utils import synthetic

    print(f"Generated fruits in {synthetic.ensure_generated_fruits()}")
    return 0


def _fetch_weights(args: argparse.Namespace) -> int:
    from course_utils import pretrained

    missing = [
        item.label for item in pretrained.COURSE_FILES if pretrained.ensure_file(item) is None
    ]
    if missing:
        print(f"Could not get: {', '.join(missing)}. {pretrained.GET_WEIGHTS_HINT}")
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
            print("Give the bundle to install: python -m course_utils bundle install FILE")
            return 2
        for line in bundle.install_bundle(args.path):
            print(f"installed {line}")
    return 0


def _run_notebooks(args: argparse.Namespace) -> int:
    from course_utils import notebooks

    return notebooks.run_all_command(args)


def _student_edition(args: argparse.Namespace) -> int:
    from course_utils import notebooks

    return notebooks.student_command(args)


def _clean_notebooks(args: argparse.Namespace) -> int:
    from course_utils import notebooks

    return notebooks.clean_command(args)


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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m course_utils``."""
    args = build_parser().parse_args(argv)
    if args.command not in ("doctor", "run-notebooks"):
        # Errors that say what to do are printed without a traceback.
        try:
            return args.run(args)
        except (FileNotFoundError, ValueError, RuntimeError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
