"""/me: a phone number, then the code sent to it."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from app.forms.base import ChoiceField, NameField, PhoneField, SubmissionForm
from app.labels import EDUCATION, WORK
from app.services.identity import halfwidth


class PhoneStepForm(SubmissionForm):
    step = HiddenField(default="send")
    phone = PhoneField(description=_l("我们会把验证码发到这个手机"))


def _digits(value):
    return re.sub(r"\s", "", halfwidth(value or ""))


class CodeStepForm(SubmissionForm):
    step = HiddenField(default="verify")
    code = StringField(_l("短信验证码"), filters=[_digits], description=_l("6位数字，10分钟内有效"))

    def validate_code(self, field) -> None:
        if not re.fullmatch(r"\d{6}", field.data or ""):
            raise StopValidation(_l("请输入短信里的6位数字验证码"))


class DetailsForm(SubmissionForm):
    """A resident corrects their own details (PIPL art. 46)."""

    name = NameField()
    town = ChoiceField(_l("住在哪个镇/街道"), validators=[InputRequired(_l("请选择您住的镇/街道"))])
    education = ChoiceField(_l("最高学历"), validators=[Optional()])
    work = ChoiceField(_l("工作情况"), validators=[Optional()])
    industry = StringField(
        _l("行业或单位（选填）"), validators=[Optional(), Length(max=40, message=_l("请少于40个字"))]
    )

    def __init__(self, towns, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.town.choices = [("", _l("请选择")), *((str(t.id), t.name) for t in towns)]
        self.education.choices = [("", _l("不填")), *EDUCATION.items()]
        self.work.choices = [("", _l("不填")), *WORK.items()]

    def fill(self, resident) -> None:
        self.name.data = resident.name
        self.town.data = str(resident.town_id or "")
        self.education.data = resident.education or ""
        self.work.data = resident.work or ""
        self.industry.data = resident.industry or ""

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "town_id": int(self.town.data),
            "education": self.education.data or None,
            "work": self.work.data or None,
            "industry": self.industry.data or None,
        }


class ConsentForm(SubmissionForm):
    contact = BooleanField(_l("可以给我发短信、打电话，告诉我有我想学的课了（关于我自己报名的通知照常发送）"))
    profiling = BooleanField(_l("可以按我的情况（住哪里、哪天有空、学历和证书）为我排序推荐课程"))


class DeletionForm(SubmissionForm):
    pass
