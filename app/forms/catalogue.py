"""The catalogue's filter form: a GET form, so plain WTForms over the query string (no CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectField, StringField
from wtforms.validators import Optional

from app.i18n import display_name
from app.labels import KINDS
from app.models import Town
from app.services import search
from app.services.catalogue import Filters


def _strip(value: str | None) -> str | None:
    return search.normalise(value) if value is not None else None


class CatalogueFilterForm(Form):
    q = StringField(
        _l("搜索课程"), filters=[_strip], description=_l("可输入汉字、拼音或拼音首字母，如“烘焙”“hongbei”“hb”")
    )
    kind = SelectField(_l("类别"), validators=[Optional()], filters=[_strip])
    town = SelectField(_l("镇/街道"), validators=[Optional()], filters=[_strip])
    weekday = SelectField(_l("星期"), validators=[Optional()], filters=[_strip])
    audience = SelectField(_l("适合人群"), validators=[Optional()], filters=[_strip])

    def __init__(self, args: MultiDict, towns: list[Town], weekday_names: dict[int, str]):
        # `town` takes the town's id or its name; names are mapped to ids before validating.
        args = MultiDict(args)
        by_name = {town.name: str(town.id) for town in towns}
        if args.get("town") in by_name:
            args["town"] = by_name[args["town"]]
        super().__init__(args)
        # The empty choice reads as a prompt ("星期：不限"), never as a value a class has ("每天").
        self.kind.choices = [("", _l("类别：不限")), *KINDS.items()]
        self.town.choices = [("", _l("镇/街道：不限")), *((str(t.id), display_name(t)) for t in towns)]
        self.weekday.choices = [("", _l("星期：不限")), *((str(d), name) for d, name in weekday_names.items())]
        self.audience.choices = [("", _l("适合人群：不限")), ("senior", _l("适合长辈"))]

    def ignored_labels(self) -> list[str]:
        return [str(self[name].label.text) for name in self.errors]

    def filters(self) -> Filters:
        """The valid filters; an invalid one is dropped (and listed in `self.errors`)."""
        self.validate()

        def valid(field) -> str | None:
            return None if field.errors or not field.data else field.data

        weekday, town = valid(self.weekday), valid(self.town)
        return Filters(
            q=self.q.data or "",
            kind=valid(self.kind),
            town_id=int(town) if town else None,
            weekday=int(weekday) if weekday else None,
            senior=valid(self.audience) == "senior",
        )
