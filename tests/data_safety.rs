//! Nothing of the user's is ever lost: an `--out` that deletes nothing teamlens did not write,
//! one writer at a time, consistent reads while writers commit (and are killed), and a full
//! disk that leaves the store whole. Each test puts a store and a file of the user's beside
//! the target, and checks them byte for byte after.

mod support;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use support::faults::{Dump, binary, count_from_env, difference, dump, files, seed_from_env};
use support::git_repo::imported_repository;
use teamlens::dir_lock::{Resource, Wait, WriteLock};

/// The binary on a data directory, quiet on stdout.
fn tl(data: &Path) -> Command {
    let mut command = Command::new(binary());
    command
        .arg("--data-dir")
        .arg(data)
        .env_remove("TEAMLENS_LOG")
        .env_remove("GITHUB_TOKEN");
    command
}

/// Runs to the end: (success, stderr).
fn run(command: &mut Command) -> (bool, String) {
    let output = command.stdout(Stdio::null()).output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn succeed(command: &mut Command) {
    let (ok, stderr) = run(command);
    assert!(ok, "{command:?} failed: {stderr}");
}

fn refused(command: &mut Command, said: &str) -> String {
    let (ok, stderr) = run(command);
    assert!(!ok, "{command:?} succeeded");
    assert!(stderr.contains(said), "{command:?} said: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// A small simulated store (one team, two months).
fn simulated_store(dir: &Path) {
    succeed(
        Command::new(binary())
            .args(["simulate", "--teams", "1", "--months", "2", "--out"])
            .arg(dir),
    );
}

#[test]
fn report_out_never_deletes_what_teamlens_did_not_write() {
    let root = tempfile::tempdir().unwrap();
    let w = root.path().join("w");
    let data = w.join("d");
    simulated_store(&data);
    std::fs::write(w.join("notes.txt"), "my notes").unwrap();
    let before = files(&w);
    let report = |out: &Path| {
        let mut command = tl(&data);
        command
            .args(["report", "--month", "2026-10", "--out"])
            .arg(out);
        command
    };

    // The folder that holds the data directory, the data directory, a folder inside it.
    refused(&mut report(&w), "it holds the data directory");
    refused(&mut report(&data), "it is the data directory");
    refused(
        &mut report(&data.join("report")),
        "it is inside the data directory",
    );
    // The working folder, or one holding it.
    refused(
        report(Path::new(".")).current_dir(&w),
        "the folder you are working in",
    );
    refused(
        report(Path::new("..")).current_dir(&data),
        "the folder you are working in, or holds it",
    );
    // A folder of the user's.
    let mine = root.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("plan.md"), "mine").unwrap();
    refused(&mut report(&mine), "plan.md that teamlens did not write");
    assert_eq!(files(&w), before, "the store or the notes changed");
    assert_eq!(std::fs::read(mine.join("plan.md")).unwrap(), b"mine");

    // A new folder, then the same folder again: an earlier report is replaced.
    let out = root.path().join("reports/2026-10");
    succeed(&mut report(&out));
    assert!(out.join(teamlens::out_dir::MARKER).exists());
    succeed(&mut report(&out));
    assert!(out.join("report.md").exists());
    // Once the user adds a file to it, it is theirs too.
    std::fs::write(out.join("charts/annotated.png"), "mine").unwrap();
    refused(&mut report(&out), "charts/annotated.png");
    assert_eq!(
        std::fs::read(out.join("charts/annotated.png")).unwrap(),
        b"mine"
    );
    assert_eq!(files(&w), before);
}

#[test]
fn demo_retro_and_simulate_refuse_folders_of_the_users() {
    let root = tempfile::tempdir().unwrap();
    let mine = root.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "mine").unwrap();

    refused(
        Command::new(binary()).args(["demo", "--out"]).arg(&mine),
        "notes.txt that teamlens did not write",
    );
    refused(
        Command::new(binary())
            .args(["simulate", "--teams", "1", "--months", "2", "--out"])
            .arg(&mine),
        "holds files but no teamlens store",
    );
    assert_eq!(std::fs::read(mine.join("notes.txt")).unwrap(), b"mine");

    // The retro adds retro.md to its folder: never into the data directory, never over a
    // retro.md of the team's own.
    let data = root.path().join("data");
    simulated_store(&data);
    refused(
        tl(&data).args(["retro", "--out"]).arg(data.join("retros")),
        "it is inside the data directory",
    );
    std::fs::write(mine.join("retro.md"), "# Our own retro notes\n").unwrap();
    refused(
        tl(&data).args(["retro", "--out"]).arg(&mine),
        "teamlens did not write it",
    );
    assert_eq!(
        std::fs::read(mine.join("retro.md")).unwrap(),
        b"# Our own retro notes\n"
    );
    let retros = root.path().join("retros");
    let retro = || {
        let mut command = tl(&data);
        command
            .args(["retro", "--since", "2026-10-01", "--out"])
            .arg(&retros);
        command
    };
    succeed(&mut retro());
    // Its own retro.md it replaces.
    succeed(&mut retro());
}

#[test]
fn simulate_never_replaces_fetched_or_imported_data() {
    let root = tempfile::tempdir().unwrap();
    let repo = imported_repository(root.path(), "real", 60, 0xDA7A_0001);
    let data = root.path().join("data");
    succeed(tl(&data).args(["fetch", "git"]).arg(&repo));
    let fetched = dump(&data);
    let simulate = |force: bool| {
        let mut command = Command::new(binary());
        command.args(["simulate", "--teams", "1", "--months", "2", "--out"]);
        command.arg(&data);
        if force {
            command.arg("--force");
        }
        command
    };
    refused(&mut simulate(false), "holds data from git");
    assert!(difference(&fetched, &dump(&data)).is_empty());
    succeed(&mut simulate(true));

    // An earlier simulation is replaced without --force.
    let simulated = root.path().join("sim");
    simulated_store(&simulated);
    simulated_store(&simulated);
}

#[test]
fn a_second_writer_waits_for_the_first_or_says_who_it_is() {
    let root = tempfile::tempdir().unwrap();
    let stored = imported_repository(root.path(), "stored", 40, 0xDA7A_0002);
    let repo = imported_repository(root.path(), "repo", 40, 0xDA7A_0003);
    let data = root.path().join("data");
    succeed(tl(&data).args(["fetch", "git"]).arg(&stored));
    let manifest = std::fs::read(data.join("manifest.json")).unwrap();
    let commits = dump(&data)["commits"].len().to_string();
    let held = WriteLock::acquire(
        &data,
        Resource::Store,
        "teamlens fetch github",
        Wait::No,
        |_| {},
    )
    .unwrap();
    let stderr = refused(
        tl(&data).args(["--no-wait", "fetch", "git"]).arg(&repo),
        "`teamlens fetch github`",
    );
    assert!(
        stderr.contains(&format!("pid {}", std::process::id())),
        "{stderr}"
    );
    // A reader does not wait for the writer: it reads the stored commits while the lock is
    // held (a reader that waited would not finish within the minute).
    let mut query = tl(&data);
    query
        .args([
            "query",
            "--format",
            "csv",
            "SELECT COUNT(*) AS n FROM commits",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut reader = query.spawn().unwrap();
    let started = Instant::now();
    while reader.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "a reader waited for the writer's lock"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = reader.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().last(), Some(commits.as_str()), "{stdout}");

    // Without --no-wait the writer says whom it waits for, and goes on once the lock is free.
    let child = tl(&data)
        .args(["fetch", "git"])
        .arg(&repo)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        std::fs::read(data.join("manifest.json")).unwrap(),
        manifest,
        "it wrote under the lock"
    );
    drop(held);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("waiting for"), "{stderr}");
    assert!(stderr.contains("`teamlens fetch github`"), "{stderr}");
    assert_ne!(std::fs::read(data.join("manifest.json")).unwrap(), manifest);
}

/// One writer of the interleavings.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Writer {
    FetchA,
    FetchB,
    Import,
    Repair,
}

struct Corpus {
    _root: tempfile::TempDir,
    repo_a: PathBuf,
    repo_b: PathBuf,
    import: PathBuf,
    config: PathBuf,
}

impl Corpus {
    fn new() -> Corpus {
        let root = tempfile::tempdir().unwrap();
        let repo_a = imported_repository(root.path(), "alpha", 400, 0xDA7A_00A1);
        let repo_b = imported_repository(root.path(), "beta", 250, 0xDA7A_00B2);
        // Tickets to import: tables git never writes, so either order gives one dataset.
        let import = root.path().join("import");
        std::fs::create_dir(&import).unwrap();
        let mut issues = String::from(
            "source,key,project,title,issue_type,status,status_category,created_at,resolved_at,assignee\n",
        );
        for n in 1..=300 {
            issues.push_str(&format!(
                "jira,OPS-{n},OPS,Ticket {n},chore,Done,done,2017-0{}-0{}T10:00:00Z,2017-0{}-1{}T10:00:00Z,dev{}\n",
                1 + n % 9,
                1 + n % 9,
                1 + n % 9,
                n % 10,
                n % 25
            ));
        }
        std::fs::write(import.join("issues.csv"), issues).unwrap();
        let config = root.path().join("teamlens.toml");
        std::fs::write(
            &config,
            format!(
                "[git]\nrepositories = [{:?}, {:?}]\n",
                repo_a.to_str().unwrap(),
                repo_b.to_str().unwrap()
            ),
        )
        .unwrap();
        Corpus {
            _root: root,
            repo_a,
            repo_b,
            import,
            config,
        }
    }

    fn command(&self, data: &Path, writer: Writer) -> Command {
        let mut command = tl(data);
        command.arg("--config").arg(&self.config);
        match writer {
            Writer::FetchA => command.args(["fetch", "git"]).arg(&self.repo_a),
            Writer::FetchB => command.args(["fetch", "git"]).arg(&self.repo_b),
            Writer::Import => command.arg("import").arg(&self.import),
            Writer::Repair => command.args(["fetch", "--repair"]),
        };
        command
    }
}

/// Reads the store over and over until told to stop; every read must succeed and see a
/// whole manifest: the commit count of no fetch, one or both, never another.
fn reader(data: PathBuf, stop: std::sync::Arc<std::sync::atomic::AtomicBool>) -> Vec<String> {
    let mut seen = Vec::new();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        if !data.join("manifest.json").exists() {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        let output = tl(&data)
            .args([
                "query",
                "--format",
                "csv",
                "SELECT COUNT(*) AS n FROM commits",
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "a read failed: {stderr}");
        seen.push(stdout.lines().last().unwrap_or("").to_string());
    }
    seen
}

fn spawn(mut command: Command) -> Child {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(child: Child, what: Writer) {
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{what:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn interleaved_writers_and_a_reader_lose_nothing() {
    let corpus = Corpus::new();
    let reference_dir = tempfile::tempdir().unwrap();
    let reference = |data: &Path| {
        for writer in [Writer::FetchA, Writer::FetchB, Writer::Import] {
            succeed(&mut corpus.command(data, writer));
        }
        dump(data)
    };
    let want: Dump = reference(reference_dir.path());
    let commits = |d: &Dump| d.get("commits").map_or(0, Vec::len);
    let (a_only, b_only, fetch_time) = {
        let a = tempfile::tempdir().unwrap();
        let started = Instant::now();
        succeed(&mut corpus.command(a.path(), Writer::FetchA));
        let fetch_time = started.elapsed();
        let b = tempfile::tempdir().unwrap();
        succeed(&mut corpus.command(b.path(), Writer::FetchB));
        (
            commits(&dump(a.path())),
            commits(&dump(b.path())),
            fetch_time,
        )
    };
    let possible = [0, a_only, b_only, a_only + b_only].map(|n| n.to_string());

    let trials = count_from_env("TEAMLENS_INTERLEAVINGS", 20);
    let mut rng = ChaCha8Rng::seed_from_u64(seed_from_env(28));
    let (mut kills, mut reads) = (0, 0);
    for trial in 0..trials {
        let data_dir = tempfile::tempdir().unwrap();
        let data = data_dir.path().to_path_buf();
        // fetch + fetch, fetch + import, fetch + repair; the third writer runs after, so every
        // trial ends with the same three sources.
        let second = [Writer::FetchB, Writer::Import, Writer::Repair][trial % 3];
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reading = {
            let (data, stop) = (data.clone(), stop.clone());
            std::thread::spawn(move || reader(data, stop))
        };
        let first_delay = Duration::from_millis(rng.random_range(0..200));
        let second_delay = Duration::from_millis(rng.random_range(0..200));
        // Most trials kill one writer, at a moment drawn over about two fetches' time: while
        // it reads, stages, commits, or waits for the other's lock.
        let kill = rng.random_bool(0.8).then(|| {
            (
                rng.random_bool(0.5),
                fetch_time.mul_f64(rng.random_range(0.05..2.0)),
            )
        });
        let first = Writer::FetchA;
        let started = Instant::now();
        let mut pending = vec![(first_delay, first), (second_delay, second)];
        pending.sort_by_key(|(delay, _)| *delay);
        let mut children = Vec::new();
        for (delay, writer) in pending {
            std::thread::sleep(delay.saturating_sub(started.elapsed()));
            children.push((writer, spawn(corpus.command(&data, writer))));
        }
        if let Some((kill_first, at)) = kill {
            let index = if kill_first { 0 } else { 1 };
            std::thread::sleep(at.saturating_sub(started.elapsed()));
            let (writer, child) = &mut children[index];
            if child.try_wait().unwrap().is_none() {
                // SIGKILL: no destructor runs; the kernel releases the lock.
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
                let writer = *writer;
                children.remove(index);
                // Run again after the other writer; it resumes.
                for (other, child) in children.drain(..) {
                    finish(child, other);
                }
                succeed(&mut corpus.command(&data, writer));
            }
        }
        for (writer, child) in children {
            finish(child, writer);
        }
        for writer in [Writer::FetchA, Writer::FetchB, Writer::Import] {
            if writer != first && writer != second {
                succeed(&mut corpus.command(&data, writer));
            }
        }
        if second == Writer::Repair {
            succeed(&mut corpus.command(&data, Writer::FetchB));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let seen = reading.join().unwrap();
        reads += seen.len();
        let got = dump(&data);
        let diff = difference(&want, &got);
        assert!(
            diff.is_empty(),
            "trial {trial} ({second:?}, kill {kill:?}): {diff}"
        );
        for count in &seen {
            assert!(
                possible.contains(count),
                "trial {trial}: a read saw {count} commits, not one of {possible:?}"
            );
        }
        // Reads never go back: a reader sees commits only ever added.
        let counts: Vec<usize> = seen.iter().map(|c| c.parse().unwrap()).collect();
        assert!(
            counts.windows(2).all(|w| w[0] <= w[1] || w[1] == 0),
            "trial {trial}: reads went back: {counts:?}"
        );
    }
    eprintln!(
        "{trials} interleavings, {kills} writers killed mid-run, {reads} reads during them: \
         no row lost or doubled, every read whole"
    );
}

/// A command whose files may grow to `bytes` at most; past that a write fails with EFBIG, as
/// on a full disk (SIGXFSZ ignored, so the process sees the error rather than dying of it).
fn with_file_size_limit(mut command: Command, bytes: u64) -> Command {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command
}

#[test]
fn a_full_disk_leaves_the_store_whole_and_a_rerun_finishes_it() {
    let corpus = Corpus::new();
    let want = {
        let reference = tempfile::tempdir().unwrap();
        for writer in [Writer::FetchA, Writer::FetchB, Writer::Import] {
            succeed(&mut corpus.command(reference.path(), writer));
        }
        dump(reference.path())
    };
    let work = tempfile::tempdir().unwrap();
    let data = &work.path().join("data");
    succeed(&mut corpus.command(data, Writer::FetchA));
    for writer in [Writer::FetchB, Writer::Import] {
        let before = dump(data);
        let manifest = std::fs::read(data.join("manifest.json")).unwrap();
        let (ok, stderr) = run(&mut with_file_size_limit(
            corpus.command(data, writer),
            2048,
        ));
        assert!(!ok, "{writer:?} succeeded under a 2 KiB file-size limit");
        assert!(
            stderr.contains("full") && stderr.contains("free some space"),
            "{writer:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(std::fs::read(data.join("manifest.json")).unwrap(), manifest);
        assert!(difference(&before, &dump(data)).is_empty());
        succeed(&mut corpus.command(data, writer));
    }
    let diff = difference(&want, &dump(data));
    assert!(diff.is_empty(), "{diff}");

    // A repair that runs out of space leaves the damaged file listed and in place; the re-run
    // repairs it.
    let damaged = std::fs::read_dir(data.join("tables/commits"))
        .unwrap()
        .flatten()
        .find(|e| e.path().is_dir())
        .and_then(|month| std::fs::read_dir(month.path()).unwrap().flatten().next())
        .unwrap()
        .path();
    std::fs::write(&damaged, b"not parquet").unwrap();
    let manifest = std::fs::read(data.join("manifest.json")).unwrap();
    let (ok, stderr) = run(&mut with_file_size_limit(
        corpus.command(data, Writer::Repair),
        2048,
    ));
    assert!(!ok && stderr.contains("full"), "{stderr}");
    assert_eq!(std::fs::read(data.join("manifest.json")).unwrap(), manifest);
    assert_eq!(std::fs::read(&damaged).unwrap(), b"not parquet");
    succeed(&mut corpus.command(data, Writer::Repair));
    let diff = difference(&want, &dump(data));
    assert!(diff.is_empty(), "{diff}");

    // A report that runs out of space leaves the earlier report in place.
    let out = work.path().join("report");
    let report = || {
        let mut command = tl(data);
        command
            .args(["report", "--month", "2017-07", "--out"])
            .arg(&out);
        command
    };
    succeed(&mut report());
    let earlier = files(&out);
    let (ok, stderr) = run(&mut with_file_size_limit(report(), 2048));
    assert!(!ok);
    assert!(stderr.contains("full"), "{stderr}");
    assert_eq!(files(&out), earlier);
}
