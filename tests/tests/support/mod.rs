//! A real `pph-server` process on loopback, and devices (encrypted stores)
//! that sync with it.

#![allow(dead_code)]

use pph_core::{Companion, CompanionConfig};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

pub const PASSWORD: &str = "a long enough password";

pub struct ServerProcess {
    child: Child,
    db: PathBuf,
    pub url: String,
}

fn spawn(db: &Path, listen: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_e2e_server"))
        .args(["--listen", listen, "--sqlite"])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("server prints its address");
    let url = line
        .trim()
        .strip_prefix("pph-server listening on ")
        .expect("address line")
        .to_owned();
    (child, url)
}

impl ServerProcess {
    /// A server on a free loopback port with its own SQLite file.
    pub fn start(dir: &Path) -> Self {
        let db = dir.join("server.db");
        let (child, url) = spawn(&db, "127.0.0.1:0");
        ServerProcess { child, db, url }
    }

    /// SIGKILL: no shutdown, no flush beyond what was committed.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A new process on the same file and port.
    pub fn restart(&mut self) {
        self.kill();
        let listen = self.url.trim_start_matches("http://").to_owned();
        let (child, url) = spawn(&self.db, &listen);
        assert_eq!(url, self.url);
        self.child = child;
    }

    /// A new process on the same port with an empty database: every
    /// account and token is gone.
    pub fn restart_empty(&mut self) {
        self.kill();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.db.display()));
        }
        self.restart();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

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

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

/// Every change of a space on the server, through the HTTP API as `token`.
pub async fn server_changes(url: &str, token: &str, space: &str) -> Vec<(i64, String)> {
    let client = reqwest::Client::new();
    let mut since = 0;
    let mut out = Vec::new();
    loop {
        let page: pph_protocol::wire::PullResponse = client
            .get(format!(
                "{url}/v1/spaces/{space}/changes?since={since}&limit=1000"
            ))
            .bearer_auth(token)
            .send()
            .await
            .expect("pull")
            .json()
            .await
            .expect("page");
        out.extend(
            page.changes
                .into_iter()
                .map(|c| (c.seq, c.change.change_id)),
        );
        since = page.next;
        if !page.more {
            return out;
        }
    }
}

/// Signs in over HTTP (as a second session) and returns the token.
pub async fn token_for(url: &str, email: &str) -> String {
    let session: pph_protocol::wire::SessionResponse = reqwest::Client::new()
        .post(format!("{url}/v1/sessions"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD, "device_name": "test", "node": "0123456789abcdef"}))
        .send()
        .await
        .expect("sign in")
        .json()
        .await
        .expect("session");
    session.token
}
