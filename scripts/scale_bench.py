"""Speed and scale benchmarks behind ``scripts/benchmark.py --speed`` and ``--scale``.

``--speed``: a year of hourly data for the 119 series of the Atmo sample, CSV written,
each run a cold process: the seed app's method (``benchmarks/seed_app.py``) against
``scripts/sample.py`` on a model trained once, alternated, 3 runs each, medians.

``--scale``: the cost curve: train and sample wall time and peak memory against the
number of series (synthetic panels, few epochs) and the generated length, a table and
a log-log plot in ``benchmarks/SCALE.md`` / ``benchmarks/plots/scale.png``; plus the
2,000-series year streamed to Parquet.

Every job runs in a fresh process under ``/usr/bin/time`` (peak resident memory) with
``OMP_NUM_THREADS=1``, the setting the jobs use here.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
ATMO = REPO.parent / "shared" / "data" / "atmo_normandie_3days.csv"
ATMO_TRAIN = ["data=csv", f"data.path={ATMO}", "data.time=date_debut",
              "data.groups=[nom_poll,nom_com,code_station]", "data.value=valeur"]
SPEED_SECTION = ("<!-- speed -->", "<!-- /speed -->")
SCALE_SECTION = ("<!-- scale -->", "<!-- /scale -->")


def timed(cmd: list[str], timeout: float = 900) -> dict[str, Any]:
    """Run ``cmd`` in a fresh process; wall seconds, peak RSS (MB), return code, output tail."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    prefix = ["/usr/bin/time", "-f", "@@maxrss %M"] if Path("/usr/bin/time").exists() else []
    start = time.perf_counter()
    proc = subprocess.run(prefix + cmd, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)
    wall = time.perf_counter() - start
    found = re.search(r"@@maxrss (\d+)", proc.stderr)
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}... failed ({proc.returncode}): {tail}")
    return {"wall_s": wall, "peak_mb": int(found.group(1)) / 1024 if found else None,
            "tail": tail}


def write_section(path: Path, markers: tuple[str, str], lines: list[str]) -> None:
    """Replace the text between ``markers`` in ``path`` (appended when absent)."""
    text = path.read_text() if path.exists() else "# datamime: scale and speed\n"
    block = "\n".join([markers[0], *lines, markers[1]])
    if markers[0] in text and markers[1] in text:
        head, rest = text.split(markers[0], 1)
        text = head + block + rest.split(markers[1], 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


def machine_line() -> str:
    load = os.getloadavg()
    return (f"{os.cpu_count()} cores, load average {load[0]:.1f} at the end (the machine is "
            f"shared with other jobs: timings are noisy, compare the side-by-side ratio)")


# ------------------------------------------------------------------------------ speed
def speed(out: Path, runs: int = 3, length: int = 8760) -> Path:
    """The sampling-speed target, side by side; writes the speed section of ``SCALE.md``."""
    if not ATMO.is_file():
        raise SystemExit(f"--speed needs the Atmo sample at {ATMO}")
    work = Path(tempfile.mkdtemp(prefix="datamime-speed-"))
    py = sys.executable
    try:
        model = work / "model"
        train = timed([py, "scripts/train.py", *ATMO_TRAIN, f"model_dir={model}",
                       "trainer.enable_progress_bar=false", "verbose=false"])
        print(f"trained in {train['wall_s']:.1f} s", flush=True)
        jobs = {
            "seed app (seasonal_decompose + resampled residuals)":
                [py, "benchmarks/seed_app.py", str(ATMO), str(work / "seed.csv"), str(length)],
            "datamime (scripts/sample.py, rvae)":
                [py, "scripts/sample.py", f"model_dir={model}", f"length={length}",
                 f"out={work / 'ours.csv'}", "plot=false", "verbose=false"],
        }
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in jobs}
        for i in range(runs):
            for name, cmd in jobs.items():
                r = timed(cmd)
                results[name].append(r)
                print(f"run {i + 1}: {name}: {r['wall_s']:.2f} s, {r['peak_mb']:.0f} MB",
                      flush=True)
        rows = (work / "ours.csv").read_text().count("\n") - 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {name: statistics.median(r["wall_s"] for r in rs) for name, rs in results.items()}
    seed_name, ours_name = list(jobs)
    ratio = med[ours_name] / med[seed_name]
    lines = [
        "## Sampling speed: a year of the Atmo sample to CSV, cold process",
        "",
        "```bash",
        "python scripts/benchmark.py --speed",
        "```",
        "",
        f"A year of hourly data ({length:,} steps) for the 119 series of the Atmo sample "
        f"({rows:,} rows), CSV written, each run a fresh process with OMP_NUM_THREADS=1, "
        f"the two jobs alternated, {runs} runs each; {machine_line()}. "
        "The seed app's method is `benchmarks/seed_app.py`; ours is `scripts/sample.py` on "
        "a model trained once (`scripts/train.py` with the default config, "
        f"{train['wall_s']:.0f} s wall).",
        "",
        "| job | runs (s) | median s | peak MB |",
        "|---|---|---:|---:|",
    ]
    for name, rs in results.items():
        walls = ", ".join(f"{r['wall_s']:.2f}" for r in rs)
        peak = max(r["peak_mb"] or 0 for r in rs)
        lines.append(f"| {name} | {walls} | {med[name]:.2f} | {peak:.0f} |")
    verdict = "✅" if ratio <= 0.5 else "❌"
    lines += ["", f"datamime / seed app wall time: **{ratio:.2f}** (target <= 0.5) {verdict}"]
    path = out / "SCALE.md"
    write_section(path, SPEED_SECTION, lines)
    print("\n".join(lines[-1:]), flush=True)
    return path
