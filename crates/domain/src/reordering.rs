//! Reordering rules (règles de réapprovisionnement), per store and product: below `min` the
//! product needs goods, up to `max` is what to hold, asked for in whole `multiple`s; `manual`
//! rules suggest, `automatic` ones ask by themselves. Set one by one, by a store's grid or in
//! bulk from CSV; the rules of a store are its own.

use crate::ids::{ProductId, StoreId};
use crate::replenishment::{Replenishment, RequestLine};
use crate::sales::MAX_LINE_QUANTITY;
use crate::validation::{ValidationCode, ValidationErrors};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// Most rules one change may set: a store's whole catalogue, several times over.
pub const MAX_RULES_PER_CHANGE: usize = 5_000;
/// Largest multiple a product may be asked for in.
pub const MAX_MULTIPLE: i64 = 10_000;

/// Who acts on a rule: a person from a suggestion, or magasin itself after a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleMode {
    #[default]
    Manual,
    Automatic,
}

impl RuleMode {
    pub const ALL: [RuleMode; 2] = [RuleMode::Manual, RuleMode::Automatic];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleMode::Manual => "manuel",
            RuleMode::Automatic => "automatique",
        }
    }

    /// `text` as a mode, or the choices.
    pub fn parse(text: &str) -> Result<Self, ValidationCode> {
        Self::ALL.into_iter().find(|m| m.as_str() == text).ok_or_else(|| ValidationCode::NotAChoice {
            choices: Self::ALL.iter().map(|m| m.as_str().to_string()).collect(),
        })
    }
}

/// A rule as submitted (API body, grid row or CSV line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInput {
    pub produit: ProductId,
    pub min: i64,
    pub max: i64,
    /// 1 when not given.
    pub multiple: i64,
    /// `manuel` when not given.
    pub mode: String,
}

/// A checked rule, ready to be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidRule {
    pub produit: ProductId,
    pub min: i64,
    pub max: i64,
    pub multiple: i64,
    pub mode: RuleMode,
}

/// A store's rules to set at `at` (other products' rules stay as they are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleChange {
    pub magasin: StoreId,
    pub rules: Vec<ValidRule>,
    pub at: DateTime<Utc>,
}

/// Checks rules: 1 to [`MAX_RULES_PER_CHANGE`], each product once; `min` 0 to
/// [`MAX_LINE_QUANTITY`], `max` 1 to [`MAX_LINE_QUANTITY`] and not below `min`; `multiple` 1 to
/// [`MAX_MULTIPLE`]; a known mode. Fields are named `regles[i].<field>`. Products and the store
/// are checked by the storage.
pub fn validate_rules(
    magasin: StoreId,
    inputs: Vec<RuleInput>,
    at: DateTime<Utc>,
) -> Result<RuleChange, ValidationErrors> {
    let (rules, errors) = check_rules(inputs, &RuleMode::ALL);
    errors.into_result(RuleChange { magasin, rules, at })
}

/// The rules that pass, and what is wrong with the others; `modes` are those accepted.
fn check_rules(inputs: Vec<RuleInput>, modes: &[RuleMode]) -> (Vec<ValidRule>, ValidationErrors) {
    let mut errors = ValidationErrors::new();
    if inputs.is_empty() || inputs.len() > MAX_RULES_PER_CHANGE {
        errors.add("regles", ValidationCode::OutOfRange { min: 1, max: MAX_RULES_PER_CHANGE as i64 });
    }
    let mut seen = BTreeSet::new();
    let mut rules = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.into_iter().enumerate() {
        let field = |name: &str| format!("regles[{i}].{name}");
        let before = errors.0.len();
        if !seen.insert(input.produit) {
            errors.add(field("produit"), ValidationCode::Duplicate);
        }
        if !(0..=MAX_LINE_QUANTITY).contains(&input.min) {
            errors.add(field("min"), ValidationCode::OutOfRange { min: 0, max: MAX_LINE_QUANTITY });
        }
        if !(1..=MAX_LINE_QUANTITY).contains(&input.max) {
            errors.add(field("max"), ValidationCode::OutOfRange { min: 1, max: MAX_LINE_QUANTITY });
        } else if input.max < input.min {
            errors.add(field("max"), ValidationCode::BelowMin { min: input.min });
        }
        if !(1..=MAX_MULTIPLE).contains(&input.multiple) {
            errors.add(field("multiple"), ValidationCode::OutOfRange { min: 1, max: MAX_MULTIPLE });
        }
        let mode = modes.iter().copied().find(|m| m.as_str() == input.mode).ok_or_else(|| ValidationCode::NotAChoice {
            choices: modes.iter().map(|m| m.as_str().to_string()).collect(),
        });
        let mode = mode.map_err(|code| errors.add(field("mode"), code));
        if let (Ok(mode), true) = (mode, errors.0.len() == before) {
            rules.push(ValidRule {
                produit: input.produit,
                min: input.min,
                max: input.max,
                multiple: input.multiple,
                mode,
            });
        }
    }
    (rules, errors)
}

/// A kept rule, with its product's name and who set it last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReorderRule {
    pub magasin: StoreId,
    pub produit: ProductId,
    pub produit_nom: String,
    pub min: i64,
    pub max: i64,
    pub multiple: i64,
    pub mode: RuleMode,
    pub modifiee_le: DateTime<Utc>,
    pub modifiee_par: String,
}

/// Days of sales the velocity behind the days of cover is measured over, today included.
pub const VELOCITY_DAYS: u64 = 28;

/// What a store should ask for a product below its minimum, from the figures of one set query.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub magasin: StoreId,
    pub produit: ProductId,
    pub produit_nom: String,
    /// What the store holds.
    pub disponible: i64,
    /// What its pending requests already ask for.
    pub en_attente: i64,
    pub min: i64,
    pub max: i64,
    pub multiple: i64,
    pub mode: RuleMode,
    /// What the warehouse holds.
    pub entrepot: i64,
    /// Units to ask for: see [`quantity_to_ask`].
    pub a_demander: i64,
    /// Units sold less returned per day over the last [`VELOCITY_DAYS`] days.
    pub ventes_par_jour: f64,
    /// Days the store's stock lasts at that pace; none when nothing sold.
    pub jours_de_couverture: Option<f64>,
}

/// Whether a product needs goods: what it holds and already asked for is below its minimum.
pub fn needs_goods(disponible: i64, en_attente: i64, min: i64) -> bool {
    disponible.saturating_add(en_attente) < min
}

/// Units to ask for: up to `max` counting what is held and already asked for, rounded up to a
/// whole `multiple`, then capped by what the `warehouse` holds (in whole multiples too); 0 when
/// nothing is needed or nothing can come.
pub fn quantity_to_ask(disponible: i64, en_attente: i64, max: i64, multiple: i64, warehouse: i64) -> i64 {
    let missing = max.saturating_sub(disponible).saturating_sub(en_attente);
    if missing <= 0 || multiple <= 0 {
        return 0;
    }
    let rounded = (missing + multiple - 1) / multiple * multiple;
    let available = warehouse.max(0) / multiple * multiple;
    rounded.min(available)
}

/// Days `disponible` lasts at `per_day` units a day; none when nothing sells.
pub fn cover_days(disponible: i64, per_day: f64) -> Option<f64> {
    (per_day > 0.0).then(|| disponible.max(0) as f64 / per_day)
}

/// Which requests magasin writes itself from the suggestions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raise {
    /// A person applies the suggestions of one store, or of all: one request per store with
    /// something to ask, once a day (under [`suggestion_key`]).
    Suggestions(Option<StoreId>),
    /// After a sale at the store: its automatic rules' suggestions, unless an automatic request
    /// of the store is still pending.
    Automatic(StoreId),
}

/// The key of a store's request made from the suggestions on `day`: one per store and day.
pub fn suggestion_key(store: StoreId, day: NaiveDate) -> String {
    format!("suggestions/{store}/{day}")
}

/// A request written from the suggestions; `created` is false when the day's request of the
/// store was there already (and is what is returned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaisedRequest {
    pub request: Replenishment,
    pub created: bool,
}

/// Each store's request lines from `suggestions`: what is worth asking (a positive quantity), of
/// automatic rules only when `automatic_only`, per store in product order.
pub fn lines_to_ask(suggestions: &[Suggestion], automatic_only: bool) -> BTreeMap<StoreId, Vec<RequestLine>> {
    let mut per_store: BTreeMap<StoreId, Vec<RequestLine>> = BTreeMap::new();
    let wanted = suggestions.iter().filter(|s| s.a_demander > 0 && (!automatic_only || s.mode == RuleMode::Automatic));
    for s in wanted {
        per_store.entry(s.magasin).or_default().push(RequestLine { produit: s.produit, quantite: s.a_demander });
    }
    per_store
}

/// The warehouse's rules to set at `at`: as a store's, but the warehouse only suggests (its
/// orders go to suppliers through a person), so every rule is `manuel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarehouseRuleChange {
    pub rules: Vec<ValidRule>,
    pub at: DateTime<Utc>,
}

/// Checks the warehouse's rules as [`validate_rules`] does; a mode other than `manuel` is
/// refused (`regles[i].mode`).
pub fn validate_warehouse_rules(
    inputs: Vec<RuleInput>,
    at: DateTime<Utc>,
) -> Result<WarehouseRuleChange, ValidationErrors> {
    let (rules, errors) = check_rules(inputs, &[RuleMode::Manual]);
    errors.into_result(WarehouseRuleChange { rules, at })
}

/// A kept rule of the warehouse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarehouseRule {
    pub produit: ProductId,
    pub produit_nom: String,
    pub min: i64,
    pub max: i64,
    pub multiple: i64,
    pub modifiee_le: DateTime<Utc>,
    pub modifiee_par: String,
}

/// What the warehouse should order of a product below its minimum (what it holds and what sent
/// orders still bring): up to `max`, in whole multiples, with no cap (the supplier's stock is not
/// known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarehouseSuggestion {
    pub produit: ProductId,
    pub produit_nom: String,
    pub disponible: i64,
    /// Still due from sent orders.
    pub attendu: i64,
    pub min: i64,
    pub max: i64,
    pub multiple: i64,
    pub a_commander: i64,
}

/// The key of part `part` (from 1) of the warehouse's draft orders made from the suggestions on
/// `day`: the suggestions are turned into orders once a day.
pub fn warehouse_order_key(day: NaiveDate, part: usize) -> String {
    format!("suggestions/entrepot/{day}/{part}")
}

/// The CSV header of a store's rules, read and written.
pub const CSV_HEADER: [&str; 5] = ["produit", "min", "max", "multiple", "mode"];

#[cfg(test)]
mod tests {
    use super::*;

    fn input(produit: i64, min: i64, max: i64, multiple: i64, mode: &str) -> RuleInput {
        RuleInput { produit: ProductId(produit), min, max, multiple, mode: mode.into() }
    }

    fn fields(inputs: Vec<RuleInput>) -> Vec<String> {
        let errors = validate_rules(StoreId(1), inputs, Utc::now()).unwrap_err();
        errors.0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_store_asks_up_to_max_in_whole_multiples_as_far_as_the_warehouse_holds() {
        assert!(needs_goods(2, 1, 4) && !needs_goods(2, 2, 4));
        assert_eq!(quantity_to_ask(2, 1, 20, 1, 100), 17);
        assert_eq!(quantity_to_ask(2, 1, 20, 6, 100), 18, "17 rounded up to 3 × 6");
        assert_eq!(quantity_to_ask(2, 1, 20, 6, 14), 12, "the warehouse holds two whole multiples");
        assert_eq!(quantity_to_ask(2, 1, 20, 6, 5), 0, "not even one multiple");
        assert_eq!(quantity_to_ask(25, 0, 20, 1, 100), 0, "nothing missing");
        assert_eq!(cover_days(14, 2.0), Some(7.0));
        assert_eq!(cover_days(14, 0.0), None);
    }

    #[test]
    fn each_store_asks_what_is_worth_asking_and_automatic_raises_only_automatic_rules() {
        let suggestion = |magasin: i64, produit: i64, a_demander: i64, mode: RuleMode| Suggestion {
            magasin: StoreId(magasin),
            produit: ProductId(produit),
            produit_nom: String::new(),
            disponible: 0,
            en_attente: 0,
            min: 1,
            max: 10,
            multiple: 1,
            mode,
            entrepot: 10,
            a_demander,
            ventes_par_jour: 0.0,
            jours_de_couverture: None,
        };
        let all = [
            suggestion(1, 1, 5, RuleMode::Manual),
            suggestion(1, 2, 0, RuleMode::Automatic),
            suggestion(1, 3, 4, RuleMode::Automatic),
            suggestion(2, 1, 2, RuleMode::Manual),
        ];
        let line = |p, q| RequestLine { produit: ProductId(p), quantite: q };
        let every = lines_to_ask(&all, false);
        assert_eq!(every[&StoreId(1)], [line(1, 5), line(3, 4)]);
        assert_eq!(every[&StoreId(2)], [line(1, 2)]);
        let automatic = lines_to_ask(&all, true);
        assert_eq!(automatic.len(), 1);
        assert_eq!(automatic[&StoreId(1)], [line(3, 4)]);
        assert_eq!(
            suggestion_key(StoreId(4), NaiveDate::from_ymd_opt(2026, 12, 6).expect("a day")),
            "suggestions/4/2026-12-06"
        );
    }

    #[test]
    fn the_warehouse_only_suggests() {
        let errors = validate_warehouse_rules(vec![input(1, 1, 5, 1, "automatique")], Utc::now()).unwrap_err();
        assert_eq!(errors.0[0].field, "regles[0].mode");
        assert_eq!(errors.0[0].code.to_string(), "Select one of manuel.");
        let ok = validate_warehouse_rules(vec![input(1, 1, 5, 12, "manuel")], Utc::now()).expect("valid");
        assert_eq!((ok.rules[0].max, ok.rules[0].multiple), (5, 12));
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).expect("a day");
        assert_eq!(warehouse_order_key(day, 2), "suggestions/entrepot/2026-12-06/2");
    }

    #[test]
    fn a_rule_holds_min_at_most_max_in_whole_multiples() {
        assert_eq!(fields(vec![]), ["regles"]);
        assert_eq!(fields(vec![input(1, 8, 5, 1, "manuel")]), ["regles[0].max"]);
        assert_eq!(
            fields(vec![input(1, -1, 0, 0, "souvent"), input(1, 2, 4, 1, "manuel")]),
            ["regles[0].min", "regles[0].max", "regles[0].multiple", "regles[0].mode", "regles[1].produit"]
        );
        let ok =
            validate_rules(StoreId(1), vec![input(1, 0, 1, 1, "automatique"), input(2, 5, 5, 6, "manuel")], Utc::now())
                .expect("valid");
        assert_eq!(ok.rules[0].mode, RuleMode::Automatic);
        assert_eq!((ok.rules[1].min, ok.rules[1].max, ok.rules[1].multiple), (5, 5, 6));
    }
}
