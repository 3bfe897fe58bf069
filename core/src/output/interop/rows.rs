//! Reading ServiceNow rows: one record's fields in the three value modes,
//! its dates, codes and references, and the errors that name it.

use super::{DisplayValue, MAX_RECORD_DEPTH, SHADOWED};
use crate::document::Extra;
use crate::error::{Error, Problem, Result};
use crate::limits;
use crate::policy::ServiceNowPolicy;
use crate::Timestamp;
use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};

/// How to read the values of every row: the mode, and for display-only
/// rows the user's zone and date-time format (chrono notation).
pub(crate) struct Reading<'a> {
    pub mode: DisplayValue,
    /// The zone and the `%`-format of display-only dates, when given.
    pub local: Option<(Tz, String)>,
    pub mapping: &'a ServiceNowPolicy,
}

/// One record of a table, owned, with what errors need to name it.
pub(crate) struct Row {
    pub fields: Map<String, Value>,
    /// `tables.change_request.result[3]`.
    pub path: String,
    /// The ServiceNow table.
    pub table: &'static str,
    /// `CHG0030001 (sys_id …)`.
    pub name: String,
    /// The record's sys_id (required of every record).
    pub sys_id: String,
}

/// The records of table `table` (`{"result": [...]}` or a bare list),
/// each checked to be an object with a `sys_id`, not nested deeper than
/// the schedule can hold.
pub(crate) fn rows(table: &'static str, value: Option<Value>) -> Result<Vec<Row>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let base = format!("tables.{table}");
    let (list, at) = match value {
        Value::Array(list) => (list, base),
        Value::Object(mut o) => match o.remove("result") {
            Some(Value::Array(list)) => (list, format!("{base}.result")),
            _ => {
                return Err(Error::invalid_input(
                    base,
                    "expected a Table API response {\"result\": [...]} or a list of records",
                ))
            }
        },
        _ => {
            return Err(Error::invalid_input(
                base,
                "expected a Table API response {\"result\": [...]} or a list of records",
            ))
        }
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, r) in list.into_iter().enumerate() {
        let path = format!("{at}[{i}]");
        let Value::Object(fields) = r else {
            return Err(Error::invalid_input(&path, "a record must be an object"));
        };
        // A record lands deeper in the schedule than in its table; it must
        // still be readable there.
        let depth = fields
            .values()
            .map(|v| limits::depth(v, MAX_RECORD_DEPTH))
            .max()
            .unwrap_or(0)
            .saturating_add(1);
        if depth > MAX_RECORD_DEPTH {
            return Err(limits::exceeded(
                path,
                "JSON nesting depth of a record (it is nested deeper in the schedule)",
                MAX_RECORD_DEPTH,
                depth,
            ));
        }
        let mut row = Row {
            fields,
            path,
            table,
            name: String::new(),
            sys_id: String::new(),
        };
        let number = row.value_of("number")?;
        let sys_id = row.value_of("sys_id")?;
        row.name = match (&number, &sys_id) {
            (Some(n), Some(s)) => format!("{table} {n} (sys_id {s})"),
            (Some(n), None) => format!("{table} {n}"),
            (None, Some(s)) => format!("{table} sys_id {s}"),
            (None, None) => format!("{table} record {i}"),
        };
        row.sys_id = sys_id.ok_or_else(|| row.error("sys_id", "missing"))?;
        out.push(row);
    }
    Ok(out)
}

/// The text of a stored value: a string, a number or boolean spelled out;
/// blank is unset.
fn scalar(v: &Value) -> Option<Option<String>> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => return Some(None),
        _ => return None,
    };
    Some((!s.trim().is_empty()).then_some(s))
}

impl Row {
    /// `invalid_input` at this record's `field`, naming the record.
    pub fn error(&self, field: &str, message: impl std::fmt::Display) -> Error {
        Error::InvalidInput {
            problems: vec![Problem::new(
                format!("{}.{field}", self.path),
                format!("{} field `{field}`: {message}", self.name),
            )],
        }
    }

    /// The path of `field`.
    pub fn at(&self, field: &str) -> String {
        format!("{}.{field}", self.path)
    }

    /// The stored value of a field: a string (or number, boolean), or the
    /// `value` of a `{value, display_value, link}` object; blank and null
    /// are unset. An array, or an object without a scalar `value`, is an
    /// error naming the field (it would otherwise become "").
    pub fn value_of(&self, field: &str) -> Result<Option<String>> {
        let Some(v) = self.fields.get(field) else {
            return Ok(None);
        };
        if let Some(s) = scalar(v) {
            return Ok(s);
        }
        match v {
            Value::Object(o) => match o.get("value") {
                Some(inner) => scalar(inner).ok_or_else(|| {
                    self.error(field, "its `value` must be a string, number or boolean")
                }),
                None if o.contains_key("display_value") => Ok(None),
                None => Err(self.error(
                    field,
                    "an object without `value`; expected a string or {value, display_value, link}",
                )),
            },
            _ => Err(self.error(
                field,
                "a list; expected a string or {value, display_value, link}",
            )),
        }
    }

    /// The display value of a field: the `display_value` of an object,
    /// else its value. For journal fields (`comments`, `work_notes`),
    /// whose stored value is empty.
    pub fn display_of(&self, field: &str) -> Result<Option<String>> {
        if let Some(Value::Object(o)) = self.fields.get(field) {
            if let Some(d) = o.get("display_value").and_then(scalar).flatten() {
                return Ok(Some(d));
            }
        }
        self.value_of(field)
    }

    /// A choice field as its stored code: for display-only rows the label
    /// is turned back into the code (`Scheduled` → `-2`) by the mapping's
    /// labels; an unknown label is an error.
    pub fn choice(&self, r: &Reading<'_>, field: &str) -> Result<Option<String>> {
        let Some(v) = self.value_of(field)? else {
            return Ok(None);
        };
        if r.mode != DisplayValue::True {
            return Ok(Some(v));
        }
        r.mapping
            .label_value(self.table, field, &v)
            .map(Some)
            .ok_or_else(|| {
                self.error(
                    field,
                    format!(
                        "unknown label `{v}` (display-only rows); add it to the mapping's labels `{}.{field}`",
                        self.table
                    ),
                )
            })
    }

    /// A code mapped by `map`; an unknown code is an error, with a hint
    /// when it is a choice label (rows fetched as display values only).
    pub fn code<T>(
        &self,
        r: &Reading<'_>,
        field: &str,
        map: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>> {
        let Some(c) = self.choice(r, field)? else {
            return Ok(None);
        };
        map(&c).map(Some).ok_or_else(|| {
            let hint = if r.mode != DisplayValue::True
                && r.mapping.label_value(self.table, field, &c).is_some()
            {
                " — that is a choice label: rows fetched with sysparm_display_value=true need options.display_value \"true\" with time_zone and date_format"
            } else {
                ""
            };
            self.error(field, format!("unknown {field} code `{c}`{hint}"))
        })
    }

    /// A date: `YYYY-MM-DD HH:MM:SS` in UTC for stored values; for
    /// display-only rows the user's format local to the user's zone (both
    /// required: without them the date is refused, never shifted).
    pub fn date(&self, r: &Reading<'_>, field: &str) -> Result<Option<Timestamp>> {
        let Some(s) = self.value_of(field)? else {
            return Ok(None);
        };
        if r.mode == DisplayValue::True {
            let Some((tz, format)) = &r.local else {
                return Err(self.error(
                    field,
                    format!("`{s}` is a display value in the instance user's zone and format: give options.time_zone and options.date_format (or fetch with sysparm_display_value=false or all)"),
                ));
            };
            let local = NaiveDateTime::parse_from_str(&s, format).map_err(|_| {
                self.error(
                    field,
                    format!("`{s}` does not match the date format `{format}`"),
                )
            })?;
            return match tz.from_local_datetime(&local) {
                chrono::LocalResult::Single(t) => {
                    Ok(Some(Timestamp::from_utc(t.with_timezone(&chrono::Utc))))
                }
                chrono::LocalResult::Ambiguous(..) => Err(self.error(
                    field,
                    format!("`{s}` is ambiguous in {tz} (a clock change repeats it); fetch with sysparm_display_value=false or all"),
                )),
                chrono::LocalResult::None => Err(self.error(
                    field,
                    format!("`{s}` does not exist in {tz} (a clock change skips it)"),
                )),
            };
        }
        utc_date(&s)
            .map(Some)
            .ok_or_else(|| self.error(field, format!("`{s}` is not a date YYYY-MM-DD HH:MM:SS")))
    }

    /// The record's fields left after the mapped ones were taken out,
    /// with `sys_id` (as plain text, also when fetched as `{value,
    /// display_value}`): a field named like one of the document's own
    /// (`reserved`) or [`SHADOWED`] goes into the object [`SHADOWED`].
    pub fn into_extra(self, mapped: &[&str], reserved: &BTreeSet<String>) -> Extra {
        let mut extra = Extra::new();
        let mut shadowed = Extra::new();
        for (k, v) in self.fields {
            if k == "sys_id" {
                // The record's identity, as plain text in every value mode.
                extra.insert(k, Value::String(self.sys_id.clone()));
                continue;
            }
            if mapped.contains(&k.as_str()) {
                continue;
            }
            if k == SHADOWED || reserved.contains(&k) {
                shadowed.insert(k, v);
            } else {
                extra.insert(k, v);
            }
        }
        if !shadowed.is_empty() {
            extra.insert(SHADOWED.into(), Value::Object(shadowed));
        }
        extra
    }
}

/// `YYYY-MM-DD HH:MM:SS` (exactly: chrono alone would also take a signed
/// or short year) as a UTC timestamp.
pub(crate) fn utc_date(s: &str) -> Option<Timestamp> {
    let well_formed = s.len() == 19
        && s.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b' ',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    if !well_formed {
        return None;
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|d| Timestamp::from_utc(d.and_utc()))
}

/// A ServiceNow date or time format (`yyyy-MM-dd`, `HH:mm:ss`) in
/// chrono's notation; `None` for a letter relman does not read.
pub(crate) fn chrono_format(sn: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = sn.chars().peekable();
    while let Some(c) = chars.next() {
        let mut n = 1u32;
        while chars.next_if_eq(&c).is_some() {
            n = n.saturating_add(1);
        }
        let token = match (c, n) {
            ('y', 4) => "%Y",
            ('y', 2) => "%y",
            ('M', 2) => "%m",
            ('M', 3) => "%b",
            ('d', 2) => "%d",
            ('H', 2) => "%H",
            ('h', 2) => "%I",
            ('m', 2) => "%M",
            ('s', 2) => "%S",
            ('a', 1) => "%p",
            (c, _) if c.is_ascii_alphabetic() => return None,
            _ => "",
        };
        if token.is_empty() {
            for _ in 0..n {
                if c == '%' {
                    out.push_str("%%");
                } else {
                    out.push(c);
                }
            }
        } else {
            out.push_str(token);
        }
    }
    Some(out)
}

/// Records of one table by sys_id and by display name, to resolve
/// references in any value mode.
#[derive(Default)]
pub(crate) struct Index {
    by_sys: HashMap<String, usize>,
    by_name: HashMap<String, Vec<usize>>,
    /// The sys_ids, in order (to name the records of an ambiguous name).
    sys_ids: Vec<String>,
    /// Whether the table was given at all.
    pub given: bool,
}

impl Index {
    /// An empty index of a table `given` or not.
    pub fn new(given: bool) -> Self {
        Index {
            given,
            ..Index::default()
        }
    }

    /// Adds record `sys_id`, displayed as `name`; `Err` with the index of
    /// the earlier record of the same sys_id.
    pub fn add(&mut self, sys_id: &str, name: Option<&str>) -> std::result::Result<usize, usize> {
        let i = self.sys_ids.len();
        if let Some(&earlier) = self.by_sys.get(sys_id) {
            return Err(earlier);
        }
        self.by_sys.insert(sys_id.to_string(), i);
        if let Some(n) = name {
            self.by_name.entry(n.to_string()).or_default().push(i);
        }
        self.sys_ids.push(sys_id.to_string());
        Ok(i)
    }

    /// Resolves the reference `field` of `row` to a record of this table
    /// (`what` names it in errors): by sys_id, or by display name for
    /// display-only rows (one name, one record). `Ok(None)` for an unset
    /// field or, when the table was not given, an unknown reference.
    pub fn resolve(
        &self,
        r: &Reading<'_>,
        row: &Row,
        field: &str,
        what: &str,
    ) -> Result<Option<usize>> {
        let Some(v) = row.value_of(field)? else {
            return Ok(None);
        };
        if r.mode == DisplayValue::True {
            return match self.by_name.get(&v).map(Vec::as_slice) {
                Some([one]) => Ok(Some(*one)),
                Some(many) => {
                    let ids: Vec<&str> = many
                        .iter()
                        .filter_map(|&i| self.sys_ids.get(i).map(String::as_str))
                        .collect();
                    Err(row.error(
                        field,
                        format!(
                            "`{v}` names {} {what} records (sys_ids {}); display names cannot tell them apart: fetch with sysparm_display_value=false or all",
                            many.len(),
                            ids.join(", ")
                        ),
                    ))
                }
                None if self.given => Err(row.error(
                    field,
                    format!("references `{v}`, which is not among the {what} records"),
                )),
                None => Err(row.error(
                    field,
                    format!("`{v}` is a display name; display-only rows need the {what} records to resolve it"),
                )),
            };
        }
        match self.by_sys.get(&v) {
            Some(&i) => Ok(Some(i)),
            None if self.given => Err(row.error(
                field,
                format!("references {what} `{v}`, which is not among the {what} records"),
            )),
            None => Ok(None),
        }
    }

    /// Resolves the reference `field` like [`Index::resolve`], but a
    /// value naming no record (or, by display name, several) is `None`:
    /// for references that may point outside the tables imported.
    pub fn resolve_quiet(&self, r: &Reading<'_>, row: &Row, field: &str) -> Result<Option<usize>> {
        let Some(v) = row.value_of(field)? else {
            return Ok(None);
        };
        if r.mode == DisplayValue::True {
            return Ok(match self.by_name.get(&v).map(Vec::as_slice) {
                Some([one]) => Some(*one),
                _ => None,
            });
        }
        Ok(self.by_sys.get(&v).copied())
    }

    /// The sys_id of record `i`.
    pub fn sys_id(&self, i: usize) -> Option<&str> {
        self.sys_ids.get(i).map(String::as_str)
    }

    /// The sys_id of the reference `field` when it names no record of a
    /// table not given (value modes): the reference kept as is.
    pub fn unresolved(&self, r: &Reading<'_>, row: &Row, field: &str) -> Result<Option<String>> {
        if self.given || r.mode == DisplayValue::True {
            return Ok(None);
        }
        row.value_of(field)
    }
}
