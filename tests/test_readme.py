"""The README's Python blocks run as written, against the emulator on a loopback socket."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from maintainx_sdk.testing import Emulator

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_python_blocks_run_against_the_emulator(tmp_path: Path) -> None:
    blocks = python_blocks()
    assert len(blocks) >= 3
    script = tmp_path / "readme_blocks.py"
    script.write_text("\n".join(blocks), encoding="utf-8")
    with Emulator(seed=3, work_orders=5) as emu, emu.serve() as server:
        env = dict(os.environ)
        env.update(MAINTAINX_API_KEY=emu.api_key, MAINTAINX_BASE_URL=server.base_url)
        env.pop("MAINTAINX_API_KEY_FILE", None)
        done = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "priority" in done.stdout and "URGENT" in done.stdout  # the ValidationError shown
    assert "Pump 3 leaks" in done.stdout  # the reopened work order is listed
