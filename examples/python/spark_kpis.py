"""DORA KPIs on Apache Spark: one relman KpiAccumulator per partition,
merged on the driver (docs/kpi.md, "Apache Spark").

    python examples/python/spark_kpis.py [--deployments N] [--incidents M]
        [--releases R] [--partitions P] [--master local[2]] [--check] [--out FILE]
    python examples/python/spark_kpis.py --deployments-parquet D [--incidents-parquet I]
        [--releases-parquet R] ...

Deployments, incidents and releases are generated deterministically by Spark
(`spark.range` and hashes of the row index: several services, production
and staging environments, successes and failures, hotfixes and rework,
1-3 changes per deployment, the changes of a failed deployment shipped
again by the next one, incidents linked by `caused_by` or left to the
attribution window, most of them resolved; release documents with their
audit log, tests and reviews, a quarter of the deployments belonging to
one), or read from Parquet files or folders with the columns of
docs/kpi.md ("Arrow and Parquet").

Each table is repartitioned by service into P partitions; `mapInArrow`
hands every partition's Arrow record batches to one `relman.KpiAccumulator`
(read in place, batch by batch, no Python per row), which comes back as
its bytes (`to_bytes`, in chunks of a binary column). The driver reads
them back (`KpiAccumulator.from_bytes`), merges them and finishes: the
report, exactly the one a single process computes over every record
(incident attribution happens in `finish`, over the merged whole). Every
accumulator is built with the same options.

The report is printed as JSON (or written to --out); timings and the
partitions go to stderr. --check also computes the report in one process
with `relman.compute_kpis` over the same rows collected to the driver as
one history document (or, past 1 000 000 deployments or incidents, the
limit of a document's list, with `relman.compute_kpis_arrow` over the
collected Arrow tables) and exits 1 when any figure differs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, cast

# pyarrow has no type information.
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from pyspark import TaskContext
from pyspark.errors import PythonException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

import relman
from relman.types import History, KpiOptions

# 2026-01-05T00:00:00Z (a Monday) and one year: the span of generated data.
BASE = 1_767_571_200
SPAN = 365 * 86_400
# The period and options of the generated data's report: records before
# `from` or from `to` on are counted as outside the period; local days in
# Berlin; two production environments (staging is not production).
DEFAULT_OPTIONS: KpiOptions = {
    "from": "2026-01-12T00:00:00Z",
    "to": "2026-12-28T00:00:00Z",
    "time_zone": "Europe/Berlin",
    "production_environments": ["production", "production-eu"],
    "group_by": "service",
}
# An accumulator's bytes travel in chunks of at most this size (one row
# each), far below the 2 GiB of an Arrow binary value.
CHUNK = 64 * 1024 * 1024
# One history document's lists hold at most 1 000 000 items (docs/limits.md).
DOCUMENT_MAX_ITEMS = 1_000_000

# The rows mapInArrow gives back: one or more per partition.
PARTS_SCHEMA = (
    "table string, partition int, rows long, services array<string>, relman_secs double, seq int, chunk binary"
)
PARTS_ARROW = pa.schema(
    [
        ("table", pa.string()),
        ("partition", pa.int32()),
        ("rows", pa.int64()),
        ("services", pa.list_(pa.string())),
        ("relman_secs", pa.float64()),
        ("seq", pa.int32()),
        ("chunk", pa.binary()),
    ]
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- Generated data: every value a function of the row index -------------


def h(i: Column, salt: int, modulo: int) -> Column:
    """A deterministic pseudo-random integer in [0, modulo) for index i."""
    return F.pmod(F.xxhash64(i, F.lit(salt)), F.lit(modulo))


def ts(seconds: Column) -> Column:
    return F.timestamp_seconds(seconds)


def dep_service(i: Column, services: int) -> Column:
    return F.concat(F.lit("svc"), h(i, 1, services).cast("string"))


def dep_finished(i: Column, n: int) -> Column:
    return F.lit(BASE) + F.floor(i * F.lit(SPAN) / F.lit(max(n, 1))).cast("long") + h(i, 3, 600)


def dep_failed(i: Column) -> Column:
    return h(i, 4, 100) >= 85


def own_changes(i: Column, n: int) -> Column:
    """1-3 changes `c{i}-{k}`, committed up to a week before the finish (2 %
    without a commit time, 1 % committed after it: a negative lead time)."""
    finished = dep_finished(i, n)
    changes = []
    for k in range(3):
        c = i * 4 + k
        r = h(c, 8, 100)
        committed = (
            F.when(r < 2, F.lit(None))
            .when(r == 2, finished + 60)
            .otherwise(finished - 600 - h(c, 9, 7 * 86_400))
        )
        changes.append(
            F.struct(
                F.concat(F.lit("c"), i.cast("string"), F.lit(f"-{k}")).alias("id"),
                ts(committed).alias("committed_at"),
            )
        )
    return F.slice(F.array(*changes), 1, h(i, 7, 3) + 1)


def generate_deployments(spark: SparkSession, n: int, services: int, partitions: int, releases: int = 0) -> DataFrame:
    """Deployment i of n: `d{i}`, finishing at BASE + i/n of a year (plus up
    to 10 minutes); 60 % production, 25 % production-eu, 15 % staging;
    80 % success, 5 % success_with_issues, 10 % failed, 5 % rolled_back;
    85 % planned, 3 % emergency, 7 % hotfix, 5 % rework; teams team0-team9
    (5 % without a team); started 10 minutes before (10 % unknown); a
    failed or rolled-back deployment's changes ship again with deployment
    i + 1. With `releases`, a quarter of them belong to release
    `R{i*releases/n}`."""
    i = F.col("id")
    env = h(i, 2, 100)
    outcome = h(i, 4, 100)
    kind = h(i, 5, 100)
    team = h(i, 6, 20)
    finished = dep_finished(i, n)
    changes = own_changes(i, n)
    previous = i - 1
    return spark.range(0, n, numPartitions=partitions).select(
        F.concat(F.lit("d"), i.cast("string")).alias("id"),
        F.when(
            (h(i, 17, 4) == 0) & F.lit(releases > 0),
            F.concat(F.lit("R"), F.floor(i * F.lit(releases) / F.lit(max(n, 1))).cast("string")),
        ).alias("release_id"),
        dep_service(i, services).alias("service"),
        F.when(env < 60, "production").when(env < 85, "production-eu").otherwise("staging").alias("environment"),
        F.when(team == 0, F.lit(None))
        .otherwise(F.concat(F.lit("team"), F.pmod(team, F.lit(10)).cast("string")))
        .alias("team"),
        F.when(h(i, 10, 10) == 0, F.lit(None)).otherwise(ts(finished - 600)).alias("started_at"),
        ts(finished).alias("finished_at"),
        F.when(outcome < 80, "success")
        .when(outcome < 85, "success_with_issues")
        .when(outcome < 95, "failed")
        .otherwise("rolled_back")
        .alias("outcome"),
        F.when(kind < 85, "planned")
        .when(kind < 88, "emergency")
        .when(kind < 95, "hotfix")
        .otherwise("rework")
        .alias("kind"),
        F.when((i > 0) & dep_failed(previous), F.concat(changes, own_changes(previous, n)))
        .otherwise(changes)
        .alias("changes"),
    )


def generate_incidents(spark: SparkSession, m: int, n: int, services: int, partitions: int) -> DataFrame:
    """Incident j of m: `i{j}`; 70 % caused by deployment j*n/m (created
    1-121 minutes after it, on its service), the rest on a random service
    at j/m of the year (attributed by the window, when a production
    deployment of the service finished within a day before); 98 %
    resolved, 5 minutes to 8 hours later."""
    j = F.col("id")
    k = F.floor(j * F.lit(n) / F.lit(max(m, 1))).cast("long")
    linked = (h(j, 11, 10) < 7) & F.lit(n > 0)
    created = F.when(linked, dep_finished(k, n) + 60 + h(j, 13, 7_200)).otherwise(
        F.lit(BASE) + F.floor(j * F.lit(SPAN) / F.lit(max(m, 1))).cast("long")
    )
    return spark.range(0, m, numPartitions=partitions).select(
        F.concat(F.lit("i"), j.cast("string")).alias("id"),
        F.when(linked, dep_service(k, services))
        .otherwise(F.concat(F.lit("svc"), h(j, 12, services).cast("string")))
        .alias("service"),
        (h(j, 16, 4) + 1).cast("string").alias("severity"),
        ts(created).alias("created_at"),
        F.when(h(j, 14, 50) == 0, F.lit(None)).otherwise(ts(created + 300 + h(j, 15, 8 * 3_600))).alias("resolved_at"),
        F.when(linked, F.concat(F.lit("d"), k.cast("string"))).alias("caused_by"),
    )


def generate_releases(spark: SparkSession, count: int, services: int, partitions: int) -> DataFrame:
    """Release q of `count`: one Release document as JSON per row (the
    `release` column; `service`, its first service, to partition by).
    Created at q/count of the year, planned two weeks later for two hours,
    deployed up to an hour early or three late; 90 % closed (80 % success,
    10 % success_with_issues, 5 % failed, 5 % rolled_back) with their
    audit log, 10 % still in testing; kinds minor, major, patch and
    emergency; UAT runs, reviews and knowledge articles on some."""
    q = F.col("id")
    created = F.lit(BASE) + F.floor(q * F.lit(SPAN) / F.lit(max(count, 1))).cast("long")
    start = created + 14 * 86_400
    deployed = start - 3_600 + h(q, 21, 4 * 3_600)
    closed = h(q, 22, 10) > 0
    outcome = h(q, 23, 100)
    kind = h(q, 24, 100)

    def event(seq: int, at: Column, command: str, before: str, after: str) -> Column:
        return F.struct(
            F.lit(seq).alias("seq"),
            ts(at).alias("at"),
            F.lit("rm").alias("actor"),
            F.lit(command).alias("command"),
            F.lit(before).alias("from"),
            F.lit(after).alias("to"),
            F.lit("0" * 64).alias("hash"),
        )

    opened = [
        event(1, created + 86_400 + h(q, 25, 86_400), "advance", "planning", "development"),
        event(2, created + 3 * 86_400 + h(q, 26, 86_400), "advance", "development", "testing"),
    ]
    finished = [
        event(3, created + 5 * 86_400 + h(q, 27, 86_400), "advance", "testing", "approval"),
        event(4, start - 86_400 + h(q, 28, 43_200), "start_deployment", "approval", "deployment"),
        event(5, deployed, "complete_deployment", "deployment", "review"),
        event(6, deployed + 2 * 86_400, "close", "review", "closed"),
    ]
    service = F.concat(F.lit("svc"), h(q, 29, services).cast("string"))
    document = F.struct(
        F.concat(F.lit("R"), q.cast("string")).alias("id"),
        F.concat(F.lit("release "), q.cast("string")).alias("title"),
        F.when(kind < 60, "minor")
        .when(kind < 75, "major")
        .when(kind < 90, "patch")
        .otherwise("emergency")
        .alias("kind"),
        F.when(closed, "closed").otherwise("testing").alias("state"),
        F.lit("rm").alias("owner"),
        F.array(service).alias("services"),
        F.array(F.lit("production")).alias("environments"),
        F.array(F.concat(F.lit("team"), h(q, 30, 10).cast("string"))).alias("team"),
        ts(created).alias("created_at"),
        ts(start).alias("planned_start"),
        ts(start + 7_200).alias("planned_end"),
        F.when(closed, ts(deployed)).alias("deployed_at"),
        F.when(
            closed,
            F.when(outcome < 80, "success")
            .when(outcome < 90, "success_with_issues")
            .when(outcome < 95, "failed")
            .otherwise("rolled_back"),
        ).alias("outcome"),
        F.when(
            h(q, 31, 10) < 7,
            F.array(
                F.struct(
                    F.lit("uat").alias("kind"),
                    (h(q, 32, 40) + 1).alias("passed"),
                    h(q, 33, 3).alias("failed"),
                    F.lit("po").alias("signed_off_by"),
                )
            ),
        ).alias("tests"),
        F.when(closed & (h(q, 34, 10) < 6), F.struct(ts(deployed + 86_400).alias("completed_at"))).alias("review"),
        F.when(h(q, 35, 10) < 4, F.array(F.concat(F.lit("KB"), q.cast("string")))).alias("knowledge_articles"),
        F.when(closed, F.array(*opened, *finished)).otherwise(F.array(*opened)).alias("log"),
    )
    # Null fields are left out; times as RFC 3339 in UTC, whole seconds.
    text = F.to_json(document, {"timestampFormat": "yyyy-MM-dd'T'HH:mm:ssXXX"})
    return spark.range(0, count, numPartitions=partitions).select(text.alias("release"), service.alias("service"))


# --- One accumulator per partition ---------------------------------------


def accumulate(table: str, options: KpiOptions) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The mapInArrow function of `table` ("deployments" or "incidents"):
    the partition's batches into one KpiAccumulator (read in place by
    relman, batch by batch), given back as rows of its bytes with the
    partition's id, row count, services and the seconds relman took (the
    accumulator's work, without the time Spark took to hand the batches
    over)."""

    def per_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        context = TaskContext.get()
        partition = context.partitionId() if context is not None else -1
        accumulator = relman.KpiAccumulator(options)
        seen = {"rows": 0, "waiting": 0.0}
        services: set[str] = set()

        def watched(first: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
            # Per batch, not per row: the row count and the distinct services.
            rest = itertools.chain([first], batches)
            while True:
                start = time.perf_counter()
                batch = next(rest, None)
                if batch is not None:
                    seen["rows"] += batch.num_rows
                    if "service" in batch.schema.names:
                        services.update(s for s in pc.unique(batch.column("service")).to_pylist() if s is not None)
                seen["waiting"] += time.perf_counter() - start
                if batch is None:
                    return
                yield batch

        first = next(batches, None)
        start = time.perf_counter()
        if first is not None:
            reader = pa.RecordBatchReader.from_batches(first.schema, watched(first))
            accumulator.update(**{table: reader})
        data = accumulator.to_bytes()
        relman_secs = time.perf_counter() - start - seen["waiting"]
        chunks = [data[at : at + CHUNK] for at in range(0, len(data), CHUNK)] or [b""]
        for seq, chunk in enumerate(chunks):
            yield pa.RecordBatch.from_pydict(
                {
                    "table": [table],
                    "partition": [partition],
                    "rows": [seen["rows"]],
                    "services": [sorted(services)],
                    "relman_secs": [relman_secs],
                    "seq": [seq],
                    "chunk": [chunk],
                },
                schema=PARTS_ARROW,
            )

    return per_partition


def by_service(df: DataFrame, partitions: int) -> DataFrame:
    """The table hash-partitioned by service into `partitions` partitions
    (a service's rows all in one partition); a table without a `service`
    column (releases read from Parquet) round-robin."""
    if "service" not in df.columns:
        return df.repartition(partitions)
    return df.repartition(partitions, "service")


def spark_kpis(
    deployments: DataFrame,
    incidents: Optional[DataFrame],
    options: KpiOptions,
    partitions: int,
    releases: Optional[DataFrame] = None,
) -> Tuple[Dict[str, Any], List[Dict[str, Any]], Dict[str, float]]:
    """The report over the tables, one accumulator per partition of each,
    merged on the driver; with the partitions seen (table, partition, rows,
    services, bytes) and the seconds taken."""
    timings: Dict[str, float] = {}
    merged = relman.KpiAccumulator(options)
    parts: List[Dict[str, Any]] = []
    for table, df in (("deployments", deployments), ("incidents", incidents), ("releases", releases)):
        if df is None:
            continue
        start = time.perf_counter()
        rows = by_service(df, partitions).mapInArrow(accumulate(table, options), PARTS_SCHEMA).toArrow()
        timings[f"{table}: partitions accumulated (Spark)"] = time.perf_counter() - start
        # One figure per partition: its first chunk's row (every chunk
        # carries it).
        secs: List[float] = [
            t for t, seq in zip(rows.column("relman_secs").to_pylist(), rows.column("seq").to_pylist()) if seq == 0
        ]
        timings[f"{table}: relman's update and to_bytes in the workers, summed"] = sum(secs)
        timings[f"{table}: relman's update and to_bytes in the workers, largest partition"] = max(secs, default=0.0)
        start = time.perf_counter()
        # A partition's chunks in order, then the partitions one by one:
        # each read back, merged and dropped.
        order = sorted(range(rows.num_rows), key=lambda r: (rows["partition"][r].as_py(), rows["seq"][r].as_py()))
        for partition, group in itertools.groupby(order, key=lambda r: rows["partition"][r].as_py()):
            indices = list(group)
            data = b"".join(rows["chunk"][r].as_py() for r in indices)
            first = indices[0]
            parts.append(
                {
                    "table": table,
                    "partition": partition,
                    "rows": rows["rows"][first].as_py(),
                    "services": rows["services"][first].as_py(),
                    "relman_secs": rows["relman_secs"][first].as_py(),
                    "bytes": len(data),
                }
            )
            merged.merge(relman.KpiAccumulator.from_bytes(data))
        del rows
        timings[f"{table}: bytes read back and merged (driver)"] = time.perf_counter() - start
    start = time.perf_counter()
    report = merged.finish()
    timings["finish (driver)"] = time.perf_counter() - start
    return dict(report), parts, timings


# --- The single-process report -------------------------------------------


def without_nulls(value: Any) -> Any:
    """A row of `Table.to_pylist()` as a history record: null fields left
    out (an absent optional field), timestamps as tz-aware datetimes."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def single_process_report(
    deployments: DataFrame,
    incidents: Optional[DataFrame],
    options: KpiOptions,
    how: str = "auto",
    releases: Optional[DataFrame] = None,
) -> Tuple[Dict[str, Any], str]:
    """The report of one process over the same rows, collected to the
    driver: `relman.compute_kpis` over one history document (`how` =
    "document"), or `relman.compute_kpis_arrow` over the collected Arrow
    tables ("arrow"; "auto": the document unless a table has more rows than
    a document's list may hold)."""
    tables = {"deployments": deployments.toArrow()}
    if incidents is not None:
        tables["incidents"] = incidents.toArrow()
    if releases is not None:
        tables["releases"] = releases.select("release").toArrow()
    if how == "auto":
        how = "document" if all(t.num_rows <= DOCUMENT_MAX_ITEMS for t in tables.values()) else "arrow"
    if how == "arrow":
        arrow = relman.compute_kpis_arrow(
            tables["deployments"], tables.get("incidents"), tables.get("releases"), options=options
        )
        return dict(arrow), how
    # A release row is one Release document as JSON.
    history = cast(
        History,
        {
            name: [
                json.loads(row["release"]) if name == "releases" else without_nulls(row) for row in table.to_pylist()
            ]
            for name, table in tables.items()
        },
    )
    del tables
    return dict(relman.compute_kpis(history, options)), how


def differences(a: Any, b: Any, path: str = "") -> List[str]:
    """The JSON paths where two reports differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{path}.{key}: only in one report")
            else:
                out.extend(differences(a[key], b[key], f"{path}.{key}"))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items against {len(b)}"]
        return [d for k, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{k}]")]
    if type(a) is not type(b) or a != b:
        return [f"{path}: {json.dumps(a)} against {json.dumps(b)}"]
    return []


# --- The command ---------------------------------------------------------


def session(master: str, conf: Sequence[Tuple[str, str]] = ()) -> SparkSession:
    """A SparkSession in UTC: Spark then hands timestamps to Python as
    Arrow timestamp(us, "UTC"), the zone relman reads."""
    if master.startswith("local"):
        # The workers run this Python, where relman and pyarrow are installed.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName("relman-kpis")
        .config("spark.sql.session.timeZone", "UTC")
        # The driver gathers every partition's accumulator anyway.
        .config("spark.driver.maxResultSize", "0")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    for key, value in conf:
        builder = builder.config(key, value)
    return builder.getOrCreate()


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description="DORA KPIs on Spark: one relman accumulator per partition")
    parser.add_argument("--deployments", type=int, default=100_000, help="deployments to generate (100000)")
    parser.add_argument("--incidents", type=int, help="incidents to generate (a tenth of the deployments)")
    parser.add_argument("--releases", type=int, help="releases to generate (a fiftieth of the deployments)")
    parser.add_argument("--services", type=int, default=50, help="services of the generated data (50)")
    parser.add_argument("--deployments-parquet", help="read the deployments from this Parquet file or folder")
    parser.add_argument("--incidents-parquet", help="read the incidents from this Parquet file or folder")
    parser.add_argument("--releases-parquet", help="read the releases (a `release` JSON column) from Parquet")
    parser.add_argument("--partitions", type=int, default=8, help="partitions by service (8)")
    parser.add_argument("--master", default="local[2]", help="Spark master (local[2])")
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="a Spark setting")
    parser.add_argument(
        "--options",
        help="the KPI options as JSON (default: the generated data's period, Europe/Berlin, "
        "production and production-eu, by service; for Parquet input: by service)",
    )
    parser.add_argument("--out", help="write the report here instead of printing it")
    parser.add_argument("--check", action="store_true", help="compare with the single-process report")
    parser.add_argument("--check-with", choices=["auto", "document", "arrow"], default="auto")
    args = parser.parse_args(argv)
    if args.partitions < 1:
        parser.error("--partitions must be at least 1")
    if (args.incidents_parquet or args.releases_parquet) and not args.deployments_parquet:
        parser.error("--incidents-parquet and --releases-parquet need --deployments-parquet")
    conf = []
    for item in args.conf:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--conf {item}: expected KEY=VALUE")
        conf.append((key, value))
    parquet = args.deployments_parquet is not None
    if args.options is not None:
        options: KpiOptions = json.loads(args.options)
    else:
        options = {"group_by": "service"} if parquet else DEFAULT_OPTIONS

    start = time.perf_counter()
    spark = session(args.master, conf)
    log(f"spark {spark.version} ({spark.sparkContext.master}): session in {time.perf_counter() - start:.1f} s")
    if parquet:
        deployments = spark.read.parquet(args.deployments_parquet)
        incidents = spark.read.parquet(args.incidents_parquet) if args.incidents_parquet else None
        releases = spark.read.parquet(args.releases_parquet) if args.releases_parquet else None
        source = ", ".join(p for p in (args.deployments_parquet, args.incidents_parquet, args.releases_parquet) if p)
    else:
        n = args.deployments
        m = n // 10 if args.incidents is None else args.incidents
        r = n // 50 if args.releases is None else args.releases
        deployments = generate_deployments(spark, n, args.services, args.partitions, r)
        incidents = generate_incidents(spark, m, n, args.services, args.partitions)
        releases = generate_releases(spark, r, args.services, args.partitions)
        source = f"{n} generated deployments, {m} incidents and {r} releases over {args.services} services"
    log(f"{source}, {args.partitions} partitions by service, options {json.dumps(options)}")

    status = 0
    try:
        total = time.perf_counter()
        report, parts, timings = spark_kpis(deployments, incidents, options, args.partitions, releases)
        timings["total (Spark, merge, finish)"] = time.perf_counter() - total
        for name, seconds in timings.items():
            log(f"{name}: {seconds:.2f} s")
        for part in parts:
            log(
                f"  {part['table']} partition {part['partition']}: {part['rows']} rows, "
                f"{len(part['services'])} services, {part['bytes']} bytes, relman {part['relman_secs']:.2f} s"
            )
        text = json.dumps(report, indent=2, sort_keys=True)
        if args.out:
            with open(args.out, "w", encoding="utf-8") as f:
                f.write(text + "\n")
        else:
            print(text)
        if args.check:
            start = time.perf_counter()
            single, how = single_process_report(deployments, incidents, options, args.check_with, releases)
            log(f"single process ({how}): {time.perf_counter() - start:.2f} s")
            diff = differences(report, single)
            if diff:
                log(f"check: the reports differ at {len(diff)} places:")
                for line in diff[:20]:
                    log(f"  {line}")
                status = 1
            else:
                log("check: the Spark report equals the single-process report, every figure")
    except relman.RelmanError as err:
        log(f"{err.code} at {err.path or '(input)'}: {err.message}")
        status = 2
    except PythonException as err:
        # A partition's accumulator refused its rows: relman's error is the
        # last line of the worker's traceback.
        lines = [line for line in str(err).splitlines() if line.strip()]
        log(f"a Spark task failed: {next((l for l in reversed(lines) if 'relman' in l), lines[-1] if lines else err)}")
        status = 2
    finally:
        spark.stop()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
