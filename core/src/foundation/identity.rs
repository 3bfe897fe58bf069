//! Actor identity: when two actor ids name the same person.
//!
//! Decides: the one canonical form every actor id is compared in — an
//! approver, an owner, an implementer, a release-team member, the issuer of
//! a command and the ids of the actor directory. Two ids whose canonical
//! forms are equal are one person: they count once in a quorum and the
//! separation-of-duties rules see through them. An issuer whose id is not in
//! the directory as written but collides with an entry there is refused
//! (`identity.confusable`): the directory's spelling is the only one that
//! issues commands.
//!
//! Needs: nothing but the ids.
//!
//! # The canonicalisation
//!
//! `canonical(id)`, in this order:
//!
//! 1. Unicode normalisation form NFKC (compatibility characters such as
//!    full-width letters and ligatures become their plain forms, an NFD
//!    decomposed `é` becomes the precomposed one);
//! 2. full Unicode case folding (`Jonas.Schmidt` → `jonas.schmidt`,
//!    `STRASSE` and `straße` both → `strasse`), then NFKC again;
//! 3. surrounding white space removed (`"jonas.schmidt "`);
//! 4. the confusable skeleton of Unicode Technical Standard #39, which also
//!    drops default-ignorable code points such as zero-width spaces and
//!    joiners and maps look-alikes to one prototype (a Cyrillic `а` to the
//!    Latin `a`, `0` and `O` alike).
//!
//! The skeleton is a comparison key, not a name: it is never written into a
//! document or shown as the actor's id.

use unicode_normalization::UnicodeNormalization;

/// The canonical form of an actor id; see the [module documentation](self).
///
/// ```
/// use relman::identity::canonical;
/// let plain = canonical("jonas.schmidt");
/// for variant in [
///     "Jonas.Schmidt",
///     "jonas.schmidt ",
///     "jonas.schm\u{0456}dt", // Cyrillic і
///     "jonas.sch\u{200B}midt", // zero-width space
/// ] {
///     assert_eq!(canonical(variant), plain, "{variant:?}");
/// }
/// assert_ne!(canonical("jonas.schmitt"), plain);
/// ```
pub fn canonical(id: &str) -> String {
    if id.is_ascii() {
        return canonical_ascii(id);
    }
    let nfkc: String = id.nfkc().collect();
    let folded = caseless::default_case_fold_str(&nfkc);
    let folded: String = folded.nfkc().collect();
    unicode_security::skeleton(folded.trim()).collect()
}

/// [`canonical`] for ASCII text, without the Unicode tables: ASCII is its
/// own NFKC, folds by lower-casing, and only eight ASCII characters have a
/// confusable prototype other than themselves (UTS #39; a test checks this
/// table against the skeleton for all 128 characters, and random ASCII ids
/// against the general path).
fn canonical_ascii(id: &str) -> String {
    let trimmed = id.trim();
    let mut out = String::with_capacity(trimmed.len().saturating_add(2));
    for b in trimmed.bytes() {
        match b.to_ascii_lowercase() {
            b'"' => out.push_str("''"),
            b'%' => out.push_str("\u{b0}/\u{2080}"),
            b'0' => out.push('O'),
            b'1' | b'|' => out.push('l'),
            b'`' => out.push('\''),
            b'm' => out.push_str("rn"),
            c => out.push(char::from(c)),
        }
    }
    out
}

/// True when `a` and `b` name the same person: equal as written, or equal
/// in [`canonical`] form.
pub fn same_person(a: &str, b: &str) -> bool {
    a == b || canonical(a) == canonical(b)
}

/// Where an id stands against the actor directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup<'a, T> {
    /// Written exactly as in the directory.
    Exact(&'a T),
    /// Not written as in the directory, but canonically equal to this entry:
    /// a look-alike, another casing, stray white space.
    Confusable(&'a T),
    /// No entry is the same person.
    Unknown,
}

/// Looks `id` up among `entries` (whose ids `id_of` gives): exact matches
/// first, then canonical ones.
pub(crate) fn lookup<'a, T>(
    entries: &'a [T],
    id: &str,
    id_of: impl Fn(&T) -> &str,
) -> Lookup<'a, T> {
    if let Some(entry) = entries.iter().find(|e| id_of(e) == id) {
        return Lookup::Exact(entry);
    }
    let key = canonical(id);
    match entries.iter().find(|e| canonical(id_of(e)) == key) {
        Some(entry) => Lookup::Confusable(entry),
        None => Lookup::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_six_variants_of_one_name_are_one_person() {
        let plain = "jonas.schmidt";
        let variants = [
            "jonas.schmidt",
            "Jonas.Schmidt",
            "jonas.schmidt ",
            "jonas.schm\u{0456}dt",  // Cyrillic і
            "jonas.sch\u{200B}midt", // zero-width space
        ];
        for v in variants {
            assert!(same_person(plain, v), "{v:?}");
        }
        // NFD and NFC spellings of one name are one person.
        assert!(same_person("jo\u{0308}nas", "jönas"));
        assert!(same_person("JÖNAS", "jo\u{0308}nas"));
        // Compatibility forms: full-width letters.
        assert!(same_person("ｊｏｎａｓ", "jonas"));
        // Different names stay different.
        assert!(!same_person("jonas.schmidt", "jonas.schmitt"));
        assert!(!same_person("anna", "anne"));
    }

    #[test]
    fn lookup_tells_exact_from_confusable() {
        let dir = ["jonas.schmidt".to_string(), "anna".to_string()];
        assert_eq!(lookup(&dir, "anna", |s| s.as_str()), Lookup::Exact(&dir[1]));
        assert_eq!(
            lookup(&dir, "Jonas.Schmidt", |s| s.as_str()),
            Lookup::Confusable(&dir[0])
        );
        assert_eq!(lookup(&dir, "mallory", |s| s.as_str()), Lookup::Unknown);
    }

    /// The general path: NFKC, case folding, NFKC, trim, skeleton.
    fn general(id: &str) -> String {
        let nfkc: String = id.nfkc().collect();
        let folded: String = caseless::default_case_fold_str(&nfkc).nfkc().collect();
        unicode_security::skeleton(folded.trim()).collect()
    }

    #[test]
    fn the_ascii_table_is_the_skeleton_of_every_ascii_character() {
        for b in 0u8..128 {
            let c = char::from(b).to_string();
            assert_eq!(canonical(&c), general(&c), "{b}");
        }
    }

    #[test]
    fn ascii_ids_take_the_same_path_as_any_other() {
        use proptest::prelude::*;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        runner
            .run(&"[ -~\\t]{0,24}", |id| {
                prop_assert_eq!(canonical(&id), general(&id));
                Ok(())
            })
            .unwrap();
    }
}
