"""The words of the domain, once: kinds of learning, degree levels and certificate levels.

Each is a StrEnum of the stored codes, in its natural order (lowest level first), with the words
shown for it and the other words people use for it. Models, forms, matching, the spreadsheet
import, the dashboard and the demo data import them from here; app.labels passes the shown words
on to templates and forms. New aliases and the ladders between levels belong here too.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

# Kinds of learning ------------------------------------------------------------------------------


class Kind(StrEnum):
    DEGREE = "degree"  # 学历提升
    SKILL = "skill"  # 技能提升
    COMMUNITY = "community"  # 社区与兴趣


KINDS: tuple[Kind, ...] = tuple(Kind)

KIND_LABELS = {
    Kind.DEGREE: _l("学历提升"),
    Kind.SKILL: _l("技能提升"),
    Kind.COMMUNITY: _l("社区与兴趣"),
}

KIND_HINTS = {
    Kind.DEGREE: _l("专科、本科，周末上课"),
    Kind.SKILL: _l("职业技能证书，可领补贴"),
    Kind.COMMUNITY: _l("烘焙、书法、太极等兴趣课"),
}

# What a spreadsheet may write for a kind: its Chinese name, a short form, or the code itself.
KIND_WORDS = {
    "学历提升": Kind.DEGREE,
    "学历": Kind.DEGREE,
    "degree": Kind.DEGREE,
    "技能提升": Kind.SKILL,
    "技能": Kind.SKILL,
    "skill": Kind.SKILL,
    "社区与兴趣": Kind.COMMUNITY,
    "社区": Kind.COMMUNITY,
    "兴趣": Kind.COMMUNITY,
    "community": Kind.COMMUNITY,
}


# Degree levels (学历层次) -------------------------------------------------------------------------


class DegreeLevel(StrEnum):
    """In order: each level is studied after the one before."""

    ZHONGZHUAN = "中专"  # adult secondary, often 双证制
    ZHUANKE = "专科"
    BENKE = "本科"


DEGREE_LEVELS: tuple[DegreeLevel, ...] = tuple(DegreeLevel)  # lowest first

DEGREE_LEVEL_LABELS = {
    DegreeLevel.ZHONGZHUAN: _l("中专"),
    DegreeLevel.ZHUANKE: _l("专科"),
    DegreeLevel.BENKE: _l("本科"),
}

# What people type for a degree target → the level that leads there (looked for in this order).
DEGREE_WORDS = {
    "中专": DegreeLevel.ZHONGZHUAN,
    "高中": DegreeLevel.ZHONGZHUAN,
    "职高": DegreeLevel.ZHONGZHUAN,
    "大专": DegreeLevel.ZHUANKE,
    "专科": DegreeLevel.ZHUANKE,
    "本科": DegreeLevel.BENKE,
}

# The word residents use for each level, offered when they type a degree target.
DEGREE_SPOKEN = {
    DegreeLevel.ZHONGZHUAN: "中专",
    DegreeLevel.ZHUANKE: "大专",
    DegreeLevel.BENKE: "本科",
}


# Certificate levels (职业技能等级) ----------------------------------------------------------------


class CertLevel(StrEnum):
    """National vocational qualification levels, 五级 to 一级, in order."""

    JUNIOR = "初级"
    INTERMEDIATE = "中级"
    SENIOR = "高级"
    TECHNICIAN = "技师"
    SENIOR_TECHNICIAN = "高级技师"


CERT_LEVELS: tuple[CertLevel, ...] = tuple(CertLevel)  # lowest first

CERT_LEVEL_LABELS = {
    CertLevel.JUNIOR: _l("初级"),
    CertLevel.INTERMEDIATE: _l("中级"),
    CertLevel.SENIOR: _l("高级"),
    CertLevel.TECHNICIAN: _l("技师"),
    CertLevel.SENIOR_TECHNICIAN: _l("高级技师"),
}


# Education (最高学历), as the need form asks it ------------------------------------------------

# Each answer's rank: a degree step that needs an answer is open to every answer of that rank or more.
EDUCATION_RANK = {"小学及以下": 0, "初中": 1, "高中": 2, "中专/职高": 2, "大专": 3, "本科及以上": 4}
