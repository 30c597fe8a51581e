"""A real HTTP server on 127.0.0.1 that tests start in place of a gateway or a webhook
subscriber: it records every request and answers from a script of responses."""
import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RecordedRequest:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body.decode()) if self.body else None


class HttpRecorder:
    """``with HttpRecorder() as server:`` ``server.url`` answers; ``server.requests`` lists what
    came. ``server.respond(status, data)`` queues answers (default: 200 ``{"ok": true}``);
    ``server.handler`` may compute answers from the request instead."""

    def __init__(self):
        self.requests = []
        self.responses = deque()
        self.handler = None
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                request = RecordedRequest(self.command, self.path, dict(self.headers), body)
                recorder.requests.append(request)
                if recorder.handler:
                    status, data = recorder.handler(request)
                elif recorder.responses:
                    status, data = recorder.responses.popleft()
                else:
                    status, data = 200, {'ok': True}
                payload = data if isinstance(data, bytes) else json.dumps(data).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_POST = do_GET = do_PUT = _serve

            def log_message(self, format, *args):  # noqa: A002 - keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.server.server_address
        return f'http://{host}:{port}'

    def respond(self, status, data=None):
        self.responses.append((status, {} if data is None else data))

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
