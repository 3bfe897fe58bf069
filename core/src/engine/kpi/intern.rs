//! The KPIs' names — services, environments, teams, release ids — interned
//! as `u32`s with the foundation's interner, and the foundation's hasher
//! for their indexes (docs/kpi.md, "Scale-out").

pub(super) use crate::foundation::hash::{hash_str as fx_hash, HashMap};
use crate::foundation::intern::Interner;

/// No name (a deployment without a team, an incident without a service).
pub(super) const NONE: u32 = u32::MAX;

/// Interned names (services, environments, teams, release ids), owned so
/// that an accumulator outlives its input and merges with others.
#[derive(Debug, Clone, Default)]
pub(super) struct Names(Interner<Box<str>>);

impl Names {
    pub(super) fn intern(&mut self, name: &str) -> u32 {
        self.0.intern(name)
    }

    /// The name of `i`; `(none)` for [`NONE`].
    pub(super) fn get(&self, i: u32) -> &str {
        if i == NONE {
            return "(none)";
        }
        self.0.name(i).map_or("(none)", |s| s)
    }

    /// How many names were interned.
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    pub(super) fn find(&self, name: &str) -> Option<u32> {
        self.0.get(name)
    }

    /// Every name, in id order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.names().map(|s| &**s)
    }
}
