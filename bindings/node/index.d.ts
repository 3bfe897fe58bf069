// napi puts this file at the head of index.d.ts (package.json,
// napi.dtsHeaderFile). The types of the documents are in types.d.ts
// (written by scripts/gen-types.mjs): the declarations below name them as
// `T.…`, and they are re-exported rather than repeated.

import type * as T from './types'

export * from './types'

/**
 * Which binding artifact the generated loader actually loaded: `'native'` for
 * a native addon, otherwise the `platformArchABI` of the WASI flavor. Every
 * flavor napi-rs can build is listed, because `NAPI_RS_NATIVE_LIBRARY_PATH`
 * can point the loader at a WASI artifact this package does not build itself.
 */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'

/**
 * `check` with its context prepared once: `new PreparedContext(context,
 * keys)`, then `check(release, target)` as often as needed. Returns what
 * `check(release, target, context, keys)` returns and throws what it
 * throws; the log verification of a release already checked is cached
 * by content (docs/lifecycle.md, "A prepared context").
 */
export declare class PreparedContext {
  /** Prepares the context document (and the host's keyring). */
  constructor(context?: T.In<T.Context> | null, keys?: T.In<T.KeyringSpec> | null)
  /**
   * The gate report of moving `release` to `target` (what `check`
   * returns with this context and keys).
   */
  check(release: T.In<T.Release>, target: T.State): T.GateReport
  /** How many verified releases are cached. */
  cached(): number
}

/**
 * A schedule prepared for conflict detection: validated, its calendar
 * expanded once.
 */
export declare class PreparedSchedule {
  /**
   * Prepares `schedule` (an object or JSON text); throws what
   * `detectConflicts(schedule)` throws.
   */
  constructor(schedule: T.In<T.Schedule>)
  /**
   * Every conflict of the prepared schedule: the report
   * `detectConflicts` returns for it.
   */
  conflicts(): T.ConflictReport
}

/**
 * Risk with its context prepared once: `new RiskAssessor(context)`, then
 * `assess(release)` or `assessMany(releases)` as often as needed. Returns
 * what `assessRisk(release, context)` / `assessRiskMany(releases,
 * context)` return and throws what they throw; the policy check, the CMDB
 * graph and the history index are built once (docs/risk.md).
 */
export declare class RiskAssessor {
  /** Prepares the context document. */
  constructor(context?: T.In<T.Context> | null)
  /**
   * The risk assessment of `release` (what `assessRisk` returns with
   * this context).
   */
  assess(release: T.In<T.Release>): T.RiskAssessment
  /**
   * The batch of `releases` (what `assessRiskMany` returns with this
   * context): one assessment or error per release.
   */
  assessMany(releases: T.In<T.Release>[]): T.RiskBatch
}

/**
 * Applies a lifecycle `command` to `release` (any command, `amend` and
 * `import` included): the new release with its audit event,
 * notifications and gate report. Fails with `transition_denied` (with
 * `violations`) when gates are unmet, `forbidden` (with `rule`) for a
 * missing role, separation of duties or a look-alike actor id,
 * `log_tampered` (`path`: the first difference, e.g. `approvals[2]`)
 * when the release is not what its log yields, `conflict` (`expected`,
 * `found`) when the log no longer ends at `expected_head`.
 */
export declare function apply(release: T.In<T.Release>, command: T.In<T.Command>, context?: T.In<T.Context> | null, expectedHead?: string | null, keys?: T.In<T.KeyringSpec> | null): T.Applied

/**
 * Scores `release`'s risk (0-100, a level) with every factor
 * explained.
 */
export declare function assessRisk(release: T.In<T.Release>, context?: T.In<T.Context> | null): T.RiskAssessment

/**
 * Scores many releases against one `context` (prepared once). One bad
 * release does not sink the batch: its slot in `assessments` is null
 * and `errors` has `{index, error}` for it.
 */
export declare function assessRiskMany(releases: T.In<T.Release>[], context?: T.In<T.Context> | null): T.RiskBatch

/** `assessRiskMany` on the thread pool. */
export declare function assessRiskManyAsync(releases: T.In<T.Release>[], context?: T.In<T.Context> | null): Promise<T.RiskBatch>

/**
 * The CAB agenda of `schedule` for the period [`period_start`,
 * `period_end`): every release in state `approval` whose planned
 * window intersects the period, by window start, then risk (higher first), then id; each
 * with its approval groups and missing votes (from the lifecycle's
 * approval gate), its conflicts, risk score and largest factors, and
 * rollback-plan status. `period_end` not after `period_start` is
 * `invalid_input` at `period_end`. (The period's ends are not named
 * `from` and `to` because `from` is a Python keyword; the agenda
 * writes them as `from` and `to`.)
 */
export declare function cabAgenda(schedule: T.In<T.Schedule>, periodStart: string | Date, periodEnd: string | Date, context?: T.In<T.Context> | null): T.CabAgenda

/**
 * An iCalendar (.ics) of the releases, windows and blackouts of
 * `schedule`.
 */
export declare function calendarIcs(schedule: T.In<T.Schedule>, options: T.In<T.IcsOptions>): T.IcsExport

/**
 * Runs any operation by its snake_case name with one object keyed by
 * parameter name (the `input` of a conformance vector), as `relman call`
 * does; for hosts that dispatch by name. The typed functions above are the
 * usual way in.
 */
export declare function call(operation: T.OperationName, params?: { [name: string]: unknown } | null): T.JsonValue

/**
 * The gate report of moving `release` to the `target` state: every
 * requirement, met or not (a dry run; nothing changes). With `keys`
 * (the host's keyring: see `schema("keyring")`) the log is verified as
 * a keyed chain. A release whose `version` is not of the policy's
 * scheme, or not the bump its kind asks for over the previous release
 * of the same service in the context's schedule or history, is
 * `invalid_input` at `version` (docs/lifecycle.md, "Versions").
 */
export declare function check(release: T.In<T.Release>, target: T.State, context?: T.In<T.Context> | null, keys?: T.In<T.KeyringSpec> | null): T.GateReport

/**
 * What the host may do in its ITSM tool now that `release` is where
 * its log says it is: the problems, known errors, requests and
 * incidents it may resolve and the knowledge articles it may publish
 * (after a successful deployment), or every one of them kept open with
 * the reason (`not_deployed`, `cancelled`, `failed`, `rolled_back`,
 * `log_not_verified`). The outcome is the one the replay of the
 * release's verified log yields (docs/reports.md, "Closure").
 */
export declare function closure(release: T.In<T.Release>): T.Closure

/** DORA and ITIL release KPIs of `history`, with series and groups. */
export declare function computeKpis(history: T.In<T.History>, options?: T.In<T.KpiOptions> | null, policy?: T.In<T.Policy> | null): T.KpiReport

/**
 * DORA and ITIL release KPIs of a history given as Arrow IPC buffers,
 * one per table (the stream or the file format: apache-arrow's
 * `tableToIPC(table)` or `tableToIPC(table, 'file')`), with the columns
 * of docs/kpi.md ("Arrow and Parquet"). The report is the one
 * `computeKpis` returns for the same records in one history document.
 * A buffer that is not Arrow IPC (or is truncated), or an argument that
 * is not a `Uint8Array`, is an `Error` with code `invalid_input` at
 * `deployments` (the table); a column of a wrong type at
 * `deployments.finished_at`; a bad value at `deployments[12].outcome`.
 */
export declare function computeKpisArrow(deployments: Uint8Array | null, incidents?: Uint8Array | null, releases?: Uint8Array | null, options?: T.In<T.KpiOptions> | null, policy?: T.In<T.Policy> | null): T.KpiReport

/**
 * `computeKpisArrow` on the thread pool: the buffers are copied when
 * the function is called (the caller may reuse them at once), read on a
 * worker thread.
 */
export declare function computeKpisArrowAsync(deployments: Uint8Array | null, incidents?: Uint8Array | null, releases?: Uint8Array | null, options?: T.In<T.KpiOptions> | null, policy?: T.In<T.Policy> | null): Promise<T.KpiReport>

/** `computeKpis` on the thread pool. */
export declare function computeKpisAsync(history: T.In<T.History>, options?: T.In<T.KpiOptions> | null, policy?: T.In<T.Policy> | null): Promise<T.KpiReport>

/**
 * DORA and ITIL release KPIs of a history given as NDJSON text: one
 * record per line (`{"deployment": …}`, `{"incident": …}` or
 * `{"release": …}`), blank lines skipped, CRLF accepted. The report
 * is that of `compute_kpis` over the same records; errors name the
 * line (path `line 12: deployment.finished_at`, field `line`). The
 * read-time limits apply to each record, not to the whole text.
 */
export declare function computeKpisNdjson(text: string | Buffer, options?: T.In<T.KpiOptions> | null, policy?: T.In<T.Policy> | null): T.KpiReport

/**
 * Deployment waves and the critical path of `releases` by their
 * dependencies.
 */
export declare function deploymentOrder(releases: T.In<T.Release>[]): T.DeploymentOrder

/** Every dependency, CI, calendar and resource conflict of `schedule`. */
export declare function detectConflicts(schedule: T.In<T.Schedule>): T.ConflictReport

/** `detectConflicts` on the thread pool. */
export declare function detectConflictsAsync(schedule: T.In<T.Schedule>): Promise<T.ConflictReport>

/**
 * The policy in force: `policy` (default: the default policy) with
 * every default filled in, and every leaf value of it — a string,
 * number, boolean, null or list — with its JSON path and its source:
 * `given` when the input policy sets it, `default` when relman fills
 * it in. A policy relman refuses is `invalid_policy`, as everywhere.
 */
export declare function explainPolicy(policy?: T.In<T.Policy> | null): T.JsonObject

/**
 * Per-record ServiceNow patches from relman's verdicts on an imported
 * `schedule`: every change request's risk (given or scored by relman),
 * conflict status pushed down from its release, gate approvals, work
 * notes with a dated header, and `sysapproval_approver` inserts for
 * votes cast in relman; against the records as `fetched`, only what
 * changed, with a diff (or the diff alone, as a dry run).
 *
 * One object: `schedule`, `risk`, `conflicts`, `gates`, `now`, `context`, `score_changes`, `time_zone`, `actors`, `fetched`, `dry_run`.
 */
export declare function exportServicenow(exported: T.In<T.ServiceNowExport>): T.ServiceNowPatches

/**
 * Fits the risk weights to a release `history` (logistic regression):
 * the model, its quality (AUC, Brier) and sample counts.
 */
export declare function fitRiskModel(history: T.In<T.History>, options?: T.In<T.FitOptions> | null, context?: T.In<T.Context> | null): T.FittedRiskModel

/** `fitRiskModel` on the thread pool. */
export declare function fitRiskModelAsync(history: T.In<T.History>, options?: T.In<T.FitOptions> | null, context?: T.In<T.Context> | null): Promise<T.FittedRiskModel>

/**
 * Turns one Prometheus `query_range` or Datadog v1 `query` response
 * per metric into baseline and canary samples (`judge_canary`'s
 * `baseline` and `canary`, an observation's `metrics` and `errors`):
 * series picked by label or tag selectors, NaN dropped, stale or
 * missing series `no_data` with the metric named.
 */
export declare function importMetrics(format: string, responses: T.JsonInput, baseline: T.JsonInput, canary: T.JsonInput, now: string | Date, maxAgeSecs?: number | null): T.MetricImport

/**
 * A schedule, a directory and approvals from ServiceNow Table API
 * responses, keyed by table name (`change_request`, `rm_release`,
 * `task_ci`, `cmdb_ci`, `cmdb_rel_ci`, `cmdb_rel_type`, `sys_user`,
 * `sys_user_group`, `sys_user_grmember`, `sysapproval_approver`,
 * `sysapproval_group`, `change_task`, `cmn_schedule`,
 * `cmn_schedule_span`, `incident`, `problem`, `rm_release_scrum`).
 */
export declare function importServicenow(tables: T.In<T.ServiceNowTables>, options?: T.In<T.ServiceNowImportOptions> | null): T.ServiceNowImport

/**
 * Whether `value` is an error thrown by relman (an `Error` with a relman
 * error `code`).
 */
export declare function isRelmanError(value: unknown): value is T.RelmanError

/**
 * Compares `canary` metric samples with the `baseline` (Mann-Whitney
 * U and a Hodges-Lehmann shift per metric): a score and a verdict.
 */
export declare function judgeCanary(baseline: T.In<T.SampleSet>, canary: T.In<T.SampleSet>, config?: T.In<T.JudgeConfig> | null, policy?: T.In<T.Policy> | null): T.CanaryJudgement

/** One operation of the data contract, as `operations()` lists it. */
export interface OperationInfo {
  /** The snake_case name (`relman::api`, conformance vectors). */
  name: string
  /** The name of its function in this package (camelCase). */
  function: string
  /** Its parameters, in positional order. */
  params: Array<ParamInfo>
  /**
   * Whether the function takes one object keyed by parameter name
   * instead of positional arguments.
   */
  takesObject: boolean
  /** What it does, in one line. */
  summary: string
}

/**
 * Every operation of the data contract (`relman::api::OPERATIONS`) with
 * the name of its function here.
 */
export declare function operations(): Array<OperationInfo>

/**
 * The releases of `schedule` deployed before approval on the
 * emergency path (`lifecycle.emergency.deploy_before_approval`) whose
 * retrospective approval is past its due time at `now` — due
 * `retrospective_approval_secs` (default 72 h) after
 * `start_deployment`; exactly at the due time is not yet overdue
 * (docs/reports.md, "Overdue retrospective approvals"). Each with its
 * deployer, start, due time, seconds overdue and votes counted and
 * missing; by due time, then id. The quorum is the policy's: `policy`
 * when given, else the context's, else the schedule's own, else the
 * default; the context's actor directory decides who may vote.
 */
export declare function overdue(schedule: T.In<T.Schedule>, now: string | Date, policy?: T.In<T.Policy> | null, context?: T.In<T.Context> | null): T.OverdueReport

/** One parameter of an operation, as `operations()` lists it. */
export interface ParamInfo {
  /** The parameter name (the key in objects and vectors). */
  name: string
  /** Whether the operation fails without it. */
  required: boolean
}

/** Release notes of `release` in `format` (`markdown` or `html`). */
export declare function releaseNotes(release: T.In<T.Release>, format: T.NotesFormat): T.ReleaseNotes

/**
 * `agenda` (as `cab_agenda` returns it) rendered in `format`
 * (`markdown` or `html`), every value escaped.
 */
export declare function renderCabAgenda(agenda: T.In<T.CabAgenda>, format: T.NotesFormat): T.RenderedAgenda

/**
 * The change calendar of `schedule` as a week-by-week timeline
 * (conflicts highlighted and listed, blackouts and maintenance windows
 * shaded) and, with `history`, the DORA KPI series as charts with the
 * tier bands: one self-contained HTML page (docs/reports.md).
 */
export declare function report(schedule: T.In<T.Schedule>, history?: T.In<T.History> | null, options?: T.In<T.ReportOptions> | null): T.Report

/**
 * The next decision of a rollout (canary, blue-green, phased or
 * feature flag): feed the returned `state` back with the next `input`
 * (an observation, a tick or a command).
 */
export declare function rolloutStep(plan: T.In<T.DeploymentPlan>, state: T.In<T.RolloutState> | null | undefined, input: T.In<T.RolloutInput>, now: string | Date, policy?: T.In<T.Policy> | null): T.RolloutStep

/**
 * The JSON Schema (draft 2020-12) of an input or output document by
 * `name` (`release`, `kpi_report`, …).
 */
export declare function schema(name: T.SchemaName): T.JsonObject

/** The names of every published schema (`schema(name)`), inputs first. */
export declare function schemaNames(): Array<string>

/**
 * Up to `count` free deployment slots of `duration_secs` for `item` (a
 * release or change id of `schedule`), from `now` to
 * `now + horizon_secs`.
 *
 * One object: `schedule`, `item`, `duration_secs`, `now`, `horizon_secs`, `count`.
 */
export declare function suggestSlots(request: T.In<T.SlotRequest>): T.SlotSuggestion

/**
 * The production deployments of `history` that no approved release
 * covers: no release, an unknown release, a release never approved,
 * outside the release's planned window, or on CIs the release did not
 * declare — every reason of each (docs/reports.md, "Unauthorized
 * changes"). Production environments are the policy's
 * `kpi.production_environments`: of `policy` when given, else of the
 * schedule's own policy, else the default (`["production"]`).
 */
export declare function unauthorizedChanges(history: T.In<T.History>, schedule: T.In<T.Schedule>, policy?: T.In<T.Policy> | null): T.UnauthorizedReport

/**
 * Validates a document of `kind` (`release`, `schedule`, `policy`, …)
 * given as a value (`document`) or as JSON text (`text`); returns the
 * validation report, or fails with `invalid_input` listing every
 * problem (with line and column for text).
 */
export declare function validate(kind: T.DocumentKind, document?: unknown | null, text?: string | Buffer | null): T.ValidationReport

/**
 * Verifies the hash chain of `release`'s audit log (and, if given,
 * that it ends at `expected_head`) and that the document is what the
 * log yields; `differences` lists every field where it is not. With
 * `keys` (the host's keyring) every event's MAC or signature is
 * checked, so a log rewritten with recomputed hashes is
 * `unauthenticated`.
 */
export declare function verifyLog(release: T.In<T.Release>, expectedHead?: string | null, keys?: T.In<T.KeyringSpec> | null): T.LogVerdict
