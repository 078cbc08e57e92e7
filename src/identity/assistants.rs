//! Which changes were made with a coding assistant or by a coding agent, from what the sources
//! store: commit trailers, the author's account and name, a message's first line and its
//! attribution lines (`crate::common::attribution`), and PR labels.
//!
//! Like [`super::bots`], *what is what* is decided at analysis time from stored facts, so a new
//! entry (built in, or `[ai]` in teamlens.toml) applies to every stored change without a fetch.
//! Precision comes before recall: a change is marked only by evidence that names the tool
//! unambiguously — an address only the tool uses, an account only the agent has, a sentence only
//! the tool writes. So a person named Claude committing from a personal address is no
//! assistant; "copilot" in a sentence is no marker; a review bot (`gemini-code-assist[bot]`,
//! `coderabbitai[bot]`, `chatgpt-codex-connector[bot]`) is never taken for the author of a
//! change — only a suggestion of theirs that someone committed (GitHub then names the bot in a
//! `Co-authored-by:` trailer) marks that commit as assisted, since the bot wrote its code.
//!
//! What cannot be told: an assistant used without leaving any of these marks (an editor's
//! completions, a chat answer pasted in, a trailer removed) is invisible here.

use crate::config::AiConfig;

/// How far an assistant went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AiLevel {
    /// A person made the change with an assistant's help (a trailer, a marker, a label).
    Assisted,
    /// The change was authored or opened by an agent's own account.
    Agent,
}

impl AiLevel {
    /// The value of `pr_ai.ai_assisted`.
    pub fn as_str(self) -> &'static str {
        match self {
            AiLevel::Assisted => "assisted",
            AiLevel::Agent => "agent",
        }
    }
}

/// What the evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvidenceKind {
    /// A `Co-authored-by:`, `Assisted-by:` or `Generated-by:` trailer naming the tool.
    Trailer,
    /// The change's author is the agent's account.
    AgentAccount,
    /// A sentence the tool writes, in the message's first line or an attribution line, or the
    /// tool's mark in the author's name (`(aider)`).
    Marker,
    /// A PR label.
    Label,
}

impl EvidenceKind {
    /// The value of `pr_ai.evidence`.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Trailer => "trailer",
            EvidenceKind::AgentAccount => "agent_account",
            EvidenceKind::Marker => "marker",
            EvidenceKind::Label => "label",
        }
    }
}

/// Why one change counts as AI-assisted: the level, the kind of evidence, the tool, and the
/// evidence as stored (a trailer line, an account, a message line, a label). The text may name
/// a person (a `Co-authored-by:` line): it is for `teamlens` commands that show one change, not
/// for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiEvidence {
    pub level: AiLevel,
    pub kind: EvidenceKind,
    pub tool: String,
    pub text: String,
}

/// One change's stored text, as the classifier reads it.
#[derive(Debug, Clone, Copy)]
pub struct ChangeText<'a> {
    /// The account or address as stored: a login, an e-mail, or `Name <email>`.
    pub author: &'a str,
    /// The name the author signed with, where stored.
    pub author_name: Option<&'a str>,
    /// A commit's first line and attribution lines, or a PR's title and the attribution lines of
    /// its description, one per line.
    pub message: &'a str,
    /// `Key: value` lines, as `commits.trailers` stores them.
    pub trailers: &'a [String],
    pub labels: &'a [String],
}

/// One built-in assistant or agent.
struct Builtin {
    tool: &'static str,
    /// Where its marks are documented or were seen.
    source: &'static str,
    /// Addresses a trailer names the tool by (lower case).
    addresses: &'static [&'static str],
    /// Domains whose addresses name the tool when the trailer's name is one of `names`.
    domains: &'static [&'static str],
    /// Names the tool signs trailers with (lower case, first word).
    names: &'static [&'static str],
    /// Accounts that author changes as the agent: logins (a `[bot]` App's with its suffix) or
    /// addresses, lower case.
    agents: &'static [&'static str],
    /// Text only the tool writes in a message's first line or attribution lines (lower case).
    markers: &'static [&'static str],
    /// What a message's first line starts with when the tool wrote it (lower case).
    prefixes: &'static [&'static str],
    /// What the author's name ends with when the tool made the commit (lower case).
    name_suffixes: &'static [&'static str],
}

const NONE: &[&str] = &[];

/// The built-in list. Each entry says where its marks are documented or seen.
const BUILTIN: &[Builtin] = &[
    Builtin {
        tool: "Claude Code",
        source: "Claude Code's settings (`includeCoAuthoredBy`, docs.anthropic.com/en/docs/claude-code/settings): \
                 `Co-Authored-By: Claude <noreply@anthropic.com>` and `🤖 Generated with [Claude Code](…)`; \
                 `claude[bot]` commits of anthropics/claude-code-action; `Claude-Session: https://claude.ai/code/session_…`",
        addresses: &["noreply@anthropic.com"],
        domains: &["anthropic.com"],
        names: &["claude"],
        agents: &["claude[bot]"],
        markers: &[
            "generated with [claude code]",
            "generated with claude code",
            "claude.ai/code/session",
        ],
        prefixes: NONE,
        name_suffixes: NONE,
    },
    Builtin {
        tool: "GitHub Copilot",
        source: "GitHub's Copilot coding agent (docs.github.com, 'About Copilot coding agent'): PRs opened by \
                 `Copilot` / `copilot-swe-agent[bot]`, commits authored by \
                 `Copilot <198982749+Copilot@users.noreply.github.com>` with the human in `Co-authored-by:`",
        addresses: &[
            "198982749+copilot@users.noreply.github.com",
            "175728472+copilot@users.noreply.github.com",
            "copilot@github.com",
        ],
        domains: &["github.com"],
        names: &["copilot"],
        agents: &[
            "copilot",
            "copilot[bot]",
            "copilot-swe-agent",
            "copilot-swe-agent[bot]",
            "198982749+copilot@users.noreply.github.com",
        ],
        markers: NONE,
        prefixes: NONE,
        name_suffixes: NONE,
    },
    Builtin {
        tool: "Cursor",
        source: "Cursor's agent commits: `Co-authored-by: Cursor <cursoragent@cursor.com>`, background agents as \
                 `Cursor Agent <cursoragent@cursor.com>`; PR descriptions `Made with [Cursor](https://cursor.com)` \
                 (seen in getsentry/sentry-docs#16597); a `Made-with: Cursor` line in commit messages (seen in \
                 GetStream/Vision-Agents and steveyegge/beads)",
        addresses: &["cursoragent@cursor.com"],
        domains: &["cursor.com"],
        names: &["cursor"],
        agents: &["cursoragent@cursor.com", "cursor[bot]"],
        markers: &[
            "made with [cursor](https://cursor.com)",
            "made-with: cursor",
        ],
        prefixes: NONE,
        name_suffixes: NONE,
    },
    Builtin {
        tool: "OpenAI Codex",
        source: "openai/codex#11617: `Co-authored-by: Codex <noreply@openai.com>`; Codex cloud PRs link their task \
                 (`https://chatgpt.com/codex/tasks/task_…`)",
        addresses: &["noreply@openai.com", "codex@openai.com"],
        domains: &["openai.com"],
        names: &["codex"],
        agents: NONE,
        markers: &["chatgpt.com/codex/tasks/"],
        prefixes: NONE,
        name_suffixes: NONE,
    },
    Builtin {
        tool: "Devin",
        source: "Devin's GitHub App `devin-ai-integration[bot]` opens PRs and authors commits; PR descriptions \
                 `Link to Devin run: https://app.devin.ai/sessions/…`",
        addresses: NONE,
        domains: NONE,
        names: NONE,
        agents: &["devin-ai-integration", "devin-ai-integration[bot]"],
        markers: &["app.devin.ai/sessions/"],
        prefixes: NONE,
        name_suffixes: NONE,
    },
    Builtin {
        tool: "Aider",
        source: "aider.chat/docs/git.html and its options: `--attribute-author` (` (aider)` after the author's \
                 name), `--attribute-commit-message-author` (`aider: ` before the message), \
                 `--attribute-co-authored-by` (`Co-authored-by: aider (<model>) <noreply@aider.chat>`)",
        addresses: &["noreply@aider.chat"],
        domains: &["aider.chat"],
        names: &["aider"],
        agents: NONE,
        markers: NONE,
        prefixes: &["aider: "],
        name_suffixes: &["(aider)"],
    },
    Builtin {
        tool: "Jules",
        source: "google-labs-code/jules-sdk#94: Jules sessions' PRs carry `google-labs-jules[bot]` as commit co-author; \
                 PRs it opens say `PR created automatically by Jules for task […](https://jules.google.com/task/…)`",
        addresses: NONE,
        domains: NONE,
        names: NONE,
        agents: &["google-labs-jules", "google-labs-jules[bot]"],
        markers: &["jules.google.com/task"],
        prefixes: NONE,
        name_suffixes: NONE,
    },
    Builtin {
        tool: "Amazon Q Developer",
        source: "Amazon Q Developer's GitHub App `amazon-q-developer[bot]` opens PRs for the issues assigned to it",
        addresses: NONE,
        domains: NONE,
        names: NONE,
        agents: &["amazon-q-developer[bot]"],
        markers: NONE,
        prefixes: NONE,
        name_suffixes: NONE,
    },
    Builtin {
        tool: "Sweep",
        source: "Sweep's GitHub App `sweep-ai[bot]` opens PRs for `sweep:` issues",
        addresses: NONE,
        domains: NONE,
        names: NONE,
        agents: &["sweep-ai[bot]"],
        markers: NONE,
        prefixes: NONE,
        name_suffixes: NONE,
    },
    Builtin {
        tool: "OpenHands",
        source: "All-Hands-AI's co-author footer `Co-authored-by: openhands <openhands@all-hands.dev>` (later \
                 `openhands@openhands.dev`); its resolver's account `openhands-agent`, whose commits are authored \
                 `OpenHands <openhands@all-hands.dev>` (earlier `opendevin@all-hands.dev`, from when it was \
                 OpenDevin; seen in All-Hands-AI/OpenHands)",
        addresses: &[
            "openhands@all-hands.dev",
            "openhands@openhands.dev",
            "opendevin@all-hands.dev",
        ],
        domains: &["all-hands.dev", "openhands.dev"],
        names: &["openhands", "opendevin"],
        agents: &[
            "openhands-agent",
            "openhands@all-hands.dev",
            "openhands@openhands.dev",
            "opendevin@all-hands.dev",
        ],
        markers: NONE,
        prefixes: NONE,
        name_suffixes: NONE,
    },
    Builtin {
        tool: "Amp",
        source: "Sourcegraph's Amp (ampcode.com): its commits carry `Co-authored-by: Amp <amp@ampcode.com>` and an \
                 `Amp-Thread-ID: https://ampcode.com/threads/T-…` trailer (seen in steveyegge/beads)",
        addresses: &["amp@ampcode.com"],
        domains: &["ampcode.com"],
        names: &["amp"],
        agents: NONE,
        markers: &["ampcode.com/threads/"],
        prefixes: NONE,
        name_suffixes: NONE,
    },
    Builtin {
        tool: "Ellipsis",
        source: "Ellipsis (ellipsis.dev), a review bot that also pushes fixes to the PRs it reviews: its GitHub App \
                 `ellipsis-dev[bot]`, as `Co-authored-by: ellipsis-dev[bot] <65095814+ellipsis-dev[bot]@users.noreply.github.com>` \
                 on the squashed commit (seen in 567-labs/instructor)",
        addresses: NONE,
        domains: NONE,
        names: NONE,
        agents: &["ellipsis-dev[bot]"],
        markers: NONE,
        prefixes: NONE,
        name_suffixes: NONE,
    },
    Builtin {
        tool: "Codegen",
        source: "Codegen's GitHub App `codegen-sh[bot]` opens PRs",
        addresses: NONE,
        domains: NONE,
        names: NONE,
        agents: &["codegen-sh[bot]"],
        markers: NONE,
        prefixes: NONE,
        name_suffixes: NONE,
    },
    Builtin {
        tool: "Gemini Code Assist",
        source: "a review bot, never an author: `gemini-code-assist[bot]`'s suggestions committed from a review \
                 carry it as `Co-authored-by:` (GitHub's 'Commit suggestion')",
        addresses: NONE,
        domains: NONE,
        names: NONE,
        agents: NONE,
        markers: NONE,
        prefixes: NONE,
        name_suffixes: NONE,
    },
    Builtin {
        tool: "CodeRabbit",
        source: "a review bot, never an author: `coderabbitai[bot]`'s suggestions committed from a review carry it \
                 as `Co-authored-by:`",
        addresses: NONE,
        domains: NONE,
        names: NONE,
        agents: NONE,
        markers: NONE,
        prefixes: NONE,
        name_suffixes: NONE,
    },
];

/// Review bots whose committed suggestions mark a commit as assisted (by their `[bot]` login in
/// a `Co-authored-by:` trailer), and which never make a change agent-authored.
const SUGGESTING_REVIEWERS: &[(&str, &str)] = &[
    ("gemini-code-assist[bot]", "Gemini Code Assist"),
    ("coderabbitai[bot]", "CodeRabbit"),
];

/// Trailer keys (lower case) whose value names who helped write the change.
const CO_AUTHOR_KEYS: &[&str] = &["co-authored-by", "co-developed-by"];
/// Trailer keys (lower case) whose value names an assistant by definition.
const ASSISTED_KEYS: &[&str] = &["assisted-by", "generated-by", "ai-assisted-by"];

/// Labels that say a PR was made with an assistant, whichever (lower case).
const GENERIC_LABELS: &[&str] = &["ai-generated", "ai-assisted", "ai generated", "ai assisted"];
/// The tool named for a change known only by a generic label.
const UNNAMED_TOOL: &str = "an assistant (unnamed)";

/// One assistant, built in or from `[ai]`.
#[derive(Debug, Clone)]
struct Entry {
    tool: String,
    addresses: Vec<String>,
    domains: Vec<String>,
    names: Vec<String>,
    agents: Vec<String>,
    markers: Vec<String>,
    prefixes: Vec<String>,
    name_suffixes: Vec<String>,
    labels: Vec<String>,
}

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn lowered(list: &[String]) -> Vec<String> {
    list.iter().map(|s| s.trim().to_lowercase()).collect()
}

/// The list of assistants and agents: built in (data, in the source, each entry with the tool's
/// name and where its marker is documented), plus `[ai]` in teamlens.toml (add, remove).
#[derive(Debug, Clone)]
pub struct Assistants {
    entries: Vec<Entry>,
    /// Review bots whose committed suggestions count (login, tool).
    reviewers: Vec<(String, String)>,
    generic_labels: Vec<String>,
}

impl Default for Assistants {
    fn default() -> Self {
        Assistants::builtin()
    }
}

impl Assistants {
    /// The built-in list alone.
    pub fn builtin() -> Self {
        let entries = BUILTIN
            .iter()
            .map(|b| Entry {
                tool: b.tool.to_string(),
                addresses: owned(b.addresses),
                domains: owned(b.domains),
                names: owned(b.names),
                agents: owned(b.agents),
                markers: owned(b.markers),
                prefixes: owned(b.prefixes),
                name_suffixes: owned(b.name_suffixes),
                labels: Vec::new(),
            })
            .collect();
        Assistants {
            entries,
            reviewers: SUGGESTING_REVIEWERS
                .iter()
                .map(|(login, tool)| (login.to_string(), tool.to_string()))
                .collect(),
            generic_labels: owned(GENERIC_LABELS),
        }
    }

    /// The built-in list with `[ai]`'s removals and additions.
    pub fn with_config(config: &AiConfig) -> Self {
        let mut list = Assistants::builtin();
        let removed = |tool: &str| {
            config
                .remove
                .iter()
                .any(|r| r.trim().eq_ignore_ascii_case(tool))
        };
        list.entries.retain(|e| !removed(&e.tool));
        list.reviewers.retain(|(_, tool)| !removed(tool));
        for added in &config.assistants {
            list.entries.push(Entry {
                tool: added.tool.trim().to_string(),
                addresses: lowered(&added.trailer_addresses),
                domains: Vec::new(),
                names: Vec::new(),
                agents: lowered(&added.agents),
                markers: lowered(&added.markers),
                prefixes: Vec::new(),
                name_suffixes: Vec::new(),
                labels: lowered(&added.labels),
            });
        }
        list
    }

    /// The built-in tools' names, with where each one's marks are documented or seen.
    pub fn builtin_tools() -> impl Iterator<Item = (&'static str, &'static str)> {
        BUILTIN.iter().map(|b| (b.tool, b.source))
    }

    /// `[ai] remove` names that are no built-in tool (a misspelling would silently keep it).
    pub fn unknown_removals(config: &AiConfig) -> Vec<String> {
        config
            .remove
            .iter()
            .filter(|r| {
                !BUILTIN
                    .iter()
                    .any(|b| b.tool.eq_ignore_ascii_case(r.trim()))
            })
            .cloned()
            .collect()
    }

    /// What marks one change (a commit, or a PR with its commits) as made with an assistant;
    /// None when nothing does. An agent's account wins over a trailer, a trailer over a marker,
    /// a marker over a label.
    pub fn classify(&self, change: &ChangeText<'_>) -> Option<AiEvidence> {
        self.by_account(change)
            .or_else(|| self.by_trailer(change.trailers))
            .or_else(|| self.by_marker(change))
            .or_else(|| self.by_label(change.labels))
    }

    fn by_account(&self, change: &ChangeText<'_>) -> Option<AiEvidence> {
        let (_, address) = split_named(change.author);
        let account = address.unwrap_or(change.author).trim().to_lowercase();
        let login = github_login(&account);
        let entry = self.entries.iter().find(|e| {
            e.agents
                .iter()
                .any(|a| *a == account || login.as_deref() == Some(a.as_str()))
        })?;
        Some(AiEvidence {
            level: AiLevel::Agent,
            kind: EvidenceKind::AgentAccount,
            tool: entry.tool.clone(),
            text: change.author.to_string(),
        })
    }

    fn by_trailer(&self, trailers: &[String]) -> Option<AiEvidence> {
        for line in trailers {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_lowercase();
            let co_author = CO_AUTHOR_KEYS.contains(&key.as_str());
            let assisted = ASSISTED_KEYS.contains(&key.as_str());
            if !co_author && !assisted {
                continue;
            }
            let (name, address) = split_named(value);
            let address = address.map(|a| a.trim().to_lowercase());
            let first_word = first_word(name);
            let tool = match &address {
                Some(address) => self.tool_of_address(address, first_word.as_deref()),
                // Without an address only a key that says "assisted" may name a tool by its
                // name: `Co-authored-by: Claude` alone could be a person.
                None if assisted => {
                    let words = words(name);
                    self.entries
                        .iter()
                        .find(|e| e.names.iter().any(|n| words.contains(n)))
                        .map(|e| e.tool.clone())
                }
                None => None,
            };
            if let Some(tool) = tool {
                return Some(AiEvidence {
                    level: AiLevel::Assisted,
                    kind: EvidenceKind::Trailer,
                    tool,
                    text: line.clone(),
                });
            }
        }
        None
    }

    /// The tool an address in a trailer names: one of its addresses, its agent's account
    /// (GitHub's no-reply address of a login), a suggesting reviewer's, or one of its domains
    /// with the tool's own name before it.
    fn tool_of_address(&self, address: &str, first_word: Option<&str>) -> Option<String> {
        let login = github_login(address);
        let domain = address.rsplit_once('@').map(|(_, d)| d);
        for e in &self.entries {
            if e.addresses.iter().any(|a| a == address)
                || e.agents
                    .iter()
                    .any(|a| a == address || login.as_deref() == Some(a.as_str()))
            {
                return Some(e.tool.clone());
            }
        }
        if let Some(login) = &login
            && let Some((_, tool)) = self.reviewers.iter().find(|(l, _)| l == login)
        {
            return Some(tool.clone());
        }
        let (first_word, domain) = (first_word?, domain?);
        self.entries
            .iter()
            .find(|e| {
                e.names.iter().any(|n| n == first_word)
                    && e.domains
                        .iter()
                        .any(|d| domain == d || domain.ends_with(&format!(".{d}")))
            })
            .map(|e| e.tool.clone())
    }

    fn by_marker(&self, change: &ChangeText<'_>) -> Option<AiEvidence> {
        let first_line = change.message.lines().next().unwrap_or("").trim();
        let first_lower = first_line.to_lowercase();
        for line in change.message.lines() {
            let lower = line.to_lowercase();
            if let Some(e) = self
                .entries
                .iter()
                .find(|e| e.markers.iter().any(|m| lower.contains(m.as_str())))
            {
                return Some(AiEvidence {
                    level: AiLevel::Assisted,
                    kind: EvidenceKind::Marker,
                    tool: e.tool.clone(),
                    text: line.trim().to_string(),
                });
            }
        }
        if let Some(e) = self.entries.iter().find(|e| {
            e.prefixes
                .iter()
                .any(|p| first_lower.starts_with(p.as_str()))
        }) {
            return Some(AiEvidence {
                level: AiLevel::Assisted,
                kind: EvidenceKind::Marker,
                tool: e.tool.clone(),
                text: first_line.to_string(),
            });
        }
        let name = change
            .author_name
            .map(|n| n.trim().to_lowercase())
            .unwrap_or_default();
        let e = self
            .entries
            .iter()
            .find(|e| e.name_suffixes.iter().any(|s| name.ends_with(s.as_str())))?;
        Some(AiEvidence {
            level: AiLevel::Assisted,
            kind: EvidenceKind::Marker,
            tool: e.tool.clone(),
            text: change.author_name.unwrap_or_default().to_string(),
        })
    }

    fn by_label(&self, labels: &[String]) -> Option<AiEvidence> {
        for label in labels {
            let lower = label.trim().to_lowercase();
            if let Some(e) = self.entries.iter().find(|e| e.labels.contains(&lower)) {
                return Some(AiEvidence {
                    level: AiLevel::Assisted,
                    kind: EvidenceKind::Label,
                    tool: e.tool.clone(),
                    text: label.clone(),
                });
            }
            if self.generic_labels.contains(&lower) {
                return Some(AiEvidence {
                    level: AiLevel::Assisted,
                    kind: EvidenceKind::Label,
                    tool: UNNAMED_TOOL.to_string(),
                    text: label.clone(),
                });
            }
        }
        None
    }
}

/// `Name <address>` split into the name and the address; a bare address is an address, any other
/// text a name.
fn split_named(value: &str) -> (&str, Option<&str>) {
    let value = value.trim();
    if let Some(open) = value.rfind('<')
        && let Some(close) = value[open..].find('>')
    {
        return (value[..open].trim(), Some(&value[open + 1..open + close]));
    }
    if value.contains('@') && !value.contains(' ') {
        return ("", Some(value));
    }
    (value, None)
}

/// The login of a GitHub no-reply address (`123+login@users.noreply.github.com`, or without the
/// number), lower case.
fn github_login(address: &str) -> Option<String> {
    let local = address.strip_suffix("@users.noreply.github.com")?;
    let login = local.split_once('+').map_or(local, |(_, login)| login);
    Some(login.to_lowercase())
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn first_word(name: &str) -> Option<String> {
    words(name).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AiAssistantConfig;

    fn commit<'a>(author: &'a str, message: &'a str, trailers: &'a [String]) -> ChangeText<'a> {
        ChangeText {
            author,
            author_name: None,
            message,
            trailers,
            labels: &[],
        }
    }

    fn lines(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn tool(evidence: Option<AiEvidence>) -> Option<(AiLevel, EvidenceKind, String)> {
        evidence.map(|e| (e.level, e.kind, e.tool))
    }

    #[test]
    fn the_assistants_trailers_are_recognised() {
        let list = Assistants::builtin();
        for (trailer, expected) in [
            (
                "Co-Authored-By: Claude <noreply@anthropic.com>",
                "Claude Code",
            ),
            (
                "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>",
                "Claude Code",
            ),
            ("Co-authored-by: Cursor <cursoragent@cursor.com>", "Cursor"),
            ("Co-authored-by: Codex <noreply@openai.com>", "OpenAI Codex"),
            (
                "Co-authored-by: aider (gpt-4o) <noreply@aider.chat>",
                "Aider",
            ),
            (
                "Co-authored-by: Copilot <198982749+Copilot@users.noreply.github.com>",
                "GitHub Copilot",
            ),
            (
                "Co-authored-by: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>",
                "Jules",
            ),
            (
                "Co-authored-by: devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>",
                "Devin",
            ),
            (
                "Co-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>",
                "Gemini Code Assist",
            ),
            (
                "Co-authored-by: openhands <openhands@all-hands.dev>",
                "OpenHands",
            ),
            (
                "Generated-by: Claude Code (Claude Opus 4.6) following the guidelines",
                "Claude Code",
            ),
            (
                "Assisted-by: Claude:claude-3-opus coccinelle",
                "Claude Code",
            ),
        ] {
            let trailers = lines(&[trailer]);
            assert_eq!(
                tool(list.classify(&commit("ann@acme.example", "Fix it", &trailers))),
                Some((AiLevel::Assisted, EvidenceKind::Trailer, expected.into())),
                "{trailer}"
            );
        }
    }

    #[test]
    fn people_and_reviewers_are_not_assistants() {
        let list = Assistants::builtin();
        for trailer in [
            "Co-authored-by: Claude Dupont <claude.dupont@gmail.com>",
            "Co-authored-by: Claude",
            "Co-authored-by: Cursor Smith <cursor@smith.example>",
            "Co-authored-by: Ann <12345+ann@users.noreply.github.com>",
            "Reviewed-by: Claude <noreply@anthropic.com>",
            "Signed-off-by: Codex Team <team@codex.example>",
        ] {
            let trailers = lines(&[trailer]);
            assert_eq!(
                list.classify(&commit("ann@acme.example", "Fix it", &trailers)),
                None,
                "{trailer}"
            );
        }
        // A human named Claude with a personal address, "copilot" in a sentence, review bots
        // as authors: nothing.
        for (author, message) in [
            ("Claude Martin <claude@martin.example>", "Add the parser"),
            ("ann", "Use copilot's suggestion for the parser"),
            ("gemini-code-assist[bot]", "Review summary"),
            ("chatgpt-codex-connector[bot]", "Codex review"),
            ("coderabbitai[bot]", "Walkthrough"),
            ("dependabot[bot]", "Bump serde from 1.0.1 to 1.0.2"),
        ] {
            assert_eq!(
                list.classify(&commit(author, message, &[])),
                None,
                "{author}"
            );
        }
    }

    #[test]
    fn agents_author_changes() {
        let list = Assistants::builtin();
        for (author, expected) in [
            ("Copilot", "GitHub Copilot"),
            ("copilot-swe-agent[bot]", "GitHub Copilot"),
            (
                "Copilot <198982749+Copilot@users.noreply.github.com>",
                "GitHub Copilot",
            ),
            ("devin-ai-integration[bot]", "Devin"),
            ("google-labs-jules[bot]", "Jules"),
            ("cursoragent@cursor.com", "Cursor"),
            ("amazon-q-developer[bot]", "Amazon Q Developer"),
        ] {
            let trailers = lines(&["Co-authored-by: Ann <ann@acme.example>"]);
            assert_eq!(
                tool(list.classify(&commit(author, "Fix the parser", &trailers))),
                Some((AiLevel::Agent, EvidenceKind::AgentAccount, expected.into())),
                "{author}"
            );
        }
    }

    #[test]
    fn markers_in_first_lines_attributions_and_names() {
        let list = Assistants::builtin();
        for (message, expected) in [
            (
                "Fix the parser\n🤖 Generated with [Claude Code](https://claude.com/claude-code)",
                "Claude Code",
            ),
            (
                "Add retries\nhttps://chatgpt.com/codex/tasks/task_e_68a1",
                "OpenAI Codex",
            ),
            (
                "Add retries\nLink to Devin run: https://app.devin.ai/sessions/abc",
                "Devin",
            ),
            ("aider: Added retries to the client", "Aider"),
            ("Docs\nMade with [Cursor](https://cursor.com)", "Cursor"),
            ("Update the model (#446)\nMade-with: Cursor", "Cursor"),
        ] {
            assert_eq!(
                tool(list.classify(&commit("ann", message, &[]))),
                Some((AiLevel::Assisted, EvidenceKind::Marker, expected.into())),
                "{message}"
            );
        }
        let aider = ChangeText {
            author_name: Some("Ann Abbott (aider)"),
            ..commit("ann@acme.example", "Add retries", &[])
        };
        assert_eq!(list.classify(&aider).unwrap().tool, "Aider");
        // Named in a sentence, not the tool's own words: nothing.
        assert_eq!(
            list.classify(&commit(
                "ann",
                "Explain how aider: and Claude Code differ",
                &[]
            )),
            None
        );
    }

    #[test]
    fn amp_ellipsis_and_the_openhands_resolver_are_recognised() {
        let list = Assistants::builtin();
        let amp = lines(&[
            "Amp-Thread-ID: https://ampcode.com/threads/T-c7fc78b8",
            "Co-authored-by: Amp <amp@ampcode.com>",
        ]);
        assert_eq!(
            tool(list.classify(&commit("stevey@example.com", "Fix the lock", &amp))),
            Some((AiLevel::Assisted, EvidenceKind::Trailer, "Amp".into()))
        );
        let ellipsis = lines(&[
            "Co-authored-by: ellipsis-dev[bot] <65095814+ellipsis-dev[bot]@users.noreply.github.com>",
        ]);
        assert_eq!(
            tool(list.classify(&commit("ann", "Update ollama.md (#438)", &ellipsis))),
            Some((AiLevel::Assisted, EvidenceKind::Trailer, "Ellipsis".into()))
        );
        for author in [
            "OpenHands <opendevin@all-hands.dev>",
            "OpenHands <openhands@all-hands.dev>",
        ] {
            assert_eq!(
                tool(list.classify(&commit(author, "Fix issue #12: retries", &[]))),
                Some((
                    AiLevel::Agent,
                    EvidenceKind::AgentAccount,
                    "OpenHands".into()
                )),
                "{author}"
            );
        }
        // A person called Amp, with an address of their own, is a person.
        let person = lines(&["Co-authored-by: Amp Kumar <amp@kumar.example>"]);
        assert_eq!(list.classify(&commit("ann", "Fix", &person)), None);
    }

    #[test]
    fn docs_ai_lists_every_builtin_entry_as_the_source_says_it() {
        let docs = include_str!("../../docs/ai.md");
        let table: Vec<&str> = docs
            .lines()
            .skip_while(|l| !l.starts_with("| Tool | Where its marks come from |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .collect();
        let rows: Vec<String> = Assistants::builtin_tools()
            .map(|(tool, source)| format!("| {tool} | {source} |"))
            .collect();
        assert_eq!(table, rows, "docs/ai.md's table of the built-in list");
    }

    #[test]
    fn config_adds_and_removes() {
        let config = AiConfig {
            assistants: vec![AiAssistantConfig {
                tool: "Acme Helper".into(),
                trailer_addresses: vec!["Helper@Acme.example".into()],
                agents: vec!["acme-agent[bot]".into()],
                markers: vec!["Written by Acme Helper".into()],
                labels: vec!["Acme-AI".into()],
            }],
            remove: vec!["aider".into()],
        };
        let list = Assistants::with_config(&config);
        let trailers = lines(&["Co-authored-by: Helper <helper@acme.example>"]);
        assert_eq!(
            list.classify(&commit("ann", "x", &trailers)).unwrap().tool,
            "Acme Helper"
        );
        assert_eq!(
            list.classify(&commit("acme-agent[bot]", "x", &[]))
                .unwrap()
                .level,
            AiLevel::Agent
        );
        assert_eq!(
            list.classify(&commit("ann", "Add x\nWritten by Acme Helper", &[]))
                .unwrap()
                .kind,
            EvidenceKind::Marker
        );
        let labels = lines(&["acme-ai"]);
        let labelled = ChangeText {
            labels: &labels,
            ..commit("ann", "x", &[])
        };
        assert_eq!(list.classify(&labelled).unwrap().kind, EvidenceKind::Label);
        assert_eq!(list.classify(&commit("ann", "aider: x", &[])), None);
        assert!(
            Assistants::builtin()
                .classify(&commit("ann", "aider: x", &[]))
                .is_some()
        );
        assert!(Assistants::unknown_removals(&config).is_empty());
        let misspelt = AiConfig {
            remove: vec!["Aidr".into()],
            ..AiConfig::default()
        };
        assert_eq!(Assistants::unknown_removals(&misspelt), vec!["Aidr"]);
    }

    #[test]
    fn every_builtin_entry_says_where_its_marks_come_from() {
        for (tool, source) in Assistants::builtin_tools() {
            assert!(source.len() > 30, "{tool}");
        }
        for b in BUILTIN {
            let marks = b.addresses.len()
                + b.agents.len()
                + b.markers.len()
                + b.prefixes.len()
                + b.name_suffixes.len();
            let suggests = SUGGESTING_REVIEWERS.iter().any(|(_, t)| *t == b.tool);
            assert!(marks > 0 || suggests, "{} marks nothing", b.tool);
        }
    }
}
