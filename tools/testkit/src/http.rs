//! A client of our HTTP servers as the tests drive them (the HIS calling the
//! bridge, a test reading the simulator's `/_sim` pages): JSON in, JSON out,
//! a bearer token when the server wants one.

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Http {
    /// A client of the server at `base` (e.g. `http://127.0.0.1:8741`).
    pub fn new(base: impl Into<String>) -> Self {
        Self {
            // Only ever loopback: a proxy in the environment must not see it.
            client: reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
            base: base.into(),
            token: None,
        }
    }

    /// The same client, sending `Authorization: Bearer <token>`.
    #[must_use]
    pub fn bearer(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// A request to `path`, with the token, for a test that sets more.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let req = self.client.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// `GET path`, its JSON body.
    pub async fn get(&self, path: &str) -> Value {
        json(self.request(Method::GET, path)).await.1
    }

    /// `POST path` with no body, its JSON body.
    pub async fn post_empty(&self, path: &str) -> Value {
        json(self.request(Method::POST, path)).await.1
    }

    /// `POST path` with the JSON `body`, its JSON body.
    pub async fn post(&self, path: &str, body: &str) -> Value {
        self.send(Method::POST, path, body).await.1
    }

    /// A request with the JSON `body`: the status and the JSON answer.
    pub async fn send(&self, method: Method, path: &str, body: &str) -> (StatusCode, Value) {
        json(
            self.request(method, path)
                .header("content-type", "application/json")
                .body(body.to_owned()),
        )
        .await
    }
}

/// Sends `req`: the status and the JSON answer (a test fails on anything else).
pub async fn json(req: RequestBuilder) -> (StatusCode, Value) {
    let res = req.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = res.status();
    let body = res.text().await.unwrap_or_else(|e| panic!("{e}"));
    let value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {body}"));
    (status, value)
}
