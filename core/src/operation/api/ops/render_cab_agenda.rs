//! `render_cab_agenda`: a CAB agenda as Markdown or HTML.

use crate::{CabAgenda, NotesFormat, RenderedAgenda};

operation! {
    /// `agenda` (as `cab_agenda` returns it) rendered in `format`
    /// (`markdown` or `html`), every value escaped.
    name: render_cab_agenda,
    position: 22,
    summary: "A CAB agenda rendered as Markdown or HTML",
    params RenderCabAgendaParams {
        /// The agenda, as `cab_agenda` returns it.
        agenda: req CabAgenda as Val,
        /// `markdown` or `html`.
        format: req NotesFormat as Val,
    }
    result: RenderedAgenda,
    run(p) {
        Ok(crate::render_cab_agenda(&p.agenda, p.format))
    }
}
