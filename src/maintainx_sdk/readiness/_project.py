"""Checks of a project directory: ``.gitignore`` coverage, keys in files, a pinned SDK."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ._checks.base import result
from ._context import CheckContext
from ._report import CheckResult

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache",
        ".pytest_cache", ".hypothesis", ".tox", ".nox", ".venv", "venv", ".ci-venv",
        "site-packages", "dist", "build", ".idea", ".vscode",
    }
)  # fmt: skip
MAX_FILES = 5000
MAX_FILE_BYTES = 1_000_000
MAX_TOTAL_BYTES = 50_000_000

_ASSIGNMENT = re.compile(
    r"(?i)maintainx[_-]?(?:api[_-]?)?(?:key|token)\b['\"]?\s*[:=]\s*['\"]([A-Za-z0-9._~+/=-]{20,})['\"]"
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")


class GitIgnore:
    """Enough of gitignore semantics to ask "is this file ignored?" (last match wins, ``!``)."""

    def __init__(self, lines: list[str]) -> None:
        self.rules: list[tuple[bool, bool, str]] = []  # (negated, anchored-or-nested, pattern)
        for raw in lines:
            line = raw.rstrip("\n").rstrip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            if negated:
                line = line[1:]
            if line.endswith("/"):
                line = line.rstrip("/")
                # a directory pattern also ignores every file below it
                self.rules.append((negated, True, f"{line.lstrip('/')}/*"))
                self.rules.append((negated, True, f"*/{line.lstrip('/')}/*"))
                continue
            while line.startswith("**/"):
                line = line[3:]
            has_slash = "/" in line.strip("/")
            self.rules.append((negated, has_slash or line.startswith("/"), line.lstrip("/")))

    @classmethod
    def load(cls, project: Path) -> GitIgnore | None:
        path = project / ".gitignore"
        try:
            return cls(path.read_text(encoding="utf-8", errors="replace").splitlines())
        except OSError:
            return None

    def ignored(self, relpath: str) -> bool:
        relpath = relpath.replace(os.sep, "/")
        name = relpath.rsplit("/", 1)[-1]
        ignored = False
        for negated, anchored, pattern in self.rules:
            target = relpath if anchored else name
            if fnmatch.fnmatchcase(target, pattern) or (
                not anchored and any(fnmatch.fnmatchcase(p, pattern) for p in relpath.split("/"))
            ):
                ignored = not negated
        return ignored


def check_gitignore(ctx: CheckContext) -> CheckResult:
    title = ".gitignore covers .env and *.key"
    if ctx.project_dir is None:
        return result("secrets.gitignore", title, "P0", "skip", "no project directory given")
    ignore = GitIgnore.load(ctx.project_dir)
    if ignore is None:
        return result(
            "secrets.gitignore",
            title,
            "P0",
            "fail",
            f"no .gitignore in {ctx.project_dir}",
            "Add a .gitignore with the lines `.env` and `*.key`.",
        )
    missing = [
        p for p, probe in ((".env", ".env"), ("*.key", "service.key")) if not ignore.ignored(probe)
    ]
    if missing:
        return result(
            "secrets.gitignore",
            title,
            "P0",
            "fail",
            f".gitignore does not ignore {', '.join(missing)}",
            "Add " + " and ".join(f"`{m}`" for m in missing) + " to .gitignore.",
            missing=missing,
        )
    return result("secrets.gitignore", title, "P0", "pass", ".env and *.key files are ignored")


@dataclass(slots=True)
class ScanResult:
    files: int = 0
    truncated: bool = False
    key_hits: list[str] | None = None
    jwt_hits: list[str] | None = None


def scan_for_keys(project: Path, key: str | None, ignore: GitIgnore | None) -> ScanResult:
    """Look for the key (or key-looking literals) in the project's text files, bounded."""
    out = ScanResult(key_hits=[], jwt_hits=[])
    assert out.key_hits is not None and out.jwt_hits is not None
    total = 0
    for root, dirs, files in os.walk(project):
        dirs[:] = sorted(
            d for d in dirs if d not in SKIP_DIRS and not (Path(root, d) / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            path = Path(root, name)
            rel = path.relative_to(project).as_posix()
            if ignore is not None and ignore.ignored(rel):
                continue  # ignored files (.env, *.key) are where keys belong
            if out.files >= MAX_FILES or total >= MAX_TOTAL_BYTES:
                out.truncated = True
                return out
            try:
                if path.is_symlink() or path.stat().st_size > MAX_FILE_BYTES:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            if b"\0" in data[:8192]:
                continue
            out.files += 1
            total += len(data)
            text = data.decode("utf-8", errors="replace")
            for lineno, line in enumerate(text.splitlines(), 1):
                if (key and key in line) or _ASSIGNMENT.search(line):
                    out.key_hits.append(f"{rel}:{lineno}")
                elif _JWT.search(line):
                    out.jwt_hits.append(f"{rel}:{lineno}")
    return out


def _listing(hits: list[str], limit: int = 10) -> str:
    shown = ", ".join(hits[:limit])
    return shown + (f" and {len(hits) - limit} more" if len(hits) > limit else "")


def check_key_in_files(ctx: CheckContext) -> CheckResult:
    title = "no MaintainX key in the project's files"
    if ctx.project_dir is None:
        return result("secrets.files", title, "P0", "skip", "no project directory given")
    key = ctx.config.api_key.reveal() if ctx.config is not None else None
    scan = scan_for_keys(
        ctx.project_dir, key if key and len(key) >= 8 else None, GitIgnore.load(ctx.project_dir)
    )
    assert scan.key_hits is not None and scan.jwt_hits is not None
    scope = f"scanned {scan.files} text files" + (
        " (stopped at the scan limit)" if scan.truncated else ""
    )
    if scan.key_hits:
        return result(
            "secrets.files",
            title,
            "P0",
            "fail",
            f"{scope}; a MaintainX key is in {_listing(scan.key_hits)}",
            "Remove the key from these files, rotate it (Settings > Integrations > API Keys), and "
            "load it from MAINTAINX_API_KEY / MAINTAINX_API_KEY_FILE.",
            files=scan.key_hits,
        )
    if scan.jwt_hits:
        return result(
            "secrets.files",
            title,
            "P0",
            "warn",
            f"{scope}; token-like strings (JWT) in {_listing(scan.jwt_hits)}",
            "If any is a MaintainX key, remove and rotate it.",
            files=scan.jwt_hits,
        )
    return result("secrets.files", title, "P0", "pass", f"{scope}; no key found", files=[])


_SPEC = r"(\[[^\]]*\])?\s*((?:===|==|~=|>=|<=|!=|<|>)[^;'\"#]*)?"
_PIN_REQUIREMENTS = re.compile(r"(?i)^\s*maintainx[-_]sdk" + _SPEC + r"\s*(?:[;#]|$)")
_PIN_PYPROJECT = re.compile(r"(?i)['\"]maintainx[-_]sdk" + _SPEC + r"\s*(?:;[^'\"]*)?['\"]")


def check_version_pin(ctx: CheckContext) -> CheckResult:
    title = "SDK version pinned (rollback restores known behaviour)"
    if ctx.project_dir is None:
        return result("rollback.version_pin", title, "P2", "skip", "no project directory given")
    project = ctx.project_dir
    for lock in ("uv.lock", "poetry.lock", "Pipfile.lock", "pdm.lock", "requirements.lock"):
        path = project / lock
        if (
            path.is_file()
            and "maintainx" in path.read_text(encoding="utf-8", errors="replace").lower()
        ):
            return result(
                "rollback.version_pin", title, "P2", "pass", f"{lock} locks maintainx-sdk"
            )
    specs: list[str] = []
    candidates = [*sorted(project.glob("requirements*.txt")), project / "pyproject.toml"]
    for path in candidates:
        if not path.is_file():
            continue
        pattern = _PIN_PYPROJECT if path.suffix == ".toml" else _PIN_REQUIREMENTS
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            match = pattern.search(line)
            if match:
                specs.append(f"{path.name}: {(match.group(2) or '(no version)').strip()}")
    if not specs:
        return result(
            "rollback.version_pin",
            title,
            "P2",
            "skip",
            "maintainx-sdk not found in the dependency files",
        )
    if any("==" in s or "<" in s or "~=" in s for s in specs):
        return result("rollback.version_pin", title, "P2", "pass", "; ".join(specs))
    return result(
        "rollback.version_pin",
        title,
        "P2",
        "warn",
        "; ".join(specs) + ": no upper bound, so a redeploy of an old release may get a new SDK",
        "Pin maintainx-sdk (== or a lock file) so a rollback reinstalls what was tested.",
    )


PROJECT_CHECKS = (check_gitignore, check_key_in_files, check_version_pin)
