//! Accounts: users, the stores they act for, and their personal API tokens.

use crate::SqlStorage;
use crate::engine::{Connection, Engine, violates_unique};
use crate::rows::{ApiTokenRow, UserRow, invariant};
use crate::statement::Statement;
use chrono::{DateTime, Duration, Utc};
use magasin_domain::accounts::{ApiTokenInfo, NewUser, Role, StoreScope, User, UserChange, UserCredentials};
use magasin_domain::audit::AuditAction;
use magasin_domain::{ApiTokenId, StorageError, StorageResult, StoreId, UserId, WriteContext};

/// An account as the audit log keeps it: never its password, only whether it was changed.
fn account(user: &User, password_changed: bool) -> serde_json::Value {
    let mut fields = serde_json::json!({
        "login": user.login,
        "nom": user.display_name,
        "role": user.role.as_str(),
        "magasins": user.stores.to_string(),
        "desactive": user.disabled,
    });
    if password_changed {
        fields["mot_de_passe"] = "changé".into();
    }
    fields
}
use std::collections::{BTreeMap, BTreeSet};

const USER_COLUMNS: &str =
    "SELECT id, login, display_name, role, all_stores, password_hash, disabled, created_at, session_epoch FROM users";
const TOKEN_COLUMNS: &str = "SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens";

/// A token's last use is written at most this often (a busy client does not write per request).
const LAST_USE_PRECISION: Duration = Duration::minutes(1);

impl<E: Engine> SqlStorage<E> {
    /// The users of `rows` with their stores.
    async fn with_stores(conn: &mut Connection<E>, rows: Vec<UserRow>) -> StorageResult<Vec<(User, String)>> {
        let scoped: Vec<i64> = rows.iter().filter(|r| !r.all_stores).map(|r| r.id).collect();
        let mut stores: BTreeMap<i64, BTreeSet<StoreId>> = BTreeMap::new();
        if !scoped.is_empty() {
            let mut select = Statement::new("SELECT user_id, magasin_id FROM user_stores WHERE user_id IN (");
            select.bind_list(scoped.iter().copied()).push(")");
            let pairs: Vec<(i64, i64)> = Self::all(conn, &select).await?;
            for (user, store) in pairs {
                stores.entry(user).or_default().insert(StoreId(store));
            }
        }
        rows.into_iter()
            .map(|row| {
                let scope = if row.all_stores {
                    StoreScope::All
                } else {
                    StoreScope::Only(stores.remove(&row.id).unwrap_or_default())
                };
                row.into_user(scope)
            })
            .collect()
    }

    async fn fetch_user(conn: &mut Connection<E>, id: UserId) -> StorageResult<(User, String)> {
        let row: Option<UserRow> =
            Self::optional(conn, &Statement::new(&format!("{USER_COLUMNS} WHERE id = $1")).value(id.0)).await?;
        let row = row.ok_or(StorageError::not_found("user", id.0))?;
        Self::with_stores(conn, vec![row]).await?.pop().ok_or_else(|| invariant("a user read vanished"))
    }

    /// Replaces the stores a user acts for.
    async fn write_stores(conn: &mut Connection<E>, id: UserId, stores: &StoreScope) -> StorageResult<()> {
        Self::execute(conn, &Statement::new("DELETE FROM user_stores WHERE user_id = $1").value(id.0)).await?;
        if let StoreScope::Only(stores) = stores
            && !stores.is_empty()
        {
            let mut known = Statement::new("SELECT id FROM stores WHERE id IN (");
            known.bind_list(stores.iter().map(|s| s.0)).push(")");
            let known: BTreeSet<i64> = Self::all::<(i64,)>(conn, &known).await?.into_iter().map(|(id,)| id).collect();
            if let Some(unknown) = stores.iter().find(|s| !known.contains(&s.0)) {
                return Err(StorageError::not_found("store", unknown.0));
            }
            let mut insert = Statement::new("INSERT INTO user_stores (user_id, magasin_id) VALUES ");
            insert.bind_rows(stores.iter().map(|s| vec![id.0.into(), s.0.into()]));
            Self::execute(conn, &insert).await?;
        }
        Ok(())
    }

    pub(crate) async fn insert_user(
        &self,
        user: &NewUser,
        password_hash: &str,
        ctx: &WriteContext,
    ) -> StorageResult<User> {
        let mut tx = self.writer.begin().await?;
        let insert = Statement::new(
            "INSERT INTO users (login, display_name, role, all_stores, password_hash, disabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, FALSE, $6, $6) RETURNING id",
        )
        .value(user.login.as_str())
        .value(user.display_name.as_str())
        .value(user.role.as_str())
        .value(user.stores == StoreScope::All)
        .value(password_hash)
        .value(ctx.at);
        let (id,): (i64,) = Self::try_one(&mut tx, &insert).await.map_err(|error| match &error {
            sqlx::Error::Database(db) if violates_unique(db.as_ref(), "users_login_unique", "users.login") => {
                StorageError::Conflict(format!("A user with the login {:?} already exists.", user.login))
            }
            _ => E::map_error(error),
        })?;
        Self::write_stores(&mut tx, UserId(id), &user.stores).await?;
        let (created, _) = Self::fetch_user(&mut tx, UserId(id)).await?;
        Self::audit(&mut tx, ctx, AuditAction::UserCreated, id, None, Some(account(&created, false))).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(created)
    }

    pub(crate) async fn user(&self, id: UserId) -> StorageResult<User> {
        let mut conn = self.reader.acquire().await?;
        Ok(Self::fetch_user(&mut conn, id).await?.0)
    }

    pub(crate) async fn credentials(&self, login: &str) -> StorageResult<Option<UserCredentials>> {
        let mut conn = self.reader.acquire().await?;
        let row: Option<UserRow> =
            Self::optional(&mut conn, &Statement::new(&format!("{USER_COLUMNS} WHERE login = $1")).value(login))
                .await?;
        let Some(row) = row else { return Ok(None) };
        let (user, password_hash) =
            Self::with_stores(&mut conn, vec![row]).await?.pop().ok_or_else(|| invariant("a user read vanished"))?;
        Ok(Some(UserCredentials { user, password_hash }))
    }

    pub(crate) async fn users(&self) -> StorageResult<Vec<User>> {
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<UserRow> = Self::all(&mut conn, &Statement::new(&format!("{USER_COLUMNS} ORDER BY id"))).await?;
        Ok(Self::with_stores(&mut conn, rows).await?.into_iter().map(|(user, _)| user).collect())
    }

    pub(crate) async fn change_user(&self, id: UserId, change: &UserChange, ctx: &WriteContext) -> StorageResult<User> {
        let mut tx = self.writer.begin().await?;
        let removes_an_administrator =
            change.disabled == Some(true) || change.role.as_ref().is_some_and(|(role, _)| *role != Role::Admin);
        if removes_an_administrator {
            // The active administrators' rows, locked in id order: of two changes that would each
            // leave one administrator, the second sees the first's outcome.
            let mut lock = Statement::new("SELECT id FROM users WHERE role = $1 AND disabled = $2 ORDER BY id")
                .value(Role::Admin.as_str())
                .value(false);
            lock.push(E::DIALECT.for_update);
            Self::all::<(i64,)>(&mut tx, &lock).await?;
        }
        let (before, _) = Self::fetch_user(&mut tx, id).await?;
        let mut update = Statement::new("UPDATE users SET updated_at = ");
        update.bind(ctx.at);
        if change.disabled.is_some() || change.password_hash.is_some() || change.role.is_some() {
            update.push(", session_epoch = session_epoch + 1");
        }
        if let Some(disabled) = change.disabled {
            update.push(", disabled = ").bind(disabled);
        }
        if let Some(hash) = &change.password_hash {
            update.push(", password_hash = ").bind(hash.as_str());
        }
        if let Some((role, stores)) = &change.role {
            update.push(", role = ").bind(role.as_str()).push(", all_stores = ").bind(*stores == StoreScope::All);
        }
        update.push(" WHERE id = ").bind(id.0);
        Self::execute(&mut tx, &update).await?;
        if let Some((_, stores)) = &change.role {
            Self::write_stores(&mut tx, id, stores).await?;
        }
        let (changed, _) = Self::fetch_user(&mut tx, id).await?;
        if removes_an_administrator && before.role == Role::Admin && !before.disabled {
            let left = Statement::new("SELECT COUNT(*) FROM users WHERE role = $1 AND disabled = $2")
                .value(Role::Admin.as_str())
                .value(false);
            let (active,): (i64,) = Self::one(&mut tx, &left).await?;
            if active == 0 {
                return Err(StorageError::Conflict(format!(
                    "User {} is the last active administrator: make another administrator first.",
                    before.login
                )));
            }
        }
        let (old, new) = (account(&before, false), account(&changed, change.password_hash.is_some()));
        Self::audit(&mut tx, ctx, AuditAction::UserUpdated, id.0, Some(old), Some(new)).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(changed)
    }

    pub(crate) async fn bump_session_epoch(&self, id: UserId) -> StorageResult<User> {
        let mut tx = self.writer.begin().await?;
        let bump = Statement::new("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1").value(id.0);
        Self::execute(&mut tx, &bump).await?;
        let (user, _) = Self::fetch_user(&mut tx, id).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(user)
    }

    pub(crate) async fn insert_api_token(
        &self,
        user: UserId,
        name: &str,
        secret_hash: &str,
        ctx: &WriteContext,
    ) -> StorageResult<ApiTokenInfo> {
        let mut tx = self.writer.begin().await?;
        Self::fetch_user(&mut tx, user).await?;
        let insert = Statement::new(
            "INSERT INTO api_tokens (user_id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .value(user.0)
        .value(name)
        .value(secret_hash)
        .value(ctx.at);
        let (id,): (i64,) = Self::one(&mut tx, &insert).await?;
        let row: ApiTokenRow =
            Self::one(&mut tx, &Statement::new(&format!("{TOKEN_COLUMNS} WHERE id = $1")).value(id)).await?;
        let summary = serde_json::json!({"utilisateur": user.0, "nom": name});
        Self::audit(&mut tx, ctx, AuditAction::TokenIssued, id, None, Some(summary)).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(row.into())
    }

    pub(crate) async fn token_holder(&self, secret_hash: &str, at: DateTime<Utc>) -> StorageResult<Option<User>> {
        let select = Statement::new(
            "SELECT id, user_id, last_used_at FROM api_tokens WHERE secret_hash = $1 AND revoked_at IS NULL",
        )
        .value(secret_hash);
        let mut conn = self.reader.acquire().await?;
        let found: Option<(i64, i64, Option<DateTime<Utc>>)> = Self::optional(&mut conn, &select).await?;
        let Some((token, user, last_used)) = found else { return Ok(None) };
        let (holder, _) = Self::fetch_user(&mut conn, UserId(user)).await?;
        drop(conn);
        if last_used.is_none_or(|last| at - last >= LAST_USE_PRECISION) {
            let mut conn = self.writer.acquire().await?;
            let touch = Statement::new("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").value(at).value(token);
            Self::execute(&mut conn, &touch).await?;
        }
        Ok(Some(holder))
    }

    pub(crate) async fn api_tokens(&self, user: UserId) -> StorageResult<Vec<ApiTokenInfo>> {
        let mut conn = self.reader.acquire().await?;
        let select = Statement::new(&format!("{TOKEN_COLUMNS} WHERE user_id = $1 ORDER BY id")).value(user.0);
        let rows: Vec<ApiTokenRow> = Self::all(&mut conn, &select).await?;
        Ok(rows.into_iter().map(ApiTokenInfo::from).collect())
    }

    pub(crate) async fn revoke_token(
        &self,
        user: UserId,
        id: ApiTokenId,
        ctx: &WriteContext,
    ) -> StorageResult<ApiTokenInfo> {
        let mut tx = self.writer.begin().await?;
        let revoke = Statement::new(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND user_id = $3 RETURNING id",
        )
        .value(ctx.at)
        .value(id.0)
        .value(user.0);
        let revoked: Option<(i64,)> = Self::optional(&mut tx, &revoke).await?;
        revoked.ok_or(StorageError::not_found("API token", id.0))?;
        let row: ApiTokenRow =
            Self::one(&mut tx, &Statement::new(&format!("{TOKEN_COLUMNS} WHERE id = $1")).value(id.0)).await?;
        Self::audit(&mut tx, ctx, AuditAction::TokenRevoked, id.0, None, None).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(row.into())
    }
}

impl UserRow {
    /// The user, and the hash of their password.
    fn into_user(self, stores: StoreScope) -> StorageResult<(User, String)> {
        let role: Role =
            self.role.parse().map_err(|_| invariant(format!("unexpected role in database: {:?}", self.role)))?;
        let user = User {
            id: UserId(self.id),
            login: self.login,
            display_name: self.display_name,
            role,
            stores,
            disabled: self.disabled,
            created_at: self.created_at,
            session_epoch: self.session_epoch,
        };
        Ok((user, self.password_hash))
    }
}
