"""Forms of the institution and bureau pages: programmes, classes, sessions, import, completions,
policies, towns, institutions, mentors and staff accounts. Messages say what to do, including those
for the codes the services raise (CLASS_ERRORS, OUTCOME_ERRORS, LIST_ERRORS at the end)."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import DateInput

from app import clock, labels
from app.clock import today
from app.forms.base import CheckboxesField, ChoiceField, PhoneField, RadioChoiceField, SubmissionForm
from app.i18n import display_name
from app.models import Allocation, Benefit, Kind, Offering, OfferingStatus, OutcomeKind, Role
from app.services import classes, parsing, versions

LOTTERY_CLOSES = dt.time(20, 0)  # a lottery stops taking entries at 8 in the evening of its day


def _strip(value):
    return parsing.clean(value) if isinstance(value, str) else value


class Versioned:
    """Mixin for an edit form: the version of the record it was loaded at, carried in a hidden
    field (app.services.versions compares it with the record's when the form is saved)."""

    version = HiddenField()

    @property
    def loaded_version(self) -> int:
        # What was posted, never the record's own version (WTForms falls back to it when none is).
        return versions.loaded(self.version.raw_data[0] if self.version.raw_data else None)


class _Parsed(StringField):
    """A text box whose value is parsed on validation; the parsed value is `.value`."""

    message = _l("格式不对")
    required_message = _l("请填写这一项")

    def __init__(self, label=None, required: bool = True, **kwargs):
        super().__init__(label, filters=[_strip], **kwargs)
        self.required = required
        self.value = None

    def parse(self, raw):  # pragma: no cover - each subclass parses
        raise NotImplementedError

    def pre_validate(self, form) -> None:
        self.value = None
        if not self.data:
            if self.required:
                raise StopValidation(self.required_message)
            return
        try:
            self.value = self.parse(self.data)
        except (ValueError, OverflowError):
            raise StopValidation(self.message) from None


class DayField(_Parsed):
    """A date within the years any date here may be (ten back, two ahead); classes check more."""

    message = _l("请按“2026-03-01”的样子填写日期")
    required_message = _l("请填写日期，例如 2026-03-01")

    def parse(self, raw):
        return parsing.parse_date(raw)

    def pre_validate(self, form) -> None:
        super().pre_validate(form)
        if self.value is not None and (outside := classes.date_in_range(self.value, today())):
            self.value = None
            raise StopValidation(classes.bound_message("date_out_of_range", **outside))


class ClockField(_Parsed):
    message = _l("请按“08:30”的样子填写时间")
    required_message = _l("请填写时间，例如 08:30")

    def parse(self, raw):
        return parsing.parse_time(raw)


class WholeField(_Parsed):
    """A whole number from `minimum` to `maximum`; the message says the range."""

    message = _l("请填一个整数，例如 30")
    required_message = _l("请填一个整数，例如 30")
    range_message = _l("请填 %(min)s 到 %(max)s 之间的整数")

    def __init__(self, label=None, minimum: int = 0, maximum: int = 100_000_000, **kwargs):
        super().__init__(label, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def parse(self, raw):
        return parsing.parse_whole(raw, maximum=10**12)

    def pre_validate(self, form) -> None:
        super().pre_validate(form)
        if self.value is not None and not self.minimum <= self.value <= self.maximum:
            self.value = None
            raise StopValidation(self.range_message % {"min": self.minimum, "max": self.maximum})


class YearsField(_Parsed):
    message = _l("请填学制年数，例如 2.5")

    def parse(self, raw):
        years = parsing.parse_decimal(raw)
        if not 0 < years <= 10:
            raise ValueError(raw)
        return years


class CoordinateField(_Parsed):
    """A latitude or longitude in decimal degrees, within mainland China's range."""

    message = _l("请填小数形式的度数，例如 30.698")

    def __init__(self, label=None, minimum: float = 0, maximum: float = 180, **kwargs):
        super().__init__(label, required=False, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def parse(self, raw):
        value = float(parsing.parse_decimal(raw))
        if not self.minimum <= value <= self.maximum:
            raise ValueError(raw)
        return round(value, 5)


def _text(label, required=True, max_length=120, **kwargs):
    validators = [InputRequired(_l("请填写这一项"))] if required else []
    validators.append(Length(max=max_length, message=_l("太长了，最多 %(max)d 个字")))
    return StringField(label, filters=[_strip], validators=validators, **kwargs)


def _choices(mapping):
    """Options with "请选择" first, given as a callable (WTForms reads it when the form is built)."""
    return lambda: [("", _l("请选择")), *((key, label) for key, label in mapping.items())]


def _fixed(*pairs):
    return lambda: list(pairs)


class ProgrammeForm(Versioned, SubmissionForm):
    kind = ChoiceField(_l("类别"), choices=_choices(labels.KINDS), validators=[InputRequired(_l("请选择类别"))])
    name = _text(_l("课程名称"), description=_l("例如：电工（初级）、烘焙、行政管理（专科）"))
    name_en = _text(
        _l("英文名或拼音"),
        required=False,
        max_length=160,
        description=_l("英文页面显示这个名字，例如 Calligraphy；留空就显示中文名"),
    )
    description = TextAreaField(_l("简介"), filters=[_strip], validators=[Optional(), Length(max=2000)])
    degree_level = ChoiceField(_l("学历层次"), choices=_choices(labels.DEGREE_LEVELS))
    major = _text(_l("专业"), required=False, max_length=60)
    years = YearsField(_l("学制（年）"), required=False)
    tuition = WholeField(_l("学费（元）"), required=False, maximum=classes.MAX_TUITION)
    certificate = _text(_l("证书"), required=False, max_length=60)
    cert_level = ChoiceField(_l("等级"), choices=_choices(labels.CERT_LEVELS))
    audience = _text(_l("适合人群"), required=False, max_length=40, description=_l("例如：长辈、在职人员"))

    def validate_degree_level(self, field) -> None:
        if self.kind.data == Kind.DEGREE and not field.data:
            raise ValidationError(_l("学历类课程请选择学历层次"))

    def validate_certificate(self, field) -> None:
        if self.kind.data == Kind.SKILL and not field.data:
            raise ValidationError(_l("技能类课程请填写证书名称，例如 电工"))

    def fields_for_model(self) -> dict:
        return dict(
            kind=self.kind.data,
            name=self.name.data,
            name_en=self.name_en.data or "",
            description=self.description.data or "",
            degree_level=self.degree_level.data or None,
            major=self.major.data or None,
            years=self.years.value,
            tuition=self.tuition.value,
            certificate=self.certificate.data or None,
            cert_level=self.cert_level.data or None,
            audience=self.audience.data or None,
        )


class OfferingForm(Versioned, SubmissionForm):
    programme = ChoiceField(_l("课程"), validators=[InputRequired(_l("请选择课程"))])
    code = _text(_l("开班编号"), max_length=40, description=_l("本校自己的编号，例如 DQ-2026-01；导入表格时按它更新"))
    town = ChoiceField(_l("镇/街道"), validators=[InputRequired(_l("请选择上课的镇或街道"))])
    place = _text(_l("上课地点"), max_length=200, description=_l("例如：当湖街道社区学校 301 教室"))
    start_date = DayField(_l("开始日期"), widget=DateInput(), description=_l("例如 2026-03-01"))
    end_date = DayField(_l("结束日期"), widget=DateInput(), description=_l("例如 2026-06-30"))
    weekdays = CheckboxesField(
        _l("每周上课的日子"),
        validators=[InputRequired(_l("请选择每周哪几天上课"))],
        description=_l("一周上两次的，两天都选，例如 星期二 和 星期四"),
    )
    start_time = ClockField(_l("开始时间"), description=_l("例如 08:30"))
    end_time = ClockField(_l("结束时间"), description=_l("例如 11:30"))
    capacity = WholeField(_l("名额"), maximum=classes.MAX_CAPACITY)
    fee = WholeField(_l("费用（元）"), required=False, maximum=classes.MAX_FEE, description=_l("免费的填 0 或留空"))
    signup_deadline = DayField(_l("报名截止"), widget=DateInput(), description=_l("例如 2026-02-25"))
    allocation = RadioChoiceField(
        _l("名额怎么分"),
        choices=lambda: list(labels.ALLOCATIONS.items()),
        default=Allocation.FIRST_COME,
        validators=[Optional()],
    )
    lottery_closes = DayField(
        _l("摇号日期"),
        required=False,
        widget=DateInput(),
        description=_l("摇号的班：这天晚上 8 点停止登记并摇号，要在开课前；之后还有空位就先到先得"),
    )
    min_to_open = WholeField(
        _l("满多少人开班"),
        required=False,
        minimum=1,
        maximum=classes.MAX_CAPACITY,
        description=_l("组班：先收意向报名，满这么多人才开班并通知大家；不需要就留空"),
    )
    senior_friendly = BooleanField(_l("适合长辈（会出现在长辈版）"))
    min_attendance = WholeField(
        _l("结业要求的出勤率（%）"),
        required=False,
        minimum=1,
        maximum=100,
        description=_l("例如 80：到结业时，已上的课至少来了八成才能登记结业；不要求就留空"),
    )

    def __init__(self, *args, programmes, towns, weekdays: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        saved = kwargs.get("obj")
        self.saved_start = saved.start_date if saved is not None else None
        self.programme.choices = [("", _l("请选择")), *((str(p.id), display_name(p)) for p in programmes)]
        self.town.choices = [("", _l("请选择")), *((str(t.id), display_name(t)) for t in towns)]
        self.weekdays.choices = [(str(d), name) for d, name in weekdays.items()]
        self.saved_closes = saved.lottery_closes_at if saved is not None else None

    def validate_lottery_closes(self, field) -> None:
        if self.allocation.data != Allocation.LOTTERY:
            return
        if field.value is None:
            raise ValidationError(_l("摇号的班请填摇号日期，例如开课前一周"))
        if self.start_date.value and field.value >= self.start_date.value:
            raise ValidationError(_l("摇号日期要早于开始日期 %(date)s", date=self.start_date.value.isoformat()))

    def validate_min_to_open(self, field) -> None:
        if field.value is not None and self.capacity.value is not None and field.value > self.capacity.value:
            raise ValidationError(_l("开班人数不能多于名额 %(num)s", num=self.capacity.value))

    def validate_end_date(self, field) -> None:
        if field.value and self.start_date.value and field.value < self.start_date.value:
            raise ValidationError(_l("结束日期不能早于开始日期"))

    def validate_end_time(self, field) -> None:
        if field.value and self.start_time.value and field.value <= self.start_time.value:
            raise ValidationError(_l("结束时间要晚于开始时间"))

    def validate(self, extra_validators=None) -> bool:
        """The fields one by one, then the bounds a class's dates have together."""
        valid = super().validate(extra_validators)
        problems = classes.class_date_problems(
            self.start_date.value,
            self.end_date.value if not self.end_date.errors else None,
            self.signup_deadline.value,
            today(),
            unchanged_start=self.saved_start,
        )
        for name, code, params in problems:
            if not self[name].errors:
                self.add_error(name, classes.bound_message(code, **params))
        return valid and not problems

    def values(self) -> dict:
        return dict(
            programme_id=int(self.programme.data),
            code=self.code.data,
            town_id=int(self.town.data),
            place=self.place.data,
            start_date=self.start_date.value,
            end_date=self.end_date.value,
            **Offering.day_columns(int(day) for day in self.weekdays.data),
            start_time=self.start_time.value,
            end_time=self.end_time.value,
            capacity=self.capacity.value,
            fee=self.fee.value or 0,
            signup_deadline=self.signup_deadline.value,
            senior_friendly=bool(self.senior_friendly.data),
            min_attendance=self.min_attendance.value,
            allocation=self.allocation.data or Allocation.FIRST_COME,
            lottery_closes_at=self.closes_at(),
            min_to_open=self.min_to_open.value,
        )

    def closes_at(self):
        """The lottery's close: 20:00 county time on the day given (kept as it was if the day is)."""
        if self.allocation.data != Allocation.LOTTERY or self.lottery_closes.value is None:
            return None
        saved = lottery_day(self.saved_closes)
        if saved is not None and saved == self.lottery_closes.value:
            return self.saved_closes
        closes = dt.datetime.combine(self.lottery_closes.value, LOTTERY_CLOSES, tzinfo=clock.TZ)
        return closes.astimezone(dt.UTC)


def lottery_day(closes: dt.datetime | None) -> dt.date | None:
    """The county date a lottery closes on (stored as UTC; SQLite hands it back naive)."""
    if closes is None:
        return None
    return (closes if closes.tzinfo else closes.replace(tzinfo=dt.UTC)).astimezone(clock.TZ).date()


class OfferingStatusForm(SubmissionForm):
    status = ChoiceField(
        _l("状态"),
        choices=_fixed(*((status, "") for status in OfferingStatus)),
        validators=[InputRequired(_l("请选择班级的状态"))],  # a POST without it was a 500
    )


class SessionChangeForm(SubmissionForm):
    action = RadioChoiceField(
        _l("这次课怎么变"),
        choices=_fixed(("move", _l("调到另一天或另一个时间、地点")), ("cancel", _l("这次停课"))),
        validators=[InputRequired(_l("请选择调课还是停课"))],
    )
    date = DayField(_l("新的日期"), required=False, description=_l("调课时填写，例如 2026-03-08"))
    start_time = ClockField(_l("开始时间"), required=False)
    end_time = ClockField(_l("结束时间"), required=False)
    place = _text(_l("新的地点"), required=False, max_length=200, description=_l("不变就留空"))
    note = _text(_l("原因"), max_length=200, description=_l("会写进给学员的短信，例如：教师外出培训"))

    def validate_date(self, field) -> None:
        if self.action.data == "move" and not field.value and not field.errors:
            raise ValidationError(_l("调课请填写新的日期，例如 2026-03-08"))
        if field.value and (outside := classes.class_date_problems(field.value, None, None, today())):
            raise ValidationError(classes.bound_message(outside[0][1], **outside[0][2]))

    def validate_end_time(self, field) -> None:
        if field.value and self.start_time.value and field.value <= self.start_time.value:
            raise ValidationError(_l("结束时间要晚于开始时间"))


class AttendanceForm(SubmissionForm):
    present = CheckboxesField(_l("这次来了的学员"), description=_l("按签到表勾选；没勾的算没来"), coerce=int)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.present.choices = [(e.id, f"{e.resident.name} {e.resident.masked_phone}") for e in people]


class ImportForm(SubmissionForm):
    file = FileField(_l("选择表格文件"), description=_l("Excel（.xlsx）或 CSV，第一行是表头，格式见模板"))

    def validate_file(self, field) -> None:
        upload = field.data
        if upload is None or not getattr(upload, "filename", ""):
            raise ValidationError(_l("请选择要导入的表格文件"))
        if not upload.filename.lower().endswith((".xlsx", ".csv")):
            raise ValidationError(_l("只能导入 .xlsx 或 .csv 文件，请在 Excel 里“另存为”这两种格式之一"))


class CompletionForm(SubmissionForm):
    kind = RadioChoiceField(
        _l("完成了什么"),
        choices=_fixed(
            (OutcomeKind.DEGREE, _l("学历毕业")),
            (OutcomeKind.CERTIFICATE, _l("取得职业技能证书")),
            (OutcomeKind.COMPLETION, _l("结业")),
        ),
        validators=[InputRequired(_l("请选择完成了什么"))],
    )
    level = ChoiceField(
        _l("证书等级或学历层次"),
        choices=_choices({**labels.CERT_LEVELS, **labels.DEGREE_LEVELS}),
        description=_l("取证的填证书等级，毕业的填学历层次"),
    )
    evidence = _text(_l("凭证"), max_length=200, description=_l("证书编号或毕业证书编号"))
    completed_on = DayField(_l("完成日期"), description=_l("例如 2026-06-30；不能早于开班，也不能晚于今天"))
    residence = RadioChoiceField(
        _l("学员的户籍"),
        choices=_fixed(("户籍", _l("本地户籍")), ("流动人口", _l("流动人口（外地户籍）"))),
        validators=[InputRequired(_l("补贴政策按户籍区分，请选择学员的户籍"))],
        description=_l("系统里还没有这位学员的户籍；补贴按户籍计算，请问清楚再选"),
    )

    def __init__(self, *args, ask: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        if "residence" not in ask:
            del self.residence

    def validate_level(self, field) -> None:
        if self.kind.data == "certificate" and field.data not in labels.CERT_LEVELS:
            raise ValidationError(_l("取证请选择证书等级，例如 初级"))
        if self.kind.data == OutcomeKind.DEGREE and field.data not in labels.DEGREE_LEVELS:
            raise ValidationError(_l("毕业请选择学历层次，例如 专科"))


class ButtonForm(SubmissionForm):
    """A button that changes one thing (mark paid): only the tokens."""


class PolicyForm(Versioned, SubmissionForm):
    code = _text(_l("政策编号"), max_length=20, description=_l("例如 JN-DG-ZJ"))
    name = _text(_l("政策名称"), max_length=80)
    name_en = _text(
        _l("英文名或拼音"),
        required=False,
        max_length=160,
        description=_l("英文页面显示这个名字，例如 Skill certificate grant；留空就显示中文名"),
    )
    kind = ChoiceField(_l("类别"), choices=_choices(labels.KINDS), validators=[InputRequired(_l("请选择类别"))])
    level = _text(
        _l("层次或等级"),
        required=False,
        max_length=8,
        description=_l("只对这一层次或等级，例如 专科、高级；不限就留空"),
    )
    certificate = _text(_l("只限证书"), required=False, max_length=60, description=_l("只对这个证书；不限就留空"))
    residence = ChoiceField(
        _l("户籍"),
        choices=_fixed(("", _l("不限")), ("户籍", _l("户籍")), ("流动人口", _l("流动人口"))),
        validators=[Optional()],
    )
    basis = RadioChoiceField(
        _l("怎么算"),
        choices=_fixed(("tuition_percent", _l("学费的百分比")), ("fixed", _l("固定金额"))),
        validators=[InputRequired(_l("请选择怎么算"))],
    )
    value = WholeField(_l("数值"), maximum=classes.MAX_TUITION, description=_l("百分比填 40 表示 40%；固定金额填元数"))
    cap = WholeField(_l("最高（元）"), required=False, maximum=classes.MAX_TUITION, description=_l("不封顶就留空"))
    payee = RadioChoiceField(
        _l("发给谁"),
        choices=_fixed(("learner", _l("学员")), ("enterprise", _l("企业"))),
        validators=[InputRequired(_l("请选择发给谁"))],
    )
    benefit = RadioChoiceField(
        _l("哪种补贴"),
        choices=_fixed(
            ("cash", _l("完成后发现金（先交费，凭证书申领）")),
            ("waiver", _l("减免费用（不发现金，不算进现金补贴）")),
            ("enterprise", _l("补给企业")),
        ),
        validators=[Optional()],
        description=_l("不选就是完成后发现金"),
    )
    min_insurance_months = WholeField(
        _l("社保至少缴满（月）"),
        required=False,
        minimum=1,
        maximum=600,
        description=_l("要在本市连续缴纳社保才能领的，填月数，例如 12；不限就留空"),
    )
    needs_certificate = BooleanField(_l("学历和职业技能证书都要取得（双证）"))
    once_per_level = BooleanField(_l("同一职业同一等级只补一次"))
    claim_months = WholeField(
        _l("完成后几个月内申领"),
        required=False,
        minimum=1,
        maximum=120,
        description=_l("例如 12；不限就留空"),
    )
    description = TextAreaField(_l("说明"), filters=[_strip], validators=[Optional(), Length(max=1000)])
    active = BooleanField(_l("正在执行"))

    def validate_value(self, field) -> None:
        if self.basis.data == "tuition_percent" and field.value is not None and field.value > 100:
            raise ValidationError(_l("百分比不能超过 100"))

    def values(self) -> dict:
        return {
            "code": self.code.data,
            "name": self.name.data,
            "kind": self.kind.data,
            "name_en": self.name_en.data or "",
            "level": self.level.data or None,
            "certificate": self.certificate.data or None,
            "residence": self.residence.data or None,
            "basis": self.basis.data,
            "value": self.value.value,
            "cap": self.cap.value,
            "payee": self.payee.data,
            "benefit": self.benefit.data or Benefit.CASH,
            "min_insurance_months": self.min_insurance_months.value,
            "needs_certificate": bool(self.needs_certificate.data),
            "once_per_level": bool(self.once_per_level.data),
            "claim_months": self.claim_months.value,
            "description": self.description.data or "",
            "active": bool(self.active.data),
        }


class TownForm(Versioned, SubmissionForm):
    name = _text(_l("镇/街道名称"), max_length=40)
    name_en = _text(
        _l("英文名或拼音"),
        required=False,
        max_length=80,
        description=_l("英文页面显示这个名字，例如 Danghu Subdistrict；留空就显示中文名"),
    )
    sort_order = WholeField(_l("排序"), required=False, maximum=10_000, description=_l("小的排在前面"))
    latitude = CoordinateField(
        _l("镇政府（街道办）所在地纬度"),
        minimum=3,
        maximum=54,
        description=_l("用来算离居民多远，例如 30.698；不知道就留空"),
    )
    longitude = CoordinateField(_l("经度"), minimum=73, maximum=136, description=_l("例如 121.015"))

    def validate_longitude(self, field) -> None:
        if (field.value is None) != (self.latitude.value is None) and not self.latitude.errors:
            raise ValidationError(_l("纬度和经度要一起填，或者都留空"))

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "name_en": self.name_en.data or "",
            "sort_order": self.sort_order.value or 0,
            "latitude": self.latitude.value,
            "longitude": self.longitude.value,
        }


class TermForm(Versioned, SubmissionForm):
    word = _text(_l("居民的说法"), max_length=40, description=_l("例如 电工上岗证、毛笔字、大专"))
    programme = _text(_l("指的课程"), max_length=40, description=_l("开班名称里有的词，例如 电工、书法、专科"))
    kind = RadioChoiceField(
        _l("类别"), choices=lambda: list(labels.KINDS.items()), validators=[InputRequired(_l("请选择类别"))]
    )

    def values(self) -> dict:
        return {"word": self.word.data, "programme": self.programme.data, "kind": self.kind.data}


class CertificateStepForm(Versioned, SubmissionForm):
    occupation = _text(
        _l("职业（工种）"), required=False, max_length=40, description=_l("例如 电工；留空表示所有没有单列的职业")
    )
    level = ChoiceField(_l("等级"), choices=_choices(labels.CERT_LEVELS), validators=[InputRequired(_l("请选择等级"))])
    requires_level = ChoiceField(
        _l("要先有的证书等级"),
        choices=lambda: [("", _l("不需要")), *labels.CERT_LEVELS.items()],
        validators=[Optional()],
    )
    requires = _text(_l("报名条件（给居民看的话）"), max_length=200)

    def validate_requires_level(self, field) -> None:
        order = list(labels.CERT_LEVELS)
        if field.data and self.level.data in order and order.index(field.data) >= order.index(self.level.data):
            raise ValidationError(_l("要先有的等级必须低于这一级"))

    def values(self) -> dict:
        return {
            "occupation": self.occupation.data or "",
            "level": self.level.data,
            "requires_level": self.requires_level.data or None,
            "requires": self.requires.data,
        }


class DegreeStepForm(Versioned, SubmissionForm):
    level = ChoiceField(
        _l("学历层次"), choices=_choices(labels.DEGREE_LEVELS), validators=[InputRequired(_l("请选择学历层次"))]
    )
    position = WholeField(_l("顺序"), maximum=100, description=_l("从低到高：1、2、3"))
    route = _text(_l("通常的叫法"), required=False, max_length=20, description=_l("例如 高起专、专升本"))
    requires_education = ChoiceField(
        _l("报名至少要什么学历"), choices=lambda: [("", _l("不限")), *labels.EDUCATION.items()], validators=[Optional()]
    )
    attains_education = ChoiceField(
        _l("读完后的学历"), choices=_choices(labels.EDUCATION), validators=[InputRequired(_l("请选择读完后的学历"))]
    )
    requires = _text(_l("报名条件（给居民看的话）"), required=False, max_length=200)

    def values(self) -> dict:
        return {
            "level": self.level.data,
            "position": self.position.value,
            "route": self.route.data or "",
            "requires_education": self.requires_education.data or None,
            "attains_education": self.attains_education.data,
            "requires": self.requires.data or "",
        }


class InstitutionForm(Versioned, SubmissionForm):
    name = _text(_l("名称"), max_length=120)
    name_en = _text(
        _l("英文名或拼音"),
        required=False,
        max_length=160,
        description=_l("英文页面显示这个名字，例如 Danghu Community School；留空就显示中文名"),
    )
    type = ChoiceField(
        _l("类型"), choices=_choices(labels.INSTITUTION_TYPES), validators=[InputRequired(_l("请选择类型"))]
    )
    town = ChoiceField(_l("所在镇/街道"), validators=[InputRequired(_l("请选择所在镇或街道"))])
    address = _text(_l("地址"), required=False, max_length=200)
    phone = _text(_l("电话"), required=False, max_length=20)

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.town.choices = [("", _l("请选择")), *((str(t.id), display_name(t)) for t in towns)]

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "type": self.type.data,
            "name_en": self.name_en.data or "",
            "town_id": int(self.town.data),
            "address": self.address.data or "",
            "phone": self.phone.data or "",
        }


class MentorForm(Versioned, SubmissionForm):
    name = _text(_l("姓名"), max_length=40)
    institution = ChoiceField(_l("所在院校"), validators=[InputRequired(_l("请选择院校"))])
    phone = PhoneField()
    kinds = _text(_l("指导方向"), max_length=40, description=_l("degree、skill、community，用逗号隔开"))
    subjects = _text(
        _l("指导的课程（选填）"),
        required=False,
        max_length=200,
        description=_l("课程名称，用逗号隔开，例如：电工,育婴员。想学这些课的居民先分给这位导师"),
    )
    account = ChoiceField(
        _l("导师的登录账户（选填）"), description=_l("角色为“导师”的账户：登录后在 /mentor/ 看自己的学员")
    )
    active = BooleanField(_l("在岗"))

    def __init__(self, *args, institutions, accounts=(), taken=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.institution.choices = [("", _l("请选择")), *((str(i.id), display_name(i)) for i in institutions)]
        self.account.choices = [("", _l("没有")), *((str(u.id), u.name or u.username) for u in accounts)]
        self.taken = taken  # accounts already linked to another mentor

    def validate_account(self, field) -> None:
        if field.data and int(field.data) in self.taken:
            raise ValidationError(_l("这个账户已经是另一位导师的，请选别的账户"))

    def validate_kinds(self, field) -> None:
        kinds = [k.strip() for k in (field.data or "").split(",") if k.strip()]
        if not kinds or any(k not in labels.KINDS for k in kinds):
            raise ValidationError(_l("请填 degree、skill、community 中的一个或几个，用逗号隔开"))
        field.data = ",".join(kinds)

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "institution_id": int(self.institution.data),
            "phone": self.phone.data,
            "kinds": self.kinds.data,
            "subjects": ",".join(
                x.strip() for x in (self.subjects.data or "").replace("，", ",").split(",") if x.strip()
            ),
            "user_id": int(self.account.data) if self.account.data else None,
            "active": bool(self.active.data),
        }


class UserForm(Versioned, SubmissionForm):
    username = _text(_l("用户名"), max_length=40)
    name = _text(_l("姓名"), required=False, max_length=40)
    role = RadioChoiceField(
        _l("角色"), choices=lambda: list(labels.ROLES.items()), validators=[InputRequired(_l("请选择角色"))]
    )
    institution = ChoiceField(_l("院校（院校工作人员）"))
    town = ChoiceField(_l("镇/街道（社区工作者）"))
    password = PasswordField(_l("密码"), description=_l("至少 8 位；修改账户时留空表示不改密码"))
    active = BooleanField(_l("可以登录"))

    def __init__(self, *args, institutions, towns, new: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.new = new
        self.institution.choices = [("", _l("请选择")), *((str(i.id), display_name(i)) for i in institutions)]
        self.town.choices = [("", _l("请选择")), *((str(t.id), display_name(t)) for t in towns)]

    def validate_institution(self, field) -> None:
        if self.role.data == Role.INSTITUTION and not field.data:
            raise ValidationError(_l("院校工作人员要选择所在院校"))

    def validate_town(self, field) -> None:
        if self.role.data == Role.WORKER and not field.data:
            raise ValidationError(_l("社区工作者要选择所在镇或街道"))

    def validate_password(self, field) -> None:
        if (self.new or field.data) and len(field.data or "") < 8:
            raise ValidationError(_l("密码至少 8 位"))

    def values(self) -> dict:
        """The account's columns, and `password` (None: keep the one it has)."""
        role = self.role.data
        return {
            "username": self.username.data,
            "name": self.name.data or self.username.data,
            "role": role,
            "institution_id": int(self.institution.data) if role == Role.INSTITUTION else None,
            "town_id": int(self.town.data) if role == Role.WORKER else None,
            "active": bool(self.active.data),
            "password": self.password.data or None,
        }


# What the codes the services raise mean to the person filling in the form; each entry takes the
# error's params and is translated when the form is shown.
CLASS_ERRORS = {  # app.services.classes.ClassError
    "programme_exists": lambda: _("本校已有同名课程，请换一个名称，或去修改那门课程"),
    "unknown_programme": lambda: _("请从列表中选择本校的课程"),
    "code_taken": lambda: _("这个开班编号已经用过了，请换一个"),
    "below_taken": lambda taken: _("已有 %(taken)s 人报名，名额不能少于这个数", taken=taken),
}
OUTCOME_ERRORS = {  # app.services.outcomes.OutcomeError
    "not_enrolled": lambda: _("这位学员没有确认的名额，不能登记结业"),
    "already_recorded": lambda: _("这位学员的结业已经登记过了"),
    "in_future": lambda today: _("完成日期不能晚于今天（%(today)s），请核对", today=today),
    "before_start": lambda start: _("完成日期早于开班日期 %(start)s，请核对", start=start),
    "certificate_taken": lambda number, name: _(
        "证书编号 %(number)s 已经登记在%(name)s名下，一个证书只能登记一次；请核对编号", number=number, name=name
    ),
    "attendance_short": lambda attended, held, needed, percent: _(
        "这个班结业要求出勤 %(percent)s%%：已上 %(held)s 次课，至少要来 %(needed)s 次，这位学员来了 %(attended)s 次。"
        "请先在签到表登记出勤",
        percent=percent,
        held=held,
        needed=needed,
        attended=attended,
    ),
    "residence_unknown": lambda: _("补贴政策按户籍区分，请选择学员的户籍"),
}
# Which field of the completion form each OutcomeError belongs to.
OUTCOME_FIELDS = {
    "in_future": "completed_on",
    "before_start": "completed_on",
    "certificate_taken": "evidence",
    "residence_unknown": "residence",
}
LIST_ERRORS = {  # app.services.lists.ListError
    "name_taken": lambda: _("已经有一个同名的记录了，请换一个"),
}
