"""Words shown for stored codes, translatable. Kinds and levels are the vocabulary's (app.vocabulary)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import vocabulary
from app.models import Allocation, EnrolmentStatus, InstitutionType, OfferingStatus, OutcomeKind, Role, SessionStatus

KINDS = vocabulary.KIND_LABELS
KIND_HINTS = vocabulary.KIND_HINTS

INSTITUTION_TYPES = {
    InstitutionType.OPEN_UNIVERSITY: _l("开放大学"),
    InstitutionType.VOCATIONAL_SCHOOL: _l("职业学校"),
    InstitutionType.ADULT_SCHOOL: _l("成人文化技术学校"),
    InstitutionType.COMMUNITY_SCHOOL: _l("社区学校"),
    InstitutionType.SENIOR_UNIVERSITY: _l("老年大学"),
    InstitutionType.ENTERPRISE: _l("企业"),
    InstitutionType.TRAINING_BODY: _l("培训机构"),
}

SESSION_STATUSES = {
    SessionStatus.SCHEDULED: _l("照常"),
    SessionStatus.MOVED: _l("已调课"),
    SessionStatus.CANCELLED: _l("已取消"),
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

DEGREE_LEVELS = vocabulary.DEGREE_LEVEL_LABELS
CERT_LEVELS = vocabulary.CERT_LEVEL_LABELS

ROLES = {
    Role.WORKER: _l("社区工作者"),
    Role.INSTITUTION: _l("院校工作人员"),
    Role.ADMIN: _l("教育局管理员"),
    Role.MENTOR: _l("导师"),
    Role.ENTERPRISE: _l("企业人员"),
}

# Learn → earn (app.models.work).
CLAIM_KINDS = {"certificate": _l("职业技能等级证书"), "degree": _l("学历"), "completion": _l("课程结业")}
RECORD_STATUSES = {
    "earned": _l("已取得"),
    "pending": _l("待工作人员核对"),
    "rejected": _l("核对未通过"),
    "studying": _l("正在学"),
}
RECORD_SOURCES = {"xuehou": _l("在学后取得"), "declared": _l("本人登记")}
SHIFTS = {"day": _l("白班"), "night": _l("夜班"), "rotating": _l("两班倒"), "flexible": _l("时间灵活")}
CONTACT_STATUSES = {
    "pending": _l("等您答复"),
    "accepted": _l("已同意联系"),
    "declined": _l("已婉拒"),
    "hired": _l("已录用"),
}
ORDER_STATUSES = {"open": _l("待工坊接单"), "taken": _l("工坊分发中"), "done": _l("已交齐")}
REQUEST_STATUSES = {
    "asked": _l("已申请，等工坊负责人确认"),
    "confirmed": _l("工坊已确认，去工坊领材料"),
    "declined": _l("工坊没有同意这次申请"),
}

OUTCOME_KINDS = {
    OutcomeKind.DEGREE: _l("学历毕业"),
    OutcomeKind.CERTIFICATE: _l("取得证书"),
    OutcomeKind.COMPLETION: _l("结业"),
}

# The stages of the 驾驶舱's funnel (keys are app.services.dashboard.funnel()'s).
FUNNEL_STAGES = {
    "need": _l("登记需求"),
    "matched": _l("匹配到课程"),
    "enrolled": _l("报名上课"),
    "completed": _l("结业或取证"),
    "paid": _l("补贴已发放"),
}


def gap_suggestion(gap) -> str:
    """Where to open a class for a dashboard gap (app.services.dashboard.Gap), in words: the
    programme to open a class of, or what people asked for when no programme teaches it yet."""
    if gap.programmes:
        return _(
            "在%(town)s开一个“%(programme)s”班（%(count)s人想学）", town=gap.town, programme=gap.target, count=gap.count
        )
    return _(
        "在%(town)s开一个教“%(target)s”的班（%(count)s人想学；还没有教这个的课程）",
        town=gap.town,
        target=gap.target,
        count=gap.count,
    )


OFFERING_STATUSES = {
    OfferingStatus.OPEN: _l("报名中"),
    OfferingStatus.CLOSED: _l("已停止报名"),
    OfferingStatus.CANCELLED: _l("已取消"),
}

# What the class list says of a class (Offering.status_code): its status, or why an open one takes no sign-ups.
CLASS_LIST_STATUSES = {
    **OFFERING_STATUSES,
    "full": _l("已满"),
    "past_deadline": _l("报名截止"),
}

ALLOCATIONS = {
    Allocation.FIRST_COME: _l("先到先得"),
    Allocation.LOTTERY: _l("摇号（截止前报名的人机会均等，公开摇号）"),
}

ENROLMENT_STATUSES = {
    EnrolmentStatus.RECEIVED: _l("已登记，待摇号"),
    EnrolmentStatus.INTENT: _l("意向（待开班）"),
    EnrolmentStatus.CONFIRMED: _l("已确认"),
    EnrolmentStatus.WAITLISTED: _l("候补"),
    EnrolmentStatus.CANCELLED: _l("已取消"),
    EnrolmentStatus.COMPLETED: _l("已结业"),
}

NEED_STATUSES = {
    "new": _l("新登记"),
    "matched": _l("已匹配到课程"),
    "enrolled": _l("已报名"),
    "completed": _l("已结业"),
}

NEED_SOURCES = {
    "self": _l("本人登记"),
    "assisted": _l("社区工作者代登记"),
    "survey": _l("入户调查"),
    "imported": _l("导入"),
}

ENROLMENT_SOURCES = {"self": _l("本人报名"), "family": _l("家属代报"), "assisted": _l("社区工作者代报")}

# The times of day a need can name (keys as app.services.matching.TIMES).
TIMES_OF_DAY = {"morning": _l("上午"), "afternoon": _l("下午"), "evening": _l("晚上")}

# Where an enterprise's group-class proposal (企业组班) stands (app.services.groups.View.state).
GROUP_STATES = {
    "waiting": _l("等待开班"),
    "requested": _l("已请院校开班"),
    "open": _l("已开班"),
    "withdrawn": _l("已撤回"),
}

# The need form's answers about education and work (stored as the Chinese words).
EDUCATION = {
    "小学及以下": _l("小学及以下"),
    "初中": _l("初中"),
    "高中": _l("高中"),
    "中专/职高": _l("中专/职高"),
    "大专": _l("大专"),
    "本科及以上": _l("本科及以上"),
}
WORK = {
    "在职": _l("在职"),
    "个体/自由职业": _l("个体/自由职业"),
    "务农": _l("务农"),
    "待业/找工作": _l("待业/找工作"),
    "退休": _l("退休"),
    "其他": _l("其他"),
}

# What an audit entry about a resident says they had done for them (shown to them at /me/data).
RESIDENT_ACTIONS = {
    "need.assisted": _l("代为登记学习需求"),
    "enrolment.assisted": _l("代为报名"),
    "resident.search": _l("查找了您的信息"),
    "resident.update": _l("修改了您的资料"),
    "callback.handled": _l("给您回了电话"),
    "case.update": _l("记录了一次联系"),
    "case.reassign": _l("把您的个案交给另一位社区工作者"),
    "attendance.record": _l("记录了上课签到"),
    "outcome.create": _l("登记了结业或取证"),
    "outcome.paid": _l("发放了补贴"),
    "resident.self_correct": _l("您改正了资料"),
    "resident.consent": _l("您改了同意的选择"),
    "resident.deletion_requested": _l("您要求删除信息"),
    "mentor.contact": _l("导师记录了一次联系"),
}
