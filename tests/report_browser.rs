//! The report checked as a person would see it: `report.html` opened in headless Chromium.
//!
//! The test drives Chromium through the DevTools protocol over `--remote-debugging-pipe` (file
//! descriptors 3 and 4, NUL-separated JSON messages), so it needs no WebSocket client and no
//! port. It fails on
//! - any console error, uncaught exception or browser log entry at level error (a blocked
//!   resource, a Content-Security-Policy violation, a failed load);
//! - any script running from the data: a JavaScript dialog opening (the hostile titles call
//!   `alert`), any `<script>` element, any `on*` attribute or `javascript:` link in the DOM, any
//!   `<img>` at all (the report draws charts as inline SVG, so an image can only be injected);
//! - a chart that did not render: a figure without an SVG, an SVG of zero size, or one with
//!   hardly any shapes;
//! - a first screen that hides what matters: at 1366×768, the demo report's summary and its first
//!   finding (heading, observation, evidence table) must end above the screen's bottom edge;
//! - a page wider than a phone: at 390×844, no element of the demo or hostile report may reach
//!   past the screen's edge except inside a scroll box (`.scroll`, around each table), and the
//!   page itself must not scroll sideways.
//!
//! Positions are measured in the page (`getBoundingClientRect`, `scrollWidth`), not judged from
//! the screenshots.
//! The checks run from the test through `Runtime.evaluate`; the page itself has no script. A
//! negative control (a page with an injected image and an empty chart) shows that each check can
//! fail. Screenshots of the hostile report and of the demo report are kept for CI under
//! `<target dir>/ci-artifacts/` (`report-hostile.png`, `report-demo.png`, and the first screens
//! `report-demo-1366x768.png`, `report-demo-390x844.png`, `report-hostile-390x844.png`).
//!
//! Chromium is found at `$TEAMLENS_CHROMIUM`, `/usr/bin/chromium` or `chromium` on PATH; `.ci/run`
//! installs Debian's package. Without it the test fails, unless `TEAMLENS_SKIP_BROWSER=1` says to
//! skip it.

mod report_hostile;
mod support;

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

const CALL_TIMEOUT: Duration = Duration::from_secs(90);

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TEAMLENS_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let system = Path::new("/usr/bin/chromium");
    if system.exists() {
        return Some(system.to_path_buf());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|p| p.exists())
    })
}

/// Where screenshots are kept: `<target dir>/ci-artifacts/`.
fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target dir")
        .join("ci-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A headless Chromium and its DevTools pipe.
struct Browser {
    child: Child,
    to_browser: std::fs::File,
    from_browser: Receiver<Value>,
    next_id: u64,
    /// Events received while waiting for replies, in order.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// Moves `fd` to a descriptor number of at least 10, so the two `dup2` calls cannot clobber it.
fn high(fd: i32) -> std::io::Result<i32> {
    // SAFETY: fcntl on a descriptor this process owns; runs in the child before exec.
    let moved = unsafe { libc::fcntl(fd, libc::F_DUPFD, 10) };
    if moved < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(moved)
    }
}

impl Browser {
    fn launch(executable: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let (browser_reads, we_write) = std::io::pipe().unwrap();
        let (we_read, browser_writes) = std::io::pipe().unwrap();
        let browser_reads: OwnedFd = browser_reads.into();
        let browser_writes: OwnedFd = browser_writes.into();
        let (read_fd, write_fd) = (browser_reads.as_raw_fd(), browser_writes.as_raw_fd());
        let mut command = Command::new(executable);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (fcntl, dup2) between fork and exec.
        unsafe {
            command.pre_exec(move || {
                let (r, w) = (high(read_fd)?, high(write_fd)?);
                if libc::dup2(r, 3) < 0 || libc::dup2(w, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", executable.display()));
        drop(browser_reads);
        drop(browser_writes);
        let (sender, receiver) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(we_read);
            let mut message = Vec::new();
            while reader.read_until(0, &mut message).is_ok_and(|n| n > 0) {
                if message.last() == Some(&0) {
                    message.pop();
                }
                if let Ok(value) = serde_json::from_slice::<Value>(&message)
                    && sender.send(value).is_err()
                {
                    break;
                }
                message.clear();
            }
        });
        Browser {
            child,
            to_browser: std::fs::File::from(OwnedFd::from(we_write)),
            from_browser: receiver,
            next_id: 1,
            events: Vec::new(),
            _profile: profile,
        }
    }

    /// Sends a command (to the browser, or to a page's session) and waits for its result.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to_browser.write_all(&bytes).unwrap();
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.from_browser.recv_timeout(left) {
                Ok(reply) if reply["id"] == json!(id) => {
                    assert!(
                        reply.get("error").is_none(),
                        "{method} failed: {}",
                        reply["error"]
                    );
                    return reply["result"].clone();
                }
                Ok(event) => self.on_event(session, event),
                Err(RecvTimeoutError::Timeout) => panic!("{method}: no answer from Chromium"),
                Err(RecvTimeoutError::Disconnected) => panic!("{method}: Chromium went away"),
            }
        }
    }

    /// Keeps an event; answers a JavaScript dialog at once so the page does not hang on it.
    fn on_event(&mut self, session: Option<&str>, event: Value) {
        if event["method"] == "Page.javascriptDialogOpening" {
            let dialog_session = event["sessionId"]
                .as_str()
                .or(session)
                .unwrap_or_default()
                .to_string();
            self.events.push(event);
            let mut bytes = serde_json::to_vec(&json!({
                "id": 0, "method": "Page.handleJavaScriptDialog",
                "params": {"accept": true}, "sessionId": dialog_session,
            }))
            .unwrap();
            bytes.push(0);
            self.to_browser.write_all(&bytes).unwrap();
        } else {
            self.events.push(event);
        }
    }

    /// Waits until an event with this method has arrived.
    fn wait_for(&mut self, session: &str, method: &str) {
        let deadline = Instant::now() + CALL_TIMEOUT;
        while !self.events.iter().any(|e| e["method"] == method) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.from_browser.recv_timeout(left) {
                Ok(event) => self.on_event(Some(session), event),
                Err(_) => panic!("Chromium never sent {method}"),
            }
        }
    }

    /// Evaluates an expression in the page and returns its value.
    fn evaluate(&mut self, session: &str, expression: &str) -> Value {
        let result = self.call(
            Some(session),
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        assert!(
            result.get("exceptionDetails").is_none(),
            "evaluating {expression}: {}",
            result["exceptionDetails"]
        );
        result["result"]["value"].clone()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let mut bytes = serde_json::to_vec(&json!({"id": u64::MAX, "method": "Browser.close"}))
            .unwrap_or_default();
        bytes.push(0);
        let _ = self.to_browser.write_all(&bytes);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a page showed: every problem found, and the screenshot.
struct Visit {
    problems: Vec<String>,
    screenshot: Vec<u8>,
}

/// A screen a page is looked at on.
#[derive(Debug, Clone, Copy)]
struct Screen {
    width: u32,
    height: u32,
    /// A phone: the page's `viewport` meta tag applies, at three device pixels a CSS pixel.
    mobile: bool,
}

/// A laptop's screen, the size most reports are first opened at.
const LAPTOP: Screen = Screen {
    width: 1366,
    height: 768,
    mobile: false,
};
/// A phone held upright.
const PHONE: Screen = Screen {
    width: 390,
    height: 844,
    mobile: true,
};

/// Opens a page in a fresh tab on `screen` and lets it load: (session id, target id).
fn open(browser: &mut Browser, page: &Path, screen: Screen) -> (String, Value) {
    browser.events.clear();
    let target = browser.call(None, "Target.createTarget", json!({ "url": "about:blank" }));
    let attached = browser.call(
        None,
        "Target.attachToTarget",
        json!({ "targetId": target["targetId"], "flatten": true }),
    );
    let session = attached["sessionId"].as_str().unwrap().to_string();
    for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
        browser.call(Some(&session), domain, json!({}));
    }
    browser.call(
        Some(&session),
        "Emulation.setDeviceMetricsOverride",
        json!({
            "width": screen.width, "height": screen.height,
            "deviceScaleFactor": if screen.mobile { 3 } else { 1 }, "mobile": screen.mobile,
        }),
    );
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    browser.call(Some(&session), "Page.navigate", json!({ "url": url }));
    browser.wait_for(&session, "Page.loadEventFired");
    // One more round trip, so that events raised while loading have arrived.
    browser.evaluate(&session, "1");
    (session, target["targetId"].clone())
}

/// Takes a screenshot of what `screen` shows without scrolling.
fn first_screen(browser: &mut Browser, session: &str) -> Vec<u8> {
    let shot = browser.call(
        Some(session),
        "Page.captureScreenshot",
        json!({ "format": "png" }),
    );
    base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().unwrap_or_default())
        .unwrap()
}

/// Where the page's parts are on a laptop's first screen, measured: the summary and the first
/// finding's heading, its observation and its evidence table must end above the screen's
/// bottom edge, unscrolled. Each problem is said.
fn first_screen_problems(browser: &mut Browser, session: &str) -> Vec<String> {
    let seen = browser.evaluate(
        session,
        r##"(() => {
            const bottom = (selector) => {
                const e = document.querySelector(selector);
                return e ? e.getBoundingClientRect().bottom : null;
            };
            return {
                viewport: window.innerHeight, scrolled: window.scrollY,
                summary: bottom("#summary"),
                heading: bottom(".finding h3"),
                headline: bottom(".finding .headline"),
                evidence: bottom(".finding table"),
            };
        })()"##,
    );
    let viewport = seen["viewport"].as_f64().unwrap_or(0.0);
    let mut problems = Vec::new();
    if seen["scrolled"].as_f64() != Some(0.0) {
        problems.push(format!("the page opened scrolled: {seen}"));
    }
    for part in ["summary", "heading", "headline", "evidence"] {
        match seen[part].as_f64() {
            None => problems.push(format!("no {part} in the page")),
            Some(bottom) if bottom > viewport => problems.push(format!(
                "the {part} ends at {bottom:.0} px, below the first screen ({viewport:.0} px)"
            )),
            Some(_) => {}
        }
    }
    problems
}

/// On a phone, nothing may reach past the screen's right edge but what scrolls inside a scroll
/// box (`.scroll`, holding a wide table): the page itself never scrolls sideways.
fn sideways_problems(browser: &mut Browser, session: &str) -> Vec<String> {
    let seen = browser.evaluate(
        session,
        r##"(() => {
            const width = document.documentElement.clientWidth;
            const found = [];
            if (document.documentElement.scrollWidth > width + 1) {
                found.push("the page scrolls sideways: " + document.documentElement.scrollWidth
                    + " px wide on a " + width + " px screen");
            }
            for (const e of document.body.querySelectorAll("*")) {
                const inside = e.parentElement && e.parentElement.closest(".scroll");
                if (inside) continue;
                const box = e.getBoundingClientRect();
                if (box.width > 0 && (box.right > width + 1 || box.left < -1)) {
                    found.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                        + (e.className && e.className.baseVal === undefined && e.className
                            ? "." + e.className : "")
                        + " spans " + Math.round(box.left) + "–" + Math.round(box.right)
                        + " px of " + width + ": " + (e.textContent || "").trim().slice(0, 60));
                }
            }
            return found.slice(0, 20);
        })()"##,
    );
    seen.as_array()
        .into_iter()
        .flatten()
        .map(|p| format!("on a phone, {}", p.as_str().unwrap_or_default()))
        .collect()
}

/// Opens a page on `screen`, measures it with `check`, keeps a screenshot of its first screen
/// in `<target>/ci-artifacts/report-{name}.png` and closes it.
fn measure(
    browser: &mut Browser,
    page: &Path,
    screen: Screen,
    name: &str,
    check: fn(&mut Browser, &str) -> Vec<String>,
) -> Vec<String> {
    let (session, target) = open(browser, page, screen);
    let problems = check(browser, &session);
    let shot = first_screen(browser, &session);
    std::fs::write(artifacts().join(format!("report-{name}.png")), &shot).unwrap();
    browser.call(None, "Target.closeTarget", json!({ "targetId": target }));
    problems
}

/// Opens a page in a fresh tab, lets it load, checks it and takes a full-page screenshot.
fn visit(browser: &mut Browser, page: &Path) -> Visit {
    let (session, target_id) = open(
        browser,
        page,
        Screen {
            width: 1100,
            height: 900,
            mobile: false,
        },
    );

    let mut problems = Vec::new();
    for event in browser.events.iter() {
        let params = &event["params"];
        match event["method"].as_str().unwrap_or_default() {
            "Runtime.consoleAPICalled"
                if matches!(params["type"].as_str(), Some("error" | "assert")) =>
            {
                problems.push(format!("console error: {}", params["args"]));
            }
            "Runtime.exceptionThrown" => {
                problems.push(format!("exception: {}", params["exceptionDetails"]));
            }
            "Log.entryAdded" if params["entry"]["level"] == "error" => {
                problems.push(format!("browser log error: {}", params["entry"]["text"]));
            }
            "Page.javascriptDialogOpening" => {
                problems.push(format!("a script from the data ran: {}", params["message"]));
            }
            _ => {}
        }
    }
    let injected = browser.evaluate(
        &session,
        r#"(() => {
            const found = [];
            if (document.scripts.length) found.push(document.scripts.length + " <script> elements");
            if (document.images.length) found.push(document.images.length + " <img> elements");
            for (const e of document.querySelectorAll("*")) {
                for (const a of e.attributes) {
                    if (a.name.toLowerCase().startsWith("on")) found.push(e.tagName + " " + a.name);
                }
            }
            for (const a of document.querySelectorAll("a[href]")) {
                if (a.href.trim().toLowerCase().startsWith("javascript:")) found.push("link " + a.href);
            }
            return found;
        })()"#,
    );
    for item in injected.as_array().into_iter().flatten() {
        problems.push(format!(
            "injected into the DOM: {}",
            item.as_str().unwrap_or_default()
        ));
    }
    let charts = browser.evaluate(
        &session,
        r#"Array.from(document.querySelectorAll("figure")).map(f => {
            const svg = f.querySelector("svg");
            const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
            const shapes = svg ? svg.querySelectorAll("rect,path,polyline,circle,line,text").length : 0;
            return {id: f.id, svg: !!svg, width: box.width, height: box.height, shapes};
        })"#,
    );
    let charts = charts.as_array().cloned().unwrap_or_default();
    if charts.is_empty() {
        problems.push("no chart in the page".into());
    }
    for chart in &charts {
        let rendered = chart["svg"] == true
            && chart["width"].as_f64().unwrap_or(0.0) > 50.0
            && chart["height"].as_f64().unwrap_or(0.0) > 50.0
            && chart["shapes"].as_u64().unwrap_or(0) >= 5;
        if !rendered {
            problems.push(format!("chart did not render: {chart}"));
        }
    }

    let height = browser
        .evaluate(&session, "document.documentElement.scrollHeight")
        .as_f64()
        .unwrap_or(900.0)
        .clamp(900.0, 16000.0);
    browser.call(
        Some(&session),
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 1100, "height": height as i64, "deviceScaleFactor": 1, "mobile": false }),
    );
    let shot = browser.call(
        Some(&session),
        "Page.captureScreenshot",
        json!({ "format": "png", "captureBeyondViewport": true }),
    );
    let screenshot = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().unwrap_or_default())
        .unwrap();
    browser.call(None, "Target.closeTarget", json!({ "targetId": target_id }));
    Visit {
        problems,
        screenshot,
    }
}

fn demo_report(work: &Path) -> PathBuf {
    let out = work.join("demo");
    support::teamlens()
        .args(["-q", "demo", "--out"])
        .arg(&out)
        .assert()
        .success();
    out
}

#[test]
fn the_report_renders_in_chromium_without_errors_or_scripts_and_every_chart_shows() {
    let Some(executable) = chromium() else {
        if std::env::var("TEAMLENS_SKIP_BROWSER").is_ok_and(|v| v == "1") {
            eprintln!("skipped: no Chromium, and TEAMLENS_SKIP_BROWSER=1");
            return;
        }
        panic!(
            "Chromium is needed to check the report in a browser: install it (Debian: \
             `apt-get install -y chromium`; `.ci/run` does), point TEAMLENS_CHROMIUM at it, or \
             set TEAMLENS_SKIP_BROWSER=1 to skip this test"
        );
    };
    let mut browser = Browser::launch(&executable);

    // The negative control: every kind of check must fire on a page built to fail them.
    let control = tempfile::tempdir().unwrap();
    let bad_page = control.path().join("bad.html");
    std::fs::write(
        &bad_page,
        "<!DOCTYPE html><html><body><img src=\"missing.png\" onerror=\"alert('ran')\">\
         <figure id=\"chart-empty\"><svg width=\"0\" height=\"0\"></svg></figure></body></html>",
    )
    .unwrap();
    let control_visit = visit(&mut browser, &bad_page);
    let found = control_visit.problems.join("\n");
    for expected in [
        "a script from the data ran",
        "injected into the DOM: 1 <img>",
        "injected into the DOM: IMG onerror",
        "chart did not render",
        "browser log error",
    ] {
        assert!(
            found.contains(expected),
            "the check for `{expected}` did not fire on the control page:\n{found}"
        );
    }

    // The layout checks' own control: a page whose summary is far down and whose text runs off
    // a phone's screen.
    let off_screen = control.path().join("off_screen.html");
    std::fs::write(
        &off_screen,
        "<!DOCTYPE html><html><head><meta name=\"viewport\" content=\"width=device-width\">\
         </head><body><div style=\"height:1200px\"></div><section id=\"summary\">s</section>\
         <div class=\"finding\"><h3>h</h3><p class=\"headline\">x</p><table><tr><td>1</td>\
         </tr></table></div><p style=\"width:900px\">wide</p>\
         <div class=\"scroll\" style=\"overflow-x:auto\"><table style=\"width:900px\"><tr>\
         <td>fine</td></tr></table></div></body></html>",
    )
    .unwrap();
    let found = measure(
        &mut browser,
        &off_screen,
        LAPTOP,
        "control-laptop",
        first_screen_problems,
    )
    .join("\n");
    for part in ["summary", "heading", "headline", "evidence"] {
        assert!(
            found.contains(&format!("the {part} ends at")),
            "the first-screen check of the {part} did not fire on the control page:\n{found}"
        );
    }
    let found = measure(
        &mut browser,
        &off_screen,
        PHONE,
        "control-phone",
        sideways_problems,
    );
    assert!(
        found.iter().any(|p| p.contains("scrolls sideways"))
            && found
                .iter()
                .any(|p| p.contains("p spans") && p.contains("wide"))
            && !found.iter().any(|p| p.contains("fine")),
        "the phone check did not fire as it should on the control page:\n{}",
        found.join("\n")
    );

    let (work, data) = report_hostile::workspace();
    let hostile = work.path().join("hostile");
    support::teamlens()
        .arg("--data-dir")
        .arg(&data)
        .args(["-q", "report", "--month", "2026-10", "--out"])
        .arg(&hostile)
        .assert()
        .success();
    let demo = demo_report(work.path());
    for (name, dir) in [("hostile", &hostile), ("demo", &demo)] {
        let seen = visit(&mut browser, &dir.join("report.html"));
        let shot = artifacts().join(format!("report-{name}.png"));
        std::fs::write(&shot, &seen.screenshot).unwrap();
        assert!(
            seen.screenshot.starts_with(b"\x89PNG") && seen.screenshot.len() > 20_000,
            "the screenshot {} is not a picture of a page",
            shot.display()
        );
        assert!(
            seen.problems.is_empty(),
            "{name} report in Chromium (screenshot: {}):\n{}",
            shot.display(),
            seen.problems.join("\n")
        );
        eprintln!("{name} report: no problems; screenshot {}", shot.display());
    }

    // Each team's page, linked from the table of teams: the same checks but for the charts,
    // which a team's page leaves to the organisation's report; and nothing past a phone's edge.
    for (name, dir) in [("hostile", &hostile), ("demo", &demo)] {
        let json: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap())
                .unwrap();
        let page = json["teams"][0]["page"].as_str().unwrap().to_string();
        let links = {
            let (session, target_id) = open(&mut browser, &dir.join("report.html"), LAPTOP);
            let links = browser.evaluate(
                &session,
                "Array.from(document.querySelectorAll('#teams + .scroll a')).map(a => a.getAttribute('href'))",
            );
            browser.call(None, "Target.closeTarget", json!({ "targetId": target_id }));
            links
        };
        assert_eq!(
            links[0],
            page.as_str(),
            "{name}: the table of teams links {links}"
        );
        let seen = visit(&mut browser, &dir.join(&page));
        let problems: Vec<&String> = seen
            .problems
            .iter()
            .filter(|p| *p != "no chart in the page")
            .collect();
        assert!(
            problems.is_empty(),
            "{name} {page} in Chromium:\n{problems:?}"
        );
        let phone = measure(
            &mut browser,
            &dir.join(&page),
            PHONE,
            &format!("{name}-team-390x844"),
            sideways_problems,
        );
        assert!(
            phone.is_empty(),
            "{name} {page} at 390×844:\n{}",
            phone.join("\n")
        );
    }

    // The demo's summary and first finding on a laptop's first screen; no report reaching past
    // a phone's screen but its tables, in their scroll boxes.
    let laptop = measure(
        &mut browser,
        &demo.join("report.html"),
        LAPTOP,
        "demo-1366x768",
        first_screen_problems,
    );
    assert!(
        laptop.is_empty(),
        "demo report at 1366×768 (screenshot: report-demo-1366x768.png):\n{}",
        laptop.join("\n")
    );
    for (name, dir) in [("hostile", &hostile), ("demo", &demo)] {
        let phone = measure(
            &mut browser,
            &dir.join("report.html"),
            PHONE,
            &format!("{name}-390x844"),
            sideways_problems,
        );
        assert!(
            phone.is_empty(),
            "{name} report at 390×844 (screenshot: report-{name}-390x844.png):\n{}",
            phone.join("\n")
        );
    }
}
