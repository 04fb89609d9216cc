"""Commands: `flask --app wsgi demo-data`, `gen-scale`."""

from __future__ import annotations

import click
from flask import Flask

from app import demo
from app.clock import today
from app.extensions import db


@click.command("demo-data")
def demo_data() -> None:
    """Load the demo county (Pinghu). Safe to run again: nothing is added twice."""
    added = demo.load_demo(today())
    db.session.commit()
    click.echo("demo data: " + ", ".join(f"{n} {what} added" for what, n in added.items()))


@click.command("gen-scale")
@click.option("--offerings", type=click.IntRange(min=0), default=0, help="Total synthetic offerings wanted.")
@click.option("--residents", type=click.IntRange(min=0), default=0, help="Total synthetic residents wanted.")
@click.option("--needs", type=click.IntRange(min=0), default=0, help="Total synthetic needs wanted.")
def gen_scale(offerings: int, residents: int, needs: int) -> None:
    """Synthetic county-sized data for benchmarks (bulk inserts; adds only what is missing)."""
    added = demo.generate_offerings(offerings, today())
    people, wishes = demo.generate_people(residents, needs, today())
    db.session.commit()
    click.echo(f"gen-scale: {added} offerings, {people} residents, {wishes} needs added")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_data)
    app.cli.add_command(gen_scale)
