"""Commands: `flask --app wsgi demo-data`, `demo-staff`, `gen-scale`, `create-user`, `run-draws`."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import text

from app import demo
from app.clock import today
from app.db import begin_write
from app.extensions import db
from app.models import Offering, Role


@click.command("demo-data")
def demo_data() -> None:
    """Load the demo county (Pinghu). Safe to run again: nothing is added twice."""
    added = demo.load_demo(today())
    db.session.commit()
    click.echo("demo data: " + ", ".join(f"{n} {what} added" for what, n in added.items()))


@click.command("vocabulary-load")
def vocabulary_load() -> None:
    """Add the learning vocabulary of app/vocabulary.toml that the database lacks (never overwrites edits)."""
    from app.services import vocabulary

    added = vocabulary.load_file()
    db.session.commit()
    click.echo("vocabulary: " + ", ".join(f"{n} {what} added" for what, n in added.items()))


@click.command("gen-scale")
@click.option("--offerings", type=click.IntRange(min=0), default=0, help="Total synthetic offerings wanted.")
@click.option("--residents", type=click.IntRange(min=0), default=0, help="Total synthetic residents wanted.")
@click.option("--needs", type=click.IntRange(min=0), default=0, help="Total synthetic needs wanted.")
@click.option("--enrolments", type=click.IntRange(min=0), default=0, help="Total synthetic sign-ups wanted.")
def gen_scale(offerings: int, residents: int, needs: int, enrolments: int) -> None:
    """Synthetic county-sized data for benchmarks (bulk inserts; adds only what is missing)."""
    added = demo.generate_offerings(offerings, today())
    people, wishes = demo.generate_people(residents, needs, today())
    signups, outcomes = demo.generate_enrolments(enrolments, today())
    db.session.commit()
    # After a bulk load the query planners need fresh statistics, and PostgreSQL its visibility map
    # for index-only scans (its autovacuum would see to both within minutes; SQLite never gathers
    # statistics by itself): the 驾驶舱 at scale depends on them.
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    click.echo(
        f"gen-scale: {added} offerings, {people} residents, {wishes} needs, {signups} enrolments, "
        f"{outcomes} outcomes added"
    )


@click.command("create-user")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--institution", "institution_id", type=int, help="Institution id (institution staff).")
@click.option("--town", "town_name", help="Town name or id (community workers).")
@click.option("--name", default="", help="Name shown to residents on what this person entered for them.")
@click.option("--mentor", "mentor_id", type=int, help="Mentors: the id of their row in the mentors list.")
@click.option("--subjects", help="Mentors: programmes they guide, comma-separated (电工,育婴员).")
@click.option("--kinds", help="Mentors: kinds they guide, comma-separated (degree,skill,community).")
@click.option("--phone", help="Mentors: the phone residents call them on (a new mentor).")
@click.option("--org", default=None, help="Enterprise name (enterprise accounts; made in --town if new).")
def create_user(
    role, username, password, institution_id, town_name, name, mentor_id, subjects, kinds, phone, org
) -> None:
    """Create a staff account, or reset its password and role if the username exists."""
    from app.services import staff

    try:
        user, created = staff.create_or_update_user(
            role,
            username,
            password,
            institution_id,
            town_name,
            name,
            org,
            mentor_id=mentor_id,
            subjects=subjects,
            kinds=kinds,
            phone=phone,
        )
        if role == "mentor" and staff.mentor_row(user) is None:
            raise staff.StaffError(
                "a mentor needs --mentor ID (their row in the mentors list) or --institution and --phone"
            )
    except staff.StaffError as error:
        raise click.UsageError(str(error)) from error
    db.session.commit()
    click.echo(f"{'created' if created else 'updated'} {user.role} {user.username}")


DEMO_PASSWORD = "xuehou-demo"
DEMO_STAFF = (  # role, username, what they see
    ("worker", "demo-worker", "/worker/login"),
    ("institution", "demo-institution", "/admin/login"),
    ("admin", "demo-admin", "/admin/login"),
    ("mentor", "demo-mentor", "/worker/login"),
    ("enterprise", "demo-enterprise", "/enterprise/login"),
)
DEMO_ENTERPRISE = "平湖光电科技有限公司"


@click.command("demo-staff")
def demo_staff() -> None:
    """Demo staff accounts of each role, for development only (make run). Safe to run again: an
    account that exists is left as it is."""
    import os

    from flask import current_app

    from app.models import Institution, Mentor, Town, User
    from app.services import staff

    if not (current_app.debug or os.environ.get("XUEHOU_DEV") == "1"):
        raise click.UsageError("demo staff accounts are for development only: run with XUEHOU_DEV=1 (make run does)")
    town = db.session.scalar(db.select(Town).where(Town.name == "当湖街道")) or db.session.scalar(
        db.select(Town).order_by(Town.id)
    )
    institution = db.session.scalar(db.select(Institution).order_by(Institution.id))
    if town is None or institution is None:
        raise click.UsageError("load the demo county first: flask --app wsgi demo-data")
    base = (current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")
    click.echo(f"site: {base}/  ·  长辈版: {base}/elder/")
    click.echo(f"demo staff accounts (password {DEMO_PASSWORD}):")
    for role, username, login in DEMO_STAFF:
        user = db.session.scalar(db.select(User).where(User.username == username))
        if user is None:
            names = {
                "worker": f"演示社区工作者（{town.name}）",
                "institution": f"演示院校人员（{institution.name}）",
                "enterprise": f"演示企业人员（{DEMO_ENTERPRISE}）",
            }
            # The demo mentor logs in as the first mentor of the demo county's list.
            mentor = db.session.scalar(db.select(Mentor).where(Mentor.user_id.is_(None)).order_by(Mentor.id))
            if role == "mentor":
                names["mentor"] = mentor.name if mentor else "演示导师"
            staff.create_or_update_user(
                role,
                username,
                DEMO_PASSWORD,
                institution.id,
                str(town.id),
                names.get(role, "演示教育局"),
                DEMO_ENTERPRISE if role == "enterprise" else None,
                mentor_id=mentor.id if role == "mentor" and mentor else None,
                phone="13900000000" if role == "mentor" and not mentor else None,
            )
            state = "created"
        else:
            state = "already there"
        click.echo(f"  {role:<12} {username:<17} {base}{login}  ({state})")
    db.session.commit()


@click.command("run-draws")
def run_draws() -> None:
    """Draw every lottery class whose sign-up window has closed (safe to run again, or from cron)."""
    from app.services import enrolment

    ids = [offering.id for offering in enrolment.due_draws()]
    db.session.rollback()  # each draw is a write transaction of its own
    drawn = 0
    for offering_id in ids:
        begin_write()
        drawn += enrolment.draw_if_due(db.session.get(Offering, offering_id))
        db.session.commit()
    click.echo(f"run-draws: {drawn} classes drawn")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_data)
    app.cli.add_command(vocabulary_load)
    app.cli.add_command(gen_scale)
    app.cli.add_command(create_user)
    app.cli.add_command(run_draws)
    app.cli.add_command(demo_staff)
