//! What a commit message says beyond its text: trailers, the pull request a merge or a squash
//! names, and who approved it.
//!
//! Trailers are read exactly as git reads them for `git log --format=%(trailers:only,unfold)`
//! (git 2.47's `trailer.c`): the last paragraph of the message (not the subject), once trailing
//! comment (`#`) and blank lines, an old `Conflicts:` list and anything under a `>8` cut line
//! are set aside (a `---` line divides nothing for `git log`), is the trailer block when all its
//! lines are trailers, or when it holds a git-generated line (`Signed-off-by: `, `(cherry
//! picked from commit `) and at least 25 % of its lines are trailers (so a `[ … ]` note between
//! sign-offs keeps the block). A trailer is a key of ASCII alphanumerics and `-` (blanks before
//! the `:` allowed), then `:`; its value (possibly empty) is trimmed, with indented continuation
//! lines unfolded into it; a CR inside a folded CRLF value stays, as git keeps it. Keys need not
//! be about people (`https`, `Thus`, `19`): only callers decide which keys name a person, and
//! [`named_person`] refuses values that do not look like one. `tests/data/real/*/trailers.jsonl`
//! holds git's own reading of 2,750 real messages; a test checks that this module agrees.
//!
//! Recognised forms of a landed change, first match wins (each test below is built from a real
//! message of `tests/data/real`):
//! - bors / homu: `Auto merge of #123 - user:branch, r=reviewer[,other]`, and the 2014 form
//!   `auto merge of #123 : user/repo/branch, r=reviewer`; the `r=` list split at `,`, blanks and
//!   `+`, decorations (`@`, backticks, emoji) stripped, placeholders (`me`, `new`, `update`,
//!   `tinyfix`, `the-whole-team`) and repeats dropped;
//! - bors-ng: `Merge #123` with a body line `123: title r=reviewer a=author` (a batch's first PR);
//! - GitHub merge button (also mergify's merge method): `Merge pull request #123 from user/branch`;
//! - Gerrit: a `Reviewed-on: https://host/c/project/+/123456` trailer (the change number; the
//!   older `https://host/123456` form too), its value the change's URL;
//! - Phabricator: a `Differential Revision: D123` (or `https://…/D123`) line anywhere in the
//!   message; not a git trailer (folly's last paragraph is `fbshipit-source-id:`);
//! - Rietveld (Go before 2015): a last line `https://golang.org/cl/123` (or
//!   `codereview.appspot.com/123`);
//! - a subject ending in `(#123)`: a squash on one parent ([`MergeKind::GitHubSquash`], also
//!   mergify's squash), GitHub's merge queue on two ([`MergeKind::MergeQueue`]: whoever queued it
//!   authored the merge; the PR's author is the second parent's, which the caller knows).
//!
//! Approvers outside the trailers ([`MessageFacts::approvers`]): bors' `r=`, Phabricator's
//! `Reviewed By: a, b` lines (space in the key: never a git trailer, so [`trailers`] does not
//! see them; read as lines anywhere in the body, `@` dropped) and Rietveld's `LGTM=a, b` (its
//! `R=` line names requested reviewers, not approvals). Kernel-style trailers
//! (`Reviewed-by:`, `Acked-by:`, mergify's `Approved-By:`, …) stay trailers; the caller maps
//! keys to review states.
//!
//! Parsing never fails.

use serde::{Deserialize, Serialize};

/// One `Key: value` trailer, the key as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trailer {
    pub key: String,
    pub value: String,
}

/// Where a change's number came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeKind {
    /// `Auto merge of #N - user:branch, r=…` (or 2014's `auto merge of #N : user/repo/branch, r=…`).
    Bors,
    /// bors-ng: `Merge #N` with an `N: title r=reviewer a=author` line in the body.
    BorsNg,
    /// `Merge pull request #N from user/branch` (the merge button, or mergify's merge method).
    GitHubMerge,
    /// A one-parent commit whose subject ends in `(#N)`.
    GitHubSquash,
    /// A two-parent merge whose subject ends in `(#N)`: GitHub's merge queue (or mergify's
    /// queue with the merge method). The merge's author queued it; the PR's author is the
    /// author of its second parent.
    MergeQueue,
    /// `Reviewed-on: …/+/N`.
    Gerrit,
    /// Phabricator: a `Differential Revision: D123` (or `https://…/D123`) line in the body.
    Phabricator,
    /// Rietveld (Go before 2015): a `https://golang.org/cl/N` or
    /// `https://codereview.appspot.com/N` line ending the message.
    Rietveld,
}

impl MergeKind {
    /// Whether the number is the repository's own pull request number (GitHub's numbering),
    /// so that `https://github.com/owner/name/pull/N` is its address on a GitHub repository.
    pub fn is_github_pr(self) -> bool {
        matches!(
            self,
            MergeKind::Bors
                | MergeKind::BorsNg
                | MergeKind::GitHubMerge
                | MergeKind::GitHubSquash
                | MergeKind::MergeQueue
        )
    }
}

/// What a message says about the change it records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageFacts {
    pub trailers: Vec<Trailer>,
    pub pr_number: Option<i64>,
    pub merge_kind: Option<MergeKind>,
    /// The PR's author as the merge message names them (`user` in `user:branch` or
    /// `user/branch`, bors-ng's `a=`).
    pub pr_author: Option<String>,
    /// The PR's title where the message gives it apart from its subject (bors-ng's `N: title`).
    pub title: Option<String>,
    /// Approvers named outside git's trailers, as written: bors' and bors-ng's `r=` logins
    /// (placeholders, duplicates and decorations dropped), Phabricator's `Reviewed By:`
    /// usernames or e-mails (`@` dropped), Rietveld's `LGTM=` names or e-mails.
    pub approvers: Vec<String>,
    /// The change's address as the message gives it: Gerrit's `Reviewed-on:`, a Phabricator
    /// `Differential Revision:` that is a URL, the Rietveld CL line.
    pub url: Option<String>,
}

/// Reads a commit message of unknown parents: a `(#N)` subject is read as a squash. See
/// [`parse_commit`].
pub fn parse(message: &str) -> MessageFacts {
    parse_commit(message, 1)
}

/// Reads the message of a commit with `parents` parents: a two-parent merge whose subject ends
/// in `(#N)` is GitHub's merge queue, not a squash.
pub fn parse_commit(message: &str, parents: usize) -> MessageFacts {
    let subject = message.lines().next().unwrap_or("").trim();
    let trailers = trailers(message);
    let mut facts = MessageFacts {
        trailers,
        ..MessageFacts::default()
    };
    if let Some((number, author, reviewers)) = bors(subject) {
        facts.pr_number = Some(number);
        facts.merge_kind = Some(MergeKind::Bors);
        facts.pr_author = author;
        facts.approvers = reviewers;
        return facts;
    }
    if let Some(ng) = bors_ng(subject, message) {
        facts.pr_number = Some(ng.number);
        facts.merge_kind = Some(MergeKind::BorsNg);
        facts.pr_author = ng.author;
        facts.title = ng.title;
        facts.approvers = ng.reviewers;
        return facts;
    }
    facts.approvers = body_approvers(message);
    if let Some((number, author)) = github_merge(subject) {
        facts.pr_number = Some(number);
        facts.merge_kind = Some(MergeKind::GitHubMerge);
        facts.pr_author = author;
    } else if let Some((number, url)) = gerrit_change(&facts.trailers) {
        facts.pr_number = Some(number);
        facts.merge_kind = Some(MergeKind::Gerrit);
        facts.url = url;
    } else if let Some((number, url)) = phabricator_revision(message) {
        facts.pr_number = Some(number);
        facts.merge_kind = Some(MergeKind::Phabricator);
        facts.url = url;
    } else if let Some((number, url)) = rietveld_cl(message) {
        facts.pr_number = Some(number);
        facts.merge_kind = Some(MergeKind::Rietveld);
        facts.url = Some(url);
    } else if let Some(number) = squash(subject) {
        facts.pr_number = Some(number);
        facts.merge_kind = Some(if parents > 1 {
            MergeKind::MergeQueue
        } else {
            MergeKind::GitHubSquash
        });
    }
    facts
}

/// The trailers of a message, exactly as git reads them (`git log --format=%(trailers:only,unfold)`,
/// git's `trailer.c`): the last paragraph before any trailing comment, blank or `Conflicts:`
/// lines (a `---` line is no divider for `git log`), when that paragraph is all trailers, or holds a git-generated
/// prefix (`Signed-off-by: `, `(cherry picked from commit `) and at least 25 % trailer lines.
/// Keys are as written (trimmed), values are trimmed and their continuation lines unfolded.
pub fn trailers(message: &str) -> Vec<Trailer> {
    let buf = skip_blank_lines(message.as_bytes());
    let end = end_of_log_message(buf);
    let start = trailer_block_start(buf, end);
    // The block's lines, each continuation line (leading whitespace) joined to the trailer
    // before it, newline included.
    let mut entries: Vec<Vec<u8>> = Vec::new();
    let mut last: Option<usize> = None;
    let mut at = start;
    while at < end {
        let next = next_line(&buf[..end], at);
        let line = &buf[at..next];
        at = next;
        if let Some(i) = last
            && is_space(line[0])
        {
            entries[i].extend_from_slice(line);
            continue;
        }
        last = (separator(line) >= 1).then_some(entries.len());
        entries.push(line.to_vec());
    }
    entries
        .iter()
        .filter(|entry| !entry.starts_with(COMMENT))
        .filter_map(|entry| {
            let at = usize::try_from(separator(entry))
                .ok()
                .filter(|&at| at >= 1)?;
            let key = trim(&entry[..at]);
            let value = unfold(trim(&entry[at + 1..]));
            Some(Trailer {
                key: String::from_utf8_lossy(key).into_owned(),
                value: String::from_utf8_lossy(&value).into_owned(),
            })
        })
        .collect()
}

/// The prefixes git itself writes, which make a mixed paragraph a trailer block (25 % rule).
const GIT_GENERATED_PREFIXES: [&[u8]; 2] = [b"Signed-off-by: ", b"(cherry picked from commit "];

/// git's default `core.commentChar`.
const COMMENT: &[u8] = b"#";

/// The line `git commit -v` writes above the diff; everything below it is ignored.
const CUT_LINE: &[u8] = b"# ------------------------ >8 ------------------------\n";

/// git's `isspace` (space, tab, LF, CR — not VT or FF).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s
        && is_space(*first)
    {
        s = rest;
    }
    while let [rest @ .., last] = s
        && is_space(*last)
    {
        s = rest;
    }
    s
}

/// The start of the line after the one starting at `at` (or the end of `buf`).
fn next_line(buf: &[u8], at: usize) -> usize {
    buf[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(buf.len(), |i| at + i + 1)
}

/// The start of the last line of `buf[..len]`, a newline ending it included.
fn last_line(buf: &[u8], len: usize) -> Option<usize> {
    match len {
        0 => None,
        1 => Some(0),
        _ => Some(
            buf[..len - 1]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1),
        ),
    }
}

/// Whether the line starting at the start of `line` holds only whitespace.
fn is_blank_line(line: &[u8]) -> bool {
    line.iter()
        .take_while(|&&b| b != b'\n')
        .all(|&b| is_space(b))
}

/// `git log` reads the message from its first non-blank line.
fn skip_blank_lines(mut buf: &[u8]) -> &[u8] {
    while !buf.is_empty() && is_blank_line(buf) {
        buf = &buf[next_line(buf, 0)..];
    }
    buf
}

/// Where the `:` of a trailer line is: after a key of ASCII alphanumerics and `-`, perhaps
/// followed by blanks; -1 when the line is no trailer (git's `find_separator`).
fn separator(line: &[u8]) -> isize {
    let mut whitespace_found = false;
    for (i, &c) in line.iter().enumerate() {
        if c == b':' {
            return i as isize;
        }
        if !whitespace_found && (c.is_ascii_alphanumeric() || c == b'-') {
            continue;
        }
        if i != 0 && (c == b' ' || c == b'\t') {
            whitespace_found = true;
            continue;
        }
        break;
    }
    -1
}

/// The end of the log message: before the trailing comment, blank and `Conflicts:` lines and
/// anything under a `>8` cut line. A `---` divider line ends nothing here: `git log` reads
/// trailers with `no_divider` (only `git interpret-trailers` stops at one).
fn end_of_log_message(buf: &[u8]) -> usize {
    buf.len() - ignored_bytes(buf, buf.len())
}

/// How many bytes at the end of `buf[..len]` are comments, blank lines, an old
/// `Conflicts:` list or what follows the cut line (git's `ignored_log_message_bytes`).
fn ignored_bytes(buf: &[u8], len: usize) -> usize {
    let cutoff = if buf.starts_with(CUT_LINE) {
        0
    } else {
        buf.windows(CUT_LINE.len() + 1)
            .position(|w| w[0] == b'\n' && &w[1..] == CUT_LINE)
            .map_or(len, |p| len.min(p + 1))
    };
    // Where the run of trailing ignorable lines begins (0: no run, as in git).
    let mut boc = 0;
    let mut bol = 0;
    let mut in_old_conflicts_block = false;
    while bol < cutoff {
        let next = next_line(&buf[..len], bol);
        if buf[bol..cutoff].starts_with(COMMENT) || buf[bol] == b'\n' {
            if boc == 0 {
                boc = bol;
            }
        } else if buf[bol..].starts_with(b"Conflicts:\n") {
            in_old_conflicts_block = true;
            if boc == 0 {
                boc = bol;
            }
        } else if in_old_conflicts_block && buf[bol] == b'\t' {
            // A path of the conflicts list.
        } else if boc != 0 {
            boc = 0;
            in_old_conflicts_block = false;
        }
        bol = next;
    }
    if boc != 0 { len - boc } else { len - cutoff }
}

/// Where the trailer block of `buf[..len]` starts, `len` when there is none (git's
/// `find_trailer_block_start`).
fn trailer_block_start(buf: &[u8], len: usize) -> usize {
    // The first paragraph is the title and never trailers.
    let mut end_of_title = 0;
    while end_of_title < len {
        if !buf[end_of_title..len].starts_with(COMMENT) && is_blank_line(&buf[end_of_title..]) {
            break;
        }
        end_of_title = next_line(buf, end_of_title);
    }
    let mut only_spaces = true;
    let mut recognized_prefix = false;
    let (mut trailer_lines, mut non_trailer_lines) = (0usize, 0usize);
    // Lines that may continue a trailer above them: non-trailer lines unless one comes.
    let mut possible_continuation_lines = 0;
    let mut line = last_line(buf, len);
    while let Some(bol) = line
        && bol >= end_of_title
    {
        line = last_line(buf, bol);
        let text = &buf[bol..];
        if buf[bol..len].starts_with(COMMENT) {
            non_trailer_lines += possible_continuation_lines;
            possible_continuation_lines = 0;
            continue;
        }
        if is_blank_line(text) {
            if only_spaces {
                continue;
            }
            non_trailer_lines += possible_continuation_lines;
            let accepted = (recognized_prefix && trailer_lines * 3 >= non_trailer_lines)
                || (trailer_lines > 0 && non_trailer_lines == 0);
            return if accepted { next_line(buf, bol) } else { len };
        }
        only_spaces = false;
        if GIT_GENERATED_PREFIXES.iter().any(|p| text.starts_with(p)) {
            trailer_lines += 1;
            possible_continuation_lines = 0;
            recognized_prefix = true;
        } else if separator(text) >= 1 && !is_space(text[0]) {
            trailer_lines += 1;
            possible_continuation_lines = 0;
        } else if is_space(text[0]) {
            possible_continuation_lines += 1;
        } else {
            non_trailer_lines += 1 + possible_continuation_lines;
            possible_continuation_lines = 0;
        }
    }
    len
}

/// Continuation lines folded into one line: each newline and the whitespace after it
/// become one space (git's `unfold_value`).
fn unfold(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        let c = value[i];
        i += 1;
        if c == b'\n' {
            while i < value.len() && is_space(value[i]) {
                i += 1;
            }
            out.push(b' ');
        } else {
            out.push(c);
        }
    }
    trim(&out).to_vec()
}

/// `#123` at the start of `text`: the number and the rest.
fn hash_number(text: &str) -> Option<(i64, &str)> {
    let rest = text.strip_prefix('#')?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let number = rest[..digits].parse().ok()?;
    Some((number, &rest[digits..]))
}

/// `Auto merge of #123 - user:branch, r=a,b` → (123, user, [a, b]); likewise bors' 2014 form
/// `auto merge of #123 : user/repo/branch, r=a` → (123, user, [a]).
fn bors(subject: &str) -> Option<(i64, Option<String>, Vec<String>)> {
    let rest = subject
        .strip_prefix("Auto merge of ")
        .or_else(|| subject.strip_prefix("auto merge of "))?;
    let (number, rest) = hash_number(rest)?;
    let rest = rest.trim_start();
    // homu: `- user:branch`; bors (2014): `: user/repo/branch`.
    let (rest, owner_end) = match (rest.strip_prefix('-'), rest.strip_prefix(':')) {
        (Some(rest), _) => (rest, ':'),
        (None, Some(rest)) => (rest, '/'),
        (None, None) => (rest, ':'),
    };
    let rest = rest.trim();
    let (head, reviewers) = match rest.find("r=") {
        Some(at) => (&rest[..at], &rest[at + 2..]),
        None => (rest, ""),
    };
    let author = head
        .trim()
        .trim_end_matches(',')
        .split(owner_end)
        .next()
        .map(str::trim)
        .filter(|a| !a.is_empty() && !a.contains(' '))
        .map(str::to_string);
    let reviewers = review_logins(reviewers);
    Some((number, author, reviewers))
}

/// `Merge pull request #123 from user/branch` → (123, user).
fn github_merge(subject: &str) -> Option<(i64, Option<String>)> {
    let rest = subject.strip_prefix("Merge pull request ")?;
    let (number, rest) = hash_number(rest)?;
    let author = rest
        .trim()
        .strip_prefix("from ")
        .and_then(|r| r.split('/').next())
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    Some((number, author))
}

/// A squash-merged subject ends in `(#123)`.
fn squash(subject: &str) -> Option<i64> {
    let inner = subject.trim_end().strip_suffix(')')?;
    let open = inner.rfind("(#")?;
    inner[open + 2..].parse().ok()
}

/// Gerrit's change number from `Reviewed-on: https://host/c/project/+/123456` or
/// `https://host/123456`, and the URL when the value is one.
fn gerrit_change(trailers: &[Trailer]) -> Option<(i64, Option<String>)> {
    let value = trailers
        .iter()
        .find(|t| t.key.eq_ignore_ascii_case("Reviewed-on"))?
        .value
        .trim();
    let last = value.trim_end_matches('/').rsplit('/').next()?;
    let number = last.parse().ok()?;
    Some((number, http_url(value)))
}

/// `value` when it is a plain `http(s)://` URL.
fn http_url(value: &str) -> Option<String> {
    let value = value.trim();
    let plain = (value.starts_with("https://") || value.starts_with("http://"))
        && !value
            .chars()
            .any(|c| c.is_whitespace() || "<>\"".contains(c));
    plain.then(|| value.to_string())
}

/// Placeholders written where a reviewer's login belongs in bors' `r=` (cargo: `r=me`,
/// `r=new`, `r=update`, `r=tinyfix`, `r=the-whole-team`).
const NOT_REVIEWERS: [&str; 5] = ["me", "new", "update", "tinyfix", "the-whole-team"];

/// The logins of a bors `r=` list: split at `,`, blanks and `+`; decorations around each
/// (`@`, backticks, punctuation, emoji: `r=🙈eh2406🙈` is `eh2406`) dropped; what is then not a
/// login, a placeholder ([`NOT_REVIEWERS`]) or a repeat left out.
fn review_logins(list: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for token in list.split(|c: char| c == ',' || c == '+' || c.is_whitespace()) {
        let login = token.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
        let valid = !login.is_empty()
            && login
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && !NOT_REVIEWERS.iter().any(|p| p.eq_ignore_ascii_case(login));
        if valid && !out.iter().any(|seen| seen.eq_ignore_ascii_case(login)) {
            out.push(login.to_string());
        }
    }
    out
}

/// A bors-ng merge: its first PR's number, author (`a=`), reviewers (`r=`) and title.
struct BorsNg {
    number: i64,
    author: Option<String>,
    reviewers: Vec<String>,
    title: Option<String>,
}

/// bors-ng: subject `Merge #N` (a batch: `Merge #N #M`), and in the body a line
/// `N: title r=reviewer[,other] a=author` per PR. Only the first PR of a batch is read.
fn bors_ng(subject: &str, message: &str) -> Option<BorsNg> {
    let rest = subject.strip_prefix("Merge #")?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let number: i64 = rest[..digits].parse().ok()?;
    let after = rest[digits..].trim();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let prefix = format!("{number}: ");
    let line = message
        .lines()
        .skip(1)
        .map(str::trim)
        .find(|l| l.starts_with(&prefix))?;
    let line = &line[prefix.len()..];
    let r = line.rfind(" r=")?;
    let (title, tail) = (line[..r].trim(), &line[r + 3..]);
    let (reviewers, author) = match tail.find(" a=") {
        Some(a) => (&tail[..a], Some(tail[a + 3..].trim())),
        None => (tail, None),
    };
    let author = author
        .and_then(|a| review_logins(a).into_iter().next())
        .filter(|a| !a.is_empty());
    Some(BorsNg {
        number,
        author,
        reviewers: review_logins(reviewers),
        title: (!title.is_empty()).then(|| title.to_string()),
    })
}

/// The approvers a message names in its body, outside git's trailers: Phabricator's
/// `Reviewed By: a, b` lines (usernames, `@name` or e-mails) and Rietveld's `LGTM=a, b`.
/// Neither is a git trailer (a space in the key; not `Key: value`), and folly's last paragraph
/// is `fbshipit-source-id:`, so they are read as lines anywhere in the message.
fn body_approvers(message: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in message.lines().skip(1) {
        let line = line.trim_end();
        let list = if let Some(rest) = line.strip_prefix("Reviewed By:") {
            rest
        } else if let Some(rest) = line.strip_prefix("LGTM=") {
            rest
        } else {
            continue;
        };
        for name in list.split(|c: char| c == ',' || c.is_whitespace()) {
            let name = name
                .trim()
                .trim_start_matches('@')
                .trim_end_matches(['.', ',', ';']);
            if !name.is_empty() && !out.iter().any(|seen| seen == name) {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// Phabricator's `Differential Revision: D123` or `Differential Revision: https://host/D123`
/// line, anywhere in the message: the revision's number and its URL when it is one.
fn phabricator_revision(message: &str) -> Option<(i64, Option<String>)> {
    message.lines().skip(1).find_map(|line| {
        let value = line
            .trim_end()
            .strip_prefix("Differential Revision:")?
            .trim();
        let last = value.trim_end_matches('/').rsplit('/').next()?;
        let number = last.strip_prefix('D')?.parse().ok()?;
        Some((number, http_url(value)))
    })
}

/// The hosts of Rietveld's CL links in Go's history.
const RIETVELD_HOSTS: [&str; 3] = [
    "golang.org/cl/",
    "codereview.appspot.com/",
    "codereview.appspot.com/cl/",
];

/// Rietveld (Go before 2015): the message's last line is the CL's address,
/// `https://golang.org/cl/N` or `https://codereview.appspot.com/N`.
fn rietveld_cl(message: &str) -> Option<(i64, String)> {
    let last = message
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())?;
    let rest = last
        .strip_prefix("https://")
        .or_else(|| last.strip_prefix("http://"))?;
    let number = RIETVELD_HOSTS
        .iter()
        .find_map(|host| rest.strip_prefix(host)?.trim_end_matches('/').parse().ok())?;
    Some((number, last.to_string()))
}

/// A person named in a trailer: `Name <email>`, or a bare e-mail, or a bare name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPerson {
    pub name: String,
    pub email: Option<String>,
}

/// The person a trailer value names, `None` when it names none.
///
/// `Name <email>` gives the name and the address, whatever follows the `>` (a note such as
/// `(MinGW)`, or a diffstat a folded `---` line brought in: git/git a74c0686fa3b); an address
/// that is no e-mail is dropped and the name kept. Without `<`, the value must be a bare
/// e-mail, a name followed by an e-mail (in parentheses or not), a GitHub `@login` (the
/// login) or a plausible plain name (a few words, letters in each, no punctuation that
/// names never hold), so a sentence, a URL or a list never becomes a person.
pub fn named_person(value: &str) -> Option<NamedPerson> {
    let value = value.trim();
    if let Some(open) = value.find('<') {
        let inner = &value[open + 1..];
        let address = inner.find('>').map_or(inner, |close| &inner[..close]);
        let email = plain_email(address);
        let name = value[..open].trim().trim_matches('"').trim();
        if name.is_empty() && email.is_none() {
            return None;
        }
        return Some(NamedPerson {
            name: name.to_string(),
            email,
        });
    }
    if let Some(email) = plain_email(value) {
        return Some(NamedPerson {
            name: email.clone(),
            email: Some(email),
        });
    }
    // `Name email` or `Name (email)`, without angle brackets.
    if let Some((name, last)) = value.rsplit_once(char::is_whitespace)
        && let Some(email) = plain_email(last.trim_start_matches('(').trim_end_matches(')'))
        && plausible_name(name.trim())
    {
        return Some(NamedPerson {
            name: name.trim().to_string(),
            email: Some(email),
        });
    }
    // A GitHub mention (`@login`) names the login.
    let value = value
        .strip_prefix('@')
        .filter(|login| {
            login
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
        })
        .unwrap_or(value);
    plausible_name(value).then(|| NamedPerson {
        name: value.to_string(),
        email: None,
    })
}

/// `local@domain` with no blanks, angle brackets, quotes, `,`, `;` or `:` (a trailing `.`, `,` or
/// `;` dropped).
fn plain_email(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches(['.', ',', ';']);
    let (local, domain) = text.split_once('@')?;
    let valid = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || "<>,;:\"".contains(c));
    valid.then(|| text.to_string())
}

/// A bare name: at most 8 words of at most 100 characters in all, each word holding a letter
/// or digit, none of the characters of addresses, URLs, lists or diffstats.
fn plausible_name(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    !words.is_empty()
        && words.len() <= 8
        && text.chars().count() <= 100
        && text.chars().any(char::is_alphabetic)
        && words.iter().all(|w| w.chars().any(char::is_alphanumeric))
        && !text.chars().any(|c| "<>@:/\\|=#;{}".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bors_merges_name_the_pr_author_and_reviewers() {
        let facts = parse(
            "Auto merge of #4567 - ehuss:fix-thing, r=alexcrichton,@Eh2406\n\nFix the thing\n",
        );
        assert_eq!(facts.pr_number, Some(4567));
        assert_eq!(facts.merge_kind, Some(MergeKind::Bors));
        assert_eq!(facts.pr_author.as_deref(), Some("ehuss"));
        assert_eq!(facts.approvers, vec!["alexcrichton", "Eh2406"]);
    }

    #[test]
    fn bors_2014_merges_name_the_pr_author_and_reviewers() {
        // Subjects of rust-lang/cargo (2097520e2c48, 46c23d8495b9 in tests/data/real).
        let facts = parse("auto merge of #667 : jakerr/cargo/help-help, r=alexcrichton\n\nfix\n");
        assert_eq!(facts.pr_number, Some(667));
        assert_eq!(facts.merge_kind, Some(MergeKind::Bors));
        assert_eq!(facts.pr_author.as_deref(), Some("jakerr"));
        assert_eq!(facts.approvers, vec!["alexcrichton"]);
        let facts = parse("auto merge of #868 : IanConnolly/cargo/backtick_fix, r=alexcrichton");
        assert_eq!(
            (facts.pr_number, facts.pr_author.as_deref()),
            (Some(868), Some("IanConnolly"))
        );
        let facts = parse("auto merge of #216 : alexcrichton/cargo/issue-205, r=wycats");
        assert_eq!(facts.approvers, vec!["wycats"]);
        assert_eq!(facts.pr_author.as_deref(), Some("alexcrichton"));
    }

    #[test]
    fn github_merges_and_squashes_name_the_pr() {
        let facts = parse("Merge pull request #12 from ana/feature-x\n\nAdd x");
        assert_eq!(
            (facts.pr_number, facts.pr_author.as_deref()),
            (Some(12), Some("ana"))
        );
        assert_eq!(facts.merge_kind, Some(MergeKind::GitHubMerge));
        let facts = parse("Speed up the parser (#345)");
        assert_eq!(facts.pr_number, Some(345));
        assert_eq!(facts.merge_kind, Some(MergeKind::GitHubSquash));
        assert_eq!(parse("Fix (#abc)").pr_number, None);
    }

    #[test]
    fn gerrit_changes_are_numbered_by_reviewed_on() {
        let facts = parse(
            "go/analysis: fix\n\nLonger text.\n\nChange-Id: I0123\nReviewed-on: \
             https://go-review.googlesource.com/c/tools/+/123456\nReviewed-by: Alan \
             <adonovan@google.com>\nTryBot-Result: Gopher Robot <gobot@golang.org>\n",
        );
        assert_eq!(facts.pr_number, Some(123456));
        assert_eq!(facts.merge_kind, Some(MergeKind::Gerrit));
        assert_eq!(facts.trailers.len(), 4);
        assert_eq!(facts.trailers[2].key, "Reviewed-by");
        let old = parse("x\n\nReviewed-on: https://go-review.googlesource.com/1174\n");
        assert_eq!(old.pr_number, Some(1174));
    }

    #[test]
    fn bors_reviewer_lists_keep_only_logins() {
        // rust-lang/cargo: 0c2b370b3, e1851113a, 558eee4fb, 5ff469fe9, 840a562f4, b3d0b2e54.
        let r = |subject: &str| parse(subject).approvers;
        assert_eq!(
            r("Auto merge of #12560 - epage:msrv, r=🙈eh2406🙈"),
            ["eh2406"]
        );
        assert_eq!(
            r("Auto merge of #6596 - Eh2406:slow-cpu-test, r=dwijnand+alexcrichton"),
            ["dwijnand", "alexcrichton"]
        );
        assert_eq!(
            r("Auto merge of #5732 - Eh2406:sort_unstable, r=alexcrichton`,"),
            ["alexcrichton"]
        );
        assert_eq!(
            r("auto merge of #603 : brson/cargo/win, r=alexcrichton,alexcrichton,me"),
            ["alexcrichton"]
        );
        assert!(r("auto merge of #347 : alexcrichton/cargo/snapshots, r=new").is_empty());
        for placeholder in ["update", "tinyfix", "the-whole-team"] {
            assert!(r(&format!("Auto merge of #1 - a:b, r={placeholder}")).is_empty());
        }
        let facts = parse("Auto merge of #1 - a:b, r=@alexcrichton");
        assert_eq!(facts.approvers, ["alexcrichton"]);
    }

    #[test]
    fn bors_ng_merges_name_the_pr_its_author_and_reviewers() {
        // rust-lang/cargo 42d8f78b514415ccfb81d7ca862e400ebd9d7497 (rustfix, bors-ng).
        let facts = parse(
            "Merge #58\n\n58: Don't require clippy r=oli-obk a=Manishearth\n\nThis makes it more \
             suitable to use for epoch stuff\n\n\nWe also need better error reporting here :|\n\n\
             (Can this get a release?)\n\nr? @killercup\n",
        );
        assert_eq!(facts.pr_number, Some(58));
        assert_eq!(facts.merge_kind, Some(MergeKind::BorsNg));
        assert_eq!(facts.pr_author.as_deref(), Some("Manishearth"));
        assert_eq!(facts.approvers, ["oli-obk"]);
        assert_eq!(facts.title.as_deref(), Some("Don't require clippy"));
        // 1cbe64c453e5: an empty body after the line.
        let facts = parse(
            "Merge #60\n\n60: teach bors about required approvals r=killercup a=oli-obk\n\n\n\n",
        );
        assert_eq!(
            (facts.pr_number, facts.pr_author.as_deref()),
            (Some(60), Some("oli-obk"))
        );
        // Without its line, `Merge #N` is nothing bors-ng wrote.
        assert_eq!(parse("Merge #60\n\nsomething else\n").merge_kind, None);
    }

    #[test]
    fn merge_queue_merges_are_not_squashes() {
        // rust-lang/cargo af373f761aa4 (two parents), pallets/flask 7ef2946fb515.
        let message = "chore(ci): exclude resolver-tests from intra doc link checks (#17385)\n\n\
                       ### What does this PR try to resolve?\n\nnext trait resolver might have \
                       bugs dealing with it,\n";
        let queued = parse_commit(message, 2);
        assert_eq!(queued.pr_number, Some(17385));
        assert_eq!(queued.merge_kind, Some(MergeKind::MergeQueue));
        assert_eq!(queued.pr_author, None, "the caller reads the second parent");
        let squashed = parse_commit(message, 1);
        assert_eq!(squashed.merge_kind, Some(MergeKind::GitHubSquash));
        let flask = parse_commit("remove unicode host test (#5962)", 2);
        assert_eq!(
            (flask.pr_number, flask.merge_kind),
            (Some(5962), Some(MergeKind::MergeQueue))
        );
    }

    #[test]
    fn phabricator_revisions_and_their_reviewers() {
        // facebook/folly 012d349713954b12ba75bbd438f2a234c59ef6fa.
        let facts = parse(
            "fix nullptr-dereference in SocketAddress\n\nSummary: When `getaddrinfo` fails, \
             `SocketAddress` attempts to describe the error.\n\nReviewed By: knekritz\n\n\
             Differential Revision: D70706294\n\nfbshipit-source-id: \
             0f4144bcb670c4e8e24dd014c9bc0c4ccad06981\n",
        );
        assert_eq!(facts.pr_number, Some(70706294));
        assert_eq!(facts.merge_kind, Some(MergeKind::Phabricator));
        assert_eq!(facts.approvers, ["knekritz"]);
        assert_eq!(facts.url, None, "a bare D number has no address");
        // git sees only `fbshipit-source-id` as a trailer; that stays so.
        assert_eq!(facts.trailers.len(), 1);
        // folly 0e753e5bd178: an imported GitHub PR `(#1944)` landed through Phabricator.
        let facts = parse(
            "Update x86 Arch Detection (#1944)\n\nSummary:\nThe old detection set \
             `IS_X86_ARCH=TRUE` on Apple M1.\n\nPull Request resolved: \
             https://github.com/facebook/folly/pull/1944\n\nReviewed By: kgpai\n\n\
             Differential Revision: D43881351\n\nPulled By: Orvid\n\n\
             fbshipit-source-id: 87b591a13b1498f957d648b3121f4ea37e92f96b\n",
        );
        assert_eq!(
            (facts.pr_number, facts.merge_kind),
            (Some(43881351), Some(MergeKind::Phabricator))
        );
        assert_eq!(facts.approvers, ["kgpai"]);
        // folly 05639983954d and 0a906712cc42: `@name` and an e-mail.
        let at = parse(
            "Detect clang\n\nSummary: x\n\nReviewed By: @yfeldblum\n\nDifferential Revision: D2340160\n",
        );
        assert_eq!(at.approvers, ["yfeldblum"]);
        let mail = parse(
            "Removing redirects\n\nTest Plan: contbuild\n\nReviewed By: philipp@fb.com\n\nFB internal diff: D1164211\n",
        );
        assert_eq!(mail.approvers, ["philipp@fb.com"]);
        assert_eq!(mail.pr_number, None);
        // Several reviewers, and the URL form.
        let url = parse(
            "x\n\nReviewed By: dmm-fb, ot\n\nDifferential Revision: \
             https://phabricator.intern.facebook.com/D123/\n",
        );
        assert_eq!(url.approvers, ["dmm-fb", "ot"]);
        assert_eq!(url.pr_number, Some(123));
        assert_eq!(
            url.url.as_deref(),
            Some("https://phabricator.intern.facebook.com/D123/")
        );
    }

    #[test]
    fn rietveld_cls_and_their_lgtms() {
        // golang/tools 289e96cc2682be00f0fbf3641972f774617b0d36.
        let facts = parse(
            "go.tools/go/types: no errors for x.(T) where T is an interface\n\nAlso: Added \
             Config.Strict flag to enable type checker tests\n      beyond the Go 1 \
             specification.\n\nFixes golang/go#8561.\n\nLGTM=adonovan\nR=adonovan\n\
             CC=golang-codereviews\nhttps://golang.org/cl/134050043\n",
        );
        assert_eq!(facts.pr_number, Some(134050043));
        assert_eq!(facts.merge_kind, Some(MergeKind::Rietveld));
        assert_eq!(facts.approvers, ["adonovan"]);
        assert_eq!(
            facts.url.as_deref(),
            Some("https://golang.org/cl/134050043")
        );
        // golang/tools 285f6fe2f647: R= names requested reviewers, not approvals.
        let facts = parse(
            "go.tools/cmd/benchcmp: add benchcmp\n\n* Has tests.\n\nUpdates golang/go#7016.\n\n\
             LGTM=r\nR=golang-codereviews, dave, dvyukov, oleku.konko, bradfitz, gobot, r\n\
             CC=golang-codereviews\nhttps://golang.org/cl/47980043\n",
        );
        assert_eq!(facts.approvers, ["r"]);
        assert_eq!(facts.pr_number, Some(47980043));
        let appspot =
            parse("x\n\nLGTM=a, b@golang.org\nR=a\nhttps://codereview.appspot.com/5649045\n");
        assert_eq!(appspot.approvers, ["a", "b@golang.org"]);
        assert_eq!(appspot.pr_number, Some(5649045));
        // A CL link inside the text is no landing.
        assert_eq!(
            parse("x\n\nSee https://golang.org/cl/1234\n\nMore.\n").pr_number,
            None
        );
    }

    #[test]
    fn gerrit_changes_carry_their_address() {
        let facts = parse(
            "x\n\nChange-Id: I1\nReviewed-on: https://go-review.googlesource.com/c/crypto/+/817140\n\
             Reviewed-by: Neal Patel <neal@golang.org>\n",
        );
        assert_eq!(
            facts.url.as_deref(),
            Some("https://go-review.googlesource.com/c/crypto/+/817140")
        );
        assert!(
            facts.approvers.is_empty(),
            "Gerrit's approvers are its trailers"
        );
    }

    fn pairs(message: &str) -> Vec<(String, String)> {
        trailers(message)
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect()
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    // Each expectation below is what git 2.47 prints with `%(trailers:only,unfold)`.
    #[test]
    fn trailers_are_the_last_paragraph_as_git_reads_it() {
        assert!(trailers("subject\n\nbody: not a trailer\nmore text\n").is_empty());
        assert_eq!(
            pairs("subject\n\nbody\n\nSigned-off-by: A <a@x>\nAcked-by: B <b@x>\n  continued\n"),
            owned(&[
                ("Signed-off-by", "A <a@x>"),
                ("Acked-by", "B <b@x> continued")
            ])
        );
        // A subject alone is not a trailer block, whatever it looks like; nor are the lines
        // after leading blank lines, which git log skips.
        assert!(trailers("Fix: the build").is_empty());
        assert!(trailers("\n\nFixes: x\nAcked-by: y\n").is_empty());
        // An empty value is a trailer; blanks before the colon are not part of the key.
        assert_eq!(pairs("s\n\nReviewed-by:\n"), owned(&[("Reviewed-by", "")]));
        assert_eq!(
            pairs("s\n\nKey : value\nOther\t: v2\n"),
            owned(&[("Key", "value"), ("Other", "v2")])
        );
        // A key with a space inside, or no colon: not a trailer, and the block is not one.
        assert!(trailers("s\n\nReviewed by: Ana\n").is_empty());
        assert!(trailers("s\n\nReviewed-by Ana\n").is_empty());
    }

    #[test]
    fn mixed_blocks_follow_the_25_percent_rule_with_a_git_prefix() {
        // A maintainer's `[ … ]` note between sign-offs (git/git 0ae93f56ecd7 and others).
        assert_eq!(
            pairs("s\n\nbody\n\nSigned-off-by: A <a@x>\n[jc: tweaked]\nSigned-off-by: J <j@x>\n"),
            owned(&[("Signed-off-by", "A <a@x>"), ("Signed-off-by", "J <j@x>")])
        );
        // One trailer of four lines is 25 %; of five, it is less.
        assert_eq!(
            pairs("s\n\nline one\nline two\nline three\nSigned-off-by: A <a@x>\n"),
            owned(&[("Signed-off-by", "A <a@x>")])
        );
        assert!(trailers("s\n\none\ntwo\nthree\nfour\nSigned-off-by: A <a@x>\n").is_empty());
        // Without a git-generated prefix, a mixed block is no block.
        assert!(trailers("s\n\nsome text\nReviewed-by: A <a@x>\n").is_empty());
        // A cherry-pick note counts as a trailer line but is not a trailer itself.
        assert_eq!(
            pairs("s\n\nnote\nAcked-by: A <a@x>\n(cherry picked from commit abc)\n"),
            owned(&[("Acked-by", "A <a@x>")])
        );
    }

    #[test]
    fn trailing_comments_conflicts_cut_lines_and_crlf_as_git_has_them() {
        // Trailing comments and an old `Conflicts:` list are not the last paragraph.
        assert_eq!(
            pairs("s\n\nFixes: x\n\n# comment\nConflicts:\n\tfile.c\n"),
            owned(&[("Fixes", "x")])
        );
        // Nothing under `git commit -v`'s cut line is read.
        assert_eq!(
            pairs(
                "s\n\nFixes: x\n# ------------------------ >8 ------------------------\nmore: y\n"
            ),
            owned(&[("Fixes", "x")])
        );
        // A `---` line does not end the message for `git log` (git/git b3e83cc752e9).
        assert!(trailers("s\n\nSigned-off-by: A <a@x>\n---\n\nnotes, not trailers\n").is_empty());
        // CRLF: the CR of a folded line stays inside the value (rust-lang/cargo 6805e7a23a31).
        assert_eq!(
            pairs("s\r\n\r\nFixes: x\r\n cont\r\n"),
            owned(&[("Fixes", "x\r cont")])
        );
        // An indented list folds into an empty first value (rust-lang/rustup aa1deeb2544d).
        assert_eq!(
            pairs("s\n\nThus:\n - one\n - two\n"),
            owned(&[("Thus", "- one - two")])
        );
    }

    /// Every commit of the real corpus (`tests/data/real/*/trailers.jsonl`, git 2.47's own
    /// `%(trailers:only,unfold)` beside each message) reads to exactly git's trailers.
    #[test]
    fn trailers_are_exactly_what_git_reads_on_the_real_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/real");
        let mut repos: Vec<_> = std::fs::read_dir(&root)
            .expect("tests/data/real")
            .map(|entry| entry.expect("entry").path().join("trailers.jsonl"))
            .filter(|path| path.is_file())
            .collect();
        repos.sort();
        assert_eq!(repos.len(), 11, "the corpus has 11 repositories");
        let (mut total, mut differing) = (0, Vec::new());
        for path in &repos {
            let repo = path.parent().and_then(|p| p.file_name()).expect("repo dir");
            let text = std::fs::read_to_string(path).expect("trailers.jsonl");
            let (mut agree, mut commits) = (0, 0);
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let row: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
                let message = row["message"].as_str().expect("message");
                let git: Vec<(String, String)> =
                    serde_json::from_value(row["git_trailers"].clone()).expect("git_trailers");
                let ours: Vec<(String, String)> = trailers(message)
                    .into_iter()
                    .map(|t| (t.key, t.value))
                    .collect();
                commits += 1;
                if ours == git {
                    agree += 1;
                } else {
                    differing.push(format!(
                        "{} {}: git {git:?}, ours {ours:?}",
                        repo.to_string_lossy(),
                        row["commit"]
                    ));
                }
            }
            println!("{}: {agree} of {commits}", repo.to_string_lossy());
            total += commits;
        }
        assert_eq!(total, 2750, "every commit of the corpus is read");
        assert!(
            differing.is_empty(),
            "{} of {total} commits differ from git:\n{}",
            differing.len(),
            differing.join("\n")
        );
    }

    #[test]
    fn people_in_trailers() {
        assert_eq!(
            named_person("Ana Lima <ana@x.org>"),
            Some(NamedPerson {
                name: "Ana Lima".into(),
                email: Some("ana@x.org".into())
            })
        );
        assert_eq!(
            named_person("ana@x.org").unwrap().email.as_deref(),
            Some("ana@x.org")
        );
        assert_eq!(named_person("Ana").unwrap().email, None);
        assert_eq!(named_person("  "), None);
    }

    #[test]
    fn trailer_values_that_name_no_one_are_no_person() {
        // git/git a74c0686fa3b: a folded `---` and diffstat after the address.
        let value = "Junio C Hamano <gitster@pobox.com> --- Documentation/config/add.txt |  \
                     6 ------ builtin/add.c                |  6 +----- \
                     t/t3701-add-interactive.sh   | 15 --------------- 3 files changed, 1 \
                     insertion(+), 26 deletions(-)";
        let junio = NamedPerson {
            name: "Junio C Hamano".into(),
            email: Some("gitster@pobox.com".into()),
        };
        assert_eq!(named_person(value), Some(junio));
        // Notes after the address (git/git), an unclosed one, a trailing full stop.
        let sixt = named_person("Johannes Sixt <j6t@kdbg.org> (MinGW)").unwrap();
        assert_eq!(sixt.name, "Johannes Sixt");
        assert_eq!(sixt.email.as_deref(), Some("j6t@kdbg.org"));
        let luben = named_person("Luben Tuikov <ltuikov@yahoo.com").unwrap();
        assert_eq!(luben.email.as_deref(), Some("ltuikov@yahoo.com"));
        let bare = named_person("dle8@u.rochester.edu.").unwrap();
        assert_eq!(bare.email.as_deref(), Some("dle8@u.rochester.edu"));
        // An address that is no e-mail keeps the name only.
        assert_eq!(
            named_person("Jonathan Nieder <jrnieder <at> gmail.com>"),
            Some(NamedPerson {
                name: "Jonathan Nieder".into(),
                email: None
            })
        );
        // A plain name is a person; a sentence, a URL, a list or a diffstat is not.
        assert_eq!(named_person("Lars Shneider").unwrap().name, "Lars Shneider");
        assert_eq!(named_person("dependabot[bot]").unwrap().email, None);
        assert_eq!(named_person("@tijsvd").unwrap().name, "tijsvd");
        // Sign-offs without angle brackets (git/git 8464010f9742).
        for value in [
            "David Tweed (david.tweed@gmail.com)",
            "David Tweed david.tweed@gmail.com",
        ] {
            assert_eq!(
                named_person(value),
                Some(NamedPerson {
                    name: "David Tweed".into(),
                    email: Some("david.tweed@gmail.com".into())
                })
            );
        }
        let bot = "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>";
        assert_eq!(
            named_person(bot).unwrap().email.as_deref(),
            Some("49699333+dependabot[bot]@users.noreply.github.com")
        );
        for garbage in [
            "https://github.com/rust-lang/cargo/pull/1",
            "- one - two",
            "--- a/file.c | 6 ------",
            "<>",
            "this value is a whole sentence about what the reviewer thought of it",
            "42",
        ] {
            assert_eq!(named_person(garbage), None, "{garbage}");
        }
    }
}
