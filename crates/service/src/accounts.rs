//! Accounts: who may act, how they prove it (an Argon2id-hashed password, personal API tokens
//! kept as hashes), and the check every write goes through ([`Services::authorize`]).

use crate::{ServiceError, ServiceResult, Services};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::Utc;
use magasin_domain::accounts::{
    Action, Actor, ApiTokenInfo, MAX_TOKEN_NAME, NewUser, Role, StoreScope, User, UserChange, check_password,
    parse_label, parse_login, scope_for,
};
use magasin_domain::{ApiTokenId, UserId, ValidationCode, ValidationErrors, WriteContext};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// What a refused action answers (the wording of the lab's DRF).
pub const FORBIDDEN: &str = "You do not have permission to perform this action.";

/// A hash of a password nobody has, checked when a sign-in names no account, so that an unknown
/// login costs the same time as a wrong password.
const UNKNOWN_USER_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZSBzYWx0IG5vYm9keQ$fBbdJ0mBSa5yYmGZcFAXmmhBjX/3ZXoPGoimYsNFDAI";

/// Personal tokens start with this, so that a leaked one is recognisable (secret scanners).
pub const TOKEN_PREFIX: &str = "mgs_";

/// A personal token as it is made: its secret is shown this once.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub info: ApiTokenInfo,
    pub secret: String,
}

/// Argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane).
fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// The Argon2id hash of `password` with a fresh random salt, as a PHC string.
pub fn hash_password(password: &str) -> ServiceResult<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| ServiceError::Internal(e.to_string().into()))?;
    let hash = hasher()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}").into()))?;
    Ok(hash.to_string())
}

/// Whether `password` is the one `hash` was made from (a malformed hash matches nothing).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| hasher().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// The SHA-256 of a token's secret, in hex: what is stored and looked up. A token is 256 random
/// bits, so a fast hash is enough (nothing to brute-force, unlike a password).
pub fn token_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn new_token_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{TOKEN_PREFIX}{hex}")
}

/// A random password for an account made without one: 20 characters from an alphabet without
/// look-alikes (about 115 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20).map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char).collect()
}

fn password_errors(field: &str, password: &str) -> ServiceResult<()> {
    check_password(password).map_err(|code| ServiceError::Invalid(ValidationErrors::single(field, code)))
}

/// Hashing costs tens of milliseconds of CPU: off the async workers.
async fn hash_off_thread(password: String) -> ServiceResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string().into()))?
}

impl Services {
    /// `Ok` when `actor` may do `action`, `Forbidden` otherwise.
    pub fn authorize(&self, actor: &Actor, action: Action) -> ServiceResult<()> {
        if actor.may(&action) { Ok(()) } else { Err(ServiceError::Forbidden(FORBIDDEN.into())) }
    }

    /// Creates an account with `password` (checked, then hashed).
    pub async fn create_user(&self, actor: &Actor, user: &NewUser, password: &str) -> ServiceResult<User> {
        self.authorize(actor, Action::ManageUsers)?;
        password_errors("mot_de_passe", password)?;
        let hash = hash_off_thread(password.to_string()).await?;
        Ok(self.storage.create_user(user, &hash, &WriteContext::by(actor, None, Utc::now())).await?)
    }

    pub async fn list_users(&self, actor: &Actor) -> ServiceResult<Vec<User>> {
        self.authorize(actor, Action::ManageUsers)?;
        Ok(self.storage.list_users().await?)
    }

    /// The account with `login` (an administrator's lookup).
    pub async fn user_by_login(&self, actor: &Actor, login: &str) -> ServiceResult<User> {
        self.authorize(actor, Action::ManageUsers)?;
        let unknown = |code| ServiceError::Invalid(ValidationErrors::single("login", code));
        let login = parse_login(login).map_err(unknown)?;
        let found = self.storage.user_credentials(&login).await?;
        found.map(|c| c.user).ok_or_else(|| unknown(ValidationCode::UnknownLogin))
    }

    /// One account (an administrator's read).
    pub async fn user(&self, actor: &Actor, id: UserId) -> ServiceResult<User> {
        self.authorize(actor, Action::ManageUsers)?;
        Ok(self.storage.get_user(id).await?)
    }

    /// Changes what is given of an account in one write: its state, its password (checked,
    /// then hashed), its role and stores. Any of them ends the account's sessions.
    pub async fn change_user(
        &self,
        actor: &Actor,
        id: UserId,
        disabled: Option<bool>,
        password: Option<&str>,
        role: Option<(Role, StoreScope)>,
    ) -> ServiceResult<User> {
        self.authorize(actor, Action::ManageUsers)?;
        let mut errors = ValidationErrors::new();
        if let Some(Err(code)) = password.map(check_password) {
            errors.add("mot_de_passe", code);
        }
        let role = match role.map(|(role, stores)| scope_for(role, stores).map(|stores| (role, stores))) {
            Some(Err(code)) => {
                errors.add("magasins", code);
                None
            }
            Some(Ok(role)) => Some(role),
            None => None,
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let password_hash = match password {
            Some(p) => Some(hash_off_thread(p.to_string()).await?),
            None => None,
        };
        let change = UserChange { disabled, password_hash, role };
        Ok(self.storage.update_user(id, &change, &WriteContext::by(actor, None, Utc::now())).await?)
    }

    /// Disables or enables an account.
    pub async fn set_user_disabled(&self, actor: &Actor, id: UserId, disabled: bool) -> ServiceResult<User> {
        self.authorize(actor, Action::ManageUsers)?;
        let change = UserChange { disabled: Some(disabled), ..UserChange::default() };
        Ok(self.storage.update_user(id, &change, &WriteContext::by(actor, None, Utc::now())).await?)
    }

    /// Sets an account's password (an administrator's reset).
    pub async fn set_user_password(&self, actor: &Actor, id: UserId, password: &str) -> ServiceResult<User> {
        self.authorize(actor, Action::ManageUsers)?;
        password_errors("mot_de_passe", password)?;
        let hash = hash_off_thread(password.to_string()).await?;
        let change = UserChange { password_hash: Some(hash), ..UserChange::default() };
        Ok(self.storage.update_user(id, &change, &WriteContext::by(actor, None, Utc::now())).await?)
    }

    /// Gives an account another role and stores (the chain's roles act for every store).
    pub async fn set_user_role(
        &self,
        actor: &Actor,
        id: UserId,
        role: Role,
        stores: StoreScope,
    ) -> ServiceResult<User> {
        self.authorize(actor, Action::ManageUsers)?;
        let stores = scope_for(role, stores)
            .map_err(|code| ServiceError::Invalid(ValidationErrors::single("magasins", code)))?;
        let change = UserChange { role: Some((role, stores)), ..UserChange::default() };
        Ok(self.storage.update_user(id, &change, &WriteContext::by(actor, None, Utc::now())).await?)
    }

    /// A user changes their own password, proving the current one. Every session of theirs ends
    /// (the caller starts a new one for the user's new session epoch). The service token has no
    /// password to change.
    pub async fn change_own_password(&self, actor: &Actor, current: &str, new: &str) -> ServiceResult<User> {
        let Actor::User(me) = actor else {
            return Err(ServiceError::Forbidden(FORBIDDEN.into()));
        };
        let mut errors = ValidationErrors::new();
        if self.check_password(&me.login, current).await?.is_none() {
            errors.add("mot_de_passe_actuel", ValidationCode::WrongPassword);
        }
        if let Err(code) = check_password(new) {
            errors.add("mot_de_passe", code);
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let hash = hash_off_thread(new.to_string()).await?;
        let change = UserChange { password_hash: Some(hash), ..UserChange::default() };
        Ok(self.storage.update_user(me.id, &change, &WriteContext::by(actor, None, Utc::now())).await?)
    }

    /// The account a user acts as (their own, read without the administrators' right).
    pub async fn own_account(&self, actor: &Actor) -> ServiceResult<Option<User>> {
        match actor {
            Actor::User(me) => Ok(Some(self.storage.get_user(me.id).await?)),
            Actor::Service => Ok(None),
        }
    }

    /// Makes a personal token for `user`: an administrator for anyone, a user for themselves.
    pub async fn issue_api_token(&self, actor: &Actor, user: UserId, name: &str) -> ServiceResult<IssuedToken> {
        self.authorize_for_user(actor, user)?;
        let name = parse_label(name, MAX_TOKEN_NAME)
            .map_err(|code| ServiceError::Invalid(ValidationErrors::single("nom", code)))?;
        let secret = new_token_secret();
        let info = self
            .storage
            .create_api_token(user, &name, &token_hash(&secret), &WriteContext::by(actor, None, Utc::now()))
            .await?;
        Ok(IssuedToken { info, secret })
    }

    pub async fn list_api_tokens(&self, actor: &Actor, user: UserId) -> ServiceResult<Vec<ApiTokenInfo>> {
        self.authorize_for_user(actor, user)?;
        Ok(self.storage.list_api_tokens(user).await?)
    }

    pub async fn revoke_api_token(&self, actor: &Actor, user: UserId, id: ApiTokenId) -> ServiceResult<ApiTokenInfo> {
        self.authorize_for_user(actor, user)?;
        Ok(self.storage.revoke_api_token(user, id, &WriteContext::by(actor, None, Utc::now())).await?)
    }

    /// Who holds the personal token `secret`: `None` when it is unknown, revoked, or its user is
    /// disabled.
    pub async fn actor_for_token(&self, secret: &str) -> ServiceResult<Option<Actor>> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() != TOKEN_PREFIX.len() + 64 {
            return Ok(None);
        }
        let holder = self.storage.api_token_holder(&token_hash(secret), Utc::now()).await?;
        Ok(holder.and_then(|user| user.actor()))
    }

    /// Checks a sign-in: `Ok(user)` when the login names an enabled account whose password this
    /// is. A wrong login and a wrong password take the same time and answer the same.
    pub async fn check_password(&self, login: &str, password: &str) -> ServiceResult<Option<User>> {
        let found = match parse_login(login) {
            Ok(login) => self.storage.user_credentials(&login).await?,
            Err(_) => None,
        };
        let hash = found.as_ref().map_or_else(|| UNKNOWN_USER_HASH.to_string(), |c| c.password_hash.clone());
        let password = password.to_string();
        let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string().into()))?;
        Ok(found.filter(|c| matches && !c.user.disabled).map(|c| c.user))
    }

    /// The actor of a session of user `id` started under `epoch`: `None` once the user's
    /// sessions ended (signed out, new password or role, disabled) or the account is gone.
    pub async fn session_actor(&self, id: UserId, epoch: i64) -> ServiceResult<Option<Actor>> {
        match self.storage.get_user(id).await {
            Ok(user) if user.session_epoch == epoch => Ok(user.actor()),
            Ok(_) | Err(magasin_domain::StorageError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    /// Ends every session of user `id`, on every instance (signing out).
    pub async fn end_sessions(&self, id: UserId) -> ServiceResult<()> {
        self.storage.end_sessions(id).await?;
        Ok(())
    }

    /// Administrators act on every account; a user on their own.
    fn authorize_for_user(&self, actor: &Actor, user: UserId) -> ServiceResult<()> {
        match actor {
            Actor::User(me) if me.id == user => Ok(()),
            _ => self.authorize(actor, Action::ManageUsers),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!verify_password("correct horse battery", "not a hash"));
        assert_ne!(hash, hash_password("correct horse battery").expect("hash"), "a fresh salt each time");
    }

    /// An unknown login is checked against a real hash, so it costs what a wrong password costs.
    #[test]
    fn the_hash_of_nobody_is_a_real_argon2id_hash() {
        let parsed = PasswordHash::new(UNKNOWN_USER_HASH).expect("a PHC string");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert!(!verify_password("", UNKNOWN_USER_HASH));
    }

    #[test]
    fn tokens_are_random_prefixed_and_stored_as_hashes() {
        let (a, b) = (new_token_secret(), new_token_secret());
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
        assert!(!token_hash(&a).contains(&a[TOKEN_PREFIX.len()..]));
    }

    #[test]
    fn generated_passwords_pass_the_policy() {
        let password = generate_password();
        assert_eq!(check_password(&password), Ok(()));
        assert_ne!(password, generate_password());
    }
}
