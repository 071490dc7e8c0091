//! Listing permits: ids, states, status indices and numbers, by id, of all of
//! them or of one employer, and those whose validity ends within a window.

use sqlx::Row;

use super::Db;
use super::sealed::{load_keys, open};

/// A permit in a listing: no personal data.
pub struct ListedPermit {
    /// Its id.
    pub id: String,
    /// The stored state's name.
    pub state: String,
    /// Its status list (shard).
    pub shard: i64,
    /// Its index in that list.
    pub index: i64,
    /// The permit number.
    pub permit_number: String,
    /// The end of its validity, Unix seconds.
    pub valid_until: i64,
    /// The id of the first permit of its line.
    pub lineage: String,
}

/// Which permits a page holds.
#[derive(Default)]
pub struct Which<'a> {
    /// Only this employer's.
    pub employer: Option<&'a str>,
    /// Only live ones (active or suspended) whose validity ends in this window (after, not after).
    pub ending: Option<(i64, i64)>,
}

/// A page of permits, by id, after `after`, of those `which` selects.
///
/// # Errors
/// When the database refuses or a row does not decode.
pub async fn page_of(db: &Db, after: &str, limit: i64, which: Which<'_>) -> Result<Vec<ListedPermit>, sqlx::Error> {
    let mut sql =
        "SELECT id, state, shard, status_index, permit_number, valid_until, lineage FROM permits WHERE id > $1"
            .to_string();
    let mut n = 1;
    if which.employer.is_some() {
        n += 1;
        sql.push_str(&format!(" AND employer = ${n}"));
    }
    if which.ending.is_some() {
        sql.push_str(&format!(
            " AND state IN ('active', 'suspended') AND valid_until > ${} AND valid_until <= ${}",
            n + 1,
            n + 2
        ));
        n += 2;
    }
    sql.push_str(&format!(" ORDER BY id LIMIT ${}", n + 1));
    let mut q = sqlx::query(&sql).bind(after);
    if let Some(e) = which.employer {
        q = q.bind(e);
    }
    if let Some((from, until)) = which.ending {
        q = q.bind(from).bind(until);
    }
    let rows = q.bind(limit).fetch_all(&db.pool).await?;
    let numbers: Vec<String> = rows.iter().map(|r| r.try_get(4)).collect::<Result<_, _>>()?;
    load_keys(&db.vault, &db.pool, &numbers.iter().map(|n| Some(n.as_str())).collect::<Vec<_>>()).await?;
    rows.iter()
        .zip(numbers)
        .map(|(r, number)| {
            let id: String = r.try_get(0)?;
            let permit_number = open(&db.vault, "permits", &id, "permit_number", &number)?;
            Ok(ListedPermit {
                id,
                state: r.try_get(1)?,
                shard: r.try_get(2)?,
                index: r.try_get(3)?,
                permit_number,
                valid_until: r.try_get(5)?,
                lineage: r.try_get(6)?,
            })
        })
        .collect()
}
