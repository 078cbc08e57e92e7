//! Git repositories for the tests, built with the `git` CLI: fixed identities and dates, and
//! generated histories of any length (`git fast-import`).

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// Runs git in `dir` with fixed identities and dates; panics on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    git_env(dir, args, &[])
}

pub fn git_env(dir: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> String {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Nobody")
        .env("GIT_AUTHOR_EMAIL", "nobody@example.com")
        .env("GIT_COMMITTER_NAME", "Nobody")
        .env("GIT_COMMITTER_EMAIL", "nobody@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00+00:00")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00+00:00");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Commits `file` (its content `message` and `date`) as `who` (name, e-mail) at `date`, in `dir`.
pub fn commit(dir: &Path, who: (&str, &str), date: &str, file: &str, message: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("{message}\n{date}\n")).unwrap();
    git(dir, &["add", file]);
    let env = [
        ("GIT_AUTHOR_NAME", who.0.as_ref()),
        ("GIT_AUTHOR_EMAIL", who.1.as_ref()),
        ("GIT_AUTHOR_DATE", date.as_ref()),
        ("GIT_COMMITTER_DATE", date.as_ref()),
    ];
    git_env(dir, &["commit", "-q", "-m", message], &env);
}

pub fn init(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
}

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Writes `count` commits onto `refs/heads/main` with `git fast-import`: 400 files in 20
/// top-level directories, 1–3 files changed per commit (a line replaced or added), 25 authors
/// in several time zones, one commit in ten a bors merge of a one-commit branch.
pub fn fast_import(dir: &Path, count: usize, start: usize, seed: u64) {
    use std::io::Write;
    let mut rng = Rng(seed);
    let mut files: Vec<Vec<String>> = (0..400)
        .map(|f| (0..30).map(|l| format!("file {f} line {l}")).collect())
        .collect();
    let path = |f: usize| format!("m{:02}/sub{}/f{f:03}.txt", f % 20, f % 3);
    let mut child = Command::new("git")
        .current_dir(dir)
        .args(["fast-import", "--quiet", "--force"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufWriter::new(child.stdin.take().unwrap());
    let zones = ["+0000", "+0100", "+0530", "-0700", "-0400", "+0900"];
    let mut time = 1_500_000_000 + start as i64 * 600;
    let mut mark = 0usize;
    let mut main_mark: Option<usize> = None;
    for n in start..start + count {
        time += 300 + rng.below(3000) as i64;
        let who = rng.below(25) as usize;
        let zone = zones[who % zones.len()];
        let merge = n % 10 == 9 && main_mark.is_some();
        let mut changed = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let f = rng.below(400) as usize;
            let lines = &mut files[f];
            if rng.below(2) == 0 {
                let l = rng.below(lines.len() as u64) as usize;
                lines[l] = format!("changed in {n} by {who}");
            } else {
                lines.push(format!("added in {n} by {who}"));
            }
            changed.push(f);
        }
        mark += 1;
        let commit_mark = mark;
        let reference = if merge {
            "refs/heads/topic"
        } else {
            "refs/heads/main"
        };
        writeln!(out, "commit {reference}\nmark :{commit_mark}").unwrap();
        writeln!(out, "author Dev {who} <dev{who}@example.com> {time} {zone}").unwrap();
        writeln!(
            out,
            "committer Dev {who} <dev{who}@example.com> {time} {zone}"
        )
        .unwrap();
        let message = format!(
            "Change {n}\n\nReviewed-by: Dev {0} <dev{0}@example.com>\n",
            (who + 1) % 25
        );
        writeln!(out, "data {}\n{message}", message.len()).unwrap();
        match (n, main_mark) {
            (_, Some(parent)) => writeln!(out, "from :{parent}").unwrap(),
            (0, None) => {}
            (_, None) => writeln!(out, "from refs/heads/main^0").unwrap(),
        }
        for f in changed {
            let text = files[f].join("\n") + "\n";
            writeln!(
                out,
                "M 100644 inline {}\ndata {}\n{text}",
                path(f),
                text.len()
            )
            .unwrap();
        }
        if merge {
            mark += 1;
            let time = time + 60;
            writeln!(out, "commit refs/heads/main\nmark :{mark}").unwrap();
            writeln!(out, "author bors <bors@example.com> {time} +0000").unwrap();
            writeln!(out, "committer bors <bors@example.com> {time} +0000").unwrap();
            let message = format!(
                "Auto merge of #{n} - dev{who}:topic, r=dev{}\n\nChange {n}\n",
                (who + 2) % 25
            );
            writeln!(out, "data {}\n{message}", message.len()).unwrap();
            writeln!(out, "from :{}\nmerge :{commit_mark}", main_mark.unwrap()).unwrap();
        }
        if !merge || main_mark.is_none() {
            main_mark = Some(commit_mark);
        } else {
            main_mark = Some(mark);
        }
    }
    drop(out);
    assert!(child.wait().unwrap().success());
}

/// A repository named `name` under `dir` with `count` commits from [`fast_import`], checked out.
pub fn imported_repository(dir: &Path, name: &str, count: usize, seed: u64) -> std::path::PathBuf {
    let repo = dir.join(name);
    std::fs::create_dir(&repo).unwrap();
    init(&repo);
    fast_import(&repo, count, 0, seed);
    git(&repo, &["reset", "-q", "--hard", "main"]);
    repo
}
