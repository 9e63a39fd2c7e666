"""The ``maintainx-sdk`` command. Each subcommand lives in its own module, loaded on demand."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

#: subcommand -> ("module", "function", "one-line help"); the function takes argv, returns an exit code.
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": (
        "maintainx_sdk.testing.demo",
        "main",
        "run a guided tour against the bundled emulator",
    ),
    "emulator": (
        "maintainx_sdk.testing.emulator_cli",
        "cli_main",
        "serve the MaintainX emulator on loopback",
    ),
    "readiness": ("maintainx_sdk.readiness.cli", "main", "run the production-readiness checklist"),
    "mirror": ("maintainx_sdk.mirror", "cli_main", "keep a local SQLite mirror of an API area"),
}


def _usage() -> str:
    lines = ["usage: maintainx-sdk <command> [options]", "", "commands:"]
    lines += [f"  {name:<10} {info[2]}" for name, info in SUBCOMMANDS.items()]
    lines += [
        "",
        "options:",
        "  -h, --help     show this help",
        "  -V, --version  print the version",
    ]
    lines += ["", "Run 'maintainx-sdk <command> --help' for a command's options."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_usage())
        return 0 if args else 2
    if args[0] in ("-V", "--version"):
        from ._version import __version__

        print(f"maintainx-sdk {__version__}")
        return 0
    name, rest = args[0], args[1:]
    if name not in SUBCOMMANDS:
        print(f"maintainx-sdk: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, func_name, _ = SUBCOMMANDS[name]
    func: Callable[[list[str]], int] = getattr(importlib.import_module(module_name), func_name)
    return int(func(rest) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
