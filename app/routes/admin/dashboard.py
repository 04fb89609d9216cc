"""Where staff start (institution staff at their classes, the bureau at its dashboard), and the
bureau's 驾驶舱: demand, supply, gaps, the funnel, monthly trends and incentives, each table also
as a spreadsheet; and the people behind each "open a class here" suggestion (whole phone numbers
for the bureau, masked for institution staff)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, request, url_for
from flask_login import current_user

from app import labels
from app.auth import role_required
from app.clock import now, today
from app.extensions import cache, db
from app.forms.requests import ANSWERS
from app.htmx import redirect_to, render
from app.models import Role, Town, mask_phone
from app.routes.admin import ADMIN, FMT, STAFF, bp, download
from app.services import class_requests, dashboard, exports, job_push, push


@bp.get("/")
@role_required(*STAFF)
def index():
    if current_user.role == Role.ADMIN:
        return redirect_to(url_for("admin.dashboard"))
    return redirect_to(url_for("admin.offerings"))


def dashboard_tables() -> dict[str, Any]:
    """The 驾驶舱's figures: computed at most once per DASHBOARD_CACHE_SECONDS and shared by every
    server through the app's cache (Redis in production), with the moment they were computed."""
    key = f"dashboard-figures:{today().isoformat()}"
    figures = cache.get(key)
    if figures is None:
        figures = _compute_tables()
        cache.set(key, figures, timeout=current_app.config["DASHBOARD_CACHE_SECONDS"])
    return figures


def _compute_tables() -> dict[str, Any]:
    day = today()
    towns = dashboard._towns()
    seats_offerings, seats = dashboard.supply(day, towns)
    shares = dashboard.group_demand(day)
    return dict(
        computed_at=now(),
        demand=dashboard.demand(towns, shares),
        group_shares=shares,
        supply=seats_offerings,
        seats=seats,
        gaps=dashboard.gaps(day, shares=shares),
        unmet=dashboard.unmet_people(day, shares),
        funnel=dashboard.funnel(),
        trends=dashboard.trends(day),
        money=dashboard.incentives(),
        policies=dashboard.policy_count(),
        pushes=push.counts(),
        job_pushes=job_push.counts(),
        conversion=dashboard.conversion(),
    )


@bp.get("/dashboard", endpoint="dashboard")
@role_required(*ADMIN)
def dashboard_page():
    data = dashboard_tables()
    demand_rows = [
        (name, [data["demand"].row_total(t), data["seats"].row_total(t)]) for t, name in data["demand"].towns
    ]
    funnel_rows = [(str(labels.FUNNEL_STAGES[s.key]), [s.count]) for s in data["funnel"]]
    return render(
        "admin/dashboard.html",
        funnel_labels=labels.FUNNEL_STAGES,
        demand_rows=demand_rows,
        funnel_rows=funnel_rows,
        requests=class_requests.listing(None, limit=10),  # not cached: an answer shows at once
        answers=ANSWERS,
        **data,
    )


@bp.get(f"/dashboard/<any({', '.join(exports.DASHBOARD_TABLES)}):table>.{FMT}")
@role_required(*ADMIN)
def dashboard_export(table: str, fmt: str):
    headers, rows = exports.dashboard_table(table, dashboard_tables())
    return download(exports.table(headers, rows, fmt), fmt, f"dashboard-{table}")


@bp.get("/dashboard/gaps/<int:town_id>/<any(degree, skill, community):kind>")
@role_required(*STAFF)
def dashboard_gap(town_id: int, kind: str):
    """The residents behind one suggestion: what they wrote, which days suit them, how to reach them."""
    town = db.get_or_404(Town, town_id)
    about = request.args.get("about", "")[:200]
    gap, people = dashboard.gap_people(today(), town.id, kind, about)
    if gap is None:
        abort(404)
    full = current_user.role == "admin"
    return render(
        "admin/gap.html",
        gap=gap,
        people=people,
        full=full,
        shown_phone=(lambda phone: phone) if full else mask_phone,
        shown_name=(lambda name: name) if full else (lambda name: name[:1] + "*" * (len(name) - 1)),
    )
