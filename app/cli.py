"""Commands: `flask --app wsgi demo-data`, `gen-scale`."""

from __future__ import annotations

import click
from flask import Flask

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
def create_user(role, username, password, institution_id, town_name, name) -> None:
    """Create a staff account, or reset its password and role if the username exists."""
    from app.services import staff

    try:
        user, created = staff.create_or_update_user(role, username, password, institution_id, town_name, name)
    except staff.StaffError as error:
        raise click.UsageError(str(error)) from error
    db.session.commit()
    click.echo(f"{'created' if created else 'updated'} {user.role} {user.username}")


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
