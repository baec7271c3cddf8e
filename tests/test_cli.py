"""The ``datamime`` console command as a user runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from datamime import cli


def _command() -> list[str]:
    """The installed console script (beside this Python), else ``python -m datamime.cli``."""
    beside = Path(sys.executable).with_name("datamime")
    found = str(beside) if beside.is_file() else shutil.which("datamime")
    return [found] if found else [sys.executable, "-m", "datamime.cli"]


def _run(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([*_command(), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def test_console_script_is_declared():
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts.get("datamime") == "datamime.cli:main"


def test_help_lists_the_commands(tmp_path):
    done = _run("--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for command in ("train", "sample", "evaluate", "app"):
        assert command in done.stdout


def test_train_then_sample(tiny_csv, tmp_path, monkeypatch):
    model = tmp_path / "model"
    done = _run("train", "data=csv", f"data.path={tiny_csv}", "debug=fast",
                "trainer.accelerator=cpu", f"model_dir={model}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (model / "model.npz").is_file()
    out = tmp_path / "gen" / "synthetic.csv"
    done = _run("sample", "length=24", f"model_dir={model}", f"out={out}", "plot=false",
                cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "site;sensor;time;value" and len(lines) == 1 + 4 * 24
    monkeypatch.chdir(tmp_path)  # evaluate in this process: one more start-up saved
    assert cli.main(["evaluate", f"model_dir={model}", f"generated={out}",
                     f"report_dir={tmp_path / 'report'}", "verbose=false"]) == 0
    assert (tmp_path / "report" / "report.md").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "no_such_key=3"], "no_such_key"),
        (["train", "model=nope"], "model/nope"),
        (["train", "data=csv"], "data.path"),
        (["sample", "length=5"], "no trained model"),
        (["nonsense"], "unknown command"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("datamime: error:") and message in lines[0]
    assert not (tmp_path / "models").exists() and not (tmp_path / "outputs").exists()


def test_bad_override_in_a_shell(tmp_path):
    done = _run("train", "trainer.max_epochs=[", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("datamime: error:") and len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_task_help_and_cfg(capsys):
    assert cli.main(["train", "--help"]) == 0
    text = capsys.readouterr().out
    assert "model: ar_rnn, block_bootstrap, rvae" in text and "max_epochs" in text
    assert cli.main(["sample", "--cfg", "length=7"]) == 0
    assert "length: 7" in capsys.readouterr().out


def test_app_command_runs_streamlit_on_the_app(monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "_launch", lambda cmd: calls.append(cmd) or 0)
    assert cli.main(["app", "--server.port", "9999"]) == 0
    cmd = calls[0]
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(cmd[4]) == Path(cli.__file__).parent / "app" / "main.py"
    assert Path(cmd[4]).is_file()
    assert cmd[-2:] == ["--server.port", "9999"]
    assert "--browser.gatherUsageStats=false" in cmd
