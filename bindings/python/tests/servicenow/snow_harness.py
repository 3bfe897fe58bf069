"""The fixture and helpers the ServiceNow real-client tests share.

Kept out of a ``conftest.py``: the tests folder's own ``conftest`` is
imported by name (``from conftest import ...``) and a second one would
shadow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

import pytest
import requests
from pysnc import ServiceNowClient

import snow_seed
from snow_server import TableAPIServer

USER, PASSWORD = "admin", "secret"
DisplayMode = Union[bool, str]
# pysnc's sysparm_display_value: False -> "false", True -> "true", "all".
MODES: Sequence[DisplayMode] = (False, True, "all")


@dataclass
class Snow:
    server: TableAPIServer
    client: ServiceNowClient


def start(folder: Path) -> TableAPIServer:
    tables, journal = snow_seed.generate()
    server = TableAPIServer(folder, tables, snow_seed.schemas(), user=USER, password=PASSWORD)
    for table, sys_id, element, text in journal:
        server.add_journal(table, sys_id, element, text)
    return server


def client_for(server: TableAPIServer, auto_retry: bool = True) -> ServiceNowClient:
    """A pysnc client that trusts the server's certificate.

    pysnc sets ``verify`` on its requests session, but sends every request
    with ``merge_environment_settings(url, {}, stream, None, None)``: with
    ``verify=None`` requests takes ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``
    from the environment *over* the session's ``verify``. ``trust_env = False``
    makes the given path win (and keeps proxies from the environment off
    127.0.0.1).
    """
    client = ServiceNowClient(server.url, (USER, PASSWORD), verify=str(server.cert), auto_retry=auto_retry)
    client.session.trust_env = False
    return client


@pytest.fixture
def snow(tmp_path: Path) -> Iterator[Snow]:
    """A fresh seeded server (tests write to it) and a pysnc client."""
    with start(tmp_path) as server:
        yield Snow(server, client_for(server))


def https(server: TableAPIServer) -> requests.Session:
    """A plain requests session for the server self-tests."""
    session = requests.Session()
    session.verify = str(server.cert)
    session.trust_env = False
    return session


def fetch(
    client: ServiceNowClient,
    table: str,
    mode: DisplayMode,
    batch_size: int = 100,
    fields: Optional[List[str]] = None,
) -> Dict[str, List[Dict[str, Any]]]:
    """A table through pysnc's paging, as a Table API response body.

    Each row is what ``GlideRecord.serialize`` gives in the same mode: plain
    values, plain display values, or ``{value, display_value}`` objects.
    """
    gr = client.GlideRecord(table, batch_size=batch_size)
    gr.display_value = mode
    if fields:
        gr.fields = list(fields)
    gr.query()
    rows = [record.serialize(display_value=mode) for record in gr]
    return {"result": rows}
