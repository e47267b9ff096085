//! Every word the web interface shows, in one place. Pages read [`current`]; an English version
//! is one more `Strings` value (see `docs/web.md`).

use magasin_domain::{Money, ValidationCode};

/// The texts of one language. Messages with values are functions.
pub struct Strings {
    /// `lang` attribute of the pages.
    pub lang: &'static str,
    pub app_name: &'static str,
    pub tagline: &'static str,

    // Navigation and layout.
    pub nav_dashboard: &'static str,
    pub nav_new_sale: &'static str,
    pub nav_sales: &'static str,
    pub nav_report: &'static str,
    pub nav_stock: &'static str,
    pub nav_warehouse: &'static str,
    pub nav_products: &'static str,
    pub nav_replenishment: &'static str,
    pub nav_observability: &'static str,
    pub nav_journal: &'static str,
    pub journal_title: &'static str,
    pub journal_actor: &'static str,
    pub journal_action: &'static str,
    pub journal_every_action: &'static str,
    pub journal_what: &'static str,
    pub journal_change: &'static str,
    /// What an audited write was, in French.
    pub audit_action: fn(magasin_domain::audit::AuditAction) -> &'static str,
    pub nav_api: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as_writer: &'static str,
    pub footer: &'static str,

    // Common words.
    pub store: &'static str,
    pub stores: &'static str,
    pub product: &'static str,
    pub category: &'static str,
    pub price: &'static str,
    pub unit_price: &'static str,
    pub description: &'static str,
    pub sku: &'static str,
    pub catalogue_export: &'static str,
    pub catalogue_import: &'static str,
    pub catalogue_import_help: &'static str,
    pub catalogue_import_button: &'static str,
    pub catalogue_imported: fn(usize, usize) -> String,
    pub barcode: &'static str,
    pub quantity: &'static str,
    pub amount: &'static str,
    pub total: &'static str,
    pub date: &'static str,
    pub status: &'static str,
    pub reason: &'static str,
    pub search: &'static str,
    pub filter: &'static str,
    pub from_day: &'static str,
    pub to_day: &'static str,
    pub all_stores: &'static str,
    pub next_page: &'static str,
    pub previous_page: &'static str,
    pub first_page: &'static str,
    pub nothing_yet: &'static str,
    pub save: &'static str,
    pub back: &'static str,
    pub actions: &'static str,
    pub details: &'static str,
    pub none: &'static str,

    // Dashboard.
    pub dashboard_title: &'static str,
    pub revenue: &'static str,
    pub stockouts: &'static str,
    pub overstock: &'static str,
    pub top_products_7_days: &'static str,
    pub sales_7_days: &'static str,
    pub revenue_chart_title: &'static str,

    // Sales.
    pub new_sale_title: &'static str,
    pub line: &'static str,
    pub no_product: &'static str,
    pub in_stock: &'static str,
    pub record_sale: &'static str,
    pub change_store: &'static str,
    pub sales_title: &'static str,
    pub sale: &'static str,
    pub receipt: &'static str,
    pub status_recorded: &'static str,
    pub status_cancelled: &'static str,
    pub cancel_sale: &'static str,
    pub cancel_confirm_title: &'static str,
    pub cancel_confirm_text: &'static str,
    pub confirm_cancel: &'static str,
    pub keep_sale: &'static str,
    pub cancelled_on: &'static str,
    pub sale_needs_a_line: &'static str,
    pub choose_store: &'static str,

    // Report.
    pub report_title: &'static str,
    pub products_sold: &'static str,
    pub export_csv: &'static str,

    // Stock, warehouse, replenishment.
    pub stock_title: &'static str,
    pub warehouse_title: &'static str,
    pub request_replenishment: &'static str,
    pub replenishment_title: &'static str,
    pub pending_requests: &'static str,
    pub history: &'static str,
    pub approve: &'static str,
    pub approve_available: &'static str,
    pub approve_available_hint: &'static str,
    pub partly_approved: &'static str,
    pub origin_suggestion: &'static str,
    pub origin_automatic: &'static str,
    pub reject: &'static str,
    pub status_pending: &'static str,
    pub status_approved: &'static str,
    pub status_refused: &'static str,
    pub sort_by_name: &'static str,
    pub sort_by_quantity: &'static str,

    // Products.
    pub products_title: &'static str,
    pub new_product: &'static str,
    pub edit_product: &'static str,
    pub create: &'static str,

    // Observability.
    pub observability_title: &'static str,
    pub requests_per_second: &'static str,
    pub latency_p50: &'static str,
    pub latency_p95: &'static str,
    pub latency_p99: &'static str,
    pub error_ratio: &'static str,
    pub in_flight: &'static str,
    pub cache_hit_ratio: &'static str,
    pub db_pool_use: &'static str,
    pub metrics_off: &'static str,
    pub window_since_start: &'static str,
    pub window_last_seconds: fn(f64) -> String,
    pub refreshed_every: &'static str,
    pub open_prometheus: &'static str,
    pub open_grafana: &'static str,
    pub no_monitoring_links: &'static str,
    pub instance: &'static str,
    pub engine: &'static str,
    pub no_cache: &'static str,

    // Sign-in.
    pub sign_in_title: &'static str,
    pub sign_in_help: &'static str,

    // Feedback.
    pub signed_in: &'static str,
    pub signed_out: &'static str,
    pub wrong_token: &'static str,
    pub sign_in_to_write: &'static str,
    pub csrf_rejected: &'static str,
    pub form_too_large: &'static str,
    pub sale_recorded: fn(i64) -> String,
    pub sale_cancelled: fn(i64) -> String,
    pub insufficient_stock: fn(&str, i64, i64) -> String,
    pub product_created: fn(&str) -> String,
    pub product_updated: fn(&str) -> String,
    pub replenishment_requested: fn(i64, &str, &str) -> String,
    pub replenishment_approved: fn(i64) -> String,
    pub replenishment_approved_partly: fn(i64) -> String,
    pub replenishment_rejected: fn(i64) -> String,
    pub replenishment_refused: fn(i64, &str) -> String,
    pub fix_the_form: &'static str,

    // Error pages.
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub bad_request_title: &'static str,
    pub conflict_title: &'static str,
    pub forbidden_title: &'static str,
    /// Sign-in refused after too many failures: the seconds to wait.
    pub too_many_attempts: fn(u64) -> String,
    pub wrong_password: &'static str,
    pub login_label: &'static str,
    pub password_label: &'static str,
    pub or_service_token: &'static str,
    /// A write the signed-in user's role or stores do not allow.
    pub forbidden_action: &'static str,
    pub unavailable_title: &'static str,
    pub unavailable_text: &'static str,
    pub error_title: &'static str,
    pub error_text: &'static str,
    pub back_home: &'static str,
    pub no_such: fn(&str, i64) -> String,

    /// Amounts as this language writes them.
    pub money: fn(Money) -> String,
    /// Date and time (UTC) as this language writes them.
    pub datetime_format: &'static str,
    pub day_format: &'static str,
    /// Why a field is invalid, in this language (every code has its text: no wildcard).
    pub validation: fn(&ValidationCode) -> String,
    /// The pages of accounts: users (administrators) and my account.
    pub accounts: AccountStrings,
    /// The pages of goods received at the warehouse.
    pub receiving: ReceivingStrings,
    pub returning: ReturningStrings,
    pub ordering: OrderingStrings,
    pub rules: RulesStrings,
    pub adjusting: AdjustingStrings,
    pub movements: MovementStrings,
    pub verification: VerificationStrings,
    pub counting: CountingStrings,
    pub shipping: ShippingStrings,
    pub payment: PaymentStrings,
    pub till: TillStrings,
    pub closing: ClosingStrings,
}

/// The words of the end-of-day close page (`/cloture`).
pub struct ClosingStrings {
    pub title: &'static str,
    pub nav: &'static str,
    pub day: &'static str,
    pub show: &'static str,
    pub figures: &'static str,
    pub method: &'static str,
    pub sales: &'static str,
    pub unspecified: &'static str,
    pub standing_sales: &'static str,
    pub cancellations: &'static str,
    pub returns: &'static str,
    pub refunded: &'static str,
    pub expected_cash: &'static str,
    pub expected_rule: &'static str,
    pub counted_cash: &'static str,
    pub difference: &'static str,
    pub note: &'static str,
    pub close: &'static str,
    pub close_hint: &'static str,
    pub not_allowed: &'static str,
    pub closed_by: fn(&str, &str) -> String,
    pub recent: &'static str,
    pub export: &'static str,
    pub closed_flash: fn(&str, chrono::NaiveDate) -> String,
    /// The refusal of a write on a closed day (and of a second close).
    pub day_closed: fn(&str, chrono::NaiveDate) -> String,
}

/// The words of the till (`/caisse`).
pub struct TillStrings {
    pub title: &'static str,
    pub nav: &'static str,
    pub input_label: &'static str,
    pub input_hint: &'static str,
    pub add: &'static str,
    pub pick: &'static str,
    pub nothing_found: fn(&str) -> String,
    pub warning: fn(magasin_domain::till::StockWarning) -> String,
    pub available: &'static str,
    pub remove: &'static str,
    pub no_line: &'static str,
    pub recount: &'static str,
    pub pay: &'static str,
    pub change_due: &'static str,
    pub keyboard: &'static str,
    pub print: &'static str,
    pub switch_store: &'static str,
}

/// How a receipt names a sale's payment.
pub struct PaymentStrings {
    pub method: &'static str,
    pub tendered: &'static str,
    pub change: &'static str,
    pub name: fn(magasin_domain::sales::PaymentMethod) -> &'static str,
}

/// The words of the shipments page.
pub struct ShippingStrings {
    pub title: &'static str,
    pub link: &'static str,
    pub on_their_way: &'static str,
    /// Goods on their way to a store, as a place of the ledger.
    pub in_transit: &'static str,
    /// Units reserved for prepared shipments (a column of the warehouse's stock).
    pub reserved: &'static str,
    pub done: &'static str,
    pub warehouse: &'static str,
    pub origin: &'static str,
    pub destination: &'static str,
    pub prepared: &'static str,
    pub shipped: &'static str,
    pub received: &'static str,
    pub cancelled: &'static str,
    pub ship: &'static str,
    pub cancel: &'static str,
    pub receive: &'static str,
    pub missing: &'static str,
    pub damaged: &'static str,
    pub receive_hint: &'static str,
    pub new_transfer: &'static str,
    pub send: &'static str,
    pub request: fn(i64) -> String,
    pub shipped_flash: fn(i64) -> String,
    pub cancelled_flash: fn(i64) -> String,
    pub received_flash: fn(i64) -> String,
    pub transfer_flash: fn(i64) -> String,
    pub short: fn(&str, i64, i64) -> String,
}

/// The words of the goods-receipt pages.
pub struct ReceivingStrings {
    pub title: &'static str,
    pub link: &'static str,
    pub new_receipt: &'static str,
    pub supplier: &'static str,
    pub delivery_note: &'static str,
    pub product_hint: &'static str,
    pub record: &'static str,
    pub recorded: fn(i64) -> String,
    pub receipt_title: fn(i64) -> String,
    pub needs_a_line: &'static str,
    pub received_by: &'static str,
    pub lines: &'static str,
    pub recent: &'static str,
}

/// The words of the reordering rules page.
pub struct RulesStrings {
    pub title: &'static str,
    pub link: &'static str,
    pub hint: &'static str,
    pub min: &'static str,
    pub max: &'static str,
    pub multiple: &'static str,
    pub mode: &'static str,
    pub manual: &'static str,
    pub automatic: &'static str,
    pub save: &'static str,
    pub saved: fn(u64, usize) -> String,
    pub csv_title: &'static str,
    pub csv_hint: &'static str,
    pub import: &'static str,
    pub export: &'static str,
    pub rule: &'static str,
    pub suggestions: &'static str,
    pub suggestions_hint: &'static str,
    pub apply: &'static str,
    pub applied: fn(usize, usize) -> String,
    pub pending: &'static str,
    pub to_ask: &'static str,
    pub cover: &'static str,
}

/// The words of the purchase order pages.
pub struct OrderingStrings {
    pub title: &'static str,
    pub new_order: &'static str,
    pub order_title: fn(i64) -> String,
    pub created: fn(i64) -> String,
    pub changed: fn(i64, &str) -> String,
    pub tolerance: &'static str,
    pub tolerance_hint: &'static str,
    pub create: &'static str,
    pub ordered: &'static str,
    pub received: &'static str,
    pub remaining: &'static str,
    pub expected: &'static str,
    pub status: &'static str,
    pub status_label: fn(magasin_domain::purchasing::OrderStatus) -> &'static str,
    pub send: &'static str,
    pub close: &'static str,
    pub cancel: &'static str,
    pub receive: &'static str,
    pub order: &'static str,
    pub order_field: &'static str,
    pub every_order: &'static str,
    pub suggestions_title: &'static str,
    pub suggestions_hint: &'static str,
    pub to_order: &'static str,
    pub prepare: &'static str,
    pub prepared: fn(usize, usize) -> String,
    pub rules_title: &'static str,
    pub rules_hint: &'static str,
    pub rules_import: &'static str,
    pub rules_saved: fn(u64) -> String,
}

/// The words of the return form and the credit note.
pub struct ReturningStrings {
    pub action: &'static str,
    pub form_title: fn(i64) -> String,
    pub credit_note: fn(i64) -> String,
    pub sold: &'static str,
    pub already_returned: &'static str,
    pub to_return: &'static str,
    pub condition: &'static str,
    pub resellable: &'static str,
    pub damaged: &'static str,
    pub note: &'static str,
    pub record: &'static str,
    pub recorded: fn(i64) -> String,
    pub needs_a_line: &'static str,
    pub nothing_left: &'static str,
    pub refund: &'static str,
    pub returns: &'static str,
    pub taken_back_by: &'static str,
    pub print_hint: &'static str,
}

/// The words of the physical count pages.
pub struct CountingStrings {
    pub title: &'static str,
    pub link: &'static str,
    pub category: &'static str,
    pub every_product: &'static str,
    pub open_count: &'static str,
    pub opened_on: &'static str,
    pub status: &'static str,
    pub open: &'static str,
    pub validated: &'static str,
    pub cancelled: &'static str,
    pub opened: fn(i64) -> String,
    pub count_title: fn(i64) -> String,
    pub progress: &'static str,
    pub variance_value: &'static str,
    pub help: &'static str,
    pub at_opening: &'static str,
    pub expected: &'static str,
    pub counted: &'static str,
    pub variance: &'static str,
    pub value: &'static str,
    pub save: &'static str,
    pub validate: &'static str,
    pub cancel: &'static str,
    pub nothing_entered: &'static str,
    pub saved: fn(usize) -> String,
    pub validated_message: fn(i64) -> String,
    pub cancelled_message: fn(i64) -> String,
}

/// The words of the ledger verification page.
pub struct VerificationStrings {
    pub title: &'static str,
    pub help: &'static str,
    pub last_pass: &'static str,
    pub through: &'static str,
    pub duration: &'static str,
    pub result: &'static str,
    pub sound: &'static str,
    pub violations: fn(i64, i64, i64) -> String,
    pub never: &'static str,
    pub stock_title: &'static str,
    pub ledger_sum: &'static str,
    pub aggregates_title: &'static str,
    pub kind: &'static str,
    pub of_sales: &'static str,
    pub of_returns: &'static str,
    pub all_time: &'static str,
    pub kept_units: &'static str,
    pub summed_units: &'static str,
    pub kept_cents: &'static str,
    pub summed_cents: &'static str,
    pub stock_rows_title: &'static str,
    pub kept_rows: &'static str,
    pub counted_rows: &'static str,
}

/// The words of the stock movement (ledger) pages.
pub struct MovementStrings {
    pub link: &'static str,
    pub row_link: &'static str,
    /// A ledger reason other than an adjustment, in this language.
    pub reason: fn(magasin_domain::ledger::LedgerReason) -> &'static str,
    pub adjustment: &'static str,
    pub sale: fn(i64) -> String,
    pub request: fn(i64) -> String,
    pub receipt: fn(i64) -> String,
    pub adjustment_number: fn(i64) -> String,
    pub return_number: fn(i64) -> String,
    pub shipment_number: fn(i64) -> String,
    pub of_location: fn(&str) -> String,
    pub of_row: fn(&str, &str) -> String,
    pub back_to_stock: &'static str,
    pub whole_location: &'static str,
    pub reason_label: &'static str,
    pub balance: &'static str,
    pub document: &'static str,
    pub actor: &'static str,
    pub request_id: &'static str,
}

/// The words of the adjustment and shrinkage pages.
pub struct AdjustingStrings {
    pub title: &'static str,
    pub link: &'static str,
    pub new_adjustment: &'static str,
    pub location: &'static str,
    pub quantity_hint: &'static str,
    pub reason_label: &'static str,
    /// An adjustment's reason, in this language.
    pub reason: fn(magasin_domain::adjustments::AdjustmentReason) -> &'static str,
    pub note: &'static str,
    pub note_hint: &'static str,
    pub record: &'static str,
    pub recorded: fn(&str, i64) -> String,
    pub recent: fn(&str) -> String,
    pub balance: &'static str,
    pub by: &'static str,
    pub shrinkage_title: &'static str,
    pub shrinkage_link: &'static str,
    pub every_location: &'static str,
    pub adjustments: &'static str,
    pub units_out: &'static str,
    pub units_in: &'static str,
    pub net_units: &'static str,
    pub net_value: &'static str,
    pub total: &'static str,
    pub chart_title: &'static str,
    pub shrinkage_help: &'static str,
}

/// The words of the users and my-account pages.
pub struct AccountStrings {
    pub nav_users: &'static str,
    pub my_account: &'static str,
    pub users_title: &'static str,
    pub new_user: &'static str,
    pub display_name: &'static str,
    pub role: &'static str,
    /// A role, in this language.
    pub role_label: fn(magasin_domain::accounts::Role) -> &'static str,
    pub every_store: &'static str,
    pub stores_help: &'static str,
    pub state: &'static str,
    pub active: &'static str,
    pub disabled: &'static str,
    pub disable: &'static str,
    pub enable: &'static str,
    pub created_on: &'static str,
    pub save_role: &'static str,
    pub role_and_stores: &'static str,
    pub access: &'static str,
    pub reset_password: &'static str,
    pub set_password: &'static str,
    pub sessions_end_note: &'static str,
    pub user_created: fn(&str) -> String,
    pub user_changed: fn(&str) -> String,
    pub last_administrator: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub confirm_password: &'static str,
    pub change_password: &'static str,
    pub password_changed: &'static str,
    pub tokens: &'static str,
    pub my_tokens: &'static str,
    pub tokens_help: &'static str,
    pub token_name: &'static str,
    pub new_token: &'static str,
    pub token_shown_once: &'static str,
    pub last_used: &'static str,
    pub never: &'static str,
    pub revoke: &'static str,
    pub revoked_on: &'static str,
    pub token_revoked: fn(&str) -> String,
    pub service_has_no_account: &'static str,
    pub login_taken: &'static str,
}

/// The language of the pages.
pub fn current() -> &'static Strings {
    &FR
}

pub static FR: Strings = Strings {
    lang: "fr",
    app_name: "magasin",
    tagline: "Ventes, stock et approvisionnement des magasins",

    nav_dashboard: "Tableau de bord",
    nav_new_sale: "Nouvelle vente",
    nav_sales: "Ventes",
    nav_report: "Rapport",
    nav_stock: "Stock",
    nav_warehouse: "Entrepôt",
    nav_products: "Produits",
    nav_replenishment: "Réapprovisionnement",
    nav_observability: "Observabilité",
    nav_journal: "Journal",
    journal_title: "Journal des opérations",
    journal_actor: "Auteur",
    journal_action: "Opération",
    journal_every_action: "Toutes",
    journal_what: "Sur",
    journal_change: "Détail",
    audit_action: fr::audit_action,
    nav_api: "API (Swagger)",
    sign_in: "Connexion",
    sign_out: "Déconnexion",
    signed_in_as_writer: "Connecté",
    footer: "magasin — interface de gestion des magasins",

    store: "Magasin",
    stores: "Magasins",
    product: "Produit",
    category: "Catégorie",
    price: "Prix",
    unit_price: "Prix unitaire",
    description: "Description",
    sku: "Référence (SKU)",
    catalogue_export: "Exporter le catalogue (CSV)",
    catalogue_import: "Importer le catalogue (CSV)",
    catalogue_import_help: "Collez le CSV (les colonnes de l'export, ou une partie) : une ligne sans id crée un produit, une ligne avec un id modifie les colonnes nommées. Tout ou rien.",
    catalogue_import_button: "Importer",
    catalogue_imported: fr::catalogue_imported,
    barcode: "Code-barres (EAN-13 ou UPC-A)",
    quantity: "Quantité",
    amount: "Montant",
    total: "Total",
    date: "Date",
    status: "Statut",
    reason: "Motif",
    search: "Rechercher",
    filter: "Filtrer",
    from_day: "Du",
    to_day: "Au",
    all_stores: "Tous les magasins",
    next_page: "Page suivante →",
    previous_page: "← Page précédente",
    first_page: "← Plus récentes",
    nothing_yet: "Rien à afficher pour l'instant.",
    save: "Enregistrer",
    back: "Retour",
    actions: "Actions",
    details: "Détail",
    none: "—",

    dashboard_title: "Tableau de bord",
    revenue: "Chiffre d'affaires",
    stockouts: "Ruptures",
    overstock: "Surstock",
    top_products_7_days: "Meilleures ventes (7 jours)",
    sales_7_days: "Ventes sur 7 jours",
    revenue_chart_title: "Chiffre d'affaires par magasin",

    new_sale_title: "Nouvelle vente",
    line: "Ligne",
    no_product: "— aucun produit —",
    in_stock: "en stock",
    record_sale: "Enregistrer la vente",
    change_store: "Afficher le stock de ce magasin",
    sales_title: "Ventes",
    sale: "Vente",
    receipt: "Ticket de caisse",
    status_recorded: "validée",
    status_cancelled: "annulée",
    cancel_sale: "Annuler la vente",
    cancel_confirm_title: "Annuler cette vente ?",
    cancel_confirm_text: "Les produits retournent dans le stock du magasin. Une vente annulée ne peut pas être rétablie.",
    confirm_cancel: "Oui, annuler la vente",
    keep_sale: "Non, garder la vente",
    cancelled_on: "Annulée le",
    sale_needs_a_line: "Choisissez au moins un produit et sa quantité.",
    choose_store: "Choisissez un magasin.",

    report_title: "Rapport consolidé des ventes",
    products_sold: "Produits vendus",
    export_csv: "Exporter en CSV",

    stock_title: "Stock du magasin",
    warehouse_title: "Stock de l'entrepôt",
    request_replenishment: "Demander",
    replenishment_title: "Réapprovisionnement",
    pending_requests: "Demandes en attente",
    history: "Historique",
    approve: "Approuver",
    approve_available: "Approuver selon le stock",
    approve_available_hint: "« Approuver » envoie tout ou refuse la demande si l'entrepôt n'a pas tout ; « selon le stock » envoie ce que l'entrepôt a de chaque ligne et laisse la demande en attente s'il n'a rien.",
    partly_approved: "en partie",
    origin_suggestion: "suggestion",
    origin_automatic: "automatique",
    reject: "Refuser",
    status_pending: "en attente",
    status_approved: "approuvée",
    status_refused: "refusée",
    sort_by_name: "Trier par nom",
    sort_by_quantity: "Trier par quantité",

    products_title: "Produits",
    new_product: "Nouveau produit",
    edit_product: "Modifier le produit",
    create: "Créer",

    observability_title: "Observabilité de cette instance",
    requests_per_second: "Requêtes / s",
    latency_p50: "Latence p50",
    latency_p95: "Latence p95",
    latency_p99: "Latence p99",
    error_ratio: "Taux d'erreurs (5xx)",
    in_flight: "Requêtes en cours",
    cache_hit_ratio: "Succès du cache",
    db_pool_use: "Connexions BD utilisées",
    metrics_off: "Les métriques sont désactivées sur cette instance (--no-metrics) : aucun signal à afficher.",
    window_since_start: "Depuis le démarrage de l'instance.",
    window_last_seconds: fr::window_last_seconds,
    refreshed_every: "Actualisé toutes les 5 secondes.",
    open_prometheus: "Ouvrir Prometheus",
    open_grafana: "Ouvrir Grafana",
    no_monitoring_links: "Prometheus et Grafana ne sont pas configurés (MAGASIN_PROMETHEUS_URL, MAGASIN_GRAFANA_URL).",
    instance: "Instance",
    engine: "Base de données",
    no_cache: "pas de cache",

    sign_in_title: "Connexion",
    sign_in_help: "La consultation est libre ; enregistrer, modifier ou décider demande d'être connecté.",

    signed_in: "Vous êtes connecté.",
    signed_out: "Vous êtes déconnecté.",
    wrong_token: "Jeton incorrect.",
    sign_in_to_write: "Connectez-vous pour effectuer cette action.",
    csrf_rejected: "Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page et recommencez.",
    form_too_large: "Le formulaire envoyé est trop volumineux.",
    sale_recorded: fr::sale_recorded,
    sale_cancelled: fr::sale_cancelled,
    insufficient_stock: fr::insufficient_stock,
    product_created: fr::product_created,
    product_updated: fr::product_updated,
    replenishment_requested: fr::replenishment_requested,
    replenishment_approved: fr::replenishment_approved,
    replenishment_approved_partly: fr::replenishment_approved_partly,
    replenishment_rejected: fr::replenishment_rejected,
    replenishment_refused: fr::replenishment_refused,
    fix_the_form: "Le formulaire contient des erreurs : corrigez les champs signalés.",

    not_found_title: "Page introuvable",
    not_found_text: "Cette page n'existe pas ou plus.",
    bad_request_title: "Demande incorrecte",
    conflict_title: "Action impossible",
    forbidden_title: "Action refusée",
    too_many_attempts: fr::too_many_attempts,
    wrong_password: "Identifiant ou mot de passe incorrect.",
    login_label: "Identifiant",
    password_label: "Mot de passe",
    or_service_token: "Ou, pour le compte de service, son jeton",
    forbidden_action: "Votre rôle ou vos magasins ne permettent pas cette action ; rien n'a été enregistré.",
    unavailable_title: "Service momentanément indisponible",
    unavailable_text: "La base de données ne répond pas. Réessayez dans un instant.",
    error_title: "Erreur",
    error_text: "Une erreur inattendue est survenue ; elle a été journalisée.",
    back_home: "Retour au tableau de bord",
    no_such: fr::no_such,

    money: fr::money,
    datetime_format: "%d/%m/%Y %H:%M UTC",
    day_format: "%d/%m",
    validation: fr::validation,
    accounts: AccountStrings {
        nav_users: "Utilisateurs",
        my_account: "Mon compte",
        users_title: "Utilisateurs",
        new_user: "Nouvel utilisateur",
        display_name: "Nom affiché",
        role: "Rôle",
        role_label: fr::role,
        every_store: "Tous les magasins",
        stores_help: "Un caissier ou un gérant agit pour les magasins cochés ; les autres rôles agissent pour toute la chaîne.",
        state: "État",
        active: "Actif",
        disabled: "Désactivé",
        disable: "Désactiver le compte",
        enable: "Réactiver le compte",
        created_on: "Créé le",
        save_role: "Enregistrer le rôle",
        role_and_stores: "Rôle et magasins",
        access: "Accès",
        reset_password: "Nouveau mot de passe",
        set_password: "Définir le mot de passe",
        sessions_end_note: "Changer le rôle, le mot de passe ou l'état ferme toutes les sessions du compte.",
        user_created: fr::user_created,
        user_changed: fr::user_changed,
        last_administrator: "C'est le dernier administrateur actif : nommez d'abord un autre administrateur, puis revenez ici.",
        current_password: "Mot de passe actuel",
        new_password: "Nouveau mot de passe (12 caractères au moins)",
        confirm_password: "Confirmez le nouveau mot de passe",
        change_password: "Changer mon mot de passe",
        password_changed: "Mot de passe changé. Vos autres sessions sont fermées.",
        tokens: "Jetons d'API",
        my_tokens: "Mes jetons d'API",
        tokens_help: "Un jeton personnel agit en votre nom sur l'API (en-tête « Authorization: Token … »). Révoquez celui d'un appareil perdu.",
        token_name: "Nom du jeton",
        new_token: "Créer un jeton",
        token_shown_once: "Copiez ce jeton maintenant : il ne sera plus jamais affiché.",
        last_used: "Dernière utilisation",
        never: "jamais",
        revoke: "Révoquer",
        revoked_on: "Révoqué le",
        token_revoked: fr::token_revoked,
        login_taken: "Cet identifiant est déjà pris.",
        service_has_no_account: "Vous êtes connecté avec le jeton de service : il n'a ni mot de passe ni jetons personnels. Les comptes se gèrent avec « magasin user » ou la page Utilisateurs.",
    },
    receiving: ReceivingStrings {
        title: "Réceptions de marchandises",
        link: "Réceptions de marchandises",
        new_receipt: "Nouvelle réception",
        supplier: "Fournisseur",
        delivery_note: "Bon de livraison",
        product_hint: "Le n° du produit, ou choisissez-le dans la liste.",
        record: "Enregistrer la réception",
        recorded: fr::receipt_recorded,
        receipt_title: fr::receipt_title,
        needs_a_line: "Indiquez au moins un produit et sa quantité.",
        received_by: "Reçue par",
        lines: "Lignes",
        recent: "Dernières réceptions",
    },
    rules: RulesStrings {
        title: "Règles de réapprovisionnement",
        link: "Règles de réapprovisionnement",
        hint: "Sous le minimum, le produit manque ; le maximum est ce qu'il faut avoir en rayon, demandé par multiples entiers. « Automatique » : magasin demande lui-même. Videz le minimum et le maximum d'une ligne pour retirer sa règle.",
        min: "Minimum",
        max: "Maximum",
        multiple: "Multiple",
        mode: "Mode",
        manual: "Manuel",
        automatic: "Automatique",
        save: "Enregistrer les règles de la page",
        saved: fr::rules_saved,
        csv_title: "Charger des règles (CSV)",
        csv_hint: "Collez le CSV : une ligne d'en-tête produit,min,max,multiple,mode puis une règle par ligne (multiple et mode facultatifs).",
        import: "Charger",
        export: "Exporter les règles du magasin (CSV)",
        rule: "Règle (min–max)",
        suggestions: "À demander à l'entrepôt",
        suggestions_hint: "Les produits sous leur minimum (stock et demandes en attente compris) : de quoi revenir au maximum, par multiples entiers, autant que l'entrepôt en a ; la couverture compte les jours que dure le stock au rythme des ventes des 28 derniers jours.",
        apply: "Créer la demande de réapprovisionnement",
        applied: fr::suggestions_applied,
        pending: "Déjà demandé",
        to_ask: "À demander",
        cover: "Couverture (jours)",
    },
    ordering: OrderingStrings {
        title: "Commandes fournisseur",
        new_order: "Nouvelle commande",
        order_title: fr::order_title,
        created: fr::order_created,
        changed: fr::order_changed,
        tolerance: "Tolérance (%)",
        tolerance_hint: "Ce qu'une ligne peut recevoir en plus de sa quantité commandée, en pour cent (0 : rien de plus).",
        create: "Créer le brouillon",
        ordered: "Commandé",
        received: "Reçu",
        remaining: "Reste dû",
        expected: "Attendu",
        status: "État",
        status_label: fr::order_status,
        send: "Envoyer au fournisseur",
        close: "Solder (le reste ne viendra pas)",
        cancel: "Annuler la commande",
        receive: "Réceptionner une livraison",
        order: "Commande n°",
        order_field: "Commande fournisseur n° (facultatif)",
        every_order: "Toutes",
        suggestions_title: "À commander (règles de l'entrepôt)",
        suggestions_hint: "Les produits dont le stock de l'entrepôt et ce qu'attendent les commandes envoyées sont sous le minimum : de quoi revenir au maximum, par multiples entiers. « Préparer » en fait des commandes en brouillon (une fois par jour), à relire et envoyer.",
        to_order: "À commander",
        prepare: "Préparer les commandes (brouillons)",
        prepared: fr::orders_prepared,
        rules_title: "Règles de l'entrepôt (CSV)",
        rules_hint: "Collez le CSV : une ligne d'en-tête produit,min,max,multiple puis une règle par ligne (multiple facultatif). Les règles des autres produits restent.",
        rules_import: "Charger les règles",
        rules_saved: fr::warehouse_rules_saved,
    },
    returning: ReturningStrings {
        action: "Retourner des articles",
        form_title: fr::return_form_title,
        credit_note: fr::return_number,
        sold: "Vendu",
        already_returned: "Déjà retourné",
        to_return: "À retourner",
        condition: "État",
        resellable: "Revendable (remis en stock)",
        damaged: "Abîmé (non remis en stock)",
        note: "Note (facultative)",
        record: "Enregistrer le retour",
        recorded: fr::return_recorded,
        needs_a_line: "Indiquez au moins une quantité à retourner.",
        nothing_left: "Tous les articles de cette vente ont déjà été retournés.",
        refund: "Montant remboursé",
        returns: "Retours",
        taken_back_by: "Repris par",
        print_hint: "Imprimez cette page pour remettre l'avoir au client.",
    },
    closing: ClosingStrings {
        title: "Clôture de caisse",
        nav: "Clôture",
        day: "Jour",
        show: "Afficher",
        figures: "Chiffres du jour",
        method: "Mode de paiement",
        sales: "Ventes",
        unspecified: "Non précisé",
        standing_sales: "Ventes (hors annulées)",
        cancellations: "Annulations du jour",
        returns: "Retours du jour",
        refunded: "Montant remboursé",
        expected_cash: "Espèces attendues",
        expected_rule: "Espèces attendues = ventes en espèces du jour − retours du jour (remboursés en espèces).",
        counted_cash: "Espèces comptées",
        difference: "Écart (compté − attendu)",
        note: "Note (facultative)",
        close: "Clôturer la caisse",
        close_hint: "Une fois clôturé, le jour est en lecture seule : plus aucune vente, annulation ni retour.",
        not_allowed: "Vous ne pouvez pas clôturer la caisse de ce magasin.",
        closed_by: fr::closed_by,
        recent: "Dernières clôtures",
        export: "Exporter les clôtures (CSV)",
        closed_flash: fr::day_closed_flash,
        day_closed: fr::day_closed,
    },
    payment: PaymentStrings {
        method: "Paiement",
        tendered: "Montant remis",
        change: "Rendu",
        name: fr::payment_method,
    },
    till: TillStrings {
        title: "Caisse",
        nav: "Caisse",
        input_label: "Code-barres, SKU ou nom",
        input_hint: "Scannez ou tapez un code puis Entrée ; deux lettres d'un nom proposent les produits.",
        add: "Ajouter",
        pick: "Plusieurs produits correspondent : choisissez.",
        nothing_found: fr::nothing_found,
        warning: fr::stock_warning,
        available: "Disponible",
        remove: "Retirer",
        no_line: "Aucun article : scannez le premier.",
        recount: "Recalculer",
        pay: "Encaisser",
        change_due: "À rendre",
        print: "Imprimer le ticket",
        switch_store: "Changer de caisse",
        keyboard: "Entrée ajoute · Tab passe aux quantités puis au paiement · Entrée sur « Encaisser » enregistre.",
    },
    shipping: ShippingStrings {
        title: "Expéditions et transferts",
        link: "Expéditions et transferts",
        on_their_way: "En cours",
        in_transit: "en transit",
        reserved: "Réservé",
        done: "Terminées",
        warehouse: "Entrepôt",
        origin: "Origine",
        destination: "Destination",
        prepared: "préparée",
        shipped: "expédiée",
        received: "reçue",
        cancelled: "annulée",
        ship: "Expédier",
        cancel: "Annuler",
        receive: "Réceptionner",
        missing: "manquant(s)",
        damaged: "endommagé(s)",
        receive_hint: "Indiquez pour chaque ligne les unités manquantes ou endommagées ; le reste entre en stock.",
        new_transfer: "Nouveau transfert entre magasins",
        send: "Réserver le transfert",
        request: fr::shipment_request,
        shipped_flash: fr::shipment_shipped,
        cancelled_flash: fr::shipment_cancelled,
        received_flash: fr::shipment_received,
        transfer_flash: fr::transfer_prepared,
        short: fr::transfer_short,
    },
    counting: CountingStrings {
        title: "Inventaires",
        link: "Inventaires",
        category: "Catégorie",
        every_product: "Tous les produits",
        open_count: "Ouvrir un inventaire",
        opened_on: "Ouvert le",
        status: "État",
        open: "En cours",
        validated: "Validé",
        cancelled: "Annulé",
        opened: fr::count_opened,
        count_title: fr::count_title,
        progress: "Lignes comptées",
        variance_value: "Valeur des écarts",
        help: "Saisissez ce que vous comptez, ligne par ligne, et enregistrez aussi souvent que vous voulez. L'attendu est le stock à l'ouverture plus les mouvements jusqu'au moment où la ligne est comptée : une vente pendant l'inventaire n'est pas un écart. La validation enregistre chaque écart comme un ajustement « Écart d'inventaire ».",
        at_opening: "À l'ouverture",
        expected: "Attendu",
        counted: "Compté",
        variance: "Écart",
        value: "Valeur",
        save: "Enregistrer la saisie",
        validate: "Valider l'inventaire",
        cancel: "Annuler l'inventaire",
        nothing_entered: "Saisissez au moins une quantité comptée.",
        saved: fr::count_saved,
        validated_message: fr::count_validated,
        cancelled_message: fr::count_cancelled,
    },
    verification: VerificationStrings {
        title: "Vérification du registre",
        help: "En tâche de fond, magasin vérifie que chaque stock est égal à la somme de ses mouvements et que les cumuls de ventes tenus à jour sont égaux aux lignes de vente qu'ils résument, et que le nombre de lignes de stock tenu pour chaque magasin est celui de ses lignes. Chaque passage n'ajoute que les mouvements écrits depuis le précédent. « magasin check-ledger » fait la vérification complète à la demande.",
        last_pass: "Dernier passage",
        through: "Mouvements vérifiés jusqu'au n°",
        duration: "Durée",
        result: "Résultat",
        sound: "Aucun écart : chaque stock et chaque cumul est juste.",
        violations: fr::verification_violations,
        never: "Aucune vérification n'a encore eu lieu.",
        stock_title: "Stocks différents de leurs mouvements",
        ledger_sum: "Somme des mouvements",
        aggregates_title: "Cumuls de ventes et de retours différents de leurs lignes",
        kind: "Cumul",
        of_sales: "Ventes",
        of_returns: "Retours",
        all_time: "depuis toujours",
        kept_units: "Unités tenues",
        summed_units: "Unités des lignes",
        kept_cents: "Montant tenu (centimes)",
        summed_cents: "Montant des lignes (centimes)",
        stock_rows_title: "Magasins dont le nombre de lignes de stock tenu diffère de leurs lignes",
        kept_rows: "Lignes tenues",
        counted_rows: "Lignes comptées",
    },
    movements: MovementStrings {
        link: "Mouvements de stock",
        row_link: "Mouvements",
        reason: fr::ledger_reason,
        adjustment: "Ajustement",
        sale: fr::sale_number,
        request: fr::request_number,
        receipt: fr::receipt_number,
        adjustment_number: fr::adjustment_number,
        return_number: fr::return_number,
        shipment_number: fr::shipment_number,
        of_location: fr::movements_of_location,
        of_row: fr::movements_of_row,
        back_to_stock: "Retour au stock",
        whole_location: "Tous les mouvements du lieu",
        reason_label: "Motif",
        balance: "Stock après",
        document: "Document",
        actor: "Par",
        request_id: "Requête",
    },
    adjusting: AdjustingStrings {
        title: "Ajustements de stock",
        link: "Ajustements de stock",
        new_adjustment: "Nouvel ajustement",
        location: "Lieu",
        quantity_hint: "Négative quand des articles sortent du stock (−2 : deux articles cassés).",
        reason_label: "Motif",
        reason: fr::adjustment_reason,
        note: "Note",
        note_hint: "Obligatoire pour le motif « Autre ».",
        record: "Enregistrer l'ajustement",
        recorded: fr::adjustment_recorded,
        recent: fr::adjustments_at,
        balance: "Stock après",
        by: "Par",
        shrinkage_title: "Démarque",
        shrinkage_link: "Démarque (ajustements par motif)",
        every_location: "Tous les lieux",
        adjustments: "Ajustements",
        units_out: "Unités sorties",
        units_in: "Unités rentrées",
        net_units: "Unités perdues (net)",
        net_value: "Valeur perdue (net)",
        total: "Total démarque (hors erreurs de saisie)",
        chart_title: "Valeur perdue par motif",
        shrinkage_help: "Chaque unité est valorisée au prix de vente du produit au moment de l'ajustement.",
    },
};

/// French messages with values.
mod fr {
    use magasin_domain::{Money, ValidationCode};

    pub fn window_last_seconds(seconds: f64) -> String {
        format!("Sur les {seconds:.0} dernières secondes.")
    }

    pub fn count_opened(id: i64) -> String {
        format!("Inventaire n° {id} ouvert.")
    }

    pub fn count_title(id: i64) -> String {
        format!("Inventaire n° {id}")
    }

    pub fn count_saved(lines: usize) -> String {
        format!("{lines} ligne(s) enregistrée(s).")
    }

    pub fn count_validated(id: i64) -> String {
        format!("Inventaire n° {id} validé : les écarts sont enregistrés.")
    }

    pub fn count_cancelled(id: i64) -> String {
        format!("Inventaire n° {id} annulé.")
    }

    pub fn verification_violations(stock: i64, aggregates: i64, stock_rows: i64) -> String {
        format!(
            "{stock} stock(s), {aggregates} cumul(s) de ventes et {stock_rows} nombre(s) de lignes de stock ne correspondent pas."
        )
    }

    pub fn ledger_reason(reason: magasin_domain::ledger::LedgerReason) -> &'static str {
        use magasin_domain::ledger::LedgerReason::*;
        match reason {
            Opening => "Stock d'ouverture",
            ProductCreated => "Création du produit",
            Sale => "Vente",
            SaleCancelled => "Annulation de vente",
            ReplenishmentOut => "Réapprovisionnement (sortie)",
            ReplenishmentIn => "Réapprovisionnement (entrée)",
            Receipt => "Réception",
            Adjustment(_) => "Ajustement",
            Return => "Retour client",
            ShipmentOut => "Expédition (sortie)",
            TransitIn => "Mise en transit",
            TransitOut => "Sortie de transit",
            ShipmentIn => "Expédition (entrée)",
            TransitMissing => "Manquant à la réception",
            TransitDamaged => "Endommagé à la réception",
        }
    }

    pub fn sale_number(id: i64) -> String {
        format!("Vente n° {id}")
    }

    pub fn request_number(id: i64) -> String {
        format!("Demande n° {id}")
    }

    pub fn receipt_number(id: i64) -> String {
        format!("Réception n° {id}")
    }

    pub fn adjustment_number(id: i64) -> String {
        format!("Ajustement n° {id}")
    }

    pub fn catalogue_imported(created: usize, changed: usize) -> String {
        format!("Catalogue importé : {created} produit(s) créé(s), {changed} modifié(s).")
    }

    pub fn nothing_found(typed: &str) -> String {
        format!("Aucun produit pour « {typed} ».")
    }

    pub fn stock_warning(warning: magasin_domain::till::StockWarning) -> String {
        use magasin_domain::till::StockWarning::*;
        match warning {
            Short { available } => format!("Stock insuffisant : {available} disponible(s)."),
            Low { left: 0 } => "Dernières unités : le stock sera épuisé.".to_string(),
            Low { left } => format!("Stock bas : il en restera {left}."),
        }
    }

    pub fn payment_method(method: magasin_domain::sales::PaymentMethod) -> &'static str {
        use magasin_domain::sales::PaymentMethod::*;
        match method {
            Cash => "Espèces",
            Card => "Carte",
            Other => "Autre",
        }
    }

    pub fn shipment_request(id: i64) -> String {
        format!("demande n° {id}")
    }

    pub fn shipment_shipped(id: i64) -> String {
        format!("Expédition n° {id} expédiée : les marchandises sont en transit.")
    }

    pub fn shipment_cancelled(id: i64) -> String {
        format!("Expédition n° {id} annulée : la réserve est libérée.")
    }

    pub fn shipment_received(id: i64) -> String {
        format!("Expédition n° {id} réceptionnée.")
    }

    pub fn transfer_prepared(id: i64) -> String {
        format!("Transfert n° {id} réservé au magasin d'origine.")
    }

    pub fn transfer_short(product: &str, requested: i64, available: i64) -> String {
        format!("Stock disponible insuffisant — {product} : {available} disponible(s), {requested} demandé(s).")
    }

    pub fn closed_by(who: &str, when: &str) -> String {
        format!("Clôturée par {who} le {when}.")
    }

    pub fn day_closed_flash(store: &str, day: chrono::NaiveDate) -> String {
        format!("Caisse du magasin {store} clôturée pour le {}.", day.format("%d/%m/%Y"))
    }

    pub fn day_closed(store: &str, day: chrono::NaiveDate) -> String {
        format!(
            "La caisse du magasin {store} est clôturée pour le {} : ses ventes, annulations et retours de ce jour ne peuvent plus changer.",
            day.format("%d/%m/%Y")
        )
    }

    pub fn shipment_number(id: i64) -> String {
        format!("Expédition n° {id}")
    }

    pub fn return_number(id: i64) -> String {
        format!("Avoir n° {id}")
    }

    pub fn rules_saved(saved: u64, removed: usize) -> String {
        match removed {
            0 => format!("{saved} règle(s) enregistrée(s)."),
            _ => format!("{saved} règle(s) enregistrée(s), {removed} retirée(s)."),
        }
    }

    pub fn order_title(id: i64) -> String {
        format!("Commande fournisseur n° {id}")
    }

    pub fn order_created(id: i64) -> String {
        format!("Commande n° {id} créée (brouillon).")
    }

    pub fn order_changed(id: i64, status: &str) -> String {
        format!("Commande n° {id} : {status}.")
    }

    pub fn order_status(status: magasin_domain::purchasing::OrderStatus) -> &'static str {
        use magasin_domain::purchasing::OrderStatus::*;
        match status {
            Draft => "Brouillon",
            Sent => "Envoyée",
            PartlyReceived => "Partiellement reçue",
            Received => "Reçue",
            Closed => "Soldée",
            Cancelled => "Annulée",
        }
    }

    pub fn return_form_title(sale: i64) -> String {
        format!("Retour d'articles — vente n° {sale}")
    }

    pub fn return_recorded(id: i64) -> String {
        format!("Retour enregistré : avoir n° {id}.")
    }

    pub fn movements_of_location(place: &str) -> String {
        format!("Mouvements de stock — {place}")
    }

    pub fn movements_of_row(product: &str, place: &str) -> String {
        format!("Mouvements de stock — {product}, {place}")
    }

    pub fn adjustment_recorded(product: &str, balance: i64) -> String {
        format!("Ajustement enregistré : {product}, stock après ajustement {balance}.")
    }

    pub fn adjustments_at(location: &str) -> String {
        format!("Derniers ajustements — {location}")
    }

    pub fn sale_recorded(id: i64) -> String {
        format!("Vente n° {id} enregistrée.")
    }

    pub fn sale_cancelled(id: i64) -> String {
        format!("Vente n° {id} annulée : le stock a été rétabli.")
    }

    pub fn insufficient_stock(product: &str, available: i64, requested: i64) -> String {
        format!("Stock insuffisant pour « {product} » : il en reste {available}, {requested} demandé(s).")
    }

    pub fn product_created(name: &str) -> String {
        format!("Produit « {name} » créé.")
    }

    pub fn product_updated(name: &str) -> String {
        format!("Produit « {name} » enregistré.")
    }

    pub fn replenishment_requested(id: i64, product: &str, store: &str) -> String {
        format!("Demande n° {id} envoyée : « {product} » pour {store}.")
    }

    pub fn replenishment_approved(id: i64) -> String {
        format!("Demande n° {id} approuvée : le stock a été transféré.")
    }

    pub fn orders_prepared(created: usize, of_the_day: usize) -> String {
        match (created, of_the_day) {
            (0, 0) => "Rien à commander : le stock et les commandes envoyées couvrent les règles.".to_string(),
            (0, _) => "Les commandes de ce jour ont déjà été préparées à partir des suggestions.".to_string(),
            (n, _) => format!("{n} commande(s) préparée(s) en brouillon : relisez-les puis envoyez-les."),
        }
    }

    pub fn warehouse_rules_saved(count: u64) -> String {
        format!("{count} règle(s) de l'entrepôt enregistrée(s).")
    }

    pub fn suggestions_applied(created: usize, of_the_day: usize) -> String {
        match (created, of_the_day) {
            (0, 0) => "Rien à demander : les demandes en attente couvrent déjà les besoins.".to_string(),
            (0, _) => "La demande de ce jour a déjà été créée à partir des suggestions (une par magasin et par jour)."
                .to_string(),
            (n, _) => format!(
                "{n} demande(s) de réapprovisionnement créée(s) : la logistique les verra sous Réapprovisionnement."
            ),
        }
    }

    pub fn replenishment_approved_partly(id: i64) -> String {
        format!("Demande n° {id} approuvée en partie : ce que l'entrepôt avait a été transféré.")
    }

    pub fn replenishment_rejected(id: i64) -> String {
        format!("Demande n° {id} refusée.")
    }

    pub fn replenishment_refused(id: i64, reason: &str) -> String {
        format!("Demande n° {id} refusée par l'entrepôt : {reason}")
    }

    pub fn no_such(entity: &str, id: i64) -> String {
        let what = match entity {
            "store" => "Magasin",
            "product" => "Produit",
            "sale" => "Vente",
            "replenishment" => "Demande",
            "receipt" => "Réception",
            "return" => "Avoir",
            "purchase order" => "Commande",
            "rule" => "Règle du produit",
            "sale line" => "Ligne de vente",
            _ => "Élément",
        };
        format!("{what} n° {id} introuvable.")
    }

    /// `1 234,50 €`.
    pub fn money(amount: Money) -> String {
        format!("{}\u{a0}€", decimal(amount, '\u{202f}'))
    }

    /// `1234.5` as `1<separator>234,50`.
    fn decimal(amount: Money, separator: char) -> String {
        let text = amount.to_string();
        let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
        let (sign, digits) = whole.strip_prefix('-').map_or(("", whole), |d| ("-", d));
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(separator);
            }
            grouped.push(c);
        }
        format!("{sign}{grouped},{cents}")
    }

    pub fn audit_action(action: magasin_domain::audit::AuditAction) -> &'static str {
        use magasin_domain::audit::AuditAction::*;
        match action {
            SaleRecorded => "Vente",
            SaleCancelled => "Annulation de vente",
            ReplenishmentRequested => "Demande de réapprovisionnement",
            ReplenishmentApproved => "Approbation",
            ReplenishmentRefused => "Refus (stock insuffisant)",
            ReplenishmentRejected => "Refus",
            ProductCreated => "Création de produit",
            ProductUpdated => "Modification de produit",
            UserCreated => "Création d'utilisateur",
            UserUpdated => "Modification d'utilisateur",
            TokenIssued => "Création de jeton",
            TokenRevoked => "Révocation de jeton",
            ReceiptRecorded => "Réception de marchandises",
            StockAdjusted => "Ajustement de stock",
            CountOpened => "Ouverture d'inventaire",
            CountEntered => "Saisie d'inventaire",
            CountValidated => "Validation d'inventaire",
            CountCancelled => "Annulation d'inventaire",
            ReturnRecorded => "Retour de marchandises",
            OrderCreated => "Création de commande fournisseur",
            OrderSent => "Envoi de commande fournisseur",
            OrderClosed => "Solde de commande fournisseur",
            OrderCancelled => "Annulation de commande fournisseur",
            RulesChanged => "Règles de réapprovisionnement",
            WarehouseRulesChanged => "Règles de commande de l'entrepôt",
            ShipmentPrepared => "Préparation d'expédition",
            ShipmentShipped => "Expédition",
            ShipmentReceived => "Réception d'expédition",
            ShipmentCancelled => "Annulation d'expédition",
            DayClosed => "Clôture de caisse",
        }
    }

    /// An adjustment's reason, as a page shows it.
    pub fn adjustment_reason(reason: magasin_domain::adjustments::AdjustmentReason) -> &'static str {
        use magasin_domain::adjustments::AdjustmentReason::*;
        match reason {
            Broken => "Casse",
            Theft => "Vol",
            Expired => "Péremption",
            EntryError => "Erreur de saisie",
            Sample => "Échantillon",
            Other => "Autre",
            CountVariance => "Écart d'inventaire",
        }
    }

    pub fn role(role: magasin_domain::accounts::Role) -> &'static str {
        use magasin_domain::accounts::Role::*;
        match role {
            Caissier => "Caissier",
            Gerant => "Gérant de magasin",
            Logistique => "Logistique",
            Siege => "Siège",
            Admin => "Administrateur",
        }
    }

    pub fn receipt_recorded(id: i64) -> String {
        format!("Réception n° {id} enregistrée : le stock central est augmenté.")
    }

    pub fn receipt_title(id: i64) -> String {
        format!("Réception n° {id}")
    }

    pub fn user_created(login: &str) -> String {
        format!("Utilisateur « {login} » créé.")
    }

    pub fn user_changed(login: &str) -> String {
        format!("Utilisateur « {login} » modifié ; ses sessions sont fermées.")
    }

    pub fn token_revoked(name: &str) -> String {
        format!("Jeton « {name} » révoqué.")
    }

    pub fn too_many_attempts(seconds: u64) -> String {
        format!("Trop de tentatives manquées depuis cette adresse : réessayez dans {seconds} s.")
    }

    /// The French of every validation code (the English is the code's `Display`).
    pub fn validation(code: &ValidationCode) -> String {
        use ValidationCode::*;
        match code {
            Required => "Ce champ est obligatoire.".into(),
            Blank => "Ce champ ne peut pas être vide.".into(),
            TooLong { max } => format!("{max} caractères au plus."),
            OutOfRange { min, max } => format!("La valeur doit être comprise entre {min} et {max}."),
            NotAString => "Saisissez du texte.".into(),
            NotAnInteger | NotAWholeNumber => "Saisissez un nombre entier.".into(),
            NotADate => "Saisissez une date valide (AAAA-MM-JJ).".into(),
            DayOutOfRange { min, max } => {
                format!("Saisissez une date du {} au {}.", min.format("%d/%m/%Y"), max.format("%d/%m/%Y"))
            }
            NotAChoice { .. } => "Ce choix n'existe pas.".into(),
            NotANumber => "Saisissez un nombre valide.".into(),
            TooManyDecimals => "Deux décimales au plus.".into(),
            Negative => "La valeur doit être positive ou nulle.".into(),
            TooHigh { max } => format!("La valeur doit être inférieure ou égale à {}.", decimal(*max, ' ')),
            SaleTotalTooHigh { max } => format!("Une vente totalise au plus {}.", decimal(*max, ' ')),
            NoLines => "Une vente doit avoir au moins une ligne.".into(),
            TooManyLines { max } => format!("Une vente a au plus {max} lignes."),
            AfterEnd { .. } => "La date de début doit précéder la date de fin.".into(),
            BadKey { max } => format!("La clé d'idempotence doit avoir de 1 à {max} caractères imprimables."),
            NotPrintableAscii => "Seuls les caractères ASCII imprimables sont acceptés.".into(),
            CreationOnly => {
                "Accepté seulement à la création du produit : le stock évolue par les ventes et le réapprovisionnement."
                    .into()
            }
            ControlCharacter => "Les caractères de contrôle ne sont pas acceptés.".into(),
            BadLogin => "De 3 à 64 lettres minuscules, chiffres, « . », « _ » ou « - ».".into(),
            PasswordTooShort { min } => format!("{min} caractères au moins."),
            StoresRequired => "Un caissier ou un gérant agit pour au moins un magasin.".into(),
            UnknownLogin => "Aucun utilisateur n'a cet identifiant.".into(),
            WrongPassword => "Ce n'est pas le mot de passe actuel.".into(),
            PasswordsDiffer => "Les deux mots de passe diffèrent.".into(),
            ReceiptLineCount { max } => format!("Une réception a de 1 à {max} lignes."),
            NotZero => "La quantité ne peut pas être nulle.".into(),
            OrderLineCount { max } => format!("Une commande compte de 1 à {max} lignes."),
            Duplicate => "Déjà saisi : chaque produit une seule fois.".into(),
            BelowMin { min } => format!("Le maximum ne peut pas être inférieur au minimum ({min})."),
            RequestLineCount { max } => format!("Une demande de réapprovisionnement compte de 1 à {max} lignes."),
            EitherOr { other } => format!("Donnez ce champ ou « {other} », pas les deux."),
            SameAsOrigin => "Choisissez un autre magasin que celui d'origine.".to_string(),
            CashOnly => "Seul un paiement en espèces a un montant remis.".to_string(),
            TenderedBelowTotal { total } => {
                format!("Moins que le total ({}) : il reste à payer.", money(*total))
            }
            BadBarcode => "Saisissez un code-barres EAN-13 (13 chiffres) ou UPC-A (12 chiffres).".to_string(),
            BadCheckDigit { expected } => format!("Clé de contrôle erronée : elle devrait être {expected}."),
            BadSku { max } => {
                format!(
                    "De 1 à {max} lettres, chiffres, « . », « - » ou « _ » (12 ou 13 chiffres seuls font un code-barres)."
                )
            }
            BadTillSearch { min, max } => {
                format!("Saisissez ou scannez de {min} à {max} caractères : un code ou une partie du nom.")
            }
            DayToCome { today } => {
                format!("Ce jour n'est pas encore arrivé (nous sommes le {}).", today.format("%d/%m/%Y"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_the_french_way() {
        assert_eq!((FR.money)(Money(8999)), "89,99\u{a0}€");
        assert_eq!((FR.money)(Money(123_456_789)), "1\u{202f}234\u{202f}567,89\u{a0}€");
        assert_eq!((FR.money)(Money(0)), "0,00\u{a0}€");
        assert_eq!((FR.money)(Money(-350)), "-3,50\u{a0}€");
    }

    #[test]
    fn validation_codes_are_in_french() {
        use ValidationCode::*;
        let cases = [
            (Required, "Ce champ est obligatoire."),
            (Blank, "Ce champ ne peut pas être vide."),
            (TooLong { max: 100 }, "100 caractères au plus."),
            (OutOfRange { min: 1, max: 1_000_000 }, "La valeur doit être comprise entre 1 et 1000000."),
            (NotAWholeNumber, "Saisissez un nombre entier."),
            (NotADate, "Saisissez une date valide (AAAA-MM-JJ)."),
            (
                DayOutOfRange {
                    min: magasin_domain::reporting::FIRST_FILTER_DAY,
                    max: magasin_domain::reporting::LAST_FILTER_DAY,
                },
                "Saisissez une date du 01/01/1900 au 31/12/9999.",
            ),
            (NotAChoice { choices: vec![] }, "Ce choix n'existe pas."),
            (NotANumber, "Saisissez un nombre valide."),
            (TooManyDecimals, "Deux décimales au plus."),
            (Negative, "La valeur doit être positive ou nulle."),
            (
                TooHigh { max: magasin_domain::money::MAX_PRICE },
                "La valeur doit être inférieure ou égale à 99 999 999,99.",
            ),
            (
                SaleTotalTooHigh { max: magasin_domain::sales::MAX_SALE_TOTAL },
                "Une vente totalise au plus 99 999 999,99.",
            ),
            (NoLines, "Une vente doit avoir au moins une ligne."),
            (AfterEnd { end: "date_fin".into() }, "La date de début doit précéder la date de fin."),
            (PasswordTooShort { min: 12 }, "12 caractères au moins."),
            (StoresRequired, "Un caissier ou un gérant agit pour au moins un magasin."),
            (WrongPassword, "Ce n'est pas le mot de passe actuel."),
            (PasswordsDiffer, "Les deux mots de passe diffèrent."),
        ];
        for (code, french) in cases {
            assert_eq!((FR.validation)(&code), french);
        }
    }

    /// Every code, walked by the domain's exhaustive list, has a French text and an English one,
    /// and the French is not the English shown as it is.
    #[test]
    fn every_validation_code_is_said_in_both_languages() {
        for code in magasin_domain::validation::every_code() {
            let (english, french) = (code.to_string(), (FR.validation)(&code));
            assert!(!english.is_empty() && !french.is_empty(), "{code:?}");
            assert_ne!(english, french, "{code:?} has no French");
        }
    }

    #[test]
    fn messages_name_what_they_are_about() {
        assert_eq!(
            (FR.insufficient_stock)("Webcam HD 1080p", 2, 5),
            "Stock insuffisant pour « Webcam HD 1080p » : il en reste 2, 5 demandé(s)."
        );
        assert_eq!((FR.no_such)("sale", 9), "Vente n° 9 introuvable.");
    }
}
