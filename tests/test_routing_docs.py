"""Every command on docs/routing.md runs (and shows what the page says it shows). The commands run
in this process (``staffsim.cli.main``, what ``python -m staffsim`` calls): the same parser, exit
code and output, without a new interpreter's imports per command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from staffsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "routing.md"


def commands() -> list[str]:
    blocks = re.findall(r"```\n(.*?)```", PAGE.read_text(), flags=re.S)
    return [line for b in blocks for line in b.splitlines() if line.startswith("python -m staffsim")]


def test_the_page_has_commands():
    assert len(commands()) == 11


@pytest.mark.parametrize("command", commands())
def test_command_runs(command, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "staffsim"], command
    code = main(argv[3:])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    if "lines" in command or "bank_routing" in command:
        assert "blocked" in out and "block_rate" in out
