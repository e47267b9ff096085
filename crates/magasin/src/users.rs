//! `magasin user …`: accounts managed from the machine magasin runs on, which is how the first
//! administrator is made. The operator at the machine acts as the service does.

use crate::cli::{StoresArgs, UserCommand};
use crate::storage;
use anyhow::{Context, Result, anyhow};
use magasin_domain::accounts::{Actor, NewUser, Role, StoreScope, User};
use magasin_domain::{ApiTokenId, StoreId};
use magasin_service::{ServiceError, Services, Settings, generate_password};
use std::io::BufRead;

/// Runs one `magasin user` command.
pub async fn run(command: UserCommand) -> Result<()> {
    let actor = Actor::Service;
    match command {
        UserCommand::Add(args) => {
            let services = services(&args.user.db).await?;
            let (role, stores) = role_and_stores(&args.stores)?;
            let name = args.name.as_deref().unwrap_or(&args.user.login);
            let user = NewUser::parse(&args.user.login, name, role, stores).map_err(invalid)?;
            let (password, generated) = password(args.password_stdin)?;
            let created = services.create_user(&actor, &user, &password).await.map_err(failed)?;
            eprintln!("user {} created: {}", created.login, describe(&created));
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::List(db) => {
            let services = services(&db).await?;
            let users = services.list_users(&actor).await.map_err(failed)?;
            println!("{:<5} {:<24} {:<11} {:<16} {:<9} name", "id", "login", "role", "stores", "state");
            for u in users {
                let state = if u.disabled { "disabled" } else { "enabled" };
                println!(
                    "{:<5} {:<24} {:<11} {:<16} {:<9} {}",
                    u.id.0,
                    u.login,
                    u.role.as_str(),
                    u.stores.to_string(),
                    state,
                    u.display_name
                );
            }
        }
        UserCommand::Disable(args) => {
            let services = services(&args.db).await?;
            let user = services.user_by_login(&actor, &args.login).await.map_err(failed)?;
            let user = services.set_user_disabled(&actor, user.id, true).await.map_err(failed)?;
            eprintln!("user {} disabled", user.login);
        }
        UserCommand::Enable(args) => {
            let services = services(&args.db).await?;
            let user = services.user_by_login(&actor, &args.login).await.map_err(failed)?;
            let user = services.set_user_disabled(&actor, user.id, false).await.map_err(failed)?;
            eprintln!("user {} enabled", user.login);
        }
        UserCommand::SetPassword(args) => {
            let services = services(&args.user.db).await?;
            let user = services.user_by_login(&actor, &args.user.login).await.map_err(failed)?;
            let (password, generated) = password(args.password_stdin)?;
            services.set_user_password(&actor, user.id, &password).await.map_err(failed)?;
            eprintln!("password of {} changed", user.login);
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::SetRole(args) => {
            let services = services(&args.user.db).await?;
            let user = services.user_by_login(&actor, &args.user.login).await.map_err(failed)?;
            let (role, stores) = role_and_stores(&args.stores)?;
            let user = services.set_user_role(&actor, user.id, role, stores).await.map_err(failed)?;
            eprintln!("user {}: {}", user.login, describe(&user));
        }
        UserCommand::Token(args) => {
            let services = services(&args.user.db).await?;
            let user = services.user_by_login(&actor, &args.user.login).await.map_err(failed)?;
            let issued = services.issue_api_token(&actor, user.id, &args.name).await.map_err(failed)?;
            eprintln!(
                "token {} ({}) made for {}; it is shown this once",
                issued.info.id.0, issued.info.name, user.login
            );
            println!("{}", issued.secret);
        }
        UserCommand::Tokens(args) => {
            let services = services(&args.db).await?;
            let user = services.user_by_login(&actor, &args.login).await.map_err(failed)?;
            let tokens = services.list_api_tokens(&actor, user.id).await.map_err(failed)?;
            let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or_else(|| "-".to_string(), |t| t.format("%Y-%m-%d %H:%M").to_string())
            };
            println!("{:<5} {:<17} {:<17} {:<17} name", "id", "made", "last used", "revoked");
            for t in tokens {
                println!(
                    "{:<5} {:<17} {:<17} {:<17} {}",
                    t.id.0,
                    when(Some(t.created_at)),
                    when(t.last_used_at),
                    when(t.revoked_at),
                    t.name
                );
            }
        }
        UserCommand::RevokeToken(args) => {
            let services = services(&args.user.db).await?;
            let user = services.user_by_login(&actor, &args.user.login).await.map_err(failed)?;
            let token = services.revoke_api_token(&actor, user.id, ApiTokenId(args.id)).await.map_err(failed)?;
            eprintln!("token {} ({}) of {} revoked", token.id.0, token.name, user.login);
        }
    }
    Ok(())
}

async fn services(db: &crate::cli::DbArgs) -> Result<Services> {
    Ok(Services::new(storage::open(db).await?, Settings::default()))
}

fn role_and_stores(args: &StoresArgs) -> Result<(Role, StoreScope)> {
    let role: Role = args.role.parse().map_err(|code| anyhow!("--role: {code}"))?;
    let stores = if args.all_stores {
        StoreScope::All
    } else {
        StoreScope::Only(args.stores.iter().copied().map(StoreId).collect())
    };
    Ok((role, stores))
}

/// The password from standard input's first line, or a new random one (`true`: generated).
fn password(from_stdin: bool) -> Result<(String, bool)> {
    if !from_stdin {
        return Ok((generate_password(), true));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    Ok((line.trim_end_matches(['\n', '\r']).to_string(), false))
}

fn describe(user: &User) -> String {
    format!("role {}, stores {}", user.role, user.stores)
}

fn invalid(errors: magasin_domain::ValidationErrors) -> anyhow::Error {
    anyhow!("{errors}")
}

fn failed(error: ServiceError) -> anyhow::Error {
    match error {
        ServiceError::Invalid(errors) => invalid(errors),
        other => anyhow!("{other}"),
    }
}
