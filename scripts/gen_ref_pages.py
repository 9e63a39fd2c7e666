"""Write the API reference pages of the docs site from the package itself.

Run by the mkdocs-gen-files plugin at every ``mkdocs build``: one page per public module
(``resources/<area>`` and ``models/<area>`` included, whatever the generator produced), and
one for the package's top-level names. Nothing is committed, so the reference follows the code.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import mkdocs_gen_files

PACKAGE = "maintainx_sdk"
ROOT = Path(__file__).resolve().parents[1] / "src" / PACKAGE
#: Public modules not worth a page: command-line entry points (docs/readiness.md, emulator.md).
SKIP = {f"{PACKAGE}.cli", f"{PACKAGE}.readiness.cli", f"{PACKAGE}.testing.demo"}


def public_modules() -> list[str]:
    """Every importable module of the package whose dotted path has no ``_`` part."""
    names = []
    for info in pkgutil.walk_packages([str(ROOT)], prefix=f"{PACKAGE}."):
        parts = info.name.split(".")[1:]
        if any(p.startswith("_") for p in parts) or info.name in SKIP:
            continue
        names.append(info.name)
    return sorted(names)


def top_level_page() -> str:
    """The package's ``__all__``: names defined in a private module are documented here,
    the others link to the page of the public module that defines them."""
    package = importlib.import_module(PACKAGE)
    inline, linked = [], []
    for name in sorted(package.__all__):
        module = getattr(getattr(package, name), "__module__", PACKAGE) or PACKAGE
        parts = module.split(".")
        if module == PACKAGE or any(p.startswith("_") for p in parts[1:]):
            inline.append(name)
        else:
            linked.append((name, module))
    lines = [
        f"# `{PACKAGE}`",
        "",
        "The names you import from the package itself. "
        "Areas of the API are attributes of the clients: see [Resources](resources/index.md).",
        "",
    ]
    if linked:
        lines += ["| name | defined in |", "| --- | --- |"]
        lines += [f"| [`{n}`][{m}.{n}] | [`{m}`][{m}] |" for n, m in linked]
        lines.append("")
    lines += [
        f"::: {PACKAGE}",
        "    options:",
        "      show_root_heading: false",
        "      show_submodules: false",
        "      members:",
        *[f"        - {n}" for n in inline],
        "",
    ]
    return "\n".join(lines)


def area_index(kind: str, modules: list[str]) -> str:
    title = {"resources": "Resources", "models": "Models"}[kind]
    what = {
        "resources": "One page per API area: the blocking and the asyncio class, "
        "one method per operation.",
        "models": "One page per API area: the pydantic models of its requests and responses "
        "(`common` holds the shapes areas share).",
    }[kind]
    lines = [f"# {title}", "", what, "", "| area | module |", "| --- | --- |"]
    for m in modules:
        area = m.rsplit(".", 1)[1]
        lines.append(f"| [{area}]({area}.md) | `{m}` |")
    return "\n".join(lines) + "\n"


def main() -> None:
    nav = mkdocs_gen_files.Nav()
    with mkdocs_gen_files.open("reference/index.md", "w") as fd:
        fd.write(top_level_page())
    nav[PACKAGE] = "index.md"
    modules = public_modules()
    for kind in ("resources", "models"):
        prefix = f"{PACKAGE}.{kind}."
        areas = [m for m in modules if m.startswith(prefix)]
        with mkdocs_gen_files.open(f"reference/{kind}/index.md", "w") as fd:
            fd.write(area_index(kind, areas))
        nav[kind] = f"{kind}/index.md"
        for m in areas:
            area = m.rsplit(".", 1)[1]
            nav[kind, area] = f"{kind}/{area}.md"
            with mkdocs_gen_files.open(f"reference/{kind}/{area}.md", "w") as fd:
                fd.write(f"# {kind[:-1]}s: `{area}`\n\n::: {m}\n")
    for m in modules:
        if m in (f"{PACKAGE}.resources", f"{PACKAGE}.models") or m.startswith(
            (f"{PACKAGE}.resources.", f"{PACKAGE}.models.")
        ):
            continue
        rel = m.removeprefix(f"{PACKAGE}.").replace(".", "/")
        nav[rel.split("/")] = f"{rel}.md"
        with mkdocs_gen_files.open(f"reference/{rel}.md", "w") as fd:
            fd.write(f"# `{m}`\n\n::: {m}\n")
    with mkdocs_gen_files.open("reference/SUMMARY.md", "w") as fd:
        fd.writelines(nav.build_literate_nav())


main()
