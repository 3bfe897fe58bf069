"""The columnar KPI benchmark of issue #25 (acceptance 4): relman against
DuckDB and polars on the same Parquet and NDJSON files.

The records are those of every KPI benchmark (`kpi-scale`: by default
10,000,000 deployments with 1-3 changes each and 1,000,000 incidents). Every
contender reads the same files and computes, at least, the median and p90
lead time for changes, the change failure rate (failed or rolled back, or
caused an incident: named by `caused_by`, else the latest production
deployment of the incident's service within the 24 h before it) and the
rework rate (hotfix or rework deployments) over production deployments, with
relman's rules (docs/kpi.md); relman computes its whole report. The figures
are compared with relman's; the runner stops if one differs.

Each timed step is a fresh process run under `/usr/bin/time -v` (wall time,
user time, peak RSS); the time includes reading and decoding the files.

    python kpi_columnar.py write-parquet DIR   # DIR/*.csv (kpi-scale --csv) -> DIR/*.parquet
    python kpi_columnar.py duckdb-parquet DIR THREADS
    python kpi_columnar.py duckdb-ndjson PATH THREADS
    python kpi_columnar.py polars-parquet DIR THREADS
    python kpi_columnar.py run --dir DIR --relman BIN [--spark SCRIPT] [--repeats K] [--out JSON]
    python kpi_columnar.py markdown JSON       # the tables of benches/RESULTS.md

The first writes the Parquet files from the CSV files `kpi-scale --csv`
writes (outside any timing); the middle three are the timed baselines (each
prints one JSON line: the figures and the time of its query); `run` is the
whole benchmark (scripts/bench-kpi columnar runs it).
"""

import json
import warnings
import os
import statistics
import subprocess
import sys
import time

SUCCESS = "('success', 'success_with_issues')"
FAILED = "('failed', 'rolled_back')"
WINDOW = 86_400

# The metric names every contender reports.
NAMES = ("lead_count", "lead_median", "lead_p90", "cfr", "rework")


def write_parquet(data):
    """deployments.csv + changes.csv -> deployments.parquet (changes as a
    list<struct<id, committed_at>> column); incidents.csv ->
    incidents.parquet. Times as timestamp(us, "UTC")."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as csv
    import pyarrow.parquet as pq

    def read(name, types):
        return csv.read_csv(
            os.path.join(data, name),
            convert_options=csv.ConvertOptions(column_types=types, strings_can_be_null=True),
        )

    def utc(column):
        return pc.cast(pc.multiply(column, 1_000_000), pa.timestamp("us", tz="UTC"))

    s, i = pa.string(), pa.int64()
    dep = read("deployments.csv", {"id": s, "service": s, "env": s, "finished": i,
                                   "outcome": s, "kind": s, "team": s})
    chg = read("changes.csv", {"change_id": s, "deployment_id": s, "committed": i})
    # Changes are written deployment by deployment: the list offsets are
    # the running count of each deployment's changes.
    pos = pc.index_in(chg["deployment_id"], value_set=dep["id"]).to_numpy(zero_copy_only=False)
    if np.isnan(pos.astype("float64")).any() or (np.diff(pos) < 0).any():
        raise SystemExit("changes.csv is not grouped by deployment in deployments.csv order")
    counts = np.bincount(pos.astype(np.int64), minlength=dep.num_rows)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    changes = pa.ListArray.from_arrays(
        offsets,
        pa.StructArray.from_arrays(
            [chg["change_id"].combine_chunks(), utc(chg["committed"]).combine_chunks()],
            names=["id", "committed_at"],
        ),
    )
    deployments = pa.table({
        "id": dep["id"],
        "service": dep["service"],
        "environment": dep["env"],
        "finished_at": utc(dep["finished"]),
        "outcome": dep["outcome"],
        "kind": dep["kind"],
        "team": dep["team"],
        "changes": changes,
    })
    pq.write_table(deployments, os.path.join(data, "deployments.parquet"))
    inc = read("incidents.csv", {"id": s, "service": s, "created": i, "resolved": i, "caused_by": s})
    incidents = pa.table({
        "id": inc["id"],
        "service": inc["service"],
        "created_at": utc(inc["created"]),
        "resolved_at": utc(inc["resolved"]),
        "caused_by": inc["caused_by"],
    })
    pq.write_table(incidents, os.path.join(data, "incidents.parquet"))
    print(json.dumps({"deployments": deployments.num_rows, "changes": len(chg),
                      "incidents": incidents.num_rows, "pyarrow": pa.__version__}))


# The metrics in DuckDB SQL over two relations `dep_src` and `inc_src` with
# the columns of the Parquet files (docs/kpi.md, "Arrow and Parquet").
DUCKDB_METRICS = f"""
WITH dep AS MATERIALIZED (
  SELECT id, service, epoch(finished_at)::BIGINT AS finished, outcome, kind, changes
  FROM dep_src WHERE environment = 'production'),
shipped AS (
  SELECT finished, unnest(changes) AS c FROM dep WHERE outcome IN {SUCCESS}),
firsts AS (
  SELECT min(finished) AS first, arg_min(epoch(c.committed_at)::BIGINT, finished) AS committed
  FROM shipped GROUP BY c.id),
leads AS (
  SELECT first - committed AS lead FROM firsts
  WHERE committed IS NOT NULL AND first >= committed),
inc AS (
  SELECT service, epoch(created_at)::BIGINT AS created, caused_by FROM inc_src),
loose AS (
  SELECT row_number() OVER () AS k, service, created FROM inc WHERE caused_by IS NULL),
nearest AS (
  SELECT i.k, i.service, d.finished FROM loose i
    ASOF JOIN dep d ON i.service = d.service AND i.created >= d.finished
    WHERE i.created - d.finished <= {WINDOW}),
hit AS (
  SELECT caused_by AS dep_id FROM inc WHERE caused_by IS NOT NULL
  UNION
  -- ASOF picks any of the deployments finishing at the same second: the
  -- rule is the greatest id.
  SELECT max(d.id) FROM nearest n JOIN dep d ON d.service = n.service AND d.finished = n.finished
    GROUP BY n.k)
SELECT
  (SELECT count(*) FROM leads),
  (SELECT quantile_cont(lead, 0.5) FROM leads),
  (SELECT quantile_cont(lead, 0.9) FROM leads),
  (SELECT avg(CASE WHEN outcome IN {FAILED} OR hit.dep_id IS NOT NULL THEN 1 ELSE 0 END)
     FROM dep LEFT JOIN hit ON hit.dep_id = dep.id),
  (SELECT avg(CASE WHEN kind IN ('hotfix', 'rework') THEN 1 ELSE 0 END) FROM dep)
"""

DEPLOYMENT_STRUCT = (
    "STRUCT(id VARCHAR, service VARCHAR, environment VARCHAR, finished_at TIMESTAMPTZ, "
    "outcome VARCHAR, kind VARCHAR, changes STRUCT(id VARCHAR, committed_at TIMESTAMPTZ)[])"
)
INCIDENT_STRUCT = (
    "STRUCT(id VARCHAR, service VARCHAR, created_at TIMESTAMPTZ, resolved_at TIMESTAMPTZ, "
    "caused_by VARCHAR)"
)


def duckdb_run(threads, setup):
    """Runs `setup` (statements defining dep_src and inc_src) and the
    metrics in a fresh in-memory DuckDB with `threads` threads."""
    import duckdb

    start = time.perf_counter()
    con = duckdb.connect(config={"threads": threads})
    con.execute("SET TimeZone = 'UTC'")
    for statement in setup:
        con.execute(statement)
    row = con.execute(DUCKDB_METRICS).fetchone()
    elapsed = time.perf_counter() - start
    return {"time_secs": elapsed, "metrics": dict(zip(NAMES, map(float, row))),
            "version": duckdb.__version__, "threads": threads}


def duckdb_parquet(data, threads):
    dep = os.path.join(data, "deployments.parquet")
    inc = os.path.join(data, "incidents.parquet")
    return duckdb_run(threads, [
        f"CREATE VIEW dep_src AS SELECT * FROM read_parquet('{dep}')",
        f"CREATE VIEW inc_src AS SELECT * FROM read_parquet('{inc}')",
    ])


def duckdb_ndjson(path, threads):
    # One pass over the file: each line holds a deployment or an incident.
    return duckdb_run(threads, [
        f"""CREATE TEMP TABLE lines AS SELECT deployment, incident FROM read_json('{path}',
              format = 'newline_delimited',
              columns = {{deployment: '{DEPLOYMENT_STRUCT}', incident: '{INCIDENT_STRUCT}'}})""",
        "CREATE VIEW dep_src AS SELECT unnest(deployment) FROM lines WHERE deployment IS NOT NULL",
        "CREATE VIEW inc_src AS SELECT unnest(incident) FROM lines WHERE incident IS NOT NULL",
    ])


def polars_parquet(data, threads):
    """The metrics with polars' lazy API over `scan_parquet` (one plan for
    all, collected once)."""
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    import polars as pl

    # join_asof cannot check the sortedness within `by` groups; the right
    # side is sorted by (finished, id) as a whole.
    warnings.filterwarnings("ignore", message="Sortedness of columns cannot be checked")

    start = time.perf_counter()
    dep = (
        pl.scan_parquet(os.path.join(data, "deployments.parquet"))
        .filter(pl.col("environment") == "production")
        .select("id", "service", pl.col("finished_at").dt.epoch("s").alias("finished"),
                "outcome", "kind", "changes")
    )
    firsts = (
        dep.filter(pl.col("outcome").is_in(["success", "success_with_issues"]))
        .select("finished", "changes")
        .explode("changes")
        .unnest("changes")
        .group_by("id")
        .agg(pl.col("finished").min().alias("first"),
             pl.col("committed_at").sort_by("finished").first().dt.epoch("s").alias("committed"))
    )
    leads = (
        firsts.filter(pl.col("committed").is_not_null())
        .select((pl.col("first") - pl.col("committed")).alias("lead"))
        .filter(pl.col("lead") >= 0)
        .select(pl.len().alias("lead_count"),
                pl.col("lead").quantile(0.5, interpolation="linear").alias("lead_median"),
                pl.col("lead").quantile(0.9, interpolation="linear").alias("lead_p90"))
    )
    inc = pl.scan_parquet(os.path.join(data, "incidents.parquet")).select(
        "service", pl.col("created_at").dt.epoch("s").alias("created"), "caused_by")
    explicit = inc.filter(pl.col("caused_by").is_not_null()).select(pl.col("caused_by").alias("dep_id"))
    windowed = (
        inc.filter(pl.col("caused_by").is_null()).select("service", "created").sort("created")
        # Ties on the second: the last row of the sorted right side, the
        # greatest id (relman's rule).
        .join_asof(dep.select("id", "service", "finished").sort("finished", "id"),
                   left_on="created", right_on="finished", by="service",
                   strategy="backward", tolerance=WINDOW)
        .filter(pl.col("id").is_not_null())
        .select(pl.col("id").alias("dep_id"))
    )
    hit = pl.concat([explicit, windowed]).unique().with_columns(pl.lit(True).alias("hit"))
    rates = (
        dep.join(hit, left_on="id", right_on="dep_id", how="left")
        .select(
            (pl.col("outcome").is_in(["failed", "rolled_back"]) | pl.col("hit").fill_null(False))
            .mean().alias("cfr"),
            pl.col("kind").is_in(["hotfix", "rework"]).mean().alias("rework"))
    )
    leads, rates = pl.collect_all([leads, rates])
    elapsed = time.perf_counter() - start
    row = {**leads.row(0, named=True), **rates.row(0, named=True)}
    return {"time_secs": elapsed, "metrics": {k: float(row[k]) for k in NAMES},
            "version": pl.__version__, "threads": threads}


def relman_metrics(report):
    dora = report["kpis"]["dora"]
    lead = dora["lead_time"]["stats"]
    return {
        "lead_count": float(lead["count"]),
        "lead_median": float(lead["median_secs"]),
        "lead_p90": float(lead["p90_secs"]),
        "cfr": float(dora["change_failure_rate"]["rate"]["value"]),
        "rework": float(dora["rework_rate"]["rate"]["value"]),
    }


def timed(cmd, out_path):
    """Runs cmd under /usr/bin/time -v, its stdout to out_path: (wall s,
    user s, peak RSS MiB)."""
    stats = out_path + ".time"
    # Spark binds to the loopback address (no lookup of the host's name).
    env = {**os.environ, "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1")}
    with open(out_path, "wb") as out:
        subprocess.run(["/usr/bin/time", "-v", "-o", stats, *cmd], stdout=out, check=True, env=env)
    fields = {}
    with open(stats) as f:
        for line in f:
            key, _, value = line.strip().rpartition(": ")
            fields[key] = value
    wall = fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
    seconds = sum(float(x) * 60 ** k for k, x in enumerate(reversed(wall)))
    return seconds, float(fields["User time (seconds)"]), int(fields["Maximum resident set size (kbytes)"]) / 1024


def run(args):
    import argparse

    p = argparse.ArgumentParser(prog="kpi_columnar.py run")
    p.add_argument("--dir", required=True)
    p.add_argument("--relman", required=True)
    p.add_argument("--spark", help="examples/python/spark_kpis.py, run at local[2] over the Parquet files")
    p.add_argument("--spark-python", help="the Python that has pyspark and relman")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out")
    a = p.parse_args(args)
    data = a.dir
    dep, inc = os.path.join(data, "deployments.parquet"), os.path.join(data, "incidents.parquet")
    ndjson = os.path.join(data, "history.ndjson")
    me = os.path.abspath(__file__)
    results = {"steps": {}, "checks": [], "files": {
        name: os.path.getsize(os.path.join(data, name))
        for name in ("deployments.parquet", "incidents.parquet", "history.ndjson")}}

    def step(name, cmd, parse):
        """One timed run of cmd, added to the samples of `name`."""
        out = os.path.join(data, name + ".out")
        wall, user, rss = timed(cmd, out)
        with open(out) as f:
            value = parse(f.read())
        print(f"{name}: {wall:.2f} s wall, {user:.2f} s user, peak RSS {rss:.0f} MiB"
              + (f", query {value['time_secs']:.2f} s" if "time_secs" in value else ""),
              flush=True)
        entry = results["steps"].setdefault(name, {"samples": []})
        entry["samples"].append({"wall_secs": wall, "user_secs": user, "peak_rss_mib": rss, **value})
        entry["median_wall_secs"] = statistics.median(s["wall_secs"] for s in entry["samples"])
        entry["peak_rss_mib"] = max(s["peak_rss_mib"] for s in entry["samples"])
        for k in ("version", "threads"):
            if k in value:
                entry[k] = value[k]
        # Every run's figures must be relman's (the first step's).
        reference = results["steps"]["relman_parquet_1core"]["samples"][0]["metrics"]
        if value["metrics"] != reference:
            raise SystemExit(f"{name}: figures differ from relman's: {value['metrics']} != {reference}")

    def report(text):
        return {"metrics": relman_metrics(json.loads(text))}

    def baseline(text):
        return json.loads(text.strip().splitlines()[-1])

    one_core = ["taskset", "-c", "0"]
    py = sys.executable
    for r in range(a.repeats):
        # In turns, so a slow spell of the machine hits every contender.
        step("relman_parquet_1core", one_core + [a.relman, "kpi", dep, "--incidents", inc], report)
        step("duckdb_parquet_1thread", one_core + [py, me, "duckdb-parquet", data, "1"], baseline)
        step("polars_parquet_1thread", one_core + [py, me, "polars-parquet", data, "1"], baseline)
        step("relman_parquet_2cores", [a.relman, "kpi", dep, "--incidents", inc], report)
        step("duckdb_parquet_2threads", [py, me, "duckdb-parquet", data, "2"], baseline)
        step("polars_parquet_2threads", [py, me, "polars-parquet", data, "2"], baseline)
    step("relman_ndjson_1core", one_core + [a.relman, "kpi", ndjson], report)
    step("duckdb_ndjson_1thread", one_core + [py, me, "duckdb-ndjson", ndjson, "1"], baseline)
    # relman's reports: the same bytes from Parquet on 1 and 2 cores and
    # from NDJSON.
    with open(os.path.join(data, "relman_parquet_1core.out"), "rb") as f:
        first = f.read()
    for other in ("relman_parquet_2cores", "relman_ndjson_1core"):
        with open(os.path.join(data, other + ".out"), "rb") as f:
            same = f.read() == first
        results["checks"].append({"same_report": ["relman_parquet_1core", other], "ok": same})
        if not same:
            raise SystemExit(f"relman's report from {other} differs from relman_parquet_1core")
    if a.spark:
        spark_out = os.path.join(data, "spark_report.json")

        def spark(text):
            with open(spark_out) as f:
                return {"metrics": relman_metrics(json.load(f))}
        # The accumulators' bytes of 10M deployments (about 1 GB) are merged
        # on the driver: its heap is given room.
        step("spark_local2", [a.spark_python or py, a.spark, "--master", "local[2]",
                              "--conf", "spark.driver.memory=8g", "--options", "{}",
                              "--deployments-parquet", dep, "--incidents-parquet", inc,
                              "--out", spark_out], spark)
        with open(spark_out, "rb") as f:
            same = json.loads(f.read()) == json.loads(first)
        results["checks"].append({"same_report": ["relman_parquet_1core", "spark_local2"], "ok": same})
        if not same:
            raise SystemExit("Spark's report differs from relman_parquet_1core")
    results["summary"] = summary(results["steps"])
    if a.out:
        with open(a.out, "w") as f:
            json.dump(results, f, indent=1)
    return results


def summary(steps):
    """The ratios of the issue's goals: a baseline's time over relman's
    (the baselines' in-process query time, without the interpreter's
    start; relman's whole process), medians of the samples."""
    def secs(name):
        entry = steps[name]
        key = "time_secs" if "time_secs" in entry["samples"][0] else "wall_secs"
        return statistics.median(x[key] for x in entry["samples"])

    rows = []
    for baseline, mine, goal in [
        ("duckdb_parquet_1thread", "relman_parquet_1core", 5),
        ("duckdb_parquet_2threads", "relman_parquet_2cores", 5),
        ("polars_parquet_2threads", "relman_parquet_2cores", 3),
        ("polars_parquet_1thread", "relman_parquet_1core", None),
        ("duckdb_ndjson_1thread", "relman_ndjson_1core", 2),
    ]:
        if baseline in steps and mine in steps:
            ratio = secs(baseline) / secs(mine)
            rows.append({"baseline": baseline, "relman": mine, "baseline_secs": secs(baseline),
                         "relman_secs": secs(mine), "ratio": ratio, "goal": goal,
                         "met": None if goal is None else ratio >= goal})
    for row in rows:
        print(f"{row['baseline']} {row['baseline_secs']:.2f} s / {row['relman']} "
              f"{row['relman_secs']:.2f} s = {row['ratio']:.2f}x"
              + (f" (goal {row['goal']}x: {'met' if row['met'] else 'missed'})" if row["goal"] else ""))
    if "relman_ndjson_1core" in steps:
        rss = steps["relman_ndjson_1core"]["peak_rss_mib"]
        print(f"relman_ndjson_1core peak RSS {rss:.0f} MiB (goal <= 1024 MiB: {'met' if rss <= 1024 else 'missed'})")
    return rows


def markdown(path):
    """The tables of benches/RESULTS.md from a `run --out` file."""
    with open(path) as f:
        results = json.load(f)
    steps = results["steps"]
    print("| step | samples (wall s) | median wall | in-process query (baselines) | user s (median) | peak RSS |")
    print("|---|---|---|---|---|---|")
    for name, entry in steps.items():
        walls = ", ".join(f"{x['wall_secs']:.2f}" for x in entry["samples"])
        query = [x["time_secs"] for x in entry["samples"] if "time_secs" in x]
        user = statistics.median(x["user_secs"] for x in entry["samples"])
        print(f"| `{name}` | {walls} | {entry['median_wall_secs']:.2f} s | "
              + (f"{statistics.median(query):.2f} s" if query else "")
              + f" | {user:.2f} | {entry['peak_rss_mib']:,.0f} MiB |")
    print()
    print("| goal | baseline | relman | baseline ÷ relman | |")
    print("|---|---|---|---|---|")
    for row in results["summary"]:
        goal = f"≥ {row['goal']}×" if row["goal"] else "(no goal)"
        verdict = "" if row["met"] is None else ("**met**" if row["met"] else "**missed**")
        print(f"| {goal} | `{row['baseline']}` {row['baseline_secs']:.2f} s | `{row['relman']}` "
              f"{row['relman_secs']:.2f} s | {row['ratio']:.2f}× | {verdict} |")


def main():
    what = sys.argv[1]
    if what == "write-parquet":
        write_parquet(sys.argv[2])
    elif what == "duckdb-parquet":
        print(json.dumps(duckdb_parquet(sys.argv[2], int(sys.argv[3]))))
    elif what == "duckdb-ndjson":
        print(json.dumps(duckdb_ndjson(sys.argv[2], int(sys.argv[3]))))
    elif what == "polars-parquet":
        print(json.dumps(polars_parquet(sys.argv[2], int(sys.argv[3]))))
    elif what == "markdown":
        markdown(sys.argv[2])
    elif what == "run":
        results = run(sys.argv[2:])
        print(json.dumps(results, indent=1))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
