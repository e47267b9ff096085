//! The visitor's session and flash message, both in signed cookies (no server-side store: every
//! instance given the same session secret derives the same keys), and the CSRF token derived from
//! the session. The keys come from the session secret alone, never from a token: a signed cookie
//! tells nothing about any credential.

use super::layout::UiError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::SignedCookieJar;
use axum_extra::extract::cookie::{Cookie, Key, SameSite};
use magasin_service::domain::accounts::Actor;
use sha2::{Digest, Sha256};
use std::convert::Infallible;
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "magasin_session";
pub const FLASH_COOKIE: &str = "magasin_flash";
/// Name of the hidden field every form carries.
pub const CSRF_FIELD: &str = "csrf";

/// The secret the web interface's cookie and CSRF keys come from: random, and independent of every
/// token. Its `Debug` never shows it.
#[derive(Clone)]
pub struct SessionSecret([u8; 32]);

impl SessionSecret {
    /// A new random secret (for one process: its sessions end with it).
    pub fn random() -> Self {
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        SessionSecret(bytes)
    }

    /// The secret an operator configured (its text, hashed to 32 bytes).
    pub fn from_text(text: &str) -> Self {
        SessionSecret(Sha256::digest(text.as_bytes()).into())
    }

    /// 64 bytes for `purpose`, which reveal nothing of the secret nor of another purpose's bytes.
    fn derive(&self, purpose: &str) -> [u8; 64] {
        let mut hasher = sha2::Sha512::new();
        hasher.update(b"magasin-session:");
        hasher.update(purpose.as_bytes());
        hasher.update(b":");
        hasher.update(self.0);
        hasher.finalize().into()
    }
}

impl std::fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionSecret(***)")
    }
}

/// The keys of the web interface, derived from the session secret, and how its cookies are sent.
#[derive(Clone)]
pub struct SessionKeys {
    pub cookies: Key,
    csrf: [u8; 64],
    /// How long a sign-in lasts.
    pub limits: SessionLimits,
    /// Mark the cookies `Secure` (sent over HTTPS only): for deployments served over TLS.
    secure: bool,
}

impl SessionKeys {
    pub fn new(secret: &SessionSecret) -> Self {
        Self {
            cookies: Key::from(&secret.derive("ui-cookies")),
            csrf: secret.derive("ui-csrf"),
            limits: SessionLimits::default(),
            secure: false,
        }
    }

    pub fn is_secure(&self) -> bool {
        self.secure
    }

    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// A cookie of the web interface: whole site, HttpOnly, SameSite=Strict, and Secure when set.
    fn cookie(&self, name: &'static str, value: String) -> Cookie<'static> {
        Cookie::build((name, value)).path("/").http_only(true).same_site(SameSite::Strict).secure(self.secure).build()
    }

    /// The CSRF token of a session: only who holds the session cookie can know it.
    pub fn csrf_token(&self, session: &Session) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.csrf);
        hasher.update(session.id.as_bytes());
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn csrf_matches(&self, session: &Session, candidate: &str) -> bool {
        self.csrf_token(session).as_bytes().ct_eq(candidate.as_bytes()).into()
    }

    /// The session and flash carried by these request headers.
    pub fn read(&self, headers: &axum::http::HeaderMap) -> (SignedCookieJar, Option<Session>, Option<Flash>) {
        let jar = SignedCookieJar::from_headers(headers, self.cookies.clone());
        let session = jar.get(SESSION_COOKIE).and_then(|c| Session::decode(c.value()));
        let flash = jar.get(FLASH_COOKIE).and_then(|c| Flash::decode(c.value()));
        (jar, session, flash)
    }
}

/// Who a session is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// Not signed in.
    Nobody,
    /// Signed in with the service token: acts as an administrator.
    Service,
    /// Signed in as user `id`, while the user's session epoch is `epoch`.
    User { id: i64, epoch: i64 },
}

/// A visitor's session: an opaque id, who holds it, when it started and when it was last seen
/// (seconds since the epoch), all in the signed cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    id: String,
    pub holder: Holder,
    started: i64,
    seen: i64,
}

/// A session's last sight is written again at most this often (seconds).
const SEEN_PRECISION: i64 = 60;

fn now_seconds() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Session {
    pub fn fresh(holder: Holder) -> Self {
        let now = now_seconds();
        Self { id: uuid::Uuid::new_v4().simple().to_string(), holder, started: now, seen: now }
    }

    pub fn signed_in(&self) -> bool {
        self.holder != Holder::Nobody
    }

    fn encode(&self) -> String {
        let (kind, user, epoch) = match self.holder {
            Holder::Nobody => ('n', 0, 0),
            Holder::Service => ('s', 0, 0),
            Holder::User { id, epoch } => ('u', id, epoch),
        };
        format!("{}.{kind}.{user}.{epoch}.{}.{}", self.id, self.started, self.seen)
    }

    fn decode(value: &str) -> Option<Self> {
        let mut parts = value.split('.');
        let id = parts.next().filter(|id| !id.is_empty())?.to_string();
        let kind = parts.next()?;
        let mut number = || parts.next().and_then(|n| n.parse::<i64>().ok());
        let (user, epoch, started, seen) = (number()?, number()?, number()?, number()?);
        let holder = match kind {
            "n" => Holder::Nobody,
            "s" => Holder::Service,
            "u" => Holder::User { id: user, epoch },
            _ => return None,
        };
        Some(Self { id, holder, started, seen })
    }

    /// Whether the session is past its idle timeout or its lifetime.
    fn expired(&self, limits: &SessionLimits) -> bool {
        let now = now_seconds();
        now - self.seen > limits.idle.as_secs() as i64 || now - self.started > limits.lifetime.as_secs() as i64
    }
}

/// How long a sign-in lasts: ended after `idle` without a request, and after `lifetime` anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: std::time::Duration,
    pub lifetime: std::time::Duration,
}

impl Default for SessionLimits {
    /// Two idle hours (a break at the till) and a twelve-hour day.
    fn default() -> Self {
        Self { idle: std::time::Duration::from_secs(2 * 3600), lifetime: std::time::Duration::from_secs(12 * 3600) }
    }
}

/// How a flash message looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashKind {
    Success,
    Error,
}

impl FlashKind {
    pub fn css_class(self) -> &'static str {
        match self {
            FlashKind::Success => "success",
            FlashKind::Error => "error",
        }
    }
}

/// A message shown once, on the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

impl Flash {
    pub fn success(message: impl Into<String>) -> Self {
        Self { kind: FlashKind::Success, message: message.into() }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self { kind: FlashKind::Error, message: message.into() }
    }

    fn encode(&self) -> String {
        let kind = match self.kind {
            FlashKind::Success => 's',
            FlashKind::Error => 'e',
        };
        format!("{kind}{}", self.message)
    }

    fn decode(value: &str) -> Option<Self> {
        let mut chars = value.chars();
        let kind = match chars.next()? {
            's' => FlashKind::Success,
            'e' => FlashKind::Error,
            _ => return None,
        };
        Some(Self { kind, message: chars.as_str().to_string() })
    }
}

/// Whoever is asking for a page: their session (created on the first visit), who acts through it,
/// the flash waiting for them, and the cookies to send back.
pub struct Visitor {
    pub session: Session,
    /// Who acts through the session: checked against the user's account on every request.
    pub acting: Option<Actor>,
    pub flash: Option<Flash>,
    pub csrf: String,
    jar: SignedCookieJar,
    keys: SessionKeys,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(Visitor::of_request(parts, state).await)
    }
}

/// What the check of a request's session found, kept in the request's extensions so that the
/// guards and the handler of one request ask the database once.
#[derive(Clone)]
struct CheckedSession {
    acting: Option<Actor>,
    /// The user's sessions were ended (or the account disabled) since this one started.
    ended: bool,
}

impl Visitor {
    /// The visitor of this request, their session's holder checked once per request: a user's
    /// session is honoured while the account is enabled and its sessions have not been ended
    /// since; an ended or expired session becomes a fresh anonymous one.
    pub async fn of_request(parts: &mut Parts, state: &AppState) -> Self {
        let mut visitor = Visitor::from_headers(&parts.headers, &state.ui.keys);
        let checked = match parts.extensions.get::<CheckedSession>() {
            Some(checked) => checked.clone(),
            None => {
                let checked = visitor.check(state).await;
                parts.extensions.insert(checked.clone());
                checked
            }
        };
        if checked.ended {
            visitor.restart_session(Holder::Nobody);
        }
        visitor.acting = checked.acting;
        visitor
    }

    async fn check(&self, state: &AppState) -> CheckedSession {
        let (acting, ended) = match self.session.holder {
            Holder::Nobody => (None, false),
            Holder::Service => (Some(Actor::Service), false),
            Holder::User { id, epoch } => {
                match state.services.session_actor(magasin_service::domain::UserId(id), epoch).await {
                    Ok(Some(actor)) => (Some(actor), false),
                    Ok(None) => (None, true),
                    // The database cannot say: not signed in for this request, the session kept.
                    Err(_) => (None, false),
                }
            }
        };
        CheckedSession { acting, ended }
    }

    pub fn from_headers(headers: &axum::http::HeaderMap, keys: &SessionKeys) -> Self {
        let (mut jar, session, flash) = keys.read(headers);
        let session = match session {
            Some(session) if !session.expired(&keys.limits) => {
                if now_seconds() - session.seen >= SEEN_PRECISION {
                    let seen = Session { seen: now_seconds(), ..session };
                    jar = jar.clone().add(keys.cookie(SESSION_COOKIE, seen.encode()));
                    seen
                } else {
                    session
                }
            }
            _ => {
                let fresh = Session::fresh(Holder::Nobody);
                jar = jar.clone().add(keys.cookie(SESSION_COOKIE, fresh.encode()));
                fresh
            }
        };
        if flash.is_some() {
            jar = jar.clone().remove(keys.cookie(FLASH_COOKIE, String::new()));
        }
        let csrf = keys.csrf_token(&session);
        let acting = (session.holder == Holder::Service).then_some(Actor::Service);
        Visitor { session, acting, flash, csrf, jar, keys: keys.clone() }
    }

    /// Who acts through this session; an anonymous visitor may not write (the post guard sends
    /// them to sign in before a handler is reached).
    pub fn actor(&self) -> Result<Actor, UiError> {
        self.acting.clone().ok_or_else(|| UiError::Forbidden(super::strings::current().sign_in_to_write.to_string()))
    }

    /// Starts a new session (a new id, so a new CSRF token): on sign-in and sign-out.
    pub fn restart_session(&mut self, holder: Holder) {
        self.session = Session::fresh(holder);
        self.csrf = self.keys.csrf_token(&self.session);
        self.jar = self.jar.clone().add(self.keys.cookie(SESSION_COOKIE, self.session.encode()));
    }

    /// `response` with this visitor's cookies.
    pub fn respond(self, response: impl IntoResponse) -> Response {
        (self.jar, response).into_response()
    }

    /// Goes to `to` (303, so a reload does not post again), with `flash` on the next page.
    pub fn redirect(self, to: &str, flash: Flash) -> Response {
        let jar = self.jar.add(self.keys.cookie(FLASH_COOKIE, flash.encode()));
        (jar, Redirect::to(to)).into_response()
    }
}

/// A redirection carrying a flash, for callers without a [`Visitor`] (the guard).
pub fn redirect_with_flash(keys: &SessionKeys, headers: &axum::http::HeaderMap, to: &str, flash: Flash) -> Response {
    Visitor::from_headers(headers, keys).redirect(to, flash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_and_flashes_round_trip() {
        for holder in [Holder::Nobody, Holder::Service, Holder::User { id: 7, epoch: 3 }] {
            let session = Session::fresh(holder);
            assert_eq!(Session::decode(&session.encode()), Some(session));
        }
        assert_eq!(Session::decode("abc.1"), None, "the format before user sessions: signed out");
        assert_eq!(Session::decode("abc.x.0.0.1.1"), None);
        assert_eq!(Session::decode(".n.0.0.1.1"), None);
        let flash = Flash::error("Stock insuffisant : « Café »");
        assert_eq!(Flash::decode(&flash.encode()), Some(flash));
        assert_eq!(Flash::decode("xhello"), None);
    }

    #[test]
    fn csrf_tokens_belong_to_one_session_and_one_key() {
        let keys = SessionKeys::new(&SessionSecret::from_text("one secret"));
        let (a, b) = (Session::fresh(Holder::Nobody), Session::fresh(Holder::Nobody));
        let token = keys.csrf_token(&a);
        assert!(keys.csrf_matches(&a, &token));
        assert!(!keys.csrf_matches(&b, &token));
        assert!(!keys.csrf_matches(&a, ""));
        let other = SessionKeys::new(&SessionSecret::random());
        assert!(!other.csrf_matches(&a, &token));
    }

    /// The cookie keys come from the session secret alone: every instance given the same secret
    /// reads the others' cookies whatever their API tokens; another secret reads none.
    #[test]
    fn cookies_are_read_with_the_session_secret_only() {
        let secret = SessionSecret::from_text("shared by every instance of the chain");
        let first_visit = Visitor::from_headers(&axum::http::HeaderMap::new(), &SessionKeys::new(&secret));
        let session = first_visit.session.clone();
        let response = first_visit.respond("page");
        let mut headers = axum::http::HeaderMap::new();
        for cookie in response.headers().get_all(axum::http::header::SET_COOKIE) {
            let pair = cookie.to_str().unwrap_or_default().split(';').next().unwrap_or_default().to_string();
            headers.append(axum::http::header::COOKIE, pair.parse().expect("cookie header"));
        }
        let (_, same, _) = SessionKeys::new(&secret).read(&headers);
        assert_eq!(same, Some(session), "another instance with the same secret");
        let (_, other, _) = SessionKeys::new(&SessionSecret::random()).read(&headers);
        assert_eq!(other, None, "a cookie signed with another secret is not believed");
        assert_eq!(format!("{secret:?}"), "SessionSecret(***)");
    }

    /// The `Set-Cookie` headers of a first visit's page and of a redirection with a flash.
    fn set_cookies(keys: &SessionKeys) -> Vec<String> {
        let empty = axum::http::HeaderMap::new();
        let page = Visitor::from_headers(&empty, keys).respond("page");
        let redirect = Visitor::from_headers(&empty, keys).redirect("/", Flash::success("ok"));
        [page, redirect]
            .iter()
            .flat_map(|r| r.headers().get_all(axum::http::header::SET_COOKIE).iter())
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_when_set() {
        let plain = set_cookies(&SessionKeys::new(&SessionSecret::random()));
        let secure = set_cookies(&SessionKeys::new(&SessionSecret::random()).with_secure_cookies(true));
        assert_eq!(plain.len(), 3, "session on both, flash on the redirection: {plain:?}");
        assert_eq!(secure.len(), 3, "{secure:?}");
        for cookie in plain.iter().chain(&secure) {
            assert!(
                cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"),
                "{cookie}"
            );
        }
        assert!(plain.iter().all(|c| !c.contains("Secure")), "{plain:?}");
        assert!(secure.iter().all(|c| c.contains("; Secure")), "{secure:?}");
        assert!(secure.iter().any(|c| c.starts_with("magasin_flash=")));
    }
}
