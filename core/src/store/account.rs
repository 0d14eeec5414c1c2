//! The account this store belongs to, once it has signed in: who it is (for
//! the records it writes and the rules it is judged by), on which server,
//! and the device's token while the server accepts it.

use super::Store;
use crate::error::{PphError, Result};
use pph_protocol::codes;
use pph_protocol::wire::Role;
use rusqlite::OptionalExtension;
use serde::Serialize;

#[derive(Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct AccountInfo {
    pub account_id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub personal_space: String,
    pub server_url: String,
}

/// The account a store is signed in to (the token only while valid).
#[derive(Clone)]
pub(crate) struct Session {
    pub info: AccountInfo,
    pub token: Option<String>,
}

/// A signed-in device's token and where its swap stands
/// (`Store::token_swap`).
pub(crate) struct TokenSwap {
    pub token: String,
    pub since_ms: i64,
    pub next: Option<String>,
}

impl Store {
    pub(crate) fn session(&self) -> Result<Option<Session>> {
        let personal_space = self.personal_space();
        self.read(|conn| {
            let row = conn
                .query_row(
                    "SELECT server_url, token, account_id, email, display_name, role FROM sync_account",
                    [],
                    |r| {
                        Ok((
                            AccountInfo {
                                server_url: r.get(0)?,
                                account_id: r.get(2)?,
                                email: r.get(3)?,
                                display_name: r.get(4)?,
                                role: Role::Patient,
                                personal_space: personal_space.clone(),
                            },
                            r.get::<_, Option<String>>(1)?,
                            r.get::<_, String>(5)?,
                        ))
                    },
                )
                .optional()?;
            row.map(|(info, token, role)| {
                let role = codes::parse(&role).ok_or_else(|| PphError::Storage {
                    reason: "unreadable account role".into(),
                })?;
                Ok(Session {
                    info: AccountInfo { role, ..info },
                    token,
                })
            })
            .transpose()
        })
    }

    /// The session and its token, or `Unauthorized` when signed out.
    pub(crate) fn signed_in(&self) -> std::result::Result<(Session, String), PphError> {
        let session = self.session()?.ok_or(PphError::Unauthorized)?;
        let token = session.token.clone().ok_or(PphError::Unauthorized)?;
        Ok((session, token))
    }

    /// Who writes from this store (offline too); `Unauthorized` before it
    /// has signed in.
    pub(crate) fn me(&self) -> std::result::Result<AccountInfo, PphError> {
        Ok(self.session()?.ok_or(PphError::Unauthorized)?.info)
    }

    /// Records a new session. A store signed in to one account cannot be
    /// signed in to another: its records belong to the first.
    pub(crate) fn save_session(&self, info: &AccountInfo, token: &str) -> Result<()> {
        if let Some(existing) = self.session()? {
            if existing.info.account_id != info.account_id {
                return Err(PphError::Conflict {
                    reason: "this store belongs to another account".into(),
                }
                .into());
            }
        }
        self.adopt_personal_space(&info.personal_space)?;
        self.write(|tx| {
            tx.tx.execute(
                "INSERT INTO sync_account
                   (id, server_url, token, account_id, email, display_name, role,
                    token_since_ms, next_token)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)
                 ON CONFLICT (id) DO UPDATE SET server_url = excluded.server_url,
                   token = excluded.token, email = excluded.email,
                   display_name = excluded.display_name, role = excluded.role,
                   token_since_ms = excluded.token_since_ms, next_token = NULL",
                (
                    &info.server_url,
                    token,
                    &info.account_id,
                    &info.email,
                    &info.display_name,
                    codes::code(&info.role),
                    tx.now_ms() as i64,
                ),
            )?;
            Ok(())
        })
    }

    /// Forgets the token (sign-out, or the server refused it); the account
    /// and its records stay.
    pub(crate) fn clear_token(&self) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute(
                "UPDATE sync_account SET token = NULL, next_token = NULL",
                [],
            )?;
            Ok(())
        })
    }

    /// The token's swap as it stands: when the token was made (0: before
    /// this was kept) and the token it is being swapped for, if a swap
    /// was begun and not seen to finish. None when signed out.
    pub(crate) fn token_swap(&self) -> Result<Option<TokenSwap>> {
        self.read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT token, token_since_ms, next_token FROM sync_account
                     WHERE token IS NOT NULL",
                    [],
                    |r| {
                        Ok(TokenSwap {
                            token: r.get(0)?,
                            since_ms: r.get::<_, Option<i64>>(1)?.unwrap_or(0),
                            next: r.get(2)?,
                        })
                    },
                )
                .optional()?)
        })
    }

    /// Keeps `next` as the token being swapped for, before the relay is
    /// asked.
    pub(crate) fn begin_token_swap(&self, next: &str) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute(
                "UPDATE sync_account SET next_token = ?1 WHERE token IS NOT NULL",
                [next],
            )?;
            Ok(())
        })
    }

    /// The relay took the swap: `next` is the token from now on, made now;
    /// or (`took` false) it refused it for a reason a new token would not
    /// change, and the swap is forgotten.
    pub(crate) fn end_token_swap(&self, next: &str, took: bool) -> Result<()> {
        self.write(|tx| {
            if took {
                tx.tx.execute(
                    "UPDATE sync_account SET token = ?1, token_since_ms = ?2, next_token = NULL
                     WHERE next_token = ?1",
                    (next, tx.now_ms() as i64),
                )?;
            } else {
                tx.tx.execute(
                    "UPDATE sync_account SET next_token = NULL WHERE next_token = ?1",
                    [next],
                )?;
            }
            Ok(())
        })
    }
}

pph_protocol::debug_without_secrets!(AccountInfo, Session,);
