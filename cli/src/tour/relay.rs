//! The tour's relay: the `pph-server` binary of this workspace, started on
//! a free loopback port with its own SQLite file and stopped with the tour,
//! as a person running one would. What the relay holds is read through its
//! operator's command (`pph-server admin changes`), never its tables.

use crate::fail::{Fail, Result, Status};
use pph_protocol::Change;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub(super) struct RelayProcess {
    child: Child,
    binary: PathBuf,
    database: PathBuf,
    /// The Maildir its mail goes to, read in place of people's mailboxes.
    mail_dir: PathBuf,
    pub url: String,
}

fn failed(what: &str, e: impl std::fmt::Display) -> Fail {
    Fail::new(Status::Failure, format!("{what}: {e}"))
}

impl RelayProcess {
    /// Starts `pph-server` over the SQLite file `database`.
    pub fn start(database: &Path) -> Result<Self> {
        let binary = binary()?;
        let mail_dir = database.with_extension("mail");
        // The relay logs a line a request: into a file beside its
        // database, not over the tour's pages.
        let log_path = database.with_extension("log");
        let log = std::fs::File::create(&log_path)
            .map_err(|e| failed("cannot write the relay's log", e))?;
        let mut child = Command::new(&binary)
            .args(["--listen", "127.0.0.1:0", "--sqlite"])
            .arg(database)
            .arg("--mail-dir")
            .arg(&mail_dir)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| failed("cannot start pph-server", e))?;
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            BufReader::new(stdout)
                .read_line(&mut line)
                .map_err(|e| failed("pph-server said nothing", e))?;
        }
        let Some(url) = line.trim().strip_prefix("pph-server listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            let said = std::fs::read_to_string(&log_path).unwrap_or_default();
            let last = said.lines().last().unwrap_or(line.trim());
            return Err(failed("pph-server did not start", last));
        };
        Ok(RelayProcess {
            url: url.to_owned(),
            child,
            binary,
            database: database.to_owned(),
            mail_dir,
        })
    }

    /// The sign-up code in the last mail the relay wrote to `email`, as its
    /// person would read it.
    pub fn mailed_code(&self, email: &str) -> Result<String> {
        let new = self.mail_dir.join("new");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&new)
            .map_err(|e| failed("cannot read the relay's mail", e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        names.sort();
        let to = format!("To: {email}");
        names
            .iter()
            .rev()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .find(|text| text.lines().any(|l| l.trim_end() == to))
            .and_then(|text| pph_protocol::sign_up_code::found_in(&text))
            .ok_or_else(|| failed("no sign-up code was mailed", email))
    }

    /// The operator vouches for the clinician with `email`, as a trust's
    /// IT team would once it has checked who they are.
    pub fn verify_clinician(&self, email: &str) -> Result<()> {
        let out = Command::new(&self.binary)
            .args(["admin", "verify-clinician", "--email", email, "--sqlite"])
            .arg(&self.database)
            .stderr(Stdio::null())
            .output()
            .map_err(|e| failed("cannot run pph-server admin", e))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(failed("pph-server admin verify-clinician", out.status))
        }
    }

    /// Every change of `space` the relay holds, read by its operator's
    /// command as a breach of its database would read it.
    pub fn changes(&self, space: &str) -> Result<Vec<Change>> {
        let out = Command::new(&self.binary)
            .args(["admin", "changes", "--space", space, "--sqlite"])
            .arg(&self.database)
            .stderr(Stdio::null())
            .output()
            .map_err(|e| failed("cannot run pph-server admin", e))?;
        if !out.status.success() {
            return Err(failed("pph-server admin changes", out.status));
        }
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|line| {
                let mut row: serde_json::Value =
                    serde_json::from_str(line).map_err(|e| failed("an admin line", e))?;
                serde_json::from_value(row["change"].take()).map_err(|e| failed("a change", e))
            })
            .collect()
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `pph-server` beside this `pph` (cargo builds both into one folder), or
/// the one `PPH_SERVER` names; run from the workspace with cargo, it is
/// built there first if missing, in this build's profile.
fn binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("PPH_SERVER") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().map_err(|e| failed("cannot find pph itself", e))?;
    let dir = exe
        .parent()
        .ok_or_else(|| failed("cannot find pph's folder", exe.display()))?;
    let beside = dir.join("pph-server");
    if beside.exists() {
        return Ok(beside);
    }
    let cargo =
        std::env::var_os("CARGO").ok_or_else(|| failed("pph-server is not built", NOT_BUILT))?;
    let mut build = Command::new(cargo);
    build.args([
        "build",
        "--quiet",
        "-p",
        "pph-server",
        "--bin",
        "pph-server",
    ]);
    if dir.ends_with("release") {
        build.arg("--release");
    }
    eprintln!("Building the relay once (cargo build -p pph-server)...");
    let status = build.status().map_err(|e| failed("cannot run cargo", e))?;
    if !status.success() || !beside.exists() {
        return Err(failed("pph-server could not be built", NOT_BUILT));
    }
    Ok(beside)
}

const NOT_BUILT: &str =
    "build it with `cargo build --release -p pph-server`, or set PPH_SERVER to its path";
