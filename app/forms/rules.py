"""What a worker's phone checks before it keeps a form offline: the server's own rules, as data.

GET /worker/rules.json serves them (outbox.js keeps a copy on the phone), so a resident still at the
door hears about a missing answer or a mistyped number, in the words the server would use, instead
of a refusal arriving hours later. Only what the phone can check is sent: required answers, lengths,
and the phone, name and ID-card formats (patterns from app.services.identity). What needs the
database (is this phone new? is the class full?) is the server's to say when the item is sent.

Keys (short: they travel on every worker page): r required message; p pattern the whole value must
match, m its message; s characters to strip, pre prefixes to drop, d dots to turn into "·", h Han
characters (then spaces go), u upper-case; x longest length, xm its message; w, c check-character
weights and characters (GB 11643).
"""

from __future__ import annotations

from wtforms import Form
from wtforms.validators import InputRequired, Length


def client_rules(form: Form) -> dict[str, dict]:
    rules = {}
    for field in form:
        rule = field.client_rule() if hasattr(field, "client_rule") else {}
        for validator in field.validators:
            if isinstance(validator, InputRequired):
                rule["r"] = str(validator.message)
            elif isinstance(validator, Length) and validator.max > 0:
                rule["x"], rule["xm"] = validator.max, str(validator.message)
        if rule:
            rules[field.name] = rule
    return rules
