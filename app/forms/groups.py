"""An enterprise's group class for its employees (企业组班). Messages say what to do."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from app.forms.admin import WholeField, _strip, _text
from app.forms.base import CheckboxesField, ChoiceField, NameField, PhoneField, SubmissionForm
from app.labels import TIMES_OF_DAY
from app.models import MAX_EMPLOYEES
from app.services import groups
from app.vocabulary import CERT_LEVEL_LABELS, Kind


class GroupForm(SubmissionForm):
    programme = _text(
        _l("学什么"),
        max_length=60,
        description=_l("课程或工种，例如：电工、叉车司机、中式烹调师、大专学历"),
    )
    cert_level = ChoiceField(
        _l("考哪一级证书"),
        choices=lambda: [("", _l("不分等级")), *((str(k), v) for k, v in CERT_LEVEL_LABELS.items())],
        description=_l("分等级考证的课请选等级，例如电工中级（四级证）选“中级”；叉车等操作证和不考证的课选“不分等级”"),
    )
    town = ChoiceField(_l("员工在哪个镇/街道"), validators=[InputRequired(_l("请选择员工所在的镇或街道"))])
    people = WholeField(
        _l("有多少员工想学"), minimum=1, maximum=MAX_EMPLOYEES, description=_l("1 到 %(max)s 人", max=MAX_EMPLOYEES)
    )
    weekdays = CheckboxesField(_l("哪几天方便上课？（可多选）"), coerce=int)
    times = CheckboxesField(_l("什么时间方便？（可多选）"))
    note = TextAreaField(
        _l("还要说明的（选填）"),
        filters=[_strip],
        validators=[Optional(), Length(max=500, message=_l("请少于500个字"))],
        description=_l("例如：希望在厂里上课、三班倒的员工只能周末"),
    )
    contact_name = NameField(_l("企业联系人"))
    contact_phone = PhoneField(_l("联系人手机"))

    def __init__(self, *args, towns, weekdays: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.town.choices = [("", _l("请选择")), *((str(t.id), t.name) for t in towns)]
        self.weekdays.choices = list(weekdays.items())
        self.times.choices = list(TIMES_OF_DAY.items())
        self.meaning: groups.Meaning | None = None

    def validate_programme(self, field) -> None:
        self.meaning = groups.understand(field.data or "")
        if self.meaning is None:
            raise StopValidation(
                _l("课程词表里没有“%(text)s”，请换个常用的叫法，例如：电工、叉车司机、育婴员", text=field.data)
            )

    def validate_cert_level(self, field) -> None:
        meaning = groups.understand(self.programme.data or "")
        if meaning is None:
            return
        if meaning.kind == Kind.SKILL and not (field.data or meaning.level) and groups.levels_of(meaning.programme):
            raise StopValidation(_l("%(name)s分等级考证，请选要考哪一级，例如“中级”", name=meaning.programme))
        if meaning.kind != Kind.SKILL and field.data:
            raise StopValidation(_l("“%(name)s”不考职业技能等级证书，请选“不分等级”", name=meaning.programme))

    def values(self) -> groups.GroupInput:
        meaning = self.meaning or groups.understand(self.programme.data)
        return groups.GroupInput(
            kind=meaning.kind,
            programme=meaning.programme,
            cert_level=(self.cert_level.data or meaning.level) if meaning.kind == Kind.SKILL else None,
            town_id=int(self.town.data),
            people=self.people.value,
            weekdays=list(self.weekdays.data or ()),
            times=[t for t in TIMES_OF_DAY if t in (self.times.data or ())],
            note=self.note.data or "",
            contact_name=self.contact_name.data,
            contact_phone=self.contact_phone.data,
        )
