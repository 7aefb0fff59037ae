"""Every command's --help reads as written: argparse expands ``%`` only in an argument's help,
not in a parser's description, so ``95%%`` there printed as "95%%" (run, compare, fit and
backtest did)."""

import pytest

from staffsim.cli.main import build_parser, main

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_no_doubled_percent(command, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "%%" not in out and "%(" not in out, [line for line in out.splitlines() if "%" in line]
