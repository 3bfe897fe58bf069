"""examples/python/spark_kpis.py on Spark in local mode: one relman
KpiAccumulator per partition by service, merged on the driver, gives the
report one process computes over the same records, every figure; the
partitions really are by service; Parquet input read by Spark gives the
report relman computes from the same files read by pyarrow; accumulators
of different options refuse to merge, and a column relman refuses fails
the Spark job with relman's message.

Run by scripts/test-spark (pyspark, a Java runtime); the ordinary Python
suite (scripts/test-python) does not collect this folder when pyspark is
not installed (tests/conftest.py)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Iterator, List, Tuple

import pytest

pyspark = pytest.importorskip("pyspark")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

import relman  # noqa: E402
from relman.types import KpiOptions  # noqa: E402
from conftest import EXAMPLES, ROOT  # noqa: E402
from pyspark.errors import PythonException  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

EXAMPLE = EXAMPLES / "python" / "spark_kpis.py"
DEPLOYMENTS = 100_000
INCIDENTS = 10_000
RELEASES = 2_000
SERVICES = 50
PARTITIONS = 8


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("spark_kpis", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["spark_kpis"] = module
    spec.loader.exec_module(module)
    return module


ex = load_example()


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    session = ex.session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    # The workers unpickle the example's functions by module name.
    session.sparkContext.addPyFile(str(EXAMPLE))
    yield session
    session.stop()


@pytest.fixture(scope="module")
def generated(spark: SparkSession) -> Dict[str, Any]:
    deployments = ex.generate_deployments(spark, DEPLOYMENTS, SERVICES, PARTITIONS, RELEASES)
    incidents = ex.generate_incidents(spark, INCIDENTS, DEPLOYMENTS, SERVICES, PARTITIONS)
    releases = ex.generate_releases(spark, RELEASES, SERVICES, PARTITIONS)
    report, parts, _ = ex.spark_kpis(deployments, incidents, ex.DEFAULT_OPTIONS, PARTITIONS, releases)
    return {"deployments": deployments, "incidents": incidents, "releases": releases, "report": report, "parts": parts}


def test_spark_report_equals_the_single_process_report(generated: Dict[str, Any]) -> None:
    report = generated["report"]
    single, how = ex.single_process_report(
        generated["deployments"], generated["incidents"], ex.DEFAULT_OPTIONS, "document", generated["releases"]
    )
    assert how == "document"
    assert ex.differences(report, single) == []
    assert report == single
    assert json.dumps(report, sort_keys=True) == json.dumps(single, sort_keys=True)


def test_the_generated_data_exercises_the_kpis(generated: Dict[str, Any]) -> None:
    """The figures compared are not empty: every DORA and ITIL KPI has
    values, some records are outside the period, incidents are attributed
    both ways."""
    report, deployments = generated["report"], generated["deployments"]
    dora = report["kpis"]["dora"]
    options = ex.DEFAULT_OPTIONS
    # Counted by Spark itself: production deployments in the period.
    production = deployments.filter(
        F.col("environment").isin(options["production_environments"])
        & (F.col("finished_at") >= F.lit(options["from"]).cast("timestamp"))
        & (F.col("finished_at") < F.lit(options["to"]).cast("timestamp"))
    ).count()
    assert dora["production_deployments"] == production
    assert 0.6 * DEPLOYMENTS < production < 0.85 * DEPLOYMENTS
    lead_time = dora["lead_time"]
    figures = {
        "lead times": lead_time["stats"]["count"],
        "without commit time": lead_time["without_commit_time"],
        "negative lead times": lead_time["negative"],
        "failed or rolled back": dora["change_failure_rate"]["failed_or_rolled_back"],
        "with incident": dora["change_failure_rate"]["with_incident"],
        "recoveries": dora["failed_deployment_recovery_time"]["stats"]["count"],
        "unrecovered": dora["failed_deployment_recovery_time"]["unrecovered"],
        "rework": dora["rework_rate"]["rate"]["numerator"],
        "attributed explicitly": report["attribution"]["explicit"],
        "attributed by window": report["attribution"]["window"],
        "linked to uncounted": report["attribution"]["linked_to_uncounted"],
        "unattributable": report["attribution"]["unattributable"],
        "deployments outside the period": report["records"]["deployments_outside_period"],
        "incidents outside the period": report["records"]["incidents_outside_period"],
        "not production": report["records"]["deployments_not_production"],
    }
    assert all(value > 0 for value in figures.values()), figures
    itil = report["kpis"]["itil"]
    rates = {name: kpi["value"] for name, kpi in itil.items() if isinstance(kpi, dict) and "value" in kpi}
    # Rates strictly between 0 and 1; incidents per release may exceed 1.
    assert len(rates) == 8, rates
    assert all(0 < value < 1 for name, value in rates.items() if name != "incidents_per_release"), rates
    assert rates["incidents_per_release"] > 0
    assert all(stats["count"] > 0 for stats in itil["time_in_state"].values()), itil["time_in_state"]
    assert itil["releases"] > 0.9 * RELEASES
    assert len(report["groups"]) == SERVICES
    assert len(report["series"]) == 51


def test_partitions_are_by_service(generated: Dict[str, Any]) -> None:
    parts: List[Dict[str, Any]] = generated["parts"]
    for table, rows in (("deployments", DEPLOYMENTS), ("incidents", INCIDENTS), ("releases", RELEASES)):
        mine = [p for p in parts if p["table"] == table]
        assert sorted(p["partition"] for p in mine) == list(range(PARTITIONS)), mine
        assert sum(p["rows"] for p in mine) == rows
        where: Dict[str, List[int]] = {}
        for p in mine:
            for service in p["services"]:
                where.setdefault(service, []).append(p["partition"])
        # Every service in exactly one partition; no partition has them all.
        assert len(where) == SERVICES
        assert all(len(found) == 1 for found in where.values()), where
        assert max(len(p["services"]) for p in mine) < SERVICES
        assert sum(1 for p in mine if p["rows"] > 0) >= PARTITIONS // 2
        assert all(p["bytes"] > 0 for p in mine)


def write_parquet(spark: SparkSession, tmp: Path) -> Tuple[Path, Path, Path]:
    """Generated records written by Spark as Parquet with TIMESTAMP_MICROS
    (Spark's default INT96 has no zone: relman's own Parquet reader refuses
    it)."""
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    paths = (tmp / "deployments", tmp / "incidents", tmp / "releases")
    ex.generate_deployments(spark, 10_000, 12, 3, 200).write.parquet(str(paths[0]))
    ex.generate_incidents(spark, 2_000, 10_000, 12, 2).write.parquet(str(paths[1]))
    ex.generate_releases(spark, 200, 12, 1).select("release").write.parquet(str(paths[2]))
    return paths


def test_the_command_on_parquet_equals_relman_on_the_same_files(spark: SparkSession, tmp_path: Path) -> None:
    deployments, incidents, releases = write_parquet(spark, tmp_path)
    options: KpiOptions = {"group_by": "team", "time_zone": "America/New_York", "series": "month"}
    out = tmp_path / "report.json"
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable)
    result = subprocess.run(
        [
            sys.executable,
            str(EXAMPLE),
            "--deployments-parquet",
            str(deployments),
            "--incidents-parquet",
            str(incidents),
            "--releases-parquet",
            str(releases),
            "--partitions",
            "9",
            "--options",
            json.dumps(options),
            "--check",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "check: the Spark report equals the single-process report, every figure" in result.stderr
    assert "single process (document)" in result.stderr
    assert result.stdout == ""
    report = json.loads(out.read_text())
    # The same files read by pyarrow, not by Spark: the same report.
    expected = relman.compute_kpis_arrow(
        pq.read_table(deployments), pq.read_table(incidents), pq.read_table(releases), options=options
    )
    assert report == expected
    assert report["kpis"]["dora"]["production_deployments"] > 0
    assert report["kpis"]["itil"]["releases"] == 200
    assert {g["key"] for g in report["groups"]} >= {"team1", "(none)"}


def test_accumulators_of_other_options_refuse_to_merge(spark: SparkSession) -> None:
    deployments = ex.generate_deployments(spark, 2_000, 5, 2)

    def shipped(options: KpiOptions) -> relman.KpiAccumulator:
        rows = (
            ex.by_service(deployments, 2)
            .mapInArrow(ex.accumulate("deployments", options), ex.PARTS_SCHEMA)
            .toArrow()
        )
        merged = relman.KpiAccumulator(options)
        for data in rows.column("chunk").to_pylist():
            merged.merge(relman.KpiAccumulator.from_bytes(data))
        return merged

    utc, tokyo = shipped({"time_zone": "UTC"}), shipped({"time_zone": "Asia/Tokyo"})
    with pytest.raises(relman.InvalidInput) as err:
        utc.merge(tokyo)
    assert err.value.path == "options.time_zone"
    assert 'time_zone is "UTC" in this accumulator and "Asia/Tokyo" in the one merged into it' in err.value.message
    # A refused merge spends neither.
    assert utc.finish()["kpis"]["dora"]["production_deployments"] > 0
    assert tokyo.finish()["kpis"]["dora"]["production_deployments"] > 0


def test_a_column_relman_refuses_fails_the_job_with_its_message(spark: SparkSession) -> None:
    """A timestamp without a zone (TIMESTAMP_NTZ) has no instant: the
    partition's accumulator refuses it and Spark reports relman's error."""
    deployments = ex.generate_deployments(spark, 100, 3, 1).withColumn(
        "finished_at", F.col("finished_at").cast("timestamp_ntz")
    )
    with pytest.raises(PythonException) as err:
        ex.spark_kpis(deployments, None, {}, 2)
    assert "deployments.finished_at" in str(err.value)
    assert "InvalidInput" in str(err.value)


def test_a_session_in_another_zone_gives_timestamps_relman_refuses(spark: SparkSession) -> None:
    """Spark hands timestamps to Arrow in the session's zone: outside UTC,
    timestamp(us, "Europe/Berlin"), which relman refuses (the example's
    session is in UTC)."""
    deployments = ex.generate_deployments(spark, 100, 3, 1)
    spark.conf.set("spark.sql.session.timeZone", "Europe/Berlin")
    try:
        with pytest.raises(PythonException) as err:
            ex.spark_kpis(deployments, None, {}, 2)
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    # The first time column of the table's schema is named.
    assert "deployments.started_at" in str(err.value)
    assert 'has type Timestamp(µs, "Europe/Berlin") in time zone `Europe/Berlin`' in str(err.value)


def test_mypy_strict_passes_on_the_example(tmp_path: Path) -> None:
    """Typed like the other examples (checked here, where pyspark is)."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null", str(EXAMPLE)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
