//! Fixtures for the integrations bench: Table API responses as ServiceNow
//! returns them, every value a string, references in all three forms.

use serde_json::{json, Value};

fn pick<'a>(options: &[&'a str], i: usize) -> &'a str {
    options.get(i % options.len().max(1)).copied().unwrap_or("")
}

/// `{"result": [...]}` of `n` change_request records spread over `cis`
/// CIs; deterministic.
pub fn change_requests(n: usize, cis: usize) -> Value {
    let states = ["-5", "-4", "-3", "-2", "-1", "0", "3", "4"];
    let types = ["standard", "normal", "emergency"];
    let result: Vec<Value> = (0..n)
        .map(|i| {
            let ci = format!("{:032x}", i % cis.max(1));
            let cmdb_ci = match i % 3 {
                0 => json!(ci),
                1 => json!({"link": format!("https://example.service-now.com/api/now/table/cmdb_ci/{ci}"), "value": ci}),
                _ => json!({"display_value": format!("ci-{}", i % cis.max(1)), "value": ci, "link": "x"}),
            };
            let day = 1 + i % 28;
            let hour = i % 20;
            json!({
                "sys_id": format!("{:032x}", 0x1000_0000_usize + i),
                "number": format!("CHG{:07}", i),
                "type": pick(&types, i),
                "short_description": format!("Change {i}: patch the service tier"),
                "category": if i % 5 == 0 { "" } else { "Software" },
                "state": pick(&states, i),
                "risk": pick(&["2", "3", "4"], i),
                "impact": pick(&["1", "2", "3"], i),
                "priority": pick(&["1", "2", "3", "4", "5"], i),
                "approval": if i % 2 == 0 { "approved" } else { "requested" },
                "cmdb_ci": cmdb_ci,
                "assigned_to": {"display_value": format!("user {}", i % 50), "value": format!("u{}", i % 50)},
                "start_date": format!("2026-12-{day:02} {hour:02}:00:00"),
                "end_date": format!("2026-12-{day:02} {:02}:30:00", hour + 1),
                "parent": "",
                "u_jira_key": format!("OPS-{i}"),
                "u_customer_facing": "false",
                "backout_plan": "Revert the deployment",
                "sys_updated_on": "2026-11-25 10:00:00"
            })
        })
        .collect();
    json!({"result": result})
}

/// `{"result": [...]}` of `n` cmdb_ci records whose sys_ids match
/// [`change_requests`]'s references.
pub fn cis(n: usize) -> Value {
    let result: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "sys_id": format!("{:032x}", i),
                "name": format!("ci-{i}"),
                "sys_class_name": "cmdb_ci_linux_server",
                "business_criticality": "2 - somewhat critical",
                "u_rack": "R1"
            })
        })
        .collect();
    json!({"result": result})
}
