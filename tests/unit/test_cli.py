"""The command line: version, help, dispatch, errors, paper forwarding."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from terminal import __version__
from terminal.cli import main
from terminal.cli.paper_cmd import forwarded_argv
from terminal.cli.registry import SUBCOMMANDS

COMMANDS = [s.name for s in SUBCOMMANDS if s.name != "paper"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"trading-terminal {__version__}"


def test_help_lists_global_options_and_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--data-dir", "--log-level", "--screenshot", "--exit-after", "--version"):
        assert option in out
    for sub in SUBCOMMANDS:
        assert f"  {sub.name} " in out


def test_help_and_version_import_no_command_module_nor_heavy_library() -> None:
    code = (
        "import sys\n"
        "from terminal.cli import main\n"
        "assert main(['--help']) == 0 and main(['--version']) == 0\n"
        "heavy = [m for m in sys.modules if m.endswith('_cmd') or m == 'terminal.app' or "
        "m.split('.')[0] in ('PySide6', 'ccxt', 'sqlalchemy', 'qasync', 'pyqtgraph')]\n"
        "print('HEAVY', heavy)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout


def test_unknown_command_fails_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'frobnicate'" in err and "venues" in err


def test_unknown_option_fails_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-such-option"]) != 0
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_bad_log_level_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--log-level", "loud", "venues"]) == 2
    assert "--log-level" in capsys.readouterr().err


@pytest.mark.parametrize("name", COMMANDS)
def test_commands_refuse_unknown_arguments_with_a_message(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([name, "--no-such-flag"]) == 2
    err = capsys.readouterr().err
    assert "usage:" not in err  # one line, not argparse's usage block
    [line] = err.splitlines()
    assert line.startswith(f"trading-terminal {name}: error: ")
    assert line.endswith(f"(see 'trading-terminal {name} --help')")


def test_command_logging_goes_under_data_dir(tmp_path: Path) -> None:
    from terminal import crash
    from terminal.logsetup import teardown_logging

    try:
        assert main(["--data-dir", str(tmp_path), "venues"]) == 0
    finally:
        teardown_logging()
        crash.uninstall()
    assert (tmp_path / "logs" / "terminal.log").exists()


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([name, "--help"]) == 0
    assert f"usage: trading-terminal {name}" in capsys.readouterr().out


def test_every_registered_command_module_has_the_interface() -> None:
    for sub in SUBCOMMANDS:
        module = sub.load()
        assert callable(module.add_parser) and callable(module.run), sub.module_name
        path = Path(module.__file__ or "")
        assert path.name == f"{sub.name}_cmd.py"


def test_paper_argv_gets_data_dir_when_global_one_given() -> None:
    assert forwarded_argv(["serve", "--port", "0"], "/d") == [
        "--data-dir",
        str(Path("/d") / "paper"),
        "serve",
        "--port",
        "0",
    ]
    assert forwarded_argv(["--data-dir", "/x", "serve"], "/d") == ["--data-dir", "/x", "serve"]
    assert forwarded_argv(["--data-dir=/x"], "/d") == ["--data-dir=/x"]
    assert forwarded_argv(["--port", "1"], None) == ["--port", "1"]


def test_paper_forwards_every_argument(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Stand-in for terminal.paper.cli: records the argv `trading-terminal paper` hands it.
    calls: list[list[str]] = []
    fake = types.ModuleType("terminal.paper.cli")
    progs: list[str] = []
    fake.main = lambda argv, prog, parser_class: (  # type: ignore[attr-defined]
        progs.append(prog) or calls.append(list(argv)) or 7
    )
    monkeypatch.setitem(sys.modules, "terminal.paper.cli", fake)

    assert main(["paper", "--port", "0", "--help", "--", "x"]) == 7
    assert main(["--data-dir", str(tmp_path), "paper", "-h"]) == 7
    assert main(["--data-dir", str(tmp_path), "paper", "--data-dir", "/own"]) == 7
    assert calls == [
        ["--port", "0", "--help", "--", "x"],
        ["--data-dir", str(tmp_path / "paper"), "-h"],
        ["--data-dir", "/own"],
    ]
    assert progs == ["trading-terminal paper"] * 3  # its usage line names the real command


@pytest.mark.skipif(
    importlib.util.find_spec("terminal.paper.cli") is None,
    reason="terminal.paper.cli not written yet",
)
def test_real_paper_cli_help() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "terminal", "paper", "--help"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: trading-terminal paper ")
    bad = subprocess.run(
        [sys.executable, "-m", "terminal", "paper", "--port", "x"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        (
            "trading-terminal paper: error: argument --port: not a TCP port (0-65535): 'x' "
            "(see 'trading-terminal paper --help')"
        )
    ]
    alone = subprocess.run(
        [sys.executable, "-m", "terminal.paper", "--help"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert alone.stdout.startswith("usage: python -m terminal.paper ")


def test_python_dash_m_terminal_version() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "terminal", "--version"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"trading-terminal {__version__}"


def test_python_dash_m_terminal_unknown_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "terminal", "frobnicate"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "invalid choice: 'frobnicate'" in proc.stderr


def test_installed_console_script() -> None:
    script = Path(sys.executable).parent / (
        "trading-terminal" + (".exe" if os.name == "nt" else "")
    )
    if not script.exists():
        pytest.skip("package not installed with its scripts in this environment")
    proc = subprocess.run(
        [str(script), "--version"], check=False, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and __version__ in proc.stdout
