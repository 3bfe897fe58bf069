//! Keyed audit chains: a host key authenticates each event, so a log
//! rewritten with recomputed hashes is detected without an expected head.
//!
//! The hash chain of [`crate::audit`] detects any edit of a stored log, but
//! anyone who can write the document can also recompute every hash after
//! an edit; only a head stored elsewhere ([`crate::audit::head`]) catches
//! that. A [`Keyring`] closes the gap: every event relman appends while a
//! keyring with a signing key is given carries an [`EventAuth`] — the id of
//! the key, its algorithm and a MAC or signature over the event's hash —
//! and verification with the keyring checks it. Because each hash chains
//! all earlier events, the authentication of the last event vouches for
//! the whole log; a forger without the key cannot produce it.
//!
//! Two algorithms:
//!
//! - `hmac-sha256`: HMAC-SHA-256 with a shared secret (at least 16 bytes).
//!   Whoever verifies can also sign.
//! - `ed25519`: an Ed25519 signature (RFC 8032) of the head; signing needs
//!   the 32-byte secret seed, verifying only the 32-byte public key, so an
//!   auditor can check logs without being able to forge them.
//!
//! The authenticated message is the UTF-8 text
//! `relman-log-auth-v1\n{alg}\n{key_id}\n{hash}` (`hash`: the event's 64
//! lowercase hex digits); MACs and signatures are written as lowercase hex.
//! `auth` is not part of the hashed event body, so keying a log never
//! changes its hashes.
//!
//! Keys are passed in, never stored by relman: [`Keyring`] does not
//! serialise and its `Debug` output shows key ids only. A keyring holds any
//! number of keys by id (old keys stay for verifying old events after a
//! rotation); `signing_key` names the one new events are keyed with.
//!
//! With a keyring, verification requires:
//!
//! - every keyed event names a key of the keyring and its MAC or signature
//!   verifies;
//! - once an event is keyed, every later one is keyed too;
//! - the last event is keyed — unless no event of the log is keyed and the
//!   keyring sets `adopt_unkeyed` (a log written before the host keyed its
//!   chains; the next applied event keys it and vouches for the rest).
//!
//! A log stripped of its keys to pass as an old unkeyed log is therefore
//! reported as tampered (kind `unauthenticated`) unless the host allows
//! unkeyed logs. Without a keyring, logs verify as before and a keyed log
//! gets the warning `keys_not_checked`.
//!
//! ```
//! use relman::keys::Keyring;
//!
//! let keys = Keyring::from_json(
//!     r#"{"signing_key": "k1",
//!         "keys": [{"id": "k1", "alg": "hmac-sha256",
//!                   "secret": "000102030405060708090a0b0c0d0e0f"}]}"#,
//! )
//! .unwrap();
//! assert_eq!(keys.key_ids(), vec!["k1"]);
//! assert!(format!("{keys:?}").contains("k1"));
//! assert!(!format!("{keys:?}").contains("0001020304"));
//! ```

use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hmac::{Hmac, KeyInit, Mac};
use schemars::JsonSchema;
use serde::Deserialize;
use sha2::Sha256;

use crate::error::{Error, Problem, Result};
use crate::foundation::hex::to_hex;

/// The prefix of every authenticated message.
const DOMAIN: &str = "relman-log-auth-v1";
/// The shortest HMAC secret accepted, in bytes.
pub const MIN_HMAC_SECRET_BYTES: usize = 16;
/// The longest HMAC secret accepted, in bytes.
pub const MAX_HMAC_SECRET_BYTES: usize = 1024;
/// The most keys a keyring may hold.
pub const MAX_KEYS: usize = 1024;
/// The longest key id, in bytes.
pub const MAX_KEY_ID_BYTES: usize = 256;

pub use crate::document::{EventAuth, KeyAlgorithm};

/// The JSON form of a [`Keyring`] (read-only: a keyring is never written).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyringSpec {
    /// The keys, by id.
    pub keys: Vec<KeySpec>,
    /// The id of the key new events are keyed with (needed by `apply`).
    #[serde(default)]
    pub signing_key: Option<String>,
    /// Accept a log none of whose events is keyed (one written before the
    /// host keyed its chains). Default false: such a log is refused.
    #[serde(default)]
    pub adopt_unkeyed: bool,
}

/// One key of a [`KeyringSpec`].
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    /// The key id recorded in each event it keys.
    pub id: String,
    /// `hmac-sha256` or `ed25519`.
    pub alg: KeyAlgorithm,
    /// The secret as hex: the HMAC key (16–1024 bytes) or the 32-byte
    /// Ed25519 seed.
    #[serde(default)]
    pub secret: Option<String>,
    /// Ed25519 only: the 32-byte public key as hex (to verify without being
    /// able to sign). Must match the secret when both are given.
    #[serde(default)]
    pub public: Option<String>,
}

/// The material of one key.
#[derive(Clone)]
enum Material {
    Hmac(Vec<u8>),
    Ed25519 {
        signing: Option<Box<SigningKey>>,
        verifying: VerifyingKey,
    },
}

#[derive(Clone)]
struct Key {
    id: String,
    material: Material,
}

impl Key {
    fn alg(&self) -> KeyAlgorithm {
        match self.material {
            Material::Hmac(_) => KeyAlgorithm::HmacSha256,
            Material::Ed25519 { .. } => KeyAlgorithm::Ed25519,
        }
    }
}

/// The host's keys for keyed audit chains (see the [module
/// documentation](self)). Build it from JSON ([`Keyring::from_json`],
/// [`Keyring::from_value`]) or in code.
#[derive(Clone, Default)]
pub struct Keyring {
    keys: Vec<Key>,
    signing_key: Option<String>,
    adopt_unkeyed: bool,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("keys", &self.key_ids())
            .field("signing_key", &self.signing_key)
            .field("adopt_unkeyed", &self.adopt_unkeyed)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Keyring {
    /// Keyrings are equal when they name the same keys, signing key and
    /// adoption rule (the material is not compared).
    fn eq(&self, other: &Self) -> bool {
        self.key_ids() == other.key_ids()
            && self.signing_key == other.signing_key
            && self.adopt_unkeyed == other.adopt_unkeyed
    }
}

fn bad(path: impl Into<String>, message: impl Into<String>) -> Error {
    Error::invalid_input(path, message)
}

impl Keyring {
    /// An empty keyring (add keys with the `with_*` methods).
    pub fn new() -> Self {
        Keyring::default()
    }

    /// Reads a keyring from JSON text (see [`KeyringSpec`]). Errors are
    /// `invalid_input` with the path inside the keyring (`keys[1].secret`);
    /// messages never quote a secret.
    pub fn from_json(text: &str) -> Result<Self> {
        let spec: KeyringSpec = serde_json::from_str(text).map_err(|e| Error::InvalidInput {
            problems: vec![Problem {
                path: String::new(),
                message: format!("not a keyring: {}", redacted(&e)),
                line: Some(e.line()),
                column: Some(e.column().max(1)),
            }],
        })?;
        Keyring::from_spec(&spec)
    }

    /// Reads a keyring from a JSON value (see [`KeyringSpec`]).
    pub fn from_value(value: &serde_json::Value) -> Result<Self> {
        let spec = KeyringSpec::deserialize(value)
            .map_err(|e| bad("", format!("not a keyring: {}", redacted(&e))))?;
        Keyring::from_spec(&spec)
    }

    /// Builds a keyring from its JSON form, checking every key.
    pub fn from_spec(spec: &KeyringSpec) -> Result<Self> {
        if spec.keys.len() > MAX_KEYS {
            return Err(Error::LimitExceeded {
                path: "keys".to_string(),
                what: "keys in a keyring".to_string(),
                limit: MAX_KEYS as u64,
                found: spec.keys.len() as u64,
            });
        }
        let mut keyring = Keyring {
            adopt_unkeyed: spec.adopt_unkeyed,
            ..Keyring::default()
        };
        for (i, key) in spec.keys.iter().enumerate() {
            let at = |field: &str| format!("keys[{i}].{field}");
            let material = match key.alg {
                KeyAlgorithm::HmacSha256 => {
                    if key.public.is_some() {
                        return Err(bad(at("public"), "an hmac-sha256 key has no public part"));
                    }
                    let secret = key
                        .secret
                        .as_deref()
                        .ok_or_else(|| bad(at("secret"), "an hmac-sha256 key needs its secret"))?;
                    Material::Hmac(from_hex(secret).map_err(|m| bad(at("secret"), m))?)
                }
                KeyAlgorithm::Ed25519 => {
                    let signing = match key.secret.as_deref() {
                        Some(hex) => Some(Box::new(SigningKey::from_bytes(
                            &fixed::<32>(hex).map_err(|m| bad(at("secret"), m))?,
                        ))),
                        None => None,
                    };
                    let public = match key.public.as_deref() {
                        Some(hex) => Some(
                            VerifyingKey::from_bytes(
                                &fixed::<32>(hex).map_err(|m| bad(at("public"), m))?,
                            )
                            .map_err(|_| bad(at("public"), "not an Ed25519 public key"))?,
                        ),
                        None => None,
                    };
                    let verifying = match (&signing, public) {
                        (Some(s), Some(p)) if s.verifying_key() != p => {
                            return Err(bad(at("public"), "does not match the secret's public key"))
                        }
                        (Some(s), _) => s.verifying_key(),
                        (None, Some(p)) => p,
                        (None, None) => {
                            return Err(bad(
                                at("secret"),
                                "an ed25519 key needs its secret or its public key",
                            ))
                        }
                    };
                    Material::Ed25519 { signing, verifying }
                }
            };
            keyring = keyring.with_key(&key.id, material, &at("id"))?;
        }
        if let Some(id) = &spec.signing_key {
            keyring = keyring.signing_with(id)?;
        }
        Ok(keyring)
    }

    fn with_key(mut self, id: &str, material: Material, path: &str) -> Result<Self> {
        if id.trim().is_empty() {
            return Err(bad(path, "a key id must not be blank"));
        }
        if id.len() > MAX_KEY_ID_BYTES {
            return Err(bad(
                path,
                format!("a key id is at most {MAX_KEY_ID_BYTES} bytes"),
            ));
        }
        if self.keys.iter().any(|k| k.id == id) {
            return Err(bad(path, format!("key id `{id}` appears twice")));
        }
        if let Material::Hmac(secret) = &material {
            if !(MIN_HMAC_SECRET_BYTES..=MAX_HMAC_SECRET_BYTES).contains(&secret.len()) {
                let field = path
                    .strip_suffix(".id")
                    .map_or_else(|| path.to_string(), |key| format!("{key}.secret"));
                return Err(bad(
                    field,
                    format!(
                        "an hmac-sha256 secret is {MIN_HMAC_SECRET_BYTES} to {MAX_HMAC_SECRET_BYTES} bytes, got {}",
                        secret.len()
                    ),
                ));
            }
        }
        self.keys.push(Key {
            id: id.to_string(),
            material,
        });
        Ok(self)
    }

    /// Adds an HMAC-SHA-256 key (secret of 16–1024 bytes).
    pub fn with_hmac(self, id: &str, secret: &[u8]) -> Result<Self> {
        self.with_key(id, Material::Hmac(secret.to_vec()), "id")
    }

    /// Adds an Ed25519 key that can sign, from its 32-byte secret seed.
    pub fn with_ed25519_secret(self, id: &str, seed: &[u8; 32]) -> Result<Self> {
        let signing = SigningKey::from_bytes(seed);
        let verifying = signing.verifying_key();
        self.with_key(
            id,
            Material::Ed25519 {
                signing: Some(Box::new(signing)),
                verifying,
            },
            "id",
        )
    }

    /// Adds an Ed25519 key that can only verify, from its 32-byte public key.
    pub fn with_ed25519_public(self, id: &str, public: &[u8; 32]) -> Result<Self> {
        let verifying = VerifyingKey::from_bytes(public)
            .map_err(|_| bad("public", "not an Ed25519 public key"))?;
        self.with_key(
            id,
            Material::Ed25519 {
                signing: None,
                verifying,
            },
            "id",
        )
    }

    /// Names the key new events are keyed with; it must be in the keyring
    /// and able to sign (an HMAC key, or an Ed25519 key with its secret).
    pub fn signing_with(mut self, id: &str) -> Result<Self> {
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| bad("signing_key", format!("`{id}` is not a key of the keyring")))?;
        if let Material::Ed25519 { signing: None, .. } = key.material {
            return Err(bad(
                "signing_key",
                format!("`{id}` is a public key: it can verify but not sign"),
            ));
        }
        self.signing_key = Some(id.to_string());
        Ok(self)
    }

    /// Accept (or not) logs none of whose events is keyed.
    pub fn adopting_unkeyed(mut self, adopt: bool) -> Self {
        self.adopt_unkeyed = adopt;
        self
    }

    /// The ids of the keys, in order.
    pub fn key_ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.id.as_str()).collect()
    }

    /// The id of the signing key, if any.
    pub fn signing_key(&self) -> Option<&str> {
        self.signing_key.as_deref()
    }

    /// Whether logs none of whose events is keyed are accepted.
    pub fn adopts_unkeyed(&self) -> bool {
        self.adopt_unkeyed
    }

    /// The authentication of an event with hash `hash` by the signing key,
    /// or `None` without one.
    pub fn authenticate(&self, hash: &str) -> Option<EventAuth> {
        let id = self.signing_key.as_deref()?;
        let key = self.keys.iter().find(|k| k.id == id)?;
        let alg = key.alg();
        let message = message(alg, id, hash);
        let mac = match &key.material {
            Material::Hmac(secret) => to_hex(&hmac(secret, &message)?),
            Material::Ed25519 {
                signing: Some(signing),
                ..
            } => to_hex(&signing.sign(message.as_bytes()).to_bytes()),
            Material::Ed25519 { signing: None, .. } => return None,
        };
        Some(EventAuth {
            key_id: id.to_string(),
            alg,
            mac,
        })
    }

    /// Checks `auth` of an event whose (verified) hash is `hash`; the error
    /// says why it does not verify.
    pub fn check(&self, auth: &EventAuth, hash: &str) -> std::result::Result<(), String> {
        let key = self
            .keys
            .iter()
            .find(|k| k.id == auth.key_id)
            .ok_or_else(|| {
                format!(
                    "it names key `{}`, which is not in the keyring",
                    auth.key_id
                )
            })?;
        if key.alg() != auth.alg {
            return Err(format!(
                "it names key `{}` as {}, but that key is {}",
                auth.key_id,
                auth.alg,
                key.alg()
            ));
        }
        let message = message(auth.alg, &auth.key_id, hash);
        let given = from_hex(&auth.mac).map_err(|m| format!("its mac is {m}"))?;
        let ok = match &key.material {
            Material::Hmac(secret) => Hmac::<Sha256>::new_from_slice(secret)
                .map(|mut mac| {
                    mac.update(message.as_bytes());
                    mac.verify_slice(&given).is_ok()
                })
                .unwrap_or(false),
            Material::Ed25519 { verifying, .. } => Signature::from_slice(&given)
                .map(|sig| verifying.verify_strict(message.as_bytes(), &sig).is_ok())
                .unwrap_or(false),
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "its {} does not verify with key `{}`: the event or an earlier one was rewritten, or it was keyed with another key",
                match auth.alg {
                    KeyAlgorithm::HmacSha256 => "MAC",
                    KeyAlgorithm::Ed25519 => "signature",
                },
                auth.key_id
            ))
        }
    }
}

/// The authenticated message of an event.
fn message(alg: KeyAlgorithm, key_id: &str, hash: &str) -> String {
    format!("{DOMAIN}\n{alg}\n{key_id}\n{hash}")
}

fn hmac(secret: &[u8], message: &str) -> Option<[u8; 32]> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(message.as_bytes());
    Some(mac.finalize().into_bytes().into())
}

/// A serde error without the input it quotes (a secret may be in it).
fn redacted(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" at line ") {
        Some(at) => text.get(..at).unwrap_or(&text).to_string(),
        None => text,
    };
    // serde quotes unexpected string values as `invalid type: string "…"`.
    match text.find('"') {
        Some(at) => format!("{}…", text.get(..at).unwrap_or_default().trim_end()),
        None => text,
    }
}

/// Hex text (either case, no separators) as bytes.
fn from_hex(text: &str) -> std::result::Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err("not hex: an odd number of digits".to_string());
    }
    let digit = |c: u8| -> std::result::Result<u8, String> {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
            .ok_or_else(|| "not hex: only the digits 0-9 and a-f are allowed".to_string())
    };
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Ok((digit(*hi)? << 4) | digit(*lo)?),
            _ => Err("not hex".to_string()),
        })
        .collect()
}

/// Hex text of exactly `N` bytes.
fn fixed<const N: usize>(text: &str) -> std::result::Result<[u8; N], String> {
    let bytes = from_hex(text)?;
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| {
        format!(
            "must be {N} bytes ({} hex digits), got {}",
            N.saturating_mul(2),
            bytes.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

    #[test]
    fn hmac_round_trip_and_forgery() {
        let keys = Keyring::new()
            .with_hmac("k1", b"0123456789abcdef")
            .unwrap()
            .signing_with("k1")
            .unwrap();
        let auth = keys.authenticate(HASH).unwrap();
        assert_eq!(auth.alg, KeyAlgorithm::HmacSha256);
        assert_eq!(auth.mac.len(), 64);
        assert!(keys.check(&auth, HASH).is_ok());
        let other = HASH.replace('0', "1");
        assert!(keys.check(&auth, &other).is_err());
        let wrong = Keyring::new().with_hmac("k1", b"fedcba9876543210").unwrap();
        assert!(wrong
            .check(&auth, HASH)
            .unwrap_err()
            .contains("does not verify"));
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mac = hmac(b"Jefe", "what do ya want for nothing?").unwrap();
        assert_eq!(
            to_hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn ed25519_public_key_verifies_but_cannot_sign() {
        let seed = [7u8; 32];
        let signer = Keyring::new()
            .with_ed25519_secret("ed", &seed)
            .unwrap()
            .signing_with("ed")
            .unwrap();
        let auth = signer.authenticate(HASH).unwrap();
        assert_eq!(auth.mac.len(), 128);
        let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
        let auditor = Keyring::new().with_ed25519_public("ed", &public).unwrap();
        assert!(auditor.check(&auth, HASH).is_ok());
        assert!(auditor.authenticate(HASH).is_none());
        let err = auditor.clone().signing_with("ed").unwrap_err();
        assert_eq!(err.path(), Some("signing_key"));
    }

    #[test]
    fn json_errors_name_the_path_and_never_the_secret() {
        let err = Keyring::from_json(
            r#"{"keys": [{"id": "a", "alg": "hmac-sha256", "secret": "00112233"}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_input");
        assert_eq!(err.path(), Some("keys[0].secret"));
        let err = Keyring::from_json(
            r#"{"keys": [{"id": "a", "alg": "hmac-sha256", "secret": "zz112233445566778899aabbccddeeff"}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.path(), Some("keys[0].secret"));
        assert!(!err.to_string().contains("zz1122"), "{err}");
        let err = Keyring::from_json(r#"{"keys": [], "signing_key": "nope"}"#).unwrap_err();
        assert_eq!(err.path(), Some("signing_key"));
        let err =
            Keyring::from_json(r#"{"keys": [{"id": "a", "alg": "rsa", "secret": "secretvalue"}]}"#)
                .unwrap_err();
        assert!(!err.to_string().contains("secretvalue"), "{err}");
        let err = Keyring::from_json(
            r#"{"keys": [{"id": "a", "alg": "hmac-sha256", "secret": "00112233445566778899aabbccddeeff"},
                         {"id": "a", "alg": "hmac-sha256", "secret": "00112233445566778899aabbccddeeff"}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.path(), Some("keys[1].id"));
        let err = Keyring::from_json(r#"{"keys": [{"id": "e", "alg": "ed25519"}]}"#).unwrap_err();
        assert_eq!(err.path(), Some("keys[0].secret"));
        let err = Keyring::from_json(r#"{"keys": [], "extra": 1}"#).unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_input");
    }

    #[test]
    fn unknown_key_and_algorithm_mismatch_are_explained() {
        let keys = Keyring::new()
            .with_hmac("k1", b"0123456789abcdef")
            .unwrap()
            .signing_with("k1")
            .unwrap();
        let mut auth = keys.authenticate(HASH).unwrap();
        auth.key_id = "k9".into();
        assert!(keys
            .check(&auth, HASH)
            .unwrap_err()
            .contains("not in the keyring"));
        auth.key_id = "k1".into();
        auth.alg = KeyAlgorithm::Ed25519;
        assert!(keys.check(&auth, HASH).unwrap_err().contains("as ed25519"));
        auth.alg = KeyAlgorithm::HmacSha256;
        auth.mac = "xyz".into();
        assert!(keys.check(&auth, HASH).unwrap_err().contains("not hex"));
    }
}
