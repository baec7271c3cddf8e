"""The scripts as a user runs them: exit codes, messages, files left behind."""

import subprocess
import sys

import pytest

from tests.conftest import ATMO, REPO


def _run(script: str, *overrides: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / script), *overrides],
        cwd=cwd, capture_output=True, text=True, timeout=600,
    )


def test_scripts_train_then_sample_with_defaults(tiny_csv, tmp_path):
    done = _run("train.py", "data=csv", f"data.path={tiny_csv}", "debug=fast", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "guessed roles" in done.stdout  # roles not given: the guess is shown
    assert (tmp_path / "models" / "latest" / "model.npz").is_file()
    done = _run("sample.py", "length=48", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "outputs/synthetic.csv" in done.stdout
    lines = (tmp_path / "outputs" / "synthetic.csv").read_text().splitlines()
    assert len(lines) == 1 + 4 * 48


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["data.value=nope"], "nope"),
        (["data.path=missing.csv"], "missing.csv"),
    ],
)
def test_scripts_train_bad_input_exits_2_without_traceback(tiny_csv, tmp_path, overrides, message):
    args = ["data=csv", f"data.path={tiny_csv}", "debug=fast", *overrides]
    done = _run("train.py", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and message in done.stderr
    assert done.stderr.startswith("datamime: error:")
    assert not (tmp_path / "models").exists()


def test_scripts_sample_without_model_exits_2(tmp_path):
    done = _run("sample.py", "length=10", cwd=tmp_path)
    assert done.returncode == 2 and "no trained model" in done.stderr
    assert not (tmp_path / "outputs").exists()


@pytest.mark.slow
@pytest.mark.skipif(not ATMO.is_file(), reason="../shared/data is not present")
def test_scripts_year_for_every_atmo_series(tmp_path):
    done = _run("train.py", "data=csv", f"data.path={ATMO}", "data.time=date_debut",
                "data.groups=[nom_poll,nom_com,code_station]", "data.value=valeur", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = _run("sample.py", "length=8760", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    import pandas as pd

    table = pd.read_csv(tmp_path / "outputs" / "synthetic.csv", sep=";")
    assert len(table) == 119 * 8760
    assert (table["valeur"] >= 0).all() and pd.api.types.is_integer_dtype(table["valeur"])
