"""`coach serve`: the HTTP API and the agents' page, under uvicorn."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from coach.cli import app


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default COACH_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default COACH_PORT, 8080).")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes; the app keeps no state between requests.")] = 1,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the HTTP API (/v1/...) and the web page (/) with JSON logs on stderr."""
    import uvicorn

    from coach.api.app import LOCAL_ONLY_WARNING
    from coach.api.auth import is_loopback
    from coach.api.logs import log_config
    from coach.config import get_settings

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    if settings.local_only:
        if not is_loopback(host):
            print(
                f"coach serve: refusing to listen on {host} without API keys: set COACH_API_KEYS (and "
                "COACH_ADMIN_KEYS for /v1/ingest), or listen on 127.0.0.1",
                file=sys.stderr,
            )
            raise typer.Exit(2)
        banner = "!" * 78
        print(f"{banner}\n{LOCAL_ONLY_WARNING}\n{banner}", file=sys.stderr)
    print(f"coach serve: http://{_url_host(host)}:{port}/  (API docs at /docs)", file=sys.stderr)
    if workers > 1:
        _metrics_across_workers()
    uvicorn.run(
        "coach.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(log_level),
        log_level=log_level,
        access_log=False,  # our own access line has the request id and no query string
        server_header=False,
        # uvicorn trusts X-Forwarded-For only from these proxies (loopback by default): a proxy on this machine
        # forwarding remote callers makes them look remote, so local-only mode still refuses them.
        forwarded_allow_ips=settings.trusted_proxies,
        # h11, not httptools: httptools reads headers of any size (a 50 MB Authorization header was read whole);
        # h11 stops at this many bytes of request line and headers.
        http="h11",
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )


def _metrics_across_workers() -> None:
    """Prometheus multiprocess mode, so /metrics adds up every worker: each writes its numbers to files in
    one directory. A directory of our own per run, emptied at start (old workers' files would be counted
    again) and removed at exit; one set in PROMETHEUS_MULTIPROC_DIR by the operator is used as it is."""
    import atexit
    import os
    import shutil
    import tempfile
    from pathlib import Path

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    folder = Path(tempfile.gettempdir()) / f"coach-metrics-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)  # the workers, spawned next, inherit it
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
