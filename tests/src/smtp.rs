//! A mail server for tests to receive a relay's mail over real SMTP: it
//! listens on a loopback port, speaks as much of RFC 5321 as a client
//! sending one message at a time needs, and keeps each message's text.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

pub struct SmtpSink {
    pub port: u16,
    received: Arc<(Mutex<Vec<String>>, Condvar)>,
}

impl SmtpSink {
    /// A sink on a free loopback port, taking mail until the test ends.
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let keep = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let keep = keep.clone();
                std::thread::spawn(move || {
                    let _ = session(stream, &keep);
                });
            }
        });
        SmtpSink { port, received }
    }

    /// `smtp://127.0.0.1:<port>`, for `pph-server --smtp-url`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The `n`th message received (from 1), waiting for it: the relay
    /// sends by SMTP after it has answered.
    pub fn message(&self, n: usize) -> String {
        let (lock, arrived) = &*self.received;
        let held = lock.lock().expect("lock");
        let (held, _) = arrived
            .wait_timeout_while(held, Duration::from_secs(30), |m| m.len() < n)
            .expect("wait");
        held.get(n - 1)
            .cloned()
            .unwrap_or_else(|| panic!("message {n} never arrived"))
    }
}

fn session(stream: TcpStream, keep: &(Mutex<Vec<String>>, Condvar)) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    out.write_all(b"220 sink ESMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let verb = line.trim_end().to_ascii_uppercase();
        if verb.starts_with("EHLO") || verb.starts_with("HELO") {
            out.write_all(b"250-sink\r\n250 8BITMIME\r\n")?;
        } else if verb == "DATA" {
            out.write_all(b"354 go on\r\n")?;
            let mut message = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line)? == 0 || line == ".\r\n" {
                    break;
                }
                message.push_str(&line);
            }
            let (lock, arrived) = keep;
            lock.lock().expect("lock").push(message);
            arrived.notify_all();
            out.write_all(b"250 kept\r\n")?;
        } else if verb == "QUIT" {
            out.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            // MAIL FROM, RCPT TO, RSET, NOOP.
            out.write_all(b"250 ok\r\n")?;
        }
    }
}
