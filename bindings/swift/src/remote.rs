compile_error!("relman-codegen: `relman::Outcome` names several items in core/src: document/release.rs, engine/lifecycle/gates/approval/routing.rs");
