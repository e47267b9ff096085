//! Stores (*magasins*).

use crate::ids::StoreId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Magasin {
    pub id: StoreId,
    pub nom: String,
    pub adresse: String,
}
