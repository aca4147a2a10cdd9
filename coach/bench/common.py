"""What every benchmark shares: summarising samples, the machine it ran on, peak memory, one core,
free ports, and waiting for a server to answer.

Only the standard library here: `coach bench --help` must stay fast.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from coach.config import PROJECT_ROOT


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarise(samples: list[float], digits: int = 3) -> dict[str, float | int]:
    """Median (p50) and p95 of samples, plus min, max and count; units are the caller's."""
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0, "p50": None, "p95": None, "min": None, "max": None}
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), digits),
        "p95": round(percentile(ordered, 95), digits),
        "min": round(ordered[0], digits),
        "max": round(ordered[-1], digits),
    }


def time_calls(fn: Callable[[], object], repeats: int, warmup: int = 1) -> list[float]:
    """Milliseconds per call for `repeats` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


# --- the machine -------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def machine_info() -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count()
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        load = None
    status = _git("status", "--porcelain")
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "ram_gib": _ram_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": load,
        "versions": {
            name: _version(name)
            for name in ("torch", "chromadb", "sentence-transformers", "tiktoken", "numpy", "fastapi", "uvicorn", "httpx")
        },
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
    }


# --- memory ------------------------------------------------------------------------------------


def _status_kib(field_name: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


@dataclass
class PeakMemory:
    """Peak resident memory of this process over a block, in MiB.

    On Linux the high-water mark is reset at the start (`/proc/self/clear_refs`, "5"), so the figure
    is the block's own peak; where that is not allowed it is the process's peak so far
    (`ru_maxrss`), and `scope` says "process".
    """

    start_mib: float = 0.0
    peak_mib: float = 0.0
    scope: str = "block"
    _reset: bool = field(default=False, repr=False)

    def __enter__(self) -> PeakMemory:
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self._reset = True
        except OSError:
            self._reset, self.scope = False, "process"
        rss = _status_kib("VmRSS")
        self.start_mib = round((rss or 0) / 1024, 1)
        return self

    def __exit__(self, *exc) -> None:
        hwm = _status_kib("VmHWM") if self._reset else None
        if hwm is None:
            hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
            self.scope = "process"
        self.peak_mib = round(hwm / 1024, 1)

    def as_dict(self) -> dict:
        return {"rss_start_mib": self.start_mib, "rss_peak_mib": self.peak_mib,
                "rss_growth_mib": round(self.peak_mib - self.start_mib, 1), "scope": self.scope}  # fmt: skip


# --- one core ----------------------------------------------------------------------------------


@contextlib.contextmanager
def one_core() -> Iterator[int | None]:
    """Pin this process to one CPU for the block (Linux); yields the CPU, or None where unsupported."""
    try:
        before = os.sched_getaffinity(0)
    except AttributeError:  # pragma: no cover
        yield None
        return
    cpu = max(before)  # the last one: the first is the busiest with interrupts on small machines
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, before)


# --- servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen | None = None, timeout: float = 90.0, log: Path | None = None) -> float:
    """Poll `url` until it answers 200; returns the seconds it took. Raises with the log tail on failure."""
    import httpx

    started = time.monotonic()
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return round(time.monotonic() - started, 2)
        except httpx.HTTPError:
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() - started > timeout:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{url} did not come up within {timeout:.0f}s\n{tail}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """Terminate a child we started, by its own id (and its group when it leads one)."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def venv_bin(name: str) -> str:
    """A console script installed beside this Python (the project's venv), else the name on PATH."""
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "OPENAI_", "CHROMA_"))}
    env.update({"ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    env.update(extra)
    return env
