//! Who acts: users, their role and the stores they act for, and the one table of what each
//! role may do ([`Actor::may`]).

use crate::ids::{ApiTokenId, StoreId, UserId};
use crate::stock::Location;
use crate::validation::{ValidationCode, ValidationErrors};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// What a user is employed to do. Each role may do what it needs and no more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Records sales and cancels them, in their stores.
    Caissier,
    /// A store manager: what a cashier does, asks the warehouse for goods for their stores and
    /// corrects their stock.
    Gerant,
    /// The warehouse: decides replenishment requests (and every warehouse stock operation).
    Logistique,
    /// Head office: the catalogue and its prices, reports, every store.
    Siege,
    /// Users, and everything else.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Caissier, Role::Gerant, Role::Logistique, Role::Siege, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Caissier => "caissier",
            Role::Gerant => "gerant",
            Role::Logistique => "logistique",
            Role::Siege => "siege",
            Role::Admin => "admin",
        }
    }

    /// Whether the role acts for chosen stores (a cashier, a manager) rather than for the chain.
    pub fn is_store_bound(self) -> bool {
        matches!(self, Role::Caissier | Role::Gerant)
    }

    /// The role's part of the rules table: whether it may do `action` in some store.
    fn allows(self, action: &Action) -> bool {
        use Action::*;
        match self {
            Role::Admin => true,
            Role::Siege => matches!(action, EditCatalogue | ReadAudit | CloseTill(_)),
            Role::Logistique => matches!(
                action,
                DecideReplenishment
                    | ReceiveGoods
                    | AdjustStock(Location::Warehouse)
                    | PlanReplenishment(_)
                    | ShipGoods(Location::Warehouse)
            ),
            Role::Gerant => matches!(
                action,
                RecordSale(_)
                    | CancelSale(_)
                    | ReturnGoods(_)
                    | PlanReplenishment(_)
                    | RequestReplenishment(_)
                    | AdjustStock(Location::Store(_))
                    | ShipGoods(Location::Store(_))
                    | ReceiveShipment(_)
                    | CloseTill(_)
            ),
            Role::Caissier => matches!(action, RecordSale(_) | CancelSale(_) | ReturnGoods(_) | CloseTill(_)),
        }
    }

    /// The roles as a validation code's choices.
    pub fn choices() -> ValidationCode {
        ValidationCode::NotAChoice { choices: Role::ALL.iter().map(|r| r.as_str().to_string()).collect() }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ValidationCode;

    fn from_str(s: &str) -> Result<Self, ValidationCode> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(Role::choices)
    }
}

/// The stores a user acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreScope {
    /// Every store, present and future.
    All,
    /// These stores only.
    Only(BTreeSet<StoreId>),
}

impl StoreScope {
    pub fn contains(&self, store: StoreId) -> bool {
        match self {
            StoreScope::All => true,
            StoreScope::Only(stores) => stores.contains(&store),
        }
    }
}

impl fmt::Display for StoreScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreScope::All => f.write_str("all"),
            StoreScope::Only(stores) => {
                let ids: Vec<String> = stores.iter().map(|s| s.0.to_string()).collect();
                f.write_str(&ids.join(","))
            }
        }
    }
}

/// A write someone asks for, with the store it happens in when it happens in one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    RecordSale(StoreId),
    CancelSale(StoreId),
    /// Taking back goods of a sale a customer returns.
    ReturnGoods(StoreId),
    /// Setting a store's reordering rules.
    PlanReplenishment(StoreId),
    RequestReplenishment(StoreId),
    DecideReplenishment,
    /// Recording goods received at the warehouse.
    ReceiveGoods,
    /// Correcting a quantity at a store or the warehouse.
    AdjustStock(Location),
    /// Sending goods from a location (a transfer, shipping or cancelling a shipment).
    ShipGoods(Location),
    /// Taking a shipment in at its store.
    ReceiveShipment(StoreId),
    /// Closing a store's till for a day (counting the cash).
    CloseTill(StoreId),
    EditCatalogue,
    ManageUsers,
    /// Reading who did what (the audit log).
    ReadAudit,
}

impl Action {
    /// The store the action happens in, if it happens in one.
    pub fn store(&self) -> Option<StoreId> {
        match self {
            Action::RecordSale(s)
            | Action::CancelSale(s)
            | Action::ReturnGoods(s)
            | Action::PlanReplenishment(s)
            | Action::RequestReplenishment(s)
            | Action::AdjustStock(Location::Store(s))
            | Action::ShipGoods(Location::Store(s))
            | Action::ReceiveShipment(s)
            | Action::CloseTill(s) => Some(*s),
            Action::AdjustStock(Location::Warehouse)
            | Action::ShipGoods(Location::Warehouse)
            | Action::DecideReplenishment
            | Action::ReceiveGoods
            | Action::EditCatalogue
            | Action::ManageUsers
            | Action::ReadAudit => None,
        }
    }
}

/// A user who can act: enabled, with their role and stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserActor {
    pub id: UserId,
    pub login: String,
    pub role: Role,
    pub stores: StoreScope,
}

/// Who is behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The configured service token: acts as an administrator.
    Service,
    /// A user, by a personal token or a session.
    User(UserActor),
}

impl Actor {
    /// Whether the actor may do `action`: its role allows it, in one of its stores.
    pub fn may(&self, action: &Action) -> bool {
        match self {
            Actor::Service => true,
            Actor::User(user) => {
                user.role.allows(action)
                    && (user.role == Role::Admin || action.store().is_none_or(|store| user.stores.contains(store)))
            }
        }
    }

    /// Whether the actor may do the action `in_store` builds in at least one store.
    pub fn may_somewhere(&self, in_store: impl Fn(StoreId) -> Action) -> bool {
        match self {
            Actor::User(UserActor { stores: StoreScope::Only(stores), role, .. }) if *role != Role::Admin => {
                stores.iter().any(|s| self.may(&in_store(*s)))
            }
            _ => self.may(&in_store(StoreId(1))),
        }
    }

    /// How logs and the audit name the actor: `service` or the user's login.
    pub fn name(&self) -> &str {
        match self {
            Actor::Service => "service",
            Actor::User(user) => &user.login,
        }
    }

    pub fn role(&self) -> Role {
        match self {
            Actor::Service => Role::Admin,
            Actor::User(user) => user.role,
        }
    }
}

/// A user account as it is shown (never with its password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub stores: StoreScope,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// Sessions started under another epoch are over (see [`crate::Storage::end_sessions`]).
    pub session_epoch: i64,
}

impl User {
    /// The user as an actor, unless disabled.
    pub fn actor(&self) -> Option<Actor> {
        (!self.disabled).then(|| {
            Actor::User(UserActor {
                id: self.id,
                login: self.login.clone(),
                role: self.role,
                stores: self.stores.clone(),
            })
        })
    }
}

/// A user and the hash of their password, as sign-in reads them.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
}

/// Longest login.
pub const MAX_LOGIN: usize = 64;
/// Longest display name.
pub const MAX_DISPLAY_NAME: usize = 100;
/// Shortest password.
pub const MIN_PASSWORD: usize = 12;
/// Longest password (hashing cost stays bounded).
pub const MAX_PASSWORD: usize = 256;
/// Longest token name.
pub const MAX_TOKEN_NAME: usize = 100;

/// A login: 3 to 64 lowercase letters, digits, `.`, `_` or `-` (stored lowercase).
pub fn parse_login(raw: &str) -> Result<String, ValidationCode> {
    let login = raw.trim().to_lowercase();
    let plain = login.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if (3..=MAX_LOGIN).contains(&login.len()) && plain { Ok(login) } else { Err(ValidationCode::BadLogin) }
}

/// A label a person reads (a display name, a token name): trimmed, 1 to `max` characters, no
/// control character.
pub fn parse_label(raw: &str, max: usize) -> Result<String, ValidationCode> {
    let label = raw.trim();
    if label.is_empty() {
        Err(ValidationCode::Blank)
    } else if label.chars().count() > max {
        Err(ValidationCode::TooLong { max })
    } else if label.chars().any(char::is_control) {
        Err(ValidationCode::ControlCharacter)
    } else {
        Ok(label.to_string())
    }
}

/// A password: 12 to 256 characters, taken as typed.
pub fn check_password(password: &str) -> Result<(), ValidationCode> {
    let length = password.chars().count();
    if length < MIN_PASSWORD {
        Err(ValidationCode::PasswordTooShort { min: MIN_PASSWORD })
    } else if length > MAX_PASSWORD {
        Err(ValidationCode::TooLong { max: MAX_PASSWORD })
    } else {
        Ok(())
    }
}

/// The stores of a role: the chain's roles act for every store; a cashier or a manager for at
/// least one.
pub fn scope_for(role: Role, stores: StoreScope) -> Result<StoreScope, ValidationCode> {
    match (role.is_store_bound(), stores) {
        (false, _) => Ok(StoreScope::All),
        (true, StoreScope::Only(stores)) if stores.is_empty() => Err(ValidationCode::StoresRequired),
        (true, stores) => Ok(stores),
    }
}

/// A new account, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub stores: StoreScope,
}

impl NewUser {
    /// Checks every field; each invalid one is named.
    pub fn parse(login: &str, display_name: &str, role: Role, stores: StoreScope) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let login = parse_login(login).map_err(|c| errors.add("login", c)).ok();
        let display_name = parse_label(display_name, MAX_DISPLAY_NAME).map_err(|c| errors.add("nom", c)).ok();
        let stores = scope_for(role, stores).map_err(|c| errors.add("magasins", c)).ok();
        match (login, display_name, stores) {
            (Some(login), Some(display_name), Some(stores)) if errors.is_empty() => {
                Ok(NewUser { login, display_name, role, stores })
            }
            _ => Err(errors),
        }
    }
}

/// A change to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChange {
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
    pub role: Option<(Role, StoreScope)>,
}

/// A personal API token as it is listed (its secret is shown once, when made, and kept only
/// as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenInfo {
    pub id: ApiTokenId,
    pub user: UserId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, stores: &[i64]) -> Actor {
        Actor::User(UserActor {
            id: UserId(1),
            login: "someone".into(),
            role,
            stores: StoreScope::Only(stores.iter().copied().map(StoreId).collect()),
        })
    }

    /// The roles table, whole: for every role and action, in the user's store and in another.
    #[test]
    fn each_role_may_do_what_it_needs_and_no_more() {
        use Action::*;
        let (own, other) = (StoreId(1), StoreId(2));
        let actions = |s| {
            [RecordSale(s), CancelSale(s), RequestReplenishment(s), ShipGoods(Location::Store(s)), ReceiveShipment(s)]
        };
        let chain = [DecideReplenishment, EditCatalogue, ManageUsers, ReadAudit, ShipGoods(Location::Warehouse)];
        let expect = |role: Role, in_store: [bool; 5], chain_wide: [bool; 5]| {
            let actor = user(role, &[1]);
            for (action, allowed) in actions(own).into_iter().zip(in_store) {
                assert_eq!(actor.may(&action), allowed, "{role} {action:?}");
            }
            for action in actions(other) {
                assert_eq!(actor.may(&action), role == Role::Admin, "{role} {action:?} in another store");
            }
            for (action, allowed) in chain.into_iter().zip(chain_wide) {
                assert_eq!(actor.may(&action), allowed, "{role} {action:?}");
            }
        };
        expect(Role::Caissier, [true, true, false, false, false], [false, false, false, false, false]);
        expect(Role::Gerant, [true, true, true, true, true], [false, false, false, false, false]);
        expect(Role::Logistique, [false, false, false, false, false], [true, false, false, false, true]);
        expect(Role::Siege, [false, false, false, false, false], [false, true, false, true, false]);
        expect(Role::Admin, [true, true, true, true, true], [true, true, true, true, true]);
        assert!(Actor::Service.may(&ManageUsers) && Actor::Service.may(&RecordSale(other)));
        // A till is closed by its store's people, or by head office for any store.
        for (role, own_store, other_store) in [
            (Role::Caissier, true, false),
            (Role::Gerant, true, false),
            (Role::Logistique, false, false),
            (Role::Siege, true, true),
            (Role::Admin, true, true),
        ] {
            let actor = match user(role, &[1]) {
                Actor::User(u) if !role.is_store_bound() => Actor::User(UserActor { stores: StoreScope::All, ..u }),
                actor => actor,
            };
            assert_eq!((actor.may(&CloseTill(own)), actor.may(&CloseTill(other))), (own_store, other_store), "{role}");
        }
    }

    #[test]
    fn a_disabled_user_cannot_act() {
        let mut account = User {
            id: UserId(3),
            login: "ana".into(),
            display_name: "Ana".into(),
            role: Role::Caissier,
            stores: StoreScope::All,
            disabled: false,
            created_at: Utc::now(),
            session_epoch: 0,
        };
        assert!(account.actor().is_some());
        account.disabled = true;
        assert_eq!(account.actor(), None);
    }

    #[test]
    fn logins_are_plain_and_lowercase() {
        assert_eq!(parse_login("  Ana.Martin-2 "), Ok("ana.martin-2".to_string()));
        for bad in ["ab", "ana martin", "ana@x", "élise", &"a".repeat(65), "ana\0"] {
            assert_eq!(parse_login(bad), Err(ValidationCode::BadLogin), "{bad:?}");
        }
    }

    #[test]
    fn passwords_have_a_floor_and_a_ceiling() {
        assert_eq!(check_password("short"), Err(ValidationCode::PasswordTooShort { min: 12 }));
        assert_eq!(check_password("twelve chars"), Ok(()));
        assert_eq!(check_password(&"x".repeat(257)), Err(ValidationCode::TooLong { max: 256 }));
    }

    #[test]
    fn store_roles_need_a_store_and_chain_roles_get_every_store() {
        let none = StoreScope::Only(BTreeSet::new());
        assert_eq!(scope_for(Role::Caissier, none.clone()), Err(ValidationCode::StoresRequired));
        assert_eq!(scope_for(Role::Siege, none), Ok(StoreScope::All));
        let errors = NewUser::parse("x", "", Role::Gerant, StoreScope::Only(BTreeSet::new())).expect_err("invalid");
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["login", "nom", "magasins"]);
        assert_eq!("gerant".parse::<Role>(), Ok(Role::Gerant));
        assert!("chef".parse::<Role>().is_err());
    }
}
