"""Start-up cost of the CLI: wall time of `sentinel --help` and what it imports.

Run: .venv/bin/python bench/startup.py
Target: <= 300 ms, with pandas, scikit-learn and pyod not imported.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

HEAVY = ("pandas", "sklearn", "pyod", "numpy", "structlog", "watchdog")


def _time_help(runs: int = 15) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sentinel", "--help"], check=True, stdout=subprocess.DEVNULL
        )
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _heavy_imports() -> list[str]:
    code = (
        "import sys\nfrom sentinel.cli import _parser\n_parser().format_help()\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return [m for m in out.stdout.strip().split(",") if m]


def main() -> None:
    """Print the figures."""
    samples = _time_help()
    baseline = []
    for _ in range(15):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        baseline.append((time.perf_counter() - started) * 1000)
    print(
        f"sentinel --help: median {statistics.median(samples):.0f} ms, "
        f"max {max(samples):.0f} ms over {len(samples)} runs (target <= 300 ms)"
    )
    print(f"bare interpreter start: median {statistics.median(baseline):.0f} ms")
    heavy = _heavy_imports()
    print(f"heavy modules imported by --help: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
