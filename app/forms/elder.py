"""The 长辈版 asks as little as possible."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.forms.base import NameField, PhoneField, SubmissionForm
from app.forms.signup import SignupForm


class CallbackForm(SubmissionForm):
    name = NameField(_l("您的名字"))
    phone = PhoneField(_l("您的手机号码"), description=_l("工作人员会打这个号码"))


class ElderSignupForm(SignupForm):
    """Name and phone; the button says 同意并报名, so pressing it is the consent (one tap fewer)."""

    def validate_consent(self, field) -> None:
        field.data = True
