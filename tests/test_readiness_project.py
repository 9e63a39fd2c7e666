"""Project-directory checks: .gitignore coverage, keys in files (bounded scan), version pin."""

from __future__ import annotations

from pathlib import Path

import pytest

from maintainx_sdk import MaintainX, readiness
from maintainx_sdk.readiness._project import GitIgnore
from tests.conftest import TEST_KEY


def _check(project: Path, check_id: str) -> readiness.CheckResult:
    with MaintainX(api_key=TEST_KEY, base_url="http://127.0.0.1:1/v1") as mx:
        return readiness.check(mx, project_dir=project, live=False).get(check_id)


@pytest.mark.parametrize(
    ("lines", "ignored"),
    [
        ([".env", "*.key"], True),
        (["/.env", "**/*.key"], True),
        ([".env*", "*.key", "!service.key"], False),
        (["*.pem"], False),
        (["secrets/"], False),
    ],
)
def test_gitignore_matching(lines: list[str], ignored: bool) -> None:
    rules = GitIgnore(lines)
    assert (rules.ignored(".env") and rules.ignored("service.key")) is ignored


def test_gitignore_directory_pattern_covers_files_below() -> None:
    rules = GitIgnore(["secrets/", "/build"])
    assert rules.ignored("secrets/prod.key") and rules.ignored("app/secrets/x.txt")
    assert rules.ignored("build") and not rules.ignored("src/build.py")


def test_gitignore_check(tmp_path: Path) -> None:
    assert _check(tmp_path, "secrets.gitignore").status == "fail"
    (tmp_path / ".gitignore").write_text(".env\n")
    result = _check(tmp_path, "secrets.gitignore")
    assert result.status == "fail" and "*.key" in result.fix
    (tmp_path / ".gitignore").write_text("# secrets\n.env\n*.key\n")
    assert _check(tmp_path, "secrets.gitignore").status == "pass"


def test_key_scan_finds_literals_and_skips_ignored_and_vendored_files(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text(".env\n*.key\n")
    (tmp_path / ".env").write_text(f"MAINTAINX_API_KEY={TEST_KEY}\n")  # ignored: fine
    (tmp_path / "prod.key").write_text(TEST_KEY)  # ignored: fine
    venv = tmp_path / "venv-x"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr\n")
    (venv / "leak.py").write_text(TEST_KEY)
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.js").write_text(TEST_KEY)
    (tmp_path / "blob.bin").write_bytes(b"\0" + TEST_KEY.encode())
    (tmp_path / "app.py").write_text("import os\nKEY = os.environ['MAINTAINX_API_KEY']\n")
    assert _check(tmp_path, "secrets.files").status == "pass"

    (tmp_path / "config.yaml").write_text(
        "a: 1\nmaintainx_token: 'abcdefghijklmnopqrstuvwxyz0123'\n"
    )
    (tmp_path / "deploy.sh").write_text(f"curl -H 'Authorization: Bearer {TEST_KEY}'\n")
    result = _check(tmp_path, "secrets.files")
    assert result.status == "fail"
    assert result.data["files"] == ["config.yaml:2", "deploy.sh:1"]
    assert TEST_KEY not in result.evidence + result.fix


def test_key_scan_warns_on_jwt_looking_tokens(tmp_path: Path) -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9abc.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N"
    (tmp_path / "notes.md").write_text(f"token: {jwt}\n")
    result = _check(tmp_path, "secrets.files")
    assert result.status == "warn" and result.data["files"] == ["notes.md:1"]
    assert jwt not in result.evidence


def test_key_scan_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from maintainx_sdk.readiness import _project

    monkeypatch.setattr(_project, "MAX_FILES", 3)
    for i in range(5):
        (tmp_path / f"f{i}.txt").write_text("hello")
    result = _check(tmp_path, "secrets.files")
    assert result.status == "pass" and "scan limit" in result.evidence


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, "skip"),
        ({"requirements.txt": "httpx\nmaintainx-sdk==0.1.0\n"}, "pass"),
        ({"requirements.txt": "maintainx-sdk>=0.1\n"}, "warn"),
        ({"pyproject.toml": 'dependencies = ["maintainx-sdk[redis]>=0.1,<0.2"]\n'}, "pass"),
        ({"uv.lock": '[[package]]\nname = "maintainx-sdk"\n'}, "pass"),
    ],
)
def test_version_pin(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert _check(tmp_path, "rollback.version_pin").status == expected
