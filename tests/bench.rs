//! `teamlens bench`: its floor reads every column the analysis needs (so the ratio is honest),
//! and the command prints what it promises, in text and JSON, with the store cached.

mod support;

use std::collections::BTreeMap;

use polars::prelude::*;
use teamlens::config::Config;
use teamlens::detect::{self, DetectorInput};
use teamlens::identity::Roster;
use teamlens::metrics;
use teamlens::model::TABLES;
use teamlens::model::{ANALYSIS_COLUMNS, READ_REPEATEDLY};
use teamlens::period::{Month, MonthSpan};
use teamlens::report::{self, Audience, Coverage, Names, ReportData, ReportInput};
use teamlens::sources::simulate::{SimConfig, simulate};

/// Every metric and every finding, and the report for each audience (its JSON and Markdown), as
/// comparable text.
fn analysis(tables: &BTreeMap<&'static str, LazyFrame>, month: Month) -> Vec<String> {
    let config = Config::default();
    let computed = metrics::compute(tables, &config, None).unwrap();
    let roster = Roster::from_tables(tables).unwrap();
    let run = || {
        detect::run_all(&DetectorInput::new(
            month, &computed, tables, &config, &roster,
        ))
        .unwrap()
    };
    let outcome = run();
    let mut out: Vec<String> = computed
        .names()
        .flat_map(|name| canonical_rows(name, computed.named(name).unwrap()))
        .collect();
    out.extend(outcome.findings.iter().map(|f| format!("{f:?}")));
    out.extend(outcome.not_judged.iter().map(|n| format!("{n:?}")));
    // The report reads the tables too (stuck work, trends, evidence): it must find its columns.
    let names = Names::plain();
    for audience in [Audience::Manager, Audience::Team] {
        let dir = tempfile::tempdir().unwrap();
        let data = ReportData::assemble(ReportInput {
            span: MonthSpan::month(month),
            metrics: &computed,
            tables,
            outcome: run(),
            coverage: Coverage {
                sources: Vec::new(),
                tables: Vec::new(),
                first_activity: None,
                last_activity: None,
                bots: Vec::new(),
                excluded: Vec::new(),
                assumed_teams: Vec::new(),
                deployments: Default::default(),
                merged_accounts: 0,
                unreadable: Vec::new(),
                calendars: Default::default(),
            },
            roster: &roster,
            audience,
            names: &names,
            thresholds: &config.thresholds,
            acknowledged: Vec::new(),
            expiring: Vec::new(),
            scope: &[],
            narrowed: None,
            min_group_size: config.report.min_group_size,
            clock: config.report.clock,
        })
        .unwrap();
        let written = report::write(data, &dir.path().join("report"), None, None).unwrap();
        for file in [written.json, written.markdown] {
            out.push(std::fs::read_to_string(file).unwrap());
        }
    }
    out
}

/// A frame's rows as text, sorted: some metrics come out of unordered group-bys.
fn canonical_rows(name: &str, frame: &DataFrame) -> Vec<String> {
    let mut rows: Vec<String> = (0..frame.height())
        .map(|i| {
            let cells: Vec<String> = frame
                .columns()
                .iter()
                .map(|c| format!("{}", c.get(i).unwrap()))
                .collect();
            format!("{name}: {}", cells.join(" | "))
        })
        .collect();
    rows.sort();
    rows.insert(0, format!("{name}: {:?}", frame.get_column_names()));
    rows
}

#[test]
fn the_floor_scans_every_column_the_analysis_reads() {
    let sim = SimConfig::default_org(5, 6, 4, 1.0);
    let month = Month::of(sim.until);
    let frames = simulate(&sim).dataset.into_frames().unwrap();
    let full: BTreeMap<&'static str, LazyFrame> = frames
        .iter()
        .map(|(name, frame)| (*name, frame.clone().lazy()))
        .collect();
    // The same tables as `Store::analysis_tables` gives them: the tables it holds in memory with
    // only the listed columns (reading another is an error), every other column of the rest set
    // to null (reading one changes a result).
    let needed_only: BTreeMap<&'static str, LazyFrame> = frames
        .iter()
        .map(|(name, frame)| {
            let needed = ANALYSIS_COLUMNS
                .iter()
                .find(|(table, _)| table == name)
                .map(|(_, columns)| *columns)
                .unwrap_or(&[]);
            if READ_REPEATEDLY.contains(name) {
                let exprs: Vec<Expr> = needed.iter().map(|c| col(*c)).collect();
                return (*name, frame.clone().lazy().select(exprs));
            }
            let exprs: Vec<Expr> = frame
                .columns()
                .iter()
                .map(|c| {
                    if needed.contains(&c.name().as_str()) {
                        col(c.name().clone())
                    } else {
                        lit(NULL).cast(c.dtype().clone()).alias(c.name().clone())
                    }
                })
                .collect();
            (*name, frame.clone().lazy().select(exprs))
        })
        .collect();
    assert_eq!(
        frames.len(),
        TABLES.len(),
        "the simulator writes every table"
    );
    let expected = analysis(&full, month);
    let got = analysis(&needed_only, month);
    assert!(
        expected.iter().any(|l| l.contains("Finding")),
        "nothing was found: a weak check"
    );
    assert_eq!(expected.len(), got.len());
    for (e, g) in expected.iter().zip(&got) {
        assert_eq!(
            e, g,
            "the analysis reads a column model::ANALYSIS_COLUMNS leaves out"
        );
    }
}

#[test]
fn bench_prints_one_json_object_per_size_and_caches_the_store() {
    let cache = tempfile::tempdir().unwrap();
    let with_duckdb = duckdb_available(
        "bench_prints_one_json_object_per_size_and_caches_the_store (DuckDB's figures)",
    );
    let run = |extra: &[&str]| {
        let output = support::teamlens()
            .arg("--data-dir")
            .arg(cache.path())
            .args([
                "bench", "--sizes", "12,20", "--months", "2", "--format", "json",
            ])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8(output.stdout).unwrap();
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .collect::<Vec<_>>()
    };
    let first = run(&[]);
    assert_eq!(first.len(), 2, "one object per size");
    for (result, size) in first.iter().zip([12.0, 20.0]) {
        let people = result["people"].as_f64().unwrap();
        assert!(
            (people - size).abs() <= 4.0,
            "{people} people for --sizes {size}"
        );
        assert!(result["prs"].as_u64().unwrap() > 0);
        let analysis = result["analysis_seconds"].as_f64().unwrap();
        let floor = result["scan_floor_seconds"].as_f64().unwrap();
        assert!(analysis > 0.0 && floor > 0.0);
        let ratio = result["ratio"].as_f64().unwrap();
        assert!((ratio - analysis / floor).abs() < 1e-9 * ratio.max(1.0));
        // Three runs of each part by default; the figures are the medians of the runs.
        assert_eq!(result["runs"], 3);
        for (runs, median) in [
            ("analysis_seconds_runs", analysis),
            ("scan_floor_seconds_runs", floor),
        ] {
            assert_median_of_three(result, runs, median);
        }
        assert!(result["peak_rss_bytes"].as_u64().unwrap() > 10 << 20);
        let phases: Vec<&str> = result["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["phase"].as_str().unwrap())
            .collect();
        assert_eq!(
            phases,
            [
                "load the store",
                "resolve identities",
                "compute all metrics",
                "run all detectors",
                "render the report"
            ]
        );
        // One team's report beside the organisation's: the median-sized team, narrowed.
        let team = result["team_report_seconds"].as_f64().unwrap();
        assert!(team > 0.0);
        let team_ratio = result["team_ratio"].as_f64().unwrap();
        assert!((team_ratio - team / analysis).abs() < 1e-9 * team_ratio.max(1.0));
        assert!(!result["team"].as_str().unwrap().is_empty());
        assert!(result["team_people"].as_u64().unwrap() > 0);
        assert_eq!(
            result["team_report_seconds_runs"].as_array().unwrap().len(),
            3
        );
        let team_phases: Vec<&str> = result["team_phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["phase"].as_str().unwrap())
            .collect();
        assert_eq!(
            team_phases,
            [
                "load the store",
                "resolve identities",
                "narrow to the team",
                "compute all metrics",
                "run all detectors",
                "render the report"
            ]
        );
        assert_eq!(result["cached"], false);
        if with_duckdb {
            let sql = result["duckdb_sql_seconds"].as_f64().unwrap();
            // DuckDB runs once after each analysis.
            assert_median_of_three(result, "duckdb_sql_seconds_runs", sql);
            assert!(result["duckdb_load_seconds"].as_f64().unwrap() > 0.0);
            let over = result["analysis_over_duckdb_sql"].as_f64().unwrap();
            assert!((over - analysis / sql).abs() < 1e-9 * over.max(1.0));
            let slowest = result["duckdb_slowest"].as_array().unwrap();
            assert_eq!(slowest.len(), 3, "{slowest:?}");
            let sql_metrics: Vec<&str> =
                metrics::BUILTIN_SQL.iter().map(|(m, _)| m.name()).collect();
            for entry in slowest {
                assert!(sql_metrics.contains(&entry[0].as_str().unwrap()), "{entry}");
            }
            assert!(result["duckdb_note"].is_null());
            // teamlens's own time for the same SQL files, measured inside each analysis.
            let own = result["metric_sql_seconds"].as_f64().unwrap();
            assert_median_of_three(result, "metric_sql_seconds_runs", own);
            let compute = result["phases"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["phase"] == "compute all metrics")
                .unwrap()["seconds"]
                .as_f64()
                .unwrap();
            assert!(own > 0.0, "the SQL took no time");
            let own_over = result["metric_sql_over_duckdb_sql"].as_f64().unwrap();
            assert!((own_over - own / sql).abs() < 1e-9 * own_over.max(1.0));
            let median_run = result["analysis_seconds_runs"]
                .as_array()
                .unwrap()
                .iter()
                .position(|s| s.as_f64() == Some(analysis))
                .unwrap();
            let own_in_median_run = result["metric_sql_seconds_runs"][median_run]
                .as_f64()
                .unwrap();
            assert!(
                own_in_median_run < compute,
                "the SQL ({own_in_median_run} s) is part of computing the metrics ({compute} s)"
            );
        } else {
            assert!(result["duckdb_sql_seconds"].is_null());
            assert!(
                result["duckdb_note"]
                    .as_str()
                    .unwrap()
                    .contains("cannot import duckdb"),
                "{}",
                result["duckdb_note"]
            );
        }
    }
    // A store cached before its marker recorded the partitions it holds still says them.
    let mut markers = 0;
    for entry in walkdir(cache.path()) {
        if entry.file_name().is_some_and(|n| n == "bench.json") {
            markers += 1;
            let mut marker: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
            marker.as_object_mut().unwrap().remove("stored_months");
            std::fs::write(&entry, serde_json::to_vec(&marker).unwrap()).unwrap();
        }
    }
    assert_eq!(markers, 2, "one cached store per size");
    let second = run(&["--no-duckdb"]);
    assert!(second.iter().all(|r| r["cached"] == true), "stores reused");
    for (first, second) in first.iter().zip(&second) {
        assert!(first["stored_months"].as_u64().unwrap() >= 1);
        assert_eq!(first["stored_months"], second["stored_months"]);
    }
    assert!(
        second
            .iter()
            .all(|r| r["duckdb_sql_seconds"].is_null() && r["duckdb_note"] == "--no-duckdb"),
        "--no-duckdb measures no DuckDB"
    );
    assert_eq!(first[0]["prs"], second[0]["prs"]);
}

#[test]
fn bench_text_names_the_phases_and_the_goals() {
    let cache = tempfile::tempdir().unwrap();
    let output = support::teamlens()
        .arg("--data-dir")
        .arg(cache.path())
        .args([
            "bench",
            "--sizes",
            "12",
            "--months",
            "1",
            "--runs",
            "2",
            "--no-duckdb",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "not measured",
        "load the store",
        "compute all metrics",
        "run all detectors",
        "render the report",
        "scan floor",
        "ratio analysis / floor",
        "one team's report (",
        "the median-sized team",
        "narrow to the team",
        "ratio team / organisation",
        "a team's report within a tenth of the organisation's",
        "goals for",
        "2 runs of each part",
        "(median of 2:",
        "DuckDB not measured: --no-duckdb",
        "within DuckDB's time for the metric SQL alone: not measured",
    ] {
        assert!(
            text.contains(expected),
            "`{expected}` missing from:\n{text}"
        );
    }
}

/// `result[runs]` holds three runs, and `median` is the middle one.
fn assert_median_of_three(result: &serde_json::Value, runs: &str, median: f64) {
    let mut seconds: Vec<f64> = result[runs]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_f64().unwrap())
        .collect();
    seconds.sort_by(f64::total_cmp);
    assert_eq!(seconds.len(), 3, "{runs}");
    assert_eq!(seconds[1], median, "{runs}: the median is the middle run");
}

/// `--months 1,3`: one store per length, the longer's times as ratios to the shorter's (#27's
/// goal 1), DuckDB only on the shorter, where it and the analysis read the same months.
#[test]
fn bench_compares_stores_of_several_lengths() {
    let cache = tempfile::tempdir().unwrap();
    let with_duckdb = duckdb_available(
        "bench_compares_stores_of_several_lengths (DuckDB on the shorter store only)",
    );
    let output = support::teamlens()
        .arg("--data-dir")
        .arg(cache.path())
        .args([
            "bench",
            "--sizes",
            "12",
            "--months",
            "3,1",
            "--runs",
            "1",
            "--whole-history",
            "--retro",
            "--format",
            "json",
        ])
        .args(if with_duckdb {
            &[][..]
        } else {
            &["--no-duckdb"][..]
        })
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), 2, "one object per store");
    let (short, long) = (&results[0], &results[1]);
    assert_eq!(short["months"], 1, "the fewest months first");
    assert_eq!(long["months"], 3);
    assert!(long["stored_months"].as_u64() > short["stored_months"].as_u64());
    for name in [
        "stored_months_ratio",
        "whole_history_stored_months_ratio",
        "retro_stored_months_ratio",
    ] {
        assert!(
            short[name].is_null(),
            "{name}: the shorter store is the base"
        );
    }
    let ratio = long["stored_months_ratio"].as_f64().unwrap();
    let expected =
        long["analysis_seconds"].as_f64().unwrap() / short["analysis_seconds"].as_f64().unwrap();
    assert!(
        (ratio - expected).abs() < 1e-9 * expected.max(1.0),
        "{ratio} against {expected}"
    );
    assert!(long["whole_history_stored_months_ratio"].as_f64().unwrap() > 0.0);
    for result in [short, long] {
        assert_eq!(
            result["window_matches_whole_history"], true,
            "the window's report is the whole history's"
        );
    }
    assert!(long["retro_stored_months_ratio"].as_f64().unwrap() > 0.0);
    if with_duckdb {
        assert!(short["duckdb_sql_seconds"].as_f64().unwrap() > 0.0);
        assert!(long["duckdb_sql_seconds"].is_null());
        assert_eq!(long["duckdb_note"], "measured on the 1-month store only");
    }
}

/// Every file below `dir`.
fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walkdir(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Whether DuckDB runs beside the analysis: when python3 imports duckdb, which CI requires
/// (`TEAMLENS_REQUIRE_DUCKDB`); elsewhere `what` is skipped loudly.
fn duckdb_available(what: &str) -> bool {
    let missing = (!support::other_engines::runs("python3", &["-c", "import duckdb"]))
        .then(|| "python3 cannot import duckdb: pip install duckdb".to_string());
    support::other_engines::available(what, "TEAMLENS_REQUIRE_DUCKDB", missing)
}
