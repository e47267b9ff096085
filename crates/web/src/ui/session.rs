//! The visitor's session and flash message, both in signed cookies (no server-side store: every
//! instance given the same session secret derives the same keys), and the CSRF token derived from
//! the session. The keys come from the session secret alone, never from a token: a signed cookie
//! tells nothing about any credential.
//!
//! Nothing is signed for a visitor who is not signed in: no session cookie, no flash cookie. The
//! sign-in form, their one form, is protected by a random unsigned token sent both as a cookie
//! and as a form field (a cross-site page can neither read the cookie nor make the browser send
//! it); the messages they are shown after a redirection are [`Notice`]s named in the URL.

use super::layout::UiError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, Key, SameSite};
use axum_extra::extract::{CookieJar, SignedCookieJar};
use magasin_service::domain::accounts::Actor;
use sha2::{Digest, Sha256};
use std::convert::Infallible;
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "magasin_session";
pub const FLASH_COOKIE: &str = "magasin_flash";
/// The sign-in form's token, for a visitor who is not signed in: random, not signed.
pub const FORM_COOKIE: &str = "magasin_form";
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

/// A fresh sign-in form token: 128 random bits in hex.
fn random_form_token() -> String {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `value` looks like a form token this site made (anything else is ignored).
fn is_form_token(value: &str) -> bool {
    value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Who a session is for (there is no session for a visitor who is not signed in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
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

    fn encode(&self) -> String {
        let (kind, user, epoch) = match self.holder {
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

/// A message for a visitor who is not signed in, after a redirection: named in the URL's `avis`
/// parameter, so it needs no cookie, and one of a fixed list, so a link can show nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    SignedOut,
    SignInToWrite,
}

/// The query parameter that names a [`Notice`].
pub const NOTICE_PARAM: &str = "avis";

impl Notice {
    pub fn key(self) -> &'static str {
        match self {
            Notice::SignedOut => "deconnexion",
            Notice::SignInToWrite => "connexion-requise",
        }
    }

    fn parse(key: &str) -> Option<Self> {
        [Notice::SignedOut, Notice::SignInToWrite].into_iter().find(|n| n.key() == key)
    }

    /// The notice named in `query`, if any.
    fn in_query(query: Option<&str>) -> Option<Self> {
        form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == NOTICE_PARAM).and_then(|(_, v)| Self::parse(&v))
    }

    fn flash(self) -> Flash {
        let t = super::strings::current();
        match self {
            Notice::SignedOut => Flash::success(t.signed_out),
            Notice::SignInToWrite => Flash::error(t.sign_in_to_write),
        }
    }

    /// `to` with this notice in its query string.
    pub fn on(self, to: &str) -> String {
        let separator = if to.contains('?') { '&' } else { '?' };
        format!("{to}{separator}{NOTICE_PARAM}={}", self.key())
    }
}

/// Whoever is asking for a page: their session when they are signed in, who acts through it, the
/// flash waiting for them, their form token, and the cookies to send back.
pub struct Visitor {
    pub session: Option<Session>,
    /// Who acts through the session: checked against the user's account on every request.
    pub acting: Option<Actor>,
    pub flash: Option<Flash>,
    /// The token every form of the page carries: derived from the session when signed in, the
    /// form cookie's otherwise.
    pub csrf: String,
    /// Not signed in, the form token came with the request (rather than being made for it).
    form_token_sent: bool,
    jar: SignedCookieJar,
    plain: CookieJar,
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
    /// since; an ended or expired session is dropped (the visitor is no longer signed in).
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
            visitor.sign_out();
        }
        visitor.acting = checked.acting;
        if visitor.session.is_none() && visitor.flash.is_none() {
            visitor.flash = Notice::in_query(parts.uri.query()).map(Notice::flash);
        }
        visitor
    }

    async fn check(&self, state: &AppState) -> CheckedSession {
        let (acting, ended) = match self.session.as_ref().map(|s| s.holder) {
            None => (None, false),
            Some(Holder::Service) => (Some(Actor::Service), false),
            Some(Holder::User { id, epoch }) => {
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
        let plain = CookieJar::from_headers(headers);
        let session = match session {
            Some(session) if !session.expired(&keys.limits) => {
                if now_seconds() - session.seen >= SEEN_PRECISION {
                    let seen = Session { seen: now_seconds(), ..session };
                    jar = jar.clone().add(keys.cookie(SESSION_COOKIE, seen.encode()));
                    Some(seen)
                } else {
                    Some(session)
                }
            }
            _ => {
                if jar.get(SESSION_COOKIE).is_some() || plain.get(SESSION_COOKIE).is_some() {
                    jar = jar.clone().remove(keys.cookie(SESSION_COOKIE, String::new()));
                }
                None
            }
        };
        let flash = match flash {
            Some(flash) => {
                jar = jar.clone().remove(keys.cookie(FLASH_COOKIE, String::new()));
                // A flash is for a signed-in visitor; one left from a session that ended is dropped.
                session.as_ref().map(|_| flash)
            }
            None => None,
        };
        let sent = plain.get(FORM_COOKIE).map(|c| c.value().to_string()).filter(|v| is_form_token(v));
        let (csrf, form_token_sent) = match (&session, sent) {
            (Some(session), _) => (keys.csrf_token(session), false),
            (None, Some(sent)) => (sent, true),
            (None, None) => (random_form_token(), false),
        };
        let acting = session.as_ref().filter(|s| s.holder == Holder::Service).map(|_| Actor::Service);
        Visitor { session, acting, flash, csrf, form_token_sent, jar, plain, keys: keys.clone() }
    }

    /// Who acts through this session; an anonymous visitor may not write (the post guard sends
    /// them to sign in before a handler is reached).
    pub fn actor(&self) -> Result<Actor, UiError> {
        self.acting.clone().ok_or_else(|| UiError::Forbidden(super::strings::current().sign_in_to_write.to_string()))
    }

    /// Whether `candidate` is the token of this visitor's forms: the session's when signed in;
    /// otherwise the one of the form cookie that came with the request.
    pub fn csrf_matches(&self, candidate: &str) -> bool {
        match &self.session {
            Some(session) => self.keys.csrf_matches(session, candidate),
            None => self.form_token_sent && bool::from(self.csrf.as_bytes().ct_eq(candidate.as_bytes())),
        }
    }

    /// Sends the form token as a cookie with this page, for a visitor who is not signed in and did
    /// not have one: the page carries the sign-in form.
    pub fn offer_sign_in(&mut self) {
        if self.session.is_none() && !self.form_token_sent {
            self.plain = self.plain.clone().add(self.keys.cookie(FORM_COOKIE, self.csrf.clone()));
            self.form_token_sent = true;
        }
    }

    /// Starts a new session for `holder` (a new id, so a new CSRF token); the form cookie goes.
    pub fn sign_in(&mut self, holder: Holder) {
        let session = Session::fresh(holder);
        self.csrf = self.keys.csrf_token(&session);
        self.jar = self.jar.clone().add(self.keys.cookie(SESSION_COOKIE, session.encode()));
        self.session = Some(session);
        if self.plain.get(FORM_COOKIE).is_some() {
            self.plain = self.plain.clone().remove(self.keys.cookie(FORM_COOKIE, String::new()));
        }
    }

    /// Drops the session: the visitor is no longer signed in, and their cookie is removed.
    pub fn sign_out(&mut self) {
        if self.session.take().is_some() {
            self.jar = self.jar.clone().remove(self.keys.cookie(SESSION_COOKIE, String::new()));
        }
        self.acting = None;
        self.flash = None;
        self.csrf = random_form_token();
        self.form_token_sent = false;
    }

    /// `response` with this visitor's cookies.
    pub fn respond(self, response: impl IntoResponse) -> Response {
        (self.jar, self.plain, response).into_response()
    }

    /// Goes to `to` (303, so a reload does not post again), with `flash` on the next page. A
    /// visitor who is not signed in gets no flash cookie: see [`Visitor::redirect_with_notice`].
    pub fn redirect(self, to: &str, flash: Flash) -> Response {
        let jar = match self.session {
            Some(_) => self.jar.add(self.keys.cookie(FLASH_COOKIE, flash.encode())),
            None => self.jar,
        };
        (jar, self.plain, Redirect::to(to)).into_response()
    }

    /// Goes to `to` with `notice` named in its URL.
    pub fn redirect_with_notice(self, to: &str, notice: Notice) -> Response {
        (self.jar, self.plain, Redirect::to(&notice.on(to))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_and_flashes_round_trip() {
        for holder in [Holder::Service, Holder::User { id: 7, epoch: 3 }] {
            let session = Session::fresh(holder);
            assert_eq!(Session::decode(&session.encode()), Some(session));
        }
        assert_eq!(Session::decode("abc.1"), None, "the format before user sessions: signed out");
        assert_eq!(Session::decode("abc.n.0.0.1.1"), None, "the anonymous sessions of earlier versions");
        assert_eq!(Session::decode("abc.x.0.0.1.1"), None);
        assert_eq!(Session::decode(".n.0.0.1.1"), None);
        let flash = Flash::error("Stock insuffisant : « Café »");
        assert_eq!(Flash::decode(&flash.encode()), Some(flash));
        assert_eq!(Flash::decode("xhello"), None);
    }

    #[test]
    fn csrf_tokens_belong_to_one_session_and_one_key() {
        let keys = SessionKeys::new(&SessionSecret::from_text("one secret"));
        let (a, b) = (Session::fresh(Holder::Service), Session::fresh(Holder::Service));
        let token = keys.csrf_token(&a);
        assert!(keys.csrf_matches(&a, &token));
        assert!(!keys.csrf_matches(&b, &token));
        assert!(!keys.csrf_matches(&a, ""));
        let other = SessionKeys::new(&SessionSecret::random());
        assert!(!other.csrf_matches(&a, &token));
    }

    /// The `Set-Cookie` headers of `response`.
    fn set_cookies_of(response: &Response) -> Vec<String> {
        response
            .headers()
            .get_all(axum::http::header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .collect()
    }

    /// A `Cookie` request header sending back what `response` set.
    fn sent_back(response: &Response) -> axum::http::HeaderMap {
        let mut headers = axum::http::HeaderMap::new();
        for cookie in set_cookies_of(response) {
            let pair = cookie.split(';').next().unwrap_or_default().to_string();
            headers.append(axum::http::header::COOKIE, pair.parse().expect("cookie header"));
        }
        headers
    }

    /// A visitor who just signed in with `keys`.
    fn signed_in(keys: &SessionKeys) -> Visitor {
        let mut visitor = Visitor::from_headers(&axum::http::HeaderMap::new(), keys);
        visitor.sign_in(Holder::User { id: 7, epoch: 1 });
        visitor
    }

    /// The cookie keys come from the session secret alone: every instance given the same secret
    /// reads the others' cookies whatever their API tokens; another secret reads none.
    #[test]
    fn cookies_are_read_with_the_session_secret_only() {
        let secret = SessionSecret::from_text("shared by every instance of the chain");
        let visitor = signed_in(&SessionKeys::new(&secret));
        let session = visitor.session.clone();
        let headers = sent_back(&visitor.respond("page"));
        let (_, same, _) = SessionKeys::new(&secret).read(&headers);
        assert_eq!(same, session, "another instance with the same secret");
        let (_, other, _) = SessionKeys::new(&SessionSecret::random()).read(&headers);
        assert_eq!(other, None, "a cookie signed with another secret is not believed");
        assert_eq!(format!("{secret:?}"), "SessionSecret(***)");
    }

    /// Nothing signed for a visitor who is not signed in: no cookie with a page or a redirection,
    /// and with the sign-in form, only its random token, unsigned, which the next post matches.
    #[test]
    fn nothing_is_signed_for_a_visitor_who_is_not_signed_in() {
        let keys = SessionKeys::new(&SessionSecret::random());
        let empty = axum::http::HeaderMap::new();
        assert_eq!(set_cookies_of(&Visitor::from_headers(&empty, &keys).respond("page")), Vec::<String>::new());
        let redirect = Visitor::from_headers(&empty, &keys).redirect("/", Flash::success("ok"));
        assert_eq!(set_cookies_of(&redirect), Vec::<String>::new(), "no flash cookie");
        let mut form_page = Visitor::from_headers(&empty, &keys);
        form_page.offer_sign_in();
        let token = form_page.csrf.clone();
        let response = form_page.respond("sign-in page");
        assert_eq!(set_cookies_of(&response).len(), 1);
        let headers = sent_back(&response);
        assert_eq!(
            headers.get(axum::http::header::COOKIE).and_then(|v| v.to_str().ok()),
            Some(&*format!("{FORM_COOKIE}={token}"))
        );
        let next = Visitor::from_headers(&headers, &keys);
        assert!(next.csrf_matches(&token) && !next.csrf_matches("0123456789abcdef0123456789abcdef"));
        let without_cookie = Visitor::from_headers(&empty, &keys);
        let its_token = without_cookie.csrf.clone();
        assert!(!without_cookie.csrf_matches(&its_token), "a token the request did not carry as a cookie");
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_when_set() {
        let set_cookies = |keys: &SessionKeys| {
            let page = signed_in(keys).respond("page");
            let redirect = signed_in(keys).redirect("/", Flash::success("ok"));
            let mut form_page = Visitor::from_headers(&axum::http::HeaderMap::new(), keys);
            form_page.offer_sign_in();
            [page, redirect, form_page.respond("form")].iter().flat_map(set_cookies_of).collect::<Vec<_>>()
        };
        let plain = set_cookies(&SessionKeys::new(&SessionSecret::random()));
        let secure = set_cookies(&SessionKeys::new(&SessionSecret::random()).with_secure_cookies(true));
        assert_eq!(plain.len(), 4, "session on both, flash on the redirection, the form token: {plain:?}");
        assert_eq!(secure.len(), 4, "{secure:?}");
        for cookie in plain.iter().chain(&secure) {
            assert!(
                cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"),
                "{cookie}"
            );
        }
        assert!(plain.iter().all(|c| !c.contains("Secure")), "{plain:?}");
        assert!(secure.iter().all(|c| c.contains("; Secure")), "{secure:?}");
        assert!(secure.iter().any(|c| c.starts_with("magasin_flash=")));
        assert!(secure.iter().any(|c| c.starts_with("magasin_form=")));
    }

    #[test]
    fn notices_are_named_in_the_url_and_only_known_ones_show() {
        assert_eq!(Notice::SignedOut.on("/"), "/?avis=deconnexion");
        assert_eq!(Notice::SignInToWrite.on("/connexion?suite=%2F"), "/connexion?suite=%2F&avis=connexion-requise");
        assert_eq!(Notice::in_query(Some("suite=%2F&avis=connexion-requise")), Some(Notice::SignInToWrite));
        assert_eq!(Notice::in_query(Some("avis=Appelez+le+0800")), None);
        assert_eq!(Notice::in_query(None), None);
    }
}
