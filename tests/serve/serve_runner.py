"""A desk in its own process for the browser and kill tests: ``python serve_runner.py DATA PORT ANALYSIS``.

ANALYSIS is ``fake`` (the quick stand-in), ``slow`` (the stand-in after 30 s, to be killed mid-analysis) or
``real`` (posture's own analysis in worker processes).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(data: Path, analysis: str = "fake") -> tuple[subprocess.Popen, str]:
    """Start a desk on a free port; returns the process and its address once it answers."""
    import httpx

    port = free_port()
    process = subprocess.Popen([sys.executable, str(HERE / "serve_runner.py"), str(data), str(port), analysis],
                               cwd=HERE.parents[1])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
        if process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"the desk did not start (exit {process.poll()})")


def main() -> None:
    # This checkout's posture, whichever one the interpreter has installed.
    sys.path[:0] = [str(HERE.parents[1]), str(HERE)]
    import warnings

    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient` is deprecated")
    import uvicorn
    from serve_fakes import fake_analysis, slow_analysis

    from posture.serve.app import Settings, create_app

    data, port, analysis = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    if analysis == "real":
        app = create_app(Settings(data=data, workers=1))
    else:
        app = create_app(Settings(data=data), analyse=fake_analysis if analysis == "fake" else slow_analysis,
                         make_executor=lambda: ThreadPoolExecutor(1))
    uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")).run()


if __name__ == "__main__":
    main()
