"""A mentor records a one-to-one contact with one of their residents."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, StopValidation

from app.clock import today
from app.forms.admin import DayField, _strip
from app.forms.base import RadioChoiceField, SubmissionForm
from app.models import ContactMethod

CONTACT_METHODS = {
    ContactMethod.PHONE: _l("电话"),
    ContactMethod.VISIT: _l("上门或见面"),
    ContactMethod.WECHAT: _l("微信"),
}


class ContactForm(SubmissionForm):
    contact_on = DayField(_l("联系日期"), description=_l("例如 2026-12-01"))
    method = RadioChoiceField(
        _l("怎么联系的"),
        choices=lambda: list(CONTACT_METHODS.items()),
        validators=[InputRequired(_l("请选择怎么联系的"))],
    )
    advice = TextAreaField(
        _l("给了什么建议"),
        filters=[_strip],
        validators=[
            InputRequired(_l("请写下给了什么建议，例如“先报电工初级，周六班”")),
            Length(max=1000, message=_l("最多1000字")),
        ],
    )

    def validate_contact_on(self, field) -> None:
        if field.value is not None and field.value > today():
            raise StopValidation(_l("联系日期不能晚于今天"))
