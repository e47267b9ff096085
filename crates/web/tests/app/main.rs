//! The application in process, through its router: the API and the web interface, each test
//! written once and run on a fresh SQLite database and on a fresh PostgreSQL schema.

mod account_pages;
mod adjustments;
mod api;
mod closings;
mod codes;
mod counts;
mod engines_agree;
mod form_roles;
mod helpers;
mod hostile;
mod payments;
mod planning;
mod purchase_orders;
mod receipts;
mod returns;
mod roles;
mod rules;
mod shipments;
mod shipping_pages;
mod till;
mod ui;
