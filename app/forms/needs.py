"""The need report: who they are, what they want to learn, when and where."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.forms.base import (
    CheckboxesField,
    ChoiceField,
    EnteredBy,
    IdCardField,
    NameField,
    PhoneField,
    RadioChoiceField,
    SubmissionForm,
)
from app.i18n import display_name
from app.labels import CERT_LEVELS, CONSENT_METHODS, EDUCATION, KINDS, WORK
from app.services import search
from app.services.identity import mask_id_card
from app.services.needs import Wish
from app.services.residents import Person
from app.vocabulary import Kind

AGE_BANDS = ["18-29", "30-39", "40-49", "50-59", "60+"]
TIMES = {"morning": _l("上午"), "afternoon": _l("下午"), "evening": _l("晚上")}


def _clean(value):
    return search.normalise(value) if isinstance(value, str) else value


class NeedForm(SubmissionForm):
    # who
    name = NameField()
    phone = PhoneField(description=_l("用来查看您的学习计划，不会公开"))
    town = ChoiceField(_l("您住在哪个镇/街道？"), validators=[InputRequired(_l("请选择您住的镇/街道"))])
    age_band = ChoiceField(_l("年龄"), validators=[InputRequired(_l("请选择年龄段"))])
    education = ChoiceField(_l("最高学历"), validators=[InputRequired(_l("请选择您的最高学历"))])
    work = ChoiceField(_l("工作情况"), validators=[InputRequired(_l("请选择工作情况"))])
    industry = StringField(
        _l("行业或单位（选填）"), filters=[_clean], validators=[Optional(), Length(max=40, message=_l("请少于40个字"))]
    )
    residence = RadioChoiceField(_l("户口（选填）"), validators=[Optional()], description=_l("补贴标准可能不同"))
    id_card = IdCardField()
    # what
    kind = RadioChoiceField(_l("想学哪一类？"), validators=[InputRequired(_l("请选择想学的类别"))])
    target = StringField(
        _l("想学什么？"),
        filters=[_clean],
        validators=[
            InputRequired(_l("请写下想学什么，例如“大专”“电工证”“烘焙”")),
            Length(max=60, message=_l("请少于60个字")),
        ],
    )
    major = StringField(
        _l("想读的专业（选填）"), filters=[_clean], validators=[Optional(), Length(max=60, message=_l("请少于60个字"))]
    )
    held_level = RadioChoiceField(
        _l("想学的这一行，您已有职业技能等级证书吗？（选填）"),
        validators=[Optional()],
        description=_l("有证书可以直接学更高一级；没有就从初级学起"),
    )
    weekdays = CheckboxesField(_l("哪几天方便上课？（可多选）"), coerce=int)
    times = CheckboxesField(_l("什么时间方便？（可多选）"))
    where = ChoiceField(_l("想在哪里上课？"), validators=[Optional()])
    notes = TextAreaField(
        _l("还有什么要说的？（选填）"),
        filters=[_clean],
        validators=[Optional(), Length(max=500, message=_l("请少于500个字"))],
    )
    consent = BooleanField(
        _l("我同意用以上信息为我匹配课程，并由老师联系我"),
        validators=[InputRequired(_l("请勾选同意，我们才能为您匹配课程"))],
    )

    def __init__(self, towns, weekday_names: dict[int, str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        town_choices = [(str(t.id), display_name(t)) for t in towns]
        by_name = {name: value for value, name in town_choices}
        for field in (self.town, self.where):  # the contract: a town's name or its id
            if field.data in by_name:
                field.data = by_name[field.data]
        self.town.choices = [("", _l("请选择")), *town_choices]
        self.where.choices = [("", _l("就在我住的镇/街道")), *town_choices]
        self.age_band.choices = [("", _l("请选择")), *((a, _age_label(a)) for a in AGE_BANDS)]
        self.education.choices = [("", _l("请选择")), *EDUCATION.items()]
        self.work.choices = [("", _l("请选择")), *WORK.items()]
        self.residence.choices = [("户籍", _l("本地户籍")), ("流动人口", _l("外地户籍（新平湖人）"))]
        self.kind.choices = list(KINDS.items())
        self.held_level.choices = [("", _l("没有")), *CERT_LEVELS.items()]
        self.weekdays.choices = list(weekday_names.items())
        self.times.choices = list(TIMES.items())

    def person(self) -> Person:
        return Person(
            name=self.name.data,
            phone=self.phone.data,
            town_id=int(self.town.data),
            age_band=self.age_band.data,
            education=self.education.data,
            work=self.work.data,
            industry=self.industry.data or None,
            residence=self.residence.data or None,
            id_card=self.id_card.data or None,
        )

    def wish(self) -> Wish:
        return Wish(
            kind=self.kind.data,
            target=self.target.data,
            major=self.major.data if self.kind.data == Kind.DEGREE else None,
            weekdays=tuple(self.weekdays.data or ()),
            times=tuple(self.times.data or ()),
            town_id=int(self.where.data) if self.where.data else None,
            notes=self.notes.data or "",
            held_level=(self.held_level.data or None) if self.kind.data == Kind.SKILL else None,
        )


def _age_label(band: str):
    return _l("60岁及以上") if band == "60+" else _l("%(band)s岁", band=band)


class AssistedNeedForm(EnteredBy, NeedForm):
    """The same questions, entered by a community worker for a resident, with how they agreed."""

    consent_method = RadioChoiceField(_l("居民怎样同意的？"), validators=[InputRequired(_l("请选择居民同意的方式"))])
    consent = BooleanField(
        _l("居民已同意登记以上信息，用于匹配课程和联系"), validators=[InputRequired(_l("请先征得居民同意并勾选"))]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent_method.choices = list(CONSENT_METHODS.items())
        # The worker reads these: the resident is spoken of (居民), never spoken to (您).
        self.phone.description = _l("居民用这个号码查看学习计划，不会公开")
        self.town.label.text = _l("居民住在哪个镇/街道？")
        self.town.validators = [InputRequired(_l("请选择居民住的镇/街道"))]
        self.education.validators = [InputRequired(_l("请选择居民的最高学历"))]
        self.held_level.label.text = _l("想学的这一行，居民已有职业技能等级证书吗？（选填）")
        self.where.choices = [("", _l("就在居民住的镇/街道")), *self.where.choices[1:]]

    def offer_resident(self, resident) -> None:
        """Fill in what the resident's record already says (a found resident's "记录学习需求")."""
        self.name.data, self.phone.data = resident.name, resident.phone
        if resident.town_id:
            self.town.data = str(resident.town_id)
        for name in ("age_band", "education", "work", "industry", "residence"):
            if getattr(resident, name, None):
                self[name].data = getattr(resident, name)

    def readback(self) -> list[tuple[str, str]]:
        """(question, answer) for every answered field, as the resident will hear it read back."""
        lines = []
        for field in self:
            if field.type in ("CSRFTokenField", "HiddenField") or field.name == "consent":
                continue
            if field.type in ("ChoiceField", "RadioChoiceField", "CheckboxesField"):
                chosen = field.data if isinstance(field.data, list) else [field.data]
                labels = dict(field.choices)
                answer = "、".join(str(labels.get(value, value)) for value in chosen if value not in (None, ""))
            elif field.name == "id_card" and field.data:
                answer = mask_id_card(field.data)
            else:
                answer = field.data or ""
            if answer:
                lines.append((str(field.label.text), str(answer)))
        return lines


class StopPushForm(SubmissionForm):
    """The one button of a text's stop link: no more "有您想学的课了" texts."""
