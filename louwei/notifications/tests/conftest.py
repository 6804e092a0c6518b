import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Tasks run when enqueued (the test still has to commit: use django_capture_on_commit_callbacks)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _local_robots_allowed(settings):
    """The tests' robot is a real HTTP server on 127.0.0.1; production allows only WeCom and DingTalk."""
    settings.LOUWEI_WEBHOOK_HOSTS = [*settings.LOUWEI_WEBHOOK_HOSTS, "127.0.0.1"]


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


class RobotServer:
    """A real HTTP server on 127.0.0.1 playing a group-chat robot; answers with ``statuses`` in turn."""

    def __init__(self, statuses=(200,), answer=None):
        self.statuses = list(statuses)
        self.answer = answer if answer is not None else {"errcode": 0, "errmsg": "ok"}
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                status = server.statuses.pop(0) if len(server.statuses) > 1 else server.statuses[0]
                server.requests.append({
                    "path": parts.path, "query": parse_qs(parts.query), "body": json.loads(raw),
                    "content_type": self.headers.get("Content-Type"), "status": status,
                })
                payload = json.dumps(server.answer if status < 300 else {"errcode": -1}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def robot():
    servers = []

    def start(statuses=(200,), answer=None):
        server = RobotServer(statuses, answer)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
