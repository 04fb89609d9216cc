"""What every POST form shares: CSRF (Flask-WTF), a server-issued submission id, and field helpers
that normalise before validating and say what to do in the user's language."""

from __future__ import annotations

import re
import unicodedata
import uuid

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget, Select

from app import fragments, resubmit
from app.services import identity

SUBMISSION_ID = re.compile(r"[0-9a-f]{32}")


def new_submission_id() -> str:
    return uuid.uuid4().hex


# Characters with no place in anything typed here: zero-width space, word joiner, byte-order mark.
ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff]")


def _invisible(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc")  # format and control characters (NUL)


def normalise_typed(value: str, exact: bool = False) -> str:
    """What was typed, before any validator sees it: spaces (full-width too) and invisible format
    characters at either end dropped, zero-width characters dropped, so a required answer made of
    spaces or a zero-width character is empty, i.e. "required". `exact` (passwords) keeps the value
    as typed unless it is only invisible characters."""
    if all(_invisible(ch) for ch in value):
        return ""
    if exact:
        return value
    value = ZERO_WIDTH.sub("", value)
    start, end = 0, len(value)
    while start < end and _invisible(value[start]):
        start += 1
    while end > start and _invisible(value[end - 1]):
        end -= 1
    return value[start:end]


class SubmissionForm(FlaskForm):
    """A form whose every submission carries the id it was issued when rendered.

    A replay of the same id returns what the first submission created (see the services)."""

    class Meta:
        locales = False

        def render_field(self, field, render_kw):
            """Hidden inputs (CSRF token, submission id) without an id: no label points at them, and a
            page with several forms would repeat the same id (invalid HTML)."""
            if isinstance(field.widget, HiddenInput):
                render_kw = {"id": False, **render_kw}
            render = super().render_field
            if isinstance(field, SelectField) and type(field.widget) is Select:
                # A select (the towns: a dozen options, each escaped and compared) is the same HTML
                # for the same name, attributes, choices and value: rendered once per such state.
                return fragments.select(field, render_kw, lambda: render(field, render_kw))
            return render(field, render_kw)

        def wrap_formdata(self, form, formdata):
            """The posted answers, normalised (normalise_typed) before fields and validators see them."""
            formdata = super().wrap_formdata(form, formdata)
            if formdata is None:
                return None
            exact = {name for name, field in form._fields.items() if isinstance(field, PasswordField)}
            cleaned = MultiDict()
            for key, value in formdata.items(multi=True):
                cleaned.add(key, normalise_typed(value, key in exact) if isinstance(value, str) else value)
            return cleaned

    submission_id = HiddenField(default=new_submission_id)

    def validate_submission_id(self, field) -> None:
        # A POST without the id it was issued would make a new record on every retry: refuse it too.
        if not field.raw_data or not SUBMISSION_ID.fullmatch(field.data or ""):
            # A tampered or truncated id: issue a fresh one and ask for the form again.
            field.data = new_submission_id()
            raise ValidationError(_l("表单已过期，请再提交一次。"))

    def validate(self, extra_validators=None) -> bool:
        """As WTForms; and for a form sent again after its token expired (app.resubmit), never
        valid: the answers come back as sent, with one message and a fresh token."""
        valid = super().validate(extra_validators)
        if resubmit.active():
            if "csrf_token" in self._fields:
                self.csrf_token.errors = []
            self.submission_id.errors = [resubmit.MESSAGE]
            return False
        return valid

    def add_error(self, field_name: str, message: str) -> None:
        self[field_name].errors = [*self[field_name].errors, message]

    @property
    def error_count(self) -> int:
        return sum(1 for f in self if f.errors)


def _logged_in_worker() -> str:
    return str(current_user.id) if current_user.is_authenticated else ""


class EnteredBy:
    """Mixin for a worker's forms: who entered it, stamped when the form is rendered.

    The stamp travels with the answers, also into the phone's outbox; a submission stamped by
    another worker than the one logged in is refused and waits for them (app.services.outbox)."""

    worker = HiddenField(default=_logged_in_worker)


# Each field below keeps its messages in one place: its checks use them, and `client_rule()` hands the
# same messages and patterns (from app.services.identity) to the worker's phone (app.forms.rules).


class PhoneField(StringField):
    """A mainland mobile number; spaces, hyphens, +86 and full-width digits accepted."""

    REQUIRED = _l("请输入手机号码")
    INVALID = _l("请输入11位手机号码，例如 13812345678")

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("description", _l("11位手机号码，例如 13812345678"))
        super().__init__(label or _l("手机号码"), filters=[identity.normalise_phone], **kwargs)

    def pre_validate(self, form) -> None:
        if not self.data:
            raise StopValidation(self.REQUIRED)
        if not identity.is_mobile(self.data):
            raise StopValidation(self.INVALID)

    def client_rule(self) -> dict:
        return {
            "r": str(self.REQUIRED),
            "s": identity.PHONE_STRIP,
            "pre": list(identity.PHONE_PREFIXES),
            "p": identity.PHONE.pattern,
            "m": str(self.INVALID),
        }


class NameField(StringField):
    REQUIRED = _l("请输入姓名")
    INVALID = _l("请输入真实姓名，只用汉字（少数民族姓名中间可用“·”）或拼音字母")

    def __init__(self, label=None, **kwargs):
        super().__init__(label or _l("姓名"), filters=[identity.normalise_name], **kwargs)

    def pre_validate(self, form) -> None:
        if not self.data:
            raise StopValidation(self.REQUIRED)
        if not identity.is_name(self.data):
            raise StopValidation(self.INVALID)

    def client_rule(self) -> dict:
        invalid = str(self.INVALID)
        return {
            "r": str(self.REQUIRED),
            "d": identity.NAME_DOTS,
            "h": identity.HAN,
            "p": identity.NAME.pattern,
            "m": invalid,
            "x": identity.NAME_MAX,
            "xm": invalid,
        }


class IdCardField(StringField):
    """Optional mainland ID-card number, checked with the GB 11643 check character."""

    INVALID = _l("身份证号码不正确，请核对18位号码（最后一位可能是 X），或者留空")

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("description", _l("选填。18位，最后一位可能是 X"))
        super().__init__(label or _l("身份证号码"), filters=[identity.normalise_id_card], **kwargs)

    def pre_validate(self, form) -> None:
        if self.data and not identity.is_id_card(self.data):
            raise StopValidation(self.INVALID)

    def client_rule(self) -> dict:
        return {
            "s": identity.ID_STRIP,
            "u": 1,
            "p": identity.ID_CARD.pattern,
            "m": str(self.INVALID),
            "w": list(identity.ID_WEIGHTS),
            "c": identity.ID_CHECK,
        }


INVALID_CHOICE = _l("请从给出的选项中选择")


class _OwnChoiceMessages:
    """WTForms' built-in choice messages are English; ours say what to do in the user's language."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(INVALID_CHOICE) from error

    def pre_validate(self, form) -> None:
        if self.data in (None, "", []):
            return  # nothing chosen: InputRequired (or Optional) says what to do
        try:
            super().pre_validate(form)
        except ValueError as error:
            raise StopValidation(INVALID_CHOICE) from error


class ChoiceField(_OwnChoiceMessages, SelectField):
    pass


class RadioChoiceField(_OwnChoiceMessages, RadioField):
    pass


class CheckboxesField(_OwnChoiceMessages, SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
