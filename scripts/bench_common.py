"""What the benchmark scripts share: the machine they ran on, medians over seeds, numbers
as the reports print them."""

from __future__ import annotations

import math
import os
import platform
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
ATMO = REPO.parent / "shared" / "data" / "atmo_normandie_3days.csv"
DEFAULT_MODEL = "rvae"


def machine() -> dict[str, Any]:
    """Describe the machine: CPU, cores, torch version, GPU."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info: dict[str, Any] = {"cpu": cpu, "cpu_count": os.cpu_count(),
                            "python": platform.python_version(), "platform": platform.platform()}
    try:
        import torch

        info["torch"] = torch.__version__
        info["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    except Exception as exc:  # noqa: BLE001
        info["torch"], info["gpu"] = f"unavailable ({exc})", "cpu"
    return info


def median(values: list[Any]) -> float | None:
    """The median of the numbers among ``values`` (None and NaN left out); None if none."""
    values = sorted(v for v in values if v is not None and not
                    (isinstance(v, float) and math.isnan(v)))
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def fmt(value: Any) -> str:
    """Three significant digits, compact: 0.0123, 4.56, 789, 12.3k, 4.56M."""
    if value is None:
        return "–"
    value = float(value)
    if math.isnan(value):
        return "–"
    if value == 0:
        return "0"
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:.3g}M"
    if a >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def machine_line() -> str:
    """:func:`machine` in one line, as the reports print it."""
    m = machine()
    return (f"{m['cpu']}, {m['cpu_count']} cores, torch {m['torch']}, device {m['gpu']}, "
            f"Python {m['python']}")
