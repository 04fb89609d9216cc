"""Sign up for a class: who (name, phone, town), for whom, and consent."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.validators import InputRequired, StopValidation, ValidationError

from app.forms.base import EnteredBy, NameField, PhoneField, RadioChoiceField, SubmissionForm
from app.i18n import display_name
from app.labels import CONSENT_METHODS
from app.models import EnrolmentSource, Resident, Town
from app.services import catalogue, needs
from app.services.enrolment import Actor
from app.services.residents import Person
from app.services.signup_flow import Submission

# What a refused sign-up says, by the reason's code (Offering.signup_problem, EnrolmentError).
PROBLEMS = {
    "closed": _l("这门课已经停止报名。可以回到课程列表找找别的班。"),
    "past_deadline": _l("这门课的报名已经截止。可以回到课程列表找找别的班。"),
    "already_enrolled": _l("这个手机号已经报过这门课了，不用再报。报名号在当时的回执和短信里。"),
}


def problem_text(code: str | None):
    """The message for a refused sign-up's reason, or None."""
    return PROBLEMS.get(code or "")


class TownField(SelectField):
    """A town by id or by exact name (the form contract accepts either); empty is allowed here."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, validate_choice=False, **kwargs)
        self.town: Town | None = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = "".join(ch for ch in (self.data or "") if ch.isprintable()).strip()[:60]

    def pre_validate(self, form) -> None:
        self.town = None
        if not self.data:
            return
        self.town = catalogue.find_town(self.data)
        if self.town is None:
            raise StopValidation(_l("请从列表中选择您住的镇或街道"))
        self.data = str(self.town.id)


class SignupForm(SubmissionForm):
    name = NameField(description=_l("上课时点名用，请填身份证上的姓名"))
    phone = PhoneField(description=_l("11位手机号码，例如 13812345678。报名结果会发短信到这个号码"))
    town = TownField(_l("住在哪个镇（街道）"), description=_l("上课通知和补贴按住的地方安排"))
    family = BooleanField(_l("我是帮家人报名（上面填家人的姓名和手机号）"))
    consent = BooleanField(_l("我同意学后保存以上姓名和手机号，用于报名、上课通知和补贴核对"))
    # The need report this sign-up follows (its unguessable ref, as in the plan's address): its name
    # and town are offered, and its phone is used when the phone is left empty. The phone itself is
    # never put in the page or in an address.
    need = HiddenField()

    def __init__(self, *args, towns: list[Town], **kwargs):
        super().__init__(*args, **kwargs)
        self.town.choices = [("", _l("请选择")), *((str(t.id), display_name(t)) for t in towns)]
        self._phone_from_need: str | None = None

    @property
    def known(self) -> Resident | None:
        """The resident of the need report this sign-up follows, if any."""
        ref = self.need.data or ""
        if getattr(self, "_known_for", None) != ref:
            found = needs.by_ref(ref)
            self._known_for, self._known = ref, found.resident if found else None
        return self._known

    def offer(self, need_ref: str | None) -> None:
        """Fill in (on the page's first showing) what the need report already told us."""
        self.need.data = need_ref or ""
        resident = self.known
        if resident is None:
            self.need.data = ""
            return
        self.name.data = self.name.data or resident.name
        if resident.town_id and not self.town.data:
            self.town.data = str(resident.town_id)

    def validate(self, extra_validators=None) -> bool:
        resident = self.known
        if resident is not None and not self.phone.data:
            self._phone_from_need = self.phone.data = resident.phone
        valid = super().validate(extra_validators)
        if self._phone_from_need:
            self.phone.data = ""  # a page shown again never shows the number
        return valid

    def validate_town(self, field) -> None:
        # Asked of everyone alike: whether a number is already registered is nobody's business here.
        if not field.data:
            raise ValidationError(_l("请选择住在哪个镇（街道）"))

    def validate_consent(self, field) -> None:
        if not field.data:
            if self.family.data:
                raise ValidationError(_l("请先征得家人同意，再勾选这一项"))
            raise ValidationError(_l("请勾选同意，才能报名"))

    def person(self) -> Person:
        phone = self._phone_from_need or self.phone.data
        return Person(name=self.name.data, phone=phone, town_id=self.town.town.id if self.town.town else None)

    def submission(self) -> Submission:
        """What the sign-up service needs from this form (call after it validates)."""
        return Submission(person=self.person(), actor=self.actor(), submission_id=self.submission_id.data)

    def actor(self) -> Actor:
        if self.family.data:
            return Actor(source=EnrolmentSource.FAMILY, consent_method="家属代办")
        return Actor(source=EnrolmentSource.SELF, consent_method="online")


class CancelForm(SubmissionForm):
    """Cancel a sign-up: the button says what it does; the page around it asks to confirm."""


class AssistedSignupForm(EnteredBy, SignupForm):
    """A community worker signs a resident up: the same questions, plus how the resident agreed."""

    consent_method = RadioChoiceField(_l("居民怎样同意的？"), validators=[InputRequired(_l("请选择居民同意的方式"))])
    consent = BooleanField(
        _l("居民已同意用以上信息报名"), validators=[InputRequired(_l("请先征得居民同意并勾选"))]
    )  # the same message as validate_consent: the rule the phone checks (app.forms.rules)

    def __init__(self, *args, worker_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent_method.choices = list(CONSENT_METHODS.items())
        self.worker_id = worker_id

    def validate_consent(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("请先征得居民同意并勾选"))

    def actor(self) -> Actor:
        return Actor(
            source=EnrolmentSource.ASSISTED, consent_method=self.consent_method.data, entered_by_id=self.worker_id
        )

    def offer_resident(self, resident: Resident) -> None:
        """Fill in a found resident of the worker's own town (their card's "帮他报名")."""
        self.name.data, self.phone.data = resident.name, resident.phone
        if resident.town_id:
            self.town.data = str(resident.town_id)

    def readback(self) -> list[tuple[str, str]]:
        town = self.town.town.name if self.town.town else ""
        method = dict(self.consent_method.choices).get(self.consent_method.data, "")
        phone = self.phone.data
        if not phone and self.known is not None:  # left empty: the number of the need report
            phone = str(_l("登记学习需求时的号码 %(phone)s", phone=self.known.masked_phone))
        return [
            (str(self.name.label.text), self.name.data),
            (str(self.phone.label.text), phone),
            (str(self.town.label.text), town),
            (str(self.consent_method.label.text), str(method)),
        ]
