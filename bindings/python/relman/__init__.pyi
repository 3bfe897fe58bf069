"""Type stub of relman (the run-time module is relman/__init__.py).

Every document or object parameter also takes JSON text (``str``). A
required parameter is required here; at run time a missing one raises
InvalidInput naming it, like every relman front end.
"""

from typing import Dict, Mapping, Sequence, Tuple, Union

from ._errors import (
    Conflict as Conflict,
    Forbidden as Forbidden,
    InvalidInput as InvalidInput,
    InvalidPolicy as InvalidPolicy,
    LimitExceeded as LimitExceeded,
    LogTampered as LogTampered,
    PermissionDenied as PermissionDenied,
    RelmanError as RelmanError,
    StorageFull as StorageFull,
    TransitionDenied as TransitionDenied,
    UnsupportedVersion as UnsupportedVersion,
)
from .types import (
    Applied,
    CanaryJudgement,
    Command,
    ConflictReport,
    Context,
    DeploymentOrder,
    DeploymentPlan,
    DocumentKind,
    FitOptions,
    FittedRiskModel,
    GateReport,
    History,
    IcsExport,
    IcsOptions,
    JSONValue,
    JudgeConfig,
    KeyringSpec,
    KpiOptions,
    KpiReport,
    LogVerdict,
    NotesFormat,
    Policy,
    Release,
    ReleaseNotes,
    RiskAssessment,
    RiskBatch,
    RolloutInput,
    RolloutState,
    RolloutStep,
    SampleSet,
    Schedule,
    ServiceNowImport,
    ServiceNowPatches,
    SlotSuggestion,
    State,
    TableResponse,
    TimestampIn,
    ValidationReport,
)

__version__: str
OPERATIONS: Tuple[Tuple[str, Tuple[Tuple[str, bool], ...], str], ...]
MAX_NESTING_DEPTH: int

__all__ = [
    "RelmanError",
    "InvalidInput",
    "InvalidPolicy",
    "UnsupportedVersion",
    "TransitionDenied",
    "Forbidden",
    "LogTampered",
    "LimitExceeded",
    "Conflict",
    "StorageFull",
    "PermissionDenied",
    "OPERATIONS",
    "MAX_NESTING_DEPTH",
    "validate",
    "check",
    "apply",
    "verify_log",
    "assess_risk",
    "assess_risk_many",
    "fit_risk_model",
    "detect_conflicts",
    "suggest_slots",
    "deployment_order",
    "rollout_step",
    "judge_canary",
    "compute_kpis",
    "release_notes",
    "calendar_ics",
    "import_servicenow",
    "export_servicenow",
    "schema",
]

def validate(
    kind: DocumentKind,
    document: Union[Mapping[str, object], None] = None,
    text: Union[str, None] = None,
) -> ValidationReport:
    """Validates a document given as a value (`document`) or JSON text (`text`)."""

def check(
    release: Union[Release, str],
    target: State,
    context: Union[Context, str, None] = None,
    keys: Union[KeyringSpec, str, None] = None,
) -> GateReport:
    """The gate report of moving `release` to `target` (a dry run)."""

def apply(
    release: Union[Release, str],
    command: Union[Command, str],
    context: Union[Context, str, None] = None,
    expected_head: Union[str, None] = None,
    keys: Union[KeyringSpec, str, None] = None,
) -> Applied:
    """Applies a lifecycle command (amend and import included); raises
    TransitionDenied, Forbidden, LogTampered or Conflict."""

def verify_log(
    release: Union[Release, str],
    expected_head: Union[str, None] = None,
    keys: Union[KeyringSpec, str, None] = None,
) -> LogVerdict:
    """Verifies a release's audit log (a keyed chain with `keys`) and lists
    where the document differs."""

def assess_risk(
    release: Union[Release, str],
    context: Union[Context, str, None] = None,
) -> RiskAssessment:
    """Scores a release's risk with every factor explained."""

def assess_risk_many(
    releases: Union[Sequence[Release], str],
    context: Union[Context, str, None] = None,
) -> RiskBatch:
    """Scores many releases against one context; one result or error each."""

def fit_risk_model(
    history: Union[History, str],
    options: Union[FitOptions, str, None] = None,
    context: Union[Context, str, None] = None,
) -> FittedRiskModel:
    """Fits the risk weights to a release history."""

def detect_conflicts(schedule: Union[Schedule, str]) -> ConflictReport:
    """Every conflict of a schedule."""

def suggest_slots(
    schedule: Union[Schedule, str],
    item: str,
    duration_secs: int,
    now: TimestampIn,
    horizon_secs: int,
    count: int,
) -> SlotSuggestion:
    """Free deployment slots for one release or change of a schedule."""

def deployment_order(releases: Union[Sequence[Release], str]) -> DeploymentOrder:
    """Deployment waves and the critical path."""

def rollout_step(
    plan: Union[DeploymentPlan, str],
    state: Union[RolloutState, str, None] = None,
    *,
    input: Union[RolloutInput, str],
    now: TimestampIn,
    policy: Union[Policy, str, None] = None,
) -> RolloutStep:
    """The next decision of a blue-green or canary rollout."""

def judge_canary(
    baseline: Union[SampleSet, str],
    canary: Union[SampleSet, str],
    config: Union[JudgeConfig, str, None] = None,
    policy: Union[Policy, str, None] = None,
) -> CanaryJudgement:
    """Compares canary metrics with the baseline."""

def compute_kpis(
    history: Union[History, str],
    options: Union[KpiOptions, str, None] = None,
    policy: Union[Policy, str, None] = None,
) -> KpiReport:
    """DORA and ITIL release KPIs of a history."""

def release_notes(release: Union[Release, str], format: NotesFormat) -> ReleaseNotes:
    """Release notes in Markdown or HTML."""

def calendar_ics(schedule: Union[Schedule, str], options: Union[IcsOptions, str]) -> IcsExport:
    """An iCalendar (.ics) of releases, windows and blackouts."""

def import_servicenow(
    change_requests: TableResponse,
    releases: Union[TableResponse, None] = None,
    cis: Union[TableResponse, None] = None,
    rels: Union[TableResponse, None] = None,
    approvals: Union[TableResponse, None] = None,
) -> ServiceNowImport:
    """A schedule from ServiceNow Table API records."""

def export_servicenow(
    schedule: Union[Schedule, str],
    risk: Union[Sequence[RiskAssessment], str, None] = None,
    conflicts: Union[ConflictReport, str, None] = None,
    gates: Union[Sequence[GateReport], str, None] = None,
    now: Union[TimestampIn, None] = None,
) -> ServiceNowPatches:
    """Per-record ServiceNow field patches from relman's verdicts."""

def schema(name: str) -> Dict[str, JSONValue]:
    """The JSON Schema of an input or output document."""
