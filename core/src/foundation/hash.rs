//! One fast hasher for the engines' in-memory indexes, and the hash map and
//! set types that use it.
//!
//! FxHash, the multiply-rotate hash of rustc, one word at a time, with the
//! murmur3 finaliser so the low bits (the bucket index) depend on every
//! input bit. It is several times faster than SipHash on the short ids,
//! names and small integers the indexes hash millions of. It does not
//! resist deliberately colliding keys: the inputs are the host's own
//! documents, not an attacker's stream, so SipHash's flooding defence buys
//! nothing here. Nothing relman writes depends on the iteration order of
//! these maps; [`hash_str`] values are stable across runs and platforms
//! (little-endian words), so they may order records.

use std::hash::{BuildHasherDefault, Hasher};

/// The FxHash hasher (see the module documentation).
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
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
            // The length in the top bits: "ab" and "ab\0" differ.
            self.add(u64::from_le_bytes(word) ^ (rest.len() as u64) << 59);
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits depending on the low input bits
        // only; fold the high bits down (murmur3 fmix64, first half).
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}

/// Builds [`FxHasher`]s (for `HashMap::with_hasher` and the like).
pub type FxBuildHasher = BuildHasherDefault<FxHasher>;

/// A hash map with the [`FxHasher`]; make one with `HashMap::default()`.
pub type HashMap<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;

/// The [`FxHasher`] hash of a string's bytes (without the terminator
/// `str`'s `Hash` adds), stable across runs and platforms.
pub fn hash_str(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_that_share_a_prefix_hash_apart() {
        assert_ne!(hash_str("ab"), hash_str("ab\0"));
        assert_ne!(hash_str("rel-1"), hash_str("rel-2"));
        assert_ne!(hash_str(""), hash_str("\0"));
    }

    #[test]
    fn hashes_are_stable() {
        // Pinned: records may be ordered by these values.
        assert_eq!(hash_str(""), 0);
        assert_eq!(hash_str("relman"), 0xf913_cd71_34da_182f);
        assert_eq!(hash_str("release-2024-01"), 0x9413_b1bb_e122_4421);
        let mut a = FxHasher::default();
        a.write_u32(7);
        let mut b = FxHasher::default();
        b.write_u64(7);
        assert_eq!(a.finish(), b.finish());
    }

    #[test]
    fn small_integers_spread_over_the_low_bits() {
        let buckets: std::collections::HashSet<u64> = (0u32..1024)
            .map(|i| {
                let mut h = FxHasher::default();
                h.write_u32(i);
                h.finish() & 1023
            })
            .collect();
        assert!(buckets.len() > 500, "{}", buckets.len());
    }
}
