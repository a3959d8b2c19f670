"""Console-script entry: route `staged` to its light path before importing the full CLI."""

from __future__ import annotations

import sys


def run() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["staged"]:
        from scanner.staged_cli import main as staged_main

        sys.exit(staged_main(argv[1:]))
    from scanner.cli import main

    sys.exit(main(argv))


if __name__ == "__main__":
    run()
