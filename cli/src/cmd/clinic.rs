//! `pph clinic`: the clinician's consultation view in their own browser.
//! Signs in (or uses the stored session), syncs, then serves the pages on
//! 127.0.0.1 behind a random per-launch token until stopped. Offline, it
//! serves what was synced last.

use super::sync::{sign_in, Password, SignIn};
use crate::ctx::Ctx;
use crate::fail::{Fail, Result, Status};
use crate::web;
use clap::Args;
use pph_core::AccountRole;
use serde_json::json;
use std::io::Write;

#[derive(Args, Default)]
pub struct ClinicArgs {
    /// The port on 127.0.0.1 (0: any free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Only print the address; do not open a browser.
    #[arg(long)]
    pub no_open: bool,
    /// Sign in to this relay first (otherwise the stored session is used).
    #[arg(long, requires = "email")]
    pub server: Option<String>,
    #[arg(long, requires = "server")]
    pub email: Option<String>,
    #[command(flatten)]
    pub password: Password,
}

/// A running clinic view: its address (with the token) and the server.
pub struct Clinic {
    pub url: String,
    pub serving: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Binds 127.0.0.1:`port` and starts serving on the context's runtime.
pub fn start(ctx: &Ctx, port: u16) -> Result<Clinic> {
    let listener = ctx
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))
        .map_err(|e| {
            Fail::new(
                Status::Failure,
                format!("cannot listen on 127.0.0.1:{port}: {}", e.kind()),
            )
        })?;
    let port = listener
        .local_addr()
        .map_err(|e| Fail::new(Status::Failure, format!("no address: {}", e.kind())))?
        .port();
    let token = web::new_token();
    let app = web::router(ctx.companion.clone(), &token, port);
    let serving = ctx.spawn(web::serve(listener, app));
    Ok(Clinic {
        url: format!("http://127.0.0.1:{port}/{token}/"),
        serving,
    })
}

/// A page of a running clinic view, as a browser would fetch it.
pub fn fetch(ctx: &Ctx, url: &str) -> Result<String> {
    let unreachable = |e: reqwest::Error| {
        Fail::new(
            Status::Failure,
            format!("the clinic view did not answer: {}", e.without_url()),
        )
    };
    ctx.block_on(async {
        reqwest::get(url)
            .await
            .map_err(unreachable)?
            .text()
            .await
            .map_err(unreachable)
    })
}

/// Opens the address in the default browser without putting the token on
/// a command line other users can read: through a redirecting page only
/// this user can read (as Jupyter does).
fn open_in_browser(url: &str) -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("clinic.html");
    let mut f = std::fs::File::create(&file)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    write!(
        f,
        "<!DOCTYPE html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url={url}\">\
         <title>Opening the clinic view</title><a href=\"{url}\">Open the clinic view</a>"
    )?;
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    Ok(dir)
}

pub fn run(ctx: &Ctx, a: ClinicArgs) -> Result<()> {
    if let (Some(server), Some(email)) = (a.server, a.email) {
        let password = a.password.read()?;
        sign_in(
            ctx,
            SignIn {
                server,
                email,
                password: Password::default(),
            },
            &password,
        )?;
    }
    let account = ctx.companion.sync().status()?.account.ok_or_else(|| {
        Fail::new(
            Status::NotAllowed,
            "not signed in: pass --server and --email (password from PPH_PASSWORD), \
             or sign in first with `pph sync signin`",
        )
    })?;
    if account.role != AccountRole::Clinician {
        return Err(Fail::new(
            Status::NotAllowed,
            "this account is not a clinician's: the clinic view shows records patients share with a clinician",
        ));
    }
    // As a phone's shell does on start: the device's zone, which the
    // pages show every time and today's date in.
    if let Some(zone) = jiff::tz::TimeZone::system().iana_name() {
        ctx.companion.today().set_time_zone(zone.to_owned())?;
    }
    if let Err(e) = ctx.block_on(ctx.companion.sync().sync_now()) {
        let f = Fail::from(e);
        ctx.out.fail(&Fail::new(
            f.status,
            format!("{} Showing what was synced last.", f.message),
        ));
    }
    let clinic = start(ctx, a.port)?;
    ctx.out.said(
        &format!(
            "Clinic view: {}\nThe address holds a secret for this launch: keep it to yourself. Stop with Ctrl-C.",
            clinic.url
        ),
        &json!({ "url": clinic.url }),
    );
    let _opened = if a.no_open {
        None
    } else {
        open_in_browser(&clinic.url).ok()
    };
    ctx.block_on(async {
        tokio::select! {
            served = clinic.serving => served
                .map_err(|_| Fail::new(Status::Failure, "the clinic view stopped"))?
                .map_err(|e| Fail::new(Status::Failure, format!("the clinic view stopped: {}", e.kind()))),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}
