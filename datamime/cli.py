"""The ``datamime`` command: ``train``, ``sample``, ``evaluate`` (Hydra overrides) and ``app``.

``datamime train data=csv data.path=FILE`` composes the packaged configs
(``datamime/conf``, so it works from any directory) with the overrides given, exactly as
``python scripts/train.py data=csv data.path=FILE`` does, and runs
:func:`datamime.pipeline.train`; likewise ``sample`` and ``evaluate``. ``datamime app``
starts the web app (``streamlit run`` on :mod:`datamime.app.main`; extra arguments go to
streamlit). A user mistake -- a bad override, a bad file -- ends with one line on stderr
and exit status 2, as with the scripts.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

TASKS = {
    "train": "fit a model on a table and save it (default models/latest)",
    "sample": "generate new data with a saved model (default outputs/synthetic.csv)",
    "evaluate": "compare generated data with the sample and write a report",
}
EXAMPLES = """\
examples:
  datamime train data=example                       # the repository's example.csv
  datamime train data=csv data.path=my.csv 'data.groups=[site,sensor]' trainer.max_epochs=30
  datamime sample start=2025-01-01 end=2025-12-31 out=year.parquet
  datamime evaluate generated=outputs/synthetic.csv
  datamime app                                      # the web app, in the browser
  datamime train --help                             # a command's config groups and defaults
"""


def _error(message: str) -> int:
    print(f"datamime: error: {' '.join(str(message).split())}", file=sys.stderr)
    return 2


def _first_paragraph(exc: BaseException) -> str:
    """A Hydra/OmegaConf message without its indented ``full_key:`` / ``object_type`` details."""
    lines = []
    for line in str(exc).strip().splitlines():
        if line[:1].isspace() or line.startswith(("full_key:", "object_type=", "reference_type=")):
            break
        lines.append(line.strip())
    return " ".join(lines) or type(exc).__name__


def _parser() -> argparse.ArgumentParser:
    """The top-level help (dispatching is done by hand: overrides are not options)."""
    parser = argparse.ArgumentParser(
        prog="datamime",
        description="Turn a small sample of time series into as much realistic look-alike "
        "data as you need.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, text in TASKS.items():
        sub.add_parser(name, help=f"{text}; arguments are Hydra overrides (key=value)")
    sub.add_parser("app", help="start the web app (extra arguments go to streamlit run)")
    return parser


def _conf_groups() -> dict[str, list[str]]:
    """Option names of each packaged config group (``model``: ``ar_rnn``, ``rvae``...)."""
    root = resources.files("datamime.conf")
    groups: dict[str, list[str]] = {}
    for entry in root.iterdir():
        if entry.is_dir() and not entry.name.startswith("_"):
            names = sorted(Path(f.name).stem for f in entry.iterdir() if f.name.endswith(".yaml"))
            if names:
                groups[entry.name] = names
    return dict(sorted(groups.items()))


def _task_help(task: str) -> str:
    from omegaconf import OmegaConf

    lines = [
        f"usage: datamime {task} [--cfg] [KEY=VALUE ...]",
        "",
        f"{TASKS[task][0].upper()}{TASKS[task][1:]}.",
        "Arguments are Hydra overrides of the packaged config datamime/conf/"
        f"{task}.yaml; --cfg prints the composed config and exits.",
        "",
    ]
    if task == "train":
        lines.append("config groups (pick one with GROUP=NAME):")
        for group, names in _conf_groups().items():
            if group not in ("hydra",):
                lines.append(f"  {group}: {', '.join(names)}")
        lines.append("")
    try:
        cfg = _compose(task, [])
        lines += ["defaults:", OmegaConf.to_yaml(cfg, resolve=False).rstrip()]
    except Exception:  # noqa: BLE001 - the help must print even if composing fails
        pass
    return "\n".join(lines)


def _compose(task: str, overrides: list[str]):
    """Compose ``datamime/conf/<task>.yaml`` with the overrides, as the scripts do."""
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    with initialize_config_module(config_module="datamime.conf", version_base="1.3"):
        return compose(config_name=task, overrides=overrides)


def run_task(task: str, overrides: list[str]) -> int:
    """Compose the config of ``task`` with ``overrides`` and run the pipeline function."""
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from datamime import pipeline

    show_cfg = "--cfg" in overrides
    overrides = [o for o in overrides if o != "--cfg"]
    bad = [o for o in overrides if o.startswith("-")]
    if bad:
        return _error(f"unknown option {bad[0]}; arguments are overrides such as "
                      f"data.path=FILE (see datamime {task} --help)")
    try:
        cfg = _compose(task, overrides)
        if show_cfg:
            print(OmegaConf.to_yaml(cfg, resolve=False), end="")
            return 0
        pipeline.run(getattr(pipeline, task), cfg)
    except (HydraException, OmegaConfBaseException) as exc:
        return _error(_first_paragraph(exc))
    except SystemExit as exc:  # pipeline.run: exit 2 after its own one-line message
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def _launch(cmd: list[str]) -> int:
    """Run ``cmd``: in place of this process on POSIX (signals reach streamlit directly)."""
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(cmd[0], cmd)
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 130


def run_app(args: list[str]) -> int:
    """``streamlit run datamime/app/main.py ARGS`` with this Python; returns its exit status.

    Usage statistics are off and the toolbar minimal unless ``ARGS`` set them.
    """
    app = Path(__file__).parent / "app" / "main.py"
    defaults = {"--browser.gatherUsageStats": "false", "--client.toolbarMode": "minimal"}
    given = {a.split("=", 1)[0] for a in args}
    extra = [f"{k}={v}" for k, v in defaults.items() if k not in given]
    return _launch([sys.executable, "-m", "streamlit", "run", str(app), *extra, *args])


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``datamime`` console command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if not argv:
        parser.print_help(sys.stderr)
        return _error("choose a command: train, sample, evaluate or app")
    command, rest = argv[0], argv[1:]
    if command in ("-h", "--help"):
        parser.print_help()
        return 0
    if command == "--version":
        from datamime import __version__

        print(f"datamime {__version__}")
        return 0
    if command == "app":
        return run_app(rest)
    if command not in TASKS:
        return _error(f"unknown command {command!r}; choose train, sample, evaluate or app "
                      "(datamime --help)")
    if any(a in ("-h", "--help") for a in rest):
        print(_task_help(command))
        return 0
    return run_task(command, rest)


if __name__ == "__main__":
    raise SystemExit(main())
