"""The systemd unit of ``examples/depeche.service`` (README, « Mise en production ») passes
``systemd-analyze verify`` where that tool exists, and runs the real entry point with the
settings file it names. ``verify`` also checks that the program exists, so the unit is checked
with ``/opt/depeche`` pointed at a folder of this machine and the program at this
environment's ``depeche``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "examples" / "depeche.service"


def test_the_unit_runs_the_real_entry_point_with_its_env_file() -> None:
    text = UNIT.read_text(encoding="utf-8")
    assert "ExecStart=/opt/depeche/.venv/bin/depeche --env-file /opt/depeche/.env run" in text
    assert "EnvironmentFile=/opt/depeche/.env" in text
    assert "KillSignal=SIGTERM" in text and "Restart=on-failure" in text


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed here: the unit is checked where it is")
    program = Path(sys.executable).parent / "depeche"
    if not program.exists():
        pytest.skip(f"{program} is missing: install the project (make .venv/.installed)")
    home = tmp_path / "depeche"
    home.mkdir()
    (home / ".env").write_text("DATABASE_PATH=depeche.db\n", encoding="utf-8")
    text = UNIT.read_text(encoding="utf-8")
    text = text.replace("/opt/depeche/.venv/bin/depeche", str(program))
    text = text.replace("/opt/depeche", str(home))
    unit = tmp_path / "depeche.service"
    unit.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [tool, "verify", str(unit)], capture_output=True, text=True, timeout=120, check=False
    )
    # Any line about our unit is a fault (an unknown key is only a warning for systemd).
    about_us = [line for line in done.stderr.splitlines() if unit.name in line]
    assert done.returncode == 0 and about_us == [], done.stderr
