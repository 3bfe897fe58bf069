"""compute_kpis_arrow and KpiAccumulator: any object with the Arrow
PyCapsule interface (a pyarrow Table or RecordBatchReader, a polars
DataFrame, a DuckDB relation) gives the report compute_kpis gives for the
same history as a JSON document; the tables are read in place (no copy);
errors name the table and the column, or the argument."""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import pytest

import relman

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parents[3]
HISTORY: Dict[str, Any] = json.loads((ROOT / "core/tests/data/kpi-history.json").read_text())
OPTIONS = {"from": "2026-11-02T00:00:00Z", "to": "2026-11-23T00:00:00Z", "group_by": "service"}

TIME = pa.timestamp("us", tz="UTC")
SCHEMAS = {
    "deployments": pa.schema(
        [
            ("id", pa.string()),
            ("release_id", pa.string()),
            ("service", pa.string()),
            ("environment", pa.string()),
            ("team", pa.string()),
            ("started_at", TIME),
            ("finished_at", TIME),
            ("outcome", pa.string()),
            ("kind", pa.string()),
            ("changes", pa.list_(pa.struct([("id", pa.string()), ("committed_at", TIME)]))),
            ("cis", pa.list_(pa.string())),
        ]
    ),
    "incidents": pa.schema(
        [
            ("id", pa.string()),
            ("service", pa.string()),
            ("severity", pa.string()),
            ("created_at", TIME),
            ("resolved_at", TIME),
            ("caused_by", pa.string()),
        ]
    ),
    "releases": pa.schema([("release", pa.string())]),
}
TABLES = ("deployments", "incidents", "releases")


def when(text: Optional[str]) -> Optional[dt.datetime]:
    return None if text is None else dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def row(table: str, record: Dict[str, Any]) -> Dict[str, Any]:
    """One record of the JSON history as a row of its Arrow table."""
    if table == "releases":
        return {"release": json.dumps(record)}
    out = {}
    for field in SCHEMAS[table].names:
        value = record.get(field)
        if field.endswith("_at"):
            value = when(value)
        elif field == "changes" and value is not None:
            value = [{"id": c["id"], "committed_at": when(c.get("committed_at"))} for c in value]
        out[field] = value
    return out


def arrow_tables(history: Dict[str, Any] = HISTORY) -> Dict[str, Any]:
    """The history as three pyarrow Tables (the schema of docs/kpi.md)."""
    return {
        t: pa.Table.from_pylist([row(t, r) for r in history.get(t, [])], schema=SCHEMAS[t])
        for t in TABLES
    }


def want() -> Any:
    return relman.compute_kpis(HISTORY, OPTIONS)


def test_the_history_is_not_trivial() -> None:
    report = want()
    assert report["records"]["deployments_read"] == len(HISTORY["deployments"]) > 10
    assert len(HISTORY["incidents"]) > 3 and len(HISTORY["releases"]) > 3


def test_a_pyarrow_table_gives_the_json_report() -> None:
    t = arrow_tables()
    report = relman.compute_kpis_arrow(t["deployments"], t["incidents"], t["releases"], options=OPTIONS)
    assert report == want()
    assert json.dumps(report, sort_keys=True) == json.dumps(want(), sort_keys=True)


def test_a_record_batch_reader_of_small_batches_gives_the_json_report() -> None:
    t = arrow_tables()
    readers = [
        pa.RecordBatchReader.from_batches(t[name].schema, t[name].to_batches(max_chunksize=2))
        for name in TABLES
    ]
    assert relman.compute_kpis_arrow(*readers, options=OPTIONS) == want()


def test_a_polars_data_frame_gives_the_json_report() -> None:
    t = arrow_tables()
    frames = [pl.from_arrow(t[name]) for name in TABLES]
    assert all(isinstance(f, pl.DataFrame) for f in frames)
    assert relman.compute_kpis_arrow(*frames, options=OPTIONS) == want()


def test_a_duckdb_relation_gives_the_json_report() -> None:
    t = arrow_tables()
    con = duckdb.connect()
    # TIMESTAMPTZ leaves DuckDB in the session's time zone.
    con.execute("SET TimeZone = 'UTC'")
    relations = []
    for name in TABLES:
        source = t[name]  # noqa: F841 (read by DuckDB's replacement scan)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM source")
        relations.append(con.table(name))
    assert str(relations[0].types[relations[0].columns.index("finished_at")]) == "TIMESTAMP WITH TIME ZONE"
    assert relman.compute_kpis_arrow(*relations, options=OPTIONS) == want()
    # A query works the same (DuckDB runs it as it streams).
    query = con.sql("SELECT * FROM deployments ORDER BY finished_at DESC")
    alone = relman.compute_kpis_arrow(query, options=OPTIONS)
    assert alone == relman.compute_kpis({"deployments": HISTORY["deployments"]}, OPTIONS)


def test_a_policy_and_options_apply_as_in_compute_kpis() -> None:
    t = arrow_tables()
    policy = {"kpi": {"time_zone": "Europe/Paris", "production_environments": ["production", "prod"]}}
    got = relman.compute_kpis_arrow(t["deployments"], t["incidents"], t["releases"], policy=policy, options=OPTIONS)
    assert got == relman.compute_kpis(HISTORY, OPTIONS, policy)
    with pytest.raises(relman.InvalidInput) as err:
        relman.compute_kpis_arrow(t["deployments"], options={"time_zone": "Mars/Base"})
    assert err.value.path == "options.time_zone"


def halves(table: Any) -> Tuple[Any, Any]:
    half = table.num_rows // 2
    return table.slice(0, half), table.slice(half)


def test_accumulators_over_two_halves_merge_into_the_whole() -> None:
    t = arrow_tables()
    first = relman.KpiAccumulator(OPTIONS)
    second = relman.KpiAccumulator(options=OPTIONS)
    parts = {name: halves(t[name]) for name in TABLES}
    first.update(*(parts[name][0] for name in TABLES))
    # Any producer per part: the second half from polars.
    second.update(
        deployments=pl.from_arrow(parts["deployments"][1]),
        incidents=parts["incidents"][1],
        releases=parts["releases"][1],
    )
    first.merge(second)
    assert first.finish() == want()


def test_updates_in_parts_equal_the_whole_and_number_rows_on() -> None:
    t = arrow_tables()
    acc = relman.KpiAccumulator(OPTIONS)
    acc.update(t["deployments"].slice(0, 5))
    acc.update(incidents=t["incidents"])
    acc.update(t["deployments"].slice(5), releases=t["releases"])
    assert acc.finish() == want()
    # Rows are counted across updates: the 8th deployment is row 7.
    bad = t["deployments"].to_pylist()
    bad[7]["outcome"] = "exploded"
    bad_table = pa.Table.from_pylist(bad, schema=SCHEMAS["deployments"])
    acc = relman.KpiAccumulator(OPTIONS)
    acc.update(bad_table.slice(0, 5))
    with pytest.raises(relman.InvalidInput) as err:
        acc.update(pa.RecordBatchReader.from_batches(bad_table.schema, bad_table.slice(5).to_batches(max_chunksize=1)))
    assert err.value.path == "deployments[7].outcome"


def test_an_accumulator_is_spent_by_finish_and_merge() -> None:
    t = arrow_tables()
    acc = relman.KpiAccumulator(OPTIONS)
    acc.update(t["deployments"])
    with pytest.raises(relman.InvalidInput) as err:
        acc.merge(acc)
    assert err.value.path == "other"
    other = relman.KpiAccumulator({**OPTIONS, "time_zone": "Europe/Paris"})
    with pytest.raises(relman.InvalidInput) as err:
        acc.merge(other)
    # The core's error: the first option that differs, with both values.
    assert err.value.path == "options.time_zone"
    assert '"Europe/Paris"' in err.value.message
    other.update(incidents=t["incidents"])  # a refused merge spends neither
    same = relman.KpiAccumulator(OPTIONS)
    acc.merge(same)
    with pytest.raises(relman.InvalidInput) as err:
        same.update(t["deployments"])
    assert "merged" in err.value.message
    acc.finish()
    with pytest.raises(relman.InvalidInput):
        acc.finish()


def test_accumulators_pickle_and_travel_as_bytes() -> None:
    """One accumulator per partition, shipped to a driver (Spark pickles
    them): through pickle and through to_bytes/from_bytes, merged, they
    give the whole's report."""
    t = arrow_tables()
    parts = {name: halves(t[name]) for name in TABLES}
    first = relman.KpiAccumulator(OPTIONS)
    first.update(*(parts[name][0] for name in TABLES))
    second = relman.KpiAccumulator(OPTIONS)
    second.update(*(parts[name][1] for name in TABLES))
    data = second.to_bytes()
    assert isinstance(data, bytes) and data[:4] == b"RMAH"
    back = pickle.loads(pickle.dumps(first))
    assert isinstance(back, relman.KpiAccumulator)
    assert back.to_bytes() == first.to_bytes()
    back.merge(relman.KpiAccumulator.from_bytes(data))
    assert pickle.loads(pickle.dumps(back)).finish() == want()
    assert copy.copy(second).finish() == second.finish() == want_half(parts, 1)


def want_half(parts: Dict[str, Tuple[Any, Any]], i: int) -> Any:
    acc = relman.KpiAccumulator(OPTIONS)
    acc.update(*(parts[name][i] for name in TABLES))
    return acc.finish()


def test_bytes_of_anything_else_are_refused_at_bytes() -> None:
    acc = relman.KpiAccumulator(OPTIONS)
    acc.update(arrow_tables()["deployments"])
    data = acc.to_bytes()
    for bad in (b"", b"RMAH", data[:-1] + b"}", b"XMAH" + data[4:], data[:20]):
        with pytest.raises(relman.InvalidInput) as err:
            relman.KpiAccumulator.from_bytes(bad)
        assert err.value.path == "bytes"
    acc.finish()
    with pytest.raises(relman.InvalidInput):
        acc.to_bytes()  # spent


def test_a_wrong_column_type_names_the_column() -> None:
    t = arrow_tables()
    d = t["deployments"]
    as_int = d.set_column(d.schema.get_field_index("finished_at"), "finished_at", pa.array(range(d.num_rows), pa.int64()))
    with pytest.raises(relman.InvalidInput) as err:
        relman.compute_kpis_arrow(as_int)
    assert err.value.code == "invalid_input"
    assert err.value.path == "deployments.finished_at"
    assert "Int64" in err.value.message and "finished_at" in err.value.message
    # The same from polars and from a zone-less timestamp.
    with pytest.raises(relman.InvalidInput) as err:
        relman.compute_kpis_arrow(pl.from_arrow(as_int))
    assert err.value.path == "deployments.finished_at"
    naive = d.set_column(
        d.schema.get_field_index("finished_at"), "finished_at", d["finished_at"].cast(pa.timestamp("us"))
    )
    with pytest.raises(relman.InvalidInput) as err:
        relman.compute_kpis_arrow(naive)
    assert err.value.path == "deployments.finished_at"
    # A struct field of `changes`, a missing column, another table.
    with pytest.raises(relman.InvalidInput) as err:
        relman.compute_kpis_arrow(d.drop_columns(["outcome"]))
    assert err.value.path == "deployments.outcome"
    i = t["incidents"]
    with pytest.raises(relman.InvalidInput) as err:
        relman.compute_kpis_arrow(None, i.set_column(0, "id", pa.array(range(i.num_rows))))
    assert err.value.path == "incidents.id"
    # A bad value names its row.
    rows = d.to_pylist()
    rows[3]["service"] = None
    with pytest.raises(relman.InvalidInput) as err:
        relman.compute_kpis_arrow(pa.Table.from_pylist(rows, schema=d.schema))
    assert err.value.path == "deployments[3].service"


def test_an_object_without_the_arrow_interface_is_a_type_error() -> None:
    t = arrow_tables()
    with pytest.raises(TypeError, match=r"^deployments must be an Arrow table or stream.*not dict"):
        relman.compute_kpis_arrow(HISTORY)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^incidents must be .*not list"):
        relman.compute_kpis_arrow(t["deployments"], HISTORY["incidents"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^releases must be"):
        relman.KpiAccumulator().update(releases="[]")  # type: ignore[arg-type]

    class NotACapsule:
        def __arrow_c_stream__(self, requested_schema: object = None) -> object:
            return 42

    with pytest.raises(TypeError, match="must return a PyCapsule"):
        relman.compute_kpis_arrow(NotACapsule())
    # An array capsule is not a stream capsule.
    array = pa.array([1])

    class WrongCapsule:
        def __arrow_c_stream__(self, requested_schema: object = None) -> object:
            return array.__arrow_c_array__()[0]

    with pytest.raises(ValueError):
        relman.compute_kpis_arrow(WrongCapsule())


def test_the_stream_is_moved_out_of_its_capsule() -> None:
    """The consumer takes the stream (the capsule is left released): the
    producer's table stays valid and readable, and a capsule read twice is
    an error, not a double free."""
    t = arrow_tables()
    capsule = t["deployments"].__arrow_c_stream__()

    class Once:
        def __arrow_c_stream__(self, requested_schema: object = None) -> object:
            return capsule

    first = relman.compute_kpis_arrow(Once())
    assert first["records"]["deployments_read"] == len(HISTORY["deployments"])
    with pytest.raises(relman.InvalidInput) as err:
        relman.compute_kpis_arrow(Once())
    assert err.value.path == "deployments"
    assert "released" in err.value.message
    del capsule
    assert t["deployments"].num_rows == len(HISTORY["deployments"])
    assert relman.compute_kpis_arrow(t["deployments"]) == first


NO_COPY = textwrap.dedent(
    """
    import json, resource, sys
    import pyarrow as pa, pyarrow.compute as pc
    import relman

    def rss():  # resident now, bytes
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()

    def reset_peak():  # the peak restarts from what is resident now
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            return True
        except OSError:
            return False

    def peak():  # bytes
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    n = int(sys.argv[1])
    service = "s" * 2000  # read by every row; the accumulator interns it
    table = pa.table({
        "id": pa.array([f"d{i}" for i in range(n)]),
        "service": pa.repeat(pa.scalar(service), n),
        "environment": pa.repeat(pa.scalar("production"), n),
        "finished_at": pa.array(range(1_780_000_000, 1_780_000_000 + n), pa.timestamp("s", tz="UTC")),
        "outcome": pa.repeat(pa.scalar("success"), n),
    })
    size = table.nbytes
    relman.compute_kpis_arrow(table.slice(0, 10))  # first-call set-up out of the way
    before = rss()
    cleared = reset_peak()
    report = relman.compute_kpis_arrow(table)
    growth = peak() - before
    assert report["records"]["deployments_read"] == n, report["records"]
    # The meter sees a copy: one column's worth, made by Arrow C++.
    before_copy = rss()
    reset_peak()
    copy = pc.utf8_upper(table["service"])
    copy_growth = peak() - before_copy
    print(json.dumps({"size": size, "growth": growth, "cleared": cleared,
                      "copy": copy.nbytes, "copy_growth": copy_growth}))
    """
)


def test_no_copy_peak_memory_grows_by_less_than_the_table() -> None:
    """A table of ~400 MB (mostly a string column every row reads): the
    peak resident memory while computing grows by a small part of it, where
    a copy of the table (to Python objects, IPC bytes or Rust-owned
    buffers) would add the table's size."""
    rows = 200_000
    result = subprocess.run([sys.executable, "-c", NO_COPY, str(rows)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    m = json.loads(result.stdout)
    print(m)
    assert m["size"] > 400_000_000
    if m["cleared"]:
        # The meter is live: a one-column copy shows.
        assert m["copy_growth"] > 0.8 * m["copy"], m
    assert m["growth"] < m["size"] / 4, m


def test_reading_a_table_releases_the_gil() -> None:
    """Another Python thread keeps counting while the batches are read (the
    pattern of tests/test_gil.py): a table whose pyarrow producer is C++,
    600 000 deployments."""
    import threading
    import time

    n = 600_000
    table = pa.table(
        {
            "id": pa.array([f"D{i}" for i in range(n)]),
            "service": pa.array([f"svc-{i % 20}" for i in range(n)]),
            "environment": pa.repeat(pa.scalar("production"), n),
            "finished_at": pa.array(range(1_780_000_000, 1_780_000_000 + 60 * n, 60), pa.timestamp("s", tz="UTC")),
            "outcome": pa.array(["failed" if i % 9 == 0 else "success" for i in range(n)]),
        }
    )
    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.005)

    ticker = threading.Thread(target=count)
    ticker.start()
    try:
        time.sleep(0.02)
        acc = relman.KpiAccumulator({"group_by": "service"})
        before = ticks
        acc.update(table)
        during = ticks - before
    finally:
        stop.set()
        ticker.join()
    assert acc.finish()["records"]["deployments_read"] == n
    assert during >= 5, f"the counter advanced only {during} times during update"
