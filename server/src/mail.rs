//! The relay's mail (docs/adr/0025): the code that proves a sign-up's
//! email, or, to an email that has an account already, a note saying so
//! and no code. One or the other is sent the same way, so that neither the
//! answer nor its time says which went out (by SMTP, after answering, so a
//! slow mail server is not waited for); a mail that fails is
//! logged by kind alone (an SMTP server's reply may quote the address) and
//! the person asks again.
//!
//! Two ways out: an SMTP server (`--smtp-url`, TLS as its URL says), or a
//! Maildir an operator's mail system, the tour or a test reads
//! (`--mail-dir`).

use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How long a mailed code works, in ms.
pub const CODE_LIFETIME_MS: i64 = 30 * 60 * 1000;

/// One mail to one person. Its `Debug` shows neither address nor text.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

pph_protocol::debug_without_secrets!(Mail);

const SUBJECT: &str = "People Powered Health: signing up with this email";

impl Mail {
    /// The code that makes an account for `to`.
    pub fn sign_up_code(to: &str, code: &str) -> Mail {
        let minutes = CODE_LIFETIME_MS / 60_000;
        let shown = pph_protocol::sign_up_code::shown(code);
        Mail {
            to: to.to_owned(),
            subject: SUBJECT.to_owned(),
            body: format!(
                "Your code to make a People Powered Health account with this email:\n\n    \
                 {shown}\n\nType it into the app. It works once, for {minutes} minutes.\n\n\
                 If you did not ask for it, you need do nothing: no account is made without it.\n"
            ),
        }
    }

    /// What an email with an account gets instead of a code.
    pub fn has_account(to: &str) -> Mail {
        Mail {
            to: to.to_owned(),
            subject: SUBJECT.to_owned(),
            body: "Someone asked to make a People Powered Health account with this email, \
                   which has one on this relay already, so no code was sent.\n\n\
                   If it was you: sign in with your password instead, or with your recovery \
                   code if you have forgotten it.\n\n\
                   If it was not you: you need do nothing. Your account is unchanged.\n"
                .to_owned(),
        }
    }
}

/// Where the relay's mail goes.
#[derive(Clone)]
pub enum Outbox {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    Maildir {
        dir: PathBuf,
        from: Mailbox,
    },
}

pph_protocol::debug_without_secrets!(Outbox);

/// The sender a Maildir's messages name when the operator gives none.
pub const DEFAULT_FROM: &str = "People Powered Health <no-reply@localhost>";

impl Outbox {
    /// An SMTP server at `url` (`smtps://user:pass@host` for TLS from the
    /// start, `smtp://host?tls=required` for STARTTLS), mail from `from`.
    /// Without TLS only on this machine (a local mail system): a code, and
    /// the server's password, never cross a network in the clear.
    pub fn smtp(url: &str, from: &str) -> Result<Outbox, String> {
        check_smtp_url(url)?;
        let from = sender(from)?;
        // Greeting as the sender's domain, not as this machine's address.
        let hello = ClientId::Domain(from.email.domain().to_owned());
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| "the SMTP URL is not one lettre reads (smtp:// or smtps://)".to_owned())?
            .hello_name(hello)
            .build();
        Ok(Outbox::Smtp { transport, from })
    }

    /// A Maildir at `dir` (its `tmp`, `new` and `cur` made), which the
    /// relay's user alone may read: live codes are in it.
    pub fn maildir(dir: &Path, from: &str) -> Result<Outbox, String> {
        for sub in ["tmp", "new", "cur"] {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder
                .create(dir.join(sub))
                .map_err(|e| format!("cannot make the mail directory: {}", e.kind()))?;
        }
        private_dir(dir)?;
        Ok(Outbox::Maildir {
            dir: dir.to_owned(),
            from: sender(from)?,
        })
    }

    /// Sends `mail`: into a Maildir before returning (a file written either
    /// way, so a reader finds it once the request is answered), to an SMTP
    /// server on a task of its own, not waited for.
    pub async fn send(&self, mail: Mail) {
        let outbox = self.clone();
        let sent = async move {
            if let Err(kind) = outbox.deliver(mail).await {
                tracing::warn!(kind = %kind, "a mail could not be sent");
            }
        };
        match self {
            Outbox::Smtp { .. } => drop(tokio::spawn(sent)),
            Outbox::Maildir { .. } => sent.await,
        }
    }

    /// Delivers `mail` now; the error names the kind of failure only.
    pub async fn deliver(&self, mail: Mail) -> Result<(), &'static str> {
        match self {
            Outbox::Smtp { transport, from } => {
                let message = message(from, &mail)?;
                transport.send(message).await.map(|_| ()).map_err(|e| {
                    if e.is_permanent() {
                        "the SMTP server refused it"
                    } else if e.is_transient() {
                        "the SMTP server deferred it"
                    } else if e.is_timeout() {
                        "the SMTP server did not answer in time"
                    } else {
                        "the SMTP server could not be reached"
                    }
                })
            }
            Outbox::Maildir { dir, from } => {
                let bytes = message(from, &mail)?.formatted();
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || write_maildir(&dir, &bytes))
                    .await
                    .map_err(|_| "the mail writer stopped")?
                    .map_err(|_| "the mail directory could not be written")
            }
        }
    }
}

fn check_smtp_url(text: &str) -> Result<(), String> {
    let url = url::Url::parse(text).map_err(|_| "the SMTP URL is not a URL".to_owned())?;
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let encrypted = match (url.scheme(), tls.as_deref()) {
        ("smtps", _) | ("smtp", Some("required")) => true,
        ("smtp", None | Some("opportunistic")) => false,
        _ => return Err("the SMTP URL is smtps://… or smtp://…?tls=required".to_owned()),
    };
    let local = match url.host() {
        // A URL of a scheme `url` does not know keeps an IPv4 host as text.
        Some(url::Host::Domain(name)) => {
            name == "localhost"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match encrypted || local {
        true => Ok(()),
        false => Err(
            "an SMTP server on another machine is reached over TLS: smtps://… or \
             smtp://…?tls=required"
                .to_owned(),
        ),
    }
}

/// What `Outbox::maildir` would refuse, without making anything: a sender
/// that is not an address, a directory others may read.
pub fn check_maildir(dir: &Path, from: &str) -> Result<(), String> {
    sender(from)?;
    match dir.exists() {
        true => private_dir(dir),
        false => Ok(()),
    }
}

/// Refuses a mail directory anyone but its owner may read: live codes go
/// in it.
fn private_dir(dir: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)
            .map_err(|e| format!("cannot read the mail directory: {}", e.kind()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "the mail directory {} may be read by others (mode {:o}): chmod 700 it",
                dir.display(),
                mode & 0o777
            ));
        }
    }
    Ok(())
}

fn sender(from: &str) -> Result<Mailbox, String> {
    from.parse()
        .map_err(|_| "the mail sender is not an address (Name <someone@example.org>)".to_owned())
}

fn message(from: &Mailbox, mail: &Mail) -> Result<Message, &'static str> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|_| "the address is not one SMTP takes")?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|_| "the mail could not be built")
}

/// Maildir's delivery: written whole under `tmp`, synced, then renamed into
/// `new`, so a reader never sees half a message.
fn write_maildir(dir: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = format!(
        "{}.{}.pph-server",
        crate::now_ms(),
        hex::encode(rand::random::<[u8; 8]>())
    );
    let tmp = dir.join("tmp").join(&name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, dir.join("new").join(&name))
}

/// The mail in a Maildir's `new`, oldest first: what a test or the tour
/// reads in place of a person's mailbox. Headers as `write_maildir` wrote
/// them (`To:` and `Subject:` on one line each), the body after them.
pub fn read_maildir(dir: &Path) -> std::io::Result<Vec<Mail>> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("new"))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    names.sort();
    let mut mail = Vec::new();
    for path in names {
        let text = std::fs::read_to_string(path)?.replace("\r\n", "\n");
        let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        mail.push(Mail {
            to: header("To:"),
            subject: header("Subject:"),
            body: body.to_owned(),
        });
    }
    Ok(mail)
}

impl Mail {
    /// The sign-up code this mail carries, if any.
    pub fn code(&self) -> Option<String> {
        pph_protocol::sign_up_code::found_in(&self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_mail_shows_the_code_and_a_note_shows_none() {
        let code = Mail::sign_up_code("ann@example.org", "01AZ0HPV");
        assert!(code.body.contains("01AZ-0HPV"), "{}", code.body);
        let note = Mail::has_account("ann@example.org");
        assert!(
            !note.body.chars().any(|c| c.is_ascii_digit()),
            "{}",
            note.body
        );
        assert_eq!(note.subject, code.subject);
        assert_eq!(format!("{code:?}"), "Mail { .. }");
    }

    #[tokio::test]
    async fn a_maildir_gets_whole_messages_in_new() {
        let temp = tempfile::tempdir().expect("dir");
        let dir = temp.path().join("mail");
        let outbox = Outbox::maildir(&dir, DEFAULT_FROM).expect("maildir");
        outbox
            .deliver(Mail::sign_up_code("ann@example.org", "01AZ0HPV"))
            .await
            .expect("deliver");
        let new: Vec<_> = std::fs::read_dir(dir.join("new")).expect("new").collect();
        assert_eq!(new.len(), 1);
        assert_eq!(std::fs::read_dir(dir.join("tmp")).expect("tmp").count(), 0);
        let path = new[0].as_ref().expect("entry").path();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "a code is for the relay's user alone");
            let open = tempfile::tempdir().expect("dir");
            std::fs::set_permissions(open.path(), std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
            assert!(Outbox::maildir(open.path(), DEFAULT_FROM).is_err());
        }
        let text = std::fs::read_to_string(path).expect("read");
        assert!(text.contains("01AZ-0HPV"), "{text}");
        let read = read_maildir(&dir).expect("read back");
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].to, "ann@example.org");
        assert_eq!(read[0].code().as_deref(), Some("01AZ0HPV"));
        assert_eq!(Mail::has_account("ann@example.org").code(), None);
    }

    #[test]
    fn smtp_without_tls_is_for_this_machine_alone() {
        for ok in [
            "smtps://user:pass@mail.example.org",
            "smtp://user:pass@mail.example.org:587?tls=required",
            "smtp://127.0.0.1:2525",
            "smtp://localhost",
            "smtp://[::1]:25",
        ] {
            assert!(Outbox::smtp(ok, DEFAULT_FROM).is_ok(), "{ok}");
        }
        for refused in [
            "smtp://user:pass@mail.example.org",
            "smtp://mail.example.org?tls=opportunistic",
            "http://mail.example.org",
            "not a url",
        ] {
            assert!(Outbox::smtp(refused, DEFAULT_FROM).is_err(), "{refused}");
        }
        assert!(Outbox::smtp("smtps://mail.example.org", "not an address").is_err());
    }

    #[tokio::test]
    async fn an_address_smtp_would_not_take_is_not_delivered() {
        let temp = tempfile::tempdir().expect("dir");
        let dir = temp.path().join("mail");
        let maildir = Outbox::maildir(&dir, DEFAULT_FROM).expect("maildir");
        let bad = Mail::sign_up_code("ann@example.org\r\nBcc: eve@example.org", "01AZ0HPV");
        assert!(maildir.deliver(bad).await.is_err());
        assert_eq!(std::fs::read_dir(dir.join("new")).expect("new").count(), 0);
    }
}
