//! The KPIs' hash and name interner: FxHash and interned names (services,
//! environments, teams, release ids) as `u32`s (`docs/kpi.md`, "Scale-out").

use std::hash::{BuildHasherDefault, Hasher};

/// FxHash, the multiply-rotate hash of rustc, with a final mix: several
/// times faster than SipHash on the short ids and names the KPIs hash millions of. It does
/// not resist deliberately colliding keys; the records are the host's own.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            if let Some(head) = word.get_mut(..rest.len()) {
                head.copy_from_slice(rest);
            }
            self.add(u64::from_le_bytes(word) ^ (rest.len() as u64) << 59);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits (the bucket index) depending on
        // the low input bits only; fold the high bits down (murmur3 fmix).
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}

pub(super) type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// No name (a deployment without a team, an incident without a service).
pub(super) const NONE: u32 = u32::MAX;

/// Interned names (services, environments, teams, release ids).
#[derive(Debug, Clone, Default)]
pub(super) struct Names {
    pub(super) list: Vec<Box<str>>,
    pub(super) index: HashMap<Box<str>, u32>,
}

impl Names {
    pub(super) fn intern(&mut self, name: &str) -> u32 {
        if let Some(i) = self.index.get(name) {
            return *i;
        }
        let i = u32::try_from(self.list.len()).unwrap_or(NONE - 1);
        self.list.push(name.into());
        self.index.insert(name.into(), i);
        i
    }

    pub(super) fn get(&self, i: u32) -> &str {
        if i == NONE {
            return "(none)";
        }
        self.list.get(i as usize).map_or("(none)", |s| s)
    }

    pub(super) fn find(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }
}

pub(super) fn fx_hash(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}
