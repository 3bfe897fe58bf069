//! `uniffi-bindgen` for relman: generates the Swift package sources (and the
//! Python test bindings) from the built `relman_uniffi` library.
//!
//! Built on its own (`cargo build -p relman-uniffi-bindgen`): the UniFFI
//! `cli` feature it needs must never reach the library the package links.

fn main() {
    uniffi::uniffi_bindgen_main()
}
