//! One string interner: names as small integers, so the engines' indexes
//! compare and hash `u32`s instead of strings.
//!
//! Generic over how a name is held: `Interner<&'a str>` borrows the names
//! from the documents it indexes (no copy; the conflict model),
//! `Interner<Box<str>>` owns them (an accumulator that outlives its input
//! and merges with others; the KPIs).

use super::hash::HashMap;
use std::borrow::Borrow;
use std::hash::Hash;

/// The largest id an interner hands out: `u32::MAX` is left free for
/// callers to mean "no name". Past it (more than four billion names,
/// far beyond every input limit) every new name gets this id.
pub const MAX_ID: u32 = u32::MAX - 1;

/// Names interned as ids `0, 1, 2…` in order of first sight.
#[derive(Debug, Clone)]
pub struct Interner<S> {
    ids: HashMap<S, u32>,
    names: Vec<S>,
}

impl<S> Default for Interner<S> {
    fn default() -> Self {
        Interner {
            ids: HashMap::default(),
            names: Vec::new(),
        }
    }
}

impl<S: Borrow<str> + Hash + Eq + Clone> Interner<S> {
    /// An empty interner with room for `n` names before its map grows
    /// (size it from the documents: growing a large map rehashes every
    /// name it holds).
    pub fn with_capacity(n: usize) -> Self {
        Interner {
            ids: HashMap::with_capacity_and_hasher(n, Default::default()),
            names: Vec::with_capacity(n),
        }
    }

    /// How many names were interned.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// The id of `name`, interning it on first sight. An
    /// `Interner<&'a str>` takes names that live for `'a`; an
    /// `Interner<Box<str>>` copies a name the first time it sees it.
    pub fn intern<'n>(&mut self, name: &'n str) -> u32
    where
        S: From<&'n str>,
    {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).map_or(MAX_ID, |n| n.min(MAX_ID));
        let name = S::from(name);
        self.names.push(name.clone());
        self.ids.insert(name, id);
        id
    }

    /// The id of `name` if it was interned.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// The name of `id`, if it is one this interner handed out.
    pub fn name(&self, id: u32) -> Option<&S> {
        self.names.get(usize::try_from(id).ok()?)
    }

    /// Every name, in id order (to re-intern another interner's names).
    pub fn names(&self) -> impl Iterator<Item = &S> {
        self.names.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_first_sight_and_names_come_back() {
        let mut borrowed: Interner<&str> = Interner::default();
        assert_eq!(borrowed.intern("b"), 0);
        assert_eq!(borrowed.intern("a"), 1);
        assert_eq!(borrowed.intern("b"), 0);
        assert_eq!(borrowed.get("a"), Some(1));
        assert_eq!(borrowed.get("c"), None);
        assert_eq!(borrowed.name(1).copied(), Some("a"));
        assert_eq!(borrowed.name(2), None);

        let mut owned: Interner<Box<str>> = Interner::default();
        let text = String::from("svc");
        assert_eq!(owned.intern(&text), 0);
        drop(text);
        assert_eq!(owned.name(0).map(|s| &**s), Some("svc"));
        assert_eq!(owned.get("svc"), Some(0));
        assert_eq!(owned.intern("team"), 1);
        let order: Vec<&str> = owned.names().map(|s| &**s).collect();
        assert_eq!(order, ["svc", "team"]);
    }
}
