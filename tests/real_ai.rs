//! The AI-assisted-work classifier against 200 real commits labelled by hand (issue #26):
//! `tests/data/real/ai/labels.tsv`, drawn by `tests/data/real/ai/regenerate.py` from eleven
//! public histories (10 named hard cases, 90 with a broad hint, 100 at random) and labelled by reading each commit, without looking at the classifier's
//! rules. Each row is fed to `Assistants::builtin().classify` as teamlens stores a commit: the
//! author's address and name, the trailers git parsed, and the message's first line with the
//! attribution lines `common::attribution` keeps. Run with `--nocapture` to see the confusion
//! tables and every disagreement.

use std::collections::BTreeMap;
use std::path::Path;

use teamlens::common::attribution::attribution_lines;
use teamlens::identity::assistants::{AiEvidence, AiLevel, Assistants, ChangeText};

/// The issue's goal, against the hand labels.
const PRECISION_GOAL: f64 = 0.98;
const RECALL_GOAL: f64 = 0.95;
/// The recall the built-in list reached when the sample was labelled (40 of 49): a floor, so
/// that a change to the list cannot lose what it finds today. The goal is not met yet — the
/// misses are printed, and `the_issue_goal` (ignored) asserts it; raise this floor with the list.
const RECALL_FLOOR: f64 = 0.80;

struct Row {
    repo: String,
    sha: String,
    stratum: String,
    label: String,
    tool: String,
    reason: String,
    author_name: String,
    author_email: String,
    trailers: Vec<String>,
    message: String,
}

/// The TSV's escaping (regenerate.py's `escape`): `\\`, `\t`, `\n`, `\r`.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            other => panic!("labels.tsv: unknown escape \\{other:?} in {text:?}"),
        }
    }
    out
}

fn rows() -> Vec<Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/real/ai/labels.tsv");
    let text = std::fs::read_to_string(&path).expect("tests/data/real/ai/labels.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split('\t').collect();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("labels.tsv has no column {name}"))
    };
    let columns = [
        "repo",
        "sha",
        "stratum",
        "label",
        "tool",
        "reason",
        "author_name",
        "author_email",
        "trailers",
        "message",
    ]
    .map(at);
    lines
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(
                f.len(),
                header.len(),
                "labels.tsv: a row of {} columns",
                f.len()
            );
            let get = |i: usize| unescape(f[columns[i]]);
            let trailers = get(8);
            Row {
                repo: get(0),
                sha: get(1),
                stratum: get(2),
                label: get(3),
                tool: get(4),
                reason: get(5),
                author_name: get(6),
                author_email: get(7),
                trailers: trailers
                    .lines()
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
                message: get(9),
            }
        })
        .collect()
}

/// What teamlens stores of a commit's message: the first line and the attribution lines.
fn stored_message(message: &str) -> String {
    let mut lines = message.lines();
    let mut stored = vec![lines.next().unwrap_or("").trim().to_string()];
    stored.extend(attribution_lines(
        lines.collect::<Vec<_>>().join("\n").as_str(),
    ));
    stored.join("\n")
}

fn classify(list: &Assistants, row: &Row) -> Option<AiEvidence> {
    let author = row.author_email.trim().to_lowercase();
    let message = stored_message(&row.message);
    list.classify(&ChangeText {
        author: &author,
        author_name: Some(row.author_name.as_str()).filter(|n| !n.trim().is_empty()),
        message: &message,
        trailers: &row.trailers,
        labels: &[],
    })
}

fn level_name(evidence: &Option<AiEvidence>) -> &'static str {
    match evidence.as_ref().map(|e| e.level) {
        None => "none",
        Some(AiLevel::Assisted) => "assisted",
        Some(AiLevel::Agent) => "agent",
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        f64::NAN
    } else {
        part as f64 / whole as f64
    }
}

struct Scores {
    tp: usize,
    fp: usize,
    fn_: usize,
    tn: usize,
    level_right: usize,
    /// (truth, predicted) → count.
    table: BTreeMap<(&'static str, &'static str), usize>,
    disagreements: Vec<String>,
}

fn score(rows: &[Row]) -> Scores {
    let list = Assistants::builtin();
    let mut s = Scores {
        tp: 0,
        fp: 0,
        fn_: 0,
        tn: 0,
        level_right: 0,
        table: BTreeMap::new(),
        disagreements: Vec::new(),
    };
    for row in rows {
        let evidence = classify(&list, row);
        let predicted = level_name(&evidence);
        let truth = match row.label.as_str() {
            "none" => "none",
            "assisted" => "assisted",
            "agent" => "agent",
            other => panic!(
                "{} {}: label {other:?} is not none/assisted/agent",
                row.repo, row.sha
            ),
        };
        *s.table.entry((truth, predicted)).or_default() += 1;
        match (truth != "none", predicted != "none") {
            (true, true) => {
                s.tp += 1;
                if truth == predicted {
                    s.level_right += 1;
                }
            }
            (false, true) => s.fp += 1,
            (true, false) => s.fn_ += 1,
            (false, false) => s.tn += 1,
        }
        if truth != predicted {
            let said = match &evidence {
                Some(e) => format!(
                    "{} by {} ({}): {:?}",
                    predicted,
                    e.kind.as_str(),
                    e.tool,
                    e.text
                ),
                None => "none".to_string(),
            };
            s.disagreements.push(format!(
                "{} {} [{}] hand: {} ({}) — {} | classifier: {}",
                row.repo,
                &row.sha[..12],
                row.stratum,
                truth,
                row.tool,
                row.reason,
                said
            ));
        }
    }
    s
}

fn print(s: &Scores, rows: &[Row]) {
    let levels = ["none", "assisted", "agent"];
    println!(
        "hand label (rows) × classifier (columns), {} commits:",
        rows.len()
    );
    println!(
        "{:>10} {:>9} {:>9} {:>9}",
        "", levels[0], levels[1], levels[2]
    );
    for truth in levels {
        let cells: Vec<String> = levels
            .iter()
            .map(|p| format!("{:>9}", s.table.get(&(truth, *p)).copied().unwrap_or(0)))
            .collect();
        println!("{truth:>10} {}", cells.join(" "));
    }
    println!(
        "AI (assisted+agent) vs none: TP {} FP {} FN {} TN {}; precision {:.3}, recall {:.3}; \
         level right on {} of {} found",
        s.tp,
        s.fp,
        s.fn_,
        s.tn,
        ratio(s.tp, s.tp + s.fp),
        ratio(s.tp, s.tp + s.fn_),
        s.level_right,
        s.tp
    );
    println!("disagreements ({}):", s.disagreements.len());
    for d in &s.disagreements {
        println!("  {d}");
    }
}

#[test]
fn the_sample_is_whole_and_labelled() {
    let rows = rows();
    assert_eq!(rows.len(), 200, "the sample is 200 commits");
    let count = |stratum: &str| rows.iter().filter(|r| r.stratum == stratum).count();
    assert_eq!(
        (count("hard"), count("hint"), count("random")),
        (10, 90, 100),
        "10 named hard cases, 90 hinted and 100 random"
    );
    let repos: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.repo.as_str()).collect();
    assert!(repos.len() >= 5, "at least five repositories: {repos:?}");
    let mut seen = std::collections::BTreeSet::new();
    for r in &rows {
        assert!(seen.insert((&r.repo, &r.sha)), "{} {} twice", r.repo, r.sha);
        assert!(
            ["none", "assisted", "agent"].contains(&r.label.as_str()),
            "{} {}: label {:?} (run regenerate.py, then label the new rows by hand)",
            r.repo,
            r.sha,
            r.label
        );
        assert_eq!(
            r.label == "none",
            r.tool == "-",
            "{} {}: a tool is named exactly when the label is not none",
            r.repo,
            r.sha
        );
        assert!(
            !r.reason.trim().is_empty() && r.reason != "-",
            "{} {}: no reason",
            r.repo,
            r.sha
        );
        assert_eq!(r.sha.len(), 40, "{}: a full sha", r.repo);
    }
    // Both classes well represented, and every level present.
    for label in ["none", "assisted", "agent"] {
        assert!(
            rows.iter().filter(|r| r.label == label).count() >= 5,
            "fewer than five {label} rows"
        );
    }
}

fn precision_and_recall() -> (f64, f64) {
    let rows = rows();
    let s = score(&rows);
    print(&s, &rows);
    (ratio(s.tp, s.tp + s.fp), ratio(s.tp, s.tp + s.fn_))
}

#[test]
fn the_classifier_against_the_hand_labels() {
    let (precision, recall) = precision_and_recall();
    assert!(
        precision >= PRECISION_GOAL,
        "precision {precision:.3} < {PRECISION_GOAL} (see the disagreements above)"
    );
    assert!(
        recall >= RECALL_FLOOR,
        "recall {recall:.3} fell below {RECALL_FLOOR} (see the disagreements above)"
    );
}

/// The issue's goal in full. Ignored while the built-in list does not meet it (recall 0.816 on
/// the sample: nine misses, five of them marks a rule can name, four prose disclosures);
/// `cargo test --test real_ai -- --ignored` says how far it is.
#[test]
#[ignore = "recall 0.816 < 0.95 on the hand-labelled sample; see tests/data/real/ai/README.md"]
fn the_issue_goal() {
    let (precision, recall) = precision_and_recall();
    assert!(
        precision >= PRECISION_GOAL,
        "precision {precision:.3} < {PRECISION_GOAL}"
    );
    assert!(recall >= RECALL_GOAL, "recall {recall:.3} < {RECALL_GOAL}");
}

/// Every commit since 2024 of the eleven clones, classified, beside `regenerate.py`'s own
/// explicit-evidence rule: the count per repository and verdict pair, and up to three examples of
/// each pair where one marks a change and the other does not. Ignored: it reads a dump of the
/// clones, written by
/// `python3 tests/data/real/ai/regenerate.py --dump FILE owner/name=… …` (the arguments of
/// tests/data/real/ai/README.md), named by `TEAMLENS_AI_DUMP`.
#[test]
#[ignore = "reads a dump of the clones: TEAMLENS_AI_DUMP=FILE (tests/data/real/ai/README.md)"]
fn census_over_the_clones() {
    let path = std::env::var("TEAMLENS_AI_DUMP")
        .expect("TEAMLENS_AI_DUMP names the file `regenerate.py --dump FILE …` wrote");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split('\t').collect();
    assert_eq!(
        header,
        [
            "repo",
            "sha",
            "author_name",
            "author_email",
            "trailers",
            "message",
            "script"
        ],
        "{path} is not a dump of regenerate.py --dump"
    );
    let list = Assistants::builtin();
    let mut table: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut examples: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    let mut commits = 0;
    for line in lines {
        let f: Vec<String> = line.split('\t').map(unescape).collect();
        assert_eq!(f.len(), 7, "{path}: a row of {} columns", f.len());
        let row = Row {
            repo: f[0].clone(),
            sha: f[1].clone(),
            stratum: String::new(),
            label: String::new(),
            tool: String::new(),
            reason: String::new(),
            author_name: f[2].clone(),
            author_email: f[3].clone(),
            trailers: f[4].lines().map(str::to_string).collect(),
            message: f[5].clone(),
        };
        let evidence = classify(&list, &row);
        let said = match &evidence {
            Some(e) => format!("{}:{}", level_name(&evidence), e.tool),
            None => "none".to_string(),
        };
        let key = (row.repo.clone(), f[6].clone(), said);
        *table.entry(key.clone()).or_default() += 1;
        if (f[6] == "none") != evidence.is_none() {
            let list = examples.entry(key).or_default();
            if list.len() < 3 {
                let first = row.message.lines().next().unwrap_or("").to_string();
                list.push(format!(
                    "{} {} <{}> | {} | {}",
                    &row.sha[..12],
                    row.author_name,
                    row.author_email,
                    row.trailers.join(" ; "),
                    first
                ));
            }
        }
        commits += 1;
    }
    assert!(commits > 0, "{path} has no commit");
    println!("{commits} commits; repository, regenerate.py's rule, the classifier, count:");
    for ((repo, script, said), n) in &table {
        println!("  {repo:<26} {script:<22} {said:<28} {n:>6}");
    }
    println!("where one marks a change and the other does not:");
    for ((repo, script, said), list) in &examples {
        println!("  {repo}: script {script}, classifier {said}");
        for e in list {
            println!("    {e}");
        }
    }
}
