"""The desk as a FastAPI application: :func:`create_app` builds it from settings and an analysis function.

Every handler is a plain function, run by Starlette in a thread: each opens
its own SQLite connection, and decoding an upload never holds the event
loop. Analyses run in worker processes (:mod:`posture.serve.queue`); a page
shows a photo as queued or analysing, and ``/status`` tells the page when
it is done.
"""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations, some of them local names.
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined

from posture._version import __version__
from posture.compare import NotComparableError
from posture.errors import InputError
from posture.io.loading import DEFAULT_MAX_PIXELS
from posture.limits import MAX_HEIGHT_CM, MIN_HEIGHT_CM, is_standing_height
from posture.render.html import render_analysis_html, render_comparison_html
from posture.serve import corrections, pages, records, store
from posture.serve.photos import TooLargeError, is_clip_extension, remove_unused, store_upload
from posture.serve.queue import AnalysisQueue, cache_path, process_pool
from posture.serve.security import CSRF_FIELD, CSRF_HEADER, Guard, Secrets, too_large_text
from posture.serve.worker import Analyse, analyse_photo

MEGABYTE = 1 << 20
SCRIPTS = ("serve", "correct")
"""The desk's scripts, served from the package (no inline script: the CSP allows none)."""


@dataclass(frozen=True)
class Settings:
    """How the desk runs.

    Attributes:
        data: the folder holding the database and the photos.
        lan: listen beyond this machine (then every other machine needs the access token).
        max_upload_bytes: the largest photo accepted.
        max_clip_bytes: the largest clip accepted (a clip of quiet standing is tens of MB).
        max_photos: the most photos in one upload.
        max_pixels: the most pixels in one photo (posture's decompression-bomb guard).
        workers: analyses run at once, each in its own process.
        model: the pose model bundle, or None for posture's default.
        lan_url: the address a phone on the network opens, shown with its QR code.
    """

    data: Path
    lan: bool = False
    max_upload_bytes: int = 40 * MEGABYTE
    max_clip_bytes: int = 200 * MEGABYTE
    max_photos: int = 24
    max_pixels: int = DEFAULT_MAX_PIXELS
    workers: int = 1
    model: str | None = None
    lan_url: str | None = None

    @property
    def max_request_bytes(self) -> int:
        """The largest request read at all: a full upload of photos, or one clip, with room for the form."""
        return max(self.max_upload_bytes * self.max_photos, self.max_clip_bytes) + MEGABYTE


@dataclass
class ClientForm:
    """A client's details and capture protocol, as the form sends them (blank numbers are unknown)."""

    name: Annotated[str, Form(min_length=1, max_length=200)]
    height_cm: Annotated[str, Form()] = ""
    notes: Annotated[str, Form(max_length=5000)] = ""
    camera_height_cm: Annotated[str, Form()] = ""
    camera_distance_cm: Annotated[str, Form()] = ""
    clothing: Annotated[str, Form(max_length=200)] = ""
    arms: Annotated[str, Form(max_length=200)] = ""
    footwear: Annotated[str, Form(max_length=200)] = ""

    def fields(self) -> dict[str, Any]:
        height = _number(self.height_cm, "height")
        if height is not None and not is_standing_height(height):
            raise HTTPException(422, f"{self.height_cm!r} is not a standing height in cm "
                                f"(expected {MIN_HEIGHT_CM:g} to {MAX_HEIGHT_CM:g}).")
        if not self.name.strip():
            raise HTTPException(422, "A client needs a name.")
        return {"name": self.name.strip(), "height_cm": height, "notes": self.notes.strip(),
                "camera_height_cm": _number(self.camera_height_cm, "camera height"),
                "camera_distance_cm": _number(self.camera_distance_cm, "camera distance"),
                "clothing": self.clothing.strip(), "arms": self.arms.strip(), "footwear": self.footwear.strip()}


def environment() -> Environment:
    """The templates, shared with the HTML reports, autoescaped."""
    return Environment(loader=PackageLoader("posture", "templates"), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def create_app(settings: Settings, *, analyse: Analyse = analyse_photo,
               make_executor: Callable[[], Executor] | None = None, keys: Secrets | None = None) -> FastAPI:
    """The desk's application.

    Args:
        settings: see :class:`Settings`.
        analyse: what each analysis job runs (tests give a quick stand-in).
        make_executor: makes the pool the jobs run in (default: worker processes, one Analyzer each).
        keys: this run's secrets (default: new ones).
    """
    data = settings.data
    data.mkdir(parents=True, exist_ok=True)
    store.connect(data).close()
    keys = keys or Secrets(lan=settings.lan)
    analyses = AnalysisQueue(data, make_executor or process_pool(settings.workers, settings.model),
                             workers=settings.workers, analyse=analyse)
    templates = environment()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        analyses.start()
        yield
        analyses.close()

    app = FastAPI(title="posture desk", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(Guard, keys=keys,  # type: ignore[arg-type]
                       max_request_bytes=settings.max_request_bytes)

    def connection() -> Iterator[sqlite3.Connection]:
        opened = store.connect(data)
        try:
            yield opened
        finally:
            opened.close()

    Db = Annotated[sqlite3.Connection, Depends(connection)]

    def csrf(request: Request, csrf_token: Annotated[str | None, Form()] = None) -> None:
        if not keys.csrf_ok(request.state.session, request.headers.get(CSRF_HEADER) or csrf_token):
            raise HTTPException(403, "This form has no valid CSRF token: reload the page and send it again.")

    Checked = Depends(csrf)

    def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.update(csrf_field=CSRF_FIELD, csrf_token=keys.csrf_token(request.state.session),
                       posture_version=__version__, generated=store.now(), lan_url=settings.lan_url,
                       lan_qr=_qr(settings.lan_url) if settings.lan_url else None,
                       min_height=MIN_HEIGHT_CM, max_height=MAX_HEIGHT_CM)
        return HTMLResponse(templates.get_template(template).render(**context), status_code=status_code)

    def found(row: sqlite3.Row | None, what: str) -> sqlite3.Row:
        if row is None:
            raise HTTPException(404, f"There is no such {what}.")
        return row

    @app.exception_handler(HTTPException)
    async def sentence(request: Request, error: HTTPException) -> Response:
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code)
        return PlainTextResponse(str(error.detail), status_code=error.status_code)

    # ------------------------------------------------------------------ clients

    @app.get("/", response_class=HTMLResponse)
    def client_list(request: Request, db: Db, q: str = "") -> HTMLResponse:
        return page(request, "serve_clients.html.j2", clients=store.clients(db, q.strip()), query=q)

    @app.post("/clients", dependencies=[Checked])
    def create_client(request: Request, db: Db, form: Annotated[ClientForm, Depends()]) -> Response:
        client_id = store.add_client(db, form.fields())
        return RedirectResponse(f"/clients/{client_id}", status_code=303)

    @app.get("/clients/{client_id}", response_class=HTMLResponse)
    def client_page(request: Request, db: Db, client_id: int) -> HTMLResponse:
        client = found(store.client(db, client_id), "client")
        sessions = store.sessions(db, client_id)
        photos = pages.by_session(store.session_photos(db, [s["id"] for s in sessions]))
        flags = pages.protocol_flags(sessions, photos)
        timeline = [{"id": s["id"], "date": s["date"], "label": s["label"], "flags": flags.get(s["id"], []),
                     "photos": [pages.photo_entry(p) for p in photos.get(s["id"], [])]} for s in reversed(sessions)]
        return page(request, "serve_client.html.j2", client=client, timeline=timeline,
                    trends=pages.trends(sessions, photos), today=date.today().isoformat())

    @app.post("/clients/{client_id}", dependencies=[Checked])
    def edit_client(db: Db, client_id: int, form: Annotated[ClientForm, Depends()]) -> Response:
        found(store.client(db, client_id), "client")
        store.update_client(db, client_id, form.fields())
        return RedirectResponse(f"/clients/{client_id}", status_code=303)

    @app.post("/clients/{client_id}/delete", dependencies=[Checked])
    def delete_client(db: Db, client_id: int) -> Response:
        found(store.client(db, client_id), "client")
        remove_unused(data, [(row["sha256"], row["extension"]) for row in store.delete_client(db, client_id)])
        return RedirectResponse("/", status_code=303)

    @app.get("/clients/{client_id}/export.json")
    def export_json(db: Db, client_id: int) -> JSONResponse:
        found(store.client(db, client_id), "client")
        return JSONResponse(records.export_client(db, client_id),
                            headers={"content-disposition": f'attachment; filename="client-{client_id}.json"'})

    @app.get("/clients/{client_id}/export.csv")
    def export_csv(db: Db, client_id: int) -> Response:
        found(store.client(db, client_id), "client")
        return Response(records.export_client_csv(db, client_id), media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="client-{client_id}.csv"'})

    @app.get("/clients/{client_id}/compare")
    def compare_sessions(db: Db, client_id: int, a: int, b: int) -> Response:
        found(store.client(db, client_id), "client")
        chosen = [found(store.session(db, i), "session") for i in dict.fromkeys((a, b))]
        if any(s["client_id"] != client_id for s in chosen) or len(chosen) < 2:
            raise HTTPException(400, "Choose two different sessions of this client to compare.")
        try:
            comparison = pages.comparison(data, db, [s["id"] for s in chosen])
        except (pages.MissingAnalysisError, NotComparableError, ValueError) as error:
            raise HTTPException(409, str(error)) from error
        return HTMLResponse(render_comparison_html(comparison))

    # ------------------------------------------------------------------ sessions and photos

    @app.post("/clients/{client_id}/sessions", dependencies=[Checked])
    def create_session(db: Db, client_id: int, session_date: Annotated[str, Form()],
                       label: Annotated[str, Form()] = "") -> Response:
        found(store.client(db, client_id), "client")
        try:
            day = date.fromisoformat(session_date.strip()).isoformat()
        except ValueError as error:
            raise HTTPException(422, f"{session_date!r} is not a date (write it as 2026-01-31).") from error
        session_id = store.add_session(db, client_id, day, label.strip()[:200])
        return RedirectResponse(f"/sessions/{session_id}", status_code=303)

    def session_page(request: Request, db: Db, session_id: int, *, notices: list[str] | None = None,
                     status_code: int = 200) -> HTMLResponse:
        session = found(store.session(db, session_id), "session")
        client = found(store.client(db, session["client_id"]), "client")
        sessions = store.sessions(db, client["id"])
        upto = [s for s in sessions if (s["date"], s["id"]) <= (session["date"], session["id"])]
        photos = pages.by_session(store.session_photos(db, [s["id"] for s in upto]))
        flags = pages.protocol_flags(upto, photos).get(session_id, [])
        return page(request, "serve_session.html.j2", status_code, session=session, client=client, flags=flags,
                    photos=[pages.photo_entry(p) for p in photos.get(session_id, [])], notices=notices or [],
                    max_photos=settings.max_photos, max_mb=settings.max_upload_bytes // MEGABYTE,
                    max_clip_mb=settings.max_clip_bytes // MEGABYTE,
                    others=[s for s in sessions if s["id"] != session_id])

    @app.get("/sessions/{session_id}", response_class=HTMLResponse)
    def show_session(request: Request, db: Db, session_id: int) -> HTMLResponse:
        return session_page(request, db, session_id)

    @app.post("/sessions/{session_id}/photos", dependencies=[Checked])
    def upload(request: Request, db: Db, session_id: int, photos: Annotated[list[UploadFile], File()]) -> Response:
        found(store.session(db, session_id), "session")
        if len(photos) > settings.max_photos:
            raise HTTPException(413, f"{len(photos)} photos at once is more than the limit of "
                                f"{settings.max_photos}; send them in smaller groups.")
        largest = max(settings.max_upload_bytes, settings.max_clip_bytes)
        if any((f.size or 0) > largest for f in photos):
            raise HTTPException(413, too_large_text(largest))
        accepted, refused = [], []
        for sent in photos:
            name = _display_name(sent.filename)
            try:
                kept = store_upload(data, sent.file, label=name, max_bytes=settings.max_upload_bytes,
                                    max_pixels=settings.max_pixels, max_clip_bytes=settings.max_clip_bytes)
            except TooLargeError as error:
                raise HTTPException(413, str(error)) from error
            except InputError as error:
                refused.append(str(error))
                continue
            photo_id, analysis_id = store.add_photo(db, session_id, kept.sha256, kept.extension, name, kept.size)
            analyses.submit(analysis_id)
            accepted.append({"photo": photo_id, "analysis": analysis_id, "name": name})
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"accepted": accepted, "refused": refused},
                                status_code=201 if accepted else 422)
        if refused:
            return session_page(request, db, session_id, notices=refused, status_code=422 if not accepted else 200)
        return RedirectResponse(f"/sessions/{session_id}", status_code=303)

    @app.get("/status")
    def status(db: Db, ids: Annotated[str, Query(max_length=4000)] = "") -> JSONResponse:
        wanted = [int(i) for i in ids.split(",") if i.strip().isdigit()][:500]
        return JSONResponse({str(row["id"]): {"status": row["status"], "reason": row["reason"]}
                             for row in store.statuses(db, wanted)})

    # ------------------------------------------------------------------ analyses

    @app.get("/analyses/{analysis_id}/picture.png")
    def picture(db: Db, analysis_id: int) -> Response:
        row = found(store.analysis(db, analysis_id), "analysis")
        path = cache_path(data, row["sha256"], analysis_id, ".png")
        if row["status"] != "done" or not path.exists():
            raise HTTPException(404, "This photo has no annotated picture (not measured, or not yet).")
        return Response(path.read_bytes(), media_type="image/png")

    @app.get("/analyses/{analysis_id}/report", response_class=HTMLResponse)
    def report(db: Db, analysis_id: int) -> HTMLResponse:
        row = found(store.analysis(db, analysis_id), "analysis")
        photo = {**dict(row), "analysis_id": analysis_id}
        try:
            analysis = pages.load_analysis(data, photo, db)
        except pages.MissingAnalysisError as error:
            raise HTTPException(409, str(error)) from error
        return HTMLResponse(render_analysis_html(analysis))

    @app.get("/analyses/{analysis_id}.json")
    def document(db: Db, analysis_id: int) -> Response:
        row = found(store.analysis(db, analysis_id), "analysis")
        if not row["document"]:
            raise HTTPException(409, f"{row['original_name']} has no analysis yet ({row['status']}).")
        return Response(row["document"], media_type="application/json")

    def analysed(db: sqlite3.Connection, analysis_id: int) -> tuple[sqlite3.Row, Any]:
        row = found(store.analysis(db, analysis_id), "analysis")
        if row["status"] != "done":
            raise HTTPException(409, f"{row['original_name']} is {row['status']}: it has no landmarks to correct.")
        if is_clip_extension(row["extension"]):
            raise HTTPException(409, f"{row['original_name']} is a clip: its reading combines many frames, so "
                                "landmarks placed by hand on one frame cannot correct it.")
        try:
            return row, pages.load_analysis(data, {**dict(row), "analysis_id": analysis_id}, db)
        except pages.MissingAnalysisError as error:
            raise HTTPException(409, str(error)) from error

    @app.get("/analyses/{analysis_id}/correct", response_class=HTMLResponse)
    def correction_page(request: Request, db: Db, analysis_id: int) -> HTMLResponse:
        row, analysis = analysed(db, analysis_id)
        session = found(store.session(db, row["session_id"]), "session")
        return page(request, "serve_correct.html.j2", row=row, session=session,
                    client=found(store.client(db, row["client_id"]), "client"), **corrections.page_points(analysis),
                    values={m.id: m for m in analysis.measurements}, measurements=analysis.measurements)

    @app.get("/analyses/{analysis_id}/photo.png")
    def correction_picture(db: Db, analysis_id: int) -> Response:
        return Response(corrections.picture(analysed(db, analysis_id)[1]), media_type="image/png")

    async def sent_points(request: Request) -> dict[str, str]:
        form = await request.form()
        return {key.removeprefix("point_"): str(value) for key, value in form.items() if key.startswith("point_")}

    @app.post("/analyses/{analysis_id}/correct", dependencies=[Checked])
    def correct(db: Db, analysis_id: int, points: Annotated[dict[str, str], Depends(sent_points)]) -> Response:
        row, analysis = analysed(db, analysis_id)
        try:
            moved = corrections.moved_points(analysis, points)
        except ValueError as error:
            raise HTTPException(422, str(error)) from error
        if not moved:
            raise HTTPException(422, "No point was moved: drag a landmark to its place, then save.")
        corrections.record(data, db, row, analysis, moved)
        return RedirectResponse(f"/sessions/{row['session_id']}", status_code=303)

    @app.get("/static/{name}.js")
    def script(name: str) -> Response:
        if name not in SCRIPTS:
            raise HTTPException(404, "There is no such script.")
        return Response(resources.files("posture.serve").joinpath(f"static/{name}.js").read_bytes(),
                        media_type="text/javascript")

    return app


def _number(text: str, what: str) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 10_000:
        raise HTTPException(422, f"The {what} {text!r} is not a number of centimetres.")
    return value


def _display_name(sent: str | None) -> str:
    """The name a photo was sent under, as text: its last part, printable, at most 200 characters."""
    name = PurePosixPath((sent or "").replace("\\", "/")).name
    name = "".join(c if c.isprintable() else "?" for c in name)[:200]
    return name or "photo"


def _qr(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=5, border=2)
