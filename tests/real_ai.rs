//! The AI-assisted-work classifier against real commits labelled by hand (issue #26), four
//! samples of 200 drawn by `tests/data/real/ai/regenerate.py` from eleven public histories, each
//! labelled before the classifier was run on it, each sharing no commit with the others, and
//! each measured once before its disagreements could choose a change:
//! - `labels.tsv` (10 named hard cases, 90 with a broad hint, 100 at random) chose the first
//!   fixes;
//! - `labels_heldout.tsv` (100 hinted, 100 random) chose the unparsed co-author line and the
//!   disclosure rule;
//! - `labels_third.tsv` chose that a disclosure heading alone does not count;
//! - `labels_fourth.tsv` chose nothing: the issue's goal is judged on it.
//!
//! Each row is fed to `Assistants::builtin().classify` as teamlens stores a commit: the
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
/// Floors, so that a change to the list cannot lose what it finds today; raise them with the
/// list. The first and held-out samples chose fixes, and the third chose one more, so their
/// figures are floors, not results: the first 0.959 (47 of 49; 40 of 49 before any fix), the
/// held-out 0.977 (43 of 44; 35 of 44 when first measured), the third precision 0.973 (36 of
/// 37) and recall 0.973 (36 of 37; 0.947 and 0.973 when first measured). The goal is judged on
/// the fourth sample (`the_issue_goal`).
const RECALL_FLOOR: f64 = 0.95;
const HELDOUT_RECALL_FLOOR: f64 = 0.97;
const THIRD_FLOOR: f64 = 0.97;

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

/// The first sample (`labels.tsv`): its misses chose the classifier's fixes, so its figure is
/// not an unseen one.
const FIRST: &str = "labels.tsv";
/// The held-out sample (`labels_heldout.tsv`): drawn with another seed from the commits not in
/// the first, labelled before the classifier was run on it; the figure to report.
/// The third sample: drawn and labelled by hand (its labels committed alone, 85dc689) after the
/// held-out sample's misses and the census had chosen the disclosure rule and the unparsed
/// co-author line, and before those were run on it (7d43827 fixed them first).
const THIRD: &str = "labels_third.tsv";
/// The fourth sample: drawn and labelled by hand (labels committed alone, f34f6e7) after the
/// third sample's disagreements had chosen one more change (3619dee: a disclosure heading alone
/// no longer counts), and before the list was run on it.
const FOURTH: &str = "labels_fourth.tsv";
const HELDOUT: &str = "labels_heldout.tsv";

fn rows(file: &str) -> Vec<Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/real/ai")
        .join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("tests/data/real/ai/{file}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split('\t').collect();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("{file} has no column {name}"))
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
                "{file}: a row of {} columns",
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

/// Wilson score interval (95 %) of `part` in `whole`: what a proportion from a sample of this
/// size can and cannot say.
fn wilson(part: usize, whole: usize) -> (f64, f64) {
    if whole == 0 {
        return (f64::NAN, f64::NAN);
    }
    let z = 1.959_963_984_540_054_f64;
    let n = whole as f64;
    let p = part as f64 / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    (centre - half, centre + half)
}

fn print(s: &Scores, rows: &[Row], file: &str) {
    let levels = ["none", "assisted", "agent"];
    println!(
        "{file}: hand label (rows) × classifier (columns), {} commits:",
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
    let (p_lo, p_hi) = wilson(s.tp, s.tp + s.fp);
    let (r_lo, r_hi) = wilson(s.tp, s.tp + s.fn_);
    println!(
        "AI (assisted+agent) vs none: TP {} FP {} FN {} TN {}; precision {:.3} (95 % Wilson \
         {p_lo:.3}–{p_hi:.3}), recall {:.3} (95 % Wilson {r_lo:.3}–{r_hi:.3}); level right on {} \
         of {} found",
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

/// What both samples must hold: 200 distinct, fully labelled commits from at least five
/// repositories, a tool named exactly when the label is not none, every level present.
fn check_whole_and_labelled(file: &str, rows: &[Row]) {
    assert_eq!(rows.len(), 200, "{file}: the sample is 200 commits");
    let repos: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.repo.as_str()).collect();
    assert!(
        repos.len() >= 5,
        "{file}: at least five repositories: {repos:?}"
    );
    let mut seen = std::collections::BTreeSet::new();
    for r in rows {
        assert!(
            seen.insert((&r.repo, &r.sha)),
            "{file}: {} {} twice",
            r.repo,
            r.sha
        );
        assert!(
            ["none", "assisted", "agent"].contains(&r.label.as_str()),
            "{file}: {} {}: label {:?} (run regenerate.py, then label the new rows by hand)",
            r.repo,
            r.sha,
            r.label
        );
        assert_eq!(
            r.label == "none",
            r.tool == "-",
            "{file}: {} {}: a tool is named exactly when the label is not none",
            r.repo,
            r.sha
        );
        assert!(
            !r.reason.trim().is_empty() && r.reason != "-",
            "{file}: {} {}: no reason",
            r.repo,
            r.sha
        );
        assert_eq!(r.sha.len(), 40, "{file}: {}: a full sha", r.repo);
    }
    for label in ["none", "assisted", "agent"] {
        assert!(
            rows.iter().filter(|r| r.label == label).count() >= 3,
            "{file}: fewer than three {label} rows"
        );
    }
}

fn strata(rows: &[Row]) -> (usize, usize, usize) {
    let count = |stratum: &str| rows.iter().filter(|r| r.stratum == stratum).count();
    (count("hard"), count("hint"), count("random"))
}

#[test]
fn the_sample_is_whole_and_labelled() {
    let rows = rows(FIRST);
    check_whole_and_labelled(FIRST, &rows);
    assert_eq!(
        strata(&rows),
        (10, 90, 100),
        "10 named hard cases, 90 hinted and 100 random"
    );
}

/// A later sample is a probability sample (no hand-picked stratum: 100 hinted, 100 at random)
/// that shares no commit with the samples before it: a figure on it is a figure on commits that
/// chose nothing.
fn check_later_sample(file: &str, earlier: &[&str]) {
    let before: std::collections::BTreeSet<(String, String)> = earlier
        .iter()
        .flat_map(|f| rows(f))
        .map(|r| (r.repo, r.sha))
        .collect();
    let rows = rows(file);
    check_whole_and_labelled(file, &rows);
    assert_eq!(
        strata(&rows),
        (0, 100, 100),
        "{file}: no hard cases, 100 hinted and 100 random"
    );
    for r in &rows {
        assert!(
            !before.contains(&(r.repo.clone(), r.sha.clone())),
            "{file}: {} {} is in an earlier sample",
            r.repo,
            r.sha
        );
    }
}

#[test]
fn the_heldout_sample_is_whole_labelled_and_apart() {
    check_later_sample(HELDOUT, &[FIRST]);
}

#[test]
fn the_third_sample_is_whole_labelled_and_apart() {
    check_later_sample(THIRD, &[FIRST, HELDOUT]);
}

#[test]
fn the_fourth_sample_is_whole_labelled_and_apart() {
    check_later_sample(FOURTH, &[FIRST, HELDOUT, THIRD]);
}

/// The third sample: measured once with the list as 7d43827 left it (precision 0.947, recall
/// 0.973); one of its two false positives chose 3619dee, so now a floor.
#[test]
fn the_classifier_against_the_third_labels() {
    let (precision, recall) = precision_and_recall(THIRD);
    assert!(
        precision >= THIRD_FLOOR && recall >= THIRD_FLOOR,
        "third sample: precision {precision:.3}, recall {recall:.3}, under {THIRD_FLOOR} (see the disagreements above)"
    );
}

fn precision_and_recall(file: &str) -> (f64, f64) {
    let rows = rows(file);
    let s = score(&rows);
    print(&s, &rows, file);
    (ratio(s.tp, s.tp + s.fp), ratio(s.tp, s.tp + s.fn_))
}

/// The first sample, before the fixes it chose: precision must hold; recall may only rise.
#[test]
fn the_classifier_against_the_hand_labels() {
    let (precision, recall) = precision_and_recall(FIRST);
    assert!(
        precision >= PRECISION_GOAL,
        "precision {precision:.3} < {PRECISION_GOAL} (see the disagreements above)"
    );
    assert!(
        recall >= RECALL_FLOOR,
        "recall {recall:.3} fell below {RECALL_FLOOR} (see the disagreements above)"
    );
}

/// The held-out sample: the figure to report. Precision must meet the goal; recall must not
/// fall below what the classifier reached when the sample was first measured (a floor, stated
/// in HELDOUT_RECALL_FLOOR, not the goal).
#[test]
fn the_classifier_against_the_heldout_labels() {
    let (precision, recall) = precision_and_recall(HELDOUT);
    assert!(
        precision >= PRECISION_GOAL,
        "held-out precision {precision:.3} < {PRECISION_GOAL} (see the disagreements above)"
    );
    assert!(
        recall >= HELDOUT_RECALL_FLOOR,
        "held-out recall {recall:.3} fell below {HELDOUT_RECALL_FLOOR} (see the disagreements above)"
    );
}

/// The issue's goal in full, on the fourth sample: the only one no fix was chosen from. Measured
/// once with the list as 3619dee left it: precision 1.000 (39 of 39), recall 0.975 (39 of 40).
/// A later change to the list that a fourth-sample row chose would make this a floor too, and
/// need a fifth sample for the goal.
#[test]
fn the_issue_goal() {
    let (precision, recall) = precision_and_recall(FOURTH);
    assert!(
        precision >= PRECISION_GOAL,
        "fourth-sample precision {precision:.3} < {PRECISION_GOAL} (see the disagreements above)"
    );
    assert!(
        recall >= RECALL_GOAL,
        "fourth-sample recall {recall:.3} < {RECALL_GOAL} (see the disagreements above)"
    );
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
    // Prose is where precision is hardest: every disclosure is listed, to be read.
    let mut disclosures = Vec::new();
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
        if let Some(e) = evidence
            .as_ref()
            .filter(|e| e.kind == teamlens::identity::assistants::EvidenceKind::Disclosure)
        {
            disclosures.push(format!(
                "{} {} ({}): {}",
                row.repo,
                &row.sha[..12],
                e.tool,
                e.text
            ));
        }
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
    println!(
        "marked by a person's disclosure alone ({}):",
        disclosures.len()
    );
    for d in &disclosures {
        println!("  {d}");
    }
    println!("where one marks a change and the other does not:");
    for ((repo, script, said), list) in &examples {
        println!("  {repo}: script {script}, classifier {said}");
        for e in list {
            println!("    {e}");
        }
    }
}
