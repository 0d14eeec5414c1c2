//! The relay's `/v1` API over HTTP(S), one reqwest client (and its pool of
//! connections) per server. Refusals come back as the server's JSON error
//! codes, turned into `PphError`s here.

use super::{network, Pushed, Relay, Result};
use crate::error::PphError;
use async_trait::async_trait;
use pph_protocol::admission::Invite;
use pph_protocol::sealed::{DiscardEnvelopesRequest, KeysResponse, PutEnvelopesRequest};
use pph_protocol::wire::*;
use pph_protocol::Change;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

pub(crate) struct HttpRelay {
    client: reqwest::Client,
    base: String,
}

fn from_reqwest(e: &reqwest::Error) -> PphError {
    let reason = if e.is_timeout() {
        "the server did not answer in time"
    } else if e.is_connect() {
        "cannot reach the server"
    } else if e.is_decode() {
        "the server's answer was not understood"
    } else {
        "the connection failed"
    };
    network(reason)
}

fn from_refusal(status: StatusCode, body: Option<ErrorBody>) -> PphError {
    let Some(body) = body else {
        return network(&format!("server answered {}", status.as_u16()));
    };
    match body.code {
        ErrorCode::RateLimited => PphError::RateLimited {
            retry_after_s: body.retry_after_s.unwrap_or(60),
        },
        ErrorCode::Unauthorized => PphError::Unauthorized,
        ErrorCode::Forbidden => PphError::Forbidden {
            reason: body.message,
        },
        ErrorCode::Conflict => PphError::Conflict {
            reason: body.message,
        },
        ErrorCode::NotFound => PphError::NotFound {
            entity: "server".into(),
            id: body.message,
        },
        ErrorCode::Invalid | ErrorCode::TooLarge | ErrorCode::ClockDrift => PphError::Validation {
            field: "request".into(),
            reason: body.message,
        },
        ErrorCode::WrongCode => PphError::Validation {
            field: "code".into(),
            reason: body.message,
        },
        ErrorCode::Internal => network(&body.message),
    }
}

/// A relay's address is `https://` with a host, and nothing but a path
/// after it; `http://` only for this device itself (`localhost`, 127.0.0.0/8,
/// `[::1]`: a relay a developer or a test runs here), where nothing leaves
/// the machine. A token, a key or a sealed value never crosses a network in
/// the clear.
fn check_server_url(base: &str) -> Result<()> {
    let refuse = |reason: &str| Err(PphError::validation("server_url", reason));
    let Ok(url) = reqwest::Url::parse(base) else {
        return refuse("is not an address: give it as https://relay.example.org");
    };
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("must not carry a name or password: give the relay's address alone");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return refuse("must not carry a query or fragment: give the relay's address alone");
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return refuse("has no host: give it as https://relay.example.org"),
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => refuse(
            "must start with https:// (http:// only for a relay on this device: \
             localhost, 127.0.0.1 or [::1])",
        ),
        _ => refuse("must start with https://"),
    }
}

/// The relay's identity as a password's authentication key is bound to it
/// (docs/adr/0024): the scheme and host this device reaches it by. Another
/// relay cannot take it (the device connects to this host alone, and https
/// proves who answers), so a key captured by one relay signs in on no
/// other; the port and path are left out, so a relay may change them, or
/// run processes on several ports of one host.
pub(crate) fn relay_identity(server_url: &str) -> Result<String> {
    let base = server_url.trim_end_matches('/');
    check_server_url(base)?;
    let url = reqwest::Url::parse(base)
        .map_err(|_| PphError::validation("server_url", "is not an address"))?;
    let Some(host) = url.host_str() else {
        return Err(PphError::validation("server_url", "has no host"));
    };
    Ok(format!("{}://{}", url.scheme(), host.to_ascii_lowercase()))
}

impl HttpRelay {
    pub(crate) fn new(base: &str) -> Result<Self> {
        let base = base.trim_end_matches('/');
        check_server_url(base)?;
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|_| network("cannot set up the HTTP client"))?;
        Ok(HttpRelay {
            client,
            base: base.to_owned(),
        })
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<Option<T>> {
        match self.send(method, path, token, body).await? {
            Ok(answer) => Ok(answer),
            Err((status, body)) => Err(from_refusal(status, body)),
        }
    }

    /// Sends a request: the parsed answer, or the refusal's status and body.
    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<std::result::Result<Option<T>, (StatusCode, Option<ErrorBody>)>> {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| from_reqwest(&e))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| from_reqwest(&e))?;
        if !status.is_success() {
            return Ok(Err((status, serde_json::from_slice(&bytes).ok())));
        }
        if bytes.is_empty() {
            return Ok(Ok(None));
        }
        serde_json::from_slice(&bytes)
            .map(|answer| Ok(Some(answer)))
            .map_err(|_| network("the server's answer was not understood"))
    }

    async fn expect<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<T> {
        self.call(method, path, token, body)
            .await?
            .ok_or_else(|| network("the server sent no answer"))
    }
}

#[async_trait]
impl Relay for HttpRelay {
    async fn ask_sign_up_code(&self, req: &SignUpCodeRequest) -> Result<SignUpCodeResponse> {
        self.expect(Method::POST, "/v1/accounts/code", None, Some(req))
            .await
    }

    async fn sign_up(&self, req: &SignUpRequest) -> Result<SessionResponse> {
        self.expect(Method::POST, "/v1/accounts", None, Some(req))
            .await
    }

    async fn sign_in(&self, req: &SignInRequest) -> Result<SessionResponse> {
        self.expect(Method::POST, "/v1/sessions", None, Some(req))
            .await
    }

    async fn kdf(&self, email: &str) -> Result<KdfResponse> {
        let req = KdfRequest {
            email: email.to_owned(),
        };
        self.expect(Method::POST, "/v1/sessions/kdf", None, Some(&req))
            .await
    }

    async fn sign_out(&self, token: &str) -> Result<()> {
        self.call::<(), ()>(Method::DELETE, "/v1/sessions/current", Some(token), None)
            .await
            .map(|_| ())
    }

    async fn refresh_session(&self, token: &str, new_token: &str) -> Result<()> {
        let req = RefreshSessionRequest {
            new_token: new_token.to_owned(),
        };
        self.call::<_, ()>(
            Method::POST,
            "/v1/sessions/refresh",
            Some(token),
            Some(&req),
        )
        .await
        .map(|_| ())
    }

    async fn devices(&self, token: &str) -> Result<DevicesResponse> {
        self.expect::<(), _>(Method::GET, "/v1/devices", Some(token), None)
            .await
    }

    async fn sign_out_device(&self, token: &str, session: &str) -> Result<()> {
        let path = format!("/v1/devices/{session}");
        self.call::<(), ()>(Method::DELETE, &path, Some(token), None)
            .await
            .map(|_| ())
    }

    async fn delete_account(
        &self,
        token: &str,
        req: &DeleteAccountRequest,
    ) -> Result<AccountDeleted> {
        self.expect(
            Method::DELETE,
            "/v1/accounts/current",
            Some(token),
            Some(req),
        )
        .await
    }

    async fn push(&self, token: &str, changes: Vec<Change>) -> Result<Pushed> {
        let req = PushRequest { changes };
        match self
            .send(Method::POST, "/v1/changes", Some(token), Some(&req))
            .await?
        {
            Ok(Some(PushResponse { .. })) => Ok(Pushed::Stored),
            Ok(None) => Err(network("the server sent no answer")),
            Err((_, Some(body))) if !body.refused.is_empty() => Ok(Pushed::Refused(body.refused)),
            Err((status, body)) => Err(from_refusal(status, body)),
        }
    }

    async fn pull(&self, token: &str, space: &str, since: i64, limit: u32) -> Result<PullResponse> {
        let path = format!("/v1/spaces/{space}/changes?since={since}&limit={limit}");
        self.expect::<(), _>(Method::GET, &path, Some(token), None)
            .await
    }

    async fn spaces(&self, token: &str) -> Result<SpacesResponse> {
        self.expect::<(), _>(Method::GET, "/v1/spaces", Some(token), None)
            .await
    }

    async fn lookup_clinician(&self, token: &str, email: &str) -> Result<ClinicianLookupResponse> {
        let req = ClinicianLookupRequest {
            email: email.to_owned(),
        };
        self.expect(
            Method::POST,
            "/v1/clinicians/lookup",
            Some(token),
            Some(&req),
        )
        .await
    }

    async fn grant_share(&self, token: &str, req: &GrantShareRequest) -> Result<ShareResponse> {
        self.expect(Method::POST, "/v1/shares", Some(token), Some(req))
            .await
    }

    async fn revoke_share(&self, token: &str, share_id: &str) -> Result<()> {
        let path = format!("/v1/shares/{share_id}");
        self.call::<(), ()>(Method::DELETE, &path, Some(token), None)
            .await
            .map(|_| ())
    }

    async fn shares(&self, token: &str) -> Result<SharesResponse> {
        self.expect::<(), _>(Method::GET, "/v1/shares", Some(token), None)
            .await
    }

    async fn access_log(&self, token: &str) -> Result<AccessLogResponse> {
        self.expect::<(), _>(Method::GET, "/v1/shares/access", Some(token), None)
            .await
    }

    async fn create_group_space(&self, token: &str, req: &CreateGroupSpaceRequest) -> Result<()> {
        self.call::<_, serde_json::Value>(Method::POST, "/v1/spaces", Some(token), Some(req))
            .await
            .map(|_| ())
    }

    async fn create_invite(
        &self,
        token: &str,
        space: &str,
        req: &CreateInviteRequest,
    ) -> Result<InviteResponse> {
        let path = format!("/v1/spaces/{space}/invites");
        self.expect(Method::POST, &path, Some(token), Some(req))
            .await
    }

    async fn revoke_invite(&self, token: &str, space: &str, code: &str) -> Result<()> {
        let path = format!("/v1/spaces/{space}/invites/{code}");
        self.call::<(), ()>(Method::DELETE, &path, Some(token), None)
            .await
            .map(|_| ())
    }

    async fn invite(&self, token: &str, code: &str) -> Result<Invite> {
        let path = format!("/v1/invites/{code}");
        self.expect::<(), _>(Method::GET, &path, Some(token), None)
            .await
    }

    async fn join(&self, token: &str, code: &str, req: &JoinRequest) -> Result<JoinResponse> {
        let path = format!("/v1/invites/{code}");
        self.expect(Method::POST, &path, Some(token), Some(req))
            .await
    }

    async fn members(&self, token: &str, space: &str) -> Result<MembersResponse> {
        let path = format!("/v1/spaces/{space}/members");
        self.expect::<(), _>(Method::GET, &path, Some(token), None)
            .await
    }

    async fn removed_members(&self, token: &str, space: &str) -> Result<MembersResponse> {
        let path = format!("/v1/spaces/{space}/removed");
        self.expect::<(), _>(Method::GET, &path, Some(token), None)
            .await
    }

    async fn readmit(&self, token: &str, space: &str, account: &str) -> Result<()> {
        let path = format!("/v1/spaces/{space}/removed/{account}");
        self.call::<(), ()>(Method::DELETE, &path, Some(token), None)
            .await
            .map(|_| ())
    }

    async fn remove_member(&self, token: &str, space: &str, account: &str) -> Result<()> {
        let path = format!("/v1/spaces/{space}/members/{account}");
        self.call::<(), ()>(Method::DELETE, &path, Some(token), None)
            .await
            .map(|_| ())
    }

    async fn keys(&self, token: &str) -> Result<KeysResponse> {
        self.expect::<(), _>(Method::GET, "/v1/keys", Some(token), None)
            .await
    }

    async fn put_envelopes(&self, token: &str, req: &PutEnvelopesRequest) -> Result<()> {
        self.call::<_, ()>(Method::POST, "/v1/keys/envelopes", Some(token), Some(req))
            .await
            .map(|_| ())
    }

    async fn discard_envelopes(&self, token: &str, req: &DiscardEnvelopesRequest) -> Result<()> {
        self.call::<_, ()>(
            Method::POST,
            "/v1/keys/envelopes/discard",
            Some(token),
            Some(req),
        )
        .await
        .map(|_| ())
    }

    async fn set_account_keys(&self, token: &str, req: &AccountKeysRequest) -> Result<()> {
        self.call::<_, ()>(
            Method::PUT,
            "/v1/accounts/current/keys",
            Some(token),
            Some(req),
        )
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: ErrorCode) -> Option<ErrorBody> {
        Some(ErrorBody {
            code,
            message: "m".into(),
            refused: Vec::new(),
            retry_after_s: Some(42),
        })
    }

    #[test]
    fn a_relay_is_reached_over_https_or_on_this_device_only() {
        for ok in [
            "https://relay.example.org",
            "https://relay.example.org:8443/pph",
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://localhost:3000",
            "http://LOCALHOST",
            "http://[::1]:8080",
        ] {
            assert_eq!(check_server_url(ok), Ok(()), "{ok}");
        }
        for refused in [
            "http://relay.example.org",
            "http://10.0.2.2:8080",
            "http://192.168.1.4",
            "http://[::ffff:7f00:1]",
            "http://localhost.example.org",
            "http://127.0.0.1.nip.io",
            "ftp://relay.example.org",
            "relay.example.org",
            "https://ann:secret@relay.example.org",
            "https://relay.example.org/?token=x",
            "https://relay.example.org/#x",
            "file:///etc/passwd",
            "",
        ] {
            assert!(
                matches!(check_server_url(refused), Err(PphError::Validation { .. })),
                "{refused}"
            );
        }
        assert!(matches!(
            HttpRelay::new("http://relay.example.org"),
            Err(PphError::Validation { .. })
        ));
    }

    #[test]
    fn only_a_refused_token_is_unauthorized() {
        assert_eq!(
            from_refusal(StatusCode::UNAUTHORIZED, body(ErrorCode::Unauthorized)),
            PphError::Unauthorized
        );
        assert_eq!(
            from_refusal(StatusCode::FORBIDDEN, body(ErrorCode::Forbidden)),
            PphError::Forbidden { reason: "m".into() }
        );
        assert_eq!(
            from_refusal(StatusCode::TOO_MANY_REQUESTS, body(ErrorCode::RateLimited)),
            PphError::RateLimited { retry_after_s: 42 }
        );
        assert!(matches!(
            from_refusal(StatusCode::BAD_GATEWAY, None),
            PphError::Network { .. }
        ));
    }
}
