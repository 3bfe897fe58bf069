//! `release_notes`: Markdown or HTML notes of a release.

use crate::{NotesFormat, Release, ReleaseNotes};

operation! {
    /// Release notes of `release` in `format` (`markdown` or `html`).
    name: release_notes,
    position: 14,
    summary: "Release notes in Markdown or HTML",
    params ReleaseNotesParams {
        /// The release.
        release: req Release as Doc,
        /// `markdown` or `html`.
        format: req NotesFormat as Val,
    }
    result: ReleaseNotes,
    run(p) {
        Ok(crate::release_notes(&p.release, p.format))
    }
}
