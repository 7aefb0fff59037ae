"""The manual: the site builds with no warning, the file references match the schemas, the README
is a short front page that reaches every main task in one click, and every command, Python snippet
and quoted output in the README and docs/ is run and compared."""

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from shared_results import share_command_results

from staffsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"```(\w*)\n(.*?)```", flags=re.S)


def _blocks(path: Path):
    """(language, text, end offset) of each fenced block of a page."""
    text = path.read_text(encoding="utf-8")
    return text, [(m.group(1), m.group(2), m.start(), m.end()) for m in FENCE.finditer(text)]


def _commands(block: str) -> list[str]:
    commands = []
    for line in block.splitlines():
        for part in line.split("&&"):
            part = part.strip()
            if part.startswith("staffsim "):
                commands.append(part)
    return commands


def _norm(line: str) -> str:
    return " ".join(line.split())


def _quote_pattern(line: str) -> re.Pattern:
    """A quoted output line as a pattern: `...` stands for anything elided, spacing is free."""
    pieces = [re.escape(_norm(p)) for p in line.split("...")]
    return re.compile(".*?".join(pieces))


def _examples():
    """Each bash block with staffsim commands, with the plain blocks that quote its output: every
    plain fence after it, up to the next fence of another kind or the next heading (prose may
    stand between: "the second command prints:")."""
    for page in PAGES:
        text, blocks = _blocks(page)
        for i, (lang, body, _, end) in enumerate(blocks):
            if lang != "bash" or not _commands(body):
                continue
            quotes, last = [], end
            for nlang, nbody, nstart, nend in blocks[i + 1:]:
                if nlang != "" or re.search(r"^#", text[last:nstart], flags=re.MULTILINE):
                    break
                quotes.append(nbody)
                last = nend
            quote = "".join(quotes) or None
            yield pytest.param(page, body, quote, id=f"{page.relative_to(ROOT)}:{text[:blocks[i][2]].count(chr(10)) + 1}")


def _run_cli(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("page,block,quote", list(_examples()))
def test_documented_commands_run_and_print_what_is_quoted(page, block, quote, capsys, monkeypatch, tmp_path,
                                                        shared_results):
    monkeypatch.chdir(ROOT)
    # what the commands compute (a simulation, a requirement, a roster, a fit ...) is computed once
    # per session: several pages and test files run the same command (tests/shared_results.py)
    share_command_results(shared_results, monkeypatch)
    printed = []
    for command in _commands(block):
        argv = []
        for a in shlex.split(command)[1:]:  # as the shell would: expand globs, outputs to tmp
            if "*" in a:
                argv.extend(sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(a)))
            elif a.startswith("out/") or a == "out":
                argv.append(str(tmp_path / a))
            else:
                argv.append(a)
        code, out, err = _run_cli(capsys, argv)
        assert code == 0, (page.name, command, err)
        printed.extend(_norm(line) for line in out.splitlines())
    if quote is None:
        return
    for line in quote.splitlines():
        if not line.strip() or line.strip() == "...":
            continue
        pattern = _quote_pattern(line)
        assert any(pattern.search(p) for p in printed), (
            f"{page.name}: quoted line not printed by its command(s):\n  {line}\n"
            f"commands: {_commands(block)}")


def test_documented_python_runs(monkeypatch, shared_results):
    monkeypatch.chdir(ROOT)
    # docs/people.md's 4-week assignment of the worked example is the call tests/test_people.py's
    # fixture makes and checks: solved once per session (see _reusing there)
    from test_people import _reusing, example_assignment

    import staffsim
    import staffsim.people.assignment

    reusing = _reusing(example_assignment(shared_results))
    monkeypatch.setattr(staffsim.people.assignment, "assign", reusing)
    monkeypatch.setattr(staffsim, "assign", reusing)
    blocks = [(p, body) for p in PAGES for lang, body, _, _ in _blocks(p)[1] if lang == "python"]
    assert blocks
    for page, body in blocks:
        exec(compile(body, str(page), "exec"), {})


def test_readme_is_a_front_page_that_reaches_every_task():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 250
    linked = set(re.findall(r"\]\((docs/[^)#]+\.md)", text))
    for target in linked:
        assert (ROOT / target).exists(), target
    for task in ["plan-a-day", "plan-a-week", "requirement", "roster", "what-ifs", "long-range"]:
        assert f"docs/tutorials/{task}.md" in linked, task
    assert "docs/reference/scenario.md" in linked and "docs/models.md" in linked


def test_reference_pages_match_the_schemas():
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "tools" / "gen_reference.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for name, text in gen.pages().items():
        committed = (ROOT / "docs" / "reference" / name).read_text(encoding="utf-8")
        assert committed == text, f"docs/reference/{name} is stale: run python tools/gen_reference.py"
        assert "| `` |" not in text, name  # an empty code span shows as two backticks


def test_every_page_is_in_the_site_navigation():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in (ROOT / "docs").rglob("*.md"):
        assert str(page.relative_to(ROOT / "docs")) in nav, page


@pytest.mark.skipif(shutil.which("mkdocs") is None and importlib.util.find_spec("mkdocs") is None,
                    reason="mkdocs not installed (pip install -e '.[docs]')")
def test_site_builds_with_no_warning(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    assert "WARNING" not in log, log[-3000:]
    assert (tmp_path / "site" / "index.html").exists()
    api = (tmp_path / "site" / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    # the docstrings' Sphinx roles (":func:`~staffsim.fit`") read as code, not as ":func:" text
    assert not re.search(r":(class|func|mod|meth|data|attr):<code>", api)
    assert "<code>read_contacts</code>" in api
