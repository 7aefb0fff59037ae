"""docs/reliability_inputs.md: every command quoted on the page runs with the exit code and the
error message the page shows (run in a scratch directory that sees the shipped scenarios)."""

import shlex

from staffsim.cli import main

PAGE = "docs/reliability_inputs.md"


def commands(text):
    """(argv, expected exit code, expected stderr line or None) for each ``$ staffsim`` line."""
    out = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("$ staffsim"):
            continue
        command, _, code = line[2:].partition("  # exit ")
        following = lines[i + 1] if i + 1 < len(lines) else ""
        expected = following if following.startswith("staffsim: error:") else None
        out.append((shlex.split(command)[1:], int(code or 0), expected))
    return out


def test_the_page_quotes_commands():
    from pathlib import Path
    found = commands((Path(__file__).resolve().parents[1] / PAGE).read_text())
    assert len(found) >= 8 and any(code == 2 for _, code, _ in found)


def test_every_command_on_the_page_runs_as_shown(capsys, tmp_path, monkeypatch, root):
    (tmp_path / "scenarios").symlink_to(root / "scenarios")
    monkeypatch.chdir(tmp_path)
    for argv, code, expected in commands((root / PAGE).read_text()):
        got = main(argv)
        _, err = capsys.readouterr()
        assert got == code, (argv, err)
        assert "Traceback" not in err
        if expected is not None:
            head = expected.split("...")[0]
            assert err.startswith(head), (argv, err)
    # what the page says the three runs leave in results/bank/
    names = sorted(p.name for p in (tmp_path / "results" / "bank").iterdir())
    assert "manifest.json" in names and not any(n.endswith(".parquet") for n in names)
