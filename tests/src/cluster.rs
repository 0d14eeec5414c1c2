//! Several relay processes on one PostgreSQL behind HAProxy, as a
//! deployment for many people runs them: the balancer as a child process
//! (killed with its owner), each relay named in PostgreSQL so a test can
//! tell which process a database session belongs to, and raw accounts that
//! push and pull over HTTP, retrying what fails.

use crate::relay::{Relay, ServerProcess};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `relay`'s PostgreSQL database as the relay process `name` connects to
/// it: its sessions carry `name` as their `application_name`, which
/// `pg_stat_activity` shows. The same data; only the label differs.
pub fn named(relay: &Relay, name: &str) -> Relay {
    match relay {
        Relay::Postgres(url) => {
            let joint = if url.contains('?') { '&' } else { '?' };
            Relay::Postgres(format!("{url}{joint}application_name={name}"))
        }
        Relay::Sqlite(_) => panic!("several relay processes share a PostgreSQL database"),
    }
}

/// `count` relay processes `relay-1`... on `relay`, sharing `dir` (the
/// secret file that signs their sessions, and the Maildir they write
/// codes into). Each takes the client's address from the balancer's
/// `X-Forwarded-For`, as a relay behind one must, and `flags`.
pub fn relay_processes(
    relay: &Relay,
    dir: &Path,
    count: usize,
    flags: &[&str],
) -> Vec<ServerProcess> {
    (1..=count)
        .map(|i| {
            let relay = named(relay, &format!("relay-{i}"));
            let flags: Vec<&str> = ["--trust-forwarded-for"]
                .into_iter()
                .chain(flags.iter().copied())
                .collect();
            ServerProcess::start_with(&relay, dir, &flags)
        })
        .collect()
}

/// HAProxy in front of relay processes, balancing each request round
/// robin, checking each process's health every 100 ms, and sending a
/// request whose connection failed to another process. Killed on drop.
pub struct HaProxy {
    child: Child,
    /// Where clients reach the relays.
    pub url: String,
    stats: String,
    log: PathBuf,
}

/// One relay process as HAProxy sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    /// `relay-1`...
    pub name: String,
    /// `UP`, `DOWN`, or a transition (`UP 1/2`).
    pub status: String,
    /// Answers with a 2xx status it passed on.
    pub answered_2xx: u64,
    /// Times its health check took it out.
    pub taken_down: u64,
}

/// `N` distinct loopback ports free now (the kernel's picks, all held
/// until the last is picked, then released): HAProxy cannot say which
/// port it took when told to take any.
pub fn free_ports<const N: usize>() -> [u16; N] {
    let held: Vec<std::net::TcpListener> = (0..N)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("a free port"))
        .collect();
    std::array::from_fn(|i| held[i].local_addr().expect("its address").port())
}

impl HaProxy {
    /// Starts `bin` (Debian's haproxy; [`crate::Service::HaProxy`]) in the
    /// foreground with its configuration and log in `dir`, in front of the
    /// relays at `backends` (`http://host:port`, named `relay-1`... in
    /// order), and returns once a health request through it is answered.
    pub async fn start(bin: &str, dir: &Path, backends: &[&str]) -> HaProxy {
        let [port, stats_port] = free_ports();
        let config = dir.join("haproxy.cfg");
        std::fs::write(&config, configuration(port, stats_port, backends)).expect("config");
        let log = dir.join("haproxy.log");
        let out = std::fs::File::create(&log).expect("log");
        let child = Command::new(bin)
            .arg("-db")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out)
            .spawn()
            .expect("start haproxy");
        let proxy = HaProxy {
            child,
            url: format!("http://127.0.0.1:{port}"),
            stats: format!("http://127.0.0.1:{stats_port}/stats;csv"),
            log,
        };
        // Readiness: HAProxy answers once it listens and has a process
        // up; polled a bounded number of times.
        let client = reqwest::Client::new();
        for _ in 0..400 {
            let answer = client.get(format!("{}/v1/health", proxy.url)).send().await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                return proxy;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("HAProxy did not answer in 10 s; its log:\n{}", proxy.log());
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What HAProxy printed.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Each relay process as HAProxy sees it, from its statistics page.
    pub async fn backends(&self) -> Vec<Backend> {
        let csv = reqwest::get(&self.stats)
            .await
            .expect("HAProxy's statistics")
            .text()
            .await
            .expect("statistics text");
        parse_stats(&csv)
    }

    /// Waits (a bounded number of polls) until HAProxy's health checks see
    /// every relay process up.
    pub async fn all_up(&self) -> Vec<Backend> {
        for _ in 0..400 {
            let backends = self.backends().await;
            if backends.iter().all(|b| b.status == "UP") {
                return backends;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "HAProxy did not see every relay up in 10 s: {:?}",
            self.backends().await
        );
    }
}

impl Drop for HaProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// HAProxy's configuration: `port` for the relays, `stats_port` for its
/// statistics. A failed connection is tried again (`retries`), on another
/// process (`redispatch`); a request a process took and died holding is
/// not (HAProxy resends no request it has sent), so the client sees a 502
/// and must retry it itself. Health checks every 100 ms: two failures
/// take a process out, one success brings it back.
fn configuration(port: u16, stats_port: u16, backends: &[&str]) -> String {
    let servers: String = backends
        .iter()
        .enumerate()
        .map(|(i, url)| {
            let address = url.trim_start_matches("http://");
            format!("    server relay-{} {address} check\n", i + 1)
        })
        .collect();
    format!(
        "global
    maxconn 512

defaults
    mode http
    option forwardfor
    retries 3
    option redispatch
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout check 1s
    default-server inter 100ms fall 2 rise 1

frontend clients
    bind 127.0.0.1:{port}
    default_backend relays

backend relays
    balance roundrobin
    option httpchk GET /v1/health
{servers}
listen stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /stats
"
    )
}

/// The rows of the `relays` backend's processes in HAProxy's CSV
/// statistics, their columns found by name in its header.
fn parse_stats(csv: &str) -> Vec<Backend> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .trim_start_matches("# ")
        .split(',')
        .collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("HAProxy's statistics have no {name} column"))
    };
    let (px, sv, status) = (column("pxname"), column("svname"), column("status"));
    let (ok, down) = (column("hrsp_2xx"), column("chkdown"));
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f.len() > ok && f[px] == "relays" && f[sv].starts_with("relay-"))
        .map(|f| Backend {
            name: f[sv].to_owned(),
            status: f[status].to_owned(),
            answered_2xx: f[ok].parse().unwrap_or(0),
            taken_down: f[down].parse().unwrap_or(0),
        })
        .collect()
}

/// How a push that was retried until stored went.
#[derive(Debug)]
pub struct Pushed {
    /// The answer that acknowledged it.
    pub answer: pph_protocol::wire::PushResponse,
    /// Attempts that failed before it.
    pub failures: u32,
}

/// Attempts one request may fail before a client gives up: 300 with 20 ms
/// between them, six seconds of failures, far more than a process's death
/// and restart behind the balancer costs.
const ATTEMPTS: u32 = 300;
const BETWEEN_ATTEMPTS: Duration = Duration::from_millis(20);

/// The body of a request's answer, or None when the request is worth
/// trying again: no answer at all or only part of one (a process killed
/// while answering), or a 5xx (the balancer's 502 for a process that died
/// holding the request, 503 for none reachable, the relay's own 500). A
/// 4xx is a refusal: trying again would change nothing, so it panics.
async fn body_of(answer: reqwest::Result<reqwest::Response>) -> Option<String> {
    match answer {
        Ok(r) if r.status().is_success() => r.text().await.ok(),
        Ok(r) if r.status().is_server_error() => None,
        Ok(r) => {
            let status = r.status();
            panic!("refused: {status} {}", r.text().await.unwrap_or_default())
        }
        Err(_) => None,
    }
}

/// Pushes `changes` as `token` until an answer says they are stored, as a
/// device does: a failed attempt is made again with the same changes, so a
/// push that was stored but whose answer was lost comes back as
/// duplicates, never as a second copy (the relay stores each change id
/// once). `retry` false gives up after the first failure, returning None:
/// a client that does not retry, for seeing the test fail.
pub async fn push_until_stored(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    changes: &[pph_protocol::Change],
    retry: bool,
) -> Option<Pushed> {
    for failures in 0..ATTEMPTS {
        let answer = client
            .post(format!("{url}/v1/changes"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "changes": changes }))
            .send()
            .await;
        // A whole answer that is not a push's is no failure to retry.
        if let Some(body) = body_of(answer).await {
            let answer = serde_json::from_str(&body).expect("a push's answer");
            return Some(Pushed { answer, failures });
        }
        if !retry {
            return None;
        }
        tokio::time::sleep(BETWEEN_ATTEMPTS).await;
    }
    panic!("a push failed {ATTEMPTS} times");
}

/// One page of `space`'s changes past `since`, asked again until answered.
pub async fn pull_until_answered(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    space: &str,
    since: i64,
    limit: u32,
) -> pph_protocol::wire::PullResponse {
    for _ in 0..ATTEMPTS {
        let answer = client
            .get(format!(
                "{url}/v1/spaces/{space}/changes?since={since}&limit={limit}"
            ))
            .bearer_auth(token)
            .send()
            .await;
        if let Some(body) = body_of(answer).await {
            return serde_json::from_str(&body).expect("a page");
        }
        tokio::time::sleep(BETWEEN_ATTEMPTS).await;
    }
    panic!("a pull failed {ATTEMPTS} times");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_is_named_in_its_database_url() {
        let relay = Relay::Postgres("postgres://pph@127.0.0.1:5432/db".into());
        let Relay::Postgres(url) = named(&relay, "relay-2") else {
            unreachable!()
        };
        assert_eq!(
            url,
            "postgres://pph@127.0.0.1:5432/db?application_name=relay-2"
        );
    }

    #[test]
    fn statistics_are_read_by_column_name() {
        let csv = "# pxname,svname,status,chkdown,hrsp_2xx,\n\
                   clients,FRONTEND,OPEN,,10,\n\
                   relays,relay-1,UP,1,7,\n\
                   relays,relay-2,DOWN,2,3,\n\
                   relays,BACKEND,UP,0,10,\n\
                   stats,FRONTEND,OPEN,,0,\n";
        assert_eq!(
            parse_stats(csv),
            vec![
                Backend {
                    name: "relay-1".into(),
                    status: "UP".into(),
                    answered_2xx: 7,
                    taken_down: 1
                },
                Backend {
                    name: "relay-2".into(),
                    status: "DOWN".into(),
                    answered_2xx: 3,
                    taken_down: 2
                },
            ]
        );
    }
}
