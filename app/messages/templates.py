"""The texts, one per registered gateway template (Chinese gateways send only registered templates:
each kind of text is one template with named parameters). The log and memory senders render the
Chinese wording here; the Alibaba adapter sends the template code and the parameters instead."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import force_locale
from flask_babel import gettext as _

TEXTS: dict[str, Callable[[dict], str]] = {
    "code": lambda p: _("【学后】您的验证码是 %(code)s，10分钟内有效。如非本人操作请忽略。", **p),
    "signup_confirmed": lambda p: _("学后：您已报上“%(name)s”。报名号 %(code)s。回执：%(link)s", **p),
    "signup_waitlisted": lambda p: _(
        "学后：“%(name)s”名额已满，您已排队候补，有名额时短信通知。报名号 %(code)s。回执：%(link)s", **p
    ),
    "signup_received": lambda p: _(
        "学后：“%(name)s”报名已收到，截止后公开摇号，结果短信通知。报名号 %(code)s。回执：%(link)s", **p
    ),
    "signup_intent": lambda p: _(
        "学后：“%(name)s”已登记，满 %(min)s 人开班，开班时短信通知。报名号 %(code)s。回执：%(link)s", **p
    ),
    "promoted": lambda p: _(
        "学后：您候补的“%(name)s”有名额了，已为您确认报名。报名号 %(code)s。不能来请点回执让出名额：%(link)s", **p
    ),
    "opened": lambda p: _("学后：“%(name)s”报名人数已满开班人数，正式开班。报名号 %(code)s。", **p),
    "drawn_won": lambda p: _("学后：“%(name)s”摇号结果：您已中签，报名成功。报名号 %(code)s。", **p),
    "drawn_waitlisted": lambda p: _(
        "学后：“%(name)s”摇号结果：您在候补名单第 %(rank)s 位，有人取消时按顺序递补。报名号 %(code)s。", **p
    ),
    "class_can_open": lambda p: _(
        "学后：%(name)s（%(code)s）已有 %(count)s 人报名，达到开班人数 %(min)s 人，可以开班了。", **p
    ),
    "class_cancelled": lambda p: _(
        "学后：很抱歉，“%(name)s”（%(code)s）已取消，不再开课。有疑问请致电 %(phone)s。", **p
    ),
    "session_cancelled": lambda p: _("学后：“%(name)s”%(date)s 的课停课一次。原因：%(note)s", **p),
    "session_moved": lambda p: _(
        "学后：“%(name)s”%(old)s 的课调到 %(new)s %(start)s–%(end)s，地点：%(place)s。原因：%(note)s", **p
    ),
    "pattern_changed": lambda p: _(
        "学后：“%(name)s”的上课时间改了：%(first)s至%(last)s，每%(weekday)s %(start)s–%(end)s，地点：%(place)s。", **p
    ),
    "new_class": lambda p: _(
        "学后：有您想学的课了：“%(name)s”（%(town)s），还有名额。报名：%(link)s 不想再收到这类短信请点：%(stop)s", **p
    ),
    "new_job": lambda p: _(
        "学后：有适合您的工作：%(title)s（%(town)s），%(pay)s元/月。看看：%(link)s 不想再收到请点：%(stop)s", **p
    ),
    "reminder": lambda p: _("学后：提醒您明天 %(date)s %(start)s–%(end)s 上“%(name)s”，地点：%(place)s。", **p),
}


def render(template: str, params: dict) -> str:
    """The text of a message as the resident reads it (in Chinese: the receipt page is bilingual)."""
    with force_locale("zh_Hans_CN"):
        return TEXTS[template](params)
