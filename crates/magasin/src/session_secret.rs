//! The web interface's session secret: the one configured, or — for the embedded default — one
//! made once and kept beside the SQLite database, so that sessions survive a restart. Never
//! derived from a token, never logged.

use crate::startup_checks::{SESSION_SECRET, check_strong, how_to_make};
use anyhow::{Context, Result, bail};
use magasin_web::ui::session::SessionSecret;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the secret of the SQLite database `url` is kept: beside its file (`None` in memory).
pub fn file_beside(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let file = path.split('?').next().unwrap_or(path);
    (!file.is_empty() && !file.starts_with(":memory:")).then(|| PathBuf::from(format!("{file}.session-secret")))
}

/// The secret to use: `configured` (checked), else the one kept beside the SQLite database
/// (made when absent), else — PostgreSQL in development — a random one for this process.
/// PostgreSQL in production needs it configured: every instance must share it.
pub fn resolve(configured: Option<&str>, database_url: &str, production: bool) -> Result<SessionSecret> {
    if let Some(text) = configured.map(str::trim).filter(|t| !t.is_empty()) {
        check_strong(&SESSION_SECRET, text, "for signing sessions")?;
        return Ok(SessionSecret::from_text(text));
    }
    if let Some(file) = file_beside(database_url) {
        return kept_in(&file);
    }
    let is_sqlite = database_url.starts_with("sqlite:");
    if production && !is_sqlite {
        bail!(
            "--production with PostgreSQL needs a session secret shared by every instance: {}",
            how_to_make(&SESSION_SECRET)
        );
    }
    tracing::warn!(
        "no session secret given: a random one for this process (sign-ins end when it stops and do not \
         move between instances; give every instance the same --session-secret)"
    );
    Ok(SessionSecret::random())
}

/// The secret kept in `file`, made (random, readable by its owner only) when the file is absent.
fn kept_in(file: &Path) -> Result<SessionSecret> {
    match std::fs::read_to_string(file) {
        Ok(text) => {
            check_strong(&SESSION_SECRET, text.trim(), "for signing sessions")
                .with_context(|| format!("the session secret kept in {}", file.display()))?;
            tracing::info!(file = %file.display(), "session secret read from beside the database");
            Ok(SessionSecret::from_text(text.trim()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
            let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut out = options.open(file).with_context(|| format!("creating {}", file.display()))?;
            writeln!(out, "{text}").with_context(|| format!("writing {}", file.display()))?;
            tracing::info!(file = %file.display(), "session secret made and kept beside the database");
            Ok(SessionSecret::from_text(&text))
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", file.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_kept_beside_the_sqlite_file() {
        assert_eq!(file_beside("sqlite://data/magasin.db"), Some(PathBuf::from("data/magasin.db.session-secret")));
        assert_eq!(file_beside("sqlite:shop.db?mode=rwc"), Some(PathBuf::from("shop.db.session-secret")));
        assert_eq!(file_beside("sqlite::memory:"), None);
        assert_eq!(file_beside("postgres://localhost/magasin"), None);
    }

    #[test]
    fn a_kept_secret_is_made_once_private_and_read_again() {
        let folder = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/shop.db", folder.path().display());
        let file = file_beside(&url).expect("beside");
        resolve(None, &url, false).expect("made");
        let kept = std::fs::read_to_string(&file).expect("kept");
        assert_eq!(kept.trim().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).expect("metadata").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "readable by its owner only");
        }
        resolve(None, &url, true).expect("read again, in production too");
        assert_eq!(std::fs::read_to_string(&file).expect("kept"), kept, "made once");
    }

    #[test]
    fn a_configured_secret_must_be_strong_and_postgres_in_production_needs_one() {
        let strong = "8f3a1c9e0b7d4f2a6c5e8b1d3f7a9c0e";
        assert!(resolve(Some(strong), "postgres://db/magasin", true).is_ok());
        let weak = resolve(Some("token-430"), "postgres://db/magasin", false).expect_err("weak");
        assert!(weak.to_string().contains("openssl rand -hex 32"), "{weak}");
        let missing = resolve(None, "postgres://db/magasin", true).expect_err("missing");
        assert!(missing.to_string().contains("--session-secret"), "{missing}");
        assert!(resolve(None, "postgres://db/magasin", false).is_ok(), "development: a random one");
    }
}
