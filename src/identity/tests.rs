use chrono::{TimeZone, Utc};

use super::*;
use crate::model::{Commit, Dataset, PullRequest, Review};

fn at(day: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
}

fn change(repo: &str, number: i64, author: &str) -> PullRequest {
    PullRequest {
        source: "git".into(),
        repo: repo.into(),
        number,
        author: author.into(),
        title: None,
        url: None,
        created_at: at(1),
        ready_at: None,
        first_commit_at: None,
        merged_at: Some(at(2)),
        closed_at: None,
        merged_by: Some("gobot@golang.org".into()),
        state: Some("merged".into()),
        draft: None,
        additions: None,
        deletions: None,
        changed_files: None,
        labels: Vec::new(),
        base_ref: None,
        is_revert: None,
        reverts_number: None,
        linked_issues: Vec::new(),
        updated_at: None,
        attribution: Vec::new(),
    }
}

fn commit(repo: &str, number: i64, author: &str, name: &str) -> Commit {
    Commit {
        source: "git".into(),
        repo: repo.into(),
        sha: format!("{repo}{number}"),
        author: author.into(),
        author_name: Some(name.into()),
        authored_at: at(1),
        landed_at: None,
        author_tz_offset_minutes: None,
        committer: Some("gobot@golang.org".into()),
        committer_name: Some("Gopher Robot".into()),
        files: None,
        additions: None,
        deletions: None,
        trailers: Vec::new(),
        pr_number: Some(number),
        message_headline: None,
        attribution: Vec::new(),
    }
}

fn review(repo: &str, number: i64, reviewer: &str, name: &str) -> Review {
    Review {
        source: "git".into(),
        repo: repo.into(),
        number,
        reviewer: reviewer.into(),
        reviewer_name: Some(name.into()),
        state: "approved".into(),
        submitted_at: at(2),
        comment_count: None,
    }
}

/// A Gerrit history: Nicholas votes on his own changes under a second address; Dana reviews.
fn gerrit() -> BTreeMap<&'static str, LazyFrame> {
    let mut data = Dataset::default();
    for number in 1..=6 {
        data.pull_requests
            .push(change("golang/net", number, "nsh@golang.org"));
        data.commits.push(commit(
            "golang/net",
            number,
            "nsh@golang.org",
            "Nicholas Husin",
        ));
        data.reviews.push(review(
            "golang/net",
            number,
            "husin@google.com",
            "Nicholas Husin",
        ));
        data.reviews
            .push(review("golang/net", number, "dana@golang.org", "Dana Ruiz"));
    }
    data.pull_requests
        .push(change("golang/tools", 7, "dana@golang.org"));
    data.commits
        .push(commit("golang/tools", 7, "dana@golang.org", "Dana Ruiz"));
    data.into_frames()
        .unwrap()
        .into_iter()
        .map(|(name, frame)| (name, frame.lazy()))
        .collect()
}

fn column(tables: &BTreeMap<&'static str, LazyFrame>, table: &str, name: &str) -> Vec<String> {
    let frame = tables[table].clone().collect().unwrap();
    str_column(&frame, name)
        .unwrap()
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect()
}

#[test]
fn a_self_vote_under_a_second_address_becomes_a_self_review() {
    let tables = gerrit();
    let identities = resolve(&tables, &Config::default(), None).unwrap();
    assert_eq!(
        identities
            .renamed
            .get("husin@google.com")
            .map(String::as_str),
        Some("nsh@golang.org"),
        "{:?}",
        identities.merges
    );
    let tables = identities.apply(tables).unwrap();
    let reviewers = column(&tables, "reviews", "reviewer");
    assert_eq!(
        reviewers.iter().filter(|r| *r == "nsh@golang.org").count(),
        6,
        "every vote is now the author's own: {reviewers:?}"
    );
    assert!(!reviewers.contains(&"husin@google.com".to_string()));
    // Rows keep their order and count.
    assert_eq!(reviewers.len(), 12);
    assert_eq!(reviewers[1], "dana@golang.org");
}

#[test]
fn without_a_roster_each_repository_is_a_team_and_the_submit_bot_is_a_bot() {
    let tables = gerrit();
    let identities = resolve(&tables, &Config::default(), None).unwrap();
    assert_eq!(identities.assumed_teams, ["golang/net", "golang/tools"]);
    assert_eq!(
        identities
            .bots
            .iter()
            .map(|b| b.account.as_str())
            .collect::<Vec<_>>(),
        ["gobot@golang.org"]
    );
    let tables = identities.apply(tables).unwrap();
    let people = tables["people"].clone().collect().unwrap();
    let roster = super::Roster::from_people(&people).unwrap();
    assert_eq!(roster.team_of("nsh@golang.org"), Some("golang/net"));
    // Dana works in both; most of her work is reviews in golang/net.
    assert_eq!(roster.team_of("dana@golang.org"), Some("golang/net"));
    assert_eq!(roster.members("golang/tools"), ["dana@golang.org"]);
    assert!(roster.is_bot("gobot@golang.org"));
    assert_eq!(roster.teams(), ["golang/net", "golang/tools"]);
}

#[test]
fn a_roster_with_teams_is_kept_and_the_configuration_decides_bots_and_merges() {
    let mut data = Dataset::default();
    data.people.push(Person {
        person: "nick".into(),
        display_name: Some("Nicholas Husin".into()),
        team: "net".into(),
        teams: Vec::new(),
        role: "engineer".into(),
        timezone: "UTC".into(),
        work_start_hour: None,
        work_end_hour: None,
        aliases: Vec::new(),
    });
    data.pull_requests.push(change("golang/net", 1, "nick"));
    data.commits
        .push(commit("golang/net", 1, "nick", "Nicholas Husin"));
    data.reviews.push(review(
        "golang/net",
        1,
        "husin@google.com",
        "Nicholas Husin",
    ));
    data.reviews
        .push(review("golang/net", 1, "ci-runner", "CI"));
    let tables: BTreeMap<_, _> = data
        .into_frames()
        .unwrap()
        .into_iter()
        .map(|(n, f)| (n, f.lazy()))
        .collect();
    let mut config = Config::default();
    config.identity.bots = vec!["ci-*".into()];
    config.identity.not_bots = vec!["gobot@golang.org".into()];
    let identities = resolve(&tables, &config, None).unwrap();
    assert!(identities.assumed_teams.is_empty());
    assert_eq!(identities.renamed["husin@google.com"], "nick");
    let bots: Vec<&str> = identities.bots.iter().map(|b| b.account.as_str()).collect();
    assert_eq!(bots, ["ci-runner"]);

    config.identity.never_merge = vec![["nick".into(), "husin@google.com".into()]];
    let identities = resolve(&tables, &config, None).unwrap();
    assert!(identities.renamed.is_empty());
    assert_eq!(identities.kept_apart.len(), 1);
    let tables = identities.apply(tables).unwrap();
    let people = tables["people"].clone().collect().unwrap();
    assert_eq!(
        str_column(&people, "person").unwrap(),
        [Some("nick".to_string()), Some("ci-runner".to_string())]
    );
}

#[test]
fn assumed_teams_count_only_work_before_the_reported_months_end() {
    let tables = gerrit();
    // All the work is in March 2026: a report ending before it assumes no one's team from it.
    let before_march = Utc
        .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
        .unwrap()
        .timestamp_micros();
    let identities = resolve(&tables, &Config::default(), Some(before_march)).unwrap();
    assert!(
        identities.assumed_teams.is_empty(),
        "{:?}",
        identities.assumed_teams
    );
    let after_march = Utc
        .with_ymd_and_hms(2026, 4, 1, 0, 0, 0)
        .unwrap()
        .timestamp_micros();
    let identities = resolve(&tables, &Config::default(), Some(after_march)).unwrap();
    assert_eq!(identities.assumed_teams, ["golang/net", "golang/tools"]);
}
