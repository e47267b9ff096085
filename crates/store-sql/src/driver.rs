//! What the generic code needs of a sqlx driver, proven once per driver.
//!
//! Code generic over the engine cannot name the driver's capabilities in a bound once and for
//! all: Rust carries a trait's bounds on `i64`, `String`… to none of the trait's users. So each
//! capability is a method of [`Driver`] (run on a connection, bind values) or [`Reads`] (decode a
//! row), implemented here for every driver that has it; the engine crates' drivers have them,
//! and generic code only ever asks for `E: Engine`.

use crate::statement::Value;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Arguments as _, Database, Decode, Encode, Executor, FromRow, IntoArguments, Type};

/// A Rust type a driver can bind and read back.
pub trait Column<DB: Database>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send + Sync {}

impl<DB: Database, T> Column<DB> for T where T: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send + Sync {}

/// A driver: run statements on its connections, with values bound its way.
pub trait Driver: Database {
    /// The connection, as the executor sqlx runs statements on.
    fn executor<'c>(conn: &'c mut Self::Connection) -> impl Executor<'c, Database = Self> + 'c;

    /// `values`, bound in order.
    fn arguments(values: &[Value]) -> Result<impl IntoArguments<'_, Self>, sqlx::Error>;
}

impl<DB: Database> Driver for DB
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    bool: Column<DB>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
    DateTime<Utc>: Column<DB>,
    NaiveDate: Column<DB>,
{
    fn executor<'c>(conn: &'c mut Self::Connection) -> impl Executor<'c, Database = Self> + 'c {
        conn
    }

    fn arguments(values: &[Value]) -> Result<impl IntoArguments<'_, Self>, sqlx::Error> {
        let mut arguments = DB::Arguments::default();
        for value in values {
            match value {
                Value::Bool(v) => arguments.add(*v),
                Value::Int(v) => arguments.add(*v),
                Value::MaybeInt(v) => arguments.add(*v),
                Value::Text(v) => arguments.add(v.clone()),
                Value::MaybeText(v) => arguments.add(v.clone()),
                Value::Time(v) => arguments.add(*v),
                Value::Day(v) => arguments.add(*v),
            }
            .map_err(sqlx::Error::Encode)?;
        }
        Ok(arguments)
    }
}

/// A row that decodes into `T`.
pub trait Reads<T> {
    fn read(&self) -> Result<T, sqlx::Error>;
}

impl<R: sqlx::Row, T> Reads<T> for R
where
    T: for<'r> FromRow<'r, R>,
{
    fn read(&self) -> Result<T, sqlx::Error> {
        T::from_row(self)
    }
}
