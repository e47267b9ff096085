//! The demo data (the lab's stores, products and stock), embedded in the binary.
//! The demo data set is loaded into an empty database by `serve` and by `seed demo`.

use magasin_domain::catalogue::{Product, house_barcode, house_sku};
use magasin_domain::seed::Dataset;
use magasin_domain::stores::Magasin;
use magasin_domain::{Money, ProductId, StoreId};
use serde::Deserialize;

const DEMO_JSON: &str = include_str!("../data/demo.json");

#[derive(Deserialize)]
struct DemoFile {
    magasins: Vec<DemoStore>,
    produits: Vec<DemoProduct>,
    stock_local: Vec<DemoLocal>,
}

#[derive(Deserialize)]
struct DemoStore {
    id: i64,
    nom: String,
    adresse: String,
}

#[derive(Deserialize)]
struct DemoProduct {
    id: i64,
    nom: String,
    categorie: String,
    prix: String,
    description: Option<String>,
    stock_central: i64,
}

#[derive(Deserialize)]
struct DemoLocal {
    magasin: i64,
    produit: i64,
    quantite: i64,
}

/// The demo data set (checked by a unit test, so reading it cannot fail at run time).
pub fn dataset() -> Result<Dataset, String> {
    let file: DemoFile = serde_json::from_str(DEMO_JSON).map_err(|e| format!("embedded demo data: {e}"))?;
    let mut products = Vec::with_capacity(file.produits.len());
    for p in &file.produits {
        let prix = Money::parse_price(&p.prix).map_err(|e| format!("price of demo product {}: {e}", p.id))?;
        products.push(Product {
            id: ProductId(p.id),
            nom: p.nom.clone(),
            categorie: p.categorie.clone(),
            prix,
            description: p.description.clone(),
            sku: Some(house_sku(ProductId(p.id))),
            code_barres: Some(house_barcode(ProductId(p.id))),
        });
    }
    Ok(Dataset {
        stores: file
            .magasins
            .into_iter()
            .map(|s| Magasin { id: StoreId(s.id), nom: s.nom, adresse: s.adresse })
            .collect(),
        warehouse: file.produits.iter().map(|p| (ProductId(p.id), p.stock_central)).collect(),
        products,
        local: file.stock_local.iter().map(|l| (StoreId(l.magasin), ProductId(l.produit), l.quantite)).collect(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_data_is_the_labs() {
        let d = super::dataset().unwrap();
        assert_eq!((d.stores.len(), d.products.len(), d.warehouse.len(), d.local.len()), (5, 15, 15, 35));
        assert_eq!(d.products[0].nom, "Clavier mécanique");
        assert_eq!(d.products[0].prix.to_string(), "89.99");
    }
}
