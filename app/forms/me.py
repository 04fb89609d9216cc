"""/me: a phone number, then the code sent to it."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import StopValidation

from app.forms.base import PhoneField, SubmissionForm
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
