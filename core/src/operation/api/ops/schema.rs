//! `schema`: the JSON Schema of a document.

use crate::error::Error;
use serde_json::Value;

operation! {
    /// The JSON Schema (draft 2020-12) of an input or output document by
    /// `name` (`release`, `kpi_report`, …).
    name: schema,
    position: 18,
    summary: "The JSON Schema of an input or output document",
    params SchemaParams {
        /// The document's name (`release`, `kpi_report`, …).
        name: req String as Val,
    }
    result: Value,
    run(p) {
        crate::schema::schema(&p.name).ok_or_else(|| {
            Error::invalid_input(
                "name",
                format!(
                    "no schema named `{}`; known: {}",
                    p.name,
                    crate::schema::SCHEMAS
                        .iter()
                        .map(|e| e.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    }
}
