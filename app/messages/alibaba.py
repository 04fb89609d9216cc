"""Alibaba Cloud SMS (短信服务) through its official SDK, alibabacloud-dysmsapi20170525.

Set SMS_SENDER=app.messages.alibaba:AlibabaSender, the access key (SMS_ALIBABA_ACCESS_KEY_ID and
_SECRET, from the environment), the registered sign name (SMS_ALIBABA_SIGN_NAME) and one registered
template code per kind of text (SMS_ALIBABA_TEMPLATES, e.g. {"code": "SMS_1234", …}); each
template has the parameters app.messages.templates gives it. The message id goes as OutId, so after
a worker died mid-call `was_sent` can ask QuerySendDetails whether the text went.
"""

from __future__ import annotations

import json

from alibabacloud_dysmsapi20170525 import models as dysms
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi
from alibabacloud_tea_util import models as util
from flask import Flask

from app import clock
from app.sms import GatewayError, Outgoing

# Codes that retrying cannot fix (Alibaba's error codes): a bad number, sign or template.
PERMANENT = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.INVALID_PARAMETERS",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.AMOUNT_NOT_ENOUGH",
    "isv.DENY_IP_RANGE",
}


class AlibabaSender:
    def __init__(self, app: Flask):
        config = app.config
        self.sign_name = config["SMS_ALIBABA_SIGN_NAME"]
        self.templates = dict(config["SMS_ALIBABA_TEMPLATES"])
        self.client = Client(
            openapi.Config(
                access_key_id=config["SMS_ALIBABA_ACCESS_KEY_ID"],
                access_key_secret=config["SMS_ALIBABA_ACCESS_KEY_SECRET"],
                endpoint=config["SMS_ALIBABA_ENDPOINT"],
                protocol=config["SMS_ALIBABA_PROTOCOL"],
            )
        )
        # Bounded waits: the claim lease (SMS_CLAIM_LEASE) must outlast any one call.
        self.runtime = util.RuntimeOptions(connect_timeout=5000, read_timeout=10000, autoretry=False)

    def send(self, message: Outgoing) -> str | None:
        template = self.templates.get(message.template)
        if not template:
            raise GatewayError(f"no_template:{message.template}", permanent=True)
        request = dysms.SendSmsRequest(
            phone_numbers=message.phone,
            sign_name=self.sign_name,
            template_code=template,
            template_param=json.dumps(message.params, ensure_ascii=False),
            out_id=str(message.id),
        )
        try:
            body = self.client.send_sms_with_options(request, self.runtime).body
        except Exception as error:  # network, throttling (HTTP 4xx/5xx): try again later
            code = getattr(error, "code", None) or type(error).__name__
            raise GatewayError(str(code), permanent=str(code) in PERMANENT) from error
        if body.code != "OK":
            raise GatewayError(body.code or "unknown", permanent=body.code in PERMANENT)
        return body.biz_id

    def was_sent(self, message: Outgoing) -> bool | None:
        """Look for our OutId among today's texts to this number (QuerySendDetails)."""
        request = dysms.QuerySendDetailsRequest(
            phone_number=message.phone, send_date=clock.now().strftime("%Y%m%d"), page_size=50, current_page=1
        )
        try:
            body = self.client.query_send_details_with_options(request, self.runtime).body
        except Exception:
            return None
        if body.code != "OK":
            return None
        details = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
        return any(d.out_id == str(message.id) for d in details or [])
