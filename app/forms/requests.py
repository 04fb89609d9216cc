"""The bureau's request to an institution to open a class, and the institution's answer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app import labels
from app.forms.admin import WholeField, _strip, _text
from app.forms.base import CheckboxesField, ChoiceField, RadioChoiceField, SubmissionForm
from app.models import RequestAnswer


class ClassRequestForm(SubmissionForm):
    institution = ChoiceField(_l("请哪个院校开班？"), validators=[InputRequired(_l("请选择院校"))])
    programme = _text(_l("开什么课"), max_length=60, description=_l("例如：电工（初级）、烘焙"))
    kind = ChoiceField(_l("类别"), validators=[InputRequired(_l("请选择类别"))])
    town = ChoiceField(_l("在哪个镇/街道开"), validators=[InputRequired(_l("请选择镇或街道"))])
    people = WholeField(_l("大约多少人想学"), minimum=1, maximum=10_000)
    weekdays = CheckboxesField(_l("他们方便的日子"), coerce=int)
    note = TextAreaField(
        _l("还要说明的（选填）"),
        filters=[_strip],
        validators=[Optional(), Length(max=1000, message=_l("请少于1000个字"))],
    )

    def __init__(self, *args, institutions, towns, weekdays: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.institution.choices = [("", _l("请选择")), *((str(i.id), i.name) for i in institutions)]
        self.kind.choices = [("", _l("请选择")), *labels.KINDS.items()]
        self.town.choices = [("", _l("请选择")), *((str(t.id), t.name) for t in towns)]
        self.weekdays.choices = list(weekdays.items())

    def values(self) -> dict:
        return dict(
            institution_id=int(self.institution.data),
            programme=self.programme.data,
            kind=self.kind.data,
            town_id=int(self.town.data),
            people=self.people.value,
            weekdays=list(self.weekdays.data or ()),
            note=self.note.data or "",
        )


ANSWERS = {RequestAnswer.WILL_OPEN: _l("可以开班"), RequestAnswer.CANNOT: _l("开不了")}


class RequestAnswerForm(SubmissionForm):
    answer = RadioChoiceField(
        _l("能开这个班吗？"), choices=lambda: list(ANSWERS.items()), validators=[InputRequired(_l("请选择能不能开班"))]
    )
    reason = TextAreaField(
        _l("原因或安排"),
        filters=[_strip],
        validators=[Length(max=1000, message=_l("请少于1000个字"))],  # no Optional(): it would skip the rule below
        description=_l("开不了的请写原因，例如：没有老师、场地不够"),
    )

    def validate_reason(self, field) -> None:
        if self.answer.data == RequestAnswer.CANNOT and not field.data:
            raise ValidationError(_l("开不了的话，请写一下原因"))


# The request form sent from an enterprise's group proposal that changed while it was open.
GROUP_REFUSALS = {
    "withdrawn": _l("企业已撤回这个组班申请，不用再请院校开班；要另请院校开别的班，请从驾驶舱重新打开表单"),
    "asked": _l("已经为这个组班请院校开班了（另一位工作人员刚发出），请在开班请求里查看"),
}
