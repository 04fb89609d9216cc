"""A local fake of Alibaba Cloud SMS's HTTP API (the RPC endpoint dysmsapi.aliyuncs.com), for tests
and bench/messages.py: the official SDK is pointed at it with endpoint=127.0.0.1:PORT, protocol http.

Answers SendSms (records the text; `fail_next` makes the next answers an error) and QuerySendDetails
(the texts recorded for a number, with their OutId). Standard library only; runs in a thread, or
as `python bench/fake_alibaba.py PORT FILE` writing each accepted text as a JSON line to FILE."""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeAlibaba(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0, record: str | None = None):
        super().__init__(("127.0.0.1", port), _Handler)
        self.sent: list[dict] = []
        self.fail_next: list[str] = []  # error codes to answer with, one per SendSms call
        self.delay = 0.0  # seconds each SendSms takes (a slow gateway)
        self.lock = threading.Lock()
        self.record = open(record, "a", encoding="utf-8") if record else None  # noqa: SIM115

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    def start(self) -> FakeAlibaba:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: FakeAlibaba

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        query |= {k: v[0] for k, v in parse_qs(body).items()}
        action = query.get("Action") or self.headers.get("x-acs-action")
        server = self.server
        if action == "SendSms":
            if server.delay:
                time.sleep(server.delay)
            with server.lock:
                failure = server.fail_next.pop(0) if server.fail_next else None
                if failure is None:
                    text = {
                        "PhoneNum": query.get("PhoneNumbers"),
                        "SignName": query.get("SignName"),
                        "TemplateCode": query.get("TemplateCode"),
                        "TemplateParam": json.loads(query.get("TemplateParam") or "{}"),
                        "OutId": query.get("OutId"),
                        "BizId": uuid.uuid4().hex,
                    }
                    server.sent.append(text)
                    if server.record:
                        server.record.write(json.dumps(text, ensure_ascii=False) + "\n")
                        server.record.flush()
            if failure:
                return self._json({"Code": failure, "Message": failure, "RequestId": uuid.uuid4().hex})
            return self._json({"Code": "OK", "Message": "OK", "BizId": text["BizId"], "RequestId": uuid.uuid4().hex})
        if action == "QuerySendDetails":
            with server.lock:
                mine = [t for t in server.sent if t["PhoneNum"] == query.get("PhoneNumber")]
            details = [{"OutId": t["OutId"], "PhoneNum": t["PhoneNum"], "SendStatus": 3} for t in mine]
            return self._json(
                {"Code": "OK", "TotalCount": len(details), "SmsSendDetailDTOs": {"SmsSendDetailDTO": details}}
            )
        self._json({"Code": "InvalidAction.NotFound", "Message": str(action)}, status=404)

    def _json(self, data: dict, status: int = 200) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


if __name__ == "__main__":
    fake = FakeAlibaba(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)
    fake.serve_forever()
