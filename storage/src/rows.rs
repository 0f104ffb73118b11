//! Rows of every kind in SQL: one table per kind (`id`, `v`, the declared columns,
//! `doc`), read and written by statements made from the kind's declaration.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};
use teho_core::store::{
    ColumnType, Cond, Filter, KINDS, Kind, Order, Row, StoreError, StoreResult, Value,
};
use uuid::Uuid;

use crate::schema::backend;

fn value_ref(v: &Value) -> ValueRef<'_> {
    match v {
        Value::Null => ValueRef::Null,
        Value::Id(u) => ValueRef::Blob(u.as_bytes()),
        Value::Int(i) => ValueRef::Integer(*i),
        Value::Text(t) => ValueRef::Text(t.as_bytes()),
    }
}

/// The statements of one kind, made once.
struct KindSql {
    get: String,
    insert: String,
    update: String,
    destroy: String,
}

impl KindSql {
    fn of(kind: &Kind) -> Self {
        let n = kind.columns.len();
        let places: Vec<String> = (1..=n + 3).map(|i| format!("?{i}")).collect();
        let mut sets = vec!["v = ?2".to_string()];
        for (i, c) in kind.columns.iter().enumerate() {
            sets.push(format!("{} = ?{}", c.name, i + 3));
        }
        sets.push(format!("doc = ?{}", n + 3));
        Self {
            get: format!(
                "SELECT {} FROM {} WHERE id = ?1",
                select_list(kind),
                kind.name
            ),
            insert: format!(
                "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT(id) DO NOTHING",
                kind.name,
                select_list(kind),
                places.join(", ")
            ),
            update: format!("UPDATE {} SET {} WHERE id = ?1", kind.name, sets.join(", ")),
            destroy: format!("DELETE FROM {} WHERE id = ?1", kind.name),
        }
    }
}

/// The statements of `kind`, made once for every kind core declares.
fn sql_of(kind: &'static Kind) -> StoreResult<&'static KindSql> {
    static MADE: OnceLock<HashMap<&'static str, KindSql>> = OnceLock::new();
    MADE.get_or_init(|| KINDS.iter().map(|k| (k.name, KindSql::of(k))).collect())
        .get(kind.name)
        .ok_or_else(|| StoreError::corrupt(kind.name, "-", "not a kind this store knows"))
}

/// What makes a find's statement: its conditions (with the literal of an integer one)
/// and its order.
#[derive(Clone, PartialEq, Eq, Hash)]
struct FindShape {
    kind: &'static str,
    conds: Vec<(u8, usize, Option<i64>)>,
    order: Option<usize>,
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

fn uuid_of(kind: &'static Kind, what: &str, b: &[u8]) -> StoreResult<Uuid> {
    Uuid::from_slice(b).map_err(|_| {
        StoreError::corrupt(
            kind.name,
            "-",
            format!("{what}: {} bytes where an id takes 16", b.len()),
        )
    })
}

/// A row read by a statement whose columns are [`select_list`]'s.
fn read_row(kind: &'static Kind, r: &rusqlite::Row<'_>) -> StoreResult<Row> {
    let id = match r.get_ref(0).map_err(backend)? {
        ValueRef::Blob(b) => uuid_of(kind, "id", b)?,
        other => {
            return Err(StoreError::corrupt(
                kind.name,
                "-",
                format!("id of type {:?}", other.data_type()),
            ));
        }
    };
    let version: i64 = r.get(1).map_err(backend)?;
    let version = u16::try_from(version)
        .map_err(|_| StoreError::corrupt(kind.name, id, format!("version {version}")))?;
    let mut columns = Vec::with_capacity(kind.columns.len());
    for (i, c) in kind.columns.iter().enumerate() {
        let v = r.get_ref(i + 2).map_err(backend)?;
        columns.push(match (c.ty, v) {
            (_, ValueRef::Null) => Value::Null,
            (ColumnType::Id, ValueRef::Blob(b)) => Value::Id(uuid_of(kind, c.name, b)?),
            (ColumnType::Int, ValueRef::Integer(n)) => Value::Int(n),
            (ColumnType::Text, ValueRef::Text(t)) => {
                Value::Text(String::from_utf8(t.to_vec()).map_err(|_| {
                    StoreError::corrupt(kind.name, id, format!("{}: not UTF-8", c.name))
                })?)
            }
            (_, other) => {
                return Err(StoreError::corrupt(
                    kind.name,
                    id,
                    format!("{} of type {:?}", c.name, other.data_type()),
                ));
            }
        });
    }
    let doc = match r.get_ref(kind.columns.len() + 2).map_err(backend)? {
        ValueRef::Blob(b) | ValueRef::Text(b) => b.to_vec(),
        other => {
            return Err(StoreError::corrupt(
                kind.name,
                id,
                format!("doc of type {:?}", other.data_type()),
            ));
        }
    };
    Ok(Row {
        id,
        version,
        columns,
        doc,
    })
}

/// The row of `kind` with `id`.
pub(crate) fn get(conn: &Connection, kind: &'static Kind, id: Uuid) -> StoreResult<Option<Row>> {
    let mut stmt = conn.prepare_cached(&sql_of(kind)?.get).map_err(backend)?;
    let mut rows = stmt.query([id.as_bytes()]).map_err(backend)?;
    match rows.next().map_err(backend)? {
        Some(r) => Ok(Some(read_row(kind, r)?)),
        None => Ok(None),
    }
}

/// Integer conditions are written as literals, so that a partial index on a status
/// (`WHERE status = 0`) applies: with the query planner's stability guarantee on, a
/// plan never depends on a bound value.
fn literal(v: &Value) -> Option<i64> {
    v.as_int()
}

/// The statement of a find of this shape, made once.
fn find_sql(kind: &'static Kind, filter: &Filter) -> StoreResult<Arc<str>> {
    static MADE: OnceLock<Mutex<HashMap<FindShape, Arc<str>>>> = OnceLock::new();
    let shape = FindShape {
        kind: kind.name,
        conds: filter
            .conds
            .iter()
            .map(|c| match c {
                Cond::Eq(i, v) => (0, *i, literal(v)),
                Cond::Ne(i, v) => (1, *i, literal(v)),
                Cond::Range(i, _, _) => (2, *i, None),
            })
            .collect(),
        order: match filter.order {
            Order::Inserted => None,
            Order::By(i) => Some(i),
        },
    };
    let made = MADE.get_or_init(Default::default);
    if let Some(sql) = made.lock().unwrap_or_else(|p| p.into_inner()).get(&shape) {
        return Ok(Arc::clone(sql));
    }
    let column = |i: usize| -> StoreResult<&'static str> {
        kind.columns
            .get(i)
            .map(|c| c.name)
            .ok_or_else(|| StoreError::corrupt(kind.name, "-", format!("no column {i}")))
    };
    let mut sql = format!("SELECT {} FROM {}", select_list(kind), kind.name);
    let mut n = 0;
    for (k, &(op, i, lit)) in shape.conds.iter().enumerate() {
        sql.push_str(if k == 0 { " WHERE " } else { " AND " });
        let name = column(i)?;
        match (op, lit) {
            (2, _) => {
                sql.push_str(&format!("{name} >= ?{} AND {name} < ?{}", n + 1, n + 2));
                n += 2;
            }
            (_, Some(l)) => {
                let op = if op == 0 { "=" } else { "<>" };
                sql.push_str(&format!("{name} {op} {l}"));
            }
            (_, None) => {
                let op = if op == 0 { "=" } else { "<>" };
                n += 1;
                sql.push_str(&format!("{name} {op} ?{n}"));
            }
        }
    }
    match shape.order {
        None => sql.push_str(" ORDER BY rowid"),
        Some(i) => sql.push_str(&format!(" ORDER BY {}, id", column(i)?)),
    }
    let sql: Arc<str> = Arc::from(sql);
    made.lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(shape, Arc::clone(&sql));
    Ok(sql)
}

/// The rows of `kind` meeting `filter`, in its order.
pub(crate) fn find(
    conn: &Connection,
    kind: &'static Kind,
    filter: &Filter,
) -> StoreResult<Vec<Row>> {
    let sql = find_sql(kind, filter)?;
    let mut values: Vec<ValueRef<'_>> = Vec::with_capacity(4);
    for c in &filter.conds {
        match c {
            Cond::Eq(_, v) | Cond::Ne(_, v) if literal(v).is_none() => values.push(value_ref(v)),
            Cond::Range(_, from, to) => {
                values.push(ValueRef::Integer(*from));
                values.push(ValueRef::Integer(*to));
            }
            _ => {}
        }
    }
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let binds: Vec<Ref<'_>> = values.into_iter().map(Ref).collect();
    let params: Vec<&dyn ToSql> = binds.iter().map(|b| b as &dyn ToSql).collect();
    let mut rows = stmt.query(params.as_slice()).map_err(backend)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(backend)? {
        out.push(read_row(kind, r)?);
    }
    Ok(out)
}

/// A value to bind, borrowed.
struct Ref<'a>(ValueRef<'a>);

impl ToSql for Ref<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(self.0))
    }
}

/// Stores a new row; a conflict if its id is stored.
pub(crate) fn insert(conn: &Connection, kind: &'static Kind, row: &Row) -> StoreResult<()> {
    let mut stmt = conn
        .prepare_cached(&sql_of(kind)?.insert)
        .map_err(backend)?;
    let p = params(kind, row)?;
    let refs: Vec<&dyn ToSql> = p.iter().map(|x| x as &dyn ToSql).collect();
    let written = stmt.execute(refs.as_slice()).map_err(backend)?;
    if written == 0 {
        return Err(StoreError::Conflict {
            kind: kind.name,
            id: row.id,
        });
    }
    Ok(())
}

/// Replaces a stored row, keeping its rowid; missing if its id is not stored.
pub(crate) fn update(conn: &Connection, kind: &'static Kind, row: &Row) -> StoreResult<()> {
    let mut stmt = conn
        .prepare_cached(&sql_of(kind)?.update)
        .map_err(backend)?;
    let p = params(kind, row)?;
    let refs: Vec<&dyn ToSql> = p.iter().map(|x| x as &dyn ToSql).collect();
    let written = stmt.execute(refs.as_slice()).map_err(backend)?;
    if written == 0 {
        return Err(StoreError::Missing {
            kind: kind.name,
            id: row.id,
        });
    }
    Ok(())
}

/// Deletes a row (its pages are zeroed: `secure_delete`); whether it was there.
pub(crate) fn destroy(conn: &Connection, kind: &'static Kind, id: Uuid) -> StoreResult<bool> {
    let n = conn
        .prepare_cached(&sql_of(kind)?.destroy)
        .and_then(|mut s| s.execute([id.as_bytes()]))
        .map_err(backend)?;
    Ok(n > 0)
}

/// One parameter of a row's statement.
enum Param<'a> {
    Bytes(&'a [u8]),
    Int(i64),
    Value(&'a Value),
}

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Param::Bytes(b) => Ok(ToSqlOutput::Borrowed(ValueRef::Blob(b))),
            Param::Int(i) => Ok(ToSqlOutput::Borrowed(ValueRef::Integer(*i))),
            Param::Value(v) => Ok(ToSqlOutput::Borrowed(value_ref(v))),
        }
    }
}

/// `id, v, <columns>, doc` of a row, to bind.
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
    p.push(Param::Bytes(row.id.as_bytes()));
    p.push(Param::Int(i64::from(row.version)));
    p.extend(row.columns.iter().map(Param::Value));
    p.push(Param::Bytes(&row.doc));
    Ok(p)
}
