"""Start one of the tools' modules for the entry (``python3 -m tools``), quietly stoppable from its first moment.

The entry starts each command as ``python -m tools.launch MODULE ARGS...``. Until MODULE is imported (a few
seconds: pandas, nbformat, jsonschema), Ctrl-C or SIGTERM ends it at once with exit status 128 + the signal's
number and one line saying so, no traceback. Once imported, the module's own
handling takes over (the runner stops every kernel and says what it kept) and its ``entry`` (or ``main``) runs
with ARGS. Standard library only.

Example: ``python -m tools.launch tools.run_lesson 03 --jobs 1``
"""

from __future__ import annotations

import importlib
import signal
import sys

EARLY_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _end_quietly(number: int, frame: object) -> None:
    name = "Ctrl-C" if number == signal.SIGINT else signal.Signals(number).name
    print(f"Stopped ({name}) while starting: nothing was run or written.", file=sys.stderr, flush=True)
    raise SystemExit(128 + number)


def main(argv: list[str] | None = None) -> int:
    """Import the module named first in ``argv`` with early signals ending quietly, then run it with the rest.

    Example: ``main(["tools.adding"])``
    """
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("Name a module to run, e.g. `python -m tools.launch tools.run_lesson 03`.", file=sys.stderr)
        return 2
    name, rest = argv[0], argv[1:]
    saved = {number: signal.signal(number, _end_quietly) for number in EARLY_SIGNALS}
    try:
        module = importlib.import_module(name)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
    run = getattr(module, "entry", None) or getattr(module, "main", None)
    if run is None:
        print(f"{name} has no entry() or main() to run.", file=sys.stderr)
        return 2
    sys.argv = [name, *rest]  # what the command was, for messages that quote it (tools.runner.this_command)
    return run(rest) or 0


if __name__ == "__main__":
    sys.exit(main())
