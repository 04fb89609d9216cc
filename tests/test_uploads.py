"""Request bodies are capped per route, and a spreadsheet's real unpacked size is checked before it is
parsed (issue 12: a 0.5 MB XLSX inflating to 200 MB tied up a server; a 100 MB POST was accepted)."""

from __future__ import annotations

import io
import struct
import time
import zipfile

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import Offering
from app.services import imports
from tests.factories import make_institution, make_town
from tests.helpers import tokens
from tests.test_imports import as_xlsx, upload


def upload_large(client, data: bytes, name: str):
    """As tests.test_imports.upload, the body built in memory (the test client spools a large file
    body to a temporary file it never closes)."""
    page = client.get("/admin/import").get_data(as_text=True)
    fields = {**tokens(page), "file": FileStorage(io.BytesIO(data), filename=name)}
    boundary, body = encode_multipart(fields)
    return client.post("/admin/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def school(app):
    institution = make_institution(name="当湖街道社区学校", town=make_town("当湖街道"))
    db.session.commit()
    return institution


def test_any_form_refuses_a_body_over_a_megabyte_with_a_page_in_the_users_language(client, app):
    page = client.get("/needs/new").get_data(as_text=True)
    big = {**tokens(page), "name": "王芳", "notes": "字" * 2**20}
    response = client.post("/needs/new", data=big)
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and "提交的内容太大了（最多 1 MB）" in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    english = client.post("/needs/new", data=big, headers={"Accept-Language": "en"})
    assert english.status_code == 413 and "too large (at most 1 MB)" in english.get_data(as_text=True)
    elder = client.post("/elder/courses/1/signup", data=big)
    assert elder.status_code == 413 and "长辈版" in elder.get_data(as_text=True), "the 长辈版 keeps its own layout"


def test_the_import_takes_files_up_to_five_megabytes_and_no_more(client, login_as, school):
    login_as("institution", institution=school)
    too_big = upload_large(client, b"x" * (5 * 2**20 + 1), "big.csv")
    assert too_big.status_code == 413 and "一次最多上传 5 MB" in too_big.get_data(as_text=True)
    within = upload_large(client, b"a,b\n" * 2**20, "four.csv")  # 4 MB: read, and its problems reported
    assert within.status_code == 422 and "没有找到表头" in within.get_data(as_text=True)


def zip_with(member: bytes, name: str = "xl/worksheets/sheet1.xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr(name, member)
    return out.getvalue()


def lie_about_sizes(data: bytes, size: int) -> bytes:
    """The same zip, its headers claiming every member unpacks to `size` bytes."""
    data = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.find(signature)
        while start != -1:
            data[start + offset : start + offset + 4] = struct.pack("<I", size)
            start = data.find(signature, start + 4)
    return bytes(data)


@pytest.fixture
def never_parsed(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl was asked to parse a file that should have been refused")

    monkeypatch.setattr(imports, "load_workbook", refuse)


def test_an_xlsx_that_unpacks_to_more_than_the_limit_is_refused_before_parsing(client, login_as, school, never_parsed):
    login_as("institution", institution=school)
    bomb = zip_with(b" " * (40 * 2**20))  # 40 MB of spaces: about 40 KB zipped
    assert len(bomb) < 100_000
    started = time.perf_counter()
    response = upload(client, bomb, "bomb.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "解压后超过 32 MB" in html and time.perf_counter() - started < 2
    assert db.session.scalar(select(func.count(Offering.id))) == 0


def test_a_zip_whose_headers_lie_about_its_size_is_refused_too(app, school, never_parsed):
    bomb = lie_about_sizes(zip_with(b" " * (40 * 2**20)), 1000)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) <= 2000, "the headers say: small"
    with app.test_request_context():
        result = imports.run(bomb, "liar.xlsx", school, None, "0" * 32)
    assert not result.ok and "打不开这个文件" in str(result.problems[0])


def test_too_many_members_is_refused(app, school, never_parsed):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for n in range(101):
            book.writestr(f"x/{n}.xml", "<x/>")
    with app.test_request_context():
        result = imports.run(out.getvalue(), "many.xlsx", school, None, "0" * 32)
    assert not result.ok and "解压后超过" in str(result.problems[0])


def test_a_real_spreadsheet_still_imports(client, login_as, school):
    login_as("institution", institution=school)
    assert upload(client, as_xlsx([imports.HEADERS, imports.EXAMPLE[0]]), "ok.xlsx").status_code == 303
