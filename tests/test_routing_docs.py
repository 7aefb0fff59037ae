"""Every command on docs/routing.md runs (and shows what the page says it shows)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "routing.md"


def commands() -> list[str]:
    blocks = re.findall(r"```\n(.*?)```", PAGE.read_text(), flags=re.S)
    return [line for b in blocks for line in b.splitlines() if line.startswith("python -m staffsim")]


def test_the_page_has_commands():
    assert len(commands()) == 11


@pytest.mark.parametrize("command", commands())
def test_command_runs(command):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = shlex.split(command)
    argv[0] = sys.executable
    out = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    if "lines" in command or "bank_routing" in command:
        assert "blocked" in out.stdout and "block_rate" in out.stdout
