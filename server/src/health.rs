//! `pph-server health`: asks a relay on this machine whether it serves, for
//! a container's or a supervisor's health check (the runtime image has no
//! curl). One plain-HTTP `GET /v1/health`; a relay serving TLS itself is
//! probed through its own listener by the proxy in front of it instead.

use std::process::ExitCode;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long the whole probe may take.
const PATIENCE: Duration = Duration::from_secs(5);
/// The most of the answer read: a status line and a short body.
const MOST: u64 = 4096;

pub async fn probe(address: &str) -> ExitCode {
    match tokio::time::timeout(PATIENCE, ask(address)).await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(reason)) => {
            eprintln!("pph-server health: {address}: {reason}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("pph-server health: {address}: no answer within {PATIENCE:?}");
            ExitCode::FAILURE
        }
    }
}

async fn ask(address: &str) -> Result<(), String> {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect: {}", e.kind()))?;
    let request =
        format!("GET /v1/health HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("cannot ask: {}", e.kind()))?;
    let mut answer = Vec::new();
    stream
        .take(MOST)
        .read_to_end(&mut answer)
        .await
        .map_err(|e| format!("cannot read the answer: {}", e.kind()))?;
    let answer = String::from_utf8_lossy(&answer);
    let healthy = answer.starts_with("HTTP/1.1 200") && answer.trim_end().ends_with("ok");
    match healthy {
        true => Ok(()),
        false => Err("the answer is not 200 ok".to_owned()),
    }
}
