//! `import_servicenow`: a schedule, a directory and approvals from
//! ServiceNow records.

use crate::interop::{ServiceNowImportOptions, ServiceNowTables};
use crate::ServiceNowImport;

operation! {
    /// A schedule, a directory and approvals from ServiceNow Table API
    /// responses, keyed by table name (`change_request`, `rm_release`,
    /// `task_ci`, `cmdb_ci`, `cmdb_rel_ci`, `cmdb_rel_type`, `sys_user`,
    /// `sys_user_group`, `sys_user_grmember`, `sysapproval_approver`,
    /// `sysapproval_group`, `change_task`, `cmn_schedule`,
    /// `cmn_schedule_span`, `incident`, `problem`, `rm_release_scrum`).
    name: import_servicenow,
    position: 16,
    summary: "A schedule, directory and approvals from ServiceNow Table API records",
    params ImportServicenowParams whole {
        /// The tables: each `{"result": [...]}` or a list of records.
        tables: req ServiceNowTables as Val,
        /// How the rows were fetched, the user's zone and formats for
        /// display-only rows, the mapping over the out-of-box codes.
        options: opt ServiceNowImportOptions as Val,
    }
    result: ServiceNowImport,
    run(p) {
        // Every table was checked as a parameter (read-time limits).
        crate::interop::import_checked(p.tables, &p.options.unwrap_or_default())
    }
}
