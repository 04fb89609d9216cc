"""How many open needs a publish of each demo class would reach (issue 16's push rule), on the
database DATABASE_URL names — e.g. after `flask demo-data` and `flask gen-scale --residents 20000
--needs 10000` (the demo county has classes but no needs of its own):

    XUEHOU_DEV=1 DATABASE_URL=sqlite:////tmp/demo.db .venv/bin/python -m bench.push_reach

Prints, per class open for sign-up: the needs narrowed in SQL, the needs the class fits
(matching.fits), and how many of those `may_push` would text; then the totals. Reads only."""

from __future__ import annotations

import time
from collections import Counter

from sqlalchemy import select

from app import create_app
from app.clock import today
from app.extensions import db
from app.models import Offering
from app.services import matching, push, vocabulary


def main() -> None:
    app = create_app()
    with app.app_context():
        day = today()
        offerings = db.session.scalars(
            select(Offering).where(Offering.open_for_signup(day), Offering.still_running(day)).order_by(Offering.code)
        ).all()
        lexicon = vocabulary.lexicon()
        totals: Counter = Counter()
        started = time.perf_counter()
        for offering in offerings:
            candidates = push.candidates(offering)
            cache: dict = {}
            fits = [n for n in candidates if matching.fits(offering.id, n, day, lexicon, cache)]
            texted = sum(push.may_push(n.resident) for n in fits)
            totals.update(classes=1, candidates=len(candidates), fits=len(fits), texted=texted, reached=bool(fits))
            title = offering.title[:18]
            print(f"{offering.code:14} {offering.kind:9} {title:18} {len(candidates):5} {len(fits):5} {texted:4}")
        seconds = time.perf_counter() - started
        print(
            f"{totals['classes']} classes open for sign-up; {totals['reached']} would reach someone; "
            f"needs narrowed in SQL {totals['candidates']}, fitting {totals['fits']}, texted {totals['texted']} "
            f"({seconds:.1f} s for all)"
        )


if __name__ == "__main__":
    main()
