//! `import_servicenow`: a schedule from ServiceNow records.

use crate::{ServiceNowImport, ServiceNowTables};
use serde_json::Value;

operation! {
    /// A schedule from ServiceNow Table API responses (`{"result": [...]}`
    /// of change_request, rm_release, cmdb_ci, cmdb_rel_ci,
    /// sysapproval_approver).
    name: import_servicenow,
    position: 16,
    summary: "A schedule from ServiceNow Table API records",
    params ImportServicenowParams whole {
        /// `change_request` records.
        change_requests: req Value as Val,
        /// `rm_release` records.
        releases: opt Value as Val,
        /// `cmdb_ci` records (any subclass).
        cis: opt Value as Val,
        /// `cmdb_rel_ci` records.
        rels: opt Value as Val,
        /// `sysapproval_approver` records.
        approvals: opt Value as Val,
    }
    result: ServiceNowImport,
    run(p) {
        let tables = ServiceNowTables {
            change_requests: p.change_requests,
            releases: p.releases,
            cis: p.cis,
            rels: p.rels,
            approvals: p.approvals,
        };
        // Every table was checked as a parameter (read-time limits).
        crate::interop::import_checked(&tables)
    }
}
