"""Learn → earn forms: what a resident declares they hold, an enterprise's job and work order, and a
workshop leader's portions. Messages say what to do."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms.validators import InputRequired, StopValidation

from app import labels
from app.clock import today
from app.forms.admin import DayField, WholeField, _Parsed, _text
from app.forms.base import CheckboxesField, ChoiceField, PhoneField, RadioChoiceField, SubmissionForm
from app.services import parsing, vocabulary
from app.vocabulary import CERT_LEVEL_LABELS

MAX_PAY = 100_000  # yuan a month
MAX_PIECES = 1_000_000


class EarnedDayField(DayField):
    """When something was earned: not after today, and as far back as a working life (70 years),
    not only the ten years other dates here may go back."""

    def pre_validate(self, form) -> None:
        _Parsed.pre_validate(self, form)
        if self.value is None:
            return
        day, earliest = today(), dt.date(today().year - 70, 1, 1)
        if self.value > day:
            self.value = None
            raise StopValidation(_l("取得日期不能晚于今天"))
        if self.value < earliest:
            self.value = None
            raise StopValidation(_l("取得日期最早为 %(date)s", date=earliest.isoformat()))


class ClaimForm(SubmissionForm):
    kind = RadioChoiceField(_l("是什么"), validators=[InputRequired(_l("请选择是学历、证书还是结业"))])
    name = _text(_l("名称和等级"), max_length=60, description=_l("例如：电工四级、电工（中级）、专科 会计、书法结业"))
    earned_on = EarnedDayField(_l("取得日期"), description=_l("例如 2025-06-30"))
    certificate_no = _text(_l("证书编号"), required=False, max_length=60, description=_l("选填，工作人员核对时用"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = list(labels.CLAIM_KINDS.items())

    def validate_name(self, field) -> None:
        if self.kind.data == "certificate" and vocabulary.occupation_level(field.data or "")[1] is None:
            raise StopValidation(_l("请写上证书的等级，例如“电工四级”或“电工（中级）”"))


class ListingForm(SubmissionForm):
    show = HiddenField()


class PieceRateField(_Parsed):
    """Yuan a piece, up to two decimals (¥0.35); `.value` is fen."""

    message = _l("请填每件多少元，例如 0.35")
    required_message = _l("请填每件多少元，例如 0.35")

    def parse(self, raw):
        try:
            fen = Decimal(parsing.text(raw).removeprefix("¥").removesuffix("元").strip()) * 100
        except (InvalidOperation, ArithmeticError):  # not a number, or 1e999999999 (decimal.Overflow)
            raise ValueError(raw) from None
        if fen != fen.to_integral_value() or not Decimal(1) <= fen <= Decimal(1_000_000):
            raise ValueError(raw)
        return int(fen)


def _levels(none_label):
    return lambda: [("", none_label), *((str(k), v) for k, v in CERT_LEVEL_LABELS.items())]


class JobForm(SubmissionForm):
    title = _text(_l("岗位名称"), max_length=80, description=_l("例如：设备维修电工"))
    town = ChoiceField(_l("工作地点（镇/街道）"), validators=[InputRequired(_l("请选择工作的镇或街道"))])
    pay_min = WholeField(_l("月薪最低（元）"), maximum=MAX_PAY, description=_l("例如 5000"))
    pay_max = WholeField(_l("月薪最高（元）"), maximum=MAX_PAY, description=_l("例如 7000"))
    shifts = CheckboxesField(_l("班次"), validators=[InputRequired(_l("请至少选一种班次"))])
    occupation = _text(_l("工种"), max_length=40, description=_l("职业分类大典里的名称，例如：电工、叉车司机"))
    cert_level = ChoiceField(_l("要求的证书等级"), choices=_levels(_l("不要求证书")))
    openings = WholeField(_l("招几人"), minimum=1, maximum=10_000, description=_l("例如 3"))

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.town.choices = [("", _l("请选择")), *((str(t.id), t.name) for t in towns)]
        self.shifts.choices = list(labels.SHIFTS.items())

    def validate_pay_max(self, field) -> None:
        if self.pay_min.value is not None and field.value is not None and field.value < self.pay_min.value:
            raise StopValidation(_l("最高月薪不能低于最低月薪"))


JOB_STATES = {"open": _l("招聘中"), "closed": _l("已招满，关闭")}


class JobChangeForm(SubmissionForm):
    """How many the job still wants, and whether it is open; reopening or wanting more tells the
    residents it fits who were not told yet."""

    openings = WholeField(_l("招几人"), minimum=1, maximum=10_000, description=_l("例如 3"))
    status = RadioChoiceField(
        _l("岗位状态"),
        choices=lambda: list(JOB_STATES.items()),
        validators=[InputRequired(_l("请选择招聘中或关闭"))],
    )


class WorkOrderForm(SubmissionForm):
    what = _text(_l("加工什么"), max_length=120, description=_l("例如：拉链头装配"))
    quantity = WholeField(_l("数量（件）"), minimum=1, maximum=MAX_PIECES, description=_l("例如 3000"))
    piece_rate = PieceRateField(_l("计件单价（元/件）"), description=_l("例如 0.35"))
    deadline = DayField(_l("交货日期"), description=_l("例如 2026-12-20"))
    occupation = _text(_l("需要的技能（工种）"), required=False, max_length=40, description=_l("选填，例如：缝纫工"))
    cert_level = ChoiceField(_l("需要的技能等级"), choices=_levels(_l("不限等级")))
    town = ChoiceField(_l("由哪个镇/街道的共富工坊分发"), validators=[InputRequired(_l("请选择镇或街道"))])
    workshop = _text(_l("共富工坊（村）"), max_length=60, description=_l("例如：新埭镇某村共富工坊"))

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.town.choices = [("", _l("请选择")), *((str(t.id), t.name) for t in towns)]

    def validate_deadline(self, field) -> None:
        if field.value is not None and field.value < today():
            raise StopValidation(_l("交货日期不能早于今天"))


class AssignForm(SubmissionForm):
    phone = PhoneField(description=_l("领活居民登记时用的手机号"))
    quantity = WholeField(_l("分给多少件"), minimum=1, maximum=MAX_PIECES, description=_l("例如 100"))


class HandInForm(SubmissionForm):
    handed_in = WholeField(_l("交回合格的件数"), maximum=MAX_PIECES, description=_l("到现在一共交回多少件"))


class AskForm(SubmissionForm):
    """A resident asking for pieces of an order (the bounds of what is left and the per-person cap
    are the service's: they change while the page is open)."""

    quantity = WholeField(_l("想领多少件"), minimum=1, maximum=MAX_PIECES)


class AnswerForm(SubmissionForm):
    """The workshop leader's answer to a resident's request: confirm (the number asked, or another
    agreed with them) or decline."""

    quantity = WholeField(_l("分给多少件"), minimum=1, maximum=MAX_PIECES, required=False)
    answer = HiddenField()

    def validate_quantity(self, field) -> None:
        if self.answer.data == "confirm" and field.value is None:
            raise StopValidation(_l("请填分给多少件，例如 100"))


WORK_ERRORS = {
    "not_found": _l("没有找到这个手机号的居民，请先为居民登记"),
    "not_in_town": _l("这位居民不住在本镇/街道，不能领本工坊的活"),
    "level_low": _l("这位居民还没有这张单要求的技能等级"),
    "too_many": _l("剩下可分的只有 %(left)s 件"),
    "already": _l("这位居民已经领了这张单，请在下面改交回件数"),
    "not_taken": _l("请先接下这张单"),
    "more_than_given": _l("交回的件数不能多于分给的 %(given)s 件"),
    "has_request": _l("这位居民已经申请了这张单，请在上面的“居民申请”里确认"),
    # a resident asking for pieces
    "not_your_workshop": _l("这张单不是您所在镇/街道的共富工坊的"),
    "not_open": _l("这张单现在不能申请了（工坊还没接单、已交齐或已过交货日期）"),
    "needs_skill": _l("需要%(skill)s，您的学习档案里还没有"),
    "asked_already": _l("您已经申请过这张单，请看下面的申请状态"),
    "none_left": _l("这张单已经分完了"),
    "over_cap": _l("每人每张单最多申请 %(cap)s 件，请改小一些"),
}
