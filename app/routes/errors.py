"""Error pages in the user's language, never a bare stack trace."""

from __future__ import annotations

from flask import Flask, Response, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.htmx import render
from app.limits import body_limit, readable_size

MESSAGES = {
    400: (_l("请求有误"), _l("这个请求看不懂。请返回上一页再试一次。")),
    403: (_l("没有权限"), _l("您没有查看这个页面的权限。")),
    404: (_l("找不到这个页面"), _l("网址可能有误，或者这门课已经下架。可以回到课程列表重新找找。")),
    405: (_l("不能这样打开"), _l("这个页面不能这样打开。请返回上一页再试一次。")),
    413: (_l("内容太大"), _l("提交的内容太大了。请返回上一页再试一次。")),
    429: (_l("操作太频繁"), _l("请稍等一分钟再试。")),
    500: (_l("系统出了点问题"), _l("我们已经记录下来。请稍后再试。")),
}


def _page(code: int, title=None, message=None):
    """The error in the view the person is using: the 长辈版 keeps its own large layout."""
    if request_ctx.url_adapter is None:
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page with links either.
        text = _("这个网址的主机名不对，本站不认识它。请检查地址栏里的网址。")
        return Response(text, status=400, mimetype="text/plain")
    default_title, default_message = MESSAGES.get(code, MESSAGES[400])
    template = "elder/error.html" if request.blueprint == "elder" else "errors/error.html"
    return render(template, code=code, title=title or default_title, message=message or default_message, status=code)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _page(400, _l("页面已过期"), _l("这个页面打开太久了。请返回上一页，重新打开这个表单再提交一次。"))

    @app.errorhandler(413)
    def too_large(error: HTTPException):
        size = readable_size(body_limit(request.endpoint))
        if request.endpoint in app.config["BODY_LIMITS"]:
            message = _("文件太大了：一次最多上传 %(size)s。请把表格分成几个文件，一个一个导入。", size=size)
        else:
            message = _("提交的内容太大了（最多 %(size)s）。请返回上一页，删掉多余的内容后再提交。", size=size)
        return _page(413, message=message)

    @app.errorhandler(429)
    def too_many(error: HTTPException):
        limit = getattr(error, "limit", None)  # Flask-Limiter's: ours carry words that say what to do
        return _page(429, message=error.description if limit is not None and limit.error_message else None)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return _page(500)
