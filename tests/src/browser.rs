//! A real browser for tests: Debian's headless Chromium driven over the
//! W3C WebDriver protocol by chromium-driver (both installed by
//! `scripts/install-test-tools.sh`), plus axe-core's accessibility rules
//! run inside the page.

use base64::Engine;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

fn tools_dir() -> PathBuf {
    std::env::var_os("PPH_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/pph-tools"))
}

/// axe-core's script, as `scripts/install-test-tools.sh` installs it.
pub fn axe_script() -> String {
    let path = tools_dir().join("axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run scripts/install-test-tools.sh",
            path.display()
        )
    })
}

impl Browser {
    /// Starts chromedriver on a free loopback port and a headless Chromium
    /// session through it.
    pub async fn start() -> Browser {
        // A free loopback port (chromedriver cannot pick one and say which).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is missing: run scripts/install-test-tools.sh");
        // It says when it listens; what it says after is drained.
        let mut lines = BufReader::new(driver.stdout.take().expect("stdout")).lines();
        let said: Vec<String> = lines
            .by_ref()
            .map_while(Result::ok)
            .take_while(|l| !l.contains("started successfully"))
            .take(20)
            .collect();
        assert!(said.len() < 20, "chromedriver said {said:?}");
        std::thread::spawn(move || lines.for_each(drop));
        let base = format!("http://127.0.0.1:{port}");
        let profile = tempfile::tempdir().expect("profile dir");
        let http = reqwest::Client::new();
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&json!({ "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": "/usr/bin/chromium",
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--window-size=1280,2400",
                        format!("--user-data-dir={}", profile.path().display()),
                    ]
                }
            }}}))
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session JSON");
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        Browser {
            driver,
            base,
            session,
            http,
            _profile: profile,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}/{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request
            .send()
            .await
            .expect("webdriver call")
            .json()
            .await
            .expect("webdriver JSON");
        if answer["value"].get("error").is_some() {
            panic!("webdriver {path}: {}", answer["value"]);
        }
        answer["value"].clone()
    }

    pub async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "url", Some(json!({ "url": url })))
            .await;
    }

    /// Runs `script` (a function body) in the page and returns its value.
    pub async fn run(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.run("return document.body.innerText;")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// What the page is (its document title).
    pub async fn title(&self) -> String {
        self.run("return document.title;")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Resizes the window, as a narrower device would show the page.
    pub async fn set_window_size(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }

    /// Saves a PNG of the window to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let shot = self.call(reqwest::Method::GET, "screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot.as_str().expect("base64 PNG"))
            .expect("PNG bytes");
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("screenshot folder");
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Prints the page to PDF on A4, as "Save as PDF" would, writes it to
    /// `path` and returns its number of pages.
    pub async fn print_to_pdf(&self, path: &Path) -> usize {
        let pdf = self
            .call(
                reqwest::Method::POST,
                "print",
                Some(
                    json!({ "orientation": "portrait", "page": { "width": 21.0, "height": 29.7 } }),
                ),
            )
            .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(pdf.as_str().expect("base64 PDF"))
            .expect("PDF bytes");
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("pdf folder");
        std::fs::write(path, &bytes).expect("write pdf");
        let text = String::from_utf8_lossy(&bytes);
        text.match_indices("/Type /Page")
            .filter(|(i, _)| !text[i + 11..].starts_with('s'))
            .count()
    }

    /// Sets a form field's value by its id (date fields take ISO dates
    /// this way whatever the browser's locale).
    pub async fn fill(&self, id: &str, value: &str) {
        let script = format!(
            "document.getElementById({}).value = {};",
            json!(id),
            json!(value)
        );
        self.run(&script).await;
    }

    /// Clicks the first element `css` selects, as a person would, and
    /// waits until the page it leads to has loaded.
    pub async fn click_to_new_page(&self, css: &str) {
        self.run("window.pphOldPage = true;").await;
        self.click(css).await;
        // An explicit wait on the condition, as WebDriver tests do: the
        // driver answers each check in about a millisecond.
        for _ in 0..10_000 {
            let loaded = self
                .run(
                    "return window.pphOldPage === undefined && document.readyState === 'complete';",
                )
                .await;
            if loaded == Value::Bool(true) {
                return;
            }
        }
        panic!("clicking {css} led to no new page");
    }

    /// Clicks the first element `css` selects, as a person would.
    pub async fn click(&self, css: &str) {
        let found = self
            .call(
                reqwest::Method::POST,
                "element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        let id = found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no {css}: {found}"))
            .to_owned();
        self.call(
            reqwest::Method::POST,
            &format!("element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// axe-core's serious and critical violations on the page, as
    /// "rule: help (n nodes)" lines.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        let axe = axe_script();
        let script = format!(
            "{axe}\nconst done = arguments[arguments.length - 1];\n\
             axe.run(document, {{ resultTypes: ['violations'] }}).then(r => done(r.violations\
             .filter(v => v.impact === 'serious' || v.impact === 'critical')\
             .map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ' nodes: ' + \
             v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ') + ')')));"
        );
        let found = self
            .call(
                reqwest::Method::POST,
                "execute/async",
                Some(json!({ "script": script, "args": [] })),
            )
            .await;
        found
            .as_array()
            .unwrap_or_else(|| panic!("axe did not run: {found}"))
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    /// Closes the browser, then the driver.
    pub async fn quit(self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.http.delete(url).send().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
