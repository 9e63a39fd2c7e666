"""Build hook: the README's ``docs/*.md`` links made absolute for the PyPI page.

On a code host the README's relative links work; on PyPI they would break. This hook gives
the package metadata the README with each ``](docs/<page>.md)`` link pointing at that page of
the documentation site, whose address is ``[project.urls] Documentation`` in pyproject.toml:
the one place it is written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

DOCS_LINK = re.compile(r"\]\(docs/(?P<page>[A-Za-z0-9_/-]+)\.md(?P<anchor>#[^)\s]*)?\)")


def absolute_links(readme: str, docs_url: str) -> str:
    """``](docs/x.md#a)`` -> ``](<docs_url>/x/#a)`` (the site's directory URLs)."""
    base = docs_url.rstrip("/") + "/"

    def page_url(match: re.Match[str]) -> str:
        page = match["page"]
        path = "" if page == "index" else f"{page.removesuffix('/index')}/"
        return f"]({base}{path}{match['anchor'] or ''})"

    return DOCS_LINK.sub(page_url, readme)


class CustomMetadataHook(MetadataHookInterface):
    def update(self, metadata: dict[str, Any]) -> None:
        docs_url = metadata.get("urls", {}).get("Documentation")
        if not docs_url:
            raise ValueError("pyproject.toml: [project.urls] needs a Documentation URL")
        readme = (Path(self.root) / "README.md").read_text(encoding="utf-8")
        metadata["readme"] = {
            "content-type": "text/markdown",
            "text": absolute_links(readme, docs_url),
        }
