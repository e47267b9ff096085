//! The product lines of a form (a sale, a receipt): what was typed in `produit-N` and
//! `quantite-N`, read into products and quantities with a message next to each bad field.

use super::forms::{FieldErrors, Fields};
use super::layout::UiError;
use super::strings::current;
use axum::http::StatusCode;
use magasin_domain::{ProductId, StorageError, ValidationCode};
use magasin_service::ServiceError;

/// One line of a form, as typed.
pub struct LineInput {
    pub index: usize,
    pub produit: String,
    pub quantite: String,
}

impl LineInput {
    /// Lines 1 to `count` of `fields`.
    pub fn read_all(fields: &Fields, count: usize) -> Vec<LineInput> {
        (1..=count)
            .map(|index| LineInput {
                index,
                produit: fields.raw(&format!("produit-{index}")),
                quantite: fields.raw(&format!("quantite-{index}")),
            })
            .collect()
    }
}

/// The product and quantity of every filled line, with the line's form index. A product is its
/// number, alone or as a list offers it (`12 · Café moulu`); anything else, or a quantity that is
/// not a whole number, gets its message in `errors`.
pub fn read_lines(lines: &[LineInput], errors: &mut FieldErrors) -> (Vec<(ProductId, i64)>, Vec<usize>) {
    let (mut read, mut indexes) = (Vec::new(), Vec::new());
    for line in lines {
        let produit = line.produit.trim();
        if produit.is_empty() {
            continue;
        }
        let Some(produit) = product_number(produit) else {
            let unknown = ValidationCode::NotAChoice { choices: Vec::new() };
            errors.add_code(&format!("produit-{}", line.index), &unknown);
            continue;
        };
        match line.quantite.trim().parse::<i64>() {
            Ok(quantite) => {
                read.push((ProductId(produit), quantite));
                indexes.push(line.index);
            }
            Err(_) => errors.add_code(&format!("quantite-{}", line.index), &ValidationCode::NotAWholeNumber),
        }
    }
    (read, indexes)
}

/// A product as typed: its number, alone or as a list offers it (`12 · Café moulu`).
pub fn product_number(typed: &str) -> Option<i64> {
    typed.split(" · ").next().unwrap_or_default().trim().parse().ok()
}

/// `lignes[2].quantite` → line 2 of the request.
pub fn line_of_field(field: &str) -> Option<usize> {
    field.strip_prefix("lignes[")?.split_once(']')?.0.parse().ok()
}

/// Where the service's refusal of a lines form is said: a line's message next to its quantity
/// (`indexes`: the form index of each request line), a message about one of `fields` next to
/// it, anything else above the form (`message`). Errors that are not refusals go on.
pub fn explain_refusal(
    error: ServiceError,
    indexes: &[usize],
    fields: &[&str],
    errors: &mut FieldErrors,
    message: &mut Option<String>,
) -> Result<StatusCode, UiError> {
    let t = current();
    match error {
        ServiceError::Invalid(invalid) => {
            for e in &invalid.0 {
                let text = (t.validation)(&e.code);
                match line_of_field(&e.field).and_then(|i| indexes.get(i)) {
                    Some(index) => errors.add(&format!("quantite-{index}"), &text),
                    None if fields.contains(&e.field.as_str()) => errors.add(&e.field, &text),
                    None => *message = Some(text),
                }
            }
            Ok(StatusCode::BAD_REQUEST)
        }
        ServiceError::Storage(StorageError::InsufficientStock { product_name, requested, available, .. }) => {
            *message = Some((t.insufficient_stock)(&product_name, available, requested));
            Ok(StatusCode::CONFLICT)
        }
        ServiceError::Storage(StorageError::NotFound { entity, id }) => {
            *message = Some((t.no_such)(entity, id));
            Ok(StatusCode::NOT_FOUND)
        }
        ServiceError::Storage(StorageError::Conflict(text)) => {
            *message = Some(text);
            Ok(StatusCode::CONFLICT)
        }
        ServiceError::Storage(StorageError::DayClosed { store_name, jour, .. }) => {
            *message = Some((t.closing.day_closed)(&store_name, jour));
            Ok(StatusCode::CONFLICT)
        }
        other => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_are_numbers_alone_or_as_the_list_offers_them() {
        let fields = Fields::parse("produit-1=12&quantite-1=2&produit-2=3+%C2%B7+Caf%C3%A9&quantite-2=1&produit-3=12abc&quantite-3=1&produit-4=5&quantite-4=x".as_bytes());
        let mut errors = FieldErrors::default();
        let (read, indexes) = read_lines(&LineInput::read_all(&fields, 5), &mut errors);
        assert_eq!(read, [(ProductId(12), 2), (ProductId(3), 1)]);
        assert_eq!(indexes, [1, 2]);
        assert!(!errors.of("produit-3").is_empty() && !errors.of("quantite-4").is_empty());
        assert_eq!(line_of_field("lignes[2].quantite"), Some(2));
    }
}
