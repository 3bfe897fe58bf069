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

/// A run's names as looked up: (new to the interner, id — or index among
/// the run's new names).
type Looked = Vec<(bool, u32)>;

impl<S: Borrow<str> + Hash + Eq + Clone + Send + Sync> Interner<S> {
    /// Interns a stream of names cut into runs (in order) and gives each
    /// run's ids: exactly the ids calling [`Interner::intern`] on every
    /// name of every run in turn would give (new names get ids in order
    /// of first sight). Names the interner already knows are looked up on
    /// every core (`foundation::parallel`); each run collects the names
    /// new to it in its own first-sight order, and only those are added,
    /// run after run, on one thread.
    pub fn intern_runs<'n, R>(&mut self, runs: &[R]) -> Vec<Vec<u32>>
    where
        S: From<&'n str>,
        R: AsRef<[&'n str]> + Sync,
    {
        // Per run: every name as (known id, or index among the run's new
        // names), and the run's new names in first-sight order.
        let looked = super::parallel::map(runs, |run| {
            let mut fresh: Interner<&'n str> = Interner::default();
            let ids: Vec<(bool, u32)> = run
                .as_ref()
                .iter()
                .map(|name| match self.get(name) {
                    Some(id) => (false, id),
                    None => (true, fresh.intern(name)),
                })
                .collect();
            (ids, fresh.names)
        });
        let remaps: Vec<Vec<u32>> = looked
            .iter()
            .map(|(_, fresh)| fresh.iter().map(|name| self.intern(name)).collect())
            .collect();
        let pairs: Vec<(&Looked, &Vec<u32>)> = looked
            .iter()
            .map(|(ids, _)| ids)
            .zip(remaps.iter())
            .collect();
        super::parallel::map(&pairs, |(ids, remap)| {
            ids.iter()
                .map(|(new, id)| {
                    if *new {
                        remap.get(*id as usize).copied().unwrap_or(MAX_ID)
                    } else {
                        *id
                    }
                })
                .collect()
        })
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

    #[test]
    fn runs_intern_as_one_stream_would() {
        let stream = ["b", "a", "b", "c", "a", "d", "c", "e", "b", "f"];
        let mut serial: Interner<Box<str>> = Interner::default();
        serial.intern("z");
        let want: Vec<u32> = stream.iter().map(|n| serial.intern(n)).collect();
        for cut in [vec![10], vec![3, 7], vec![1, 1, 4, 4], vec![0, 5, 0, 5]] {
            for threads in [1, 2] {
                let mut runs: Vec<Vec<&str>> = Vec::new();
                let mut at = 0;
                for n in &cut {
                    runs.push(stream[at..at + n].to_vec());
                    at += n;
                }
                let mut parallel: Interner<Box<str>> = Interner::default();
                parallel.intern("z");
                let got = crate::foundation::parallel::with_threads(threads, || {
                    parallel.intern_runs(&runs)
                });
                assert_eq!(got.concat(), want);
                let a: Vec<&str> = parallel.names().map(|s| &**s).collect();
                let b: Vec<&str> = serial.names().map(|s| &**s).collect();
                assert_eq!(a, b);
            }
        }
    }
}
