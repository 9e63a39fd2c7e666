"""Check the built docs site documents every API operation and every top-level name.

    mkdocs build --strict && python scripts/check_reference.py site

Each of ``maintainx_sdk.operations()`` (``work_orders.set_status``, ...) must have its
method's anchor on its area's resources page, and each name in ``maintainx_sdk.__all__``
an anchor somewhere in the reference: a generator change that drops one fails here.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import maintainx_sdk


def anchors(reference: Path) -> set[str]:
    found: set[str] = set()
    for page in reference.rglob("index.html"):
        found |= set(re.findall(r'id="(maintainx_sdk[\w.]*)"', page.read_text(encoding="utf-8")))
    return found


def missing_operations(reference: Path) -> list[str]:
    out = []
    for op in maintainx_sdk.operations():
        area, *_, method = op.python_name.split(".")
        page = reference / "resources" / area / "index.html"
        html = page.read_text(encoding="utf-8") if page.is_file() else ""
        pattern = rf'id="maintainx_sdk\.resources\.{area}\.[A-Z]\w*\.{method}"'
        if not re.search(pattern, html):
            out.append(op.python_name)
    return out


def missing_names(reference: Path) -> list[str]:
    documented = anchors(reference)
    tails = {a.rsplit(".", 1)[-1] for a in documented}
    return [n for n in maintainx_sdk.__all__ if n not in tails and not n.startswith("__")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    args = parser.parse_args(argv)
    reference = args.site / "reference"
    ops, names = missing_operations(reference), missing_names(reference)
    for name in ops:
        print(f"check_reference: operation {name} has no entry in the reference", file=sys.stderr)
    for name in names:
        print(
            f"check_reference: maintainx_sdk.{name} has no entry in the reference", file=sys.stderr
        )
    if ops or names:
        return 1
    count = len(maintainx_sdk.operations())
    print(f"reference: all {count} operations and {len(maintainx_sdk.__all__)} top-level names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
