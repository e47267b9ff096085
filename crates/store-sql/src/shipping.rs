//! Shipments: goods reserved at their origin (the warehouse or a store), shipped into transit,
//! received by their store with the units missing or damaged, or cancelled before leaving. Every
//! step locks the shipment's row first, so that of two racing steps the second finds the first
//! taken; stock rows are then taken in product order, as every other writer takes them.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::ledger::{LedgerBatch, Movement};
use crate::rows::{ShipmentLineRow, ShipmentRow, corrupt, invariant, location_of, store_column};
use crate::statement::Statement;
use magasin_domain::audit::AuditAction;
use magasin_domain::ledger::{LedgerReason, SourceDocument};
use magasin_domain::paging::CursorPage;
use magasin_domain::shipping::{
    Gaps, NewTransfer, Shipment, ShipmentLine, ShipmentOutcome, ShipmentQuery, ShipmentStatus, ShipmentStep,
    StepDecision, decide_step,
};
use magasin_domain::stock::Location;
use magasin_domain::{ProductId, ReplenishmentId, ShipmentId, StorageError, StorageResult, StoreId, WriteContext};
use std::collections::{BTreeMap, HashMap};

const COLUMNS: &str = "SELECT e.id, e.origine_magasin_id, e.magasin_id, m.nom AS magasin_nom, e.demande_id, e.statut,
    e.date, e.auteur, e.date_expedition, e.expediteur, e.date_reception, e.receptionnaire, e.date_annulation,
    e.annule_par FROM shipments e JOIN stores m ON m.id = e.magasin_id";

const LINE_INSERT: &str = "INSERT INTO shipment_lines (expedition_id, ligne, produit_id, quantite) VALUES ";

/// Shipments and their lines (ordered by shipment, then line) as the domain's shipments.
fn assemble(rows: Vec<ShipmentRow>, lines: Vec<ShipmentLineRow>) -> StorageResult<Vec<Shipment>> {
    let mut by_shipment: BTreeMap<i64, Vec<ShipmentLine>> = BTreeMap::new();
    for l in lines {
        by_shipment.entry(l.expedition_id).or_default().push(ShipmentLine {
            ligne: l.ligne,
            produit: ProductId(l.produit_id),
            produit_nom: l.produit_nom,
            quantite: l.quantite,
            manquante: l.manquante,
            endommagee: l.endommagee,
        });
    }
    rows.into_iter()
        .map(|r| {
            let statut = ShipmentStatus::parse(&r.statut).ok_or_else(|| corrupt("shipment status", &r.statut))?;
            Ok(Shipment {
                id: ShipmentId(r.id),
                origine: location_of(r.origine_magasin_id),
                magasin: StoreId(r.magasin_id),
                magasin_nom: r.magasin_nom,
                demande: r.demande_id.map(ReplenishmentId),
                statut,
                date: r.date,
                auteur: r.auteur,
                date_expedition: r.date_expedition,
                expediteur: r.expediteur,
                date_reception: r.date_reception,
                receptionnaire: r.receptionnaire,
                date_annulation: r.date_annulation,
                annule_par: r.annule_par,
                lignes: by_shipment.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect()
}

/// The stock table of a location, and the condition that names its row of the product bound
/// as `product`.
fn stock_row(location: Location, product: &str) -> (&'static str, String) {
    match location {
        Location::Warehouse => ("warehouse_stock", format!("produit_id = {product}")),
        Location::Store(store) => ("store_stock", format!("magasin_id = {} AND produit_id = {product}", store.0)),
    }
}

/// Lines as `(product, units)` in product order: the order every writer locks stock rows in.
fn by_product(shipment: &Shipment) -> Vec<(&ShipmentLine, i64)> {
    let mut lines: Vec<(&ShipmentLine, i64)> = shipment.lignes.iter().map(|l| (l, l.quantite)).collect();
    lines.sort_unstable_by_key(|(l, _)| l.produit);
    lines
}

impl<E: Engine> SqlStorage<E> {
    async fn shipment_lines(conn: &mut Connection<E>, ids: &[i64]) -> StorageResult<Vec<ShipmentLineRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut select = Statement::new(
            "SELECT l.expedition_id, l.ligne, l.produit_id, p.nom AS produit_nom, l.quantite, l.manquante, l.endommagee
             FROM shipment_lines l JOIN products p ON p.id = l.produit_id WHERE l.expedition_id IN (",
        );
        select.bind_list(ids.iter().copied()).push(") ORDER BY l.expedition_id, l.ligne");
        Self::all(conn, &select).await
    }

    pub(crate) async fn fetch_shipment(conn: &mut Connection<E>, id: ShipmentId) -> StorageResult<Shipment> {
        let row: Option<ShipmentRow> =
            Self::optional(conn, &Statement::new(&format!("{COLUMNS} WHERE e.id = $1")).value(id.0)).await?;
        let row = row.ok_or(StorageError::not_found("shipment", id.0))?;
        let lines = Self::shipment_lines(conn, &[id.0]).await?;
        assemble(vec![row], lines)?.pop().ok_or(StorageError::not_found("shipment", id.0))
    }

    pub(crate) async fn shipment(&self, id: ShipmentId) -> StorageResult<Shipment> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_shipment(&mut conn, id).await
    }

    pub(crate) async fn shipments_page(&self, query: &ShipmentQuery) -> StorageResult<CursorPage<Shipment>> {
        let mut select = Statement::new(COLUMNS);
        select.push(" WHERE e.id < ").bind(query.cursor.before_or_max());
        if let Some(store) = query.magasin {
            select.push(" AND (e.magasin_id = ").bind(store.0);
            select.push(" OR e.origine_magasin_id = ").bind(store.0).push(")");
        }
        if let Some(statut) = query.statut {
            select.push(" AND e.statut = ").bind(statut.as_str());
        }
        select.push(" ORDER BY e.id DESC").limit(query.cursor.fetch_limit());
        let mut conn = self.reader.acquire().await?;
        if let Some(store) = query.magasin {
            Self::fetch_store(&mut conn, store).await?;
        }
        let rows: Vec<ShipmentRow> = Self::all(&mut conn, &select).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let lines = Self::shipment_lines(&mut conn, &ids).await?;
        Ok(CursorPage::from_rows(assemble(rows, lines)?, query.cursor, |s| s.id.0))
    }

    /// Reserves `lines` (`(product, name, units)`, distinct products) at `origin`, rows taken
    /// in product order: each product's quantity less what is reserved already must cover its
    /// line, or nothing is reserved (the first product short, in product order, is named).
    async fn reserve(
        conn: &mut Connection<E>,
        origin: Location,
        lines: &[(ProductId, &str, i64)],
    ) -> StorageResult<()> {
        let mut sorted = lines.to_vec();
        sorted.sort_unstable_by_key(|(p, ..)| *p);
        for (product, name, units) in sorted {
            let (table, row) = stock_row(origin, "$2");
            let update = Statement::new(&format!(
                "UPDATE {table} SET reserve = reserve + $1 WHERE {row} AND quantite - reserve >= $1 RETURNING reserve"
            ))
            .value(units)
            .value(product.0);
            let reserved: Option<(i64,)> = Self::optional(conn, &update).await?;
            if reserved.is_none() {
                let (table, row) = stock_row(origin, "$1");
                let held =
                    Statement::new(&format!("SELECT quantite - reserve FROM {table} WHERE {row}")).value(product.0);
                let available: Option<(i64,)> = Self::optional(conn, &held).await?;
                return Err(StorageError::InsufficientStock {
                    product,
                    product_name: name.to_string(),
                    requested: units,
                    available: available.map_or(0, |(q,)| q),
                });
            }
        }
        Ok(())
    }

    /// Writes a prepared shipment of `lines` (`(product, units)`, in order) from `origin` to
    /// `store`, its goods reserved already, with its audit row.
    pub(crate) async fn prepare_shipment(
        conn: &mut Connection<E>,
        origin: Location,
        store: StoreId,
        request: Option<ReplenishmentId>,
        lines: &[(ProductId, i64)],
        key: Option<(&str, &str)>,
        ctx: &WriteContext,
    ) -> StorageResult<ShipmentId> {
        let insert = Statement::new(
            "INSERT INTO shipments (origine_magasin_id, magasin_id, demande_id, statut, date, auteur, cle, empreinte)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .value(store_column(origin))
        .value(store.0)
        .value(request.map(|r| r.0))
        .value(ShipmentStatus::Prepared.as_str())
        .value(ctx.at)
        .value(ctx.actor.as_str())
        .value(key.map(|(k, _)| k))
        .value(key.map(|(_, f)| f));
        let (id,): (i64,) = Self::one(conn, &insert).await?;
        let rows = lines.iter().zip(1_i64..).map(|(&(p, q), n)| vec![id.into(), n.into(), p.0.into(), q.into()]);
        Self::insert_rows(conn, LINE_INSERT, "", 4, rows.collect()).await?;
        let summary = serde_json::json!({
            "origine": store_column(origin), "magasin": store.0, "demande": request.map(|r| r.0), "lignes": lines.len(),
        });
        Self::audit(conn, ctx, AuditAction::ShipmentPrepared, id, None, Some(summary)).await?;
        Ok(ShipmentId(id))
    }

    /// Reserves the goods a request was granted at the warehouse (its rows are locked already)
    /// and prepares their shipment.
    pub(crate) async fn reserve_for_request(
        conn: &mut Connection<E>,
        request: ReplenishmentId,
        store: StoreId,
        granted: &[(ProductId, &str, i64)],
        ctx: &WriteContext,
    ) -> StorageResult<ShipmentId> {
        Self::reserve(conn, Location::Warehouse, granted).await?;
        let lines: Vec<(ProductId, i64)> = granted.iter().map(|&(p, _, q)| (p, q)).collect();
        Self::prepare_shipment(conn, Location::Warehouse, store, Some(request), &lines, None, ctx).await
    }

    /// A transfer between two stores: the goods reserved at the origin, the shipment prepared.
    /// A key already used with the same transfer answers it unchanged; with another, a conflict.
    pub(crate) async fn insert_transfer(
        &self,
        transfer: &NewTransfer,
        key: Option<&str>,
        ctx: &WriteContext,
    ) -> StorageResult<ShipmentOutcome> {
        let fingerprint = {
            let lines: Vec<String> =
                transfer.lignes.iter().map(|l| format!("{}x{}", l.produit.0, l.quantite)).collect();
            format!("{}>{}:{}", transfer.origine.0, transfer.magasin.0, lines.join(","))
        };
        let mut tx = self.writer.begin().await?;
        if let Some(key) = key {
            let known = Statement::new("SELECT id, empreinte FROM shipments WHERE cle = $1").value(key);
            if let Some((id, recorded)) = Self::optional::<(i64, Option<String>)>(&mut tx, &known).await? {
                if recorded.as_deref() != Some(fingerprint.as_str()) {
                    return Err(StorageError::Conflict(
                        "This Idempotency-Key was used for another transfer.".to_string(),
                    ));
                }
                let shipment = Self::fetch_shipment(&mut tx, ShipmentId(id)).await?;
                return Ok(ShipmentOutcome { shipment, changed: false });
            }
        }
        Self::fetch_store(&mut tx, transfer.origine).await?;
        Self::fetch_store(&mut tx, transfer.magasin).await?;
        let products: Vec<i64> = transfer.lignes.iter().map(|l| l.produit.0).collect();
        Self::check_products_exist(&mut tx, &products).await?;
        let mut names = Statement::new("SELECT id, nom FROM products WHERE id IN (");
        names.bind_list(products.iter().copied()).push(")");
        let names: HashMap<i64, String> = Self::all::<(i64, String)>(&mut tx, &names).await?.into_iter().collect();
        let lines: Vec<(ProductId, &str, i64)> = transfer
            .lignes
            .iter()
            .map(|l| (l.produit, names.get(&l.produit.0).map_or("", String::as_str), l.quantite))
            .collect();
        let origin = Location::Store(transfer.origine);
        Self::reserve(&mut tx, origin, &lines).await?;
        let ordered: Vec<(ProductId, i64)> = transfer.lignes.iter().map(|l| (l.produit, l.quantite)).collect();
        let id = Self::prepare_shipment(
            &mut tx,
            origin,
            transfer.magasin,
            None,
            &ordered,
            key.map(|k| (k, fingerprint.as_str())),
            ctx,
        )
        .await?;
        let shipment = Self::fetch_shipment(&mut tx, id).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(ShipmentOutcome { shipment, changed: true })
    }

    /// Takes `step` once (`gaps`: what each line lacked, for a reception). A step taken already
    /// answers the shipment unchanged, unless a reception names other gaps (a conflict).
    pub(crate) async fn take_shipment_step(
        &self,
        id: ShipmentId,
        step: ShipmentStep,
        gaps: &Gaps,
        ctx: &WriteContext,
    ) -> StorageResult<ShipmentOutcome> {
        let mut tx = self.writer.begin().await?;
        let lock =
            Statement::new(&format!("SELECT statut FROM shipments WHERE id = $1{}", E::DIALECT.for_update)).value(id.0);
        let status: Option<(String,)> = Self::optional(&mut tx, &lock).await?;
        let (status,) = status.ok_or(StorageError::not_found("shipment", id.0))?;
        let status = ShipmentStatus::parse(&status).ok_or_else(|| corrupt("shipment status", &status))?;
        let shipment = Self::fetch_shipment(&mut tx, id).await?;
        match decide_step(id, status, step) {
            StepDecision::Refuse(why) => return Err(StorageError::Conflict(why)),
            StepDecision::AlreadyTaken => {
                let recorded: Gaps = shipment
                    .lignes
                    .iter()
                    .map(|l| (l.ligne, l.manquante.unwrap_or(0), l.endommagee.unwrap_or(0)))
                    .collect();
                if step == ShipmentStep::Receive && recorded != *gaps {
                    return Err(StorageError::Conflict(format!(
                        "Shipment {id} was received already, with other missing or damaged units."
                    )));
                }
                return Ok(ShipmentOutcome { shipment, changed: false });
            }
            StepDecision::Take => {}
        }
        let (action, columns) = match step {
            ShipmentStep::Ship => {
                Self::ship(&mut tx, &shipment, ctx).await?;
                (AuditAction::ShipmentShipped, "statut = $1, date_expedition = $2, expediteur = $3")
            }
            ShipmentStep::Receive => {
                Self::receive(&mut tx, &shipment, gaps, ctx).await?;
                (AuditAction::ShipmentReceived, "statut = $1, date_reception = $2, receptionnaire = $3")
            }
            ShipmentStep::Cancel => {
                Self::release(&mut tx, &shipment).await?;
                (AuditAction::ShipmentCancelled, "statut = $1, date_annulation = $2, annule_par = $3")
            }
        };
        let next = match step {
            ShipmentStep::Ship => ShipmentStatus::Shipped,
            ShipmentStep::Receive => ShipmentStatus::Received,
            ShipmentStep::Cancel => ShipmentStatus::Cancelled,
        };
        let update = Statement::new(&format!("UPDATE shipments SET {columns} WHERE id = $4"))
            .value(next.as_str())
            .value(ctx.at)
            .value(ctx.actor.as_str())
            .value(id.0);
        Self::execute(&mut tx, &update).await?;
        let summary = (step == ShipmentStep::Receive).then(|| {
            let lines: Vec<_> = gaps.iter().map(|(l, m, d)| serde_json::json!([l, m, d])).collect();
            serde_json::json!({"manquantes_endommagees": lines})
        });
        Self::audit(&mut tx, ctx, action, id.0, None, summary).await?;
        let shipment = Self::fetch_shipment(&mut tx, id).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(ShipmentOutcome { shipment, changed: true })
    }

    /// The goods leave their origin (quantity and reserve) and enter transit to the store.
    async fn ship(conn: &mut Connection<E>, shipment: &Shipment, ctx: &WriteContext) -> StorageResult<()> {
        let (table, row) = stock_row(shipment.origine, "$2");
        let document = Some(SourceDocument::Shipment(shipment.id));
        let mut ledger = LedgerBatch::new(ctx);
        for (line, units) in by_product(shipment) {
            let take = Statement::new(&format!(
                "UPDATE {table} SET quantite = quantite - $1, reserve = reserve - $1
                 WHERE {row} AND reserve >= $1 RETURNING quantite"
            ))
            .value(units)
            .value(line.produit.0);
            let left: Option<(i64,)> = Self::optional(conn, &take).await?;
            let (left,) = left.ok_or_else(|| invariant("a prepared shipment's goods were no longer reserved"))?;
            let transit = Statement::new(
                "INSERT INTO transit_stock (magasin_id, produit_id, quantite) VALUES ($1, $2, $3)
                 ON CONFLICT (magasin_id, produit_id) DO UPDATE SET quantite = transit_stock.quantite + excluded.quantite
                 RETURNING quantite",
            )
            .value(shipment.magasin.0)
            .value(line.produit.0)
            .value(units);
            let (in_transit,): (i64,) = Self::one(conn, &transit).await?;
            let movement = |location, quantite, solde, motif| Movement {
                location,
                produit: line.produit,
                quantite,
                solde,
                motif,
                document,
            };
            ledger.push(movement(shipment.origine, -units, left, LedgerReason::ShipmentOut));
            ledger.push_transit(movement(
                Location::Store(shipment.magasin),
                units,
                in_transit,
                LedgerReason::TransitIn,
            ));
        }
        Self::append_ledger(conn, ledger).await
    }

    /// The goods leave transit: what arrived into the store's stock, the gap with its reasons.
    async fn receive(
        conn: &mut Connection<E>,
        shipment: &Shipment,
        gaps: &Gaps,
        ctx: &WriteContext,
    ) -> StorageResult<()> {
        let gap_of: HashMap<i64, (i64, i64)> = gaps.iter().map(|&(l, m, d)| (l, (m, d))).collect();
        let store = Location::Store(shipment.magasin);
        let document = Some(SourceDocument::Shipment(shipment.id));
        let mut arrived = Vec::new();
        let mut transit_rows = Vec::new();
        for (line, units) in by_product(shipment) {
            let take = Statement::new(
                "UPDATE transit_stock SET quantite = quantite - $1 WHERE magasin_id = $2 AND produit_id = $3
                 AND quantite >= $1 RETURNING quantite",
            )
            .value(units)
            .value(shipment.magasin.0)
            .value(line.produit.0);
            let left: Option<(i64,)> = Self::optional(conn, &take).await?;
            let (left,) = left.ok_or_else(|| invariant("a shipped shipment's goods were no longer in transit"))?;
            let (missing, damaged) = gap_of.get(&line.ligne).copied().unwrap_or((0, 0));
            let received = units - missing - damaged;
            let mut solde = left + units;
            for (quantite, motif) in [
                (received, LedgerReason::TransitOut),
                (missing, LedgerReason::TransitMissing),
                (damaged, LedgerReason::TransitDamaged),
            ] {
                if quantite > 0 {
                    solde -= quantite;
                    transit_rows.push(Movement {
                        location: store,
                        produit: line.produit,
                        quantite: -quantite,
                        solde,
                        motif,
                        document,
                    });
                }
            }
            if received > 0 {
                arrived.push((line.produit, received));
            }
            if missing > 0 || damaged > 0 {
                let record = Statement::new(
                    "UPDATE shipment_lines SET manquante = $1, endommagee = $2 WHERE expedition_id = $3 AND ligne = $4",
                )
                .value(missing)
                .value(damaged)
                .value(shipment.id.0)
                .value(line.ligne);
                Self::execute(conn, &record).await?;
            }
        }
        let in_full = Statement::new(
            "UPDATE shipment_lines SET manquante = 0, endommagee = 0 WHERE expedition_id = $1 AND manquante IS NULL",
        )
        .value(shipment.id.0);
        Self::execute(conn, &in_full).await?;
        let items: Vec<(i64, i64)> = arrived.iter().map(|(p, q)| (p.0, *q)).collect();
        let balances =
            if items.is_empty() { HashMap::new() } else { Self::restock_store(conn, shipment.magasin, &items).await? };
        let mut ledger = LedgerBatch::new(ctx);
        for movement in transit_rows {
            ledger.push_transit(movement);
        }
        for (produit, quantite) in arrived {
            let solde =
                balances.get(&produit.0).copied().ok_or_else(|| invariant("the store's stock row was not returned"))?;
            ledger.push(Movement {
                location: store,
                produit,
                quantite,
                solde,
                motif: LedgerReason::ShipmentIn,
                document,
            });
        }
        Self::append_ledger(conn, ledger).await
    }

    /// A cancelled shipment's reserve goes back to its origin's available stock.
    async fn release(conn: &mut Connection<E>, shipment: &Shipment) -> StorageResult<()> {
        let (table, row) = stock_row(shipment.origine, "$2");
        for (line, units) in by_product(shipment) {
            let release = Statement::new(&format!(
                "UPDATE {table} SET reserve = reserve - $1 WHERE {row} AND reserve >= $1 RETURNING reserve"
            ))
            .value(units)
            .value(line.produit.0);
            let released: Option<(i64,)> = Self::optional(conn, &release).await?;
            released.ok_or_else(|| invariant("a prepared shipment's goods were no longer reserved"))?;
        }
        Ok(())
    }
}
