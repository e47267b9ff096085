//! Data-modifying statements that answer nothing, sent together: as one statement where the
//! engine chains them (PostgreSQL's data-modifying `WITH`: one round trip instead of one per
//! statement), one after another elsewhere. The parts of a chained statement all see the
//! database as it was before it, not each other's rows: a batch holds statements that write
//! different rows, none reading what another writes.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::statement::Statement;
use magasin_domain::StorageResult;

/// Statements to run together, in order.
#[derive(Default)]
pub(crate) struct WriteBatch {
    statements: Vec<Statement>,
}

impl WriteBatch {
    pub fn push(&mut self, statement: Statement) -> &mut Self {
        self.statements.push(statement);
        self
    }

    pub fn extend(&mut self, statements: impl IntoIterator<Item = Statement>) -> &mut Self {
        self.statements.extend(statements);
        self
    }

    /// The statements as the engine sends them: chained in groups within the bind limit, or
    /// one by one.
    fn into_sent<E: Engine>(self) -> Vec<Statement> {
        if !E::DIALECT.chains_writes {
            return self.statements;
        }
        let mut sent = Vec::new();
        let mut group: Vec<Statement> = Vec::new();
        let mut binds = 0;
        for statement in self.statements {
            if !group.is_empty() && binds + statement.values().len() > E::DIALECT.binds_per_statement {
                sent.push(chain(std::mem::take(&mut group)));
                binds = 0;
            }
            binds += statement.values().len();
            group.push(statement);
        }
        if !group.is_empty() {
            sent.push(chain(group));
        }
        sent
    }
}

/// `WITH w0 AS (first), w1 AS (second) … last`: the statements as one.
fn chain(mut group: Vec<Statement>) -> Statement {
    let Some(last) = group.pop() else { return Statement::default() };
    if group.is_empty() {
        return last;
    }
    let mut chained = Statement::new("WITH ");
    for (i, statement) in group.iter().enumerate() {
        chained.push(&format!("{}w{i} AS (", if i > 0 { ", " } else { "" }));
        chained.append(statement).push(")");
    }
    chained.push(" ").append(&last);
    chained
}

impl<E: Engine> SqlStorage<E> {
    pub(crate) async fn run_batch(conn: &mut Connection<E>, batch: WriteBatch) -> StorageResult<()> {
        Self::execute_all(conn, batch.into_sent::<E>()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chained_statements_number_their_placeholders_in_turn() {
        let chained = chain(vec![
            Statement::new("INSERT INTO a VALUES ($1)").value(1i64),
            Statement::new("UPDATE b SET x = $1 WHERE id = $2").value(2i64).value(3i64),
            Statement::new("INSERT INTO c VALUES ($1)").value(4i64),
        ]);
        assert_eq!(
            chained.sql(),
            "WITH w0 AS (INSERT INTO a VALUES ($1)), w1 AS (UPDATE b SET x = $2 WHERE id = $3) INSERT INTO c VALUES ($4)"
        );
        assert_eq!(chained.values().len(), 4);
    }

    #[test]
    fn one_statement_is_sent_as_it_is() {
        let chained = chain(vec![Statement::new("INSERT INTO a VALUES ($1)").value(1i64)]);
        assert_eq!(chained.sql(), "INSERT INTO a VALUES ($1)");
    }
}
