"""Programmes and classes from a spreadsheet (XLSX or CSV): validate everything, then write all or nothing.

Sheets as offices make them are read: the header row is looked for in the first rows of each sheet
(a title above it is fine) and the first sheet that has one is read (data on the second sheet is
fine); header names may carry units or notes (名额（人）, 费用（元）, 镇（街道）, *开班编号); blank rows,
total rows (合计, 总计 …) and the template's example rows (开班编号 starting 示例) are skipped, so
borders drawn down to row 25,000 are not rows. A header present twice is refused with both columns
named: importing one of them would be a guess. Cells are read by parsing.py (dates in Chinese
Excel's formats and as serials, 上午8:00, 8:00-11:30 in one cell, Sat, ￥1,200元, 免费 …); a town may be
named without 镇 or 街道 when that is unambiguous.

Rows are streamed (openpyxl read-only; csv with utf-8-sig) and checked one by one; every problem
names its row and column in plain words. All that (parse()) only reads, so the route does it before
taking the write lock. Only a file with no problem is written (write()), in the caller's write
transaction: new classes by bulk insert with their sessions, existing ones (found by 开班编号 within
the importer's institution, full-width or not) updated in place through the class service's own
steps — more places move people up from the waitlist, a new weekly pattern rebuilds the sessions
and texts everyone with a place or waiting — and each class created or changed is audited with
before and after, and its version bumped (app.services.versions). A code of another institution is
an error.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import insert, select

from app.clock import today, utcnow
from app.extensions import db
from app.models import AuditEntry, Institution, Offering, OfferingStatus, Programme, PushReason, Town, User
from app.services import catalogue, classes, parsing, push, search, staff, versions
from app.services.schedule import weekly_dates
from app.vocabulary import CERT_LEVELS, DEGREE_LEVELS, KIND_WORDS, Kind

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
# The writes of one file are one transaction holding the write lock: its rows and sessions are bounded
# so that it is held for a few seconds at most (5,000 rows of term-long classes: about 2 s).
MAX_ROWS = 5_000
MAX_SESSIONS = 100_000
MAX_PROBLEMS = 200
HEADER_SEARCH = 20  # the header is looked for in the first rows of each sheet …
HEADER_MINIMUM = 3  # … as a row naming at least this many of the template's columns
EXAMPLE_MARK = "示例"  # the template's example rows: their 开班编号 starts with this, and they are skipped
# A one-cell time span ("8:00-11:30") may stand in a column of its own, or in 开始时间.
SPAN = "上课时间"
# What offices call the template's columns (after units and notes in brackets are dropped).
HEADER_ALIASES = {
    "编号": "开班编号",
    "班级编号": "开班编号",
    "开班号": "开班编号",
    "课程": "课程名称",
    "课程名": "课程名称",
    "班级名称": "课程名称",
    "课程类别": "类别",
    "镇": "镇/街道",
    "镇街": "镇/街道",
    "镇街道": "镇/街道",
    "镇/街": "镇/街道",
    "乡镇": "镇/街道",
    "乡镇/街道": "镇/街道",
    "所在镇街": "镇/街道",
    "地点": "上课地点",
    "上课地址": "上课地点",
    "开课日期": "开始日期",
    "结课日期": "结束日期",
    "星期几": "星期",
    "上课星期": "星期",
    "上课日": "星期",
    "时间": SPAN,
    "时段": SPAN,
    "上课时段": SPAN,
    "招生人数": "名额",
    "计划人数": "名额",
    "人数": "名额",
    "收费": "费用",
    "收费标准": "费用",
    "报名截止日期": "报名截止",
    "截止日期": "报名截止",
}
TOTAL_WORDS = ("合计", "总计", "小计", "共计", "总数", "total", "sum")
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕")


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("第 %(row)s 行“%(column)s”：%(problem)s", row=self.row, column=self.column, problem=self.message)


@dataclass
class Layout:
    """Where the data was found and what was left out, to tell the person who imported it."""

    sheet: str = ""
    header_row: int = 1
    sheets: int = 1
    other_sheets: list[str] = field(default_factory=list)  # later sheets that have a header too
    examples: int = 0
    totals: int = 0


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    programmes: int = 0
    moved_up: int = 0  # people moved up from a waitlist because a class got more places
    told: int = 0  # texts about a new weekly pattern
    problems: list[Problem] = field(default_factory=list)
    layout: Layout = field(default_factory=Layout)

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
# The attendance rule and how places are given (lottery, minimum to open) are set on the class form.
IMPORTER_SETS = ("programme_id", "code", "status", "min_attendance", "allocation", "lottery_closes_at", "min_to_open")

Rows = Iterator[tuple[int, list]]  # (row number as the sheet shows it, cells)


def header_name(cell) -> str | None:
    """The template column a header cell names, or None: full-width to half-width, spaces and line
    breaks dropped, units and notes in brackets dropped (名额（人） → 名额), required marks (*) dropped,
    then the names offices use for the same column (镇（街道） → 镇/街道)."""
    word = parsing.text(cell)
    word = re.sub(r"\s+", "", word).strip("*＊")
    word = _BRACKETS.sub("", word).strip("*＊:：")
    if word in HEADERS or word == SPAN:
        return word
    return HEADER_ALIASES.get(word)


def _is_header(cells: list) -> bool:
    return len({name for name in map(header_name, cells) if name}) >= HEADER_MINIMUM


def read_sheets(data: bytes, filename: str) -> Iterator[tuple[str, Rows]]:
    """(sheet name, rows) for each sheet of the file, rows numbered as the sheet shows them; a CSV
    is one sheet."""
    if filename.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")  # Excel's "CSV" on a Chinese Windows
            except UnicodeDecodeError as error:
                raise FileProblem("encoding") from error
        yield "", enumerate(csv.reader(io.StringIO(text)), start=1)
        return
    check_unpacked(data, current_app.config["IMPORT_UNPACKED_LIMIT"], current_app.config["IMPORT_MEMBER_LIMIT"])
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that isn't XLSX
        raise FileProblem("unreadable") from error
    try:
        for sheet in book.worksheets:
            yield sheet.title, enumerate((list(r) for r in sheet.iter_rows(values_only=True)), start=1)
    finally:
        book.close()


def read_rows(data: bytes, filename: str, layout: Layout | None = None) -> Rows:
    """The rows of the first sheet whose first rows hold a header (the first sheet if none does);
    `layout` learns which sheet that was, and which later sheets have a header too."""
    layout = layout if layout is not None else Layout()
    chosen: Rows | None = None
    first: Rows | None = None
    count = 0
    for name, rows in read_sheets(data, filename):
        count += 1
        head = list(itertools.islice(rows, HEADER_SEARCH))
        found = any(_is_header(cells) for _n, cells in head)
        if first is None:
            first, layout.sheet = itertools.chain(head, rows), name
        if found and chosen is None:
            chosen, layout.sheet = itertools.chain(head, rows), name
        elif found:
            layout.other_sheets.append(name)
    layout.sheets = count
    yield from chosen or first or iter(())


def template(fmt: str) -> bytes:
    """The template: the header and example rows marked 示例 in their 开班编号, which are never imported."""
    from app.services import exports

    examples = [[f"{EXAMPLE_MARK}-{row[0]}", *row[1:]] for row in EXAMPLE]
    return exports.table(HEADERS, examples, fmt, title="开班")


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

    def whole(self, column: str, message: str, minimum: int, maximum: int, required: bool = True, parser=None):
        """A whole number; out of range says the range."""
        parser = parser or (lambda v: parsing.parse_whole(v, maximum=10**12))
        number = self.parsed(column, parser, message, required)
        if number is not None and not minimum <= number <= maximum:
            self.fail(column, _("要在 %(min)s 到 %(max)s 之间，请核对", min=minimum, max=maximum))
            return None
        return number

    def day(self, column: str, required: bool = True):
        """A date within the years any date here may be."""
        message = _("看不懂“%(value)s”，请按 2026-03-01 的样子填写日期")
        value = self.parsed(column, lambda v: parsing.parse_date(v, serials=True), message, required)
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
            self.fail(column, message % {"value": _shown(value)})
            return None

    def times(self):
        """开始时间 and 结束时间: each in its column, or both in one cell ("8:00-11:30") in 开始时间 or
        in a 上课时间 column."""
        time_message = _("看不懂“%(value)s”，请按 08:30 的样子填写时间")
        span_message = _("看不懂“%(value)s”，请按 08:30-11:30 的样子填写上课时间")
        column = SPAN if SPAN in self.cells and parsing.text(self.raw("开始时间")) == "" else "开始时间"
        if column == SPAN or parsing.is_time_range(self.raw("开始时间")):
            span = self.parsed(column, parsing.parse_time_range, span_message)
            if span is None:
                return None, None
            ends = self.raw("结束时间")
            if parsing.text(ends) != "":
                try:
                    written = parsing.parse_time(ends)
                except ValueError:
                    written = None
                if written != span[1]:
                    message = _("和“%(column)s”里的“%(value)s”不一样，请只填一处")
                    self.fail("结束时间", message % {"column": column, "value": _shown(self.raw(column))})
                    return span[0], None
            return span
        begins = self.parsed("开始时间", parsing.parse_time, time_message)
        ends = self.parsed("结束时间", parsing.parse_time, time_message)
        return begins, ends


def _shown(value) -> str:
    return parsing.text(value)[:30]


class _Towns:
    """A town by its name as written, or by its short name (乍浦 for 乍浦镇, 当湖 for 当湖街道) when
    only one town has it."""

    SUFFIXES = ("街道", "镇", "乡", "街")

    def __init__(self, towns: Iterable[Town]):
        self.ids = {t.name: t.id for t in towns}
        self.short: dict[str, list[str]] = {}
        for name in self.ids:
            self.short.setdefault(self._short(name), []).append(name)

    @classmethod
    def _short(cls, name: str) -> str:
        word = re.sub(r"\s+", "", parsing.text(name))
        for suffix in cls.SUFFIXES:
            if word.endswith(suffix) and len(word) > len(suffix):
                return word[: -len(suffix)]
        return word

    def find(self, value: str) -> tuple[int | None, list[str]]:
        """(town id, None) or (None, the towns it could be)."""
        if value in self.ids:
            return self.ids[value], []
        names = self.short.get(self._short(value), [])
        if len(names) == 1:
            return self.ids[names[0]], []
        return None, names

    @property
    def names(self) -> str:
        return "、".join(self.ids)


def _is_blank(cells: list, positions: dict[str, int]) -> bool:
    """No data in any column of the template: borders, numbering (序号) or notes alone are not a row."""
    return all(parsing.text(cells[i]) == "" for i in positions.values() if i < len(cells))


def _is_total(cells: list, code) -> bool:
    """A 合计 / 总计 / total row: a total word in a cell, and no 开班编号 (or the total word there)."""

    def word(value) -> str:
        return re.sub(r"[\s:：]+", "", parsing.text(value)).lower()

    if word(code) and not word(code).startswith(TOTAL_WORDS):
        return False
    return any(word(c).startswith(TOTAL_WORDS) for c in cells if isinstance(c, str))


def _header_problems(number: int, header: list) -> tuple[dict[str, int], list[Problem]]:
    """Where each column is; a column present twice, and required ones missing, as problems."""
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for i, cell in enumerate(header):
        name = header_name(cell)
        if name is None:
            continue
        if name in positions:
            problems.append(
                Problem(
                    number,
                    name,
                    _(
                        "这一列出现了两次（%(first)s 列和 %(second)s 列，隐藏的列也算）；请删掉不用的那一列后再导入",
                        first=get_column_letter(positions[name] + 1),
                        second=get_column_letter(i + 1),
                    ),
                )
            )
            continue
        positions[name] = i
    for name, required in COLUMNS:
        if not required or name in positions or (name in ("开始时间", "结束时间") and SPAN in positions):
            continue
        problems.append(Problem(number, name, _("表头缺少这一列，请使用下载的模板（表头的列名不要改）")))
    return positions, problems


def validate(rows: Rows, institution: Institution, layout: Layout | None = None) -> tuple[list[dict], list[Problem]]:
    """Every row checked; returns the clean rows and the problems (the rows count only if none)."""
    layout = layout if layout is not None else Layout()
    problems: list[Problem] = []
    head = list(itertools.islice(rows, HEADER_SEARCH))
    if not any(any(parsing.text(c) for c in cells) for _n, cells in head):
        return [], [Problem(1, _("表头"), _("表格是空的，请用模板填写后再导入"))]
    found = next(((n, cells) for n, cells in head if _is_header(cells)), None)
    if found is None:
        # The top row with anything in it is taken as the header, to say which columns it lacks.
        found = next((n, cells) for n, cells in head if any(parsing.text(c) for c in cells))
        if not any(header_name(c) for c in found[1]):
            names = "、".join(name for name, required in COLUMNS if required)
            message = _(
                "前 %(rows)s 行里没有找到表头。请用下载的模板：表头一行写列名（%(names)s），数据从下一行开始",
                rows=HEADER_SEARCH,
                names=names,
            )
            return [], [Problem(found[0], _("表头"), message)]
    layout.header_row = found[0]
    positions, problems = _header_problems(*found)
    if problems:
        return [], problems
    rows = itertools.chain((item for item in head if item[0] > layout.header_row), rows)
    towns = _Towns(db.session.scalars(select(Town)))
    codes = dict(db.session.execute(select(Offering.code, Offering.institution_id)).all())
    starts = dict(  # a class already here may keep its start, however long ago
        db.session.execute(
            select(Offering.code, Offering.start_date).where(Offering.institution_id == institution.id)
        ).all()
    )
    columns = {"start_date": "开始日期", "end_date": "结束日期", "signup_deadline": "报名截止"}
    sessions = 0
    data_rows = 0
    seen: dict[str, int] = {}
    kinds_seen: dict[str, tuple[str, int]] = {}
    clean: list[dict] = []
    code_at = positions["开班编号"]
    for number, cells in rows:
        if _is_blank(cells, positions):
            continue
        code_cell = cells[code_at] if code_at < len(cells) else None
        if _is_total(cells, code_cell):
            layout.totals += 1
            continue
        if parsing.text(code_cell).startswith(EXAMPLE_MARK):
            layout.examples += 1
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            problems.append(Problem(number, _("表头"), _("一次最多导入 %(max)s 行，请分成几个文件", max=MAX_ROWS)))
            break
        row = _Row(number, {name: cells[i] if i < len(cells) else None for name, i in positions.items()}, problems)
        # The code is the key a re-import updates by: full-width or half-width, it is the same code.
        code = parsing.text(code_cell)
        if not code:
            row.fail("开班编号", _("这一格是空的，请填写"))
        elif len(code) > 40:
            row.fail("开班编号", _("太长了，最多 %(max)s 个字", max=40))
        if code in seen:
            row.fail(
                "开班编号", _("“%(code)s”在第 %(first)s 行已经出现过，每个班用一个编号", code=code, first=seen[code])
            )
        elif code and codes.get(code, institution.id) != institution.id:
            row.fail("开班编号", _("“%(code)s”是其他院校的班级编号，请换一个编号", code=code))
        if code:
            seen.setdefault(code, number)
        name = row.text("课程名称", required=True, max_length=120)
        kind_word = parsing.text(row.text("类别", required=True))
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
        town_name = parsing.text(row.text("镇/街道", required=True))
        town_id, candidates = towns.find(town_name) if town_name else (None, [])
        if town_name and town_id is None and candidates:
            row.fail(
                "镇/街道",
                _("“%(value)s”可能是 %(names)s，请写全名", value=_shown(town_name), names="、".join(candidates)),
            )
        elif town_name and town_id is None:
            row.fail(
                "镇/街道",
                _("没有叫“%(value)s”的镇或街道，请填写其中之一：%(names)s", value=_shown(town_name), names=towns.names),
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
        begins, ends = row.times()
        if begins and ends and ends <= begins:
            row.fail("结束时间", _("结束时间要晚于开始时间"))
        capacity = row.whole("名额", _("“%(value)s”不是人数，请填整数，例如 30"), 0, classes.MAX_CAPACITY)
        fee = row.whole(
            "费用",
            _("“%(value)s”不是金额，请填整数元，例如 300；免费的填 0"),
            0,
            classes.MAX_FEE,
            required=False,
            parser=lambda v: parsing.parse_money(v, maximum=10**12),
        )
        deadline = row.day("报名截止", required=False)
        for name_, problem, params in classes.class_date_problems(start, end, deadline, today(), starts.get(code)):
            row.fail(columns[name_], classes.bound_message(problem, **params))
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
        level = parsing.text(row.text("学历层次"))
        if level and level not in DEGREE_LEVELS:
            row.fail("学历层次", _("看不懂“%(value)s”，请填 中专、专科 或 本科", value=_shown(level)))
        elif kind == Kind.DEGREE and not level:
            row.fail("学历层次", _("学历提升的班级请填写学历层次：中专、专科 或 本科"))
        cert_level = parsing.text(row.text("等级"))
        if cert_level and cert_level not in CERT_LEVELS:
            row.fail("等级", _("看不懂“%(value)s”，请填 初级、中级、高级、技师 或 高级技师", value=_shown(cert_level)))
        years = row.parsed("学制", parsing.parse_decimal, _("看不懂“%(value)s”，请填年数，例如 2.5"), required=False)
        if years is not None and not 0 < years <= 10:
            row.fail("学制", _("学制要在 0 到 10 年之间"))
        tuition = row.whole(
            "学费",
            _("“%(value)s”不是金额，请填整数元，例如 5200"),
            0,
            classes.MAX_TUITION,
            required=False,
            parser=lambda v: parsing.parse_money(v, maximum=10**12),
        )
        if len(problems) >= MAX_PROBLEMS:
            break
        clean.append(
            dict(
                row=number,
                code=code,
                kind=kind,
                town_id=town_id,
                place=place,
                start_date=start,
                end_date=end,
                weekday=weekday,
                weekdays="",  # a sheet's 星期 column gives one day: the class meets on it only
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
        if layout.examples:
            message = _(
                "表格里只有模板的示例行（开班编号以“示例”开头），它们不会导入。请在下面填写你们的班级，"
                "或把示例行改成你们的开班编号"
            )
        else:
            message = _("表格里没有数据行，请从表头下面一行开始填写")
        problems.append(Problem(layout.header_row + 1, _("表头"), message))
    return clean, problems


@dataclass
class Parsed:
    """A file read and checked: its clean rows, and what was found (problems, layout)."""

    clean: list[dict]
    found: Result


def parse(data: bytes, filename: str, institution: Institution) -> Parsed:
    """Read and check the whole file. Only reads the database (towns, codes), so the route runs it
    before it takes the write lock: a large file's seconds of parsing never hold up a sign-up."""
    layout = Layout()
    try:
        clean, problems = validate(read_rows(data, filename, layout), institution, layout)
    except FileProblem as problem:
        if problem.code == "unpacked":
            limit = current_app.config["IMPORT_UNPACKED_LIMIT"] // 2**20
            message = _("这个表格解压后超过 %(mb)s MB，太大了。请删掉空行和多余的工作表，或分成几个文件", mb=limit)
        else:
            message = _("打不开这个文件。请确认它是 .xlsx 或 .csv（UTF-8）格式")
        return Parsed([], Result(problems=[Problem(1, _("文件"), message)], layout=layout))
    except (csv.Error, ValueError):
        message = _("这个 CSV 文件的格式有误，请在 Excel 里重新“另存为”CSV")
        return Parsed([], Result(problems=[Problem(1, _("文件"), message)], layout=layout))
    return Parsed(clean, Result(problems=problems, layout=layout))


def run(data: bytes, filename: str, institution: Institution, actor: User, submission_id: str) -> Result:
    """parse() and write() in the caller's one transaction (tests, a script); the route parses
    before it takes the write lock and calls write() itself. A replay returns an empty result."""
    if classes.replayed(submission_id):
        return Result()
    return write(parse(data, filename, institution), filename, institution, actor, submission_id)


def write(parsed: Parsed, filename: str, institution: Institution, actor: User, submission_id: str) -> Result:
    """Write a parsed file, everything or nothing, in the caller's write transaction. A replay
    returns an empty result. What may have changed since the file was read is checked again here,
    under the lock: a code another institution has taken since (the rest, places held and a
    programme's kind, is checked only here)."""
    if classes.replayed(submission_id):
        return Result()
    layout = parsed.found.layout
    if not parsed.found.ok:
        return parsed.found
    if problems := _codes_taken_since(parsed.clean, institution):
        return Result(problems=problems, layout=layout)
    result = _write(parsed.clean, institution, actor, filename)
    result.layout = layout
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
                "sheet": layout.sheet,
                "created": result.created,
                "updated": result.updated,
                "programmes": result.programmes,
                "skipped_examples": layout.examples,
                "skipped_totals": layout.totals,
            },
        )
        db.session.flush()
    return result


def _codes_taken_since(clean: list[dict], institution: Institution) -> list[Problem]:
    codes = [row["code"] for row in clean]
    taken: set[str] = set()
    for start in range(0, len(codes), 500):
        query = select(Offering.code).where(
            Offering.code.in_(codes[start : start + 500]), Offering.institution_id != institution.id
        )
        taken.update(db.session.scalars(query))
    return [
        Problem(row["row"], "开班编号", _("“%(code)s”是其他院校的班级编号，请换一个编号", code=row["code"]))
        for row in clean
        if row["code"] in taken
    ]


def notices(result: Result) -> list[str]:
    """What the importer read and left out, in words, for the page after an import."""
    layout, said = result.layout, []
    if layout.sheet and (layout.sheets > 1 or layout.header_row > 1):
        said.append(_("读取的是工作表“%(sheet)s”，表头在第 %(row)s 行。", sheet=layout.sheet, row=layout.header_row))
    elif layout.header_row > 1:
        said.append(_("表头在第 %(row)s 行。", row=layout.header_row))
    if layout.other_sheets:
        names = "、".join(f"“{name}”" for name in layout.other_sheets)
        said.append(_("工作表 %(names)s 也有表头，没有导入；要导入请把它单独存成一个文件。", names=names))
    if layout.examples:
        said.append(_("跳过了 %(num)s 行模板示例（开班编号以“示例”开头）。", num=layout.examples))
    if layout.totals:
        said.append(_("跳过了 %(num)s 行合计。", num=layout.totals))
    if result.moved_up:
        said.append(_("名额增加后，%(num)s 位候补学员已转为正式报名，并已短信通知。", num=result.moved_up))
    if result.told:
        said.append(_("上课时间改了的班，已短信通知 %(num)s 位学员。", num=result.told))
    return said


# What an import audits of each class it creates or changes (the search key is derived, not entered).
AUDITED = ("kind", *classes.OFFERING_FIELDS)


def _write(clean: list[dict], institution: Institution, actor: User, filename: str) -> Result:
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
            changes = staff.apply(programme, {key: value for key, value in spec.items() if value is not None})
            versions.bump(programme, bool(changes))  # an edit form open now sees the import as a change
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
    changed: list[tuple[Offering, staff.Changes]] = []
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
                dict(
                    code=row["code"], institution_id=institution.id, seats_taken=0, status=OfferingStatus.OPEN, **values
                )
            )
            continue
        if row["capacity"] < offering.seats_taken:
            result.problems.append(
                Problem(
                    row["row"], "名额", _("这个班已有 %(taken)s 人报名，名额不能少于这个数", taken=offering.seats_taken)
                )
            )
            continue
        changes = {k: v for k, v in staff.apply(offering, values).items() if k in AUDITED}
        versions.bump(offering, bool(changes))  # an edit form open now sees the import as a change
        changed.append((offering, changes))
        result.updated += 1
    if result.problems:
        return result
    db.session.flush()
    # The class service's own steps, for the classes whose pattern or places changed.
    repatterned = [o for o, changes in changed if set(changes) & set(classes.PATTERN)]
    classes.rebuild_sessions(repatterned)
    db.session.flush()
    for offering in repatterned:
        result.told += classes.tell_new_pattern(offering)
    for offering, changes in changed:
        old, new = changes.get("capacity", (0, 0))
        if new > old:
            result.moved_up += classes.fill_from_waitlist(offering)
    audits = []
    for offering, changes in changed:
        if changes:
            audits.append(_audit_row(actor, "offering.update", offering.id, changes, filename, created=False))
    for start in range(0, len(new_rows), 2000):
        part = new_rows[start : start + 2000]
        ids = catalogue.bulk_insert_offerings(part)
        for offering_id, values in zip(ids, part, strict=True):
            after = {k: (None, values[k]) for k in AUDITED if k in values}
            audits.append(_audit_row(actor, "offering.create", offering_id, after, filename, created=True))
            push.announce(offering_id, PushReason.PUBLISHED)
    for start in range(0, len(audits), 2000):
        db.session.execute(insert(AuditEntry), audits[start : start + 2000])
    result.created = len(new_rows)
    db.session.flush()
    return result


def _audit_row(actor: User, action: str, offering_id: int, changes: staff.Changes, filename: str, created: bool):
    """An audit entry of one class an import created or changed, as staff.audit_changes makes it."""
    before = None if created else {k: staff.plain(old) for k, (old, _new) in changes.items()}
    return dict(
        actor_id=actor.id,
        action=action,
        target_type="offering",
        target_id=offering_id,
        resident_id=None,
        details={
            "before": before,
            "after": {k: staff.plain(new) for k, (_old, new) in changes.items()},
            "import": filename[:100],
        },
        created_at=utcnow(),
    )
