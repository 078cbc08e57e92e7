//! Which accounts are automation: a maintained list of the well-known ones, a few patterns, and
//! the user's own additions and exceptions (`[identity] bots`, `not_bots`).
//!
//! Why a list and patterns rather than only GitHub's `[bot]` suffix: on real histories the
//! busiest "authors" are often machines that suffix never marks — a Gerrit project's submit bot
//! (`Gopher Robot <gobot@golang.org>`, the author of dozens of Go changes), bors (cargo's most
//! frequent author, 5,941 merges), a cloud service account, Meta's `generatedunixname…`
//! accounts. `tests/data/real/*/bots.tsv` lists what eleven real repositories hold among their
//! 50 most active identities; a test checks every one is recognised here and no person of
//! their `people.tsv` is.
//!
//! An account is automation when its id or the name it signs with matches; the first match
//! gives the reason shown by coverage.

/// Accounts that are automation by their exact id (lower case): logins and e-mail addresses.
const KNOWN: &[(&str, &str)] = &[
    ("web-flow", "GitHub's web-interface committer"),
    ("noreply@github.com", "GitHub's web-interface committer"),
    ("github-actions", "GitHub Actions"),
    ("actions-user", "GitHub Actions"),
    ("bors", "bors / homu merge bot"),
    ("bors@rust-lang.org", "bors / homu merge bot"),
    ("homu", "bors / homu merge bot"),
    ("bors-servo", "bors / homu merge bot"),
    ("bors-ng", "bors-ng merge bot"),
    ("mergify", "Mergify merge queue"),
    ("kodiakhq", "Kodiak merge bot"),
    (
        "gobot@golang.org",
        "Go's Gerrit submit and CI bot (Gopher Robot)",
    ),
    (
        "noreply-gerritcodereview@google.com",
        "Gerrit Code Review server account",
    ),
    (
        "gerrit@review.openstack.org",
        "Gerrit Code Review server account",
    ),
    ("facebook-github-bot", "Meta's GitHub sync bot"),
    ("dependabot", "Dependabot"),
    ("dependabot-preview", "Dependabot"),
    ("renovate", "Renovate"),
    ("renovate-bot", "Renovate"),
    ("greenkeeper", "Greenkeeper"),
    ("snyk-bot", "Snyk"),
    ("pyup-bot", "pyup"),
    ("imgbot", "Imgbot"),
    ("allcontributors", "All Contributors bot"),
    ("pre-commit-ci", "pre-commit.ci"),
    ("codecov", "Codecov"),
    ("codecov-io", "Codecov"),
    ("coveralls", "Coveralls"),
    ("sonarcloud", "SonarCloud"),
    ("netlify", "Netlify"),
    ("vercel", "Vercel"),
    ("rustbot", "rust-lang's triage bot"),
    ("rust-highfive", "rust-lang's reviewer-assignment bot"),
    ("rust-timer", "rust-lang's benchmark bot"),
    ("k8s-ci-robot", "Kubernetes' Prow bot"),
    ("copilot", "GitHub Copilot coding agent"),
    ("copilot-swe-agent", "GitHub Copilot coding agent"),
    ("devin-ai-integration", "Devin coding agent"),
    ("coderabbitai", "CodeRabbit review bot"),
    ("automation for jira", "Jira Automation"),
    ("jira automation", "Jira Automation"),
];

/// Names (lower case, exact) that only automation signs with.
const KNOWN_NAMES: &[(&str, &str)] = &[
    ("github", "signs as GitHub"),
    ("github action", "signs as GitHub Actions"),
    ("github actions", "signs as GitHub Actions"),
    ("github enterprise", "signs as GitHub"),
    ("automation for jira", "Jira Automation"),
    ("jira automation", "Jira Automation"),
    ("gerrit code review", "Gerrit Code Review server account"),
];

/// Why an account is automation, or `None` for a person.
pub fn reason(account: &str, name: Option<&str>) -> Option<String> {
    let account = account.trim().to_lowercase();
    if account.ends_with("[bot]") {
        return Some("a GitHub App's account (`[bot]`)".into());
    }
    if let Some((_, why)) = KNOWN.iter().find(|(known, _)| *known == account) {
        return Some((*why).into());
    }
    let (local, domain) = match account.split_once('@') {
        Some((local, domain)) => (local, Some(domain)),
        None => (account.as_str(), None),
    };
    if let Some(domain) = domain {
        if domain.ends_with(".gserviceaccount.com") {
            return Some("a Google Cloud service account".into());
        }
        if local.starts_with("generatedunixname") {
            return Some("a generated service account (`generatedunixname…`)".into());
        }
        let no_reply = ["noreply", "no-reply", "do-not-reply", "donotreply"];
        if domain != "users.noreply.github.com" && no_reply.iter().any(|n| local.starts_with(n)) {
            return Some("a no-reply address".into());
        }
    }
    // Logins and local parts such as `facebook-github-bot-3-bot`, `k8s-ci-robot`, `ci_bot`.
    if local
        .split(|c: char| !c.is_ascii_alphabetic())
        .any(|word| word == "bot" || word == "robot")
    {
        return Some("`bot` in its account name".into());
    }
    let name = name.map(|n| n.trim().to_lowercase()).unwrap_or_default();
    if name.is_empty() {
        return None;
    }
    if let Some((_, why)) = KNOWN_NAMES.iter().find(|(known, _)| *known == name) {
        return Some((*why).into());
    }
    if name.ends_with("[bot]")
        || name
            .split(|c: char| !c.is_alphabetic())
            .any(|word| word == "bot" || word == "robot")
    {
        return Some(format!("signs as a bot (`{name}`)"));
    }
    None
}

/// Whether `account` matches a `[identity] bots` entry: exact, or with `*` standing for any
/// text. Both are compared without case.
pub fn matches(pattern: &str, account: &str) -> bool {
    let pattern = pattern.trim().to_lowercase();
    let account = account.to_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == account;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !account.starts_with(first) || account.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &account[first.len()..];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machines_of_real_histories_are_bots() {
        for (account, name) in [
            ("gobot@golang.org", Some("Gopher Robot")),
            ("bors@rust-lang.org", Some("bors")),
            ("renovate[bot]", None),
            (
                "golang-scoped@luci-project-accounts.iam.gserviceaccount.com",
                Some("Go LUCI"),
            ),
            ("facebook-github-bot-4-bot@fb.com", None),
            ("generatedunixname89002005287564@fb.com", None),
            ("someone@meta.com", Some("Open Source Bot")),
            ("noreply-gerritcodereview@google.com", None),
            ("k8s-ci-robot", None),
        ] {
            assert!(reason(account, name).is_some(), "{account} {name:?}");
        }
    }

    #[test]
    fn people_are_not_bots() {
        for (account, name) in [
            ("adonovan@google.com", Some("Alan Donovan")),
            ("12345+abbott@users.noreply.github.com", Some("Ann Abbott")),
            ("talbot@example.org", Some("Jean Talbot")),
            ("robotics-lead@example.org", Some("Robin Roberts")),
            ("gitster@pobox.com", Some("Junio C Hamano")),
            ("eh2406", None),
        ] {
            assert_eq!(reason(account, name), None, "{account} {name:?}");
        }
    }

    #[test]
    fn patterns_match_with_stars_and_without_case() {
        assert!(matches("*-ci@acme.example", "Deploy-CI@acme.example"));
        assert!(matches("release-bot", "release-bot"));
        assert!(matches("svc-*-runner", "svc-build-runner"));
        assert!(!matches("svc-*-runner", "svc-runner"));
        assert!(!matches("release-bot", "release-bots"));
        assert!(matches("ci*", "ci"));
    }
}
