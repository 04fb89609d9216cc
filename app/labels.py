"""Words shown for stored codes, translatable."""

from flask_babel import lazy_gettext as _l

KINDS = {
    "degree": _l("学历提升"),
    "skill": _l("技能提升"),
    "community": _l("社区与兴趣"),
}

KIND_HINTS = {
    "degree": _l("专科、本科，周末上课"),
    "skill": _l("职业技能证书，可领补贴"),
    "community": _l("烘焙、书法、太极等兴趣课"),
}

INSTITUTION_TYPES = {
    "open_university": _l("开放大学"),
    "vocational_school": _l("职业学校"),
    "adult_school": _l("成人文化技术学校"),
    "community_school": _l("社区学校"),
    "senior_university": _l("老年大学"),
    "enterprise": _l("企业"),
    "training_body": _l("培训机构"),
}

SESSION_STATUSES = {
    "scheduled": _l("照常"),
    "moved": _l("已调课"),
    "cancelled": _l("已取消"),
}

# The 长辈版's categories (keys are app.services.catalogue.ELDER_TOPICS).
ELDER_TOPICS = {
    "烘焙": _l("烘焙"),
    "书法": _l("书法"),
    "太极": _l("太极"),
    "唱歌跳舞": _l("唱歌跳舞"),
    "智能手机": _l("智能手机"),
    "健康": _l("健康"),
}

# How a resident agreed to an entry a worker made for them (stored as the Chinese word).
CONSENT_METHODS = {"口头同意": _l("口头同意"), "本人签字": _l("本人签字"), "家属代办": _l("家属代办")}

ENROLMENT_STATUSES = {
    "confirmed": _l("已报上"),
    "waitlisted": _l("排队候补"),
    "received": _l("等待摇号"),
    "intent": _l("满员开班"),
    "cancelled": _l("已取消"),
    "completed": _l("已结业"),
}
