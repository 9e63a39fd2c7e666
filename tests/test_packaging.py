"""Release readiness of the package's metadata: the PyPI page's links, license, classifiers,
the changelog's shape, and the release check the tag workflow runs."""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    pytest.importorskip("hatchling")
    return _load(ROOT / "hatch_build.py")


def test_pypi_readme_has_only_absolute_links_to_real_docs_pages(hook: ModuleType) -> None:
    docs_url = PROJECT["urls"]["Documentation"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rewritten = hook.absolute_links(readme, docs_url)
    targets = re.findall(r"\]\(([^)\s]+)\)", rewritten)
    assert targets, "the README links to the guides"
    relative = [t for t in targets if not re.match(r"https?://", t)]
    assert relative == [], "a relative link would break on PyPI"
    for page in re.findall(r"\]\(docs/([\w/-]+)\.md", readme):
        assert (ROOT / "docs" / f"{page}.md").is_file(), page
        assert f"]({docs_url.rstrip('/')}/{page}/)" in rewritten


def test_absolute_links_keep_anchors_and_the_index(hook: ModuleType) -> None:
    text = "[a](docs/sync.md#checkpoints) [b](docs/index.md) [c](https://x.test/y.md)"
    assert hook.absolute_links(text, "https://docs.test") == (
        "[a](https://docs.test/sync/#checkpoints) [b](https://docs.test/) [c](https://x.test/y.md)"
    )


def test_license_urls_and_classifiers() -> None:
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert {"Documentation", "Changelog"} <= set(PROJECT["urls"])
    classifiers = set(PROJECT["classifiers"])
    for needed in (
        "License :: OSI Approved :: MIT License",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Typing :: Typed",
    ):
        assert needed in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)


def test_the_documentation_url_is_where_read_the_docs_publishes_the_site() -> None:
    """The PyPI page links to the Documentation URL; .readthedocs.yaml builds the site there."""
    config = (ROOT / ".readthedocs.yaml").read_text(encoding="utf-8")
    assert "configuration: mkdocs.yml" in config and "fail_on_warning: true" in config
    assert re.search(r"extra_requirements:\s*\n\s*- docs\b", config)
    assert PROJECT["urls"]["Documentation"] == f"https://{PROJECT['name']}.readthedocs.io/"


def test_changelog_has_unreleased_on_top_then_dated_versions() -> None:
    check = _load(ROOT / "scripts" / "check_release.py")
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    marks = list(check.SECTION.finditer(text))
    assert marks and marks[0]["version"] == "Unreleased"
    for mark in marks[1:]:
        assert re.fullmatch(r"\d+\.\d+\.\d+(?:[ab]\d+|rc\d+)?", mark["version"]), mark[0]
        assert mark["date"], f"{mark[0]!r} needs a date"


def test_release_check_refuses_a_tag_the_changelog_does_not_describe() -> None:
    check = _load(ROOT / "scripts" / "check_release.py")
    changelog = "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n\n### Added\n- x\n"
    assert check.problems("v0.2.0", "0.2.0", changelog) == []
    assert any("does not match" in p for p in check.problems("v0.3.0", "0.2.0", changelog))
    assert any("no '## [0.3.0]" in p for p in check.problems("v0.3.0", "0.3.0", changelog))
    undated = changelog.replace(" - 2026-12-01", "")
    assert any("no date" in p for p in check.problems("v0.2.0", "0.2.0", undated))
    no_top = changelog.replace("## [Unreleased]\n\n", "")
    assert any("Unreleased" in p for p in check.problems("v0.2.0", "0.2.0", no_top))
    assert check.sections(changelog)["0.2.0"] == "### Added\n- x"
