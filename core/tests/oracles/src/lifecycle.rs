//! The lifecycle's model (docs/lifecycle.md): the actor directory the
//! generated contexts use, and the state machine's edges written out.

use relman::State;

/// The actor directory: every role, some people with two.
pub const DIRECTORY: [(&str, &[&str]); 12] = [
    ("rita", &["release_manager"]),
    ("alice", &["release_manager", "cab"]),
    ("dan", &["release_team"]),
    ("bob", &["release_team", "cab"]),
    ("carol", &["cab"]),
    ("erin", &["cab"]),
    ("frank", &["cab", "product_owner"]),
    ("paula", &["product_owner"]),
    ("ed", &["ecab"]),
    ("eve", &["ecab", "cab"]),
    ("bea", &["business_stakeholder"]),
    ("quinn", &["qa"]),
];

/// The main-line successor of a state.
pub fn successor(s: State) -> Option<State> {
    match s {
        State::Planning => Some(State::Development),
        State::Development => Some(State::Testing),
        State::Testing => Some(State::Approval),
        State::Approval => Some(State::Deployment),
        State::Deployment => Some(State::Review),
        State::Review => Some(State::Closed),
        State::Closed | State::Cancelled => None,
    }
}

/// Closed and cancelled: no command leaves them.
pub fn is_terminal(s: State) -> bool {
    matches!(s, State::Closed | State::Cancelled)
}

/// Every state change the lifecycle allows (docs/lifecycle.md): the main
/// line, back to development from testing and approval, and cancelling
/// before deployment.
pub fn legal_edge(from: State, to: State) -> bool {
    use State::*;
    successor(from) == Some(to)
        || (to == Development && matches!(from, Testing | Approval))
        || (to == Cancelled && matches!(from, Planning | Development | Testing | Approval))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_states_have_no_edge_out() {
        let all = [
            State::Planning,
            State::Development,
            State::Testing,
            State::Approval,
            State::Deployment,
            State::Review,
            State::Closed,
            State::Cancelled,
        ];
        for from in all {
            let out = all.iter().filter(|to| legal_edge(from, **to)).count();
            assert_eq!(out == 0, is_terminal(from), "{from:?}");
        }
    }
}
