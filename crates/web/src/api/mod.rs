//! The REST API.

pub mod extract;
pub mod v1;
