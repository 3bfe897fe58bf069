//! The outputs: release notes, iCalendar, ServiceNow records and the HTML
//! report written from documents and engine verdicts (docs/architecture.md).

pub mod agenda;
pub mod ics;
pub mod interop;
pub mod notes;
pub mod report;
