"""The built wheel installs into a fresh virtual environment (not editable) and works."""

from __future__ import annotations

import site
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SMOKE = """
import json, sys, httpx
import maintainx_sdk
from maintainx_sdk import MaintainX
assert "site-packages" in maintainx_sdk.__file__, maintainx_sdk.__file__
assert len(maintainx_sdk.operations()) == 169
handler = lambda r: httpx.Response(200, json={"id": 3})
with MaintainX(api_key="k", transport=httpx.MockTransport(handler)) as mx:
    assert mx.work_orders.create(title="t").id == 3
import importlib.resources as res
assert res.files("maintainx_sdk").joinpath("py.typed").is_file()
assert callable(maintainx_sdk.readiness.check)
print(maintainx_sdk.__version__, maintainx_sdk.__file__)
"""


def lend_dependencies(env_dir: Path) -> None:
    """Make the running environment's packages importable in the new venv, offline.

    The wheel's dependencies come from the environment that runs the tests (installed by
    ``.ci/run`` or the README's command), not from the system interpreter. The directories
    are listed as plain paths in a ``.pth`` file of the new venv, after its own
    site-packages: their ``.pth`` files (an editable install of this project among them) are
    not processed, so only the installed wheel can provide ``maintainx_sdk``.
    """
    lent = [p for p in (*site.getsitepackages(), sysconfig.get_paths()["purelib"]) if p]
    target = Path(
        sysconfig.get_paths(vars={"base": str(env_dir), "platbase": str(env_dir)})["purelib"]
    )
    target.mkdir(parents=True, exist_ok=True)
    (target / "zz_lent_dependencies.pth").write_text("\n".join(dict.fromkeys(lent)) + "\n")


@pytest.mark.slow
def test_wheel_installs_and_imports(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    [wheel] = dist.glob("maintainx_sdk-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=False, with_pip=True)
    python = env_dir / "bin" / "python"
    lend_dependencies(env_dir)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    # Run from tmp_path with a clean PYTHONPATH so neither the source tree nor an editable
    # install can shadow the installed wheel.
    smoke = subprocess.run(
        [str(python), "-I", "-c", SMOKE],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr[-3000:]
    assert str(env_dir) in smoke.stdout
