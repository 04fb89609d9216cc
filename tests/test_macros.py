"""The form macros on their own: one error summary for field errors and form-level problems."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField
from wtforms.validators import InputRequired


def render(app, source: str, **context) -> str:
    with app.test_request_context():
        return app.jinja_env.from_string('{% from "macros/forms.html" import error_summary, field %}' + source).render(
            **context
        )


class NameForm(Form):
    name = StringField("姓名", description="写身份证上的名字", validators=[InputRequired("请输入姓名")])


def invalid_form() -> NameForm:
    form = NameForm(MultiDict({"name": ""}))
    form.validate()
    return form


def test_error_summary_lists_problems_then_links_to_each_field_error(app):
    problems = "[('这门课已经停止报名', None), ('去看看别的课', '#other')]"
    html = render(app, "{{ error_summary(form, problems=" + problems + ") }}", form=invalid_form())
    assert 'role="alert"' in html and "请修改以下内容" in html
    assert html.index("这门课已经停止报名") < html.index("去看看别的课") < html.index("请输入姓名")
    assert "<li>这门课已经停止报名</li>" in html
    assert '<a href="#other">去看看别的课</a>' in html and '<a href="#name">请输入姓名</a>' in html


def test_error_summary_shows_nothing_without_errors_and_a_description_without_a_list(app):
    assert render(app, "{{ error_summary(none) }}{{ error_summary(problems=[]) }}").strip() == ""
    call = '{{ error_summary(title="不用重复报名", description="已经报过了", attrs={"data-problem": "x"}) }}'
    html = render(app, call)
    assert 'data-problem="x"' in html and "<h2" in html and "<p>已经报过了</p>" in html and "<ul>" not in html


def test_a_field_is_described_by_its_hint_and_error_and_marked_invalid(app):
    html = render(app, "{{ field(form.name, autocomplete='name') }}", form=invalid_form())
    assert 'aria-describedby="name-hint name-error"' in html and 'aria-invalid="true"' in html
    assert 'autocomplete="name"' in html and 'id="name-hint"' in html and "错误：" in html
