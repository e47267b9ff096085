//! Row structs read from either engine and their conversion into domain types.

use chrono::{DateTime, NaiveDate, Utc};
use magasin_domain::adjustments::{Adjustment, ShrinkageLine};
use magasin_domain::catalogue::Product;
use magasin_domain::counts::{Count, CountLine, CountStatus};
use magasin_domain::ledger::LedgerDiscrepancy;
use magasin_domain::ledger::{LedgerEntry, LedgerReason, SourceDocument};
use magasin_domain::replenishment::{Replenishment, ReplenishmentLine, ReplenishmentStatus, RequestOrigin};
use magasin_domain::sales::{PaymentMethod, PaymentRecord, Sale, SaleLine, SaleStatus};
use magasin_domain::stock::{Location, StockItem, StoreStockRow, WarehouseStockRow};
use magasin_domain::stores::Magasin;
use magasin_domain::{
    AdjustmentId, CountId, LedgerEntryId, Money, ProductId, ReceiptId, ReplenishmentId, ReturnId, SaleId, ShipmentId,
    StorageError, StoreId,
};

/// A failure that is neither the driver's nor the caller's.
pub fn invariant(message: impl Into<String>) -> StorageError {
    StorageError::Other(message.into().into())
}

pub(crate) fn corrupt(what: &str, value: &str) -> StorageError {
    invariant(format!("unexpected {what} in database: {value:?}"))
}

#[derive(sqlx::FromRow)]
pub struct StoreRow {
    pub id: i64,
    pub nom: String,
    pub adresse: String,
}

impl From<StoreRow> for Magasin {
    fn from(r: StoreRow) -> Self {
        Magasin { id: StoreId(r.id), nom: r.nom, adresse: r.adresse }
    }
}

#[derive(sqlx::FromRow)]
pub struct ProductRow {
    pub id: i64,
    pub nom: String,
    pub categorie: String,
    pub prix_cents: i64,
    pub description: Option<String>,
    pub sku: Option<String>,
    pub code_barres: Option<String>,
}

/// A product as the till offers it, with what the store can sell of it.
#[derive(sqlx::FromRow)]
pub struct TillRow {
    pub id: i64,
    pub nom: String,
    pub prix_cents: i64,
    pub sku: Option<String>,
    pub code_barres: Option<String>,
    pub disponible: i64,
}

impl From<ProductRow> for Product {
    fn from(r: ProductRow) -> Self {
        Product {
            id: ProductId(r.id),
            nom: r.nom,
            categorie: r.categorie,
            prix: Money(r.prix_cents),
            description: r.description,
            sku: r.sku,
            code_barres: r.code_barres,
        }
    }
}

/// A product's name and current price, read when it is sold.
#[derive(sqlx::FromRow)]
pub struct PriceRow {
    pub id: i64,
    pub nom: String,
    pub prix_cents: i64,
}

/// One product's quantity at one location.
#[derive(sqlx::FromRow)]
pub struct LevelRow {
    pub produit_id: i64,
    pub quantite: i64,
}

/// A store's stock of a product being sold, with the product's name, its current price and its
/// automatic reordering minimum.
#[derive(sqlx::FromRow)]
pub struct HeldPriceRow {
    pub produit_id: i64,
    pub quantite: i64,
    pub reserve: i64,
    pub nom: String,
    pub prix_cents: i64,
    /// The minimum of the store's automatic reordering rule of the product, if it has one.
    pub seuil_auto: Option<i64>,
    /// The sale's day when the store's till is closed for it (the same on every row).
    pub jour_ferme: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
pub struct StockItemRow {
    pub produit_id: i64,
    pub nom: String,
    pub quantite: i64,
}

impl From<StockItemRow> for StockItem {
    fn from(r: StockItemRow) -> Self {
        StockItem { produit_id: ProductId(r.produit_id), nom: r.nom, quantite: r.quantite }
    }
}

/// A row of a store's stock page: the store with the number of rows its filters keep, and one
/// of the page's rows (none when the page is past the end).
#[derive(sqlx::FromRow)]
pub struct StorePageDbRow {
    pub magasin_nom: String,
    pub total: i64,
    pub id: Option<i64>,
    pub produit_id: Option<i64>,
    pub quantite: Option<i64>,
    pub produit_nom: Option<String>,
}

impl StorePageDbRow {
    /// The page's row, if this row holds one.
    pub fn into_item(self, store: StoreId) -> Option<StoreStockRow> {
        Some(StoreStockRow {
            id: self.id?,
            produit: ProductId(self.produit_id?),
            magasin: store,
            quantite: self.quantite?,
            produit_nom: self.produit_nom?,
            magasin_nom: self.magasin_nom,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct WarehouseDbRow {
    pub produit_id: i64,
    pub produit_nom: String,
    pub quantite: i64,
    pub reserve: i64,
}

impl From<WarehouseDbRow> for WarehouseStockRow {
    fn from(r: WarehouseDbRow) -> Self {
        WarehouseStockRow {
            produit: ProductId(r.produit_id),
            produit_nom: r.produit_nom,
            quantite: r.quantite,
            reserve: r.reserve,
            attendu: 0,
        }
    }
}

/// A place and product whose quantity and ledger sum differ; `lieu` as [`LIEU`] numbers places.
#[derive(sqlx::FromRow)]
pub struct DiscrepancyRow {
    pub lieu: i64,
    pub produit_id: i64,
    pub quantite: i64,
    pub ledger_sum: i64,
}

impl From<DiscrepancyRow> for LedgerDiscrepancy {
    fn from(r: DiscrepancyRow) -> Self {
        let (location, en_transit) = place_of(r.lieu);
        LedgerDiscrepancy {
            location,
            en_transit,
            produit: ProductId(r.produit_id),
            quantite: r.quantite,
            ledger_sum: r.ledger_sum,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct CountRow {
    pub id: i64,
    pub magasin_id: Option<i64>,
    pub categorie: Option<String>,
    pub statut: String,
    pub repere: i64,
    pub date_ouverture: DateTime<Utc>,
    pub acteur: String,
    pub date_cloture: Option<DateTime<Utc>>,
    pub acteur_cloture: Option<String>,
}

#[derive(sqlx::FromRow)]
pub struct CountLineRow {
    pub produit_id: i64,
    pub produit_nom: String,
    pub attendu: i64,
    pub compte: Option<i64>,
    pub ecart: Option<i64>,
    pub attendu_calcule: i64,
    pub prix_cents: i64,
}

impl CountRow {
    pub fn location(&self) -> Location {
        location_of(self.magasin_id)
    }

    pub fn into_count(self, lines: Vec<CountLineRow>) -> Result<Count, StorageError> {
        let statut = CountStatus::parse(&self.statut).ok_or_else(|| corrupt("count status", &self.statut))?;
        Ok(Count {
            id: CountId(self.id),
            location: location_of(self.magasin_id),
            categorie: self.categorie,
            statut,
            opened_at: self.date_ouverture,
            opened_by: self.acteur,
            closed_at: self.date_cloture,
            closed_by: self.acteur_cloture,
            lignes: lines
                .into_iter()
                .map(|l| CountLine {
                    produit: ProductId(l.produit_id),
                    produit_nom: l.produit_nom,
                    snapshot: l.attendu,
                    expected: l.attendu_calcule,
                    counted: l.compte,
                    variance: l.ecart.or(l.compte.map(|c| c - l.attendu_calcule)),
                    prix_unitaire: Money(l.prix_cents),
                })
                .collect(),
        })
    }
}

/// A kept sales aggregate and the sum it should equal (the ledger verifier).
#[derive(sqlx::FromRow)]
pub struct AggregateRow {
    pub magasin_id: i64,
    pub jour: Option<chrono::NaiveDate>,
    pub produit_id: i64,
    pub kept_quantite: i64,
    pub kept_montant: i64,
    pub summed_quantite: i64,
    pub summed_montant: i64,
}

#[derive(sqlx::FromRow)]
pub struct SaleRow {
    pub id: i64,
    pub magasin_id: i64,
    pub magasin_nom: String,
    pub date_vente: DateTime<Utc>,
    pub total_cents: i64,
    pub statut: String,
    pub date_annulation: Option<DateTime<Utc>>,
    pub acteur: String,
    pub annulee_par: Option<String>,
    pub mode_paiement: Option<String>,
    pub montant_remis_cents: Option<i64>,
    pub rendu_cents: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub struct ReceiptRow {
    pub id: i64,
    pub fournisseur: String,
    pub bon_livraison: String,
    pub date: DateTime<Utc>,
    pub acteur: String,
    pub commande_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub struct RuleRow {
    pub magasin_id: i64,
    pub produit_id: i64,
    pub produit_nom: String,
    pub seuil_min: i64,
    pub seuil_max: i64,
    pub multiple: i64,
    pub mode: String,
    pub modifiee_le: DateTime<Utc>,
    pub modifiee_par: String,
}

#[derive(sqlx::FromRow)]
pub struct WarehouseRuleRow {
    pub produit_id: i64,
    pub produit_nom: String,
    pub seuil_min: i64,
    pub seuil_max: i64,
    pub multiple: i64,
    pub modifiee_le: DateTime<Utc>,
    pub modifiee_par: String,
}

#[derive(sqlx::FromRow)]
pub struct WarehouseSuggestionRow {
    pub produit_id: i64,
    pub produit_nom: String,
    pub disponible: i64,
    pub attendu: i64,
    pub seuil_min: i64,
    pub seuil_max: i64,
    pub multiple: i64,
}

#[derive(sqlx::FromRow)]
pub struct SuggestionRow {
    pub magasin_id: i64,
    pub produit_id: i64,
    pub produit_nom: String,
    pub disponible: i64,
    pub en_attente: i64,
    pub seuil_min: i64,
    pub seuil_max: i64,
    pub multiple: i64,
    pub mode: String,
    pub entrepot: i64,
    pub vendu: i64,
}

#[derive(sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub fournisseur: String,
    pub statut: String,
    pub tolerance_pct: i64,
    pub date: DateTime<Utc>,
    pub acteur: String,
    pub modifiee_le: Option<DateTime<Utc>>,
    pub modifiee_par: Option<String>,
}

#[derive(sqlx::FromRow)]
pub struct OrderLineRow {
    pub commande_id: i64,
    pub produit_id: i64,
    pub produit_nom: String,
    pub commandee: i64,
    pub recue: i64,
}

#[derive(sqlx::FromRow)]
pub struct AdjustmentRow {
    pub id: i64,
    pub magasin_id: Option<i64>,
    pub produit_id: i64,
    pub produit_nom: String,
    pub quantite: i64,
    pub solde: i64,
    pub motif: String,
    pub note: String,
    pub prix_unitaire_cents: i64,
    pub date: DateTime<Utc>,
    pub acteur: String,
}

impl TryFrom<AdjustmentRow> for Adjustment {
    type Error = StorageError;

    fn try_from(r: AdjustmentRow) -> Result<Self, StorageError> {
        Ok(Adjustment {
            id: AdjustmentId(r.id),
            location: location_of(r.magasin_id),
            produit: ProductId(r.produit_id),
            produit_nom: r.produit_nom,
            quantite: r.quantite,
            solde: r.solde,
            motif: r.motif.parse().map_err(|_| corrupt("adjustment reason", &r.motif))?,
            note: r.note,
            prix_unitaire: Money(r.prix_unitaire_cents),
            date: r.date,
            acteur: r.acteur,
        })
    }
}

/// The adjustments of one reason, added up (the shrinkage report).
#[derive(sqlx::FromRow)]
pub struct ShrinkageRow {
    pub motif: String,
    pub ajustements: i64,
    pub sorties: i64,
    pub entrees: i64,
    pub valeur_sorties: i64,
    pub valeur_entrees: i64,
}

impl TryFrom<ShrinkageRow> for ShrinkageLine {
    type Error = StorageError;

    fn try_from(r: ShrinkageRow) -> Result<Self, StorageError> {
        Ok(ShrinkageLine {
            motif: r.motif.parse().map_err(|_| corrupt("adjustment reason", &r.motif))?,
            adjustments: r.ajustements,
            units_out: r.sorties,
            units_in: r.entrees,
            value_out: Money(r.valeur_sorties),
            value_in: Money(r.valeur_entrees),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct ReceiptLineRow {
    pub reception_id: i64,
    pub produit_id: i64,
    pub produit_nom: String,
    pub quantite: i64,
}

#[derive(sqlx::FromRow)]
pub struct ReturnRow {
    pub id: i64,
    pub vente_id: i64,
    pub magasin_id: i64,
    pub magasin_nom: String,
    pub montant_cents: i64,
    pub note: String,
    pub date: DateTime<Utc>,
    pub acteur: String,
}

#[derive(sqlx::FromRow)]
pub struct ReturnLineRow {
    pub retour_id: i64,
    pub vente_ligne: i64,
    pub produit_id: i64,
    pub produit_nom: String,
    pub quantite: i64,
    pub etat: String,
    pub prix_unitaire_cents: i64,
}

#[derive(sqlx::FromRow)]
pub struct LineRow {
    pub vente_id: i64,
    pub produit_id: i64,
    pub produit_nom: String,
    pub quantite: i64,
    pub prix_unitaire_cents: i64,
}

impl From<LineRow> for SaleLine {
    fn from(r: LineRow) -> Self {
        SaleLine {
            produit: ProductId(r.produit_id),
            produit_nom: r.produit_nom,
            quantite: r.quantite,
            prix_unitaire: Money(r.prix_unitaire_cents),
        }
    }
}

impl SaleRow {
    pub fn into_sale(self, lignes: Vec<SaleLine>) -> Result<Sale, StorageError> {
        let statut = SaleStatus::parse(&self.statut).ok_or_else(|| corrupt("sale status", &self.statut))?;
        let paiement = match &self.mode_paiement {
            None => None,
            Some(mode) => Some(PaymentRecord {
                mode: PaymentMethod::parse(mode).ok_or_else(|| corrupt("payment method", mode))?,
                montant_remis: self.montant_remis_cents.map(Money),
                rendu: self.rendu_cents.map(Money),
            }),
        };
        Ok(Sale {
            id: SaleId(self.id),
            magasin: StoreId(self.magasin_id),
            magasin_nom: self.magasin_nom,
            date_vente: self.date_vente,
            total: Money(self.total_cents),
            statut,
            date_annulation: self.date_annulation,
            lignes,
            acteur: self.acteur,
            annulee_par: self.annulee_par,
            paiement,
        })
    }
}

/// Attaches lines (ordered by sale id, then line id) to their sales.
pub fn assemble_sales(rows: Vec<SaleRow>, lines: Vec<LineRow>) -> Result<Vec<Sale>, StorageError> {
    let mut by_sale: std::collections::HashMap<i64, Vec<SaleLine>> = std::collections::HashMap::new();
    for line in lines {
        by_sale.entry(line.vente_id).or_default().push(line.into());
    }
    rows.into_iter()
        .map(|row| {
            let lignes = by_sale.remove(&row.id).unwrap_or_default();
            row.into_sale(lignes)
        })
        .collect()
}

#[derive(sqlx::FromRow)]
pub struct ReplenishmentRow {
    pub id: i64,
    pub produit_id: i64,
    pub produit_nom: String,
    pub magasin_id: i64,
    pub magasin_nom: String,
    pub quantite: i64,
    pub date: DateTime<Utc>,
    pub statut: String,
    pub date_decision: Option<DateTime<Utc>>,
    pub motif: Option<String>,
    pub demandeur: String,
    pub decideur: Option<String>,
    pub origine: String,
    pub expedition_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub struct RequestLineRow {
    pub demande_id: i64,
    pub ligne: i64,
    pub produit_id: i64,
    pub produit_nom: String,
    pub demandee: i64,
    pub accordee: Option<i64>,
}

impl From<RequestLineRow> for ReplenishmentLine {
    fn from(l: RequestLineRow) -> Self {
        ReplenishmentLine {
            ligne: l.ligne,
            produit: ProductId(l.produit_id),
            produit_nom: l.produit_nom,
            quantite: l.demandee,
            accordee: l.accordee,
        }
    }
}

impl ReplenishmentRow {
    /// The request with `lignes`, its lines.
    pub fn with_lines(self, lignes: Vec<ReplenishmentLine>) -> Result<Replenishment, StorageError> {
        let r = self;
        let statut = ReplenishmentStatus::parse(&r.statut).ok_or_else(|| corrupt("request status", &r.statut))?;
        let origine = RequestOrigin::parse(&r.origine).ok_or_else(|| corrupt("request origin", &r.origine))?;
        Ok(Replenishment {
            id: ReplenishmentId(r.id),
            produit: ProductId(r.produit_id),
            produit_nom: r.produit_nom,
            magasin: StoreId(r.magasin_id),
            magasin_nom: r.magasin_nom,
            quantite: r.quantite,
            date: r.date,
            statut,
            date_decision: r.date_decision,
            motif: r.motif,
            demandeur: r.demandeur,
            decideur: r.decideur,
            origine,
            expedition: r.expedition_id.map(ShipmentId),
            lignes,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct LedgerRow {
    pub id: i64,
    pub magasin_id: Option<i64>,
    pub produit_id: i64,
    pub produit_nom: String,
    pub quantite: i64,
    pub solde: i64,
    pub motif: String,
    pub vente_id: Option<i64>,
    pub demande_id: Option<i64>,
    pub reception_id: Option<i64>,
    pub ajustement_id: Option<i64>,
    pub retour_id: Option<i64>,
    pub expedition_id: Option<i64>,
    pub request_id: Option<String>,
    pub date: DateTime<Utc>,
    pub acteur: String,
}

impl TryFrom<LedgerRow> for LedgerEntry {
    type Error = StorageError;

    fn try_from(r: LedgerRow) -> Result<Self, StorageError> {
        let motif = LedgerReason::parse(&r.motif).ok_or_else(|| corrupt("ledger reason", &r.motif))?;
        let document = match (r.vente_id, r.demande_id, r.reception_id, r.ajustement_id, r.retour_id, r.expedition_id) {
            (Some(v), ..) => Some(SourceDocument::Sale(SaleId(v))),
            // A shipment's rows of a replenishment name the shipment (the request is on it).
            (None, _, _, _, _, Some(e)) => Some(SourceDocument::Shipment(ShipmentId(e))),
            (None, Some(d), ..) => Some(SourceDocument::Replenishment(ReplenishmentId(d))),
            (None, None, Some(r), ..) => Some(SourceDocument::Receipt(ReceiptId(r))),
            (None, None, None, Some(a), ..) => Some(SourceDocument::Adjustment(AdjustmentId(a))),
            (None, None, None, None, Some(r), None) => Some(SourceDocument::Return(ReturnId(r))),
            (None, None, None, None, None, None) => None,
        };
        Ok(LedgerEntry {
            id: LedgerEntryId(r.id),
            location: location_of(r.magasin_id),
            produit: ProductId(r.produit_id),
            produit_nom: r.produit_nom,
            quantite: r.quantite,
            solde: r.solde,
            motif,
            document,
            request_id: r.request_id,
            date: r.date,
            acteur: r.acteur,
        })
    }
}

/// `NULL` store = the warehouse.
/// How the ledger's checks number the places goods are: a store by its id, the warehouse 0, the
/// goods in transit to a store by minus its id.
pub const LIEU: &str = "CASE WHEN en_transit THEN -magasin_id ELSE COALESCE(magasin_id, 0) END";

/// The place a [`LIEU`] number names: a location, and whether it is the transit to it.
pub fn place_of(lieu: i64) -> (Location, bool) {
    match lieu {
        0 => (Location::Warehouse, false),
        store if store > 0 => (Location::Store(StoreId(store)), false),
        transit => (Location::Store(StoreId(-transit)), true),
    }
}

pub fn location_of(magasin_id: Option<i64>) -> Location {
    match magasin_id {
        Some(id) => Location::Store(StoreId(id)),
        None => Location::Warehouse,
    }
}

/// The `magasin_id` column value of a location.
pub fn store_column(location: Location) -> Option<i64> {
    match location {
        Location::Warehouse => None,
        Location::Store(id) => Some(id.0),
    }
}

/// One figure of every product of a store, packed into one text (`produit:quantite:montant`,
/// comma-separated): a store's thousands of figures cross from the database as one row, not
/// one row each (SQLite's driver pays a thread hand-off per row).
#[derive(sqlx::FromRow)]
pub struct PackedFiguresRow {
    pub figure: i64,
    pub magasin_id: i64,
    pub packed: String,
}

/// A store's line of the dashboard, before its trend.
#[derive(sqlx::FromRow)]
pub struct DashboardDbRow {
    pub id: i64,
    pub nom: String,
    pub chiffre_affaires: i64,
    pub retours: i64,
    pub ruptures: i64,
    pub surstock: i64,
}

/// A candidate of a store's trend.
#[derive(sqlx::FromRow)]
pub struct TrendRow {
    pub magasin_id: i64,
    pub produit_id: i64,
    pub nom: String,
    pub quantite: i64,
}

/// A user account (with its password hash, which never leaves the storage and service layers).
#[derive(sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub all_stores: bool,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub session_epoch: i64,
}

/// A personal API token, without its secret's hash.
#[derive(sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiTokenRow> for magasin_domain::accounts::ApiTokenInfo {
    fn from(r: ApiTokenRow) -> Self {
        Self {
            id: magasin_domain::ApiTokenId(r.id),
            user: magasin_domain::UserId(r.user_id),
            name: r.name,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

/// A row of the audit log.
#[derive(sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub date: DateTime<Utc>,
    pub acteur: String,
    pub action: String,
    pub entite_id: i64,
    pub avant: Option<String>,
    pub apres: Option<String>,
    pub request_id: Option<String>,
}

/// A shipment as stored (its lines apart).
#[derive(sqlx::FromRow)]
pub struct ShipmentRow {
    pub id: i64,
    pub origine_magasin_id: Option<i64>,
    pub magasin_id: i64,
    pub magasin_nom: String,
    pub demande_id: Option<i64>,
    pub statut: String,
    pub date: DateTime<Utc>,
    pub auteur: String,
    pub date_expedition: Option<DateTime<Utc>>,
    pub expediteur: Option<String>,
    pub date_reception: Option<DateTime<Utc>>,
    pub receptionnaire: Option<String>,
    pub date_annulation: Option<DateTime<Utc>>,
    pub annule_par: Option<String>,
}

#[derive(sqlx::FromRow)]
pub struct ShipmentLineRow {
    pub expedition_id: i64,
    pub ligne: i64,
    pub produit_id: i64,
    pub produit_nom: String,
    pub quantite: i64,
    pub manquante: Option<i64>,
    pub endommagee: Option<i64>,
}

/// An end-of-day close as stored.
#[derive(sqlx::FromRow)]
pub struct ClosingRow {
    pub id: i64,
    pub magasin_id: i64,
    pub magasin_nom: String,
    pub jour: NaiveDate,
    pub especes_ventes: i64,
    pub especes_cents: i64,
    pub carte_ventes: i64,
    pub carte_cents: i64,
    pub autre_ventes: i64,
    pub autre_cents: i64,
    pub non_precise_ventes: i64,
    pub non_precise_cents: i64,
    pub annulations: i64,
    pub retours: i64,
    pub retours_cents: i64,
    pub especes_attendues_cents: i64,
    pub especes_comptees_cents: i64,
    pub ecart_cents: i64,
    pub note: String,
    pub acteur: String,
    pub date: DateTime<Utc>,
}
