//! What `serve` checks before it listens: in production, an API token nobody can guess; without
//! a token, the well-known development token only where nobody else can reach it.

use anyhow::{Result, bail};
use std::collections::HashSet;
use std::net::SocketAddr;

/// The lab's token, accepted in development only.
pub const DEVELOPMENT_TOKEN: &str = "token-430";

/// Shortest production token: 32 characters of random text carry well over 128 bits.
const MIN_TOKEN_CHARS: usize = 32;

/// Fewest different characters in a production token (a random hex token of 32 characters
/// almost surely has more; `aaaa…` or `abab…` has fewer).
const MIN_DISTINCT_CHARS: usize = 10;

/// Tokens found in examples, tutorials and this project's own docs, refused in production
/// whatever their length (compared without case).
const WELL_KNOWN: [&str; 12] = [
    DEVELOPMENT_TOKEN,
    "changeme",
    "change-me",
    "secret",
    "password",
    "token",
    "test",
    "test-token",
    "admin",
    "magasin",
    "development",
    "default",
];

/// A secret the operator configures, and where it goes.
pub struct SecretKind {
    pub name: &'static str,
    pub flag: &'static str,
    pub env: &'static str,
}

pub const API_TOKEN: SecretKind = SecretKind { name: "API token", flag: "--api-token", env: "MAGASIN_API_TOKEN" };
pub const SESSION_SECRET: SecretKind =
    SecretKind { name: "session secret", flag: "--session-secret", env: "MAGASIN_SESSION_SECRET" };

/// How to make a strong secret of `kind`.
pub fn how_to_make(kind: &SecretKind) -> String {
    format!(
        "make one with `openssl rand -hex 32` (or `head -c 32 /dev/urandom | base64`) and pass it as {} or {}",
        kind.flag, kind.env
    )
}

/// The token writes must carry: the configured one (checked in production), or the development
/// token when none is configured outside production.
pub fn api_token(configured: Option<&str>, production: bool) -> Result<String> {
    let configured = configured.map(str::trim).filter(|t| !t.is_empty());
    match (configured, production) {
        (Some(token), true) => {
            check_production_token(token)?;
            Ok(token.to_string())
        }
        (Some(token), false) => Ok(token.to_string()),
        (None, true) => bail!("--production needs an explicit API token: {}", how_to_make(&API_TOKEN)),
        (None, false) => Ok(DEVELOPMENT_TOKEN.to_string()),
    }
}

/// Refuses a production token that is short, repetitive or well known, saying how to make one.
pub fn check_production_token(token: &str) -> Result<()> {
    check_strong(&API_TOKEN, token, "in production")
}

/// Refuses a secret of `kind` that is short, repetitive or well known (`when`: where it is
/// refused, for the message), saying how to make one.
pub fn check_strong(kind: &SecretKind, secret: &str, when: &str) -> Result<()> {
    let (name, how) = (kind.name, how_to_make(kind));
    let lowered = secret.to_lowercase();
    if WELL_KNOWN.contains(&lowered.as_str()) {
        bail!("the {name} {secret:?} is well known and refused {when}: {how}");
    }
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!("the {name} holds spaces or control characters, refused {when}: {how}");
    }
    let chars = secret.chars().count();
    if chars < MIN_TOKEN_CHARS {
        bail!("the {name} has {chars} characters; {when} it needs at least {MIN_TOKEN_CHARS} of random text: {how}");
    }
    let distinct = secret.chars().collect::<HashSet<_>>().len();
    if distinct < MIN_DISTINCT_CHARS {
        bail!("the {name} repeats {distinct} different characters, too guessable {when}: {how}");
    }
    Ok(())
}

/// With the development token, which anyone can read in the docs, listen only on loopback,
/// unless `allow_network` says to accept it from other machines too.
pub fn check_bind(bind: SocketAddr, token: &str, allow_network: bool) -> Result<()> {
    if token == DEVELOPMENT_TOKEN && !bind.ip().is_loopback() && !allow_network {
        bail!(
            "refusing to listen on {bind} with the development token {DEVELOPMENT_TOKEN}, which anyone could use to \
             write: listen on 127.0.0.1 (the default), or set an API token ({}), or pass \
             --allow-dev-token-on-network to accept it from other machines anyway",
            how_to_make(&API_TOKEN)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("address")
    }

    #[test]
    fn production_refuses_short_repetitive_and_well_known_tokens() {
        for weak in ["a", "token-430", "TOKEN-430", "changeme", "0123456789abcdef", &"ab".repeat(20), "x y z"] {
            let refused = check_production_token(weak).expect_err(weak).to_string();
            assert!(refused.contains("openssl rand -hex 32"), "{weak}: the message says how to make one: {refused}");
        }
        check_production_token("3f9c2a7e1b8d4c6f0a5e9b2d7c1f8a3e6b0d4f2a9c7e5b1d3f8a6c0e2b4d9f7a").expect("64 hex");
        check_production_token("k8Jq2ZxP0vR7mT4nW9bY1cF6hL3sD5gA8eQ0uI2oX7E=").expect("base64 of 32 bytes");
    }

    #[test]
    fn production_needs_a_token_and_development_falls_back_to_the_labs() {
        assert!(api_token(None, true).is_err());
        assert!(api_token(Some("  "), true).is_err());
        assert!(api_token(Some("a"), true).is_err());
        assert_eq!(api_token(None, false).expect("development"), DEVELOPMENT_TOKEN);
        assert_eq!(api_token(Some(" short "), false).expect("development accepts any"), "short");
    }

    #[test]
    fn the_development_token_stays_on_loopback_unless_allowed() {
        assert!(check_bind(addr("127.0.0.1:8000"), DEVELOPMENT_TOKEN, false).is_ok());
        assert!(check_bind(addr("[::1]:8000"), DEVELOPMENT_TOKEN, false).is_ok());
        let refused = check_bind(addr("0.0.0.0:8000"), DEVELOPMENT_TOKEN, false).expect_err("network");
        assert!(refused.to_string().contains("--allow-dev-token-on-network"), "{refused}");
        assert!(check_bind(addr("192.168.1.10:8000"), DEVELOPMENT_TOKEN, false).is_err());
        assert!(check_bind(addr("0.0.0.0:8000"), DEVELOPMENT_TOKEN, true).is_ok());
        assert!(check_bind(addr("0.0.0.0:8000"), "a-token-of-this-deployment", false).is_ok());
    }
}
