//! The relay serving TLS itself (rustls, the ring provider), for an
//! operator without a reverse proxy (docs/SECURITY.md, "Transport"): a
//! certificate chain and its key from PEM files. A renewed certificate
//! (certbot, an ACME client, an operator's copy) is taken at the next
//! connection after its files change, with no restart; files that do not
//! read as a certificate and its key leave the one being served in place.
//! Handshakes run side by side, each within `HANDSHAKE`, with no cap but
//! the process's descriptors (as plain HTTP's connections), so clients
//! that connect and say nothing hold up no one else's handshake.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How long a client has to finish its handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// Handshaken connections waiting for the server to take them.
const READY_QUEUE: usize = 512;
/// How long to wait after a failed accept (out of descriptors): axum's own
/// `serve` waits a second; retrying at once spins a core (attacker run 23).
const AFTER_FAILED_ACCEPT: Duration = Duration::from_millis(250);

/// Where the certificate chain and its private key are kept (PEM).
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// What identifies a file's present contents: its inode, size, and the
/// instant its inode last changed (which no copy that keeps times, `cp -p`
/// or `rsync -t`, can set back: attacker run 23). A change to either file
/// makes the relay read them again.
type Stamp = Option<[(u64, u64, i64, i64); 2]>;

impl TlsFiles {
    fn stamp(&self) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        let one = |path: &PathBuf| {
            let meta = std::fs::metadata(path).ok()?;
            Some((meta.ino(), meta.len(), meta.ctime(), meta.ctime_nsec()))
        };
        Some([one(&self.cert)?, one(&self.key)?])
    }

    /// The TLS configuration these files give; Err says what is wrong,
    /// naming the file, never its contents.
    pub fn load(&self) -> Result<Arc<rustls::ServerConfig>, String> {
        let cert = read_regular(&self.cert)?;
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert)
            .collect::<Result<_, _>>()
            .map_err(|_| format!("{}: not a PEM certificate chain", self.cert.display()))?;
        if certs.is_empty() {
            return Err(format!("{}: holds no certificate", self.cert.display()));
        }
        let key = PrivateKeyDer::from_pem_slice(&read_regular(&self.key)?)
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

/// Most bytes a certificate chain or key file may hold.
const MOST_BYTES: u64 = 1024 * 1024;

/// The bytes of `path` if it is a regular file of at most `MOST_BYTES`.
/// Opened without waiting (a named pipe would otherwise hold the relay
/// until someone wrote to it), and checked and read through that one
/// handle, so the path cannot be swapped between the check and the read
/// (attacker run 24).
fn read_regular(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let not = |what: &str| format!("{}: {what}", path.display());
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|_| not("cannot be opened"))?;
    let meta = file.metadata().map_err(|_| not("cannot be read"))?;
    if !meta.is_file() {
        return Err(not("not a regular file"));
    }
    if meta.len() > MOST_BYTES {
        return Err(not("larger than a certificate or key can be"));
    }
    let mut bytes = Vec::new();
    Read::take(&mut file, MOST_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|_| not("cannot be read"))?;
    Ok(bytes)
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
        let (tx, ready) = mpsc::channel(READY_QUEUE);
        tokio::spawn(async move {
            loop {
                let (stream, addr) = match tcp.accept().await {
                    Ok(accepted) => accepted,
                    // Out of descriptors, or a connection reset before it
                    // was taken: a later accept may succeed.
                    Err(_) => {
                        tokio::time::sleep(AFTER_FAILED_ACCEPT).await;
                        continue;
                    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A named pipe at a certificate's path is refused at once, not waited
    /// on; so is a file too large to be one; a regular file reads.
    #[test]
    fn only_a_regular_file_of_a_certificates_size_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pipe = dir.path().join("cert.pem");
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let refused = read_regular(&pipe).expect_err("a pipe");
        assert!(refused.ends_with("not a regular file"), "{refused}");
        let large = dir.path().join("large.pem");
        std::fs::write(&large, vec![b'a'; MOST_BYTES as usize + 1]).expect("write");
        assert!(read_regular(&large).is_err());
        let fine = dir.path().join("fine.pem");
        std::fs::write(&fine, b"-----BEGIN").expect("write");
        assert_eq!(read_regular(&fine).as_deref(), Ok(&b"-----BEGIN"[..]));
    }
}
