//! Accounts and sync: sign up or in to a relay, sync now, and see how
//! things stand. Passwords come from PPH_PASSWORD or --password-stdin,
//! never from the command line (where other users of the machine can see
//! it).

use crate::ctx::Ctx;
use crate::fail::{Fail, Result};
use crate::parse;
use crate::render::sync::{CodeSent, Devices, IdentityWarnings, RecoveryCode, SetAside, SignedUp};
use clap::{Args, Subcommand};
use pph_core::*;
use std::io::BufRead;
use zeroize::Zeroizing;

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Make an account on a relay; this store becomes the account's. First
    /// without --code: the relay mails a code to the email; then again with
    /// --code and the password.
    Signup(SignUp),
    /// Sign this device in to an account.
    Signin(SignIn),
    /// Forget this device's session (your records stay).
    Signout,
    /// Send what is waiting and fetch what is new.
    Now,
    /// Signed in or not, what is waiting, how the last attempt went.
    Status,
    /// Changes from others this device refused to apply, and why.
    SetAside,
    /// Delete your account on the relay for good (says what that does
    /// first; needs --yes and the password). Your group messages go for
    /// everyone; this device's records stay until `pph erase`.
    DeleteAccount(DeleteAccount),
    /// The devices signed in to your account (this one marked), newest
    /// seen first, each with the session `sign-out-device` takes.
    Devices,
    /// Sign a device out (a lost or stolen phone) by its session from
    /// `devices`: it is signed out at once. What it holds stays on it.
    SignOutDevice { session: String },
    /// Change the password (PPH_PASSWORD now, PPH_NEW_PASSWORD next; or two
    /// lines on standard input): every device keeps reading everything,
    /// and every other device signs in again with the new password.
    Password(Password),
    /// Make a new recovery code (the old one stops working) and show it
    /// once; needs the password.
    RecoveryCode(Password),
    /// Forgot the password: sign this device in with the recovery code
    /// (PPH_RECOVERY_CODE) and set a new password (PPH_NEW_PASSWORD; or two
    /// lines on standard input, the code first). The code works once: the
    /// new one is shown; every other device signs in again.
    Recover(SignIn),
    /// The safety number to compare with someone (a share's clinician, a
    /// patient sharing with you, a group member) on their own phone.
    SafetyNumber { account: String },
    /// The numbers matched in person: mark the account verified (give the
    /// digits shown, in quotes).
    Verify { account: String, digits: String },
    /// Accounts whose identity changed: nothing is shared with them until
    /// you compare safety numbers again and accept the change.
    Identities,
    /// Accept an account's new identity, once its new safety number matched.
    AcceptIdentity { account: String },
}

#[derive(Args, Default)]
pub struct DeleteAccount {
    /// Delete it: without this, only what deleting would do is shown.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub password: Password,
}

#[derive(Args, Default)]
pub struct Password {
    /// Read the password from the first line of standard input (otherwise
    /// PPH_PASSWORD is read).
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Args, Default)]
pub struct SignUp {
    /// The relay, e.g. https://relay.example.org
    #[arg(long)]
    pub server: String,
    #[arg(long)]
    pub email: String,
    /// The name others in your groups see.
    #[arg(long)]
    pub name: String,
    /// patient or clinician
    #[arg(long, default_value = "patient")]
    pub role: String,
    /// The code the relay mailed (ABCD-EFGH); without it, a code is asked
    /// for.
    #[arg(long)]
    pub code: Option<String>,
    #[command(flatten)]
    pub password: Password,
}

#[derive(Args, Default)]
pub struct SignIn {
    #[arg(long)]
    pub server: String,
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub password: Password,
}

impl Password {
    pub(crate) fn read(&self) -> Result<Zeroizing<String>> {
        self.secret("PPH_PASSWORD", "password")
    }

    /// The next line of standard input with --password-stdin, else the
    /// variable `var`.
    fn secret(&self, var: &str, what: &str) -> Result<Zeroizing<String>> {
        if self.password_stdin {
            let mut line = Zeroizing::new(String::new());
            std::io::stdin().lock().read_line(&mut line).map_err(|_| {
                Fail::refused(format!("cannot read the {what} from standard input"))
            })?;
            return Ok(Zeroizing::new(
                line.trim_end_matches(['\r', '\n']).to_owned(),
            ));
        }
        std::env::var(var)
            .map(Zeroizing::new)
            .map_err(|_| Fail::refused(format!("no {what}: set {var} or pass --password-stdin")))
    }
}

/// Asks the relay to mail a sign-up code to `email`; the seconds it works.
pub fn ask_code(ctx: &Ctx, server: &str, email: &str) -> Result<u64> {
    Ok(ctx.block_on(
        ctx.companion
            .account()
            .ask_sign_up_code(server.to_owned(), email.to_owned()),
    )?)
}

/// Signs up with the mailed code in `a.code` (none: refused as a wrong
/// code, by the device, before anything is sent).
pub fn sign_up(ctx: &Ctx, a: SignUp, password: &str) -> Result<AccountInfo> {
    let role: AccountRole = parse::enum_value("--role", &a.role)?;
    Ok(ctx.block_on(ctx.companion.account().sign_up(
        a.server,
        a.email,
        a.code.unwrap_or_default(),
        password.to_owned(),
        a.name,
        role,
    ))?)
}

pub fn sign_in(ctx: &Ctx, a: SignIn, password: &str) -> Result<AccountInfo> {
    Ok(ctx.block_on(
        ctx.companion
            .account()
            .sign_in(a.server, a.email, password.to_owned()),
    )?)
}

pub fn now(ctx: &Ctx) -> Result<SyncReport> {
    Ok(ctx.block_on(ctx.companion.sync().sync_now())?)
}

pub fn status(ctx: &Ctx) -> Result<SyncStatus> {
    Ok(ctx.companion.sync().status()?)
}

/// What deleting the account will do, to read before confirming.
pub fn deletion_warning(ctx: &Ctx) -> Result<Vec<String>> {
    Ok(ctx.companion.account().account_deletion_warning()?)
}

pub fn delete_account(ctx: &Ctx, password: &str) -> Result<AccountDeletionReceipt> {
    Ok(ctx.block_on(ctx.companion.account().delete_account(password.to_owned()))?)
}

pub fn safety_number(ctx: &Ctx, account: String) -> Result<SafetyNumber> {
    Ok(ctx.companion.account().safety_number(account)?)
}

pub fn verify(ctx: &Ctx, account: String, digits: String) -> Result<()> {
    Ok(ctx.companion.account().mark_verified(account, digits)?)
}

pub fn run(ctx: &Ctx, command: SyncCommand) -> Result<()> {
    let account = || ctx.companion.account();
    match command {
        SyncCommand::SafetyNumber { account: who } => ctx.out.show(&safety_number(ctx, who)?),
        SyncCommand::Verify {
            account: who,
            digits,
        } => {
            verify(ctx, who, digits)?;
            ctx.out.done("verified: the numbers matched in person");
        }
        SyncCommand::Identities => ctx
            .out
            .show(&IdentityWarnings(account().identity_warnings()?)),
        SyncCommand::AcceptIdentity { account: who } => {
            account().accept_identity_change(who)?;
            ctx.out
                .done("accepted: keys go to and come from the new identity from the next sync");
        }
        SyncCommand::Signup(a) if a.code.is_none() => {
            let expires_in_s = ask_code(ctx, &a.server, &a.email)?;
            ctx.out.show(&CodeSent {
                email: a.email,
                expires_in_s,
            });
        }
        SyncCommand::Signup(a) => {
            let password = a.password.read()?;
            let account = sign_up(ctx, a, &password)?;
            let recovery_code = ctx.companion.account().take_recovery_code()?;
            ctx.out.show(&SignedUp {
                account,
                recovery_code,
            });
        }
        SyncCommand::Signin(a) => {
            let password = a.password.read()?;
            ctx.out.show(&sign_in(ctx, a, &password)?);
        }
        SyncCommand::Signout => {
            ctx.block_on(ctx.companion.account().sign_out())?;
            ctx.out.done("signed out; your records stay on this device");
        }
        SyncCommand::Now => ctx.out.show(&now(ctx)?),
        SyncCommand::Status => ctx.out.show(&status(ctx)?),
        SyncCommand::SetAside => ctx
            .out
            .show(&SetAside(ctx.companion.sync().set_aside_changes()?)),
        SyncCommand::DeleteAccount(a) => {
            let warning = deletion_warning(ctx)?;
            if !a.yes {
                return Err(Fail::refused(format!(
                    "{} Nothing was deleted: run again with --yes to delete the account.",
                    warning.join(" ")
                )));
            }
            let password = a.password.read()?;
            ctx.out.show(&delete_account(ctx, &password)?);
        }
        SyncCommand::Password(p) => {
            let current = p.read()?;
            let new = p.secret("PPH_NEW_PASSWORD", "new password")?;
            ctx.block_on(
                ctx.companion
                    .account()
                    .change_password(current.to_string(), new.to_string()),
            )?;
            // A new password replaces the recovery code: show the new one.
            let recovery_code = ctx
                .companion
                .account()
                .take_recovery_code()?
                .unwrap_or_default();
            ctx.out.said(
                &format!(
                    "password changed; every device keeps reading everything, and the \
                     others sign in again with the new password. The recovery code is \
                     replaced (the old one no longer works); write this one down or \
                     print it: {recovery_code}"
                ),
                &RecoveryCode { recovery_code },
            );
        }
        SyncCommand::RecoveryCode(p) => {
            let password = p.read()?;
            let recovery_code = ctx.block_on(
                ctx.companion
                    .account()
                    .new_recovery_code(password.to_string()),
            )?;
            ctx.out.show(&RecoveryCode { recovery_code });
        }
        SyncCommand::Recover(a) => {
            let code = a.password.secret("PPH_RECOVERY_CODE", "recovery code")?;
            let new = a.password.secret("PPH_NEW_PASSWORD", "new password")?;
            let account = ctx.block_on(ctx.companion.account().sign_in_with_recovery_code(
                a.server,
                a.email,
                code.to_string(),
                new.to_string(),
            ))?;
            let recovery_code = ctx.companion.account().take_recovery_code()?;
            ctx.out.show(&SignedUp {
                account,
                recovery_code,
            });
        }
        SyncCommand::Devices => ctx
            .out
            .show(&Devices(ctx.block_on(ctx.companion.account().devices())?)),
        SyncCommand::SignOutDevice { session } => {
            ctx.block_on(ctx.companion.account().sign_out_device(session))?;
            ctx.out
                .done("signed out; it signs in again with the password to go on");
        }
    }
    Ok(())
}
