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
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

/// A hash map with a faster hasher than SipHash for the import's
/// per-record bookkeeping, still seeded per map (foldhash).
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::rc::Rc;

/// How to read the values of every row: the mode, and for display-only
/// rows the user's zone and date-time format (chrono notation).
pub(crate) struct Reading<'a> {
    pub mode: DisplayValue,
    /// The zone and the `%`-format of display-only dates, when given.
    pub local: Option<(Tz, String)>,
    pub mapping: &'a ServiceNowPolicy,
}

/// One record of a table, owned, with what errors need to name it.
pub(crate) struct Row<'a> {
    /// The record's fields, but for those in `slots`: by name (sorted,
    /// one each, as in a map) once the row is [`Row::finish`]ed.
    fields: Vec<(String, Value)>,
    /// The fields the import reads of this table ([`slot_names`]), in that
    /// order: read without a map entry (and, from text, without
    /// allocating their keys).
    slots: Vec<Option<Slot<'a>>>,
    /// The names of `slots`.
    names: &'static Slots,
    /// Whether the records were under `result` (for the path).
    under_result: bool,
    /// The record's index in its list (for the path).
    index: usize,
    /// The ServiceNow table.
    pub table: &'static str,
    /// `change_request CHG0030001 (sys_id …)`: kept by the lists that
    /// name earlier records in errors, written only for an error.
    pub name: Name<'a>,
    /// The record's sys_id (required of every record), borrowed from the
    /// table's text where it can be.
    pub sys_id: Cow<'a, str>,
}

/// How errors name a record: `change_request CHG0030001 (sys_id …)`,
/// `change_request CHG0030001`, `change_request sys_id …` or
/// `change_request record 3`; written only when an error needs it, and
/// cheap to keep (no copy of the text).
#[derive(Clone)]
pub(crate) enum Name<'a> {
    /// A record not yet checked ([`Row::finish`]): written empty.
    Unnamed,
    /// A record of `table`, the `index`-th of its list.
    Record {
        table: &'static str,
        index: usize,
        number: Option<Text<'a>>,
        sys_id: Option<Text<'a>>,
    },
}

impl std::fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Name::Record {
            table,
            index,
            number,
            sys_id,
        } = self
        else {
            return Ok(());
        };
        match (number, sys_id) {
            (Some(n), Some(s)) => write!(f, "{table} {n} (sys_id {s})"),
            (Some(n), None) => write!(f, "{table} {n}"),
            (None, Some(s)) => write!(f, "{table} sys_id {s}"),
            (None, None) => write!(f, "{table} record {index}"),
        }
    }
}

/// Text of a [`Name`]: borrowed from the table's text, or shared.
#[derive(Clone)]
pub(crate) enum Text<'a> {
    /// Borrowed from the table's text.
    Borrowed(&'a str),
    /// Read from a value, or with escapes.
    Shared(Rc<str>),
}

impl<'a> From<Cow<'a, str>> for Text<'a> {
    fn from(s: Cow<'a, str>) -> Self {
        match s {
            Cow::Borrowed(s) => Text::Borrowed(s),
            Cow::Owned(s) => Text::Shared(Rc::from(s)),
        }
    }
}

impl std::fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Text::Borrowed(s) => s,
            Text::Shared(s) => s,
        })
    }
}

/// A field the import reads: text (borrowed from the table's JSON text
/// where it has no escapes), or any other value.
pub(crate) enum Slot<'a> {
    /// A string.
    Str(Cow<'a, str>),
    /// Anything else, or a string of a table given as a value.
    Value(Value),
    /// An object read from text (`{value, display_value, link}`): its
    /// members in the order given (the last of equal keys counts), none an
    /// object of this kind.
    Obj(Vec<(Cow<'a, str>, Slot<'a>)>),
}

impl Slot<'_> {
    /// As a value.
    fn into_value(self) -> Value {
        match self {
            Slot::Str(s) => Value::String(s.into_owned()),
            Slot::Value(v) => v,
            Slot::Obj(members) => Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_value()))
                    .collect(),
            ),
        }
    }

    /// Its nesting depth, as [`field_depth`] counts it.
    fn depth(&self) -> u64 {
        match self {
            Slot::Str(_) => 0,
            Slot::Value(v) => field_depth(v),
            Slot::Obj(members) => members
                .iter()
                .map(|(_, v)| v.depth())
                .max()
                .unwrap_or(0)
                .saturating_add(1),
        }
    }
}

/// The member `key` of an object read from text (the last one given).
fn member<'s, 'a>(members: &'s [(Cow<'a, str>, Slot<'a>)], key: &str) -> Option<&'s Slot<'a>> {
    members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The text of a scalar member: [`scalar_str`] for a slot.
fn scalar_slot<'s>(v: &'s Slot<'_>) -> Option<Option<Cow<'s, str>>> {
    match v {
        Slot::Str(s) => Some((!blank(s)).then_some(Cow::Borrowed(s.as_ref()))),
        Slot::Value(v) => scalar_str(v),
        Slot::Obj(_) => None,
    }
}

/// A field as given: text, or a value.
pub(crate) enum FieldRef<'r> {
    /// A string.
    Str(&'r str),
    /// Any value.
    Value(&'r Value),
    /// An object read from text.
    Obj(&'r [(Cow<'r, str>, Slot<'r>)]),
}

impl FieldRef<'_> {
    /// As an owned value.
    pub fn to_value(&self) -> Value {
        match self {
            FieldRef::Str(s) => Value::String((*s).to_string()),
            FieldRef::Value(v) => (*v).clone(),
            FieldRef::Obj(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.to_string(), FieldRef::of(v).to_value()))
                    .collect(),
            ),
        }
    }

    /// A slot as given.
    fn of<'r>(slot: &'r Slot<'_>) -> FieldRef<'r> {
        match slot {
            Slot::Str(s) => FieldRef::Str(s),
            Slot::Value(v) => FieldRef::Value(v),
            Slot::Obj(members) => FieldRef::Obj(members),
        }
    }
}

/// Whether two field names are equal, compared inline: names are short
/// and mostly differ in length or first byte, where a call to `memcmp`
/// per candidate costs more than the comparison.
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// Blank text (empty or whitespace only): an unset field.
fn blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

/// The slots of a table ([`slot_names`]), with a small hash table to find
/// a field among them with one or two name comparisons (a field is looked
/// up many times per record, and every key of a record read from text).
pub(crate) struct Slots {
    /// The names, in slot order.
    names: &'static [&'static str],
    /// Open addressing over [`bucket`]: a name's index + 1, 0 for empty.
    table: [u8; SLOT_BUCKETS],
}

/// The buckets of [`Slots`]: more than twice the most slots of a table.
const SLOT_BUCKETS: usize = 64;

/// The bucket of a field name: its length, first and last byte.
fn bucket(s: &str) -> usize {
    let b = s.as_bytes();
    let first = usize::from(b.first().copied().unwrap_or(0));
    let last = usize::from(b.last().copied().unwrap_or(0));
    (b.len().wrapping_mul(7) ^ first.wrapping_mul(3) ^ last.wrapping_mul(13)) % SLOT_BUCKETS
}

impl Slots {
    /// The slots `names` with their lookup table.
    fn new(names: &'static [&'static str]) -> Slots {
        let mut table = [0u8; SLOT_BUCKETS];
        for (i, n) in names.iter().enumerate() {
            let Ok(entry) = u8::try_from(i.saturating_add(1)) else {
                break;
            };
            let mut h = bucket(n);
            for _ in 0..SLOT_BUCKETS {
                match table.get_mut(h) {
                    Some(e) if *e == 0 => {
                        *e = entry;
                        break;
                    }
                    _ => h = h.wrapping_add(1) % SLOT_BUCKETS,
                }
            }
        }
        Slots { names, table }
    }

    /// The index of `field` among the slots.
    fn position(&self, field: &str) -> Option<usize> {
        let mut h = bucket(field);
        for _ in 0..SLOT_BUCKETS {
            let entry = usize::from(*self.table.get(h)?);
            let i = entry.checked_sub(1)?;
            if same_name(self.names.get(i)?, field) {
                return Some(i);
            }
            h = h.wrapping_add(1) % SLOT_BUCKETS;
        }
        None
    }

    /// How many slots.
    fn len(&self) -> usize {
        self.names.len()
    }
}

/// The slots of table `table`, with their lookup built once.
pub(crate) fn slots(table: &str) -> &'static Slots {
    macro_rules! built {
        () => {{
            static SLOTS: std::sync::OnceLock<Slots> = std::sync::OnceLock::new();
            SLOTS.get_or_init(|| Slots::new(slot_names(table)))
        }};
    }
    match table {
        "change_request" => built!(),
        "rm_release" | "rm_release_scrum" => built!(),
        "cmdb_ci" => built!(),
        "sys_user" => built!(),
        "task_ci" => built!(),
        "cmdb_rel_ci" => built!(),
        "sys_user_grmember" => built!(),
        _ => built!(),
    }
}

/// The fields the import reads of each table: held apart from the other
/// fields of a record (see [`Row`]). Any field may be listed: one the
/// import keeps in `extra` goes there all the same.
pub(crate) fn slot_names(table: &str) -> &'static [&'static str] {
    match table {
        "change_request" => &[
            "number",
            "sys_id",
            "type",
            "short_description",
            "category",
            "cmdb_ci",
            "assigned_to",
            "approval",
            "start_date",
            "end_date",
            "state",
            "risk",
            "impact",
            "priority",
            "parent",
            "backout_plan",
            "test_plan",
            "implementation_plan",
            "justification",
            "assignment_group",
            "sys_created_on",
        ],
        "rm_release" | "rm_release_scrum" => &[
            "number",
            "sys_id",
            "short_description",
            "description",
            "state",
            "planned_start_date",
            "planned_end_date",
            "start_date",
            "end_date",
            "assigned_to",
            "priority",
            "assignment_group",
            "sys_created_on",
        ],
        "cmdb_ci" => &[
            "number",
            "sys_id",
            "name",
            "sys_class_name",
            "business_criticality",
            "support_group",
            "environment",
            "maintenance_schedule",
        ],
        "sys_user" => &["number", "sys_id", "user_name", "name", "email"],
        "task_ci" => &["number", "sys_id", "task", "ci_item"],
        "cmdb_rel_ci" => &["number", "sys_id", "parent", "child", "type"],
        "sys_user_grmember" => &["number", "sys_id", "user", "group"],
        _ => &["number", "sys_id"],
    }
}

/// One table's records as read from JSON text ([`read_rows`]): the
/// records, or the first error of their shape, which the import reports
/// when it comes to the table (as it would for the table as a value).
pub(crate) type ReadRows<'a> = Result<Vec<Row<'a>>>;

/// A table as given: a value, or records read from text.
pub(crate) enum Source<'a> {
    /// A value (`{"result": [...]}` or a list).
    Value(Value),
    /// Records read from text.
    Rows(ReadRows<'a>),
}

/// The message of a table that is neither `{"result": [...]}` nor a list.
const NOT_A_TABLE: &str = "expected a Table API response {\"result\": [...]} or a list of records";

/// The records of table `table` (`{"result": [...]}` or a bare list),
/// each checked to be an object with a `sys_id`, not nested deeper than
/// the schedule can hold.
pub(crate) fn rows<'a>(table: &'static str, source: Option<Source<'a>>) -> Result<Vec<Row<'a>>> {
    let value = match source {
        None => return Ok(Vec::new()),
        Some(Source::Rows(rows)) => return rows,
        Some(Source::Value(value)) => value,
    };
    let (list, under_result) = match value {
        Value::Array(list) => (list, false),
        Value::Object(mut o) => match o.remove("result") {
            Some(Value::Array(list)) => (list, true),
            _ => return Err(Error::invalid_input(format!("tables.{table}"), NOT_A_TABLE)),
        },
        _ => return Err(Error::invalid_input(format!("tables.{table}"), NOT_A_TABLE)),
    };
    let names = slots(table);
    let mut out = Vec::with_capacity(list.len());
    for (index, r) in list.into_iter().enumerate() {
        let mut row = Row {
            fields: Vec::new(),
            slots: Vec::new(),
            names,
            under_result,
            index,
            table,
            name: Name::Unnamed,
            sys_id: Cow::Borrowed(""),
        };
        let Value::Object(mut fields) = r else {
            return Err(Error::invalid_input(
                row.path(),
                "a record must be an object",
            ));
        };
        row.slots = names
            .names
            .iter()
            .map(|n| fields.remove(*n).map(Slot::Value))
            .collect();
        row.fields = fields.into_iter().collect();
        out.push(row.finish()?);
    }
    Ok(out)
}

/// The nesting depth of a field's value ([`limits::depth`], without its
/// allocation for a scalar).
fn field_depth(v: &Value) -> u64 {
    if v.is_array() || v.is_object() {
        limits::depth(v, MAX_RECORD_DEPTH)
    } else {
        0
    }
}

/// The text of a stored value: a string, a number or boolean spelled out;
/// blank is unset.
fn scalar_str(v: &Value) -> Option<Option<Cow<'_, str>>> {
    let s: Cow<'_, str> = match v {
        Value::String(s) => Cow::Borrowed(s.as_str()),
        Value::Number(n) => Cow::Owned(n.to_string()),
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Value::Null => return Some(None),
        _ => return None,
    };
    Some((!blank(&s)).then_some(s))
}

impl<'a> Row<'a> {
    /// The checks of a record read: not nested deeper than the schedule
    /// can hold, a scalar `number` and a `sys_id`; names the record.
    fn finish(mut self) -> Result<Row<'a>> {
        // The fields as a map holds them: by name, the last of equal
        // names (read from text, they are in the order given).
        if self.fields.len() > 1 {
            self.fields.sort_by(|a, b| a.0.cmp(&b.0));
            self.fields.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    std::mem::swap(&mut later.1, &mut kept.1);
                }
                same
            });
        }
        // A record lands deeper in the schedule than in its table; it must
        // still be readable there.
        let depth = self
            .fields
            .iter()
            .map(|(_, v)| field_depth(v))
            .chain(self.slots.iter().flatten().map(Slot::depth))
            .max()
            .unwrap_or(0)
            .saturating_add(1);
        if depth > MAX_RECORD_DEPTH {
            return Err(limits::exceeded(
                self.path(),
                "JSON nesting depth of a record (it is nested deeper in the schedule)",
                MAX_RECORD_DEPTH,
                depth,
            ));
        }
        let table = self.table;
        let i = self.index;
        let number = self.text_of("number")?;
        let sys_id = self.text_of("sys_id")?;
        self.name = Name::Record {
            table,
            index: i,
            number: number.map(Text::from),
            sys_id: sys_id.clone().map(Text::from),
        };
        self.sys_id = match sys_id {
            Some(s) => s,
            None => return Err(self.error("sys_id", "missing")),
        };
        Ok(self)
    }

    /// `tables.change_request.result[3]`.
    pub fn path(&self) -> String {
        let (table, i) = (self.table, self.index);
        if self.under_result {
            format!("tables.{table}.result[{i}]")
        } else {
            format!("tables.{table}[{i}]")
        }
    }

    /// The field `field` as given.
    pub fn get(&self, field: &str) -> Option<FieldRef<'_>> {
        match self.slot_index(field) {
            Some(i) => self.slots.get(i)?.as_ref().map(FieldRef::of),
            None => self
                .fields
                .binary_search_by(|(k, _)| k.as_str().cmp(field))
                .ok()
                .and_then(|i| self.fields.get(i))
                .map(|(_, v)| FieldRef::Value(v)),
        }
    }

    /// The index of `field` among the slots.
    fn slot_index(&self, field: &str) -> Option<usize> {
        self.names.position(field)
    }

    /// `invalid_input` at this record's `field`, naming the record.
    pub fn error(&self, field: &str, message: impl std::fmt::Display) -> Error {
        Error::InvalidInput {
            problems: vec![Problem::new(
                self.at(field),
                format!("{} field `{field}`: {message}", self.name),
            )],
        }
    }

    /// The path of `field`.
    pub fn at(&self, field: &str) -> String {
        format!("{}.{field}", self.path())
    }

    /// The stored value of a field: a string (or number, boolean), or the
    /// `value` of a `{value, display_value, link}` object; blank and null
    /// are unset. An array, or an object without a scalar `value`, is an
    /// error naming the field (it would otherwise become "").
    pub fn value_of(&self, field: &str) -> Result<Option<String>> {
        Ok(self.str_of(field)?.map(Cow::into_owned))
    }

    /// [`Row::str_of`], borrowed from the table's text (not from the row)
    /// where the field was read from it as a string without escapes.
    pub fn text_of(&self, field: &str) -> Result<Option<Cow<'a, str>>> {
        if let Some(Some(Slot::Str(Cow::Borrowed(s)))) =
            self.slot_index(field).and_then(|i| self.slots.get(i))
        {
            let s: &'a str = s;
            return Ok((!blank(s)).then_some(Cow::Borrowed(s)));
        }
        Ok(self.str_of(field)?.map(|s| Cow::Owned(s.into_owned())))
    }

    /// [`Row::value_of`], borrowed where it can be.
    pub fn str_of(&self, field: &str) -> Result<Option<Cow<'_, str>>> {
        let v = match self.get(field) {
            None => return Ok(None),
            Some(FieldRef::Str(s)) => return Ok((!blank(s)).then_some(Cow::Borrowed(s))),
            Some(FieldRef::Value(v)) => v,
            Some(FieldRef::Obj(members)) => return match member(members, "value") {
                Some(inner) => scalar_slot(inner).ok_or_else(|| {
                    self.error(field, "its `value` must be a string, number or boolean")
                }),
                None if member(members, "display_value").is_some() => Ok(None),
                None => Err(self.error(
                    field,
                    "an object without `value`; expected a string or {value, display_value, link}",
                )),
            },
        };
        if let Some(s) = scalar_str(v) {
            return Ok(s);
        }
        match v {
            Value::Object(o) => match o.get("value") {
                Some(inner) => scalar_str(inner).ok_or_else(|| {
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
        match self.get(field) {
            Some(FieldRef::Value(Value::Object(o))) => {
                if let Some(d) = o.get("display_value").and_then(scalar_str).flatten() {
                    return Ok(Some(d.into_owned()));
                }
            }
            Some(FieldRef::Obj(members)) => {
                if let Some(d) = member(members, "display_value")
                    .and_then(scalar_slot)
                    .flatten()
                {
                    return Ok(Some(d.into_owned()));
                }
            }
            _ => {}
        }
        self.value_of(field)
    }

    /// A choice field as its stored code: for display-only rows the label
    /// is turned back into the code (`Scheduled` → `-2`) by the mapping's
    /// labels; an unknown label is an error.
    pub fn choice(&self, r: &Reading<'_>, field: &str) -> Result<Option<String>> {
        Ok(self.choice_str(r, field)?.map(Cow::into_owned))
    }

    /// [`Row::choice`], borrowed where it can be.
    pub fn choice_str(&self, r: &Reading<'_>, field: &str) -> Result<Option<Cow<'_, str>>> {
        let Some(v) = self.str_of(field)? else {
            return Ok(None);
        };
        if r.mode != DisplayValue::True {
            return Ok(Some(v));
        }
        r.mapping
            .label_value(self.table, field, &v)
            .map(|c| Some(Cow::Owned(c)))
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
        let Some(c) = self.choice_str(r, field)? else {
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
        let Some(s) = self.str_of(field)? else {
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
    /// (`reserved`) or [`SHADOWED`] goes into the object [`SHADOWED`]
    /// (`plan` says which fields are which).
    pub fn into_extra(self, plan: &ExtraPlan<'_>) -> Extra {
        let Row {
            fields,
            slots,
            names,
            sys_id,
            ..
        } = self;
        let mut extra = Extra::new();
        let mut shadowed = Extra::new();
        // The slots' uses, computed here for rows of another table.
        let uses: Cow<'_, [Use]> = if std::ptr::eq(plan.names, names) {
            Cow::Borrowed(&plan.uses)
        } else {
            Cow::Owned(names.names.iter().map(|n| plan.use_of(n)).collect())
        };
        let mut sys_id = Some(sys_id);
        let mut out = (&mut extra, &mut shadowed, &mut sys_id);
        for ((name, slot), use_) in names.names.iter().zip(slots).zip(uses.iter()) {
            if let Some(slot) = slot {
                place(
                    &mut out,
                    *use_,
                    || (*name).to_string(),
                    || slot.into_value(),
                );
            }
        }
        for (k, v) in fields {
            place(&mut out, plan.use_of(&k), || k, || v);
        }
        if !shadowed.is_empty() {
            extra.insert(SHADOWED.into(), Value::Object(shadowed));
        }
        extra
    }
}

/// Puts one field of a record where its use says ([`Row::into_extra`]):
/// the record's `sys_id` as plain text, a kept field into `extra`, a
/// shadowed one aside; its name and value are built only when kept.
fn place(
    (extra, shadowed, sys_id): &mut (&mut Extra, &mut Extra, &mut Option<Cow<'_, str>>),
    use_: Use,
    name: impl FnOnce() -> String,
    value: impl FnOnce() -> Value,
) {
    match use_ {
        // The record's identity, as plain text in every value mode.
        Use::SysId => {
            extra.insert(
                "sys_id".into(),
                Value::String(sys_id.take().map(Cow::into_owned).unwrap_or_default()),
            );
        }
        Use::Mapped => {}
        Use::Shadowed => {
            shadowed.insert(name(), value());
        }
        Use::Kept => {
            extra.insert(name(), value());
        }
    }
}

/// What [`Row::into_extra`] does with a field of a record.
#[derive(Clone, Copy)]
enum Use {
    /// `sys_id`: kept as plain text.
    SysId,
    /// Mapped onto the document: left out.
    Mapped,
    /// Named like a member of the document, or [`SHADOWED`]: kept under
    /// [`SHADOWED`].
    Shadowed,
    /// Kept in `extra` under its own name.
    Kept,
}

/// Where [`Row::into_extra`] puts each field of a table's records: the
/// fields mapped onto the document (left out) and the document's own
/// member names (`reserved`, kept under [`SHADOWED`]); for the table's
/// slots ([`slot_names`]) decided once, not per record.
pub(crate) struct ExtraPlan<'p> {
    mapped: &'p [&'p str],
    reserved: &'p BTreeSet<String>,
    /// The slots of the table the plan was made for.
    names: &'static Slots,
    /// The use of each of `names`.
    uses: Vec<Use>,
}

impl<'p> ExtraPlan<'p> {
    /// The plan for the records of `table`.
    pub fn new(table: &str, mapped: &'p [&'p str], reserved: &'p BTreeSet<String>) -> Self {
        let names = slots(table);
        let mut plan = ExtraPlan {
            mapped,
            reserved,
            names,
            uses: Vec::new(),
        };
        plan.uses = names.names.iter().map(|n| plan.use_of(n)).collect();
        plan
    }

    /// The use of field `k`.
    fn use_of(&self, k: &str) -> Use {
        if k == "sys_id" {
            Use::SysId
        } else if self.mapped.iter().any(|m| same_name(m, k)) {
            Use::Mapped
        } else if k == SHADOWED || self.reserved.contains(k) {
            Use::Shadowed
        } else {
            Use::Kept
        }
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
    // The digits are checked: read them directly (chrono's format parser
    // is the slow part of a record); a leap second goes to chrono.
    let num = |from: usize, to: usize| -> Option<u32> { s.get(from..to)?.parse().ok() };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if second < 60 {
        let year = i32::try_from(year).ok()?;
        return chrono::NaiveDate::from_ymd_opt(year, month, day)
            .and_then(|d| d.and_hms_opt(hour, minute, second))
            .map(|d| Timestamp::from_utc(d.and_utc()));
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
/// The sys_ids are borrowed from the tables' text where they can be.
pub(crate) struct Index<'a> {
    by_sys: FastMap<Cow<'a, str>, usize>,
    /// Kept for display-only rows only, the one mode that resolves by
    /// display name.
    by_name: FastMap<String, Vec<usize>>,
    /// The sys_ids, in order (to name the records of an ambiguous name).
    sys_ids: Vec<Cow<'a, str>>,
    /// Whether `by_name` is kept.
    by_display: bool,
    /// Whether the table was given at all.
    pub given: bool,
}

impl<'a> Index<'a> {
    /// An empty index of a table `given` or not, for rows read as `mode`.
    pub fn new(given: bool, mode: DisplayValue) -> Self {
        Index {
            by_sys: FastMap::default(),
            by_name: FastMap::default(),
            sys_ids: Vec::new(),
            by_display: mode == DisplayValue::True,
            given,
        }
    }

    /// Adds record `sys_id`, displayed as `name`; `Err` with the index of
    /// the earlier record of the same sys_id.
    pub fn add(
        &mut self,
        sys_id: Cow<'a, str>,
        name: Option<&str>,
    ) -> std::result::Result<usize, usize> {
        let i = self.sys_ids.len();
        if let Some(&earlier) = self.by_sys.get(sys_id.as_ref()) {
            return Err(earlier);
        }
        self.by_sys.insert(sys_id.clone(), i);
        if let (Some(n), true) = (name, self.by_display) {
            self.by_name.entry(n.to_string()).or_default().push(i);
        }
        self.sys_ids.push(sys_id);
        Ok(i)
    }

    /// Resolves the reference `field` of `row` to a record of this table
    /// (`what` names it in errors): by sys_id, or by display name for
    /// display-only rows (one name, one record). `Ok(None)` for an unset
    /// field or, when the table was not given, an unknown reference.
    pub fn resolve(
        &self,
        r: &Reading<'_>,
        row: &Row<'_>,
        field: &str,
        what: &str,
    ) -> Result<Option<usize>> {
        let Some(v) = row.str_of(field)? else {
            return Ok(None);
        };
        if r.mode == DisplayValue::True {
            return match self.by_name.get(v.as_ref()).map(Vec::as_slice) {
                Some([one]) => Ok(Some(*one)),
                Some(many) => {
                    let ids: Vec<&str> = many
                        .iter()
                        .filter_map(|&i| self.sys_ids.get(i).map(AsRef::as_ref))
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
        match self.by_sys.get(v.as_ref()) {
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
    pub fn resolve_quiet(
        &self,
        r: &Reading<'_>,
        row: &Row<'_>,
        field: &str,
    ) -> Result<Option<usize>> {
        let Some(v) = row.str_of(field)? else {
            return Ok(None);
        };
        if r.mode == DisplayValue::True {
            return Ok(match self.by_name.get(v.as_ref()).map(Vec::as_slice) {
                Some([one]) => Some(*one),
                _ => None,
            });
        }
        Ok(self.by_sys.get(v.as_ref()).copied())
    }

    /// The sys_id of record `i`.
    pub fn sys_id(&self, i: usize) -> Option<&str> {
        self.sys_ids.get(i).map(AsRef::as_ref)
    }

    /// The sys_id of the reference `field` when it names no record of a
    /// table not given (value modes): the reference kept as is.
    pub fn unresolved(
        &self,
        r: &Reading<'_>,
        row: &Row<'_>,
        field: &str,
    ) -> Result<Option<String>> {
        if self.given || r.mode == DisplayValue::True {
            return Ok(None);
        }
        row.value_of(field)
    }
}

/// Reads table `table` from JSON text straight into its records: no
/// [`Value`] for the response or a record, none for the fields the import
/// reads and no allocated key for them ([`slot_names`]). The outer `Err`
/// is text that is not JSON (as `serde_json` reports it); a wrong shape
/// (not `{"result": [...]}` or a list, a record that is not an object, a
/// record without `sys_id`, …) is the inner `Err`, the same error the
/// import gives for the table as a value, after the whole text was read.
pub(crate) fn read_rows<'a>(
    table: &'static str,
    de: &mut serde_json::Deserializer<serde_json::de::StrRead<'a>>,
) -> std::result::Result<ReadRows<'a>, serde_json::Error> {
    serde::de::DeserializeSeed::deserialize(TableSeed { table }, de)
}

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The whole table: `{"result": [...]}` or a list.
struct TableSeed {
    table: &'static str,
}

impl TableSeed {
    fn not_a_table<'a>(&self) -> ReadRows<'a> {
        Err(Error::invalid_input(
            format!("tables.{}", self.table),
            NOT_A_TABLE,
        ))
    }
}

impl<'de> DeserializeSeed<'de> for TableSeed {
    type Value = ReadRows<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<ReadRows<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

/// The scalar visits of a visitor that wants a list or an object: the
/// value is `$bad`.
macro_rules! refuse_scalars {
    ($bad:ident, $out:ty) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<$out, E> {
            Ok(self.$bad())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<$out, E> {
            Ok(self.$bad())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<$out, E> {
            Ok(self.$bad())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<$out, E> {
            Ok(self.$bad())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<$out, E> {
            Ok(self.$bad())
        }
        fn visit_unit<E: de::Error>(self) -> std::result::Result<$out, E> {
            Ok(self.$bad())
        }
        fn visit_none<E: de::Error>(self) -> std::result::Result<$out, E> {
            Ok(self.$bad())
        }
    };
}

impl<'de> Visitor<'de> for TableSeed {
    type Value = ReadRows<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a Table API response or a list of records")
    }

    refuse_scalars!(not_a_table, ReadRows<'de>);

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<ReadRows<'de>, A::Error> {
        records(self.table, false, seq)
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<ReadRows<'de>, A::Error> {
        // The last `result` counts, as it would in a `Value`.
        let mut result = None;
        while let Some(key) = map.next_key::<KeyIsResult>()? {
            if key.0 {
                result = Some(map.next_value_seed(ResultSeed { table: self.table })?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(result.unwrap_or_else(|| self.not_a_table()))
    }
}

/// Whether a key of the response is `result`.
struct KeyIsResult(bool);

impl<'de> serde::Deserialize<'de> for KeyIsResult {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyIsResult;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<KeyIsResult, E> {
                Ok(KeyIsResult(s == "result"))
            }
        }
        d.deserialize_str(V)
    }
}

/// The value of `result`: the list of records.
struct ResultSeed {
    table: &'static str,
}

impl ResultSeed {
    fn not_a_table<'a>(&self) -> ReadRows<'a> {
        TableSeed { table: self.table }.not_a_table()
    }
}

impl<'de> DeserializeSeed<'de> for ResultSeed {
    type Value = ReadRows<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<ReadRows<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResultSeed {
    type Value = ReadRows<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of records")
    }

    refuse_scalars!(not_a_table, ReadRows<'de>);

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<ReadRows<'de>, A::Error> {
        records(self.table, true, seq)
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<ReadRows<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(self.not_a_table())
    }
}

/// The records of a list, each checked as [`rows`] checks it; after the
/// first bad one the rest is only read.
fn records<'de, A: SeqAccess<'de>>(
    table: &'static str,
    under_result: bool,
    mut seq: A,
) -> std::result::Result<ReadRows<'de>, A::Error> {
    let names = slots(table);
    let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
    let mut index = 0usize;
    let mut failed = None;
    while failed.is_none() {
        let row = Row {
            fields: Vec::new(),
            slots: Vec::new(),
            names,
            under_result,
            index,
            table,
            name: Name::Unnamed,
            sys_id: Cow::Borrowed(""),
        };
        let Some(read) = seq.next_element_seed(RecordSeed(row))? else {
            break;
        };
        match read.and_then(Row::finish) {
            Ok(row) => out.push(row),
            Err(e) => failed = Some(e),
        }
        index = index.saturating_add(1);
    }
    if let Some(e) = failed {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        return Ok(Err(e));
    }
    Ok(Ok(out))
}

/// One record, read into a [`Row`] (not yet [`Row::finish`]ed).
struct RecordSeed<'de>(Row<'de>);

impl<'de> RecordSeed<'de> {
    fn not_an_object(&self) -> Result<Row<'de>> {
        Err(Error::invalid_input(
            self.0.path(),
            "a record must be an object",
        ))
    }
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'de> {
    type Value = Result<Row<'de>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Result<Row<'de>>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'de> {
    type Value = Result<Row<'de>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a record")
    }

    refuse_scalars!(not_an_object, Result<Row<'de>>);

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Result<Row<'de>>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(self.not_an_object())
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Result<Row<'de>>, A::Error> {
        let mut row = self.0;
        row.slots = Vec::with_capacity(row.names.len());
        row.slots.resize_with(row.names.len(), || None);
        while let Some(key) = map.next_key_seed(FieldKey(row.names))? {
            match key {
                Field::Slot(i) => {
                    let value = map.next_value_seed(SlotSeed { top: true })?;
                    if let Some(slot) = row.slots.get_mut(i) {
                        *slot = Some(value);
                    }
                }
                Field::Other(k) => {
                    let value: Value = map.next_value()?;
                    row.fields.push((k, value));
                }
            }
        }
        Ok(Ok(row))
    }
}

/// The value of a slot: a string borrowed where it can be, an object (at
/// the `top` only) as [`Slot::Obj`], anything else the [`Value`]
/// `serde_json` makes of it.
struct SlotSeed {
    top: bool,
}

impl<'de> DeserializeSeed<'de> for SlotSeed {
    type Value = Slot<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Slot<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SlotSeed {
    type Value = Slot<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> std::result::Result<Slot<'de>, E> {
        Ok(Slot::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Slot<'de>, E> {
        Ok(Slot::Str(Cow::Owned(s.to_string())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> std::result::Result<Slot<'de>, E> {
        Ok(Slot::Str(Cow::Owned(s)))
    }
    // As `Value`'s own visitor makes them.
    fn visit_bool<E: de::Error>(self, b: bool) -> std::result::Result<Slot<'de>, E> {
        Ok(Slot::Value(Value::Bool(b)))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> std::result::Result<Slot<'de>, E> {
        Ok(Slot::Value(Value::from(n)))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> std::result::Result<Slot<'de>, E> {
        Ok(Slot::Value(Value::from(n)))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> std::result::Result<Slot<'de>, E> {
        Ok(Slot::Value(Value::from(n)))
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<Slot<'de>, E> {
        Ok(Slot::Value(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> std::result::Result<Slot<'de>, E> {
        Ok(Slot::Value(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<Slot<'de>, A::Error> {
        serde::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Slot::Value)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Slot<'de>, A::Error> {
        if !self.top {
            return serde::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))
                .map(Slot::Value);
        }
        let mut members = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            members.push((key, map.next_value_seed(SlotSeed { top: false })?));
        }
        Ok(Slot::Obj(members))
    }
}

/// A key of an object, borrowed where it can be.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E: de::Error>(
        self,
        s: &'de str,
    ) -> std::result::Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s.to_string()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> std::result::Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s))
    }
}

/// A key of a record: one of the table's slots (matched without
/// allocating), or another field's name.
enum Field {
    Slot(usize),
    Other(String),
}

struct FieldKey(&'static Slots);

impl<'de> DeserializeSeed<'de> for FieldKey {
    type Value = Field;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<Field, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for FieldKey {
    type Value = Field;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Field, E> {
        Ok(match self.0.position(s) {
            Some(i) => Field::Slot(i),
            None => Field::Other(s.to_string()),
        })
    }

    fn visit_string<E: de::Error>(self, s: String) -> std::result::Result<Field, E> {
        Ok(match self.0.position(&s) {
            Some(i) => Field::Slot(i),
            None => Field::Other(s),
        })
    }
}
