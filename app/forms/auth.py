"""Staff log-in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from app.forms.base import SubmissionForm


class LoginForm(SubmissionForm):
    username = StringField(
        _l("用户名"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[InputRequired(_l("请输入用户名"))],
    )
    password = PasswordField(_l("密码"), validators=[InputRequired(_l("请输入密码"))])
