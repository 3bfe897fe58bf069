//! The engines: the rules of the lifecycle, the audit trail, risk,
//! conflicts and scheduling, rollouts and KPIs. They read documents and
//! the policy and import nothing from outputs or operations
//! (docs/architecture.md).

pub mod agenda;
pub mod audit;
pub mod calendar;
pub mod closure;
pub mod conflict;
pub mod keys;
pub mod kpi;
pub mod lifecycle;
pub mod overdue;
pub mod record;
pub mod risk;
pub mod rollout;
pub mod schedule;
pub mod unauthorized;
pub mod versions;
