//! A relay that lies to one person: an HTTP proxy in front of a real relay
//! process that passes every request on and lets a test rewrite each
//! answer before it reaches the device behind it. Rows written into the
//! relay's database (`Relay::forge`, `inject_*`) lie to everyone alike; a
//! proxy serves one device something other than what it serves the rest
//! (equivocation), as a hostile relay may.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::sync::Arc;

/// What the proxy saw of a request whose answer it may rewrite.
#[derive(Clone, Debug)]
pub struct Asked {
    pub method: String,
    /// The path and query, as sent (`/v1/spaces/…/changes?since=0`).
    pub path: String,
}

/// Rewrites an answer's JSON body (status 2xx only).
pub type Rewrite = Arc<dyn Fn(&Asked, serde_json::Value) -> serde_json::Value + Send + Sync>;

struct Upstream {
    url: String,
    client: reqwest::Client,
    /// None: every answer passes as the relay gave it.
    rewrite: std::sync::Mutex<Option<Rewrite>>,
}

/// The proxy, serving on a loopback port until dropped.
pub struct RewritingProxy {
    pub url: String,
    upstream: Arc<Upstream>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RewritingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RewritingProxy {
    /// A proxy in front of the relay at `upstream`, passing every answer
    /// on as it is until told to `lie`.
    pub async fn start(upstream: &str) -> RewritingProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        // Sign-up mail reaches a person behind the proxy as it reaches
        // everyone: the relay's own Maildir.
        crate::register_maildir(&url, &crate::maildir_of(upstream));
        let state = Arc::new(Upstream {
            url: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            rewrite: std::sync::Mutex::new(None),
        });
        let app = axum::Router::new()
            .fallback(pass_on)
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        RewritingProxy {
            url,
            upstream: state,
            task,
        }
    }

    /// From now on, every JSON answer is rewritten with `rewrite`.
    pub fn lie(&self, rewrite: Rewrite) {
        *self.upstream.rewrite.lock().expect("the rewrite") = Some(rewrite);
    }
}

async fn pass_on(State(up): State<Arc<Upstream>>, request: Request) -> Response {
    let asked = Asked {
        method: request.method().to_string(),
        path: request
            .uri()
            .path_and_query()
            .map_or("/".to_owned(), |p| p.to_string()),
    };
    let method = request.method().clone();
    let headers = request.headers().clone();
    let body = to_bytes(request.into_body(), usize::MAX)
        .await
        .expect("the request's body");
    let mut forward = up
        .client
        .request(method, format!("{}{}", up.url, asked.path))
        .body(body);
    for (name, value) in headers.iter() {
        if name != "host" && name != "content-length" {
            forward = forward.header(name, value);
        }
    }
    let answer = forward.send().await.expect("the relay answers");
    let status = StatusCode::from_u16(answer.status().as_u16()).expect("a status");
    let kept: HeaderMap = answer
        .headers()
        .iter()
        .filter(|(name, _)| *name != "content-length" && *name != "transfer-encoding")
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let bytes = answer.bytes().await.expect("the relay's body");
    let is_json = kept
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let rewrite = up.rewrite.lock().expect("the rewrite").clone();
    let body = match (rewrite, status.is_success() && is_json) {
        (Some(rewrite), true) => match serde_json::from_slice(&bytes) {
            Ok(value) => serde_json::to_vec(&rewrite(&asked, value)).expect("rewritten json"),
            Err(_) => bytes.to_vec(),
        },
        _ => bytes.to_vec(),
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = kept;
    response
}
