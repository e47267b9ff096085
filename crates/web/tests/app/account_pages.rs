//! The account pages: `/utilisateurs` for administrators, `/compte` for every signed-in user —
//! on SQLite and on PostgreSQL.

use crate::helpers::TestApp;
use crate::ui::{Browser, cashier, value_of_input};
use axum::http::{Method, StatusCode};
use magasin_service::domain::accounts::{Actor, NewUser, Role, StoreScope};

magasin_store_sql::on_both_engines!(Browser::start;
    an_administrator_manages_users_from_the_pages,
    only_administrators_reach_the_users_pages,
    a_user_changes_their_password_and_their_other_sessions_end,
    a_user_makes_uses_and_revokes_a_personal_token,
    wrong_current_passwords_are_throttled,
    the_service_token_has_no_account_page_forms,
    the_last_administrator_is_told_to_make_another_first,
);

const PASSWORD: &str = "un mot de passe solide";

/// The id in a `/utilisateurs/{id}` location.
fn user_id(location: Option<&str>) -> i64 {
    location.and_then(|l| l.strip_prefix("/utilisateurs/")).and_then(|id| id.parse().ok()).expect("a user's page")
}

async fn an_administrator_manages_users_from_the_pages(mut b: Browser) {
    b.sign_in().await;
    let list = b.get("/utilisateurs").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.has("<table id=\"users\"") && list.has("href=\"/utilisateurs/nouveau\""));
    assert_eq!(list.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));

    b.get("/utilisateurs/nouveau").await;
    let bad =
        b.post("/utilisateurs/nouveau", &[("login", "A B"), ("mot_de_passe", "court"), ("role", "caissier")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.html);
    assert!(bad.has("De 3 à 64 lettres minuscules"), "login explained");
    assert!(bad.has("Un caissier ou un gérant agit pour au moins un magasin."), "stores explained");
    assert_eq!(value_of_input(&bad.html, "login").as_deref(), Some("A B"), "what was typed is kept");
    let short = b
        .post(
            "/utilisateurs/nouveau",
            &[("login", "lea"), ("mot_de_passe", "court"), ("role", "caissier"), ("magasins", "1")],
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.has("12 caractères au moins."));
    let unknown_role =
        b.post("/utilisateurs/nouveau", &[("login", "lea"), ("mot_de_passe", PASSWORD), ("role", "roi")]).await;
    assert_eq!(unknown_role.status, StatusCode::BAD_REQUEST);
    assert!(b.app.services().user_by_login(&Actor::Service, "lea").await.is_err(), "nothing made");

    let fields = [
        ("login", "lea"),
        ("nom", "Léa Martin"),
        ("mot_de_passe", PASSWORD),
        ("role", "caissier"),
        ("magasins", "1"),
        ("magasins", "3"),
    ];
    let created = b.post("/utilisateurs/nouveau", &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    let id = user_id(created.location.as_deref());
    let page = b.get(&format!("/utilisateurs/{id}")).await;
    assert_eq!(page.flash().as_deref(), Some("Utilisateur « lea » créé."));
    assert!(page.has("<dd class=\"role\">Caissier</dd>"), "{}", page.html);
    assert!(page.has("checked> Magasin Centre") || page.has("value=\"1\" checked"), "store 1 checked");
    let taken = b.post("/utilisateurs/nouveau", &fields).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.has("Cet identifiant est déjà pris."));

    // Lea signs in elsewhere; each change ends her session.
    let mut lea = Browser::new(b.app.clone());
    lea.sign_in_as("lea", PASSWORD).await;
    assert!(lea.signed_in().await);
    b.get(&format!("/utilisateurs/{id}")).await;
    let promoted = b.post(&format!("/utilisateurs/{id}/role"), &[("role", "gerant"), ("magasins", "2")]).await;
    assert_eq!(promoted.status, StatusCode::SEE_OTHER, "{}", promoted.html);
    let user = b.app.services().user_by_login(&Actor::Service, "lea").await.expect("lea");
    assert_eq!(user.role, Role::Gerant);
    assert!(!lea.signed_in().await, "a new role ends her session");
    let no_store = b.post(&format!("/utilisateurs/{id}/role"), &[("role", "caissier")]).await;
    assert_eq!(no_store.status, StatusCode::BAD_REQUEST, "a cashier needs a store");
    assert!(no_store.has("Un caissier ou un gérant agit pour au moins un magasin."));

    lea.sign_in_as("lea", PASSWORD).await;
    b.get(&format!("/utilisateurs/{id}")).await;
    let disabled = b.post(&format!("/utilisateurs/{id}/etat"), &[("desactive", "1")]).await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert!(!lea.signed_in().await, "disabled: her session ends");
    assert_eq!(lea.sign_in_as("lea", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let list = b.get("/utilisateurs").await;
    assert!(list.has("<td class=\"state\">Désactivé</td>"));
    let bad_state = b.post(&format!("/utilisateurs/{id}/etat"), &[("desactive", "peut-être")]).await;
    assert_eq!(bad_state.status, StatusCode::BAD_REQUEST);
    b.get(&format!("/utilisateurs/{id}")).await;
    b.post(&format!("/utilisateurs/{id}/etat"), &[("desactive", "0")]).await;

    b.get(&format!("/utilisateurs/{id}")).await;
    let short = b.post(&format!("/utilisateurs/{id}/mot-de-passe"), &[("mot_de_passe", "court")]).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.has("12 caractères au moins."));
    let reset =
        b.post(&format!("/utilisateurs/{id}/mot-de-passe"), &[("mot_de_passe", "un nouveau mot de passe")]).await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    assert_eq!(lea.sign_in_as("lea", PASSWORD).await.status, StatusCode::UNAUTHORIZED, "the old password");
    assert_eq!(lea.sign_in_as("lea", "un nouveau mot de passe").await.status, StatusCode::SEE_OTHER);

    // Her token, revoked by the administrator.
    lea.get("/compte").await;
    let issued = lea.post("/compte/jetons", &[("nom", "tablette")]).await;
    let secret =
        issued.html.split("<code id=\"issued-token\">").nth(1).and_then(|r| r.split('<').next()).expect("token");
    let page = b.get(&format!("/utilisateurs/{id}")).await;
    assert!(page.has("<td class=\"nom\">tablette</td>"));
    let token_id = page.html.split("data-token-id=\"").nth(1).and_then(|r| r.split('"').next()).expect("token id");
    let revoked = b.post(&format!("/utilisateurs/{id}/jetons/{token_id}/revocation"), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let sale = serde_json::json!({"magasin": 2, "lignes": [{"produit": 1, "quantite": 1}]}).to_string();
    let refused = b.app.send_raw(Method::POST, "/api/v1/sales/", sale, Some(secret), &[]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "a revoked token");

    for unknown in ["/utilisateurs/999", "/utilisateurs/abc", "/entrepot/receptions/999", "/entrepot/receptions/-1"] {
        assert_eq!(b.get(unknown).await.status, StatusCode::NOT_FOUND, "{unknown}");
    }
    b.get("/compte").await;
    let on_nobody = b.post("/utilisateurs/999/role", &[("role", "siege")]).await;
    assert_eq!(on_nobody.status, StatusCode::NOT_FOUND);
    let journal = b.get("/journal?action=modification_utilisateur").await;
    assert!(journal.html.matches("<td class=\"acteur\">service</td>").count() >= 4, "each change is in the journal");
}

async fn only_administrators_reach_the_users_pages(mut b: Browser) {
    cashier(&b.app).await;
    let before = b.app.services().list_users(&Actor::Service).await.expect("users").len();
    b.sign_in_as("caisse-centre", PASSWORD).await;
    let home = b.get("/").await;
    assert!(!home.has("href=\"/utilisateurs\""), "not in a cashier's navigation");
    assert!(home.has("href=\"/compte\""), "their account is");
    for path in ["/utilisateurs", "/utilisateurs/nouveau", "/utilisateurs/1"] {
        assert_eq!(b.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    b.get("/compte").await;
    let fields = [("login", "intrus"), ("mot_de_passe", PASSWORD), ("role", "admin")];
    assert_eq!(b.post("/utilisateurs/nouveau", &fields).await.status, StatusCode::FORBIDDEN);
    let me = b.app.services().user_by_login(&Actor::Service, "caisse-centre").await.expect("me").id.0;
    let promote = b.post(&format!("/utilisateurs/{me}/role"), &[("role", "admin")]).await;
    assert_eq!(promote.status, StatusCode::FORBIDDEN, "nor promote themselves");
    assert_eq!(
        b.post(&format!("/utilisateurs/{me}/mot-de-passe"), &[("mot_de_passe", "pris sans le connaître")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(b.post(&format!("/utilisateurs/{me}/etat"), &[("desactive", "1")]).await.status, StatusCode::FORBIDDEN);
    let users = b.app.services().list_users(&Actor::Service).await.expect("users");
    assert_eq!(users.len(), before, "nothing made");
    let me = users.iter().find(|u| u.login == "caisse-centre").expect("me");
    assert_eq!((me.role, me.disabled), (Role::Caissier, false), "nothing changed");
    assert!(b.signed_in().await, "and their session is still on");
}

async fn a_user_changes_their_password_and_their_other_sessions_end(mut b: Browser) {
    cashier(&b.app).await;
    let mut elsewhere = Browser::new(b.app.twin());
    elsewhere.sign_in_as("caisse-centre", PASSWORD).await;
    b.sign_in_as("caisse-centre", PASSWORD).await;
    let page = b.get("/compte").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.has("<dd class=\"login\">caisse-centre</dd>") && page.has("<dd class=\"role\">Caissier</dd>"));
    assert!(page.has("<dd class=\"stores\">"), "their stores");
    assert_eq!(page.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));

    let new = "un mot de passe tout neuf";
    let cases = [
        ("pas le bon mot de passe", new, new, "Ce n'est pas le mot de passe actuel."),
        (PASSWORD, new, "un autre", "Les deux mots de passe diffèrent."),
        (PASSWORD, "court", "court", "12 caractères au moins."),
    ];
    for (current, password, confirmation, message) in cases {
        let fields = [("mot_de_passe_actuel", current), ("mot_de_passe", password), ("confirmation", confirmation)];
        let refused = b.post("/compte/mot-de-passe", &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{message}");
        let shown = refused.html.replace("&#39;", "'").replace("&#x27;", "'");
        assert!(shown.contains(message), "{message}: {}", refused.html);
    }
    assert!(elsewhere.signed_in().await, "nothing changed yet");

    let fields = [("mot_de_passe_actuel", PASSWORD), ("mot_de_passe", new), ("confirmation", new)];
    let changed = b.post("/compte/mot-de-passe", &fields).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.html);
    let page = b.get("/compte").await;
    assert_eq!(page.flash().as_deref(), Some("Mot de passe changé. Vos autres sessions sont fermées."));
    assert!(b.signed_in().await, "this session goes on");
    assert!(!elsewhere.signed_in().await, "the other one, on another instance, ended");
    assert_eq!(elsewhere.sign_in_as("caisse-centre", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(elsewhere.sign_in_as("caisse-centre", new).await.status, StatusCode::SEE_OTHER);
}

async fn a_user_makes_uses_and_revokes_a_personal_token(mut b: Browser) {
    cashier(&b.app).await;
    b.sign_in_as("caisse-centre", PASSWORD).await;
    b.get("/compte").await;
    let unnamed = b.post("/compte/jetons", &[("nom", "  ")]).await;
    assert_eq!(unnamed.status, StatusCode::BAD_REQUEST);
    let issued = b.post("/compte/jetons", &[("nom", "caisse 2")]).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.html);
    assert_eq!(issued.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    let secret =
        issued.html.split("<code id=\"issued-token\">").nth(1).and_then(|r| r.split('<').next()).expect("the secret");
    assert!(secret.starts_with("mgs_") && secret.len() == 68, "{secret}");
    assert!(issued.has("il ne sera plus jamais affiché"));

    let sale = serde_json::json!({"magasin": 1, "lignes": [{"produit": 1, "quantite": 1}]}).to_string();
    let sold = b.app.send_raw(Method::POST, "/api/v1/sales/", sale.clone(), Some(secret), &[]).await;
    assert_eq!(sold.status, StatusCode::CREATED, "the token acts as the cashier: {}", sold.body);
    assert_eq!(sold.body["acteur"], "caisse-centre", "{}", sold.body);

    let page = b.get("/compte").await;
    assert!(!page.has(secret), "shown once");
    assert!(page.has("<td class=\"nom\">caisse 2</td>"));
    assert!(!page.html.contains("<td class=\"last-used\">jamais</td>"), "its last use is shown");
    let id = page.html.split("data-token-id=\"").nth(1).and_then(|r| r.split('"').next()).expect("token id");
    let revoked = b.post(&format!("/compte/jetons/{id}/revocation"), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/compte").await.flash().as_deref(), Some("Jeton « caisse 2 » révoqué."));
    let refused = b.app.send_raw(Method::POST, "/api/v1/sales/", sale, Some(secret), &[]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);

    // Another user's token is not theirs to revoke.
    let other = b.app.services().user_by_login(&Actor::Service, "caisse-centre").await.expect("me");
    let admin_token = b.app.services().issue_api_token(&Actor::Service, other.id, "admin's").await.expect("token");
    let not_mine = b.post(&format!("/compte/jetons/{}/revocation", admin_token.info.id.0 + 1000), &[]).await;
    assert_eq!(not_mine.status, StatusCode::NOT_FOUND);
}

async fn wrong_current_passwords_are_throttled(mut b: Browser) {
    cashier(&b.app).await;
    b.sign_in_as("caisse-centre", PASSWORD).await;
    b.get("/compte").await;
    let new = "un mot de passe tout neuf";
    for _ in 0..magasin_service::throttle::LOGIN_LIMIT {
        let fields = [("mot_de_passe_actuel", "devine"), ("mot_de_passe", new), ("confirmation", new)];
        assert_eq!(b.post("/compte/mot-de-passe", &fields).await.status, StatusCode::BAD_REQUEST);
    }
    let fields = [("mot_de_passe_actuel", PASSWORD), ("mot_de_passe", new), ("confirmation", new)];
    let throttled = b.post("/compte/mot-de-passe", &fields).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "even the right one, while throttled");
    assert!(throttled.headers.contains_key("retry-after"));
    let still = b.app.services().check_password("caisse-centre", PASSWORD).await.expect("check");
    assert!(still.is_some(), "the password did not change");
}

async fn the_service_token_has_no_account_page_forms(mut b: Browser) {
    b.sign_in().await;
    let page = b.get("/compte").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.has("jeton de service") && !page.has("id=\"password\""));
    let issued = b.post("/compte/jetons", &[("nom", "x")]).await;
    assert_eq!(issued.status, StatusCode::FORBIDDEN);
    let fields = [("mot_de_passe_actuel", "x"), ("mot_de_passe", "y"), ("confirmation", "y")];
    assert_eq!(b.post("/compte/mot-de-passe", &fields).await.status, StatusCode::FORBIDDEN);
    let mut visitor = Browser::new(TestApp::clone(&b.app));
    let anonymous = visitor.get("/compte").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location.as_deref(), Some("/connexion?suite=%2Fcompte&avis=connexion-requise"));
}

async fn the_last_administrator_is_told_to_make_another_first(mut b: Browser) {
    let user = NewUser::parse("cheffe", "Cheffe", Role::Admin, StoreScope::All).expect("valid user");
    let admin = b.app.services().create_user(&Actor::Service, &user, PASSWORD).await.expect("user");
    b.sign_in_as("cheffe", PASSWORD).await;
    let page = format!("/utilisateurs/{}", admin.id.0);
    b.get(&page).await;
    let refused = b.post_and_follow(&format!("{page}/etat"), &[("desactive", "1")]).await;
    assert_eq!(
        refused.flash().as_deref(),
        Some("C'est le dernier administrateur actif : nommez d'abord un autre administrateur, puis revenez ici.")
    );
    let still = b.app.services().user(&Actor::Service, admin.id).await.expect("user");
    assert!(!still.disabled && still.role == Role::Admin, "nothing changed");
}
