//! Accounts and sessions. Passwords arrive here already hashed (argon2, by the server);
//! session tokens arrive as their SHA-256, so a leaked database holds no usable secret.

use crate::audit::{self, Change};
use crate::db::Db;
use crate::{Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;
use yingji_domain::time::rfc3339;
use yingji_domain::{Jurisdiction, Principal, Role, TownCode};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub jurisdiction: Jurisdiction,
    pub created_at: String,
}

impl User {
    pub fn principal(&self) -> Principal {
        Principal {
            user_id: Some(self.id.clone()),
            username: self.username.clone(),
            roles: self.roles.clone(),
            jurisdiction: self.jurisdiction.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub jurisdiction: Jurisdiction,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub user_id: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "u.id, u.username, u.display_name, u.roles, u.town_code, u.created_at, u.password_hash";

fn from_row(row: &AnyRow) -> Result<(User, String)> {
    let roles: String = row.try_get(3)?;
    let town: Option<String> = row.try_get(4)?;
    let username: String = row.try_get(1)?;
    let corrupt = |m: String| StoreError::corrupt(format!("user {username}: {m}"));
    let roles = roles
        .split(',')
        .filter(|r| !r.is_empty())
        .map(|r| Role::parse("roles", r).map_err(|e| corrupt(e.message)))
        .collect::<Result<Vec<_>>>()?;
    let jurisdiction = match town {
        Some(code) => {
            Jurisdiction::Town(TownCode::parse("town_code", &code).map_err(|e| corrupt(e.message))?)
        }
        None => Jurisdiction::District,
    };
    let user = User {
        id: row.try_get(0)?,
        username: username.clone(),
        display_name: row.try_get(2)?,
        roles,
        jurisdiction,
        created_at: row.try_get(5)?,
    };
    Ok((user, row.try_get(6)?))
}

fn town_column(jurisdiction: &Jurisdiction) -> Option<String> {
    match jurisdiction {
        Jurisdiction::Town(code) => Some(code.to_string()),
        Jurisdiction::District | Jurisdiction::None => None,
    }
}

pub(crate) async fn create(
    db: &Db,
    actor: &Principal,
    user: NewUser,
    at: DateTime<Utc>,
) -> Result<User> {
    let roles: Vec<&str> = user.roles.iter().map(|r| r.tag()).collect();
    let created = User {
        id: user.id.clone(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        roles: user.roles.clone(),
        jurisdiction: user.jurisdiction.clone(),
        created_at: rfc3339(at),
    };
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO users (id, username, display_name, password_hash, roles, town_code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&user.id)
    .bind(&user.username)
    .bind(&user.display_name)
    .bind(&user.password_hash)
    .bind(roles.join(","))
    .bind(town_column(&user.jurisdiction))
    .bind(&created.created_at)
    .execute(&mut *tx)
    .await
    .map_err(|e| StoreError::from_insert(e, "duplicate_username", format!("user {} already exists", user.username)))?;
    // The audit keeps who created whom with which roles, never the password hash.
    let change = Change {
        actor,
        action: "create",
        entity: "user",
        entity_id: &user.id,
        before: None,
        after: Some(audit::snapshot(&created)?),
        at,
    };
    audit::append(db, &mut tx, change).await?;
    tx.commit().await?;
    Ok(created)
}

pub(crate) async fn find_with_hash(db: &Db, username: &str) -> Result<Option<(User, String)>> {
    let sql = format!("SELECT {COLUMNS} FROM users u WHERE u.username = $1");
    let row = sqlx::query(&sql)
        .bind(username)
        .fetch_optional(&db.reader)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub(crate) async fn list(db: &Db) -> Result<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users u ORDER BY u.username");
    let rows = sqlx::query(&sql).fetch_all(&db.reader).await?;
    rows.iter().map(|r| from_row(r).map(|(u, _)| u)).collect()
}

pub(crate) async fn create_session(db: &Db, session: &Session) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(&session.token_hash)
        .bind(&session.user_id)
        .bind(rfc3339(session.created_at))
        .bind(rfc3339(session.expires_at))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn session_user(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<User>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2"
    );
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .bind(rfc3339(now))
        .fetch_optional(&db.reader)
        .await?;
    Ok(row.map(|r| from_row(&r)).transpose()?.map(|(u, _)| u))
}

pub(crate) async fn delete_session(db: &Db, token_hash: &str) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
