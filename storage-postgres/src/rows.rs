//! Rows of every kind in PostgreSQL: one table per kind (`pos`, `id`, `v`, the declared
//! columns, `doc`), read and written by statements made from the kind's declaration.

use std::collections::HashMap;
use std::sync::OnceLock;

use postgres::types::ToSql;
use teho_core::store::{
    ColumnType, Cond, Filter, KINDS, Kind, Order, Row, StoreError, StoreResult, Value,
};
use uuid::Uuid;

use crate::{Conn, pg_error};

/// The statements of one kind, made once.
struct KindSql {
    get: String,
    insert: String,
    update: String,
    destroy: String,
}

/// `id, v, <columns>, doc`.
fn select_list(kind: &Kind) -> String {
    let mut s = String::from("id, v");
    for c in kind.columns {
        s.push_str(", ");
        s.push_str(c.name);
    }
    s.push_str(", doc");
    s
}

impl KindSql {
    fn of(kind: &Kind) -> Self {
        let n = kind.columns.len();
        let places: Vec<String> = (1..=n + 3).map(|i| format!("${i}")).collect();
        let mut sets = vec!["v = $2".to_string()];
        for (i, c) in kind.columns.iter().enumerate() {
            sets.push(format!("{} = ${}", c.name, i + 3));
        }
        sets.push(format!("doc = ${}", n + 3));
        Self {
            get: format!(
                "SELECT {} FROM {} WHERE id = $1",
                select_list(kind),
                kind.name
            ),
            insert: format!(
                "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO NOTHING",
                kind.name,
                select_list(kind),
                places.join(", ")
            ),
            update: format!("UPDATE {} SET {} WHERE id = $1", kind.name, sets.join(", ")),
            destroy: format!("DELETE FROM {} WHERE id = $1", kind.name),
        }
    }
}

fn sql_of(kind: &'static Kind) -> StoreResult<&'static KindSql> {
    static MADE: OnceLock<HashMap<&'static str, KindSql>> = OnceLock::new();
    MADE.get_or_init(|| KINDS.iter().map(|k| (k.name, KindSql::of(k))).collect())
        .get(kind.name)
        .ok_or_else(|| StoreError::corrupt(kind.name, "-", "not a kind this store knows"))
}

/// A value bound to a column of type `ty`: an empty one as that type's `NULL`.
enum Param<'a> {
    Id(Option<Uuid>),
    Int(Option<i64>),
    Text(Option<&'a str>),
    Version(i32),
    Bytes(&'a [u8]),
}

impl Param<'_> {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Param::Id(v) => v,
            Param::Int(v) => v,
            Param::Text(v) => v,
            Param::Version(v) => v,
            Param::Bytes(v) => v,
        }
    }
}

fn param<'a>(kind: &'static Kind, ty: ColumnType, v: &'a Value) -> StoreResult<Param<'a>> {
    Ok(match (ty, v) {
        (ColumnType::Id, Value::Null) => Param::Id(None),
        (ColumnType::Int, Value::Null) => Param::Int(None),
        (ColumnType::Text, Value::Null) => Param::Text(None),
        (ColumnType::Id, Value::Id(u)) => Param::Id(Some(*u)),
        (ColumnType::Int, Value::Int(i)) => Param::Int(Some(*i)),
        (ColumnType::Text, Value::Text(t)) => Param::Text(Some(t)),
        (ty, v) => {
            return Err(StoreError::corrupt(
                kind.name,
                "-",
                format!("a {v:?} for a column of type {ty:?}"),
            ));
        }
    })
}

fn params<'a>(kind: &'static Kind, row: &'a Row) -> StoreResult<Vec<Param<'a>>> {
    if row.columns.len() != kind.columns.len() {
        return Err(StoreError::corrupt(
            kind.name,
            row.id,
            format!(
                "{} column values for {} columns",
                row.columns.len(),
                kind.columns.len()
            ),
        ));
    }
    let mut p = Vec::with_capacity(row.columns.len() + 3);
    p.push(Param::Id(Some(row.id)));
    p.push(Param::Version(i32::from(row.version)));
    for (c, v) in kind.columns.iter().zip(&row.columns) {
        p.push(param(kind, c.ty, v)?);
    }
    p.push(Param::Bytes(&row.doc));
    Ok(p)
}

fn read_row(kind: &'static Kind, r: &postgres::Row) -> StoreResult<Row> {
    let bad = |what: &str, e: postgres::Error| {
        StoreError::corrupt(kind.name, "-", format!("{what}: {e}"))
    };
    let id: Uuid = r.try_get(0).map_err(|e| bad("id", e))?;
    let version: i32 = r.try_get(1).map_err(|e| bad("v", e))?;
    let version = u16::try_from(version)
        .map_err(|_| StoreError::corrupt(kind.name, id, format!("version {version}")))?;
    let mut columns = Vec::with_capacity(kind.columns.len());
    for (i, c) in kind.columns.iter().enumerate() {
        let at = i + 2;
        columns.push(match c.ty {
            ColumnType::Id => r
                .try_get::<_, Option<Uuid>>(at)
                .map_err(|e| bad(c.name, e))?
                .map_or(Value::Null, Value::Id),
            ColumnType::Int => r
                .try_get::<_, Option<i64>>(at)
                .map_err(|e| bad(c.name, e))?
                .map_or(Value::Null, Value::Int),
            ColumnType::Text => r
                .try_get::<_, Option<String>>(at)
                .map_err(|e| bad(c.name, e))?
                .map_or(Value::Null, Value::Text),
        });
    }
    let doc: Vec<u8> = r
        .try_get(kind.columns.len() + 2)
        .map_err(|e| bad("doc", e))?;
    Ok(Row {
        id,
        version,
        columns,
        doc,
    })
}

/// The row of `kind` with `id`.
pub(crate) fn get(client: &mut Conn, kind: &'static Kind, id: Uuid) -> StoreResult<Option<Row>> {
    let stmt = client.cached(&sql_of(kind)?.get).map_err(pg_error)?;
    let rows = client.query(&stmt, &[&id]).map_err(pg_error)?;
    rows.first().map(|r| read_row(kind, r)).transpose()
}

/// The rows of `kind` meeting `filter`, in its order.
pub(crate) fn find(
    client: &mut Conn,
    kind: &'static Kind,
    filter: &Filter,
) -> StoreResult<Vec<Row>> {
    let column = |i: usize| {
        kind.columns
            .get(i)
            .ok_or_else(|| StoreError::corrupt(kind.name, "-", format!("no column {i}")))
    };
    let mut sql = format!("SELECT {} FROM {}", select_list(kind), kind.name);
    let mut binds: Vec<Param<'_>> = Vec::new();
    for (k, cond) in filter.conds.iter().enumerate() {
        sql.push_str(if k == 0 { " WHERE " } else { " AND " });
        match cond {
            Cond::Eq(i, v) | Cond::Ne(i, v) => {
                let c = column(*i)?;
                let op = if matches!(cond, Cond::Eq(..)) {
                    "="
                } else {
                    "<>"
                };
                binds.push(param(kind, c.ty, v)?);
                sql.push_str(&format!("{} {op} ${}", c.name, binds.len()));
            }
            Cond::Range(i, from, to) => {
                let c = column(*i)?;
                binds.push(Param::Int(Some(*from)));
                binds.push(Param::Int(Some(*to)));
                sql.push_str(&format!(
                    "{0} >= ${1} AND {0} < ${2}",
                    c.name,
                    binds.len() - 1,
                    binds.len()
                ));
            }
        }
    }
    match filter.order {
        Order::Inserted => sql.push_str(" ORDER BY pos"),
        // SQLite orders an empty value first; so does this.
        Order::By(i) => sql.push_str(&format!(" ORDER BY {} NULLS FIRST, id", column(i)?.name)),
    }
    let refs: Vec<&(dyn ToSql + Sync)> = binds.iter().map(Param::sql).collect();
    // A filter's shape repeats (the values are bound): its statement is prepared once.
    let stmt = client.cached(&sql).map_err(pg_error)?;
    let rows = client.query(&stmt, &refs).map_err(pg_error)?;
    rows.iter().map(|r| read_row(kind, r)).collect()
}

/// Stores a new row; a conflict if its id is stored.
pub(crate) fn insert(client: &mut Conn, kind: &'static Kind, row: &Row) -> StoreResult<()> {
    let p = params(kind, row)?;
    let refs: Vec<&(dyn ToSql + Sync)> = p.iter().map(Param::sql).collect();
    let stmt = client.cached(&sql_of(kind)?.insert).map_err(pg_error)?;
    let written = client.execute(&stmt, &refs).map_err(pg_error)?;
    if written == 0 {
        return Err(StoreError::Conflict {
            kind: kind.name,
            id: row.id,
        });
    }
    Ok(())
}

/// Replaces a stored row, keeping its place; missing if its id is not stored.
pub(crate) fn update(client: &mut Conn, kind: &'static Kind, row: &Row) -> StoreResult<()> {
    let p = params(kind, row)?;
    let refs: Vec<&(dyn ToSql + Sync)> = p.iter().map(Param::sql).collect();
    let stmt = client.cached(&sql_of(kind)?.update).map_err(pg_error)?;
    let written = client.execute(&stmt, &refs).map_err(pg_error)?;
    if written == 0 {
        return Err(StoreError::Missing {
            kind: kind.name,
            id: row.id,
        });
    }
    Ok(())
}

/// Deletes a row; whether it was there.
pub(crate) fn destroy(client: &mut Conn, kind: &'static Kind, id: Uuid) -> StoreResult<bool> {
    let stmt = client.cached(&sql_of(kind)?.destroy).map_err(pg_error)?;
    let n = client.execute(&stmt, &[&id]).map_err(pg_error)?;
    Ok(n > 0)
}
