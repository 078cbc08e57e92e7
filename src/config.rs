//! `teamlens.toml`: the thresholds of the detectors and the report's choices.
//!
//! Every key has a documented default, so the file is optional; unknown keys are rejected with the
//! list of valid ones, because a misspelt threshold silently ignored would make a detector judge
//! by a number the user believes they changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub thresholds: Thresholds,
    pub report: ReportConfig,
    pub github: GitHubConfig,
    pub linear: LinearConfig,
    pub git: GitConfig,
    pub jira: JiraConfig,
    pub identity: IdentityConfig,
    pub knowledge: KnowledgeConfig,
    pub calendar: CalendarConfig,
    pub publish: PublishConfig,
    pub dora: DoraConfig,
    pub ai: AiConfig,
    /// The roster: who is who across GitHub, git, Jira and Linear (`[[people]]`).
    pub people: Vec<RosterPerson>,
}

/// The Linear source: which teams, where, how gently, and how labels give a ticket's type.
///
/// The API key is never written here: it comes from `LINEAR_API_KEY`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinearConfig {
    /// Team keys (such as `PAY`) fetched by a plain `teamlens fetch`.
    pub teams: Vec<String>,
    /// GraphQL endpoint; `LINEAR_API_URL` overrides it. Default `https://api.linear.app/graphql`.
    pub api_url: Option<String>,
    /// Issues per request, 1–50. Each issue comes with its first 20 history entries and 10
    /// labels, attachments and comments, so 25 issues stay well under Linear's limit of 10,000
    /// complexity points per query; a query Linear finds too complex is retried with half as
    /// many issues.
    pub page_size: u32,
    /// Attempts per request on server errors, resets and truncated answers before stopping.
    pub max_attempts: u32,
    /// First back-off after a failed attempt, in milliseconds; doubled each time, with jitter.
    pub retry_base_ms: u64,
    /// Stop (or wait, with `--wait`) before the hourly request budget falls below this.
    pub min_remaining_requests: i64,
    /// The ticket type (bug, incident, feature, chore) of a label, by the label's name (compared
    /// without case). A label of the label group named `Type` gives the type first (through this
    /// map, else `default_type`) and is not listed among the ticket's labels; otherwise the first
    /// of the ticket's labels found here gives it.
    pub type_labels: std::collections::BTreeMap<String, String>,
    /// The type of a ticket none of whose labels gives one.
    pub default_type: String,
    /// Every so many days a fetch lists every issue id of each team (ids only) and removes the
    /// stored issues no longer in it, and reads those that moved in unseen. 0 lists at every
    /// fetch. As Jira's `relist_days`.
    pub relist_days: u32,
}

impl Default for LinearConfig {
    fn default() -> Self {
        let type_labels = [
            ("bug", "bug"),
            ("incident", "incident"),
            ("feature", "feature"),
            ("improvement", "feature"),
            ("chore", "chore"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        LinearConfig {
            teams: Vec::new(),
            api_url: None,
            page_size: 25,
            max_attempts: 6,
            retry_base_ms: 1000,
            min_remaining_requests: 10,
            type_labels,
            default_type: "feature".into(),
            relist_days: 7,
        }
    }
}

/// `teamlens publish slack` and `publish webhook`: how long to wait for an answer and how often
/// to try again. (`publish github-issue` goes through the GitHub client and its `[github]`
/// retries.) The webhook URLs are never written here: they are credentials, read from
/// `SLACK_WEBHOOK_URL` and `TEAMLENS_WEBHOOK_URL` (or the command line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublishConfig {
    /// Attempts per message on answers that say nothing was done (429, 502, 503, 504, a
    /// connection refused) before stopping.
    pub max_attempts: u32,
    /// First back-off after a failed attempt, in milliseconds; doubled each time, with jitter.
    pub retry_base_ms: u64,
    /// The longest `Retry-After` waited for, in seconds; a longer one stops with its time.
    pub max_retry_after_secs: u64,
    /// Seconds to wait for an answer before giving up (the message may or may not have arrived).
    pub timeout_secs: u64,
}

impl Default for PublishConfig {
    fn default() -> Self {
        PublishConfig {
            max_attempts: 4,
            retry_base_ms: 1000,
            max_retry_after_secs: 300,
            timeout_secs: 30,
        }
    }
}

impl PublishConfig {
    fn validate(&self) -> Result<(), String> {
        if self.max_attempts == 0 {
            return Err("publish.max_attempts = 0: give at least 1".into());
        }
        if self.timeout_secs == 0 {
            return Err("publish.timeout_secs = 0: give at least 1 second".into());
        }
        Ok(())
    }
}

/// The git source: local clones read by a plain `teamlens fetch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GitConfig {
    /// Paths of local clones (relative to the working directory).
    pub repositories: Vec<PathBuf>,
    /// The name a clone's rows carry, by its path as given (`"../api" = "acme/api"`); a clone
    /// not listed is named by its `origin` remote's `owner/name`, else by its directory.
    pub names: std::collections::BTreeMap<String, String>,
    /// The branch (or revision) to read; default `HEAD`.
    pub branch: Option<String>,
    /// Review trailers and the review state each gives (keys compared without case).
    pub review_trailers: std::collections::BTreeMap<String, String>,
    /// Detect renames (git's 50 % similarity), so ownership follows a file to its new name.
    pub renames: bool,
    /// Threads reading commits and computing line counts.
    pub threads: usize,
    /// Commits per checkpointed chunk.
    pub chunk: usize,
    /// Compute degree of authorship and truck factors after every fetch (from per-file
    /// aggregates kept between fetches, extended by the new commits).
    pub ownership: bool,
}

impl Default for GitConfig {
    fn default() -> Self {
        GitConfig {
            repositories: Vec::new(),
            names: std::collections::BTreeMap::new(),
            branch: None,
            review_trailers: default_review_trailers(),
            renames: true,
            threads: 2,
            chunk: 5000,
            ownership: true,
        }
    }
}

impl LinearConfig {
    fn validate(&self) -> Result<(), String> {
        if !(1..=50).contains(&self.page_size) {
            return Err(format!(
                "linear.page_size = {}: give 1 to 50 (larger pages of issues with their history \
                 exceed Linear's complexity limit per query)",
                self.page_size
            ));
        }
        if self.max_attempts == 0 {
            return Err("linear.max_attempts = 0: give at least 1".into());
        }
        for (label, kind) in &self.type_labels {
            if !matches!(kind.as_str(), "bug" | "incident" | "feature" | "chore") {
                return Err(format!(
                    "linear.type_labels.{label} = {kind:?}: a type is bug, incident, feature or chore"
                ));
            }
        }
        if !matches!(
            self.default_type.as_str(),
            "bug" | "incident" | "feature" | "chore"
        ) {
            return Err(format!(
                "linear.default_type = {:?}: a type is bug, incident, feature or chore",
                self.default_type
            ));
        }
        Ok(())
    }
}

impl GitConfig {
    fn validate(&self) -> Result<(), String> {
        const STATES: [&str; 4] = ["approved", "changes_requested", "commented", "dismissed"];
        for (key, state) in &self.review_trailers {
            if !STATES.contains(&state.as_str()) {
                return Err(format!(
                    "git.review_trailers.{key} = \"{state}\": give one of {}",
                    STATES.join(", ")
                ));
            }
        }
        if !(1..=8).contains(&self.threads) {
            return Err(format!("git.threads = {}: give 1 to 8", self.threads));
        }
        if self.chunk == 0 {
            return Err("git.chunk must be at least 1".into());
        }
        for (path, name) in &self.names {
            if name.trim().is_empty() || name.split('/').any(|part| part.trim().is_empty()) {
                return Err(format!(
                    "git.names.\"{path}\" = \"{name}\": give the repository's name, such as \"owner/name\""
                ));
            }
        }
        Ok(())
    }
}

/// The Jira Cloud source: which projects, where, and how to read their workflows.
///
/// Credentials are never written here: `JIRA_EMAIL` and `JIRA_API_TOKEN` are read from the
/// environment; `JIRA_BASE_URL` overrides `base_url`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JiraConfig {
    /// Project keys fetched by a plain `teamlens fetch`.
    pub projects: Vec<String>,
    /// `https://your-site.atlassian.net`.
    pub base_url: Option<String>,
    /// Workflow status name → `todo`, `in_progress` or `done`, for statuses whose Jira category
    /// says otherwise (a "Ready for release" Jira counts as done but your team does not).
    pub status_categories: std::collections::BTreeMap<String, String>,
    /// Issue type name → `bug`, `incident`, `feature` or `chore` (defaults: Bug → bug,
    /// Incident → incident, Story/Epic/Improvement → feature, Task/Sub-task → chore).
    pub issue_types: std::collections::BTreeMap<String, String>,
    /// Label → type; a label listed here wins over the issue type.
    pub label_types: std::collections::BTreeMap<String, String>,
    /// The custom field holding story points (`customfield_10016` on most Cloud sites).
    pub story_points_field: String,
    /// The custom field holding sprints (`customfield_10020` on most Cloud sites).
    pub sprint_field: String,
    /// Issues per search page, 1–100.
    pub page_size: u32,
    /// Attempts per request on 429, 5xx and broken answers before stopping (resumable).
    pub max_attempts: u32,
    /// First back-off after a failed attempt, in milliseconds; doubled each time, with jitter.
    pub retry_base_ms: u64,
    /// The longest `Retry-After` waited for, in seconds.
    pub max_retry_after_secs: u64,
    /// Every so many days a fetch lists every issue key of each project (a search for keys
    /// only) and removes the stored issues no longer in it: deleted, or moved to a project not
    /// fetched. 0 lists at every fetch.
    pub relist_days: u32,
}

impl Default for JiraConfig {
    fn default() -> Self {
        JiraConfig {
            projects: Vec::new(),
            base_url: None,
            status_categories: Default::default(),
            issue_types: Default::default(),
            label_types: [("incident", "incident"), ("bug", "bug")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            story_points_field: "customfield_10016".into(),
            sprint_field: "customfield_10020".into(),
            page_size: 50,
            max_attempts: 6,
            retry_base_ms: 1000,
            max_retry_after_secs: 300,
            relist_days: 7,
        }
    }
}

impl JiraConfig {
    fn validate(&self) -> Result<(), String> {
        if !(1..=100).contains(&self.page_size) {
            return Err(format!(
                "jira.page_size = {}: give 1 to 100 issues per page",
                self.page_size
            ));
        }
        for (status, category) in &self.status_categories {
            if !matches!(category.as_str(), "todo" | "in_progress" | "done") {
                return Err(format!(
                    "jira.status_categories.\"{status}\" = \"{category}\": give todo, in_progress or done"
                ));
            }
        }
        for (table, map) in [
            ("issue_types", &self.issue_types),
            ("label_types", &self.label_types),
        ] {
            for (name, kind) in map {
                if !matches!(kind.as_str(), "bug" | "incident" | "feature" | "chore") {
                    return Err(format!(
                        "jira.{table}.\"{name}\" = \"{kind}\": give bug, incident, feature or chore"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// One person of the roster: their id, team, role, calendar, and every account that is theirs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterPerson {
    /// The id every table names them by.
    pub person: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// `manager`, `lead`, `engineer`, `bot` or `external`.
    #[serde(default = "default_role")]
    pub role: String,
    /// The person's team; give `teams` instead for someone in several.
    #[serde(default)]
    pub team: Option<String>,
    /// Every team the person belongs to, the primary first (with `team`, that one is primary).
    /// Each team counts them; organisation totals count them once.
    #[serde(default)]
    pub teams: Vec<String>,
    #[serde(default = "default_timezone")]
    pub timezone: String,
    #[serde(default)]
    pub work_start_hour: Option<i64>,
    #[serde(default)]
    pub work_end_hour: Option<i64>,
    /// GitHub logins, git e-mails, Jira account ids, Linear user ids.
    #[serde(default)]
    pub aliases: Vec<String>,
}

fn default_role() -> String {
    "engineer".into()
}

fn default_timezone() -> String {
    "UTC".into()
}

impl RosterPerson {
    /// The person's teams, the primary first and each once (`team` before `teams`).
    pub fn memberships(&self) -> Vec<String> {
        let mut teams: Vec<String> = Vec::new();
        for team in self.team.iter().chain(&self.teams) {
            if !teams.contains(team) {
                teams.push(team.clone());
            }
        }
        teams
    }

    /// The `people` row of this roster entry (validation made sure there is a team).
    pub fn row(&self) -> crate::model::Person {
        let teams = self.memberships();
        crate::model::Person {
            person: self.person.clone(),
            display_name: self.display_name.clone(),
            team: teams.first().cloned().unwrap_or_default(),
            teams,
            role: self.role.clone(),
            timezone: self.timezone.clone(),
            work_start_hour: self.work_start_hour,
            work_end_hour: self.work_end_hour,
            aliases: self.aliases.clone(),
        }
    }
}

/// The GitHub source: what to fetch, where from, and how gently.
///
/// Credentials are never written here: `GITHUB_TOKEN` or the GitHub CLI's login are used first;
/// a GitHub App is configured by its ids and the path of its private key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GitHubConfig {
    /// Repositories fetched by a plain `teamlens fetch`, as `owner/name`.
    pub repositories: Vec<String>,
    /// Organisations whose repositories (not archived, not forks) a plain `teamlens fetch` takes.
    pub organizations: Vec<String>,
    /// REST API root; `GITHUB_API_URL` overrides it (GitHub Enterprise Server:
    /// `https://HOST/api/v3`). Default `https://api.github.com`.
    pub api_url: Option<String>,
    /// GraphQL endpoint; `GITHUB_GRAPHQL_URL` overrides it (GitHub Enterprise Server:
    /// `https://HOST/api/graphql`). Default `https://api.github.com/graphql`.
    pub graphql_url: Option<String>,
    /// A GitHub App to authenticate as, when neither `GITHUB_TOKEN` nor `gh` gives a token.
    pub app_id: Option<u64>,
    pub installation_id: Option<u64>,
    pub private_key_path: Option<PathBuf>,
    /// PRs (and issues) per request, 1–100. Lower it if GitHub answers large pages with
    /// timeouts; the fetch also halves it by itself after a timeout.
    pub page_size: u32,
    /// Requests in flight at once, across repositories (GitHub asks for few).
    pub max_in_flight: usize,
    /// Attempts per request on server errors, resets and truncated answers before stopping
    /// (with a checkpoint to resume from).
    pub max_attempts: u32,
    /// First back-off after a failed attempt, in milliseconds; doubled each time, with jitter.
    pub retry_base_ms: u64,
    /// How long to wait after a secondary rate limit that gives no `Retry-After`, in seconds
    /// (GitHub asks for at least a minute); doubled on each repeat.
    pub secondary_limit_wait_secs: u64,
    /// Stop (or wait, with `--wait`) before the hourly budget falls below this many points.
    pub min_remaining_points: i64,
    /// Also fetch the repositories' GitHub Issues, deployments and releases.
    pub issues: bool,
    pub deployments: bool,
    pub releases: bool,
}

impl Default for GitHubConfig {
    fn default() -> Self {
        GitHubConfig {
            repositories: Vec::new(),
            organizations: Vec::new(),
            api_url: None,
            graphql_url: None,
            app_id: None,
            installation_id: None,
            private_key_path: None,
            page_size: 100,
            max_in_flight: 2,
            max_attempts: 6,
            retry_base_ms: 1000,
            secondary_limit_wait_secs: 60,
            min_remaining_points: 200,
            issues: true,
            deployments: true,
            releases: true,
        }
    }
}

/// Who is who: how one person's accounts are merged and which accounts are automation
/// (`[identity]`). See `crate::identity` for the evidence each merge needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// Merge one person's accounts automatically where the evidence is strong: the same GitHub
    /// account, the same full name, a login that is an address's local part. `false` keeps
    /// every account apart unless the roster's aliases join them.
    pub merge: bool,
    /// Pairs of accounts that are different people however alike they look, such as
    /// `[["ian@acme.example", "iant@acme.example"]]`: never in one person.
    pub never_merge: Vec<[String; 2]>,
    /// Accounts that are automation besides the built-in list: exact, or with `*` standing for
    /// any text (`"*-ci@acme.example"`). Matched without case.
    pub bots: Vec<String>,
    /// Accounts the built-in list takes for automation that are people.
    pub not_bots: Vec<String>,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            merge: true,
            never_merge: Vec::new(),
            bots: Vec::new(),
            not_bots: Vec::new(),
        }
    }
}

impl IdentityConfig {
    fn validate(&self) -> Result<(), String> {
        for [a, b] in &self.never_merge {
            if a.trim().is_empty() || b.trim().is_empty() {
                return Err(
                    "identity.never_merge: each pair names two accounts, such as \
                            [\"ian@acme.example\", \"iant@acme.example\"]"
                        .into(),
                );
            }
            if a.eq_ignore_ascii_case(b) {
                return Err(format!(
                    "identity.never_merge: [\"{a}\", \"{b}\"] names one account twice"
                ));
            }
        }
        if let Some(empty) = self
            .bots
            .iter()
            .find(|p| p.trim().trim_matches('*').is_empty())
        {
            return Err(format!(
                "identity.bots: `{empty}` would match every account; name the accounts, or a \
                 pattern with text beside the `*`"
            ));
        }
        Ok(())
    }
}

/// AI-assisted work (`[ai]`): assistants and agents recognised besides the built-in list of
/// `crate::identity::assistants`, and built-in ones to forget. Like `[identity] bots`, applied
/// at every analysis from the stored facts, so a change here needs no fetch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AiConfig {
    /// More assistants (`[[ai.assistants]]`), each a tool's name and what marks its changes.
    pub assistants: Vec<AiAssistantConfig>,
    /// Built-in tools not to recognise, by name (compared without case), such as `["Aider"]`.
    pub remove: Vec<String>,
    /// Whether a person's own words count ("This change was driven by Codex", "LLM
    /// disclosure: …"; the rule is `crate::common::disclosure`'s). On by default; `false` keeps
    /// only the marks the tools leave themselves.
    pub disclosures: bool,
}

impl Default for AiConfig {
    fn default() -> Self {
        AiConfig {
            assistants: Vec::new(),
            remove: Vec::new(),
            disclosures: true,
        }
    }
}

/// One assistant or agent of `[[ai.assistants]]`; at least one of its lists is given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AiAssistantConfig {
    /// The tool's name, as the report shows it.
    pub tool: String,
    /// Addresses a `Co-authored-by:`, `Assisted-by:` or `Generated-by:` trailer names the tool
    /// by (`ai-helper@acme.example`), compared without case.
    pub trailer_addresses: Vec<String>,
    /// Accounts (logins or addresses) that author changes as the agent itself: such a change
    /// is agent-authored.
    pub agents: Vec<String>,
    /// Text that marks a change when a message's first line or one of its attribution lines
    /// (`crate::common::attribution`) contains it, compared without case; a marker outside those
    /// lines was not stored and cannot be found.
    pub markers: Vec<String>,
    /// Pull request labels that mean the change was made with the tool (exact, without case).
    pub labels: Vec<String>,
}

impl AiConfig {
    fn validate(&self) -> Result<(), String> {
        for a in &self.assistants {
            if a.tool.trim().is_empty() {
                return Err("ai.assistants: every entry needs tool = \"name\"".into());
            }
            let lists = [
                ("trailer_addresses", &a.trailer_addresses),
                ("agents", &a.agents),
                ("markers", &a.markers),
                ("labels", &a.labels),
            ];
            if lists.iter().all(|(_, l)| l.is_empty()) {
                return Err(format!(
                    "ai.assistants `{}`: give at least one of trailer_addresses, agents, \
                     markers or labels",
                    a.tool
                ));
            }
            for (key, list) in lists {
                if let Some(blank) = list.iter().find(|v| v.trim().chars().count() < 3) {
                    return Err(format!(
                        "ai.assistants `{}`: {key} entry \"{blank}\" is too short to mark \
                         anything (give at least 3 characters)",
                        a.tool
                    ));
                }
            }
        }
        if let Some(blank) = self.remove.iter().find(|r| r.trim().is_empty()) {
            return Err(format!(
                "ai.remove: \"{blank}\" names no tool; give a built-in tool's name such as \"Aider\""
            ));
        }
        Ok(())
    }
}

/// Which files' knowledge counts (`[knowledge]`): the truck factor of `fetch git` and the
/// `knowledge_silo` detector count code files only, as Avelino et al. did; `crate::common::files`
/// holds the built-in rules (generated, vendored, documentation and other files left out).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KnowledgeConfig {
    /// Globs of files left out although the built-in rules count them as code, such as
    /// `["src/legacy/**", "*_mock.go"]`. Wins over `include`.
    pub exclude: Vec<String>,
    /// Globs of files counted as code although the built-in rules leave them out, such as
    /// `["docs/**/*.py", "schema/*.json"]`.
    pub include: Vec<String>,
}

impl KnowledgeConfig {
    /// The file rules these globs make.
    pub fn rules(&self) -> crate::common::files::FileRules {
        crate::common::files::FileRules::new(&self.include, &self.exclude)
    }

    fn validate(&self) -> Result<(), String> {
        for (key, globs) in [("exclude", &self.exclude), ("include", &self.include)] {
            if let Some(bad) = globs
                .iter()
                .find(|g| g.trim().trim_matches(|c| c == '/' || c == '*').is_empty())
            {
                return Err(format!(
                    "knowledge.{key}: `{bad}` would match every file; give globs such as \
                     \"vendor/**\" or \"*.pb.go\""
                ));
            }
        }
        Ok(())
    }
}

/// What DORA's four keys count (`[dora]`): which deployments are to production, and what makes
/// one a failure. Every key has a default; docs/report.md gives each definition and its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DoraConfig {
    /// The environments whose deployments count (compared without case). GitHub's deployments
    /// keep their environment's name; a release is a deployment to `release`, so a project
    /// that ships by releases lists `"release"`. Lead time ends at the first of these
    /// deployments that shipped the PR.
    pub environments: Vec<String>,
    /// A deployment failed when, within this many days after it, a PR it shipped is reverted,
    /// an incident names a PR it shipped, or a hotfix for it is merged.
    pub failure_window_days: u32,
    /// Tickets of these types are incidents (`bug`, `incident`, `feature` or `chore`: the
    /// types the sources give, after `[jira]` and `[linear]`'s mappings).
    pub incident_types: Vec<String>,
    /// Tickets carrying one of these labels (compared without case) are incidents too, such
    /// as `["sev1", "outage"]`.
    pub incident_labels: Vec<String>,
    /// A merged PR with one of these labels (compared without case) is a hotfix.
    pub hotfix_labels: Vec<String>,
    /// A merged PR whose title contains one of these (compared without case) is a hotfix.
    pub hotfix_title_words: Vec<String>,
}

impl Default for DoraConfig {
    fn default() -> Self {
        let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        DoraConfig {
            environments: strings(&["production"]),
            failure_window_days: 7,
            incident_types: strings(&["incident"]),
            incident_labels: Vec::new(),
            hotfix_labels: strings(&["hotfix"]),
            hotfix_title_words: strings(&["hotfix", "hot fix", "hot-fix"]),
        }
    }
}

impl DoraConfig {
    fn validate(&self) -> Result<(), String> {
        if self.environments.iter().all(|e| e.trim().is_empty()) {
            return Err(
                "dora.environments is empty: name the environments whose deployments \
                        count, such as [\"production\"]"
                    .into(),
            );
        }
        if self.failure_window_days == 0 {
            return Err("dora.failure_window_days = 0: give at least 1 day".into());
        }
        for kind in &self.incident_types {
            if !matches!(kind.as_str(), "bug" | "incident" | "feature" | "chore") {
                return Err(format!(
                    "dora.incident_types: \"{kind}\" is not a ticket type: give bug, incident, \
                     feature or chore"
                ));
            }
        }
        for (key, list) in [
            ("incident_labels", &self.incident_labels),
            ("hotfix_labels", &self.hotfix_labels),
            ("hotfix_title_words", &self.hotfix_title_words),
        ] {
            if list.iter().any(|s| s.trim().is_empty()) {
                return Err(format!(
                    "dora.{key}: an empty text would match everything; remove it"
                ));
            }
        }
        Ok(())
    }
}

/// Report options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// Logins to treat as bots besides those ending in `[bot]` and people with role `bot`.
    pub bots: Vec<String>,
    /// How many of the longest-waiting PRs a finding links to.
    pub evidence_links: usize,
    /// For a team audience (`--audience team`, the retro's default): the fewest people active in
    /// the month a team needs for its count of a per-person health signal (burnout, attrition
    /// risk) to be shown. In a smaller team a count names the person in all but name, so it is
    /// left out, as DX's minimum-group rules do. The manager audience is not limited by it.
    pub min_group_size: usize,
    /// Which clock the report's waits lead with: `working` (the working time of the person
    /// waited on, from `[calendar]` and the roster) or `wall` (hours as a clock on the wall
    /// counts them). Both are computed and kept; this only chooses what the tables show first.
    pub clock: Clock,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig {
            bots: Vec::new(),
            evidence_links: 5,
            min_group_size: 5,
            clock: Clock::Working,
        }
    }
}

/// How a wait is counted. A PR opened on Friday evening and reviewed on Monday morning waited
/// 60 hours on the wall clock and one working hour of its reviewer's: the first makes people hold
/// their PRs back so as not to spoil the numbers, the second is what the reviewer could act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    Working,
    Wall,
}

impl Clock {
    /// As the report's tables name it.
    pub fn label(self) -> &'static str {
        match self {
            Clock::Working => "working hours",
            Clock::Wall => "wall-clock hours",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Clock::Working => "working",
            Clock::Wall => "wall",
        }
    }
}

/// The organisation's working calendar: what a wait is measured against on the working clock.
/// A person's own time zone and hours come from the roster (`[[people]]`), their days off from
/// the `time_off` table; this section gives everyone's weekend and holidays, and the calendar of
/// the people the roster does not place (no time zone, or UTC with no hours given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarConfig {
    /// IANA time zone of the people the roster does not place.
    pub timezone: String,
    /// Their working day's first local hour (0–23).
    pub work_start_hour: i64,
    /// Their working day's last local hour (1–24).
    pub work_end_hour: i64,
    /// The days nobody works, by English name or its first three letters.
    pub weekend: Vec<String>,
    /// The organisation's holidays, `YYYY-MM-DD`, nobody's working days.
    pub holidays: Vec<String>,
    /// An iCalendar file of holidays (`.ics`, as HR and team calendars export them), relative to
    /// the configuration file: every all-day or timed event's days count as holidays, a yearly
    /// recurring event's in every year.
    pub holidays_file: Option<PathBuf>,
    /// Every holiday: `holidays` and the file's events, filled when the file is loaded.
    #[serde(skip)]
    pub holiday_days: std::collections::BTreeSet<chrono::NaiveDate>,
    /// The weekend as weekdays, filled by validation.
    #[serde(skip)]
    pub weekend_days: Vec<chrono::Weekday>,
}

impl Default for CalendarConfig {
    fn default() -> Self {
        CalendarConfig {
            timezone: "UTC".into(),
            work_start_hour: 9,
            work_end_hour: 18,
            weekend: vec!["Saturday".into(), "Sunday".into()],
            holidays: Vec::new(),
            holidays_file: None,
            holiday_days: Default::default(),
            weekend_days: vec![chrono::Weekday::Sat, chrono::Weekday::Sun],
        }
    }
}

impl CalendarConfig {
    pub fn validate(&mut self) -> Result<(), String> {
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(format!(
                "calendar.timezone = \"{}\" is not an IANA time zone (Europe/Berlin)",
                self.timezone
            ));
        }
        if !(0..=23).contains(&self.work_start_hour)
            || !(1..=24).contains(&self.work_end_hour)
            || self.work_start_hour >= self.work_end_hour
        {
            return Err(format!(
                "calendar: work_start_hour = {} and work_end_hour = {}: give a start of 0 to 23 before an end of 1 to 24",
                self.work_start_hour, self.work_end_hour
            ));
        }
        self.weekend_days = self
            .weekend
            .iter()
            .map(|day| {
                day.parse::<chrono::Weekday>().map_err(|_| {
                    format!(
                        "calendar.weekend: \"{day}\" is not a day of the week (Saturday or Sat)"
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        for day in &self.holidays {
            let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
                format!("calendar.holidays: \"{day}\" is not a date: give YYYY-MM-DD")
            })?;
            self.holiday_days.insert(date);
        }
        Ok(())
    }

    /// Reads `holidays_file` (relative to `base`, the configuration file's directory) into
    /// `holiday_days`.
    fn load_holidays_file(&mut self, base: &Path) -> Result<(), String> {
        let Some(file) = &self.holidays_file else {
            return Ok(());
        };
        let path = base.join(file);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "calendar.holidays_file: cannot read {}: {e}; give the path of an iCalendar (.ics) file, relative to this configuration file",
                path.display()
            )
        })?;
        let days = crate::common::holidays::read_ics(&text)
            .map_err(|e| format!("calendar.holidays_file {}: {e}", path.display()))?;
        self.holiday_days.extend(days);
        Ok(())
    }
}

/// One table per detector; see `teamlens explain KIND` and docs/configuration.md for what each
/// number means.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    pub review_bottleneck: ReviewBottleneckThresholds,
    pub micromanagement: MicromanagementThresholds,
    pub absentee_manager: AbsenteeThresholds,
    pub wont_let_go: WontLetGoThresholds,
    pub overload: OverloadThresholds,
    pub burnout_risk: BurnoutThresholds,
    pub knowledge_silo: KnowledgeSiloThresholds,
    pub attrition_risk: AttritionThresholds,
    pub output_outcome_divergence: DivergenceThresholds,
    pub rubber_stamp_review: RubberStampThresholds,
    pub ai_output_without_outcome: AiOutcomeThresholds,
}

/// When a team's AI-assisted output rises while its outcomes lag the team's other work
/// (`teamlens explain ai_output_without_outcome`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AiOutcomeThresholds {
    /// Months judged together, ending with the reported one: AI-assisted PRs are few in a
    /// single month.
    pub window_months: usize,
    /// Months before the window whose AI-assisted share the window's is compared with.
    pub baseline_months: usize,
    /// Fewer AI-assisted merged PRs than this in the window: not judged.
    pub min_ai_prs: u64,
    /// Fewer other merged PRs than this in the window: not judged.
    pub min_other_prs: u64,
    /// The AI-assisted share of the merged PRs the window must reach.
    pub min_share: f64,
    /// How much the share must have risen over the baseline's (0.5: to 1.5 times it).
    pub share_rise: f64,
    /// How many times the other PRs' failure or rework rate the AI-assisted PRs' must reach.
    pub outcome_ratio: f64,
    /// AI-assisted PRs that failed (or were reworked) at the least for it to count.
    pub min_failed: u64,
}

impl Default for AiOutcomeThresholds {
    fn default() -> Self {
        AiOutcomeThresholds {
            window_months: 2,
            baseline_months: 3,
            min_ai_prs: 10,
            min_other_prs: 10,
            min_share: 0.15,
            share_rise: 0.5,
            outcome_ratio: 1.5,
            min_failed: 3,
        }
    }
}

/// When a manager controls the team's work rather than supporting it. Five signals, each a
/// share of the team's PRs or tickets in the month; the detector fires on `min_signals` of them
/// at once, never on one alone (a manager who reviews a lot is not a micromanager by that).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MicromanagementThresholds {
    /// Fewer PRs by the rest of the team in the month than this: too little data to judge.
    pub min_team_prs: usize,
    /// Fewer team members than this: a manager of one or two people reviews everything anyway.
    pub min_team_size: usize,
    /// How many of the five signals must be over their threshold at once.
    pub min_signals: usize,
    /// Share of the team's reviewed PRs (not the manager's own) the manager reviewed.
    pub review_share: f64,
    /// Share of those PRs on which the manager requested changes after a peer had approved.
    pub changes_after_approval_share: f64,
    /// Share of those PRs to which the manager pushed commits (update-branch merges excluded).
    pub commits_on_others_share: f64,
    /// Share of others' tickets whose title or description the manager rewrote.
    pub ticket_rewrite_share: f64,
    /// Share of others' tickets the manager re-assigned.
    pub reassignment_share: f64,
}

impl Default for MicromanagementThresholds {
    fn default() -> Self {
        MicromanagementThresholds {
            min_team_prs: 10,
            min_team_size: 3,
            min_signals: 3,
            review_share: 0.6,
            changes_after_approval_share: 0.1,
            commits_on_others_share: 0.05,
            ticket_rewrite_share: 0.15,
            reassignment_share: 0.04,
        }
    }
}

/// When a team is left alone: its manager hardly responds while its work waits and goes stale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AbsenteeThresholds {
    /// Fewer PRs by the team in the month than this: too little data to judge.
    pub min_team_prs: usize,
    /// The manager's visible actions (reviews, comments, PRs, commits, ticket changes; sprint
    /// planning excluded) per PR the team opened, at most.
    pub max_actions_per_pr: f64,
    /// The team's median time to first review, relative to the median of the other teams, at least.
    pub pickup_ratio: f64,
    /// A PR or ticket untouched for this many days at the end of the month is stale.
    pub stale_days: i64,
    /// Stale PRs and tickets at the end of the month, per team member, at least (the alternative
    /// to slow pickup).
    pub stale_per_person: f64,
}

impl Default for AbsenteeThresholds {
    fn default() -> Self {
        AbsenteeThresholds {
            min_team_prs: 10,
            max_actions_per_pr: 0.35,
            pickup_ratio: 1.3,
            stale_days: 14,
            stale_per_person: 0.5,
        }
    }
}

/// When a former lead, now the manager, still writes and gates the critical code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WontLetGoThresholds {
    /// Fewer merged PRs in the team-month than this: too little data to judge.
    pub min_team_prs: usize,
    /// The manager's share of the team's merged PRs, at least ...
    pub author_share: f64,
    /// ... or their merged PRs against the team's median engineer's, at least: a share of the
    /// team's PRs falls as the team grows (a former lead of twelve engineers who writes as much
    /// as each of them has 8 %, one of four 20 %), so on a large team the manager is compared
    /// with the people whose work they would be doing. Half: `author_share` of a team of six.
    pub median_engineer_ratio: f64,
    /// Besides that share, one of: the manager's own PRs merged with no approval (at least this
    /// many) ...
    pub unapproved_merges: usize,
    /// ... others' reviews dismissed by the manager (at least this many) ...
    pub dismissals: usize,
    /// ... or the manager made at least this share of the changes to a module only they know
    /// (truck factor 1, see knowledge_silo).
    pub silo_change_share: f64,
}

impl Default for WontLetGoThresholds {
    fn default() -> Self {
        WontLetGoThresholds {
            min_team_prs: 10,
            author_share: 0.08,
            median_engineer_ratio: 0.5,
            unapproved_merges: 2,
            dismissals: 1,
            silo_change_share: 0.5,
        }
    }
}

/// When a team takes on more than it can finish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OverloadThresholds {
    /// Fewer tickets in the team's sprints of the month than this: too little data to judge.
    pub min_tickets: usize,
    /// How many of the four signals must be over their threshold at once.
    pub min_signals: usize,
    /// The team's agreement on work in progress: tickets in progress per person at the end of
    /// the month above this is a signal.
    pub wip_per_person: f64,
    /// A ticket added to a sprint more than this many hours after the sprint's first ticket was
    /// planned counts as scope added to a running sprint.
    pub sprint_grace_hours: i64,
    /// Share of the month's sprint tickets added to a running sprint, at least.
    pub added_mid_sprint_share: f64,
    /// Share of the tickets of sprints ending in the month done by the sprint's end, at most.
    pub completion_ratio: f64,
    /// Share of tickets created in the month that are unplanned (labelled `unplanned`, or
    /// incidents), at least.
    pub unplanned_share: f64,
}

impl Default for OverloadThresholds {
    fn default() -> Self {
        OverloadThresholds {
            min_tickets: 10,
            min_signals: 2,
            wip_per_person: 3.0,
            sprint_grace_hours: 24,
            added_mid_sprint_share: 0.35,
            completion_ratio: 0.35,
            unplanned_share: 0.15,
        }
    }
}

/// When a person's work spills into their evenings and weekends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BurnoutThresholds {
    /// Fewer actions of the person in the month than this: too little data to judge.
    pub min_actions: usize,
    /// Share of the person's actions outside their own working hours (their time zone) or at
    /// weekends, at least.
    pub after_hours_share: f64,
    /// Rise of that share over the person's own baseline, in absolute points, at least.
    pub rise: f64,
    /// And the share at least this many times the baseline's: someone who has always worked
    /// some evenings is not drifting.
    pub rise_factor: f64,
    /// Months before the reported one that form the person's baseline. Six, not three: a month
    /// holds only a handful of PR starts, so an evening committer's share swings from month to
    /// month, and the median of three months is one quiet month away from reading their habit
    /// as a rise (issue #21's third round: precision per month on the three development sets
    /// 0.85, 0.80, 0.87 with three months, 0.94, 0.90, 0.92 with six).
    pub baseline_months: usize,
    /// Share of the days of any fortnight in the month on which the person was active; at or
    /// above it the person fires regardless of the hours.
    pub fortnight_active_share: f64,
    /// A month in which the person was active on fewer than this share of their usual days
    /// (the median of their baseline months' active days) is a holiday month: a share of its
    /// few actions rests on one or two evenings, and it is not judged (0.5: away half their
    /// usual month or more). 0 turns the rule off.
    pub usual_days_share: f64,
}

impl Default for BurnoutThresholds {
    fn default() -> Self {
        BurnoutThresholds {
            min_actions: 30,
            after_hours_share: 0.15,
            rise: 0.08,
            rise_factor: 3.0,
            baseline_months: 6,
            fortnight_active_share: 0.9,
            usual_days_share: 0.5,
        }
    }
}

/// When a module is known by one person only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KnowledgeSiloThresholds {
    /// Months of history, ending with the reported one, that count as knowledge.
    pub window_months: usize,
    /// Teams of fewer people are not judged: in a team of two, every module is one person's by
    /// construction; the risk is the team's size, which the report shows anyway.
    pub min_team_size: usize,
    /// What a review of a change to a file is worth against authoring the change (Avelino's
    /// deliveries): the reviewer learns about the file, less than its author.
    pub review_weight: f64,
    /// Modules with fewer code files changed in the window are not judged.
    pub min_module_files: usize,
    /// Modules changed by fewer merged PRs (or landed commits) in the window are not judged;
    /// a PR counts once however many of the module's files it changed.
    pub min_module_changes: usize,
    /// The module's only knowledgeable person must have made at least this share of the changes
    /// to its files in the window (a PR changing a file is one change to that file).
    pub holder_share: f64,
}

impl Default for KnowledgeSiloThresholds {
    fn default() -> Self {
        KnowledgeSiloThresholds {
            window_months: 6,
            min_team_size: 3,
            review_weight: 0.5,
            min_module_files: 3,
            min_module_changes: 12,
            holder_share: 0.5,
        }
    }
}

/// When a person's activity falls far below their own baseline, or stops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttritionThresholds {
    /// Months before the two judged that form the person's baseline (as far back as the data
    /// goes): the longer, the less a lucky or unlucky month of the baseline moves the bar.
    pub baseline_months: usize,
    /// A baseline of fewer actions a month than this: not judged.
    pub min_baseline_actions: f64,
    /// Pieces of work (PRs opened, others' PRs reviewed) in each of the two months, against what
    /// the person's baseline rate per working day and the team's own change lead one to expect,
    /// at most.
    pub fade_ratio: f64,
    /// And the chance of so few pieces of work over the two months, were the person's rate
    /// unchanged (an exact conditional Poisson test), at most.
    pub fade_p_value: f64,
    /// No activity at all over this many days up to the end of the month (and none since) is
    /// a stop.
    pub silent_days: i64,
    /// How the fade test allows for the person's month-to-month swing: `poisson` (the
    /// default) counts work as a steady Poisson stream; `quasi-poisson` divides the counts by
    /// how much more the person's own baseline months swing than that (at least 1, from three
    /// working months), so a bursty contributor's ordinary quiet months are not read as a fade.
    /// Measured on the simulated sets: precision up on every one, recall down (docs/detectors.md).
    pub fade_test: FadeTest,
    /// Leave the teammates' reviews of the person's own PRs out of the team's change: a fader's
    /// missing PRs are reviews their teammates do not do, which otherwise lowers what the fader
    /// is judged against. Measured on the simulated sets: recall up, precision down.
    pub team_change_without_own_prs: bool,
}

/// How attrition_risk's fade test allows for a person's month-to-month swing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FadeTest {
    /// An exact conditional test of two Poisson rates.
    #[default]
    Poisson,
    /// The same test on the counts divided by the person's own baseline dispersion.
    QuasiPoisson,
}

impl Default for AttritionThresholds {
    fn default() -> Self {
        AttritionThresholds {
            baseline_months: 6,
            min_baseline_actions: 40.0,
            fade_ratio: 0.75,
            fade_p_value: 0.001,
            silent_days: 20,
            fade_test: FadeTest::Poisson,
            team_change_without_own_prs: false,
        }
    }
}

/// When approvals of sizeable changes come faster than anyone can read them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RubberStampThresholds {
    /// PRs with fewer changed lines than this are not judged (a one-line fix is quick to read).
    pub min_lines: i64,
    /// An approval within this many minutes of the request (or of the PR becoming ready), with
    /// no comment, is a stamp; 80 lines in 15 minutes is over 300 lines an hour, about the rate
    /// above which code-review studies find reviewers miss most defects.
    pub max_minutes: i64,
    /// Stamps over the month and the one before, at least.
    pub min_count: usize,
    /// Share of the person's approvals of such PRs that are stamps, at least.
    pub min_share: f64,
}

impl Default for RubberStampThresholds {
    fn default() -> Self {
        RubberStampThresholds {
            min_lines: 80,
            max_minutes: 15,
            min_count: 3,
            min_share: 0.5,
        }
    }
}

/// When one person has become the gate every merge waits on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewBottleneckThresholds {
    /// Fewer merged PRs in a team-month than this: too little data to judge.
    pub min_merged_prs: usize,
    /// Fewer people who could review (the team's non-bot members) than this: one reviewer is
    /// normal, not a bottleneck (a two-person team always reviews each other).
    pub min_team_size: usize,
    /// Share of the team's merged PRs (not authored by the person) that the person approved.
    pub approval_share: f64,
    /// Share of those PRs whose last approval before merge was the person's.
    pub last_gate_share: f64,
    /// Approval share from which the finding is an `alert` rather than a `warn`.
    pub alert_share: f64,
    /// The shares are measured over this many months ending with the reported one: a gate is a
    /// standing arrangement, while one reviewer carrying a team whose others are on holiday for
    /// a month is not.
    pub window_months: usize,
    /// In the reported month itself the person must still have approved at least this share, or
    /// they have stopped being the gate.
    pub month_share_floor: f64,
    /// The person's approvals over the window must be at least this many times the next
    /// busiest approver's: a gate stands out, one of two busy reviewers does not.
    pub dominance: f64,
    /// Where review requests are recorded, the team's PRs must wait on the person longer than
    /// on its other reviewers: their median wait at least this many times the others' median
    /// (2: twice as long). Someone asked first who answers as soon as anyone else is the senior
    /// of a small team, not a gate; 0 turns the rule off. Without review requests (git) it
    /// cannot be checked and does not apply.
    pub gate_wait_factor: f64,
}

impl Default for ReviewBottleneckThresholds {
    fn default() -> Self {
        ReviewBottleneckThresholds {
            min_merged_prs: 10,
            min_team_size: 3,
            approval_share: 0.6,
            last_gate_share: 0.5,
            alert_share: 0.8,
            window_months: 3,
            month_share_floor: 0.4,
            dominance: 1.6,
            gate_wait_factor: 2.0,
        }
    }
}

/// When a team's output rises while its outcomes do not improve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DivergenceThresholds {
    /// Months before the reported one that form the baseline.
    pub baseline_months: usize,
    /// Fewer merged PRs than this in the month or in the baseline's average month: no judgement.
    pub min_merged_prs: usize,
    /// Relative rise of merged PRs over the baseline's monthly average that counts as rising output.
    pub output_rise: f64,
    /// Relative rise of median cycle time that counts as a worse outcome.
    pub cycle_time_rise: f64,
    /// Rise of the share of merged PRs that failed (reverted, or named by an incident), in
    /// absolute points (0.05 = five percentage points).
    pub failure_rate_rise: f64,
    /// Relative drop of the median size of the PRs opened or merged that, with rising counts and
    /// cycle time falling by less than the PRs shrank, marks PR splitting.
    pub size_drop: f64,
}

impl Default for DivergenceThresholds {
    fn default() -> Self {
        DivergenceThresholds {
            baseline_months: 3,
            min_merged_prs: 15,
            output_rise: 0.3,
            cycle_time_rise: 0.2,
            failure_rate_rise: 0.05,
            size_drop: 0.3,
        }
    }
}

impl GitHubConfig {
    fn validate(&self) -> Result<(), String> {
        if !(1..=100).contains(&self.page_size) {
            return Err(format!(
                "github.page_size = {}: GitHub serves 1 to 100 items per page",
                self.page_size
            ));
        }
        if !(1..=8).contains(&self.max_in_flight) {
            return Err(format!(
                "github.max_in_flight = {}: give 1 to 8 (GitHub penalises many concurrent requests)",
                self.max_in_flight
            ));
        }
        if self.max_attempts == 0 {
            return Err("github.max_attempts must be at least 1".into());
        }
        for repository in &self.repositories {
            crate::common::repo_name::RepoName::parse(repository)
                .map_err(|e| format!("github.repositories: {e}"))?;
        }
        Ok(())
    }
}

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("configuration file {path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// Loads `path`; when `required` is false a missing file means the defaults.
    pub fn load(path: &Path, required: bool) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Config::default());
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message: "the file is not UTF-8 text; save it as UTF-8".into(),
                });
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let invalid = |message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let mut config = Config::parse(&text).map_err(invalid)?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.calendar.load_holidays_file(base).map_err(invalid)?;
        Ok(config)
    }

    /// Parses the text of a configuration file and checks the values' ranges.
    pub fn parse(text: &str) -> Result<Config, String> {
        let mut config: Config = toml::from_str(text).map_err(|e| describe_toml_error(text, &e))?;
        config.calendar.validate()?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        self.github.validate()?;
        self.linear.validate()?;
        self.git.validate()?;
        self.jira.validate()?;
        self.identity.validate()?;
        self.knowledge.validate()?;
        self.publish.validate()?;
        self.dora.validate()?;
        self.ai.validate()?;
        let mut seen = std::collections::BTreeMap::new();
        for p in &self.people {
            if !matches!(
                p.role.as_str(),
                "manager" | "lead" | "engineer" | "bot" | "external"
            ) {
                return Err(format!(
                    "people `{}`: role = \"{}\": give manager, lead, engineer, bot or external",
                    p.person, p.role
                ));
            }
            let teams = p.memberships();
            if teams.is_empty() {
                return Err(format!(
                    "people `{}`: no team: give team = \"name\" or teams = [\"one\", \"two\"]",
                    p.person
                ));
            }
            if let Some(blank) = teams
                .iter()
                .find(|t| t.trim().is_empty() || t.starts_with("team:"))
            {
                return Err(format!(
                    "people `{}`: team \"{blank}\" is not a team name: give a non-empty name without the `team:` prefix",
                    p.person
                ));
            }
            if p.timezone.parse::<chrono_tz::Tz>().is_err() {
                return Err(format!(
                    "people `{}`: timezone = \"{}\" is not an IANA time zone (Europe/Berlin)",
                    p.person, p.timezone
                ));
            }
            for name in std::iter::once(&p.person).chain(&p.aliases) {
                if let Some(other) = seen.insert(name.to_lowercase(), p.person.clone())
                    && other != p.person
                {
                    return Err(format!(
                        "people: `{name}` is listed for both `{other}` and `{}`",
                        p.person
                    ));
                }
            }
        }
        let t = &self.thresholds;
        let b = &t.review_bottleneck;
        let d = &t.output_outcome_divergence;
        for (key, value) in [
            (
                "micromanagement.review_share",
                t.micromanagement.review_share,
            ),
            (
                "micromanagement.changes_after_approval_share",
                t.micromanagement.changes_after_approval_share,
            ),
            (
                "micromanagement.commits_on_others_share",
                t.micromanagement.commits_on_others_share,
            ),
            (
                "micromanagement.ticket_rewrite_share",
                t.micromanagement.ticket_rewrite_share,
            ),
            (
                "micromanagement.reassignment_share",
                t.micromanagement.reassignment_share,
            ),
            ("wont_let_go.author_share", t.wont_let_go.author_share),
            (
                "wont_let_go.silo_change_share",
                t.wont_let_go.silo_change_share,
            ),
            (
                "overload.added_mid_sprint_share",
                t.overload.added_mid_sprint_share,
            ),
            ("overload.completion_ratio", t.overload.completion_ratio),
            ("overload.unplanned_share", t.overload.unplanned_share),
            (
                "burnout_risk.after_hours_share",
                t.burnout_risk.after_hours_share,
            ),
            ("burnout_risk.rise", t.burnout_risk.rise),
            (
                "burnout_risk.fortnight_active_share",
                t.burnout_risk.fortnight_active_share,
            ),
            (
                "burnout_risk.usual_days_share",
                t.burnout_risk.usual_days_share,
            ),
            (
                "knowledge_silo.review_weight",
                t.knowledge_silo.review_weight,
            ),
            ("knowledge_silo.holder_share", t.knowledge_silo.holder_share),
            ("attrition_risk.fade_ratio", t.attrition_risk.fade_ratio),
            ("attrition_risk.fade_p_value", t.attrition_risk.fade_p_value),
            (
                "rubber_stamp_review.min_share",
                t.rubber_stamp_review.min_share,
            ),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(format!(
                    "thresholds.{key} = {value}: a share must be between 0 and 1"
                ));
            }
        }
        for (key, value) in [
            ("micromanagement.min_signals", t.micromanagement.min_signals),
            ("overload.min_signals", t.overload.min_signals),
            (
                "burnout_risk.baseline_months",
                t.burnout_risk.baseline_months,
            ),
            (
                "knowledge_silo.window_months",
                t.knowledge_silo.window_months,
            ),
            (
                "attrition_risk.baseline_months",
                t.attrition_risk.baseline_months,
            ),
            (
                "rubber_stamp_review.min_count",
                t.rubber_stamp_review.min_count,
            ),
        ] {
            if value == 0 {
                return Err(format!("thresholds.{key} must be at least 1"));
            }
        }
        if t.micromanagement.min_signals > 5 || t.overload.min_signals > 4 {
            return Err("thresholds.micromanagement.min_signals is at most 5 and \
                 thresholds.overload.min_signals at most 4: there are no more signals"
                .into());
        }
        for (key, value) in [
            ("absentee_manager.stale_days", t.absentee_manager.stale_days),
            ("overload.sprint_grace_hours", t.overload.sprint_grace_hours),
            ("attrition_risk.silent_days", t.attrition_risk.silent_days),
            (
                "rubber_stamp_review.max_minutes",
                t.rubber_stamp_review.max_minutes,
            ),
            (
                "rubber_stamp_review.min_lines",
                t.rubber_stamp_review.min_lines,
            ),
        ] {
            if value < 0 {
                return Err(format!("thresholds.{key} = {value}: must not be negative"));
            }
        }
        for (key, value) in [
            (
                "absentee_manager.max_actions_per_pr",
                t.absentee_manager.max_actions_per_pr,
            ),
            (
                "absentee_manager.pickup_ratio",
                t.absentee_manager.pickup_ratio,
            ),
            (
                "absentee_manager.stale_per_person",
                t.absentee_manager.stale_per_person,
            ),
            ("overload.wip_per_person", t.overload.wip_per_person),
            ("burnout_risk.rise_factor", t.burnout_risk.rise_factor),
            ("review_bottleneck.dominance", t.review_bottleneck.dominance),
            (
                "review_bottleneck.gate_wait_factor",
                t.review_bottleneck.gate_wait_factor,
            ),
            (
                "wont_let_go.median_engineer_ratio",
                t.wont_let_go.median_engineer_ratio,
            ),
            (
                "attrition_risk.min_baseline_actions",
                t.attrition_risk.min_baseline_actions,
            ),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(format!(
                    "thresholds.{key} = {value}: must be a non-negative number"
                ));
            }
        }
        for (key, value) in [
            (
                "thresholds.review_bottleneck.approval_share",
                b.approval_share,
            ),
            (
                "thresholds.review_bottleneck.last_gate_share",
                b.last_gate_share,
            ),
            ("thresholds.review_bottleneck.alert_share", b.alert_share),
            (
                "thresholds.review_bottleneck.month_share_floor",
                b.month_share_floor,
            ),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(format!("{key} = {value}: a share must be between 0 and 1"));
            }
        }
        for (key, value) in [
            (
                "thresholds.output_outcome_divergence.output_rise",
                d.output_rise,
            ),
            (
                "thresholds.output_outcome_divergence.cycle_time_rise",
                d.cycle_time_rise,
            ),
            (
                "thresholds.output_outcome_divergence.failure_rate_rise",
                d.failure_rate_rise,
            ),
            (
                "thresholds.output_outcome_divergence.size_drop",
                d.size_drop,
            ),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(format!("{key} = {value}: must be a non-negative number"));
            }
        }
        if b.window_months == 0 {
            return Err("thresholds.review_bottleneck.window_months must be at least 1".into());
        }
        if d.baseline_months == 0 {
            return Err(
                "thresholds.output_outcome_divergence.baseline_months must be at least 1".into(),
            );
        }
        Ok(())
    }
}

/// Keys earlier versions accepted, with the section they were in and why they went: a file written
/// for an earlier version gets this instead of a guess at a typo.
const RETIRED_KEYS: &[(&str, &str, &str)] = &[(
    "thresholds.attrition_risk",
    "working_day_ratio",
    "a fade is now judged by pieces of work against the person's expected rate, with \
     fade_ratio and fade_p_value",
)];

/// A TOML or shape error as a user can act on it: an unknown key names its section and the
/// nearest valid key (a typo is the usual cause), then toml's own line, column and excerpt.
fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    let full = error
        .to_string()
        .lines()
        .map(shorten)
        .collect::<Vec<_>>()
        .join("\n");
    let Some((unknown, valid)) = unknown_field(error.message()) else {
        return full;
    };
    let start = error.span().map(|s| s.start).unwrap_or(0).min(text.len());
    let section = section_at(text, start);
    let suggestion = match RETIRED_KEYS
        .iter()
        .find(|(in_section, key, _)| *key == unknown && section.contains(in_section))
    {
        Some((_, _, why)) => format!(": it is no longer a setting ({why}); delete the line"),
        None => nearest_key(&unknown, &valid)
            .map(|key| format!("; did you mean `{key}`?"))
            .unwrap_or_default(),
    };
    let excerpt: Vec<&str> = full
        .lines()
        .take_while(|line| !line.starts_with("unknown field"))
        .collect();
    let unknown = shorten(&unknown);
    format!(
        "unknown key `{unknown}` in {section}{suggestion}\n{}\nvalid keys in {section}: {}",
        excerpt.join("\n"),
        valid.join(", ")
    )
}

/// A line of an error cut to a readable length: toml quotes the whole offending line, which
/// can be megabytes long.
fn shorten(line: &str) -> String {
    const LIMIT: usize = 160;
    if line.chars().count() <= LIMIT {
        line.to_string()
    } else {
        format!("{}…", line.chars().take(LIMIT).collect::<String>())
    }
}

/// Splits serde's "unknown field `x`, expected one of `a`, `b`" (or "expected `a`") into the
/// unknown name and the valid ones.
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, expected) = rest.split_once('`')?;
    let valid = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((unknown.to_string(), valid))
}

/// The table a byte offset of the file is in: `[github]`, `[thresholds.overload]`, an entry of
/// `[[people]]`, or the top level. An offset on a header line is in the header's parent.
fn section_at(text: &str, offset: usize) -> String {
    let mut section = None;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let header = line.trim();
        let on_this_line = offset < line_start + line.len();
        if header.starts_with('[') {
            let name = header
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            if on_this_line {
                return match name.rsplit_once('.') {
                    Some((parent, _)) => format!("[{parent}]"),
                    None => "the top level".into(),
                };
            }
            section = Some(if header.starts_with("[[") {
                format!("an entry of [[{name}]]")
            } else {
                format!("[{name}]")
            });
        }
        if on_this_line {
            break;
        }
        line_start += line.len();
    }
    section.unwrap_or_else(|| "the top level".into())
}

/// The valid key closest to a misspelt one, when it is close enough to be the likely intent.
fn nearest_key<'a>(unknown: &str, valid: &'a [String]) -> Option<&'a str> {
    valid
        .iter()
        .map(|key| (strsim::jaro_winkler(&unknown.to_lowercase(), key), key))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, key)| key.as_str())
}

/// How review trailers become `reviews` rows: trailer key (compared without case) → state.
pub fn default_review_trailers() -> BTreeMap<String, String> {
    [
        ("Reviewed-by", "approved"),
        // mergify's commit templates list the PR's approvals so.
        ("Approved-by", "approved"),
        ("Acked-by", "commented"),
        ("Tested-by", "commented"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_means_the_defaults() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn a_threshold_can_be_changed() {
        let config =
            Config::parse("[thresholds.review_bottleneck]\napproval_share = 0.7\n").unwrap();
        assert_eq!(config.thresholds.review_bottleneck.approval_share, 0.7);
        assert_eq!(config.thresholds.review_bottleneck.min_merged_prs, 10);
    }

    /// The variants docs/detectors.md measures with `--config docs/experiments/F.toml`: each
    /// still loads, and changes attrition_risk's thresholds only.
    #[test]
    fn the_documented_experiment_configurations_load_and_change_attrition_only() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/experiments");
        let mut seen = 0;
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let config = Config::load(&path, true).unwrap();
            let mut same = config.clone();
            same.thresholds.attrition_risk = AttritionThresholds::default();
            assert_eq!(same, Config::default(), "{}", path.display());
            assert_ne!(config, Config::default(), "{}", path.display());
            seen += 1;
        }
        assert_eq!(seen, 4);
        let both =
            Config::load(&folder.join("attrition-quasi-poisson-own-prs.toml"), true).unwrap();
        assert_eq!(
            both.thresholds.attrition_risk.fade_test,
            FadeTest::QuasiPoisson
        );
        assert!(both.thresholds.attrition_risk.team_change_without_own_prs);
    }

    #[test]
    fn a_misspelt_key_is_rejected_with_the_valid_ones() {
        let error =
            Config::parse("[thresholds.review_bottleneck]\napproval_shar = 0.7\n").unwrap_err();
        assert!(error.contains("approval_shar"), "{error}");
        assert!(error.contains("approval_share"), "{error}");
    }

    #[test]
    fn a_retired_key_says_it_is_no_longer_a_setting() {
        let error =
            Config::parse("[thresholds.attrition_risk]\nworking_day_ratio = 0.5\n").unwrap_err();
        assert!(
            error.starts_with(
                "unknown key `working_day_ratio` in [thresholds.attrition_risk]: it is no longer a setting"
            ),
            "{error}"
        );
        assert!(error.contains("delete the line"), "{error}");
    }

    #[test]
    fn an_unknown_key_names_its_section_and_the_nearest_valid_key() {
        let error =
            Config::parse("[github]\npage_size = 50\nrepositorys = [\"a/b\"]\n").unwrap_err();
        assert!(
            error
                .starts_with("unknown key `repositorys` in [github]; did you mean `repositories`?"),
            "{error}"
        );
        assert!(error.contains("line 3, column 1"), "{error}");
        assert!(
            error.contains("valid keys in [github]: repositories,"),
            "{error}"
        );
    }

    #[test]
    fn a_misspelt_table_is_placed_in_its_parent() {
        let error = Config::parse("[thresholds.rubber_stamp]\nmin_reviews = 3\n").unwrap_err();
        assert!(
            error.starts_with(
                "unknown key `rubber_stamp` in [thresholds]; did you mean `rubber_stamp_review`?"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_key_like_none_gets_no_suggestion() {
        let error = Config::parse("[[people]]\nperson = \"ann\"\nzzz = 1\n").unwrap_err();
        assert!(
            error.starts_with("unknown key `zzz` in an entry of [[people]]\n"),
            "{error}"
        );
        let error = Config::parse("colour = \"red\"\n").unwrap_err();
        assert!(
            error.starts_with("unknown key `colour` in the top level"),
            "{error}"
        );
    }

    #[test]
    fn knowledge_globs_default_to_none_and_are_read_and_checked() {
        assert_eq!(Config::default().knowledge, KnowledgeConfig::default());
        assert!(Config::default().knowledge.rules().is_code("src/a.rs"));
        let config =
            Config::parse("[knowledge]\nexclude = [\"src/gen_*.rs\"]\ninclude = [\"docs/*.py\"]\n")
                .unwrap();
        let rules = config.knowledge.rules();
        assert!(!rules.is_code("src/gen_x.rs") && rules.is_code("docs/conf.py"));
        let error = Config::parse("[knowledge]\nexclude = [\"**\"]\n").unwrap_err();
        assert!(error.contains("would match every file"), "{error}");
        let error = Config::parse("[knowledge]\nexcludes = []\n").unwrap_err();
        assert!(
            error.starts_with("unknown key `excludes` in [knowledge]; did you mean `exclude`?"),
            "{error}"
        );
    }

    #[test]
    fn dora_settings_have_defaults_and_are_checked() {
        let dora = Config::default().dora;
        assert_eq!(dora.environments, ["production"]);
        assert_eq!(dora.failure_window_days, 7);
        let config = Config::parse(
            "[dora]\nenvironments = [\"prod\", \"release\"]\nfailure_window_days = 3\n",
        )
        .unwrap();
        assert_eq!(config.dora.environments, ["prod", "release"]);
        assert_eq!(config.dora.failure_window_days, 3);
        for (text, expected) in [
            ("[dora]\nenvironments = []\n", "dora.environments is empty"),
            ("[dora]\nfailure_window_days = 0\n", "give at least 1 day"),
            (
                "[dora]\nincident_types = [\"outage\"]\n",
                "\"outage\" is not a ticket type",
            ),
            ("[dora]\nhotfix_labels = [\"\"]\n", "would match everything"),
        ] {
            let error = Config::parse(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
        let error = Config::parse("[dora]\nenvironment = [\"prod\"]\n").unwrap_err();
        assert!(
            error.starts_with("unknown key `environment` in [dora]; did you mean `environments`?"),
            "{error}"
        );
    }

    #[test]
    fn a_share_above_one_is_rejected() {
        let error =
            Config::parse("[thresholds.review_bottleneck]\napproval_share = 60\n").unwrap_err();
        assert!(error.contains("between 0 and 1"), "{error}");
    }

    #[test]
    fn a_missing_optional_file_is_fine_and_a_required_one_is_not() {
        let missing = Path::new("/nonexistent/teamlens.toml");
        assert!(Config::load(missing, false).is_ok());
        assert!(Config::load(missing, true).is_err());
    }
}
