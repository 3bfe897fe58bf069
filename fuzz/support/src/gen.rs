//! A small byte-driven chooser over [`arbitrary::Unstructured`]: when the
//! bytes run out every choice takes its first option, so any input makes a
//! (possibly small) case.

use arbitrary::Unstructured;

/// Choices drawn from fuzzer bytes.
pub struct Gen<'a>(pub Unstructured<'a>);

impl<'a> Gen<'a> {
    /// A generator over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Gen(Unstructured::new(data))
    }

    /// True when no bytes are left.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.0.int_in_range(lo..=hi).unwrap_or(lo)
    }

    /// An index below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        self.0.int_in_range(0..=n - 1).unwrap_or(0)
    }

    /// A boolean.
    pub fn bool(&mut self) -> bool {
        self.0.arbitrary::<bool>().unwrap_or(false)
    }

    /// One of `options` (the first when the bytes run out).
    pub fn pick<T: Copy>(&mut self, options: &[T]) -> T {
        options[self.below(options.len())]
    }

    /// `Some` of `f()` or `None`.
    pub fn option<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.bool() {
            Some(f(self))
        } else {
            None
        }
    }

    /// Up to `max` items made by `f`, stopping early when the bytes run out.
    pub fn vec<T>(&mut self, max: usize, mut f: impl FnMut(&mut Self) -> T) -> Vec<T> {
        let n = self.below(max + 1);
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            if self.is_empty() {
                break;
            }
            out.push(f(self));
        }
        out
    }

    /// A raw `u64`.
    pub fn u64(&mut self) -> u64 {
        self.0.arbitrary::<u64>().unwrap_or(0)
    }

    /// A short string from the bytes (may be empty, may hold any char).
    pub fn string(&mut self, max: usize) -> String {
        let s: String = self.0.arbitrary::<&str>().unwrap_or("").to_string();
        s.chars().take(max).collect()
    }
}

/// The RFC 3339 UTC text of a Unix time.
pub fn iso(secs: i64) -> String {
    relman::Timestamp::from_utc(relman::calendar::utc(secs)).to_string()
}
