//! Devices (encrypted stores) and the people who use them: signed up or in
//! on a relay, syncing, in a group together.

use crate::relay::ServerProcess;
use pph_core::{AccountRole, Companion, CompanionConfig, Group, GroupInvite, NewGroup};
use std::path::Path;
use std::sync::Arc;

pub const PASSWORD: &str = "a long enough password";

/// A device's store, `{name}.db` in `dir`, on the system clock.
pub fn device(dir: &Path, name: &str) -> Arc<Companion> {
    Companion::open(CompanionConfig {
        db_path: dir
            .join(format!("{name}.db"))
            .to_string_lossy()
            .into_owned(),
        encryption_key: vec![0x5a; 32],
        device_name: name.into(),
    })
    .expect("open device store")
}

/// A new device whose person signs up as `{name}@example.org`, shown to
/// others as `display_name`.
pub async fn signed_up(
    url: &str,
    dir: &Path,
    name: &str,
    display_name: &str,
    role: AccountRole,
) -> Arc<Companion> {
    let phone = device(dir, name);
    let email = format!("{name}@example.org");
    crate::sign_up_with_mail(&phone, url, &email, PASSWORD, display_name, role)
        .await
        .expect("sign up");
    phone
}

/// A patient's new phone, signed up under their own name.
pub async fn patient(server: &ServerProcess, dir: &Path, name: &str) -> Arc<Companion> {
    signed_up(&server.url, dir, name, name, AccountRole::Patient).await
}

/// Another device of an existing account, signed in.
pub async fn signed_in(url: &str, dir: &Path, device_name: &str, email: &str) -> Arc<Companion> {
    let other = device(dir, device_name);
    other
        .account()
        .sign_in(url.into(), email.into(), PASSWORD.into())
        .await
        .expect("sign in");
    other
}

/// The account a device is signed in as.
pub fn account_id(device: &Companion) -> String {
    device
        .sync()
        .status()
        .expect("status")
        .account
        .expect("signed in")
        .account_id
}

/// The rules broken by the changes a device set aside, sorted.
pub fn set_aside_rules(device: &Companion) -> Vec<String> {
    let mut rules: Vec<String> = device
        .sync()
        .set_aside_changes()
        .expect("set aside")
        .into_iter()
        .map(|c| c.rule)
        .collect();
    rules.sort();
    rules
}

/// Every device syncs once, in order.
pub async fn sync_all<D: AsRef<Companion>>(devices: &[D]) {
    for d in devices {
        d.as_ref().sync().sync_now().await.expect("sync");
    }
}

/// A group `facilitator` starts and everyone in `joiners` joins with a
/// day-long code.
pub async fn group_of(
    facilitator: &Companion,
    joiners: &[&Arc<Companion>],
    name: &str,
) -> (Group, GroupInvite) {
    let group = facilitator
        .groups()
        .create_group(NewGroup {
            name: name.into(),
            purpose: "Walk and talk".into(),
            condition_focus: None,
        })
        .await
        .expect("group");
    let invite = facilitator
        .groups()
        .invite_code(group.id.clone(), crate::in_ms(86_400_000))
        .await
        .expect("invite");
    for joiner in joiners {
        joiner
            .groups()
            .join_group(invite.code.clone())
            .await
            .expect("join");
    }
    (group, invite)
}
