"""The PostgreSQL test fixture itself: where no server can be started, the tests that need one
are skipped with how to enable them, and ``DEPECHE_REQUIRE_POSTGRES=1`` (``.ci/run``) turns that
skip into a failure. Run in a child pytest, with the server's tools hidden."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.patience import PATIENCE

ROOT = Path(__file__).resolve().parents[2]
ONE_TEST = "tests/storage/test_backends.py::test_postgresql_backup_says_to_use_pg_dump"


def child_pytest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    environment.update(DEPECHE_POSTGRES_BIN=str(tmp_path / "nowhere"), **env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-rs",
         "-o", "addopts=", ONE_TEST],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=PATIENCE,
    )  # fmt: skip


def test_without_a_server_the_tests_skip_saying_how_to_enable_them(tmp_path: Path) -> None:
    done = child_pytest(tmp_path, DEPECHE_REQUIRE_POSTGRES="")
    assert done.returncode == 0, done.stdout[-2000:]
    assert "1 skipped" in done.stdout
    assert "apt-get install postgresql" in done.stdout and "TEST_DATABASE_URL" in done.stdout


def test_with_postgres_required_the_missing_server_is_a_failure(tmp_path: Path) -> None:
    done = child_pytest(tmp_path, DEPECHE_REQUIRE_POSTGRES="1")
    assert done.returncode != 0
    assert "skipped" not in done.stdout.splitlines()[-1]
    assert "DEPECHE_REQUIRE_POSTGRES=1" in done.stdout
