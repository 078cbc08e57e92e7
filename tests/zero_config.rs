//! A new user's first run: no roster, no teamlens.toml, two repositories. Each repository is a
//! team, the report says so, submit bots are not people, and one person's second address is
//! that person.

mod support;

use std::fmt::Write as _;
use std::path::Path;

use support::{findings_of, git_repo, import, report, teamlens};

/// acme/ledger: 60 PRs in October 2026, ana approves 55 of them. acme/ui: 62 PRs whose
/// approvals four people share. A submit bot authors 12 more in ledger.
fn two_repositories(folder: &Path) {
    let mut prs = String::from("repo,number,author,created_at,merged_at\n");
    let mut reviews = String::from("repo,number,reviewer,state,submitted_at\n");
    let mut add = |repo: &str, number: usize, author: &str, reviewer: &str| {
        let day = 1 + number % 28;
        let _ = writeln!(
            prs,
            "{repo},{number},{author},2026-10-{day:02}T09:00:00Z,2026-10-{day:02}T17:00:00Z"
        );
        let _ = writeln!(
            reviews,
            "{repo},{number},{reviewer},approved,2026-10-{day:02}T15:00:00Z"
        );
    };
    let ledger_authors = ["lee", "lia", "lou", "lyn", "lars"];
    for n in 0..60 {
        let reviewer = if n < 55 { "ana" } else { "lee" };
        let author = ledger_authors[n % 5];
        let author = if author == reviewer { "lia" } else { author };
        add("acme/ledger", n + 1, author, reviewer);
    }
    for n in 0..12 {
        add("acme/ledger", 100 + n, "gobot@golang.org", "lee");
    }
    let ui_people = ["uma", "ugo", "una", "ula"];
    for n in 0..62 {
        add("acme/ui", n + 1, ui_people[n % 4], ui_people[(n + 1) % 4]);
    }
    std::fs::write(folder.join("pull_requests.csv"), prs).unwrap();
    std::fs::write(folder.join("reviews.csv"), reviews).unwrap();
}

#[test]
fn without_a_roster_each_repository_is_a_team_and_its_gatekeeper_is_found() {
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("in");
    std::fs::create_dir(&folder).unwrap();
    two_repositories(&folder);
    let data = work.path().join("data");
    import(&data, &folder);

    let out = work.path().join("report");
    let json = report(&data, "2026-10", &out);
    let subjects: Vec<String> = findings_of(&json, "review_bottleneck")
        .iter()
        .map(|f| f["subject"].as_str().unwrap().to_string())
        .collect();
    assert!(
        subjects.contains(&"ana".to_string()),
        "{:#}",
        json["findings"]
    );
    assert_eq!(
        json["coverage"]["assumed_teams"],
        serde_json::json!(["acme/ledger", "acme/ui"])
    );
    assert!(
        json["coverage"]["bots"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b == "gobot@golang.org"),
        "{:#}",
        json["coverage"]
    );
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    let head: String = markdown.lines().take(8).collect::<Vec<_>>().join("\n");
    assert!(
        head.contains("Teams assumed") && head.contains("acme/ledger, acme/ui"),
        "{head}"
    );
}

#[test]
fn a_second_address_of_one_person_is_listed_with_its_evidence() {
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("net");
    std::fs::create_dir(&repo).unwrap();
    git_repo::init(&repo);
    // Gerrit-style changes: Nicholas's own +2 is recorded under his second address.
    for n in 0..4 {
        std::fs::write(repo.join(format!("f{n}.txt")), format!("{n}\n")).unwrap();
        git_repo::git(&repo, &["add", "."]);
        let message = format!(
            "net: change {n}\n\nReviewed-on: https://go-review.googlesource.com/c/net/+/{}\n\
             Reviewed-by: Nicholas Husin <husin@google.com>\n",
            1000 + n
        );
        git_repo::git_env(
            &repo,
            &["commit", "-q", "-m", &message],
            &[
                ("GIT_AUTHOR_NAME", "Nicholas Husin".as_ref()),
                ("GIT_AUTHOR_EMAIL", "nsh@golang.org".as_ref()),
                ("GIT_COMMITTER_NAME", "Gopher Robot".as_ref()),
                ("GIT_COMMITTER_EMAIL", "gobot@golang.org".as_ref()),
            ],
        );
    }
    // A coding agent's commit: a bot, never a person, but its work counts as agent-authored.
    std::fs::write(repo.join("agent.txt"), "agent\n").unwrap();
    git_repo::git(&repo, &["add", "."]);
    git_repo::git_env(
        &repo,
        &["commit", "-q", "-m", "net: retry dials"],
        &[
            ("GIT_AUTHOR_NAME", "Copilot".as_ref()),
            (
                "GIT_AUTHOR_EMAIL",
                "198982749+Copilot@users.noreply.github.com".as_ref(),
            ),
        ],
    );
    let data = work.path().join("data");
    support::fetch_git(&data, &repo);
    let listed = teamlens()
        .arg("--data-dir")
        .arg(&data)
        .args(["people", "--merged"])
        .assert()
        .success();
    let text = String::from_utf8(listed.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("nsh@golang.org | husin@google.com | same name 'Nicholas Husin'"),
        "{text}"
    );
    assert!(
        text.contains("gobot@golang.org — Go's Gerrit submit"),
        "{text}"
    );
    let gobot = text
        .lines()
        .find(|l| l.contains("gobot@golang.org"))
        .unwrap();
    assert!(gobot.ends_with("; left out of every metric"), "{text}");
    assert!(
        text.contains(
            "198982749+copilot@users.noreply.github.com — a coding agent (GitHub Copilot); its \
             PRs count as GitHub Copilot's agent-authored work"
        ),
        "{text}"
    );
    assert!(text.contains("each repository is a team"), "{text}");
}
