//! The GraphQL and REST transport: octocrab's HTTP client, GitHub's authentication, and
//! everything that makes a long fetch survive GitHub — retries with back-off, secondary rate
//! limits, the hourly budget, expiring App tokens, and answers cut short. REST writes (`POST`,
//! `PATCH`, `DELETE`, for `teamlens publish github-issue`) go through the same loop.
//!
//! What each failure leads to:
//! - 5xx, a connection reset, a timeout, a truncated or malformed body: retried with exponential
//!   back-off and full jitter, `max_attempts` times, then an error (the fetch keeps its checkpoint);
//! - a secondary rate limit (403/429): waits `Retry-After`, or `secondary_limit_wait_secs`
//!   doubled on each repeat when GitHub gives none;
//! - the hourly budget (`RATE_LIMITED`, or `remaining` below `min_remaining_points` before a
//!   request): with `wait`, sleeps until the reset; otherwise stops with the reset time;
//! - 401: an App's installation token is minted afresh once; any other credential is reported
//!   as refused, naming where it came from;
//! - a REST answer of 404 (to a write), 410 or 422: not retried, an error carrying GitHub's
//!   message and the `errors` array of a validation failure ([`ClientError::Rejected`]).
//!
//! A `POST` creates something, so it is never sent twice blindly: once it may have reached GitHub
//! (a 5xx, a reset connection, a timeout, an answer cut short) it fails with
//! [`ClientError::Uncertain`] instead of being retried, and the caller finds out by reading what
//! exists (the publisher looks for its issue and comments again, by label, title and marker).
//! What GitHub answers without acting on it (a secondary or hourly rate limit, 401) is retried
//! as for a read. `PATCH` and `DELETE` set a state, so repeating them is harmless and they are
//! retried like reads.
//!
//! At most `max_in_flight` requests run at once, whatever the number of repositories.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use octocrab::Octocrab;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Semaphore;

use super::auth::{Credential, CredentialOrigin};
use super::documents::Document;
use crate::common::errors::with_causes;
use crate::config::GitHubConfig;
use crate::sources::backoff::{retrying, waiting_for_reset};

/// Where GitHub is: github.com, or a GitHub Enterprise Server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// REST root, e.g. `https://api.github.com` or `https://HOST/api/v3`.
    pub api_url: String,
    /// GraphQL endpoint, e.g. `https://api.github.com/graphql` or `https://HOST/api/graphql`.
    pub graphql_url: String,
}

impl Endpoints {
    /// `GITHUB_API_URL` and `GITHUB_GRAPHQL_URL` (the names GitHub Actions sets) first, then the
    /// configuration, then github.com.
    pub fn resolve(config: &GitHubConfig, var: impl Fn(&str) -> Option<String>) -> Endpoints {
        let pick = |name: &str, configured: &Option<String>, default: &str| {
            var(name)
                .filter(|v| !v.trim().is_empty())
                .or_else(|| configured.clone())
                .unwrap_or_else(|| default.to_string())
                .trim_end_matches('/')
                .to_string()
        };
        Endpoints {
            api_url: pick("GITHUB_API_URL", &config.api_url, "https://api.github.com"),
            graphql_url: pick(
                "GITHUB_GRAPHQL_URL",
                &config.graphql_url,
                "https://api.github.com/graphql",
            ),
        }
    }

    /// The host of the API, which `gh auth token --hostname` wants.
    pub fn api_host(&self) -> String {
        self.api_url
            .parse::<http::Uri>()
            .ok()
            .and_then(|u| u.host().map(str::to_string))
            .unwrap_or_else(|| "api.github.com".into())
    }
}

/// What can stop a request for good (after the retries the policy allows).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "GitHub refused the credentials from {origin} (401 Bad credentials): the token is wrong, \
         expired or revoked. Make a new one (or `gh auth refresh`) and run the same command again"
    )]
    Unauthorized { origin: CredentialOrigin },
    #[error(
        "GitHub answered 403 Forbidden to {operation}: the credentials from {origin} lack access \
         ({message}). Give the token read access to the repository's contents, pull requests, \
         issues and deployments"
    )]
    Forbidden {
        operation: &'static str,
        origin: CredentialOrigin,
        message: String,
    },
    #[error(
        "GitHub's hourly rate limit is spent ({remaining} of {limit} points left); it resets at \
         {reset_at} (in {minutes} min). Run the same command again after that to resume, or add \
         --wait to wait for it"
    )]
    RateLimited {
        remaining: i64,
        limit: i64,
        reset_at: DateTime<Utc>,
        minutes: i64,
    },
    #[error("GitHub answered {operation} with HTTP {status} {attempts} times in a row: {message}")]
    Server {
        operation: &'static str,
        status: u16,
        attempts: u32,
        message: String,
    },
    #[error("could not reach GitHub at {url} ({attempts} attempts): {message}")]
    Network {
        url: String,
        attempts: u32,
        message: String,
    },
    #[error(
        "GitHub's answer to {operation} was cut short or not JSON ({attempts} attempts): {message}; nothing from it was stored. Run the fetch again to resume; if this repeats, report it with the output of -vv"
    )]
    Malformed {
        operation: &'static str,
        attempts: u32,
        message: String,
    },
    #[error(
        "GitHub refused {operation} (HTTP {status}): {message}{}",
        details_text(details)
    )]
    Rejected {
        operation: &'static str,
        status: u16,
        message: String,
        /// The `errors` of a 422 Validation Failed, each as `resource field: message`.
        details: Vec<String>,
    },
    #[error(
        "GitHub may or may not have done {operation}: {message}. Nothing was sent again, so as \
         not to do it twice"
    )]
    Uncertain {
        operation: &'static str,
        message: String,
    },
    #[error("cannot set up the GitHub client: {0}")]
    Setup(String),
}

/// `: body is too long (maximum is 65536 characters); …`, or nothing.
fn details_text(details: &[String]) -> String {
    if details.is_empty() {
        String::new()
    } else {
        format!(" ({})", details.join("; "))
    }
}

impl ClientError {
    /// Every repository would fail the same way: the credentials, the hourly budget, the
    /// network.
    pub fn is_global(&self) -> bool {
        matches!(
            self,
            Self::Unauthorized { .. } | Self::RateLimited { .. } | Self::Network { .. }
        )
    }
}

/// One GraphQL error as GitHub reports it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GraphqlError {
    /// Cut to an excerpt: it is quoted in messages.
    #[serde(deserialize_with = "crate::sources::bounded_text")]
    pub message: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub path: Option<Vec<Value>>,
}

impl GraphqlError {
    /// The path as `repository.pullRequests.nodes.3.reviews`.
    pub fn path_text(&self) -> String {
        self.path
            .iter()
            .flatten()
            .map(|p| match p {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// A GraphQL answer of GitHub's: the data it could give, and its errors for what it could not.
pub type Answer = crate::sources::graphql::Answer<GraphqlError>;

type Envelope = crate::sources::graphql::Envelope<GraphqlError>;

/// What the client has done so far: for progress lines, `--dry-run` and the benchmark.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientStats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Requests that were retries of a failed attempt.
    pub retries: u64,
    /// Rate-limit points GitHub charged (`rateLimit.cost`).
    pub points: i64,
    /// Points left in the hour, as GitHub last said.
    pub remaining: Option<i64>,
    pub limit: Option<i64>,
    pub reset_at: Option<DateTime<Utc>>,
    /// Time spent waiting on rate limits and back-off.
    pub waited: Duration,
}

/// How the client behaves when GitHub pushes back.
#[derive(Debug, Clone)]
pub struct Policy {
    pub max_in_flight: usize,
    pub max_attempts: u32,
    pub retry_base: Duration,
    pub secondary_wait: Duration,
    pub min_remaining_points: i64,
    /// Wait for the hourly budget to reset instead of stopping.
    pub wait_for_reset: bool,
}

impl Policy {
    pub fn from_config(config: &GitHubConfig, wait_for_reset: bool) -> Policy {
        Policy {
            max_in_flight: config.max_in_flight,
            max_attempts: config.max_attempts,
            retry_base: Duration::from_millis(config.retry_base_ms),
            secondary_wait: Duration::from_secs(config.secondary_limit_wait_secs),
            min_remaining_points: config.min_remaining_points,
            wait_for_reset,
        }
    }
}

enum Auth {
    Token(SecretString),
    /// Octocrab holds the App's key and mints (and caches) installation tokens.
    App(Octocrab),
}

/// A GitHub GraphQL client shared by every repository of a fetch.
pub struct GitHubClient {
    http: Octocrab,
    /// For REST requests: octocrab joins a path onto its base's path, so REST has its own base.
    rest: Octocrab,
    api_url: String,
    auth: Auth,
    origin: CredentialOrigin,
    graphql_url: String,
    policy: Policy,
    in_flight: Semaphore,
    stats: Mutex<ClientStats>,
    backoff: crate::sources::backoff::Backoff,
    /// Called with a message whenever the client waits (rate limits, back-off).
    on_wait: Box<dyn Fn(&str) + Send + Sync>,
}

/// A REST request that changes something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Creates something: never repeated once GitHub may have acted on it.
    Post,
    /// Sets fields to values: the same request twice leaves the same state.
    Patch,
    /// Removes something: a second one finds it gone.
    Delete,
}

impl Write {
    fn method(self) -> http::Method {
        match self {
            Write::Post => http::Method::POST,
            Write::Patch => http::Method::PATCH,
            Write::Delete => http::Method::DELETE,
        }
    }
}

/// What one request sends: a GraphQL document, a GET of the REST API, or a REST write.
enum Outgoing<'a> {
    Graphql(&'a [u8]),
    RestGet(&'a str),
    RestWrite {
        write: Write,
        url: &'a str,
        body: &'a [u8],
    },
}

impl Outgoing<'_> {
    /// Whether sending it again after GitHub may have acted could do something twice.
    fn repeatable(&self) -> bool {
        !matches!(
            self,
            Outgoing::RestWrite {
                write: Write::Post,
                ..
            }
        )
    }
}

/// A REST answer: its JSON body and, for a list, the URL of its next page (`Link: rel="next"`).
#[derive(Debug, Clone, PartialEq)]
pub struct RestAnswer {
    /// `null` for an answer without a body (204 No Content).
    pub body: Value,
    pub next: Option<String>,
}

/// What a request brought back.
enum Outcome {
    Graphql(Answer),
    /// A REST answer; `None` for 404 to a GET.
    Rest(Option<RestAnswer>),
}

/// How one attempt ended.
enum Attempt {
    Done(Outcome),
    /// Try again after this long (`None`: the back-off for the attempt number).
    Retry {
        after: Option<Duration>,
        status: Option<u16>,
        message: String,
        secondary: bool,
    },
    /// The hourly budget is spent.
    Exhausted {
        reset_at: DateTime<Utc>,
    },
    Fail(ClientError),
}

impl GitHubClient {
    /// A client for `endpoints` with the given credential. Must be called inside a tokio runtime.
    pub fn new(
        endpoints: &Endpoints,
        credential: Credential,
        origin: CredentialOrigin,
        policy: Policy,
        on_wait: Box<dyn Fn(&str) + Send + Sync>,
    ) -> Result<GitHubClient, ClientError> {
        let setup = |e: octocrab::Error| ClientError::Setup(e.to_string());
        // Octocrab joins a request's path onto its base's path unless the path already starts
        // with it, so the GraphQL client's base is the GraphQL URL itself (on an Enterprise
        // Server it is not under the REST root), and the App's token minting uses the REST root.
        let builder = |base: &str| {
            Octocrab::builder()
                .base_uri(base)
                .map(|b| {
                    b.set_connect_timeout(Some(Duration::from_secs(15)))
                        .set_read_timeout(Some(Duration::from_secs(90)))
                })
                .map_err(setup)
        };
        let http = builder(&endpoints.graphql_url)?.build().map_err(setup)?;
        let rest = builder(&endpoints.api_url)?.build().map_err(setup)?;
        let auth = match credential {
            Credential::Token(token) => Auth::Token(token),
            Credential::App {
                app_id,
                installation_id,
                private_key_pem,
            } => {
                let key =
                    octocrab::EncodingKey::from_rsa_pem(private_key_pem.expose_secret().as_bytes())
                        .map_err(|e| {
                            ClientError::Setup(format!(
                                "the GitHub App's private key is not a valid RSA key: {e}"
                            ))
                        })?;
                let app = builder(&endpoints.api_url)?
                    .app(octocrab::models::AppId(app_id), key)
                    .build()
                    .map_err(setup)?;
                let installation = app
                    .installation(octocrab::models::InstallationId(installation_id))
                    .map_err(setup)?;
                Auth::App(installation)
            }
        };
        let retry_base = policy.retry_base;
        Ok(GitHubClient {
            http,
            rest,
            api_url: endpoints.api_url.clone(),
            auth,
            origin,
            graphql_url: endpoints.graphql_url.clone(),
            in_flight: Semaphore::new(policy.max_in_flight.max(1)),
            policy,
            stats: Mutex::new(ClientStats::default()),
            backoff: crate::sources::backoff::Backoff::new(retry_base),
            on_wait,
        })
    }

    pub fn origin(&self) -> &CredentialOrigin {
        &self.origin
    }

    /// The REST root requests go to (`https://api.github.com`, or an Enterprise Server's).
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    pub fn stats(&self) -> ClientStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Sends one document with its variables, retrying as the policy allows. GraphQL errors
    /// that come with data are returned with it: the caller keeps what GitHub could give.
    pub async fn query(&self, document: Document, variables: Value) -> Result<Answer, ClientError> {
        let body = serde_json::json!({
            "query": document.text(),
            "variables": variables,
            "operationName": document.operation_name(),
        });
        let body = serde_json::to_vec(&body).map_err(|e| ClientError::Setup(e.to_string()))?;
        match self
            .send(document.operation_name(), Outgoing::Graphql(&body))
            .await?
        {
            Outcome::Graphql(answer) => Ok(answer),
            Outcome::Rest(_) => Err(ClientError::Setup("a REST answer to GraphQL".into())),
        }
    }

    /// `GET {api_url}{path}` of the REST API (`path` starts with `/`): the JSON body, or `None`
    /// when GitHub answers 404. Retries, rate limits and credentials as for [`Self::query`].
    pub async fn rest_get(
        &self,
        operation: &'static str,
        path: &str,
    ) -> Result<Option<Value>, ClientError> {
        let url = format!("{}{path}", self.api_url);
        Ok(self
            .rest_page(operation, &url)
            .await?
            .map(|answer| answer.body))
    }

    /// `GET url` of the REST API, where `url` is `{api_url}{path}` or the `next` of an earlier
    /// page: the body and the next page's URL, or `None` when GitHub answers 404. A next page
    /// elsewhere than the API (a `Link` header pointing at another host) is refused: the token
    /// goes only to GitHub.
    pub async fn rest_page(
        &self,
        operation: &'static str,
        url: &str,
    ) -> Result<Option<RestAnswer>, ClientError> {
        if !url.starts_with(&format!("{}/", self.api_url)) {
            return Err(ClientError::Malformed {
                operation,
                attempts: 1,
                message: format!(
                    "a page link outside the API at {} was not followed",
                    self.api_url
                ),
            });
        }
        match self.send(operation, Outgoing::RestGet(url)).await? {
            Outcome::Rest(answer) => Ok(answer),
            Outcome::Graphql(_) => Err(ClientError::Setup("a GraphQL answer to REST".into())),
        }
    }

    /// `POST`, `PATCH` or `DELETE {api_url}{path}` with a JSON body (none for `DELETE`): GitHub's
    /// answer (`null` for 204 No Content). A 404, 410 or 422 is [`ClientError::Rejected`]; a
    /// `POST` GitHub may have acted on is [`ClientError::Uncertain`], never sent again.
    pub async fn rest_write(
        &self,
        operation: &'static str,
        write: Write,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ClientError> {
        let url = format!("{}{path}", self.api_url);
        let body = match body {
            Some(body) => {
                serde_json::to_vec(body).map_err(|e| ClientError::Setup(e.to_string()))?
            }
            None => Vec::new(),
        };
        let outgoing = Outgoing::RestWrite {
            write,
            url: &url,
            body: &body,
        };
        match self.send(operation, outgoing).await? {
            Outcome::Rest(answer) => Ok(answer.map(|a| a.body).unwrap_or(Value::Null)),
            Outcome::Graphql(_) => Err(ClientError::Setup("a GraphQL answer to REST".into())),
        }
    }

    async fn send(
        &self,
        operation: &'static str,
        outgoing: Outgoing<'_>,
    ) -> Result<Outcome, ClientError> {
        let url = match outgoing {
            Outgoing::Graphql(_) => self.graphql_url.as_str(),
            Outgoing::RestGet(url) | Outgoing::RestWrite { url, .. } => url,
        };
        let mut failures: u32 = 0;
        let mut secondary_hits: u32 = 0;
        let mut refreshed_token = false;
        loop {
            self.respect_budget().await?;
            let attempt = {
                let _permit = self
                    .in_flight
                    .acquire()
                    .await
                    .map_err(|e| ClientError::Setup(e.to_string()))?;
                self.attempt(operation, &outgoing, refreshed_token).await
            };
            match attempt {
                Attempt::Done(answer) => return Ok(answer),
                Attempt::Fail(ClientError::Unauthorized { .. })
                    if matches!(self.auth, Auth::App(_)) && !refreshed_token =>
                {
                    // An installation token can expire or be revoked mid-run: mint a new one once.
                    refreshed_token = true;
                    self.count_retry();
                }
                Attempt::Fail(error) => return Err(error),
                Attempt::Exhausted { reset_at } => self.budget_spent(reset_at).await?,
                Attempt::Retry {
                    after,
                    status,
                    message,
                    secondary,
                } => {
                    if !secondary && !outgoing.repeatable() {
                        // It may have been done: the caller reads what exists before anything
                        // is sent again.
                        return Err(ClientError::Uncertain { operation, message });
                    }
                    let wait = if secondary {
                        secondary_hits += 1;
                        if secondary_hits > self.policy.max_attempts.max(3) {
                            return Err(ClientError::Server {
                                operation,
                                status: status.unwrap_or(403),
                                attempts: secondary_hits,
                                message,
                            });
                        }
                        after.unwrap_or_else(|| {
                            self.policy.secondary_wait * 2u32.pow((secondary_hits - 1).min(4))
                        })
                    } else {
                        failures += 1;
                        if failures >= self.policy.max_attempts {
                            return Err(match status {
                                Some(status) => ClientError::Server {
                                    operation,
                                    status,
                                    attempts: failures,
                                    message,
                                },
                                None if message.starts_with("malformed:") => {
                                    ClientError::Malformed {
                                        operation,
                                        attempts: failures,
                                        message: message["malformed:".len()..].trim().to_string(),
                                    }
                                }
                                None => ClientError::Network {
                                    url: url.to_string(),
                                    attempts: failures,
                                    message,
                                },
                            });
                        }
                        after.unwrap_or_else(|| self.backoff.wait(failures))
                    };
                    let reason = match status {
                        Some(status) => format!("HTTP {status}"),
                        None => message.clone(),
                    };
                    let reason = if secondary {
                        "secondary rate limit"
                    } else {
                        &reason
                    };
                    (self.on_wait)(&retrying("GitHub", reason, wait, operation));
                    self.sleep(wait).await;
                    self.count_retry();
                }
            }
        }
    }

    fn count_retry(&self) {
        if let Ok(mut stats) = self.stats.lock() {
            stats.retries += 1;
        }
    }

    async fn sleep(&self, wait: Duration) {
        tokio::time::sleep(wait).await;
        if let Ok(mut stats) = self.stats.lock() {
            stats.waited += wait;
        }
    }

    /// Before a request: if GitHub said the budget is nearly spent, wait or stop.
    async fn respect_budget(&self) -> Result<(), ClientError> {
        let (remaining, reset_at) = {
            let stats = self.stats();
            (stats.remaining, stats.reset_at)
        };
        if let (Some(remaining), Some(reset_at)) = (remaining, reset_at)
            && remaining < self.policy.min_remaining_points
            && reset_at > Utc::now()
        {
            self.budget_spent(reset_at).await?;
        }
        Ok(())
    }

    async fn budget_spent(&self, reset_at: DateTime<Utc>) -> Result<(), ClientError> {
        let stats = self.stats();
        let until = (reset_at - Utc::now()).max(chrono::Duration::zero());
        if !self.policy.wait_for_reset {
            return Err(ClientError::RateLimited {
                remaining: stats.remaining.unwrap_or(0),
                limit: stats.limit.unwrap_or(0),
                reset_at,
                minutes: (until.num_seconds() + 59) / 60,
            });
        }
        let wait = until.to_std().unwrap_or_default() + Duration::from_secs(1);
        let spent = "GitHub's hourly rate limit is spent";
        (self.on_wait)(&waiting_for_reset(spent, wait, reset_at));
        self.sleep(wait).await;
        if let Ok(mut stats) = self.stats.lock() {
            stats.remaining = None;
        }
        Ok(())
    }

    async fn authorization(&self, fresh: bool) -> Result<HeaderValue, ClientError> {
        let token = match &self.auth {
            Auth::Token(token) => token.clone(),
            Auth::App(installation) => {
                // Re-minted when less than a minute is left (tokens last an hour), or on demand
                // after a 401.
                let buffer = if fresh {
                    chrono::Duration::hours(2)
                } else {
                    chrono::Duration::seconds(60)
                };
                installation
                    .installation_token_with_buffer(buffer)
                    .await
                    .map_err(|e| match e {
                        octocrab::Error::GitHub { source, .. }
                            if source.status_code.as_u16() == 401 =>
                        {
                            ClientError::Unauthorized {
                                origin: self.origin.clone(),
                            }
                        }
                        other => ClientError::Network {
                            url: "the GitHub App installation token endpoint".into(),
                            attempts: 1,
                            message: other.to_string(),
                        },
                    })?
            }
        };
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
            .map_err(|_| {
                ClientError::Setup(format!(
                    "the token from {} has characters a token cannot have (a stray newline or \
                     quote?)",
                    self.origin
                ))
            })?;
        value.set_sensitive(true);
        Ok(value)
    }

    async fn attempt(
        &self,
        operation: &'static str,
        outgoing: &Outgoing<'_>,
        fresh_token: bool,
    ) -> Attempt {
        let authorization = match self.authorization(fresh_token).await {
            Ok(value) => value,
            Err(error) => return Attempt::Fail(error),
        };
        let (method, url, body, accept, client) = match outgoing {
            Outgoing::Graphql(body) => (
                http::Method::POST,
                self.graphql_url.as_str(),
                body.to_vec(),
                "application/json",
                &self.http,
            ),
            Outgoing::RestGet(url) => (
                http::Method::GET,
                *url,
                Vec::new(),
                "application/vnd.github+json",
                &self.rest,
            ),
            Outgoing::RestWrite { write, url, body } => (
                write.method(),
                *url,
                body.to_vec(),
                "application/vnd.github+json",
                &self.rest,
            ),
        };
        let method_text = method.to_string();
        let request = http::Request::builder()
            .method(method)
            .uri(url)
            .header(AUTHORIZATION, authorization)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, accept)
            .header(USER_AGENT, concat!("teamlens/", env!("CARGO_PKG_VERSION")))
            .body(body);
        let request = match request {
            Ok(request) => request,
            Err(e) => return Attempt::Fail(ClientError::Setup(e.to_string())),
        };
        crate::sources::http_log::request("github", &method_text, url, request.headers());
        if let Ok(mut stats) = self.stats.lock() {
            stats.requests += 1;
        }
        let response = match client.execute(request).await {
            Ok(response) => response,
            Err(error) => {
                return Attempt::Retry {
                    after: None,
                    status: None,
                    message: with_causes(&error),
                    secondary: false,
                };
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        self.note_rate_headers(&headers);
        let text = match client.body_to_string(response).await {
            Ok(text) => text,
            Err(error) => {
                return Attempt::Retry {
                    after: None,
                    status: None,
                    message: format!(
                        "malformed: the answer was cut short ({})",
                        with_causes(&error)
                    ),
                    secondary: false,
                };
            }
        };
        crate::sources::http_log::response("github", status, &headers, &text);
        match (outgoing, status) {
            (Outgoing::RestGet(_), 404) => Attempt::Done(Outcome::Rest(None)),
            (Outgoing::RestGet(_), 200) | (Outgoing::RestWrite { .. }, 200 | 201) => {
                match serde_json::from_str(&text) {
                    Ok(body) => Attempt::Done(Outcome::Rest(Some(RestAnswer {
                        body,
                        next: next_link(&headers),
                    }))),
                    Err(error) => Attempt::Retry {
                        after: None,
                        status: None,
                        message: format!("malformed: {error}"),
                        secondary: false,
                    },
                }
            }
            (Outgoing::RestWrite { .. }, 204) => Attempt::Done(Outcome::Rest(Some(RestAnswer {
                body: Value::Null,
                next: None,
            }))),
            (Outgoing::RestWrite { .. }, 404)
            | (Outgoing::RestGet(_) | Outgoing::RestWrite { .. }, 410 | 422) => {
                Attempt::Fail(ClientError::Rejected {
                    operation,
                    status,
                    message: github_message(&text),
                    details: validation_errors(&text),
                })
            }
            _ => self.classify(operation, status, &headers, &text),
        }
    }

    fn classify(
        &self,
        operation: &'static str,
        status: u16,
        headers: &HeaderMap,
        text: &str,
    ) -> Attempt {
        let retry_after = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let remaining = header_number(headers, "x-ratelimit-remaining");
        let reset_at = header_number(headers, "x-ratelimit-reset")
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0));
        let message = github_message(text);
        match status {
            200 => {}
            401 => {
                return Attempt::Fail(ClientError::Unauthorized {
                    origin: self.origin.clone(),
                });
            }
            403 | 429 => {
                let lowered = message.to_lowercase();
                if lowered.contains("secondary rate limit") || retry_after.is_some() {
                    return Attempt::Retry {
                        after: retry_after,
                        status: Some(status),
                        message,
                        secondary: true,
                    };
                }
                if remaining == Some(0) || lowered.contains("rate limit") {
                    return Attempt::Exhausted {
                        reset_at: reset_at
                            .unwrap_or_else(|| Utc::now() + chrono::Duration::minutes(1)),
                    };
                }
                if status == 429 {
                    return Attempt::Retry {
                        after: None,
                        status: Some(status),
                        message,
                        secondary: true,
                    };
                }
                return Attempt::Fail(ClientError::Forbidden {
                    operation,
                    origin: self.origin.clone(),
                    message,
                });
            }
            500..=599 => {
                return Attempt::Retry {
                    after: retry_after,
                    status: Some(status),
                    message,
                    secondary: false,
                };
            }
            _ => {
                return Attempt::Fail(ClientError::Server {
                    operation,
                    status,
                    attempts: 1,
                    message,
                });
            }
        }
        let envelope: Envelope = match serde_json::from_str(text) {
            Ok(envelope) => envelope,
            Err(error) => {
                return Attempt::Retry {
                    after: None,
                    status: None,
                    message: format!("malformed: {error}"),
                    secondary: false,
                };
            }
        };
        if envelope
            .errors
            .iter()
            .any(|e| e.kind.as_deref() == Some("RATE_LIMITED"))
        {
            return Attempt::Exhausted {
                reset_at: reset_at.unwrap_or_else(|| Utc::now() + chrono::Duration::minutes(1)),
            };
        }
        let data = envelope.data.unwrap_or(Value::Null);
        if let Some(rate) = data.get("rateLimit").filter(|r| !r.is_null())
            && let Ok(mut stats) = self.stats.lock()
        {
            stats.points += rate.get("cost").and_then(Value::as_i64).unwrap_or(0);
            if let Some(left) = rate.get("remaining").and_then(Value::as_i64) {
                stats.remaining = Some(left);
            }
            if let Some(limit) = rate.get("limit").and_then(Value::as_i64) {
                stats.limit = Some(limit);
            }
            if let Some(reset) = rate
                .get("resetAt")
                .and_then(Value::as_str)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            {
                stats.reset_at = Some(reset.with_timezone(&Utc));
            }
        }
        if data.is_null() && !envelope.errors.is_empty() {
            // Errors and no data at all: the whole document failed (a server-side timeout shows
            // this way too), which a retry may cure.
            let message = envelope
                .errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            return Attempt::Retry {
                after: None,
                status: None,
                message: format!("GitHub reported: {message}"),
                secondary: false,
            };
        }
        Attempt::Done(Outcome::Graphql(Answer {
            data,
            errors: envelope.errors,
        }))
    }

    fn note_rate_headers(&self, headers: &HeaderMap) {
        if let Ok(mut stats) = self.stats.lock() {
            if let Some(remaining) = header_number(headers, "x-ratelimit-remaining") {
                stats.remaining = Some(remaining);
            }
            if let Some(limit) = header_number(headers, "x-ratelimit-limit") {
                stats.limit = Some(limit);
            }
            if let Some(reset) = header_number(headers, "x-ratelimit-reset")
                .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
            {
                stats.reset_at = Some(reset);
            }
        }
    }
}

fn header_number(headers: &HeaderMap, name: &str) -> Option<i64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// GitHub's `message` from an error body, or the start of the body when it is not JSON.
fn github_message(text: &str) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        message: Option<String>,
    }
    if let Ok(ErrorBody {
        message: Some(message),
    }) = serde_json::from_str::<ErrorBody>(text)
    {
        return message;
    }
    let start: String = text.chars().take(200).collect();
    start.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `errors` of a 422 Validation Failed, each as `Issue body: body is too long (…)`: the
/// resource and field when GitHub names them, then its message or code.
fn validation_errors(text: &str) -> Vec<String> {
    #[derive(Deserialize)]
    struct ErrorBody {
        #[serde(default)]
        errors: Vec<Value>,
    }
    let Ok(body) = serde_json::from_str::<ErrorBody>(text) else {
        return Vec::new();
    };
    body.errors
        .iter()
        .take(10)
        .map(|error| {
            let field = |name: &str| error.get(name).and_then(Value::as_str).unwrap_or_default();
            let what = [field("resource"), field("field")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let said = match (field("message"), field("code")) {
                ("", "") => error.as_str().unwrap_or_default().to_string(),
                ("", code) => code.to_string(),
                (message, _) => message.to_string(),
            };
            let said: String = said.chars().take(300).collect();
            if what.is_empty() {
                said
            } else {
                format!("{what}: {said}")
            }
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// The URL of the next page from a `Link` header (`<URL>; rel="next", …`).
fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enterprise_urls_come_from_the_variables_github_actions_sets() {
        let config = GitHubConfig::default();
        let endpoints = Endpoints::resolve(&config, |name| match name {
            "GITHUB_API_URL" => Some("https://ghe.example/api/v3/".into()),
            "GITHUB_GRAPHQL_URL" => Some("https://ghe.example/api/graphql".into()),
            _ => None,
        });
        assert_eq!(endpoints.api_url, "https://ghe.example/api/v3");
        assert_eq!(endpoints.graphql_url, "https://ghe.example/api/graphql");
        assert_eq!(endpoints.api_host(), "ghe.example");
        let public = Endpoints::resolve(&config, |_| None);
        assert_eq!(public.graphql_url, "https://api.github.com/graphql");
    }

    #[test]
    fn error_bodies_give_their_message() {
        assert_eq!(
            github_message(r#"{"message":"Bad credentials","documentation_url":"x"}"#),
            "Bad credentials"
        );
        assert_eq!(
            github_message("<html>\n<body>502</body>"),
            "<html> <body>502</body>"
        );
    }

    #[test]
    fn validation_failures_give_each_error() {
        let issue = r#"{"message":"Validation Failed","errors":[{"resource":"Issue","code":"custom","field":"body","message":"body is too long (maximum is 65536 characters)"}],"documentation_url":"https://docs.github.com/rest/issues/issues#create-an-issue"}"#;
        assert_eq!(
            validation_errors(issue),
            ["Issue body: body is too long (maximum is 65536 characters)"]
        );
        let label = r#"{"message":"Validation Failed","errors":[{"resource":"Label","code":"already_exists","field":"name"}]}"#;
        assert_eq!(validation_errors(label), ["Label name: already_exists"]);
        assert!(validation_errors("<html>").is_empty());
    }

    #[test]
    fn the_next_page_comes_from_the_link_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "link",
            HeaderValue::from_static(
                "<https://api.github.com/repositories/1/issues?page=2>; rel=\"next\", \
                 <https://api.github.com/repositories/1/issues?page=5>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://api.github.com/repositories/1/issues?page=2")
        );
        headers.insert(
            "link",
            HeaderValue::from_static("<https://api.github.com/x?page=1>; rel=\"prev\""),
        );
        assert_eq!(next_link(&headers), None);
    }
}
