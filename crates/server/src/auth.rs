//! Who is calling: passwords (argon2), session tokens (cookie or bearer), HTTP Basic for
//! machines, resolved once per request into a [`Principal`].

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::Json;
use base64::Engine;
use chrono::{Duration, Utc};
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use yingji_domain::Principal;
use yingji_store::{Session, User};

pub const SESSION_COOKIE: &str = "yingji_session";
/// A duty shift is 12 hours; a session outlives one shift with margin.
const SESSION_HOURS: i64 = 16;

pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The caller of a request; anonymous when no credentials were sent. Invalid or expired
/// credentials are refused outright rather than silently downgraded to anonymous.
pub struct Caller(pub Principal);

/// Works in any router whose state can give the [`AppState`], so capability crates with
/// states of their own resolve callers the same way.
impl<S> FromRequestParts<S> for Caller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(Caller(principal.clone()));
        }
        let state = AppState::from_ref(state);
        let principal = resolve(&parts.headers, &state).await?;
        parts.extensions.insert(principal.clone());
        Ok(Caller(principal))
    }
}

async fn resolve(headers: &HeaderMap, state: &AppState) -> ApiResult<Principal> {
    let authorization = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    if let Some(token) = authorization.and_then(|a| a.strip_prefix("Bearer ")) {
        return session_principal(state, token.trim()).await;
    }
    if let Some(basic) = authorization.and_then(|a| a.strip_prefix("Basic ")) {
        return basic_principal(state, basic.trim()).await;
    }
    match session_cookie(headers) {
        Some(token) => session_principal(state, &token).await,
        None => Ok(Principal::anonymous()),
    }
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}

async fn session_principal(state: &AppState, token: &str) -> ApiResult<Principal> {
    let hash = token_hash(token);
    if let Some(principal) = state.sessions.get(&hash) {
        return Ok(principal);
    }
    match state.store.session_user(&hash, Utc::now()).await? {
        Some(user) => {
            let principal = user.principal();
            state.sessions.insert(hash, principal.clone());
            Ok(principal)
        }
        None => Err(ApiError::new(
            "unauthenticated",
            "the session is unknown or has expired; sign in again",
        )),
    }
}

async fn basic_principal(state: &AppState, encoded: &str) -> ApiResult<Principal> {
    let bad = || ApiError::new("unauthenticated", "malformed Basic credentials");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (username, password) = text.split_once(':').ok_or_else(bad)?;
    check_password(state, username, password)
        .await
        .map(|u| u.principal())
}

async fn check_password(state: &AppState, username: &str, password: &str) -> ApiResult<User> {
    let found = state.store.find_user(username).await?;
    // Verify against a dummy hash when the user is unknown, so timing does not reveal usernames.
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, state.dummy_hash.clone()),
    };
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|_| ApiError::internal())?;
    match (user, ok) {
        (Some(user), true) => Ok(user),
        _ => Err(ApiError::new(
            "bad_credentials",
            "wrong username or password",
        )),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Signs in: sets an HttpOnly, SameSite=Strict session cookie for browsers and returns the
/// same token for machines to send as `Authorization: Bearer`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "Signed in"), (status = 401, description = "bad_credentials")))]
pub async fn login(
    State(state): State<AppState>,
    body: crate::json::ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let request = body.0;
    let user = check_password(&state, &request.username, &request.password).await?;
    let token = new_token();
    let now = Utc::now();
    let session = Session {
        token_hash: token_hash(&token),
        user_id: user.id.clone(),
        created_at: now,
        expires_at: now + Duration::hours(SESSION_HOURS),
    };
    state.store.create_session(&session).await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        SESSION_HOURS * 3600
    );
    Ok((
        [(SET_COOKIE, cookie)],
        Json(json!({"token": token, "user": user})),
    ))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 200, description = "Signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.strip_prefix("Bearer "));
    if let Some(token) = bearer
        .map(str::to_string)
        .or_else(|| session_cookie(&headers))
    {
        let hash = token_hash(token.trim());
        state.store.delete_session(&hash).await?;
        state.sessions.forget(&hash);
    }
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok(([(SET_COOKIE, expired)], Json(json!({"signed_out": true}))))
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, description = "The caller")))]
pub async fn me(Caller(principal): Caller) -> Json<Principal> {
    Json(principal)
}

/// Refuses anonymous callers; use in handlers that need an account.
pub fn require_signed_in(principal: &Principal) -> ApiResult<()> {
    if principal.is_anonymous() {
        Err(ApiError::new("unauthenticated", "sign in first"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
