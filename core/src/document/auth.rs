//! The authentication of an event of a keyed audit log.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A MAC or signature algorithm of a keyed chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum KeyAlgorithm {
    /// HMAC-SHA-256 with a shared secret.
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
    /// Ed25519 signatures (RFC 8032).
    #[serde(rename = "ed25519")]
    Ed25519,
}

impl KeyAlgorithm {
    /// The name as written in JSON (`hmac-sha256`, `ed25519`).
    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlgorithm::HmacSha256 => "hmac-sha256",
            KeyAlgorithm::Ed25519 => "ed25519",
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The authentication of one event of a keyed log (the `auth` member of an
/// event; not part of the hashed body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EventAuth {
    /// The id of the key in the host's keyring.
    pub key_id: String,
    /// The algorithm.
    pub alg: KeyAlgorithm,
    /// The MAC (32 bytes) or signature (64 bytes) over the event's hash,
    /// as lowercase hex.
    pub mac: String,
}
