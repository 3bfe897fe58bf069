//! Ids stored back to back in one string: one allocation for millions of
//! deployment and change ids (`docs/kpi.md`, "Scale-out").

/// Strings stored back to back: one allocation for millions of ids.
#[derive(Debug, Clone, Default)]
pub(super) struct Arena {
    pub(super) text: String,
}

/// A string in an [`Arena`]: start and length.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span8 {
    pub(super) start: u64,
    pub(super) len: u32,
}

impl Arena {
    pub(super) fn push(&mut self, s: &str) -> Span8 {
        let start = self.text.len() as u64;
        self.text.push_str(s);
        Span8 {
            start,
            len: u32::try_from(s.len()).unwrap_or(u32::MAX),
        }
    }

    pub(super) fn get(&self, at: Span8) -> &str {
        let start = usize::try_from(at.start).unwrap_or(usize::MAX);
        self.text
            .get(start..start.saturating_add(at.len as usize))
            .unwrap_or("")
    }

    pub(super) fn append(&mut self, other: &Arena) -> u64 {
        let shift = self.text.len() as u64;
        self.text.push_str(&other.text);
        shift
    }
}
