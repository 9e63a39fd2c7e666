#!/usr/bin/env python3
"""Write ``spec/openapi.json``: the facts of MaintainX's API description, without its prose.

    python scripts/refresh_spec.py ../shared/maintainx-openapi.json          # rewrite the copy
    python scripts/refresh_spec.py ../shared/maintainx-openapi.json --check  # exit 1 if stale

The committed copy keeps what code and tests need (paths, operations, parameters, schemas,
enums, required lists, formats, bounds, defaults, status codes, security and the
``x-webhooks`` payload shapes) and drops every documentation field: ``description``,
``summary``, ``title``, ``example``/``examples``, ``externalDocs``, vendor decorations and the
tag texts. The generators (``scripts/generate.py``, ``scripts/generate_webhook_events.py``) and
the contract tests read this copy, so they run from a clone alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "spec" / "openapi.json"

#: Documentation fields, dropped wherever they are keywords (not names chosen by the API).
PROSE_KEYS = frozenset(
    {"description", "summary", "title", "example", "examples", "externalDocs", "x-logo"}
)

#: Keys whose value maps names chosen by the API (property names, paths, status codes, media
#: types...) to nodes: a property called ``description`` is a fact and stays.
NAME_MAPS = frozenset(
    {
        "properties",
        "patternProperties",
        "paths",
        "responses",
        "content",
        "headers",
        "schemas",
        "securitySchemes",
        "x-webhooks",
        "encoding",
        "callbacks",
        "links",
        "parameters",  # under components only; lists of parameters are lists, not maps
        "requestBodies",
    }
)

#: Our own words for the fields OpenAPI requires.
INFO_TITLE = "MaintainX REST API (facts only; regenerate with scripts/refresh_spec.py)"


def strip_prose(node: Any, *, names: bool = False) -> Any:
    """``node`` without documentation fields; ``names`` marks a map keyed by API names."""
    if isinstance(node, list):
        return [strip_prose(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if not names and key in PROSE_KEYS:
            continue
        if names:
            out[key] = strip_prose(value)
        else:
            out[key] = strip_prose(value, names=key in NAME_MAPS and isinstance(value, dict))
    return out


def facts(upstream: dict[str, Any]) -> dict[str, Any]:
    """The prose-free description written to ``spec/openapi.json``."""
    info = upstream.get("info", {})
    out: dict[str, Any] = {
        "openapi": upstream["openapi"],
        "info": {"title": INFO_TITLE, "version": info.get("version", "")},
        "servers": [{"url": s["url"]} for s in upstream.get("servers", [])],
        "security": upstream.get("security", []),
        "paths": strip_prose(upstream["paths"], names=True),
        "components": strip_prose(upstream.get("components", {}), names=True),
    }
    if "x-webhooks" in upstream:
        out["x-webhooks"] = strip_prose(upstream["x-webhooks"], names=True)
    return out


def render(upstream: dict[str, Any]) -> str:
    return json.dumps(facts(upstream), indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("upstream", type=Path, help="MaintainX's OpenAPI description (JSON)")
    parser.add_argument("--out", type=Path, default=TARGET)
    parser.add_argument("--check", action="store_true", help="exit 1 if the copy is stale")
    args = parser.parse_args(argv)
    if not args.upstream.is_file():
        print(f"refresh_spec: {args.upstream} is not a file", file=sys.stderr)
        return 2
    text = render(json.loads(args.upstream.read_text(encoding="utf-8")))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(
                f"refresh_spec: {args.out} is stale; run scripts/refresh_spec.py", file=sys.stderr
            )
            return 1
        print(f"refresh_spec: {args.out} is current")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
