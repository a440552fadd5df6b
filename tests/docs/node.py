"""Node.js tooling for the documentation tests: find node/npm, `npm ci` once per lockfile.

`npm ci` reinstalls a tools/<name>/node_modules only when its package-lock.json changed since
the last install (the lockfile's SHA-256 is kept in node_modules/.lock-sha256, the stamp the
Makefile writes too). Node missing is a failure, never a skip: CI installs it (.ci/run).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STAMP = ".lock-sha256"
INSTALL_HINT = ("install Node.js 18 or newer with npm (Debian: `apt-get install nodejs npm`; "
                "`bash .ci/run` does it)")


def executable(name: str) -> str:
    """The path of `name` on PATH; fails the test with an install hint when it is missing."""
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is not on PATH: {INSTALL_HINT}", pytrace=False)
    return found


def node() -> str:
    path = executable("node")
    version = subprocess.run([path, "--version"], capture_output=True, text=True,
                             check=True).stdout.strip()
    major = int(version.lstrip("v").split(".")[0])
    if major < 18:
        pytest.fail(f"node {version} is too old: {INSTALL_HINT}", pytrace=False)
    return path


def npm_ci(tool_dir: Path) -> Path:
    """`npm ci` in `tool_dir` unless node_modules already matches its lockfile."""
    lock = tool_dir / "package-lock.json"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    modules = tool_dir / "node_modules"
    stamp = modules / STAMP
    if stamp.exists() and stamp.read_text().strip() == digest:
        return modules
    command = [executable("npm"), "ci", "--prefer-offline", "--no-audit", "--no-fund"]
    result = subprocess.run(command, cwd=tool_dir, capture_output=True, text=True,
                            timeout=240, env={**os.environ, "SCARF_ANALYTICS": "false"},
                            check=False)
    if result.returncode != 0:
        pytest.fail(f"`npm ci` in {tool_dir.relative_to(REPO)} failed "
                    f"(exit {result.returncode}):\n{result.stdout}\n{result.stderr}",
                    pytrace=False)
    stamp.write_text(digest + "\n")
    return modules
