"""Console-script entry: route `staged` to its light path before importing the full CLI."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from typing import NoReturn

from scanner import parking


def run() -> None:
    # A scan builds large structures without reference cycles (a record per commit, a
    # change list per commit, matches per blob), and the cyclic collector kept walking all of
    # them: with it off, a 60,000-commit scan took 0.6 s less and a rescan after one commit
    # 0.2 s less, at the same peak memory. The process is short-lived; what little cyclic
    # garbage it makes is freed when it exits.
    gc.disable()
    parking.enable()  # the big structures of a scan die with the process (see _exit)
    try:
        code = main(sys.argv[1:])
    except KeyboardInterrupt:
        code = 130
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException as exc:  # the last resort (e.g. an import failing): one line, exit 2
        from scanner.failures import internal_error

        code = internal_error(exc)
    _exit(code)


def main(argv: list[str]) -> int:
    if argv[:1] == ["staged"]:
        from scanner.cli.staged_command import main as staged_main

        return staged_main(argv[1:])
    from scanner.cli.app import main as cli_main

    return cli_main(argv)


def _exit(code: int) -> NoReturn:
    """Leave without tearing the interpreter down object by object (tens of milliseconds
    after a scan of a big history, a tenth of a rescan): output is flushed and child
    processes are stopped first, which is all that teardown would do for us."""
    try:
        sys.stdout.flush()
    except OSError as exc:
        from scanner.failures import OutputLost, output_lost, standard_output_failed

        try:  # a reader that went away (`| head`) keeps the command's own status
            standard_output_failed(exc)
            sys.stdout.flush()  # what was waiting goes to the null device now
        except OutputLost:  # a full disk: the report did not all arrive
            code = output_lost(exc)
        except (OSError, ValueError):
            pass
    except ValueError:  # stdout was closed
        pass
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    processes = sys.modules.get("multiprocessing")
    if processes is not None:  # a scan stopped by an error may leave blob workers running
        for child in processes.active_children():
            child.terminate()
            child.join()
    os._exit(code)


if __name__ == "__main__":
    run()
