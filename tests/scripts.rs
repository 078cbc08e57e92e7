//! The shell scripts around the binary, run as a workflow or a new user runs them:
//! `scripts/action/install.sh` (a release archive checked against its checksum, or a build of the
//! action's source), `scripts/action/run.sh` (the month, the cache keys, the commands the action
//! runs, publishing that goes on past a failed target) and `scripts/test --check`. Releases are
//! folders served as `file://` URLs, and `teamlens`, `cargo`, `python3`, `java` and `spark-submit`
//! are stand-ins that record what they were asked; nothing reaches the network. Needs bash, tar
//! and sha256sum.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A script run with bash, with none of the runner's variables of the machine running the tests.
fn script(path: &str) -> Command {
    let mut command = Command::new("bash");
    command.arg(root().join(path));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("GITHUB_")
            || name.starts_with("RUNNER_")
            || name.starts_with("TEAMLENS_")
            || name == "SLACK_WEBHOOK_URL"
            || name == "CARGO"
        {
            command.env_remove(name);
        }
    }
    command.env("RUNNER_OS", "Linux").env("RUNNER_ARCH", "X64");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn all(output: &Output) -> String {
    format!("{}{}", text(&output.stdout), text(&output.stderr))
}

fn write_executable(path: &Path, body: &str) {
    std::fs::write(path, body).unwrap();
    let status = Command::new("chmod").arg("+x").arg(path).status().unwrap();
    assert!(status.success());
}

/// A release folder `<dir>/<tag>/` as dist lays one out: the Linux x86_64 archive with
/// `teamlens-<target>/teamlens` inside (a script printing `version_line`) and its `.sha256`.
fn fake_release(dir: &Path, tag: &str, version_line: &str) -> PathBuf {
    let target = "x86_64-unknown-linux-musl";
    let staging = dir.join("staging").join(format!("teamlens-{target}"));
    std::fs::create_dir_all(&staging).unwrap();
    write_executable(
        &staging.join("teamlens"),
        &format!("#!/bin/sh\necho '{version_line}'\n"),
    );
    let release = dir.join(tag);
    std::fs::create_dir_all(&release).unwrap();
    let archive = format!("teamlens-{target}.tar.gz");
    let status = Command::new("tar")
        .arg("-czf")
        .arg(release.join(&archive))
        .arg("-C")
        .arg(dir.join("staging"))
        .arg(format!("teamlens-{target}"))
        .status()
        .unwrap();
    assert!(status.success());
    let sum = Command::new("sha256sum")
        .arg(release.join(&archive))
        .output()
        .unwrap();
    let hash = text(&sum.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    std::fs::write(
        release.join(format!("{archive}.sha256")),
        format!("{hash} *{archive}\n"),
    )
    .unwrap();
    release.join(archive)
}

struct Install {
    work: tempfile::TempDir,
}

impl Install {
    fn new() -> Self {
        Install {
            work: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.work.path().join(name)
    }
    /// `install.sh install` as the action runs it, from the releases in `releases/`, with a
    /// `cargo` that records its arguments and "builds" a binary printing `built from source`.
    fn run(&self, version: &str) -> Output {
        let cargo = self.path("cargo");
        write_executable(
            &cargo,
            &format!(
                "#!/bin/sh\necho \"$@\" >> '{}'\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\n\
                 mkdir -p \"$root/bin\" && printf '#!/bin/sh\\necho built from source\\n' > \"$root/bin/teamlens\" && chmod +x \"$root/bin/teamlens\"\n",
                self.path("cargo.log").display()
            ),
        );
        std::fs::write(self.path("github_path"), "").unwrap();
        script("scripts/action/install.sh")
            .arg("install")
            .env("TEAMLENS_ACTION_DIR", root())
            .env("TEAMLENS_ACTION_REPOSITORY", "acme/teamlens")
            .env("TEAMLENS_VERSION", version)
            .env("TEAMLENS_INSTALL_ROOT", self.path("root"))
            .env(
                "TEAMLENS_RELEASES_URL",
                format!("file://{}", self.path("releases").display()),
            )
            .env("GITHUB_PATH", self.path("github_path"))
            .env("CARGO", &cargo)
            .output()
            .unwrap()
    }
    fn installed(&self) -> Option<String> {
        let binary = self.path("root/bin/teamlens");
        binary.exists().then(|| {
            text(&Command::new(&binary).output().unwrap().stdout)
                .trim()
                .to_string()
        })
    }
    fn cargo_log(&self) -> String {
        std::fs::read_to_string(self.path("cargo.log")).unwrap_or_default()
    }
}

#[test]
fn the_action_installs_the_release_archive_once_its_checksum_matches() {
    let install = Install::new();
    fake_release(&install.path("releases"), "v9.9.9", "teamlens 9.9.9");
    let output = install.run("9.9.9");
    assert!(output.status.success(), "{}", all(&output));
    assert!(
        all(&output).contains("checksum verified"),
        "{}",
        all(&output)
    );
    assert_eq!(install.installed().as_deref(), Some("teamlens 9.9.9"));
    assert_eq!(
        install.cargo_log(),
        "",
        "nothing is built when a release has the binary"
    );
    assert_eq!(
        std::fs::read_to_string(install.path("github_path")).unwrap(),
        format!("{}\n", install.path("root/bin").display())
    );
}

#[test]
fn a_release_archive_whose_checksum_differs_is_refused_and_nothing_is_installed() {
    let install = Install::new();
    let archive = fake_release(&install.path("releases"), "v9.9.9", "teamlens 9.9.9");
    let sha = archive.with_file_name(format!(
        "{}.sha256",
        archive.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(
        &sha,
        "0000000000000000000000000000000000000000000000000000000000000000 *x\n",
    )
    .unwrap();
    let output = install.run("v9.9.9");
    assert!(!output.status.success());
    assert!(
        all(&output).contains("checksum mismatch"),
        "{}",
        all(&output)
    );
    assert_eq!(install.installed(), None);
    assert_eq!(
        install.cargo_log(),
        "",
        "a bad checksum is never papered over by a build"
    );

    // An archive without its checksum file is refused too.
    std::fs::remove_file(&sha).unwrap();
    let output = install.run("v9.9.9");
    assert!(!output.status.success());
    assert!(
        all(&output).contains("refusing a binary"),
        "{}",
        all(&output)
    );
    assert_eq!(install.installed(), None);
}

#[test]
fn without_a_release_for_the_runner_the_action_builds_its_own_source() {
    let install = Install::new();
    // A release of another version only: v9.9.9 has nothing for this runner.
    fake_release(&install.path("releases"), "v1.0.0", "teamlens 1.0.0");
    let output = install.run("v9.9.9");
    assert!(output.status.success(), "{}", all(&output));
    assert!(
        all(&output).contains("no teamlens-x86_64-unknown-linux-musl archive in release v9.9.9"),
        "{}",
        all(&output)
    );
    assert_eq!(install.installed().as_deref(), Some("built from source"));
    assert_eq!(
        install.cargo_log().trim(),
        format!(
            "install --locked --path {} --root {} --bin teamlens",
            root().display(),
            install.path("root").display()
        )
    );

    // `version: build` builds even when the release exists.
    let install = Install::new();
    fake_release(&install.path("releases"), "v1.0.0", "teamlens 1.0.0");
    let output = install.run("build");
    assert!(output.status.success(), "{}", all(&output));
    assert_eq!(install.installed().as_deref(), Some("built from source"));
}

#[test]
fn the_binary_cache_key_names_the_target_the_version_and_the_source() {
    let key = |os: &str, arch: &str, version: &str| {
        let output = script("scripts/action/install.sh")
            .arg("key")
            .env("TEAMLENS_ACTION_DIR", root())
            .env("TEAMLENS_VERSION", version)
            .env("RUNNER_OS", os)
            .env("RUNNER_ARCH", arch)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", all(&output));
        text(&output.stdout)
            .lines()
            .find_map(|line| line.strip_prefix("key=").map(str::to_string))
            .unwrap()
    };
    let linux = key("Linux", "X64", "0.3.0");
    assert!(
        linux.starts_with("teamlens-bin-x86_64-unknown-linux-musl-v0.3.0-"),
        "{linux}"
    );
    assert!(
        key("macOS", "ARM64", "v0.3.0").starts_with("teamlens-bin-aarch64-apple-darwin-v0.3.0-")
    );
    assert!(
        key("Linux", "ARM64", "v0.3.0").starts_with("teamlens-bin-aarch64-unknown-linux-musl-")
    );
    assert_ne!(linux, key("Linux", "X64", "0.4.0"));
    // The default version is the action's own Cargo.toml's.
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        key("Linux", "X64", "").contains(&format!("-v{version}-")),
        "{}",
        key("Linux", "X64", "")
    );

    // A folder with no teamlens source has no key: the step fails, naming it.
    let empty = tempfile::tempdir().unwrap();
    let output = script("scripts/action/install.sh")
        .arg("key")
        .env("TEAMLENS_ACTION_DIR", empty.path())
        .env("TEAMLENS_VERSION", "v1.0.0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        all(&output).contains("holds no teamlens source"),
        "{}",
        all(&output)
    );
}

/// `run.sh STEP` with a stand-in `teamlens` that logs its arguments (one per line, a blank line
/// after each call) and fails when they mention `fail-me`.
fn run_step(work: &Path, step: &str, env: &[(&str, &str)]) -> (Output, String) {
    let log = work.join("teamlens.log");
    let teamlens = work.join("teamlens");
    write_executable(
        &teamlens,
        &format!(
            "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\" >> '{log}'; done\necho >> '{log}'\n\
             case \"$*\" in *fail-me*) echo 'error: refused' >&2; exit 1 ;; esac\n",
            log = log.display()
        ),
    );
    let _ = std::fs::remove_file(&log);
    let mut command = script("scripts/action/run.sh");
    command
        .arg(step)
        .current_dir(work)
        .env("TEAMLENS_BIN", &teamlens);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let calls = std::fs::read_to_string(&log).unwrap_or_default();
    (output, calls)
}

fn outputs(output: &Output) -> std::collections::BTreeMap<String, String> {
    text(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_action_reports_the_last_full_month_and_keys_its_cache_by_workflow_and_month() {
    let work = tempfile::tempdir().unwrap();
    let github_output = work.path().join("github_output");
    std::fs::write(&github_output, "").unwrap();
    let (output, _) = run_step(
        work.path(),
        "plan",
        &[
            ("TEAMLENS_TODAY", "2027-01-02"),
            ("GITHUB_WORKFLOW", "Monthly report"),
            ("GITHUB_JOB", "report"),
            ("GITHUB_RUN_ID", "77"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("GITHUB_OUTPUT", github_output.to_str().unwrap()),
        ],
    );
    assert!(output.status.success(), "{}", all(&output));
    let values = outputs(&output);
    assert_eq!(values["month"], "2026-12", "January's run reports December");
    assert_eq!(values["report-dir"], "reports/2026-12");
    assert_eq!(values["fetch-only"], "false");
    assert_eq!(
        values["cache-key"],
        "teamlens-data-Monthly_report-report-2027-01-77-2"
    );
    let written = std::fs::read_to_string(&github_output).unwrap();
    assert!(
        written.contains(
            "cache-restore-keys<<EOF\nteamlens-data-Monthly_report-report-2027-01-\n\
             teamlens-data-Monthly_report-report-\nEOF\n"
        ),
        "{written}"
    );

    let (output, _) = run_step(
        work.path(),
        "plan",
        &[
            ("TEAMLENS_MONTH", "2026-07"),
            ("TEAMLENS_TODAY", "2026-11-20"),
        ],
    );
    assert_eq!(outputs(&output)["month"], "2026-07");
    for (name, value, says) in [
        ("TEAMLENS_MONTH", "2026-13", "input month is `2026-13`"),
        (
            "TEAMLENS_FETCH_ONLY",
            "yes",
            "input fetch-only is `yes`: give true or false",
        ),
    ] {
        let (output, _) = run_step(work.path(), "plan", &[(name, value)]);
        assert!(!output.status.success(), "{name}={value}");
        assert!(all(&output).contains(says), "{}", all(&output));
    }
}

#[test]
fn the_action_fetches_and_reports_with_the_inputs_as_arguments() {
    let work = tempfile::tempdir().unwrap();
    let (output, calls) = run_step(
        work.path(),
        "fetch",
        &[
            ("TEAMLENS_REPOSITORIES", "acme/api, acme/web\nacme/app"),
            ("TEAMLENS_ORGANIZATION", "acme-labs"),
            ("TEAMLENS_SINCE", "2026-01"),
        ],
    );
    assert!(output.status.success(), "{}", all(&output));
    assert_eq!(
        calls,
        "--data-dir\n.teamlens\nfetch\ngithub\nacme/api\nacme/web\nacme/app\n--org\nacme-labs\n\
         --since\n2026-01\n--wait\n\n"
    );

    // Nothing named and no teamlens.toml: nothing to fetch, said before teamlens runs.
    let (output, calls) = run_step(work.path(), "fetch", &[("TEAMLENS_WAIT", "false")]);
    assert!(!output.status.success());
    assert!(
        all(&output).contains("nothing to fetch"),
        "{}",
        all(&output)
    );
    assert_eq!(calls, "");
    // With a teamlens.toml, its sources.
    std::fs::write(work.path().join("teamlens.toml"), "").unwrap();
    let (output, calls) = run_step(work.path(), "fetch", &[("TEAMLENS_WAIT", "false")]);
    assert!(output.status.success(), "{}", all(&output));
    assert_eq!(calls, "--data-dir\n.teamlens\nfetch\n\n");

    let (output, calls) = run_step(
        work.path(),
        "report",
        &[
            ("TEAMLENS_MONTH", "2026-10"),
            ("TEAMLENS_ANONYMIZE", "true"),
            ("TEAMLENS_TEAM", "payments\n  platform team \n\n"),
            ("TEAMLENS_CONFIG", "teamlens.toml"),
        ],
    );
    assert!(output.status.success(), "{}", all(&output));
    assert_eq!(
        calls,
        "--data-dir\n.teamlens\n--config\nteamlens.toml\nreport\n--month\n2026-10\n--out\n\
         reports/2026-10\n--audience\nteam\n--anonymize\n--team\npayments\n--team\nplatform team\n\n"
    );
    let (output, calls) = run_step(
        work.path(),
        "report",
        &[("TEAMLENS_MONTH", "2026-10"), ("TEAMLENS_ANONYMIZE", "yes")],
    );
    assert!(!output.status.success());
    assert!(
        all(&output).contains("input anonymize is `yes`"),
        "{}",
        all(&output)
    );
    assert_eq!(calls, "", "a bad input stops the step before teamlens runs");
}

#[test]
fn publishing_tries_every_target_fails_at_the_end_and_never_prints_a_webhook_url() {
    let work = tempfile::tempdir().unwrap();
    let slack = "https://hooks.slack.com/services/T000/B000/secret-slack";
    let webhook = "https://example.invalid/hook/secret-webhook";
    let (output, calls) = run_step(
        work.path(),
        "publish",
        &[
            ("TEAMLENS_MONTH", "2026-10"),
            ("TEAMLENS_ISSUE_REPOSITORY", "acme/fail-me"),
            ("TEAMLENS_ISSUE_LABELS", "engineering report\nteamlens"),
            (
                "TEAMLENS_LINK",
                "https://github.com/acme/x/actions/runs/1/artifacts/2",
            ),
            ("SLACK_WEBHOOK_URL", slack),
            ("TEAMLENS_WEBHOOK_URL", webhook),
        ],
    );
    assert!(!output.status.success(), "the failed issue fails the step");
    let said = all(&output);
    assert!(
        said.contains("publishing failed for: github-issue acme/fail-me"),
        "{said}"
    );
    assert!(
        !said.contains("secret-slack") && !said.contains("secret-webhook"),
        "{said}"
    );
    let common =
        "--report\nreports/2026-10\n--link\nhttps://github.com/acme/x/actions/runs/1/artifacts/2\n";
    assert_eq!(
        calls,
        format!(
            "--data-dir\n.teamlens\npublish\ngithub-issue\nacme/fail-me\n--label\nengineering report\n\
             --label\nteamlens\n{common}\n\
             --data-dir\n.teamlens\npublish\nstep-summary\n{common}\n\
             --data-dir\n.teamlens\npublish\nslack\n{common}\n\
             --data-dir\n.teamlens\npublish\nwebhook\n{common}\n"
        ),
        "every target after the failed one still runs; the webhook URLs stay in the environment"
    );

    let (output, calls) = run_step(
        work.path(),
        "publish",
        &[
            ("TEAMLENS_MONTH", "2026-10"),
            ("TEAMLENS_STEP_SUMMARY", "true"),
            ("TEAMLENS_DRY_RUN", "true"),
        ],
    );
    assert!(output.status.success(), "{}", all(&output));
    assert_eq!(
        calls,
        "--data-dir\n.teamlens\npublish\nstep-summary\n--report\nreports/2026-10\n--dry-run\n\n"
    );
}

#[test]
fn the_test_command_checks_for_chromium_python_modules_and_java_without_installing_them() {
    let work = tempfile::tempdir().unwrap();
    // A python3 that runs but cannot import duckdb or pyspark, and a Java too old for Spark,
    // first on PATH.
    let bin = work.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    write_executable(
        &bin.join("python3"),
        "#!/bin/sh\n[ \"$1\" = -c ] && case \"$2\" in 'import duckdb'|'import pyspark') exit 1;; esac\nexit 0\n",
    );
    write_executable(
        &bin.join("java"),
        "#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n",
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let target = work.path().join("target");
    let output = script("scripts/test")
        .arg("--check")
        .env("PATH", &path)
        .env("CARGO_TARGET_DIR", &target)
        .env("TEAMLENS_SKIP_BROWSER", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", all(&output));
    let said = all(&output);
    assert!(
        said.contains("chromium: not needed (TEAMLENS_SKIP_BROWSER=1"),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "python: python3 lacks duckdb pyspark; scripts/test would pip install it into {}",
            target.join("tools/python-venv").display()
        )),
        "{said}"
    );
    // Debian as root says what it would install; elsewhere, what to install.
    assert!(said.contains("java: 11"), "{said}");
    assert!(!target.exists(), "--check installs nothing");

    // A Chromium named by TEAMLENS_CHROMIUM that is not there is said, not searched past.
    let output = script("scripts/test")
        .arg("--check")
        .env("PATH", &path)
        .env("CARGO_TARGET_DIR", &target)
        .env("TEAMLENS_CHROMIUM", work.path().join("no-such-chromium"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        all(&output).contains("is not an executable file"),
        "{}",
        all(&output)
    );

    // All there: a Chromium named by TEAMLENS_CHROMIUM, a python3 that imports every module,
    // Java 17 and spark-submit.
    write_executable(&bin.join("python3"), "#!/bin/sh\necho 9.9.9\n");
    write_executable(
        &bin.join("java"),
        "#!/bin/sh\necho 'openjdk version \"17.0.15\" 2025-04-15' >&2\n",
    );
    write_executable(&bin.join("spark-submit"), "#!/bin/sh\n");
    let chromium = bin.join("my-chromium");
    write_executable(&chromium, "#!/bin/sh\n");
    let output = script("scripts/test")
        .arg("--check")
        .env("PATH", &path)
        .env("CARGO_TARGET_DIR", &target)
        .env("TEAMLENS_CHROMIUM", &chromium)
        .output()
        .unwrap();
    let said = all(&output);
    assert!(output.status.success(), "{said}");
    assert!(
        said.contains(&format!("chromium: {}", chromium.display())),
        "{said}"
    );
    assert!(said.contains("python: 9.9.9 in"), "{said}");
    assert!(
        said.contains(&format!("java: 17 ({})", bin.join("java").display())),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "spark-submit: {}",
            bin.join("spark-submit").display()
        )),
        "{said}"
    );
}

/// The names under a top-level `section:` of a YAML file written as action.yml is: two-space
/// indented keys until the next top-level key.
fn yaml_keys(text: &str, section: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.is_empty() && !line.starts_with('#') {
            inside = line == format!("{section}:");
            continue;
        }
        if inside
            && let Some(key) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && !key.starts_with(' ')
        {
            keys.push(key.to_string());
        }
    }
    keys
}

#[test]
fn every_input_of_the_action_is_in_the_guide() {
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let inputs = yaml_keys(&action, "inputs");
    assert!(inputs.len() > 15, "{inputs:?}");
    let guide = std::fs::read_to_string(root().join("docs/monthly.md")).unwrap();
    for input in &inputs {
        assert!(
            guide.contains(&format!("| `{input}` |")),
            "docs/monthly.md's table of inputs lacks `{input}`"
        );
    }
    for output in yaml_keys(&action, "outputs") {
        assert!(
            guide.contains(&format!("`{output}`")),
            "docs/monthly.md lacks output {output}"
        );
    }
}
