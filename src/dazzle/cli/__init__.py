"""The ``dazzle`` command. Sub-commands import what they need when they run, so that
``dazzle --help`` and ``dazzle validate`` start fast."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TYPER_USE_RICH", "0")  # plain help: rich costs 60 ms at start-up
    from dazzle.cli.app import build_app

    app = build_app()
    try:
        app(args=argv, prog_name="dazzle", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def entry() -> None:
    sys.exit(main())
