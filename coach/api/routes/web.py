"""The agents' page at `/`: plain HTML, CSS and a small script from coach/web, no CDN, no build step."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

WEB_DIR = Path(__file__).resolve().parent.parent.parent / "web"

# Everything the page loads comes from this server; nothing inline, nothing framed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

router = APIRouter(include_in_schema=False)


@router.get("/")
def page() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html", media_type="text/html", headers={"Content-Security-Policy": CSP})


@router.get("/favicon.ico")
@router.get("/favicon.svg")
def favicon() -> FileResponse:
    """One SVG icon, for the page's tab and for browsers that ask for /favicon.ico on their own."""
    return FileResponse(WEB_DIR / "favicon.svg", media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})
