//! The relay serving TLS itself (rustls, the ring provider), for an
//! operator without a reverse proxy (docs/SECURITY.md, "Transport"): a
//! certificate chain and its key from PEM files. A renewed certificate
//! (certbot, an ACME client, an operator's copy) is taken at the next
//! connection after its files change, with no restart; files that do not
//! read as a certificate and its key leave the one being served in place.
//! Handshakes run side by side, each within `HANDSHAKE`, so a client that
//! connects and says nothing holds up no one.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How long a client has to finish its handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// Most handshakes under way at once; more connections wait to be taken.
const HANDSHAKES_AT_ONCE: usize = 512;

/// Where the certificate chain and its private key are kept (PEM).
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// What identifies the files' present contents: a change to either makes
/// the relay read them again.
type Stamp = Option<[(SystemTime, u64); 2]>;

impl TlsFiles {
    fn stamp(&self) -> Stamp {
        let one = |path: &PathBuf| {
            let meta = std::fs::metadata(path).ok()?;
            Some((meta.modified().ok()?, meta.len()))
        };
        Some([one(&self.cert)?, one(&self.key)?])
    }

    /// The TLS configuration these files give; Err says what is wrong,
    /// naming the file, never its contents.
    pub fn load(&self) -> Result<Arc<rustls::ServerConfig>, String> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&self.cert)
            .and_then(|certs| certs.collect())
            .map_err(|_| format!("{}: not a PEM certificate chain", self.cert.display()))?;
        if certs.is_empty() {
            return Err(format!("{}: holds no certificate", self.cert.display()));
        }
        let key = PrivateKeyDer::from_pem_file(&self.key)
            .map_err(|_| format!("{}: not a PEM private key", self.key.display()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS versions: {e}"))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| {
                format!(
                    "{} and {}: the key does not go with the certificate ({e})",
                    self.cert.display(),
                    self.key.display()
                )
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// The configuration being served, and the files' stamp it was read at.
struct Current {
    files: TlsFiles,
    stamp: Stamp,
    config: Arc<rustls::ServerConfig>,
}

impl Current {
    /// The configuration to hand the next connection: read again first if
    /// the files changed (kept as it was if they no longer read).
    fn for_next_connection(&mut self) -> Arc<rustls::ServerConfig> {
        let stamp = self.files.stamp();
        if stamp != self.stamp {
            self.stamp = stamp;
            match self.files.load() {
                // To stderr, and never a panic: nothing may read stdout.
                Ok(config) => {
                    self.config = config;
                    let _ = writeln!(
                        std::io::stderr(),
                        "pph-server: took the renewed certificate"
                    );
                }
                Err(reason) => {
                    let _ = writeln!(
                        std::io::stderr(),
                        "pph-server: kept the certificate being served: {reason}"
                    );
                }
            }
        }
        self.config.clone()
    }
}

/// Connections that finished their TLS handshake, for `axum::serve`.
pub struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
}

impl TlsListener {
    /// Takes connections from `tcp` and shakes hands with each on a task
    /// of its own; Err if the files do not read as a certificate and key.
    pub fn new(tcp: TcpListener, files: TlsFiles) -> Result<Self, String> {
        let local = tcp.local_addr().map_err(|e| e.to_string())?;
        let current = Current {
            stamp: files.stamp(),
            config: files.load()?,
            files,
        };
        let current = Arc::new(Mutex::new(current));
        let (tx, ready) = mpsc::channel(HANDSHAKES_AT_ONCE);
        let room = Arc::new(Semaphore::new(HANDSHAKES_AT_ONCE));
        tokio::spawn(async move {
            loop {
                let Ok(permit) = room.clone().acquire_owned().await else {
                    return;
                };
                let (stream, addr) = match tcp.accept().await {
                    Ok(accepted) => accepted,
                    // Out of descriptors, or a connection reset before it
                    // was taken: the next accept may succeed.
                    Err(_) => continue,
                };
                if tx.is_closed() {
                    return;
                }
                let config = match current.lock() {
                    Ok(mut current) => current.for_next_connection(),
                    Err(_) => return,
                };
                let tx = tx.clone();
                tokio::spawn(async move {
                    let shake = TlsAcceptor::from(config).accept(stream);
                    if let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE, shake).await {
                        let _ = tx.send((tls, addr)).await;
                    }
                    drop(permit);
                });
            }
        });
        Ok(TlsListener { local, ready })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accepting task ended (the runtime is stopping).
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
