"""A simulated WhatsApp Business Cloud API (Meta's Graph API) on loopback, for the tests and the bench.

It follows the published contract, not our code: ``POST /<version>/<phone-number-id>/messages`` with
a bearer token answers ``{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id":
"wamid.…"}]}``; a wrong token is Graph's 401 (``OAuthException``, code 190); a number set to fail is
Graph's 400 with its error code. Every accepted message is recorded with its payload (template name,
language and parameters, or text). The webhook side builds Meta's notification bodies and POSTs them
to Odoo's real route with a correct (or forged) ``X-Hub-Signature-256``.
"""

import hashlib
import hmac
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


class GraphSimulator:
    """``with GraphSimulator(token, phone_number_id) as graph``: ``graph.url`` is its base URL."""

    def __init__(self, token, phone_number_id, version="23.0"):
        self.token = token
        self.phone_number_id = phone_number_id
        self.version = version
        self.sent = []  # the accepted messages' JSON bodies, each with its "wamid"
        self.refused = []  # (status, body) of the refused calls
        self.fail_numbers = {}  # {E.164 digits: (code, message)}: Graph refuses to send to them
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = None
        self.keep = True

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self):
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: one connection per sending batch, as with Meta
            # Headers and body are written apart: without TCP_NODELAY, Nagle's algorithm holds the body
            # until the client's delayed ACK (~40 ms a call), which no real server makes a client wait.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                http_status, answer = simulator.handle(self.path, self.headers.get("Authorization"), raw)
                data = json.dumps(answer).encode()
                self.send_response(http_status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def handle(self, path, authorization, raw):
        """``(status, answer)`` of a Graph call, as Meta answers it."""
        body, refusal = self._check(path, authorization, raw)
        if refusal:
            return self._refuse(*refusal)
        if body["to"] in self.fail_numbers:
            code, message = self.fail_numbers[body["to"]]
            return self._refuse(400, code, message, "OAuthException")
        with self._lock:
            wamid = f"wamid.SIM{next(self._ids):08d}"
            if self.keep:
                self.sent.append(dict(body, wamid=wamid))
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": wamid}],
        }

    def _check(self, path, authorization, raw):
        """``(body, None)`` of a well-formed authorised call, else ``(None, (status, code, message, type))``."""
        if authorization != f"Bearer {self.token}":
            return None, (401, 190, "Invalid OAuth access token.", "OAuthException")
        if path.rstrip("/") != f"/v{self.version}/{self.phone_number_id}/messages":
            return None, (400, 100, f"Unsupported post request: {path}", "GraphMethodException")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if (
            not isinstance(body, dict)
            or body.get("messaging_product") != "whatsapp"
            or not str(body.get("to", "")).isdigit()
            or body.get("type") not in ("template", "text")
        ):
            return None, (400, 100, "(#100) Invalid parameter", "OAuthException")
        return body, None

    def _refuse(self, http_status, code, message, kind):
        answer = {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "SIM"}}
        with self._lock:
            self.refused.append((http_status, answer))
        return http_status, answer

    def template_parameters(self, message):
        """``[text, …]`` of the body parameters of a recorded template message."""
        for component in message["template"].get("components", []):
            if component["type"] == "body":
                return [parameter["text"] for parameter in component["parameters"]]
        return []


def notification(phone_number_id, *, statuses=(), messages=(), contacts=()):
    """Meta's webhook notification body (``whatsapp_business_account``, field ``messages``)."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": phone_number_id},
    }
    if statuses:
        value["statuses"] = list(statuses)
    if messages:
        value["messages"] = list(messages)
        value["contacts"] = list(contacts) or [
            {"profile": {"name": "Customer"}, "wa_id": message["from"]} for message in messages
        ]
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }


def status(wamid, state, recipient, timestamp, error=None):
    """One ``statuses`` item; ``error``: ``(code, title, details)`` of a failed one."""
    item = {"id": wamid, "status": state, "timestamp": str(timestamp), "recipient_id": recipient}
    if error:
        code, title, details = error
        item["errors"] = [{"code": code, "title": title, "message": title, "error_data": {"details": details}}]
    return item


def text_message(wamid, sender, text, timestamp, context_id=None):
    """One inbound ``messages`` item of type text (a reply to ``context_id`` when given)."""
    item = {"from": sender, "id": wamid, "timestamp": str(timestamp), "type": "text", "text": {"body": text}}
    if context_id:
        item["context"] = {"from": "15550000000", "id": context_id}
    return item


def post_webhook(url, body, secret, forged=False, session=None):
    """POST ``body`` to Odoo's webhook ``url`` as Meta does: the raw JSON signed with the app secret in
    ``X-Hub-Signature-256`` (a wrong signature when ``forged``). Returns the response."""
    raw = json.dumps(body).encode()
    digest = hmac.new((secret + "-forged" if forged else secret).encode(), raw, hashlib.sha256).hexdigest()
    return (session or requests).post(
        url,
        data=raw,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"},
        timeout=30,
    )


def main():
    """Serve the simulator in a process of its own (``make bench``: Meta is not in Odoo's process):
    ``graph_simulator.py TOKEN PHONE_NUMBER_ID`` prints its base URL, then serves until killed."""
    import sys  # noqa: PLC0415 - only when run as a script

    with GraphSimulator(sys.argv[1], sys.argv[2]) as graph:
        graph.keep = False  # no record of what was sent: a bench sends tens of thousands
        sys.stdout.write(graph.url + "\n")
        sys.stdout.flush()
        threading.Event().wait()


if __name__ == "__main__":
    main()
