"""The desk's pages (aiohttp): the live alert list, an alert's page, acknowledge / assign, login.

Plain server-rendered HTML; one small script (static/desk.js, no build step) keeps open pages live
over server-sent events: the server renders each changed row and the page swaps it in.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
import orjson
from aiohttp import web

from schemas import AlertAck
from streams.desk.auth import Session, Sessions, load_users, login_required, verify_password
from streams.desk.feed import DeskFeed
from streams.desk.marks import marked_article
from streams.desk.view import DeskView, Filters, Row
from streams.settings import Settings

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
COOKIE = "newsfeed_desk_{port}"  # cookies ignore ports: two desks on one host keep their own
LEVEL_CHOICES = ("low", "medium", "high", "critical")
PUBLIC_PATHS = ("/login", "/static/", "/healthz")
CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

VIEW: web.AppKey[DeskView] = web.AppKey("view", DeskView)
FEED: web.AppKey[DeskFeed] = web.AppKey("feed", DeskFeed)
SESSIONS: web.AppKey[Sessions] = web.AppKey("sessions", Sessions)
SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
TEMPLATES: web.AppKey[jinja2.Environment] = web.AppKey("templates", jinja2.Environment)
LOGIN: web.AppKey[bool] = web.AppKey("login", bool)


def age(when: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or datetime.now(UTC)) - when).total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def source_of(row: Row, view: DeskView) -> str:
    alert = row.alert
    article = view.articles.get(alert.article_id)
    return alert.source or (article.source if article else None) or "unknown source"


def build_app(settings: Settings, view: DeskView, feed: DeskFeed) -> web.Application:
    """The desk application; login is enforced when `settings.desk_host` is beyond loopback."""
    app = web.Application(middlewares=[session_middleware])
    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    templates.globals.update(age=age, levels=LEVEL_CHOICES)
    app[VIEW], app[FEED], app[SETTINGS], app[TEMPLATES] = view, feed, settings, templates
    app[SESSIONS] = Sessions(settings.desk_session_ttl_s)
    app[LOGIN] = login_required(settings.desk_host)
    app.add_routes(
        [
            web.get("/", alert_list),
            web.get("/events", events),
            web.get("/alerts/{alert_id}", alert_page),
            web.post("/alerts/{alert_id}/ack", acknowledge),
            web.post("/alerts/{alert_id}/assign", assign),
            web.get("/login", login_page),
            web.post("/login", login),
            web.post("/logout", logout),
            web.get("/healthz", healthz),
            web.static("/static", HERE / "static"),
        ]
    )
    return app


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every visitor gets a session (for its CSRF token); beyond loopback, only logged-in ones pass."""
    app = request.app
    session = app[SESSIONS].get(request.cookies.get(COOKIE.format(port=app[SETTINGS].desk_port)))
    fresh = session is None
    if session is None:
        session = app[SESSIONS].new()
    request["session"] = session

    def finish(response: web.StreamResponse) -> None:
        if response.prepared:
            return  # an event stream: its headers are sent (its page set the cookie)
        if fresh or request["session"] is not session:
            set_cookie(response, request["session"], app[SETTINGS])
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CSP)

    if app[LOGIN] and session.user is None and not request.path.startswith(PUBLIC_PATHS):
        if request.method == "GET" and request.path != "/events":
            refused: web.HTTPException = web.HTTPSeeOther("/login?" + urlencode({"next": request.path_qs}))
        else:
            refused = web.HTTPUnauthorized(text="log in first: /login")
        finish(refused)
        raise refused
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        finish(exc)
        raise
    finish(response)
    return response


def set_cookie(response: web.StreamResponse, session: Session, settings: Settings) -> None:
    response.set_cookie(
        COOKIE.format(port=settings.desk_port),
        session.token,
        max_age=int(settings.desk_session_ttl_s),
        httponly=True,
        samesite="Strict",
        path="/",
    )


def render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    app = request.app
    session: Session = request["session"]
    html = (
        app[TEMPLATES]
        .get_template(name)
        .render(session=session, login=app[LOGIN], csrf=session.csrf, **context)
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def row_context(row: Row, view: DeskView) -> dict[str, Any]:
    return {
        "row": row,
        "alert": row.alert,
        "ack": view.ack_of(row),
        "earlier_ack": view.earlier_ack(row),
        "source": source_of(row, view),
        "sources": view.sources_of(row),
    }


def render_row(request: web.Request, row: Row) -> str:
    tpl = request.app[TEMPLATES].get_template("_row.html")
    return tpl.render(**row_context(row, request.app[VIEW]))


async def alert_list(request: web.Request) -> web.Response:
    view = request.app[VIEW]
    filters = Filters.from_query(request.query)
    rows = view.matching(filters)
    return render(
        request,
        "list.html",
        rows=[row_context(r, view) for r in rows],
        filters=filters,
        categories=view.categories(),
        events_url="/events?" + urlencode(filters.__dict__),
    )


async def alert_page(request: web.Request) -> web.Response:
    view = request.app[VIEW]
    row = view.row_of(request.match_info["alert_id"])
    if row is None:
        return render(request, "missing.html", status=404, alert_id=request.match_info["alert_id"])
    article = view.articles.get(row.alert.article_id)
    return render(
        request,
        "alert.html",
        **row_context(row, view),
        article=article,
        body_html=marked_article(article) if article else None,
        events_url="/events?" + urlencode({"row": row.id}),
    )


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: `reset` with the whole list first, then `row` / `remove` per change
    (list pages), or `status` per change of one row (an alert's page, `?row=ID`)."""
    view = request.app[VIEW]
    only = request.query.get("row")
    filters = Filters.from_query(request.query)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
    await response.prepare(request)
    queue = view.subscribe()

    async def send(event: str, data: dict[str, Any]) -> None:
        await response.write(f"event: {event}\ndata: {orjson.dumps(data).decode()}\n\n".encode())

    try:
        if only is None:
            rows = "".join(render_row(request, r) for r in view.matching(filters))
            await send("reset", {"html": rows})
        elif only in view.rows:
            await send("status", status_event(request, view.rows[only]))
        while True:
            try:
                row_id, what = await asyncio.wait_for(queue.get(), timeout=15.0)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")  # also notices a closed page
                continue
            if not row_id:
                break  # this page fell behind: its browser reconnects and gets a reset
            row = view.rows[row_id]
            if only is not None:
                if row_id == only:
                    await send("status", status_event(request, row))
            elif filters.matches(row):
                said = announce(row) if what == "alert" else {}
                await send("row", {"id": f"row-{row_id}", "html": render_row(request, row), **said})
            else:
                await send("remove", {"id": f"row-{row_id}"})
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        view.unsubscribe(queue)
    return response


def announce(row: Row) -> dict[str, str]:
    """Words for the page's live region (screen readers), for new and raised alerts."""
    alert = row.alert
    if row.history[-1] is not alert:
        return {}  # a late lower copy: nothing new for the desk
    verb = "raised to" if len(row.history) > 1 else "new"
    return {"announce": f"{verb} {alert.level} alert: {alert.title}"}


def status_event(request: web.Request, row: Row) -> dict[str, Any]:
    view = request.app[VIEW]
    tpl = request.app[TEMPLATES].get_template("_status.html")
    html = tpl.render(**row_context(row, view), csrf=request["session"].csrf)
    return {
        "html": html,
        "alert_id": row.alert.alert_id,
        "has_article": row.alert.article_id in view.articles,
    }


async def _change(
    request: web.Request, update: Callable[[AlertAck | None, str, datetime], AlertAck]
) -> web.Response:
    session: Session = request["session"]
    form = await request.post()
    csrf = form.get("csrf")
    if not session.csrf_ok(csrf if isinstance(csrf, str) else None):
        return web.Response(status=403, text="the form's security token is missing or stale: reload the page")
    view = request.app[VIEW]
    alert_id = request.match_info["alert_id"]
    row = view.row_of(alert_id)
    if row is None:
        raise web.HTTPNotFound(text=f"no alert {alert_id} on this desk")
    alert_id = row.alert.alert_id  # act on the current level of the story
    by = session.user or "desk (local)"
    ack = update(view.acks.get(alert_id), by, datetime.now(UTC))
    await request.app[FEED].publish_ack(ack)
    log.info("alert %s: %s by %s", alert_id, "acknowledged" if ack.acknowledged_by else "assigned", by)
    raise web.HTTPSeeOther(f"/alerts/{alert_id}")


async def acknowledge(request: web.Request) -> web.Response:
    row = request.app[VIEW].row_of(request.match_info["alert_id"])
    article_id = row.alert.article_id if row else ""

    def update(old: AlertAck | None, by: str, now: datetime) -> AlertAck:
        if old is not None:
            return old.model_copy(
                update={"acknowledged_by": by, "acknowledged_at": now, "updated_by": by, "updated_at": now}
            )
        return AlertAck(
            alert_id=row.alert.alert_id if row else "",
            article_id=article_id,
            acknowledged_by=by,
            acknowledged_at=now,
            updated_by=by,
            updated_at=now,
        )

    return await _change(request, update)


async def assign(request: web.Request) -> web.Response:
    row = request.app[VIEW].row_of(request.match_info["alert_id"])
    form = await request.post()
    raw = form.get("assignee")
    assignee = raw.strip()[:100] if isinstance(raw, str) and raw.strip() else None

    def update(old: AlertAck | None, by: str, now: datetime) -> AlertAck:
        if old is not None:
            return old.model_copy(update={"assigned_to": assignee, "updated_by": by, "updated_at": now})
        return AlertAck(
            alert_id=row.alert.alert_id if row else "",
            article_id=row.alert.article_id if row else "",
            assigned_to=assignee,
            updated_by=by,
            updated_at=now,
        )

    return await _change(request, update)


async def login_page(request: web.Request) -> web.Response:
    return render(request, "login.html", next=safe_next(request.query.get("next")), error=None)


async def login(request: web.Request) -> web.Response:
    session: Session = request["session"]
    form = await request.post()
    name, password, csrf, nxt = (form.get(k) for k in ("user", "password", "csrf", "next"))
    target = safe_next(nxt if isinstance(nxt, str) else None)
    if not session.csrf_ok(csrf if isinstance(csrf, str) else None):
        return render(request, "login.html", 403, next=target, error="The form expired: please try again.")
    users = load_users(request.app[SETTINGS].desk_users)
    loop = asyncio.get_running_loop()
    ok = (
        isinstance(name, str)
        and isinstance(password, str)
        and await loop.run_in_executor(None, verify_password, users, name, password)
    )
    if not ok:
        log.warning("desk login refused for %r", name)
        return render(request, "login.html", 401, next=target, error="Wrong user name or password.")
    sessions = request.app[SESSIONS]
    sessions.drop(session)
    request["session"] = sessions.new(str(name))  # a new token: no session fixation
    log.info("desk login: %s", name)
    raise web.HTTPSeeOther(target)


async def logout(request: web.Request) -> web.Response:
    session: Session = request["session"]
    form = await request.post()
    csrf = form.get("csrf")
    if not session.csrf_ok(csrf if isinstance(csrf, str) else None):
        return web.Response(status=403, text="the form's security token is missing or stale: reload the page")
    request.app[SESSIONS].drop(session)
    request["session"] = request.app[SESSIONS].new()
    raise web.HTTPSeeOther("/login")


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"alerts": len(request.app[VIEW].rows)})


def safe_next(target: str | None) -> str:
    """Only a path on this desk (no open redirect to another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
