//! Sign up, sign in (rate-limited), sign out, delete the account.

use super::secrets::{check_password, verify_secret};
use super::{bearer_token, check_id, check_text, now_ms, small_json, Authed};
use super::{ApiError, ApiResult, AppState, ClientAddr};
use crate::credentials::{
    code_hash, decoy_hash, hash_password, new_sign_up_code, new_token, normalised_email,
    sign_up_code_hash, token_hash, verify_password,
};
use crate::mail::{Mail, CODE_LIFETIME_MS};
use crate::rate_limit::{
    address_key, mail_key, sign_in_key, sign_up_code_key, sign_up_key, CODE_TRIES, MAILS_PER_EMAIL,
    SIGN_IN_PER_ACCOUNT,
};
use crate::storage::{Account, KeysUpdate, NewToken, Proof, SignUpCode, Swap};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use pph_protocol::kdf::{Kdf, SALT_BYTES};
use pph_protocol::wire::{
    AccountDeleted, DeleteAccountRequest, DeviceName, DevicesResponse, ErrorCode, KdfRequest,
    KdfResponse, RefreshSessionRequest, SessionResponse, SignInRequest, SignUpCodeRequest,
    SignUpCodeResponse, SignUpRequest,
};
use std::sync::Arc;

const MAX_EMAIL: usize = 254;
const MAX_NAME: usize = 100;

fn normalise_email(email: &str) -> ApiResult<String> {
    check_text("email", &email.trim().to_lowercase(), MAX_EMAIL)?;
    normalised_email(email).ok_or_else(|| ApiError::invalid("email is not an email address"))
}

/// The email of a new account: normalised, and a plain address
/// (`credentials::plain_address`). Accounts made before keep signing in
/// with whatever `normalise_email` took.
fn new_account_email(email: &str) -> ApiResult<String> {
    let email = normalise_email(email)?;
    match crate::credentials::plain_address(&email) {
        true => Ok(email),
        false => Err(ApiError::invalid(
            "email must be a plain address (name@example.org, in ASCII letters)",
        )),
    }
}

/// `POST /v1/sessions/kdf`: how the email's password is stretched, asked
/// before signing in. An email with no account gets this relay's stretch
/// with a salt keyed from the email by the relay's secret: the same every
/// time, as an account's is, so the answer does not say whether it has one.
pub async fn kdf(State(state): State<Arc<AppState>>, body: Body) -> ApiResult<Json<KdfResponse>> {
    let req: KdfRequest = small_json(body).await?;
    let email = normalise_email(&req.email)?;
    let kdf = match state.storage.account_by_email(&email).await? {
        Some(account) => account.kdf,
        None => {
            let keyed = hex::decode(code_hash(&state.config.secret, &format!("kdf\0{email}")))
                .unwrap_or_default();
            let mut salt = [0u8; SALT_BYTES];
            salt.iter_mut().zip(keyed).for_each(|(s, k)| *s = k);
            Some(state.config.stretch.with_salt(&salt))
        }
    };
    Ok(Json(KdfResponse {
        kdf,
        asks: state.config.stretch,
    }))
}

/// A new session's first token for `account`, once `proof` (the secret
/// signed in with, as the hash it matched; None at sign-up) still holds:
/// 401 if a password change took it away meanwhile.
async fn open_session(
    state: &AppState,
    account: &Account,
    device: DeviceName,
    proof: Option<Proof>,
    restretch: Option<Kdf>,
) -> ApiResult<SessionResponse> {
    let token = new_token();
    let opened = state
        .storage
        .add_token(&NewToken {
            token_hash: token_hash(&token),
            account_id: account.id.clone(),
            device,
            session_id: hex::encode(rand::random::<[u8; 16]>()),
            now_ms: now_ms(),
            recovery_only: matches!(proof, Some(Proof::RecoveryCode(_))),
            proof,
        })
        .await?;
    if !opened {
        return Err(ApiError::unauthorized());
    }
    let keys = state
        .storage
        .account_keys(&account.id)
        .await?
        .map(|(k, _)| k);
    Ok(SessionResponse {
        token,
        account_id: account.id.clone(),
        role: account.role,
        display_name: account.display_name.clone(),
        personal_space: account.personal_space.clone(),
        keys,
        restretch,
    })
}

/// `POST /v1/accounts/code`: mails a sign-up code to the email, or to an
/// email with an account a note saying so and no code (docs/adr/0025). The
/// answer, and the work before it, are the same either way: a row is kept
/// for both (the note's under a hash no code matches) and one mail goes
/// out (`mail::Outbox::send`). The code is the asking store's alone (its
/// personal space). Limited per client address and per email.
pub async fn ask_sign_up_code(
    State(state): State<Arc<AppState>>,
    ClientAddr(addr): ClientAddr,
    body: Body,
) -> ApiResult<(StatusCode, Json<SignUpCodeResponse>)> {
    let req: SignUpCodeRequest = small_json(body).await?;
    let email = new_account_email(&req.email)?;
    check_id("personal_space", &req.personal_space)?;
    state
        .take_attempt(&sign_up_code_key(addr), state.config.sign_ups)
        .await?;
    state
        .take_attempt(&mail_key(&email), MAILS_PER_EMAIL)
        .await?;
    let code = new_sign_up_code();
    let has_account = state.storage.account_by_email(&email).await?.is_some();
    let hashed = match has_account {
        false => code.clone(),
        true => hex::encode(rand::random::<[u8; 32]>()),
    };
    state
        .storage
        .put_sign_up_code(&SignUpCode {
            code_hash: sign_up_code_hash(&state.config.secret, &email, &hashed),
            email: email.clone(),
            personal_space: req.personal_space,
            expires_ms: now_ms() + CODE_LIFETIME_MS,
            tries: CODE_TRIES,
        })
        .await?;
    let mail = match has_account {
        false => Mail::sign_up_code(&email, &code),
        true => Mail::has_account(&email),
    };
    state.config.mail.send(mail).await;
    Ok((
        StatusCode::ACCEPTED,
        Json(SignUpCodeResponse {
            expires_in_s: (CODE_LIFETIME_MS / 1000) as u64,
        }),
    ))
}

/// A wrong, spent or expired code, and an email with an account (which
/// never has a code), are refused alike.
fn wrong_code() -> ApiError {
    ApiError::new(
        ErrorCode::WrongCode,
        "the code is wrong, used or expired: ask for a new one",
    )
}

/// `POST /v1/accounts`: makes the account whose email's mailed code the
/// request carries.
pub async fn sign_up(
    State(state): State<Arc<AppState>>,
    ClientAddr(addr): ClientAddr,
    body: Body,
) -> ApiResult<(StatusCode, Json<SessionResponse>)> {
    let req: SignUpRequest = small_json(body).await?;
    let email = new_account_email(&req.email)?;
    check_password(&req.password)?;
    let kdf = super::secrets::check_kdf(&state, "kdf", req.kdf)?;
    check_text("display_name", &req.display_name, MAX_NAME)?;
    check_text("device_name", &req.device_name, MAX_NAME)?;
    check_text("node", &req.node, MAX_NAME)?;
    check_id("personal_space", &req.personal_space)?;
    check_text("code", &req.code, MAX_NAME)?;
    // Counted once the request is well formed, taken or not.
    state
        .take_attempt(&sign_up_key(addr), state.config.sign_ups)
        .await?;
    if let Some(keys) = &req.keys {
        super::secrets::check_account_keys(keys)?;
        // Refused before the account is made, so a refusal leaves nothing
        // behind (the sixth attacker run); the unique index still decides
        // a race.
        if state.storage.key_held(&keys.public_key).await? {
            return Err(super::keys::key_taken(
                crate::storage::StorageError::Conflict,
            ));
        }
    }
    if let Some(recovery) = &req.recovery {
        check_password(recovery)?;
    }
    // A personal space taken would refuse the account after its code was
    // spent (the twenty-sixth attacker run): said first.
    if state.storage.space_taken(&req.personal_space).await? {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "personal_space is taken: if this store signed up already, sign in",
        ));
    }
    // Last, so that a request refused for anything else keeps its code.
    let code = pph_protocol::sign_up_code::normalised(&req.code).ok_or_else(wrong_code)?;
    let code_hash = sign_up_code_hash(&state.config.secret, &email, &code);
    if !state
        .storage
        .take_sign_up_code(&email, &req.personal_space, &code_hash, now_ms())
        .await?
    {
        return Err(wrong_code());
    }
    let password = req.password;
    let password_hash = state
        .hash(move || hash_password(&password))
        .await?
        .map_err(|_| ApiError::new(ErrorCode::Internal, "could not hash the password"))?;
    let account = Account {
        id: uuid::Uuid::now_v7().to_string(),
        email,
        display_name: req.display_name.trim().to_owned(),
        role: req.role,
        personal_space: req.personal_space,
        password_hash,
        created_ms: now_ms(),
        kdf: Some(kdf),
    };
    state
        .storage
        .create_account(&account)
        .await
        .map_err(|e| match e {
            crate::storage::StorageError::Conflict => ApiError::new(
                ErrorCode::Conflict,
                "an account with this email or personal space exists",
            ),
            other => other.into(),
        })?;
    if let Some(keys) = req.keys {
        let recovery_hash = super::secrets::hash_new(&state, req.recovery).await?;
        state
            .storage
            .set_account_keys(&KeysUpdate {
                account_id: account.id.clone(),
                keys,
                password: None,
                recovery_hash,
                only_if_none: true,
                signing_out_all_but: None,
                checked: None,
            })
            .await
            .map_err(super::keys::key_taken)?;
    }
    let device = DeviceName {
        node: req.node,
        name: req.device_name,
    };
    let session = open_session(&state, &account, device, None, None).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// Each attempt is counted before the password is checked, so attempts
/// made at once cannot slip past the limit; a successful one is given back.
pub async fn sign_in(
    State(state): State<Arc<AppState>>,
    ClientAddr(addr): ClientAddr,
    body: Body,
) -> ApiResult<Json<SessionResponse>> {
    let req: SignInRequest = small_json(body).await?;
    let email = normalise_email(&req.email)?;
    check_text("device_name", &req.device_name, MAX_NAME)?;
    check_text("node", &req.node, MAX_NAME)?;
    let (account_key, address_key) = (sign_in_key(&email, addr), address_key(addr));
    state
        .take_attempt(&account_key, SIGN_IN_PER_ACCOUNT)
        .await?;
    state
        .take_attempt(&address_key, state.config.sign_ins)
        .await?;
    let account = state.storage.account_by_email(&email).await?;
    // An unknown email (or an account without a recovery code) costs the
    // same work as a wrong password.
    let stored = match (&account, req.recovery) {
        (Some(a), false) => Some(a.password_hash.clone()),
        (Some(a), true) => state
            .storage
            .account_keys(&a.id)
            .await?
            .and_then(|(_, r)| r),
        (None, _) => None,
    };
    let password = req.password;
    let checked = stored.clone();
    let matches = state
        .hash(move || match &checked {
            Some(hash) => verify_password(&password, hash),
            None => verify_password(&password, decoy_hash()),
        })
        .await?;
    match (account, stored) {
        (Some(account), Some(hash)) if matches => {
            // Said only to someone who knows the password: a stranger
            // learns nothing of a lock.
            if state.storage.is_locked(&account.id).await? {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "this account is locked by the relay's operator: ask them to unlock it",
                ));
            }
            state.storage.clear_attempts(&account_key).await?;
            state.storage.refund_attempt(&address_key).await?;
            let device = DeviceName {
                node: req.node,
                name: req.device_name,
            };
            let target = state.config.stretch;
            let (proof, restretch) = if req.recovery {
                (Proof::RecoveryCode(hash), None)
            } else {
                let below = !account.kdf.as_ref().is_some_and(|k| k.meets(&target));
                let restretch = below.then(|| target.with_salt(&rand::random()));
                (Proof::Password(hash), restretch)
            };
            Ok(Json(
                open_session(&state, &account, device, Some(proof), restretch).await?,
            ))
        }
        _ => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "wrong email or password",
        )),
    }
}

pub async fn sign_out(
    State(state): State<Arc<AppState>>,
    _: Authed,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let token = bearer_token(&headers).ok_or_else(ApiError::unauthorized)?;
    // The whole session ends, not this token alone: a copy swapped from it
    // must not outlive the owner's sign-out (the twenty-second attacker run).
    state
        .storage
        .end_session_of(&token_hash(token), now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Swaps the bearer token for the one the device made (`sessions`): the
/// new one lives a lifetime from now, the old one answers for the grace.
/// Asked again with the same pair (a retry after a crash), the same
/// answer. 401 if the bearer token is not live.
pub async fn refresh(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<StatusCode> {
    let token = bearer_token(&headers).ok_or_else(ApiError::unauthorized)?;
    let req: RefreshSessionRequest = small_json(body).await?;
    if !pph_protocol::wire::is_token(&req.new_token) || req.new_token == token {
        return Err(ApiError::invalid(
            "new_token must be pph_ and 64 lower-case hex digits, not the current token",
        ));
    }
    let hash = token_hash(token);
    let now = now_ms();
    let swapped = state
        .storage
        .swap_token(&hash, &token_hash(&req.new_token), now)
        .await
        .map_err(|e| match e {
            crate::storage::StorageError::Conflict => {
                ApiError::new(ErrorCode::Conflict, "new_token is taken: make another")
            }
            other => other.into(),
        })?;
    match swapped {
        Swap::Swapped => Ok(StatusCode::NO_CONTENT),
        Swap::Copied => Err(ApiError::unauthorized()),
        // A replaced token swapped after its grace was copied too.
        Swap::Refused => Err(super::extract::refused(&state, &hash, now).await),
    }
}

/// The account's signed-in devices, newest seen first.
pub async fn devices(
    State(state): State<Arc<AppState>>,
    Authed(account): Authed,
    headers: HeaderMap,
) -> ApiResult<Json<DevicesResponse>> {
    let token = bearer_token(&headers).ok_or_else(ApiError::unauthorized)?;
    let rows = state
        .storage
        .device_tokens(&account.id, &token_hash(token), now_ms())
        .await?;
    Ok(Json(DevicesResponse {
        devices: crate::sessions::devices(&rows),
    }))
}

/// Signs one of the account's devices out (this one too, if it names
/// itself), by its session from the devices list: every token of it ends
/// at once. Its store keeps what it holds and what it has not sent; it
/// signs in again to go on. 404 if the account has no such session
/// signed in.
pub async fn sign_out_device(
    State(state): State<Arc<AppState>>,
    Authed(account): Authed,
    Path(session): Path<String>,
) -> ApiResult<StatusCode> {
    if !crate::sessions::is_session(&session) {
        return Err(ApiError::invalid(
            "session must be a session from the devices list",
        ));
    }
    let ended = state
        .storage
        .end_session(&account.id, &session, now_ms())
        .await?;
    if ended == 0 {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "no device of this account with that session is signed in: list the devices again",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes the signed-in account and everything of it on this relay
/// (`Storage::delete_account`), once its password is given again. A wrong
/// password counts as a failed sign-in and is `Forbidden`, not
/// `Unauthorized`: the device's session stays.
pub async fn delete_account(
    State(state): State<Arc<AppState>>,
    ClientAddr(addr): ClientAddr,
    Authed(account): Authed,
    body: Body,
) -> ApiResult<Json<AccountDeleted>> {
    let req: DeleteAccountRequest = small_json(body).await?;
    verify_secret(&state, &account, addr, req.password, "nothing was deleted").await?;
    let receipt = state
        .storage
        .delete_account(&account.id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Json(receipt))
}
