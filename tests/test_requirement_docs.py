"""Every command quoted in docs/requirement_and_verify.md runs (from a folder that sees the
repository's scenarios/, writing under out/), and the example plan it names is exercised."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from shared_results import share_command_results

from staffsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "requirement_and_verify.md"


def commands() -> list[str]:
    return re.findall(r"^\$ staffsim (.+)$", PAGE.read_text(), flags=re.MULTILINE)


def test_the_page_quotes_commands():
    assert len(commands()) >= 5


def verify_quote() -> list[str]:
    """The lines the page quotes from the ``--verify --trim`` command (the plain block after it)."""
    text = PAGE.read_text()
    after = text[text.index("--verify -n 20 --trim --out out/roster"):]
    after = after[after.index("```") + 3:]  # past the command's own block
    return re.search(r"```\n(.*?)```", after, flags=re.DOTALL).group(1).splitlines()


def test_every_command_on_the_page_runs_in_order(tmp_path, monkeypatch, capsys, shared_results):
    from test_docs import _norm, _quote_pattern

    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    # the ISA requirement of peak_ramp.yaml is docs/tutorials/requirement.md's too (test_docs.py):
    # computed once per session (tests/shared_results.py)
    share_command_results(shared_results, monkeypatch)
    for line in commands():
        code = main(shlex.split(line))
        out, err = capsys.readouterr()
        assert code == 0, f"staffsim {line}: {err}"
        if "--verify" in line:
            assert "In sample (seed" in out and "Out of sample (new customers" in out
            printed = [_norm(p) for p in out.splitlines()]
            quoted = [q for q in verify_quote() if q.strip()]
            assert len(quoted) >= 6
            for q in quoted:  # the page's quote, numbers and all, is what the command prints
                assert any(_quote_pattern(q).search(p) for p in printed), q
        if line.startswith("capacity") and "--roster" in line:
            assert "scheduling efficiency" in out
        if line.startswith("requirement") and "--method erlang" not in line:
            # the page's claims: both rules explained, the validation and the out-of-sample line
            assert "rule interval: a slot meets" in out and "rule mean: a slot meets" in out
            assert "validation on new customers" in out and "out of sample (new customers, seed" in out
    assert (tmp_path / "out" / "roster" / "roster.json").exists()


def test_example_plan_without_roster(capsys):
    code = main(["capacity", str(ROOT / "scenarios" / "capacity" / "phones_2027.yaml"), "--no-hiring"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "phones" in out and "scheduling efficiency" not in out


@pytest.mark.parametrize("flag", ["--batch", "--no-check", "--rule", "--no-validate"])
def test_documented_requirement_flags_exist(flag, capsys):
    with pytest.raises(SystemExit):
        main(["requirement", "--help"])
    assert flag in capsys.readouterr().out
