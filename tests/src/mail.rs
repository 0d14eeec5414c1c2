//! Sign-up codes as a person gets them: asked of the relay, read from the
//! mail it wrote. Each relay a test starts (`ServerProcess`, `embedded`)
//! writes its mail into a Maildir, known here by the relay's address.

use pph_core::{AccountInfo, AccountRole, Companion};
use pph_server::mail::read_maildir;
use pph_server::{Backend, EmbeddedServer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

static MAILDIRS: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());

/// The known relays by address. A test that failed while holding the lock
/// leaves the map whole, so the others go on.
fn maildirs() -> std::sync::MutexGuard<'static, BTreeMap<String, PathBuf>> {
    MAILDIRS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Says where the relay at `url` writes its mail.
pub fn register_maildir(url: &str, dir: &Path) {
    maildirs().insert(url.to_owned(), dir.to_owned());
}

/// The Maildir of the relay at `url` (reached as `localhost` or 127.0.0.1).
pub fn maildir_of(url: &str) -> PathBuf {
    let found = {
        let known = maildirs();
        known
            .get(url)
            .or_else(|| known.get(&url.replace("//localhost:", "//127.0.0.1:")))
            .cloned()
    };
    found.unwrap_or_else(|| panic!("no Maildir is known for {url}: start it through pph_testing"))
}

/// An embedded relay on SQLite in `dir`, its mail in `dir/relay-mail`.
pub fn embedded(dir: &Path) -> EmbeddedServer {
    embedded_on(Backend::Sqlite(dir.join("server.db")), dir)
}

/// An embedded relay on `backend`, its mail in `dir/relay-mail`.
pub fn embedded_on(backend: Backend, dir: &Path) -> EmbeddedServer {
    let server = EmbeddedServer::start(backend, &dir.join("relay-mail")).expect("server");
    register_maildir(&server.url, &server.mail_dir);
    server
}

/// Asks the relay at `url` for a sign-up code for `email` over raw HTTP,
/// as the device that will sign up with the personal space `space`, and
/// reads it in the mail; None when the mail carried none.
pub async fn raw_sign_up_code(url: &str, email: &str, space: &str) -> Option<String> {
    raw_sign_up_code_from(url, email, space, [127, 0, 0, 1]).await
}

/// `raw_sign_up_code`, asked from another loopback address (codes asked
/// for are limited per address).
pub async fn raw_sign_up_code_from(
    url: &str,
    email: &str,
    space: &str,
    from: [u8; 4],
) -> Option<String> {
    let asked = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(from))
        .build()
        .expect("client")
        .post(format!("{url}/v1/accounts/code"))
        .json(&serde_json::json!({ "email": email, "personal_space": space }))
        .send()
        .await
        .expect("ask for a code");
    assert_eq!(asked.status(), 202, "a code is asked for");
    last_code(url, email)
}

/// Every mail the relay at `url` wrote to `email`, oldest first.
pub fn mail_to(url: &str, email: &str) -> Vec<pph_server::mail::Mail> {
    let email = email.trim().to_lowercase();
    read_maildir(&maildir_of(url))
        .expect("read the relay's mail")
        .into_iter()
        .filter(|m| m.to == email)
        .collect()
}

/// The code in the last mail the relay at `url` wrote to `email`; None
/// when that mail carries none (the note to an email with an account).
pub fn last_code(url: &str, email: &str) -> Option<String> {
    mail_to(url, email).last().and_then(|m| m.code())
}

/// Signs `phone` up as its person does: asks for a code, reads it in the
/// mail, and signs up with it.
pub async fn sign_up_with_mail(
    phone: &Companion,
    url: &str,
    email: &str,
    password: &str,
    display_name: &str,
    role: AccountRole,
) -> Result<AccountInfo, pph_core::PphError> {
    let account = phone.account();
    account.ask_sign_up_code(url.into(), email.into()).await?;
    let code = last_code(url, email).unwrap_or_default();
    account
        .sign_up(
            url.into(),
            email.into(),
            code,
            password.into(),
            display_name.into(),
            role,
        )
        .await
}
