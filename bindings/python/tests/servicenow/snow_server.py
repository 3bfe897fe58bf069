"""A ServiceNow Table API server for the real-client tests.

Python standard library only: ``http.server`` over ``ssl`` on 127.0.0.1 (a
free port), with a self-signed certificate made at start by the ``openssl``
CLI (pysnc refuses ``http://`` instances, so HTTPS is not optional), and
HTTP basic auth. It speaks what ``pysnc`` 1.2.1 sends (read from its
source, ``pysnc/client.py`` and ``pysnc/record.py``):

- ``GET /api/now/table/{table}`` with ``sysparm_query`` (an encoded query
  that always ends in an ``ORDERBY…``: pysnc appends ``ORDERBYsys_id``),
  ``sysparm_fields``, ``sysparm_limit`` / ``sysparm_offset`` (pysnc pages by
  offset and stops on ``X-Total-Count``; it sends
  ``sysparm_suppress_pagination_header=true``, which drops the ``Link``
  header, as on an instance), ``sysparm_display_value`` ``true`` / ``false``
  / ``all`` and ``sysparm_exclude_reference_link``;
- ``GET /api/now/table/{table}/{sys_id}``;
- ``PATCH`` / ``PUT`` (pysnc's ``update()`` sends PATCH with only the fields
  it marked changed), ``POST`` (``insert()``, answered 201), ``DELETE``
  (answered 204).

Journal fields (``work_notes``, ``comments``) are appended to a journal, never
overwritten; in a GET their value is empty and their display value is the
journal, newest first, as on an instance.

Records live in memory, in value form (``YYYY-MM-DD HH:MM:SS`` UTC dates,
references as sys_ids); the test reads ``server.tables`` and
``server.journal`` directly, and ``server.requests`` for what the client sent.
An operator or parameter the server does not know is answered 400, so a
client that starts sending something new fails the test instead of being
answered wrongly.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import socket
import ssl
import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

Record = Dict[str, str]
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
JOURNAL_FIELDS = ("work_notes", "comments")
# The Table API's default page when sysparm_limit is absent.
DEFAULT_LIMIT = 10000


@dataclass
class TableSchema:
    """What the server needs to know of a table to answer like an instance."""

    display_field: str = "name"
    references: Dict[str, str] = field(default_factory=dict)  # field -> target table
    choices: Dict[str, Dict[str, str]] = field(default_factory=dict)  # field -> value -> label
    dates: Tuple[str, ...] = ("sys_created_on", "sys_updated_on")
    journal: Tuple[str, ...] = ()
    number_prefix: str = ""


@dataclass
class JournalEntry:
    element: str
    value: str
    sys_created_on: str
    sys_created_by: str


@dataclass
class LoggedRequest:
    method: str
    path: str
    params: Dict[str, str]
    body: Any


class QueryError(ValueError):
    """An encoded query the server does not understand (answered 400)."""


# Longest first: "NOT IN" before "IN", "!=" before "=", ">=" before ">".
_OPERATORS = (
    "ISNOTEMPTY", "ISEMPTY", "NOT IN", "IN", "STARTSWITH", "ENDSWITH", "DOES NOT CONTAIN",
    "CONTAINS", "NOT LIKE", "LIKE", "!=", ">=", "<=", "=", ">", "<",
)
_CONDITION = re.compile(r"^([a-z0-9_.]+?)(" + "|".join(re.escape(o) for o in _OPERATORS) + r")(.*)$", re.S)


def _test(op: str, actual: str, expected: str) -> bool:
    if op == "=":
        return actual == expected
    if op == "!=":
        return actual != expected
    if op == "IN":
        return actual in expected.split(",")
    if op == "NOT IN":
        return actual not in expected.split(",")
    if op == "STARTSWITH":
        return actual.startswith(expected)
    if op == "ENDSWITH":
        return actual.endswith(expected)
    if op in ("CONTAINS", "LIKE"):
        return expected.lower() in actual.lower()
    if op in ("DOES NOT CONTAIN", "NOT LIKE"):
        return expected.lower() not in actual.lower()
    if op == "ISEMPTY":
        return actual == ""
    if op == "ISNOTEMPTY":
        return actual != ""

    def key(v: str) -> Any:
        try:
            return (0, float(v))
        except ValueError:
            return (1, v)  # dates compare as text in YYYY-MM-DD HH:MM:SS

    a, e = key(actual), key(expected)
    result: bool = {">": a > e, ">=": a >= e, "<": a < e, "<=": a <= e}[op]
    return result


Predicate = Callable[[Record], bool]


def parse_query(query: str) -> Tuple[Predicate, List[Tuple[str, bool]]]:
    """An encoded query as a predicate over value-form records and an order.

    ``a^b`` is AND, ``a^ORb`` is OR with the condition before it (OR binds
    tighter than AND, as on an instance), ``a^NQb`` is a new query ORed with
    the rest, ``ORDERBYf`` / ``ORDERBYDESCf`` sort.
    """
    order: List[Tuple[str, bool]] = []
    # groups: NQ alternatives -> AND terms -> OR alternatives of one condition
    groups: List[List[List[Tuple[str, str, str]]]] = [[]]
    if query:
        for part in query.split("^"):
            if part == "" or part == "EQ":
                continue
            if part.startswith("NQ"):
                groups.append([])
                part = part[2:]
            if part.startswith("ORDERBYDESC"):
                order.append((part[len("ORDERBYDESC"):], True))
                continue
            if part.startswith("ORDERBY"):
                order.append((part[len("ORDERBY"):], False))
                continue
            # Field names are lower case: a leading "OR" is the operator.
            is_or = part.startswith("OR")
            if is_or:
                part = part[2:]
            m = _CONDITION.match(part)
            if not m:
                raise QueryError(f"cannot read the query term {part!r}")
            cond = (m.group(1), m.group(2), m.group(3))
            terms = groups[-1]
            if is_or:
                if not terms:
                    raise QueryError(f"^OR without a condition before it: {part!r}")
                terms[-1].append(cond)
            else:
                terms.append([cond])

    def predicate(record: Record) -> bool:
        def holds(c: Tuple[str, str, str]) -> bool:
            return _test(c[1], record.get(c[0], ""), c[2])

        return any(all(any(holds(c) for c in alts) for alts in terms) for terms in groups)

    return predicate, order


def make_certificate(folder: Path) -> Tuple[Path, Path]:
    """A self-signed certificate for IP 127.0.0.1 made by the openssl CLI."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("the openssl CLI is needed to make the test server's certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class TableAPIServer:
    """The server, its data and its request log. Use as a context manager."""

    def __init__(
        self,
        folder: Path,
        tables: Dict[str, List[Record]],
        schemas: Dict[str, TableSchema],
        user: str = "admin",
        password: str = "secret",
        user_time_zone: str = "America/Los_Angeles",
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.user, self.password = user, password
        self.schemas = schemas
        self.user_time_zone = ZoneInfo(user_time_zone)
        self.now = now
        self.tables: Dict[str, Dict[str, Record]] = {
            name: {r["sys_id"]: dict(r) for r in rows} for name, rows in tables.items()
        }
        # A table's columns: every field of its seed records.
        self.columns: Dict[str, List[str]] = {}
        for name, rows in tables.items():
            cols: Dict[str, None] = {}
            for r in rows:
                cols.update(dict.fromkeys(r))
            self.columns[name] = list(cols)
        self.journal: Dict[Tuple[str, str], List[JournalEntry]] = {}
        self.requests: List[LoggedRequest] = []
        self.lock = threading.Lock()
        self.cert, key = make_certificate(folder)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        handler = _make_handler(self)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "TableAPIServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join()

    # --- data ------------------------------------------------------------

    def schema(self, table: str) -> TableSchema:
        return self.schemas.get(table, TableSchema())

    def add_journal(self, table: str, sys_id: str, element: str, value: str) -> None:
        entries = self.journal.setdefault((table, sys_id), [])
        entries.append(JournalEntry(element, value, self.now().strftime(DATE_FORMAT), self.user))

    def journal_of(self, table: str, sys_id: str, element: str) -> List[str]:
        """The entries of one journal field, oldest first."""
        return [e.value for e in self.journal.get((table, sys_id), []) if e.element == element]

    def find(self, table: str, sys_id: str) -> Optional[Tuple[str, Record]]:
        """A record by sys_id; ``task`` looks in every task table."""
        if table == "task":
            for name, rows in self.tables.items():
                if sys_id in rows and self.schema(name).number_prefix:
                    return name, rows[sys_id]
            return None
        row = self.tables.get(table, {}).get(sys_id)
        return (table, row) if row is not None else None

    def display(self, table: str, name: str, value: str) -> str:
        schema = self.schema(table)
        if value == "":
            return ""
        if name in schema.references:
            target = self.find(schema.references[name], value)
            if target is None:
                return ""
            return target[1].get(self.schema(target[0]).display_field, "")
        if name in schema.choices:
            return schema.choices[name].get(value, value)
        if name in schema.dates:
            utc = datetime.strptime(value, DATE_FORMAT).replace(tzinfo=timezone.utc)
            return utc.astimezone(self.user_time_zone).strftime(DATE_FORMAT)
        return value

    def journal_display(self, table: str, sys_id: str, element: str) -> str:
        lines = []
        for e in reversed(self.journal.get((table, sys_id), [])):
            if e.element == element:
                when = self.display(table, "sys_created_on", e.sys_created_on)
                lines.append(f"{when} - {e.sys_created_by} ({element.replace('_', ' ').title()})\n{e.value}\n")
        return "\n".join(lines)

    def render(self, table: str, record: Record, params: Dict[str, str]) -> Dict[str, Any]:
        """A record as the Table API returns it for these parameters."""
        mode = params.get("sysparm_display_value", "false").lower()
        exclude_links = params.get("sysparm_exclude_reference_link", "false").lower() == "true"
        fields = [f for f in params.get("sysparm_fields", "").split(",") if f]
        schema = self.schema(table)
        names = fields or list(record) + [j for j in schema.journal if j not in record]
        out: Dict[str, Any] = {}
        for name in names:
            if name not in record and name not in schema.journal:
                continue  # an instance leaves out fields the table does not have
            if name in schema.journal:
                value, shown = "", self.journal_display(table, record["sys_id"], name)
            else:
                value, shown = record[name], self.display(table, name, record[name])
            link = None
            if name in schema.references and value and not exclude_links:
                link = f"{self.url}/api/now/table/{schema.references[name]}/{value}"
            if mode == "all":
                out[name] = {"display_value": shown, "value": value}
                if link:
                    out[name]["link"] = link
            elif mode == "true":
                out[name] = {"display_value": shown, "link": link} if link else shown
            else:
                out[name] = {"link": link, "value": value} if link else value
        return out

    def write(self, table: str, record: Record, body: Dict[str, Any]) -> None:
        """Applies a PATCH/POST body: journal fields append, others set."""
        schema = self.schema(table)
        for name, value in body.items():
            if isinstance(value, dict):
                value = value.get("value", "")
            text = "" if value is None else str(value)
            if name in schema.journal:
                if text:
                    self.add_journal(table, record["sys_id"], name, text)
            elif name in self.columns.get(table, ()) and name != "sys_id":
                record[name] = text
            # like an instance, a field the table does not have is ignored
        record["sys_updated_on"] = self.now().strftime(DATE_FORMAT)
        record["sys_updated_by"] = self.user
        record["sys_mod_count"] = str(int(record.get("sys_mod_count", "0") or "0") + 1)


def _make_handler(server: TableAPIServer) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without TCP_NODELAY each
            # keep-alive response waits on the client's delayed ACK.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def send_json(self, code: int, payload: Any, headers: Optional[Dict[str, str]] = None) -> None:
            body = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(code)
            if payload is not None:
                self.send_header("Content-Type", "application/json;charset=UTF-8")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def error(self, code: int, message: str, detail: str = "") -> None:
            self.send_json(code, {"error": {"message": message, "detail": detail}, "status": "failure"})

        def authorized(self) -> bool:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return False
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return False
            return (user, password) == (server.user, server.password)

        def handle_any(self, method: str) -> None:
            url = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                self.error(400, "Exception while reading request", "body is not JSON")
                return
            with server.lock:
                server.requests.append(LoggedRequest(method, url.path, params, body))
            if not self.authorized():
                self.error(401, "User Not Authenticated", "Required to provide Auth information")
                return
            parts = url.path.strip("/").split("/")
            if len(parts) not in (4, 5) or parts[:3] != ["api", "now", "table"]:
                self.error(400, "Requested URI does not represent any resource", url.path)
                return
            table = parts[3]
            sys_id = parts[4] if len(parts) == 5 else None
            if table not in server.tables:
                self.error(400, "Invalid table " + table)
                return
            with server.lock:
                self.dispatch(method, table, sys_id, params, body, url.path)

        def dispatch(self, method: str, table: str, sys_id: Optional[str], params: Dict[str, str],
                     body: Any, path: str) -> None:
            rows = server.tables[table]
            if method == "GET" and sys_id is None:
                self.list(table, params, path)
                return
            if method == "POST" and sys_id is None:
                if not isinstance(body, dict):
                    self.error(400, "Exception while reading request", "a JSON object is needed")
                    return
                new_id = str(body.get("sys_id") or uuid.uuid4().hex)
                now = server.now().strftime(DATE_FORMAT)
                record: Record = dict.fromkeys(server.columns[table], "")
                record.update(sys_id=new_id, sys_created_on=now, sys_created_by=server.user, sys_mod_count="-1")
                prefix = server.schema(table).number_prefix
                if prefix and not body.get("number"):
                    record["number"] = f"{prefix}{len(rows) + 1000001:07d}"
                rows[new_id] = record
                server.write(table, record, {k: v for k, v in body.items() if k != "sys_id"})
                self.send_json(201, {"result": server.render(table, record, params)})
                return
            if sys_id is None:
                self.error(405, "Method not Supported", method)
                return
            record_or_none = rows.get(sys_id)
            if record_or_none is None:
                self.error(404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
                return
            record = record_or_none
            if method == "GET":
                self.send_json(200, {"result": server.render(table, record, params)})
            elif method in ("PATCH", "PUT"):
                if not isinstance(body, dict):
                    self.error(400, "Exception while reading request", "a JSON object is needed")
                    return
                server.write(table, record, body)
                self.send_json(200, {"result": server.render(table, record, params)})
            elif method == "DELETE":
                del rows[sys_id]
                self.send_json(204, None)
            else:
                self.error(405, "Method not Supported", method)

        def list(self, table: str, params: Dict[str, str], path: str) -> None:
            known = {"sysparm_query", "sysparm_fields", "sysparm_limit", "sysparm_offset",
                     "sysparm_display_value", "sysparm_exclude_reference_link",
                     "sysparm_suppress_pagination_header", "sysparm_view", "sysparm_no_count"}
            unknown = sorted(set(params) - known)
            if unknown:
                self.error(400, "Unsupported parameter", ",".join(unknown))
                return
            if params.get("sysparm_display_value", "false").lower() not in ("true", "false", "all"):
                self.error(400, "Invalid sysparm_display_value", params["sysparm_display_value"])
                return
            try:
                predicate, order = parse_query(params.get("sysparm_query", ""))
                limit = int(params.get("sysparm_limit") or DEFAULT_LIMIT)
                offset = int(params.get("sysparm_offset") or 0)
            except (QueryError, ValueError) as err:
                self.error(400, "Invalid query", str(err))
                return
            matches = [r for r in server.tables[table].values() if predicate(r)]
            for name, descending in reversed(order):
                matches.sort(key=lambda r: r.get(name, ""), reverse=descending)
            page = matches[offset:offset + limit]
            total = len(matches)
            headers = {}
            if params.get("sysparm_no_count", "false").lower() != "true":
                headers["X-Total-Count"] = str(total)
            if params.get("sysparm_suppress_pagination_header", "false").lower() != "true":
                headers["Link"] = self.links(path, params, total, limit, offset)
            self.send_json(200, {"result": [server.render(table, r, params) for r in page]}, headers)

        def links(self, path: str, params: Dict[str, str], total: int, limit: int, offset: int) -> str:
            def at(o: int) -> str:
                q = dict(params, sysparm_limit=str(limit), sysparm_offset=str(o))
                return f"<{server.url}{path}?{urlencode(q)}>"

            last = max(0, ((total - 1) // limit) * limit) if total else 0
            rels = [(at(0), "first")]
            if offset > 0:
                rels.append((at(max(0, offset - limit)), "prev"))
            if offset + limit < total:
                rels.append((at(offset + limit), "next"))
            rels.append((at(last), "last"))
            return ",".join(f'{u};rel="{r}"' for u, r in rels)

        def do_GET(self) -> None:
            self.handle_any("GET")

        def do_POST(self) -> None:
            self.handle_any("POST")

        def do_PATCH(self) -> None:
            self.handle_any("PATCH")

        def do_PUT(self) -> None:
            self.handle_any("PUT")

        def do_DELETE(self) -> None:
            self.handle_any("DELETE")

    return Handler
