"""Programmes and classes from a spreadsheet (XLSX or CSV): validate everything, then write all or nothing.

Rows are streamed (openpyxl read-only; csv with utf-8-sig) and checked one by one; every problem
names its row and column in plain words. Only a file with no problem is written, in the caller's
transaction: new classes by bulk insert with their sessions, existing ones (found by 开班编号 within
the importer's institution) updated in place, their sessions rebuilt if the weekly pattern changed
(enrolments belong to the class, so nobody loses a place). A code of another institution is an error.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy import select

from app.clock import today
from app.extensions import db
from app.models import Institution, Offering, Programme, Town, User
from app.services import catalogue, classes, parsing, search, staff
from app.services.schedule import weekly_dates

# (header, required); programme columns after the class columns. The template uses exactly these.
COLUMNS: list[tuple[str, bool]] = [
    ("开班编号", True),
    ("课程名称", True),
    ("类别", True),
    ("镇/街道", True),
    ("上课地点", True),
    ("开始日期", True),
    ("结束日期", True),
    ("星期", True),
    ("开始时间", True),
    ("结束时间", True),
    ("名额", True),
    ("费用", False),
    ("报名截止", False),
    ("适合长辈", False),
    ("学历层次", False),
    ("专业", False),
    ("学制", False),
    ("学费", False),
    ("证书", False),
    ("等级", False),
    ("适合人群", False),
]
HEADERS = [name for name, _required in COLUMNS]
EXAMPLE = [
    [
        "DQ-2026-01",
        "电工（初级）",
        "技能提升",
        "当湖街道",
        "当湖街道社区学校 301 教室",
        "2027-03-01",
        "2027-05-31",
        "星期日",
        "08:30",
        "11:30",
        "30",
        "300",
        "2027-02-25",
        "否",
        "",
        "",
        "",
        "",
        "电工",
        "初级",
        "在职人员",
    ],
    [
        "DQ-2026-02",
        "行政管理（专科）",
        "学历提升",
        "当湖街道",
        "平湖开放大学",
        "2027-03-07",
        "2027-07-03",
        "周六",
        "13:30",
        "17:00",
        "40",
        "0",
        "2027-02-28",
        "否",
        "专科",
        "行政管理",
        "2.5",
        "5200",
        "",
        "",
        "",
    ],
    [
        "DQ-2026-03",
        "烘焙入门",
        "社区与兴趣",
        "钟埭街道",
        "钟埭街道文化家园",
        "2027-03-04",
        "2027-05-27",
        "3",
        "09:00",
        "11:00",
        "20",
        "0",
        "",
        "是",
        "",
        "",
        "",
        "",
        "",
        "",
        "长辈",
    ],
]
KIND_WORDS = {
    "学历提升": "degree",
    "学历": "degree",
    "degree": "degree",
    "技能提升": "skill",
    "技能": "skill",
    "skill": "skill",
    "社区与兴趣": "community",
    "社区": "community",
    "兴趣": "community",
    "community": "community",
}
DEGREE_LEVELS = ("中专", "专科", "本科")
CERT_LEVELS = ("初级", "中级", "高级", "技师", "高级技师")
# One file is one transaction holding the write lock: its rows and the sessions they make are bounded
# so that it is held for a few seconds at most (5,000 rows of term-long classes: about 2 s).
MAX_ROWS = 5_000
MAX_SESSIONS = 100_000
MAX_PROBLEMS = 200


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("第 %(row)s 行“%(column)s”：%(problem)s", row=self.row, column=self.column, problem=self.message)


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    programmes: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class FileProblem(Exception):
    """The file can't be read at all; `code` says why (unreadable, encoding, unpacked)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def check_unpacked(data: bytes, limit: int, members: int) -> None:
    """An XLSX is a zip: refuse one that unpacks to more than `limit` bytes or holds more than
    `members` files, before openpyxl parses it (a 0.5 MB file that inflates to 200 MB tied up a
    server for a minute). The sizes the zip declares are checked first, then each member is read in
    chunks and counted, since a crafted zip's headers can lie about what it holds."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        infos = book.infolist()
        if len(infos) > members or sum(info.file_size for info in infos) > limit:
            raise FileProblem("unpacked")
        total = 0
        for info in infos:
            with book.open(info) as member:
                while chunk := member.read(2**16):
                    total += len(chunk)
                    if total > limit:
                        raise FileProblem("unpacked")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as error:
        raise FileProblem("unreadable") from error


# Offering columns the importer decides itself (the rest of classes.OFFERING_FIELDS come from the sheet).
IMPORTER_SETS = ("programme_id", "code", "status")


def read_rows(data: bytes, filename: str) -> Iterator[tuple[int, list]]:
    """(row number, cells) for each row after the header; row 1 is the header."""
    if filename.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")  # Excel's "CSV" on a Chinese Windows
            except UnicodeDecodeError as error:
                raise FileProblem("encoding") from error
        yield from enumerate(csv.reader(io.StringIO(text)), start=1)
        return
    check_unpacked(data, current_app.config["IMPORT_UNPACKED_LIMIT"], current_app.config["IMPORT_MEMBER_LIMIT"])
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that isn't XLSX
        raise FileProblem("unreadable") from error
    try:
        sheet = book.worksheets[0]
        yield from enumerate((list(r) for r in sheet.iter_rows(values_only=True)), start=1)
    finally:
        book.close()


def template(fmt: str) -> bytes:
    from app.services import exports

    return exports.table(HEADERS, EXAMPLE, fmt, title="开班")


class _Row:
    """One data row's cells by header, collecting problems as each is read."""

    def __init__(self, number: int, cells: dict, problems: list[Problem]):
        self.number, self.cells, self.problems = number, cells, problems

    def fail(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.number, column, message))

    def raw(self, column: str):
        return self.cells.get(column)

    def text(self, column: str, required: bool = False, max_length: int = 200) -> str:
        value = parsing.clean(self.raw(column))
        if required and not value:
            self.fail(column, _("这一格是空的，请填写"))
        elif len(value) > max_length:
            self.fail(column, _("太长了，最多 %(max)s 个字", max=max_length))
        return value

    def whole(self, column: str, message: str, minimum: int, maximum: int, required: bool = True) -> int | None:
        """A whole number; out of range says the range."""
        number = self.parsed(column, lambda v: parsing.parse_whole(v, maximum=10**12), message, required)
        if number is not None and not minimum <= number <= maximum:
            self.fail(column, _("要在 %(min)s 到 %(max)s 之间，请核对", min=minimum, max=maximum))
            return None
        return number

    def day(self, column: str, required: bool = True):
        """A date within the years any date here may be."""
        message = _("看不懂“%(value)s”，请按 2026-03-01 的样子填写日期")
        value = self.parsed(column, parsing.parse_date, message, required)
        if value is not None and (outside := classes.date_in_range(value, today())):
            self.fail(column, classes.bound_message("date_out_of_range", **outside))
            return None
        return value

    def parsed(self, column: str, parser, message: str, required: bool = True):
        value = self.raw(column)
        if parsing.text(value) == "":
            if required:
                self.fail(column, _("这一格是空的，请填写"))
            return None
        try:
            return parser(value)
        except (ValueError, OverflowError):
            self.fail(column, message % {"value": parsing.text(value)})
            return None


def _shown(value) -> str:
    return parsing.text(value)[:30]


def validate(rows: Iterator[tuple[int, list]], institution: Institution) -> tuple[list[dict], list[Problem]]:
    """Every row checked; returns the clean rows and the problems (the rows count only if none)."""
    problems: list[Problem] = []
    try:
        _first, header = next(rows)
    except StopIteration:
        return [], [Problem(1, _("表头"), _("表格是空的，请用模板填写后再导入"))]
    header = [parsing.text(h) for h in header]
    positions = {name: header.index(name) for name in HEADERS if name in header}
    for name, required in COLUMNS:
        if required and name not in positions:
            problems.append(Problem(1, name, _("表头缺少这一列，请使用下载的模板（第一行的列名不要改）")))
    if problems:
        return [], problems
    towns = {t.name: t.id for t in db.session.scalars(select(Town))}
    town_names = "、".join(towns)
    codes = dict(db.session.execute(select(Offering.code, Offering.institution_id)).all())
    starts = dict(  # a class already here may keep its start, however long ago
        db.session.execute(
            select(Offering.code, Offering.start_date).where(Offering.institution_id == institution.id)
        ).all()
    )
    columns = {"start_date": "开始日期", "end_date": "结束日期", "signup_deadline": "报名截止"}
    sessions = 0
    seen: dict[str, int] = {}
    kinds_seen: dict[str, tuple[str, int]] = {}
    clean: list[dict] = []
    for number, cells in rows:
        if number > MAX_ROWS + 1:
            problems.append(Problem(number, _("表头"), _("一次最多导入 %(max)s 行，请分成几个文件", max=MAX_ROWS)))
            break
        if all(parsing.text(c) == "" for c in cells):
            continue
        row = _Row(number, {name: cells[i] if i < len(cells) else None for name, i in positions.items()}, problems)
        code = row.text("开班编号", required=True, max_length=40)
        if code in seen:
            row.fail(
                "开班编号", _("“%(code)s”在第 %(first)s 行已经出现过，每个班用一个编号", code=code, first=seen[code])
            )
        elif code and codes.get(code, institution.id) != institution.id:
            row.fail("开班编号", _("“%(code)s”是其他院校的班级编号，请换一个编号", code=code))
        if code:
            seen.setdefault(code, number)
        name = row.text("课程名称", required=True, max_length=120)
        kind_word = row.text("类别", required=True)
        kind = KIND_WORDS.get(kind_word.lower())
        if kind_word and kind is None:
            row.fail("类别", _("看不懂“%(value)s”，请填 学历提升、技能提升 或 社区与兴趣", value=_shown(kind_word)))
        elif kind and name:
            first_kind, first_row = kinds_seen.setdefault(name, (kind, number))
            if first_kind != kind:
                row.fail(
                    "类别",
                    _(
                        "课程“%(name)s”在第 %(first)s 行是另一个类别；同一门课程只能有一个类别",
                        name=name,
                        first=first_row,
                    ),
                )
        town_name = row.text("镇/街道", required=True)
        if town_name and town_name not in towns:
            row.fail(
                "镇/街道",
                _("没有叫“%(value)s”的镇或街道，请填写其中之一：%(names)s", value=_shown(town_name), names=town_names),
            )
        place = row.text("上课地点", required=True, max_length=200)
        start = row.day("开始日期")
        end = row.day("结束日期")
        if start and end and end < start:
            row.fail(
                "结束日期",
                _("结束日期 %(end)s 早于开始日期 %(start)s，请改正", end=end.isoformat(), start=start.isoformat()),
            )
            end = None
        weekday = row.parsed("星期", parsing.parse_weekday, _("看不懂“%(value)s”，请填 1–7 或 星期一…星期日"))
        begins = row.parsed("开始时间", parsing.parse_time, _("看不懂“%(value)s”，请按 08:30 的样子填写时间"))
        ends = row.parsed("结束时间", parsing.parse_time, _("看不懂“%(value)s”，请按 08:30 的样子填写时间"))
        if begins and ends and ends <= begins:
            row.fail("结束时间", _("结束时间要晚于开始时间"))
        capacity = row.whole("名额", _("“%(value)s”不是人数，请填整数，例如 30"), 0, classes.MAX_CAPACITY)
        fee = row.whole("费用", _("“%(value)s”不是金额，请填整数元，例如 300"), 0, classes.MAX_FEE, required=False)
        deadline = row.day("报名截止", required=False)
        for name, problem, params in classes.class_date_problems(start, end, deadline, today(), starts.get(code)):
            row.fail(columns[name], classes.bound_message(problem, **params))
        if start and end and weekday and not any(p.row == number for p in problems):
            sessions += len(weekly_dates(start, end, weekday))
            if sessions > MAX_SESSIONS:
                problems.append(
                    Problem(
                        number,
                        _("结束日期"),
                        _(
                            "这个文件到这一行已排出 %(count)s 次课，一次最多 %(max)s 次，请分成几个文件",
                            count=sessions,
                            max=MAX_SESSIONS,
                        ),
                    )
                )
                break
        senior = row.parsed("适合长辈", parsing.parse_yes_no, _("看不懂“%(value)s”，请填 是 或 否"), required=False)
        level = row.text("学历层次")
        if level and level not in DEGREE_LEVELS:
            row.fail("学历层次", _("看不懂“%(value)s”，请填 中专、专科 或 本科", value=_shown(level)))
        elif kind == "degree" and not level:
            row.fail("学历层次", _("学历提升的班级请填写学历层次：中专、专科 或 本科"))
        cert_level = row.text("等级")
        if cert_level and cert_level not in CERT_LEVELS:
            row.fail("等级", _("看不懂“%(value)s”，请填 初级、中级、高级、技师 或 高级技师", value=_shown(cert_level)))
        years = row.parsed("学制", parsing.parse_decimal, _("看不懂“%(value)s”，请填年数，例如 2.5"), required=False)
        if years is not None and not 0 < years <= 10:
            row.fail("学制", _("学制要在 0 到 10 年之间"))
        tuition = row.whole(
            "学费", _("“%(value)s”不是金额，请填整数元，例如 5200"), 0, classes.MAX_TUITION, required=False
        )
        if len(problems) >= MAX_PROBLEMS:
            break
        clean.append(
            dict(
                row=number,
                code=code,
                kind=kind,
                town_id=towns.get(town_name),
                place=place,
                start_date=start,
                end_date=end,
                weekday=weekday,
                start_time=begins,
                end_time=ends,
                capacity=capacity,
                fee=fee or 0,
                signup_deadline=deadline or start,
                senior_friendly=bool(senior),
                programme=dict(
                    name=name,
                    kind=kind,
                    degree_level=level or None,
                    major=row.text("专业", max_length=60) or None,
                    years=years,
                    tuition=tuition,
                    certificate=row.text("证书", max_length=60) or None,
                    cert_level=cert_level or None,
                    audience=row.text("适合人群", max_length=40) or None,
                ),
            )
        )
    if not clean and not problems:
        problems.append(Problem(2, _("表头"), _("表格里没有数据行，请从第 2 行开始填写")))
    return clean, problems


def run(data: bytes, filename: str, institution: Institution, actor: User, submission_id: str) -> Result:
    """Validate the whole file, then write everything or nothing. A replay returns an empty result."""
    if classes.replayed(submission_id):
        return Result()
    try:
        clean, problems = validate(read_rows(data, filename), institution)
    except FileProblem as problem:
        if problem.code == "unpacked":
            limit = current_app.config["IMPORT_UNPACKED_LIMIT"] // 2**20
            message = _("这个表格解压后超过 %(mb)s MB，太大了。请删掉空行和多余的工作表，或分成几个文件", mb=limit)
        else:
            message = _("打不开这个文件。请确认它是 .xlsx 或 .csv（UTF-8）格式")
        return Result(problems=[Problem(1, _("文件"), message)])
    except (csv.Error, ValueError):
        return Result(problems=[Problem(1, _("文件"), _("这个 CSV 文件的格式有误，请在 Excel 里重新“另存为”CSV"))])
    if problems:
        return Result(problems=problems)
    result = _write(clean, institution)
    if result.ok:
        classes.remember(submission_id, "import", "institution", institution.id)
        staff.audit(
            actor,
            "import",
            "institution",
            institution.id,
            before=None,
            after={
                "file": filename[:100],
                "created": result.created,
                "updated": result.updated,
                "programmes": result.programmes,
            },
        )
        db.session.flush()
    return result


def _write(clean: list[dict], institution: Institution) -> Result:
    result = Result()
    programmes = {
        p.name: p for p in db.session.scalars(select(Programme).where(Programme.institution_id == institution.id))
    }
    for row in clean:
        spec = row["programme"]
        programme = programmes.get(spec["name"])
        if programme is None:
            programme = Programme(institution_id=institution.id, **spec)
            db.session.add(programme)
            programmes[spec["name"]] = programme
            result.programmes += 1
        elif programme.kind != spec["kind"]:
            result.problems.append(
                Problem(
                    row["row"],
                    "类别",
                    _("课程“%(name)s”原来是另一个类别，类别不能改；请换一个课程名称", name=spec["name"]),
                )
            )
            continue
        else:
            for key, value in spec.items():
                if value is not None:
                    setattr(programme, key, value)
    if result.problems:
        return result
    db.session.flush()
    existing = {
        o.code: o
        for o in db.session.scalars(
            select(Offering).where(
                Offering.institution_id == institution.id, Offering.code.in_([r["code"] for r in clean])
            )
        )
    }
    towns = {t.id: t.name for t in db.session.scalars(select(Town))}
    keys: dict[tuple, str] = {}
    new_rows: list[dict] = []
    repatterned: list[Offering] = []
    for row in clean:
        programme = programmes[row["programme"]["name"]]
        key = (programme.name, programme.major, programme.certificate, row["town_id"], row["place"])
        if key not in keys:
            keys[key] = search.search_key(
                [programme.name, programme.major, programme.certificate],
                [institution.name, towns[row["town_id"]], row["place"]],
            )
        # The columns a sheet sets: those a form edits, less what the importer decides itself.
        values = {k: row[k] for k in ("kind", *(f for f in classes.OFFERING_FIELDS if f not in IMPORTER_SETS))}
        values.update(programme_id=programme.id, search_key=keys[key])
        offering = existing.get(row["code"])
        if offering is None:
            new_rows.append(
                dict(code=row["code"], institution_id=institution.id, seats_taken=0, status="open", **values)
            )
            continue
        if row["capacity"] < offering.seats_taken:
            result.problems.append(
                Problem(
                    row["row"], "名额", _("这个班已有 %(taken)s 人报名，名额不能少于这个数", taken=offering.seats_taken)
                )
            )
            continue
        pattern = classes.snapshot(offering, classes.PATTERN)
        for name, value in values.items():
            setattr(offering, name, value)
        if pattern != classes.snapshot(offering, classes.PATTERN):
            repatterned.append(offering)
        result.updated += 1
    if result.problems:
        return result
    db.session.flush()
    classes.rebuild_sessions(repatterned)
    for start in range(0, len(new_rows), 2000):
        catalogue.bulk_insert_offerings(new_rows[start : start + 2000])
    result.created = len(new_rows)
    db.session.flush()
    return result
