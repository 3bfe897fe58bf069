//! JSON paths of problems: `releases[3].planned_end`.

/// Joins a base path and a field name: `join("releases[3]", "id")` is
/// `releases[3].id`; an empty base gives the field alone.
pub fn join(base: &str, field: &str) -> String {
    if base.is_empty() {
        field.to_string()
    } else {
        format!("{base}.{field}")
    }
}
