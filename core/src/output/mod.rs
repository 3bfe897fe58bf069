//! The outputs: release notes, iCalendar and ServiceNow records written
//! from documents and engine verdicts (docs/architecture.md).

pub mod agenda;
pub mod ics;
pub mod interop;
pub mod notes;
