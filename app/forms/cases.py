"""A worker's case: record a contact (state, note, next contact date); the bureau hands it on."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.forms.admin import DayField, _strip
from app.forms.base import ChoiceField, RadioChoiceField, SubmissionForm
from app.models import CaseState

CASE_STATES = {
    CaseState.NEW: _l("新的，还没联系"),
    CaseState.CONTACTED: _l("已联系"),
    CaseState.WAITING: _l("等居民回复"),
    CaseState.DONE: _l("已办结"),
}

CASE_KINDS = {
    "need": _l("学习需求"),
    "callback": _l("要回电话"),
    "offer": _l("候补转正，名额待确认"),
    "starting": _l("本周开课"),
}


class CaseForm(SubmissionForm):
    state = RadioChoiceField(
        _l("现在的情况"),
        choices=lambda: list(CASE_STATES.items()),
        validators=[InputRequired(_l("请选择现在的情况"))],
    )
    note = TextAreaField(
        _l("记录"),
        filters=[_strip],
        validators=[Optional(), Length(max=1000, message=_l("记录最多1000字"))],
        description=_l("说了什么、居民怎么说、下一步做什么"),
    )
    next_contact = DayField(_l("下次联系日期"), required=False, description=_l("选填，例如 2026-12-08"))


class ReassignForm(SubmissionForm):
    worker = ChoiceField(_l("交给本镇的社区工作者"), validators=[InputRequired(_l("请选择一位社区工作者"))])

    def __init__(self, workers, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.worker.choices = [("", _l("请选择"))] + [(str(w.id), w.name or w.username) for w in workers]
