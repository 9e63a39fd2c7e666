"""Check that a release tag, the package version and the changelog agree.

    python scripts/check_release.py v0.2.0            # exit 1 with the reason when they do not
    python scripts/check_release.py v0.2.0 --notes    # print that version's changelog section

The release workflow runs it before building, so a tag never publishes a version that the
changelog does not describe.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION_FILE = ROOT / "src" / "maintainx_sdk" / "_version.py"
CHANGELOG = ROOT / "CHANGELOG.md"
SECTION = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?\s*$", re.M)


def package_version(text: str) -> str:
    found = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if found is None:
        raise SystemExit(f"no __version__ in {VERSION_FILE}")
    return found.group(1)


def sections(changelog: str) -> dict[str, str]:
    """Version (or "Unreleased") -> the text of its section."""
    marks = list(SECTION.finditer(changelog))
    out = {}
    for mark, nxt in zip(marks, [*marks[1:], None], strict=True):
        end = nxt.start() if nxt is not None else len(changelog)
        out[mark.group("version")] = changelog[mark.end() : end].strip()
    return out


def problems(tag: str, version: str, changelog: str) -> list[str]:
    found = []
    if tag.removeprefix("v") != version:
        found.append(f"tag {tag} does not match __version__ {version!r}: bump _version.py")
    marks = list(SECTION.finditer(changelog))
    if not marks or marks[0].group("version") != "Unreleased":
        found.append("CHANGELOG.md must start with a ## [Unreleased] section")
    released = {m.group("version"): m.group("date") for m in marks[1:]}
    if version not in released:
        found.append(f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' section")
    elif released[version] is None:
        found.append(f"the changelog section of {version} has no date")
    elif not sections(changelog)[version]:
        found.append(f"the changelog section of {version} is empty")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", help="the release tag, e.g. v0.2.0")
    parser.add_argument("--notes", action="store_true", help="print the version's section")
    args = parser.parse_args(argv)
    version = package_version(VERSION_FILE.read_text(encoding="utf-8"))
    changelog = CHANGELOG.read_text(encoding="utf-8")
    found = problems(args.tag, version, changelog)
    for problem in found:
        print(f"check_release: {problem}", file=sys.stderr)
    if found:
        return 1
    if args.notes:
        print(sections(changelog)[version])
    return 0


if __name__ == "__main__":
    sys.exit(main())
