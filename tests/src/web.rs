//! A browser-like client for the pages over real HTTP: keeps cookies,
//! reads the CSRF token from forms, never follows redirects (tests look at
//! them).

use std::collections::BTreeMap;

use anyhow::{Context, Result};

use crate::TestServer;

/// The password of the coordinator `eva` that [`pages_server`] makes.
pub const PASSWORD: &str = "correct horse battery staple";

/// A server with the demo reference data and a coordinator `eva`
/// ([`PASSWORD`]): where every test of the pages starts.
pub async fn pages_server(dir: &std::path::Path) -> Result<TestServer> {
    let server = TestServer::start(dir).await?;
    server.seed_demo().await?;
    server.create_coordinator("eva", PASSWORD).await?;
    Ok(server)
}
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

#[derive(Debug)]
pub struct WebClient {
    pub base: String,
    client: reqwest::Client,
    cookies: BTreeMap<String, String>,
    /// A bearer token sent with every request (to show it opens no page).
    pub bearer: Option<String>,
    /// The browser's `Accept-Language`, if any.
    pub accept_language: Option<String>,
}

/// A response as the tests look at it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
    /// The body as it came (a workbook is not text).
    pub bytes: Vec<u8>,
}

impl Page {
    /// The value of the form field `name` (written `name="…" value="…"`),
    /// HTML entities left as they are.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let key = format!("name=\"{name}\" value=\"");
        let at = self.body.find(&key)? + key.len();
        Some(self.body[at..].split('"').next()?.to_string())
    }

    /// The value of the first hidden `csrf` field.
    pub fn csrf(&self) -> Option<String> {
        let at = self.body.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
        Some(self.body[at..].split('"').next()?.to_string())
    }
}

impl WebClient {
    pub fn new(base: &str) -> WebClient {
        WebClient {
            base: base.trim_end_matches('/').to_string(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            cookies: BTreeMap::new(),
            bearer: None,
            accept_language: None,
        }
    }

    /// A browser at another address (a loopback one such as 127.0.0.2),
    /// as the server's per-address rules see it.
    pub fn from_address(base: &str, source: &str) -> Result<WebClient> {
        let mut c = WebClient::new(base);
        c.client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(source.parse::<std::net::IpAddr>()?)
            .build()?;
        Ok(c)
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Result<Page> {
        let mut req = req;
        if !self.cookies.is_empty() {
            let header: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(COOKIE, header.join("; "));
        }
        if let Some(t) = &self.bearer {
            req = req.bearer_auth(t);
        }
        if let Some(l) = &self.accept_language {
            req = req.header(reqwest::header::ACCEPT_LANGUAGE, l);
        }
        let resp = req.send().await?;
        for set in resp.headers().get_all(SET_COOKIE) {
            let set = set.to_str()?;
            let pair = set.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                let removed = set.contains("Max-Age=0") || v.is_empty();
                if removed {
                    self.cookies.remove(k.trim());
                } else {
                    self.cookies.insert(k.trim().to_string(), v.to_string());
                }
            }
        }
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let (location, content_type) = (header(LOCATION), header(reqwest::header::CONTENT_TYPE));
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await?.to_vec();
        Ok(Page {
            status,
            location,
            content_type,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        })
    }

    pub async fn get(&mut self, path: &str) -> Result<Page> {
        let req = self.client.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Result<Page> {
        let req = self.client.post(format!("{}{path}", self.base)).form(form);
        self.send(req).await
    }

    /// Posts a form with a file, as a browser uploads one.
    pub async fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file_field: &str,
        file: Vec<u8>,
    ) -> Result<Page> {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let part = reqwest::multipart::Part::bytes(file)
            .file_name("import.csv")
            .mime_str("text/csv")?;
        form = form.part(file_field.to_string(), part);
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .multipart(form);
        self.send(req).await
    }

    /// Signs in through the form, as a person would.
    /// An inspection's protocol as a coordinator prints it: the purpose
    /// form, then the protocol opened with the purpose "protocol".
    pub async fn protocol(&mut self, record: &str) -> Result<Page> {
        let path = format!("/records/{record}/protocol");
        let form = self.get(&path).await?;
        let csrf = form.csrf().context("the purpose form has a CSRF field")?;
        self.post(&path, &[("csrf", &csrf), ("purpose", "protocol")])
            .await
    }

    pub async fn sign_in(&mut self, username: &str, password: &str) -> Result<Page> {
        let form = self.get("/sign-in").await?;
        let csrf = form.csrf().context("the sign-in form has a CSRF field")?;
        self.post(
            "/sign-in",
            &[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
            ],
        )
        .await
    }

    /// Gives the second factor: `code` posted from the code page (or, while
    /// the app is being set up, from the set-up page).
    pub async fn give_code(&mut self, code: &str) -> Result<Page> {
        let mut form = self.get("/sign-in/code").await?;
        if let Some(to) = form.location.clone().filter(|l| l == "/sign-in/set-up") {
            form = self.get(&to).await?;
        }
        let csrf = form
            .csrf()
            .with_context(|| format!("no CSRF field: {}", form.body))?;
        self.post("/sign-in/code", &[("csrf", &csrf), ("code", code)])
            .await
    }

    /// The first sign-in of an account that is not a demo one: password,
    /// the app set up from the key the page shows (returned, to compute
    /// later codes), and, when asked, a new password `new_password`.
    pub async fn first_sign_in(
        &mut self,
        username: &str,
        password: &str,
        new_password: &str,
    ) -> Result<Vec<u8>> {
        let signed = self.sign_in(username, password).await?;
        anyhow::ensure!(
            signed.location.as_deref() == Some("/sign-in/set-up"),
            "{signed:?}"
        );
        let set_up = self.get("/sign-in/set-up").await?;
        let key = totp_key(&set_up.body)?;
        let code =
            shared::two_factor::code_at(&key, username, crate::now_ms()).context("a code")?;
        let done = self.give_code(&code).await?;
        anyhow::ensure!(done.status == 200, "{}", done.body);
        let next = self.get("/").await?;
        if next.location.as_deref() == Some("/sign-in/new-password") {
            let form = self.get("/sign-in/new-password").await?;
            let csrf = form.csrf().context("no CSRF field")?;
            let saved = self
                .post(
                    "/sign-in/new-password",
                    &[
                        ("csrf", &csrf),
                        ("password", new_password),
                        ("again", new_password),
                    ],
                )
                .await?;
            anyhow::ensure!(saved.status == 303, "{}", saved.body);
        }
        Ok(key)
    }

    /// Signs in an account that keeps its authenticator key in
    /// `key_file` (the benchmarks' accounts, whose stores outlive a run):
    /// the first time the app is set up and the key written there, after
    /// that the code is computed from it.
    pub async fn sign_in_keeping_key(
        &mut self,
        username: &str,
        password: &str,
        key_file: &std::path::Path,
    ) -> Result<()> {
        if let Ok(hex) = std::fs::read_to_string(key_file) {
            let key = hex::decode(hex.trim()).context("the key file")?;
            let signed = self.sign_in(username, password).await?;
            anyhow::ensure!(signed.status == 303, "{}", signed.body);
            // A code works once: a run right after another waits for the
            // next one.
            for attempt in 0..2 {
                let code = shared::two_factor::code_at(&key, username, crate::now_ms())
                    .context("a code")?;
                let done = self.give_code(&code).await?;
                if done.status == 303 || done.status == 200 {
                    break;
                }
                anyhow::ensure!(attempt == 0, "{}", done.body);
                let wait = 30_000 - crate::now_ms().rem_euclid(30_000) + 500;
                tokio::time::sleep(std::time::Duration::from_millis(wait as u64)).await;
            }
        } else {
            let key = self.first_sign_in(username, password, password).await?;
            std::fs::write(key_file, hex::encode(key))?;
        }
        Ok(())
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }
}

/// The key the set-up page shows as text, decoded with a base32 decoder
/// of its own (RFC 4648), apart from the server's encoder.
pub fn totp_key(page: &str) -> Result<Vec<u8>> {
    let at = page
        .find("class=\"secret\">")
        .with_context(|| format!("no key on the page: {page}"))?
        + "class=\"secret\">".len();
    let text = page[at..].split('<').next().unwrap_or_default();
    data_encoding::BASE32_NOPAD
        .decode(text.trim_end_matches('=').as_bytes())
        .with_context(|| format!("the key {text:?} is not base32"))
}
