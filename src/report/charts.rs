//! The report's charts, drawn with plotters: each written as SVG (inlined in the HTML report) and
//! as PNG at twice the pixel density for sharp screens.
//!
//! One visual style for all: the Okabe–Ito colour-blind-safe palette, the manager in vermillion,
//! everyone else in blue, axis descriptions with units. The font is bundled (DejaVu Sans) and
//! registered with plotters' `ab_glyph` backend, so PNG rendering needs no system font library.
//! Names are user data: plotters' SVG backend escapes text, and long names are shortened.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::RangedCoordusize;
use plotters::prelude::*;
use plotters::style::FontStyle;

const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
const SKY: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
const INK: RGBColor = RGBColor(0x1F, 0x23, 0x28);
const MESH: RGBColor = RGBColor(0xE4, 0xE7, 0xEB);

/// Why a chart could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("chart {chart}: {message}")]
    Drawing { chart: String, message: String },
    #[error("chart {chart}: cannot write {path}: {source}")]
    Io {
        chart: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One rendered chart: the SVG text (inlined into the HTML report) and where both files were written.
#[derive(Debug, Clone)]
pub struct RenderedChart {
    pub name: String,
    pub title: String,
    pub svg: String,
    pub svg_path: PathBuf,
    pub png_path: PathBuf,
}

/// One person's approvals as a share of the merged PRs they could approve.
#[derive(Debug, Clone)]
pub struct ReviewShare {
    pub person: String,
    /// The team whose PRs were approved.
    pub team: String,
    pub approvals: u32,
    /// 0..1 of merged PRs.
    pub share: f64,
    pub is_manager: bool,
}

/// One cycle-time phase of a stacked bar: its name, colour and how to read it from a week.
type Phase = (&'static str, RGBColor, fn(&WeekPhases) -> f64);

/// Reviews counted per reviewer (rows) and author (columns).
#[derive(Debug, Clone)]
pub struct ReviewMatrix {
    pub reviewers: Vec<String>,
    pub authors: Vec<String>,
    /// `counts[reviewer][author]`.
    pub counts: Vec<Vec<u32>>,
    pub managers: Vec<String>,
}

/// Median hours of each phase of the PRs merged in one week.
#[derive(Debug, Clone)]
pub struct WeekPhases {
    pub week_start: chrono::NaiveDate,
    /// Each phase's median hours, `None` where no PR of the week recorded the phase (a git
    /// history has no review times): drawn as no bar, written as an empty cell, never as 0.
    pub coding_h: Option<f64>,
    pub pickup_h: Option<f64>,
    pub review_h: Option<f64>,
    pub merge_h: Option<f64>,
    pub prs: u32,
}

/// A team's output and outcome in one month.
#[derive(Debug, Clone)]
pub struct MonthFigures {
    /// `YYYY-MM`.
    pub month: String,
    pub prs_merged: u32,
    pub cycle_p50_h: Option<f64>,
    pub cycle_p90_h: Option<f64>,
}

/// One team's months, oldest first.
#[derive(Debug, Clone)]
pub struct TeamSeries {
    pub team: String,
    pub months: Vec<MonthFigures>,
}

fn register_fonts() {
    static REGISTERED: OnceLock<()> = OnceLock::new();
    REGISTERED.get_or_init(|| {
        // The bytes are a valid TrueType font bundled with the crate; a failure would leave
        // plotters without a font, which then reports an error per chart rather than panicking.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, FONT_BOLD);
    });
}

/// Pixel sizes at 1×; the PNG multiplies every one by [`PNG_SCALE`].
struct Style {
    scale: f64,
}

const PNG_SCALE: f64 = 2.0;

impl Style {
    fn px(&self, value: f64) -> u32 {
        (value * self.scale).round() as u32
    }
    fn font(&self, size: f64) -> TextStyle<'static> {
        ("sans-serif", size * self.scale).into_font().color(&INK)
    }
    fn title(&self) -> TextStyle<'static> {
        ("sans-serif", 20.0 * self.scale, FontStyle::Bold)
            .into_font()
            .color(&INK)
    }
    fn label(&self) -> TextStyle<'static> {
        self.font(13.0)
    }
}

/// Shortens a name for a label, marking the cut with an ellipsis.
fn short(name: &str, limit: usize) -> String {
    if name.chars().count() <= limit {
        name.to_string()
    } else {
        format!(
            "{}…",
            name.chars()
                .take(limit.saturating_sub(1))
                .collect::<String>()
        )
    }
}

type DrawResult = Result<(), String>;

/// `count` slots for bars or cells. Plotters' integer ranges are inclusive, so `0..count` would
/// add an empty slot at the end; one slot still needs a range of two (a range of one point has no
/// width).
fn segments(count: usize) -> SegmentedCoord<RangedCoordusize> {
    (0..count.max(2) - 1).into_segmented()
}

/// Draws a chart twice, to SVG at 1× and PNG at 2×, and writes both files.
fn render_with(
    out_dir: &Path,
    name: &str,
    title: &str,
    size: (u32, u32),
    draw_svg: &dyn Fn(&DrawingArea<SVGBackend, Shift>, &Style) -> DrawResult,
    draw_png: &dyn Fn(&DrawingArea<BitMapBackend, Shift>, &Style) -> DrawResult,
) -> Result<RenderedChart, ChartError> {
    register_fonts();
    let failed = |message: String| ChartError::Drawing {
        chart: name.to_string(),
        message,
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| failed(e.to_string()))?;
        draw_svg(&root, &Style { scale: 1.0 }).map_err(failed)?;
        root.present().map_err(|e| failed(e.to_string()))?;
    }
    let svg_path = out_dir.join(format!("{name}.svg"));
    std::fs::write(&svg_path, &svg).map_err(|source| ChartError::Io {
        chart: name.to_string(),
        path: svg_path.clone(),
        source,
    })?;
    let png_path = out_dir.join(format!("{name}.png"));
    {
        let png_size = (
            (size.0 as f64 * PNG_SCALE) as u32,
            (size.1 as f64 * PNG_SCALE) as u32,
        );
        let root = BitMapBackend::new(&png_path, png_size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| failed(e.to_string()))?;
        draw_png(&root, &Style { scale: PNG_SCALE }).map_err(failed)?;
        root.present()
            .map_err(|e| failed(format!("writing {}: {e}", png_path.display())))?;
    }
    Ok(RenderedChart {
        name: name.to_string(),
        title: title.to_string(),
        svg,
        svg_path,
        png_path,
    })
}

/// Writes the title and a "no data" line on an otherwise empty chart.
fn draw_empty<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: &Style,
    title: &str,
) -> DrawResult {
    let (width, height) = root.dim_in_pixel();
    root.draw(&Text::new(
        title.to_string(),
        (style.px(16.0) as i32, style.px(12.0) as i32),
        style.title(),
    ))
    .map_err(|e| e.to_string())?;
    root.draw(&Text::new(
        "no data for this period".to_string(),
        (width as i32 / 2 - style.px(80.0) as i32, height as i32 / 2),
        style.font(16.0).color(&RGBColor(0x59, 0x63, 0x6E)),
    ))
    .map_err(|e| e.to_string())
}

/// A row of colour swatches with labels along the bottom of a chart, for charts whose series a
/// plotters legend box would cover: the first swatch `x.0` from the left, one every `x.1` (in 1×
/// pixels), `from_bottom` above the bottom edge.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: &Style,
    entries: &[(&str, RGBColor)],
    x: (f64, f64),
    from_bottom: f64,
) -> DrawResult {
    let y = root.dim_in_pixel().1 as i32 - style.px(from_bottom) as i32;
    for (i, (label, colour)) in entries.iter().enumerate() {
        let left = style.px(x.0 + x.1 * i as f64) as i32;
        root.draw(&Rectangle::new(
            [
                (left, y - style.px(5.0) as i32),
                (left + style.px(14.0) as i32, y + style.px(5.0) as i32),
            ],
            colour.filled(),
        ))
        .map_err(|e| e.to_string())?;
        root.draw(&Text::new(
            *label,
            (left + style.px(20.0) as i32, y - style.px(7.0) as i32),
            style.font(12.0),
        ))
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

macro_rules! both_backends {
    ($body:ident, $($arg:expr),*) => {
        (
            &|root: &DrawingArea<SVGBackend, Shift>, style: &Style| $body(root, style, $($arg),*),
            &|root: &DrawingArea<BitMapBackend, Shift>, style: &Style| $body(root, style, $($arg),*),
        )
    };
}

/// Horizontal bars, one per person, sorted by share; managers in vermillion and labelled.
pub fn review_load_share(
    out_dir: &Path,
    title: &str,
    data: &[ReviewShare],
) -> Result<RenderedChart, ChartError> {
    // By team and name, never ranked by share.
    let mut sorted = data.to_vec();
    sorted.sort_by(|a, b| a.team.cmp(&b.team).then(a.person.cmp(&b.person)));
    let height = (120 + 28 * sorted.len().max(3)) as u32;
    let (svg, png) = both_backends!(draw_review_load_share, title, &sorted);
    render_with(out_dir, "review_load_share", title, (960, height), svg, png)
}

fn draw_review_load_share<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: &Style,
    title: &str,
    data: &[ReviewShare],
) -> DrawResult {
    if data.is_empty() {
        return draw_empty(root, style, title);
    }
    let names: Vec<String> = data
        .iter()
        .map(|d| {
            let name = short(&d.person, 24);
            let team = short(&d.team, 20);
            if d.is_manager {
                format!("{name} ({team}, manager)")
            } else {
                format!("{name} ({team})")
            }
        })
        .collect();
    let rows = data.len();
    let mut chart = ChartBuilder::on(root)
        .caption(title, style.title())
        .margin(style.px(14.0))
        .x_label_area_size(style.px(44.0))
        .y_label_area_size(style.px(260.0))
        .build_cartesian_2d(0f64..100f64, segments(rows))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .light_line_style(MESH)
        .bold_line_style(MESH)
        .disable_y_mesh()
        .x_desc("share of the team's merged PRs approved (%)")
        .axis_desc_style(style.label())
        .label_style(style.label())
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => rows
                .checked_sub(1 + *i)
                .and_then(|k| names.get(k))
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        })
        .y_labels(rows)
        .x_label_formatter(&|v| format!("{v:.0} %"))
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(data.iter().enumerate().map(|(i, d)| {
            let row = rows - 1 - i;
            let colour = if d.is_manager { VERMILLION } else { BLUE };
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(row)),
                    (
                        (d.share * 100.0).clamp(0.0, 100.0),
                        SegmentValue::Exact(row + 1),
                    ),
                ],
                colour.filled(),
            );
            bar.set_margin(style.px(4.0), style.px(4.0), 0, 0);
            bar
        }))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(data.iter().enumerate().map(|(i, d)| {
            let row = rows - 1 - i;
            let x = (d.share * 100.0).clamp(0.0, 88.0) + 1.0;
            Text::new(
                format!("{:.0} % ({})", d.share * 100.0, d.approvals),
                (x, SegmentValue::CenterOf(row)),
                style.font(12.0).pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Left,
                    plotters::style::text_anchor::VPos::Center,
                )),
            )
        }))
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Heatmap of reviews: rows reviewers, columns authors, each cell shaded by count with the count written.
pub fn reviewer_author_matrix(
    out_dir: &Path,
    title: &str,
    matrix: &ReviewMatrix,
) -> Result<RenderedChart, ChartError> {
    let rows = matrix.reviewers.len().max(3);
    let columns = matrix.authors.len().max(3);
    let size = (
        ((300 + 58 * columns) as u32).max(640),
        (170 + 30 * rows) as u32,
    );
    let (svg, png) = both_backends!(draw_reviewer_author_matrix, title, matrix);
    render_with(out_dir, "reviewer_author_matrix", title, size, svg, png)
}

fn draw_reviewer_author_matrix<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: &Style,
    title: &str,
    matrix: &ReviewMatrix,
) -> DrawResult {
    if matrix.reviewers.is_empty() || matrix.authors.is_empty() {
        return draw_empty(root, style, title);
    }
    let rows = matrix.reviewers.len();
    let columns = matrix.authors.len();
    let label = |name: &str, limit: usize| {
        let name = short(name, limit);
        if matrix.managers.iter().any(|m| m == name.as_str()) {
            format!("{name} (mgr)")
        } else {
            name
        }
    };
    let row_names: Vec<String> = matrix.reviewers.iter().map(|n| label(n, 18)).collect();
    let column_names: Vec<String> = matrix.authors.iter().map(|n| short(n, 8)).collect();
    let max = matrix
        .counts
        .iter()
        .flatten()
        .copied()
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(title, style.title())
        .margin(style.px(14.0))
        .x_label_area_size(style.px(60.0))
        .y_label_area_size(style.px(190.0))
        .build_cartesian_2d(segments(columns), segments(rows))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("author")
        .y_desc("reviewer")
        .axis_desc_style(style.label())
        .label_style(style.font(12.0))
        .x_labels(columns)
        .y_labels(rows)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => column_names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => rows
                .checked_sub(1 + *i)
                .and_then(|k| row_names.get(k))
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        })
        .draw()
        .map_err(|e| e.to_string())?;
    let cells = (0..rows).flat_map(|r| (0..columns).map(move |c| (r, c)));
    chart
        .draw_series(cells.clone().map(|(r, c)| {
            let count = matrix
                .counts
                .get(r)
                .and_then(|row| row.get(c))
                .copied()
                .unwrap_or(0);
            let intensity = count as f64 / max;
            let manager = matrix.managers.contains(&matrix.reviewers[r]);
            let base = if manager { VERMILLION } else { BLUE };
            let colour = if count == 0 {
                RGBColor(0xF6, 0xF8, 0xFA)
            } else {
                blend(base, 0.15 + 0.85 * intensity)
            };
            let y = rows - 1 - r;
            let mut cell = Rectangle::new(
                [
                    (SegmentValue::Exact(c), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(c + 1), SegmentValue::Exact(y + 1)),
                ],
                colour.filled(),
            );
            cell.set_margin(1, 1, 1, 1);
            cell
        }))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(cells.filter_map(|(r, c)| {
            let count = matrix
                .counts
                .get(r)
                .and_then(|row| row.get(c))
                .copied()
                .unwrap_or(0);
            (count > 0).then(|| {
                let dark = count as f64 / max > 0.55;
                Text::new(
                    count.to_string(),
                    (
                        SegmentValue::CenterOf(c),
                        SegmentValue::CenterOf(rows - 1 - r),
                    ),
                    style
                        .font(12.0)
                        .color(if dark { &WHITE } else { &INK })
                        .pos(plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Center,
                        )),
                )
            })
        }))
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Mixes a colour with white: `strength` 1 is the colour itself, 0 is white.
fn blend(colour: RGBColor, strength: f64) -> RGBColor {
    let mix = |c: u8| (255.0 - (255.0 - c as f64) * strength.clamp(0.0, 1.0)).round() as u8;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// Stacked bars per week of the median hours in each phase, with the number of PRs above each bar.
pub fn cycle_phases_by_week(
    out_dir: &Path,
    title: &str,
    weeks: &[WeekPhases],
) -> Result<RenderedChart, ChartError> {
    let (svg, png) = both_backends!(draw_cycle_phases_by_week, title, weeks);
    render_with(out_dir, "cycle_phases_by_week", title, (960, 480), svg, png)
}

fn draw_cycle_phases_by_week<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: &Style,
    title: &str,
    weeks: &[WeekPhases],
) -> DrawResult {
    if weeks.is_empty() {
        return draw_empty(root, style, title);
    }
    let phases: [Phase; 4] = [
        ("coding", SKY, |w| w.coding_h.unwrap_or(0.0)),
        ("pickup", ORANGE, |w| w.pickup_h.unwrap_or(0.0)),
        ("review", GREEN, |w| w.review_h.unwrap_or(0.0)),
        ("merge", PURPLE, |w| w.merge_h.unwrap_or(0.0)),
    ];
    let total = |w: &WeekPhases| phases.iter().map(|(_, _, f)| f(w).max(0.0)).sum::<f64>();
    let top = weeks.iter().map(total).fold(1.0, f64::max) * 1.15;
    let labels: Vec<String> = weeks
        .iter()
        .map(|w| w.week_start.format("%b %d").to_string())
        .collect();
    let n = weeks.len();
    let mut chart = ChartBuilder::on(root)
        .caption(title, style.title())
        .margin(style.px(14.0))
        .x_label_area_size(style.px(44.0))
        .y_label_area_size(style.px(64.0))
        .build_cartesian_2d(segments(n), 0f64..top)
        .map_err(|e| e.to_string())?;
    let every = n.div_ceil(14).max(1);
    chart
        .configure_mesh()
        .light_line_style(MESH)
        .bold_line_style(MESH)
        .disable_x_mesh()
        .y_desc("hours (median)")
        .x_desc("week starting")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .axis_desc_style(style.label())
        .label_style(style.font(12.0))
        .x_labels(n)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) if i % every == 0 => {
                labels.get(*i).cloned().unwrap_or_default()
            }
            _ => String::new(),
        })
        .draw()
        .map_err(|e| e.to_string())?;
    for (index, (name, colour, value)) in phases.iter().enumerate() {
        chart
            .draw_series(weeks.iter().enumerate().map(|(i, w)| {
                let below: f64 = phases[..index].iter().map(|(_, _, f)| f(w).max(0.0)).sum();
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), below),
                        (SegmentValue::Exact(i + 1), below + value(w).max(0.0)),
                    ],
                    colour.filled(),
                );
                bar.set_margin(0, 0, style.px(3.0), style.px(3.0));
                bar
            }))
            .map_err(|e| e.to_string())?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()));
    }
    chart
        .draw_series(weeks.iter().enumerate().map(|(i, w)| {
            Text::new(
                format!("{}", w.prs),
                (SegmentValue::CenterOf(i), total(w) + top * 0.02),
                style.font(11.0).pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Bottom,
                )),
            )
        }))
        .map_err(|e| e.to_string())?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(MESH)
        .label_font(style.font(12.0))
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Small multiples, one panel per team: bars of PRs merged per month (left axis) and cycle time
/// p50 and p90 in hours (lines, right axis).
pub fn output_outcome_by_month(
    out_dir: &Path,
    title: &str,
    teams: &[TeamSeries],
) -> Result<RenderedChart, ChartError> {
    let columns = teams.len().clamp(1, 3);
    let rows = teams.len().div_ceil(columns).max(1);
    let size = (960, (70 + 260 * rows) as u32);
    let (svg, png) = both_backends!(draw_output_outcome_by_month, title, teams);
    render_with(out_dir, "output_outcome_by_month", title, size, svg, png)
}

fn draw_output_outcome_by_month<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: &Style,
    title: &str,
    teams: &[TeamSeries],
) -> DrawResult {
    if teams.is_empty() {
        return draw_empty(root, style, title);
    }
    let root = root
        .titled(title, style.title())
        .map_err(|e| e.to_string())?;
    let columns = teams.len().clamp(1, 3);
    let rows = teams.len().div_ceil(columns);
    let panels = root.split_evenly((rows, columns));
    for (panel, team) in panels.iter().zip(teams) {
        let n = team.months.len().max(1);
        let prs_top = team
            .months
            .iter()
            .map(|m| m.prs_merged)
            .max()
            .unwrap_or(0)
            .max(1) as f64
            * 1.2;
        let hours_top = team
            .months
            .iter()
            .flat_map(|m| [m.cycle_p50_h, m.cycle_p90_h])
            .flatten()
            .filter(|h| h.is_finite())
            .fold(1.0, f64::max)
            * 1.2;
        let labels: Vec<String> = team
            .months
            .iter()
            .map(|m| m.month.get(5..).unwrap_or(&m.month).to_string())
            .collect();
        let mut chart = ChartBuilder::on(panel)
            .caption(short(&team.team, 30), style.font(15.0))
            .margin(style.px(8.0))
            .x_label_area_size(style.px(28.0))
            .y_label_area_size(style.px(40.0))
            .right_y_label_area_size(style.px(44.0))
            .build_cartesian_2d(segments(n), 0f64..prs_top)
            .map_err(|e| e.to_string())?
            .set_secondary_coord(segments(n), 0f64..hours_top);
        chart
            .configure_mesh()
            .light_line_style(MESH)
            .bold_line_style(MESH)
            .disable_x_mesh()
            .y_desc("PRs merged")
            .axis_desc_style(style.font(11.0))
            .label_style(style.font(11.0))
            .x_labels(n)
            .y_labels(5)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .configure_secondary_axes()
            .y_desc("cycle time (h)")
            .axis_desc_style(style.font(11.0))
            .label_style(style.font(11.0))
            .y_labels(5)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(team.months.iter().enumerate().map(|(i, m)| {
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), m.prs_merged as f64),
                    ],
                    SKY.mix(0.75).filled(),
                );
                bar.set_margin(0, 0, style.px(6.0), style.px(6.0));
                bar
            }))
            .map_err(|e| e.to_string())?;
        for (pick, colour) in [
            (|m: &MonthFigures| m.cycle_p50_h) as fn(&MonthFigures) -> Option<f64>,
            |m: &MonthFigures| m.cycle_p90_h,
        ]
        .into_iter()
        .zip([BLUE, VERMILLION])
        {
            let points: Vec<(SegmentValue<usize>, f64)> = team
                .months
                .iter()
                .enumerate()
                .filter_map(|(i, m)| {
                    pick(m)
                        .filter(|h| h.is_finite())
                        .map(|h| (SegmentValue::CenterOf(i), h))
                })
                .collect();
            chart
                .draw_secondary_series(LineSeries::new(
                    points.clone(),
                    colour.stroke_width(style.px(2.0)),
                ))
                .map_err(|e| e.to_string())?;
            chart
                .draw_secondary_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, style.px(3.0), colour.filled())),
                )
                .map_err(|e| e.to_string())?;
        }
    }
    draw_legend(
        &root,
        style,
        &[
            ("PRs merged (bars)", SKY),
            ("cycle time p50", BLUE),
            ("cycle time p90", VERMILLION),
        ],
        (20.0, 190.0),
        14.0,
    )?;
    Ok(())
}

/// One group's merged PRs in a month (AI-assisted, or the others): output and outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AiGroup {
    pub prs: u32,
    pub failed: u32,
    pub reworked: u32,
    /// The PRs whose 21 days the data cover: rework's denominator.
    pub rework_prs: u32,
}

impl AiGroup {
    fn failure_rate(self) -> Option<f64> {
        (self.prs > 0).then(|| f64::from(self.failed) / f64::from(self.prs))
    }

    fn rework_rate(self) -> Option<f64> {
        (self.rework_prs > 0).then(|| f64::from(self.reworked) / f64::from(self.rework_prs))
    }

    /// Adds another team's figures (a view of several teams).
    pub fn add(&mut self, other: AiGroup) {
        self.prs += other.prs;
        self.failed += other.failed;
        self.reworked += other.reworked;
        self.rework_prs += other.rework_prs;
    }
}

/// Which rate of which group a line of the AI chart draws.
type RateOf = fn(&AiMonth) -> Option<f64>;

/// A month of AI-assisted and other merged PRs, side by side.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AiMonth {
    pub month: String,
    pub ai: AiGroup,
    pub other: AiGroup,
}

/// Output and outcome of AI-assisted and other PRs over the trend months: on the left the PRs
/// merged each month, the AI-assisted ones stacked on the others; on the right each group's
/// rework and failure rates. A rate is drawn only where its group has PRs to judge.
pub fn ai_output_outcome(
    out_dir: &Path,
    title: &str,
    months: &[AiMonth],
) -> Result<RenderedChart, ChartError> {
    let (svg, png) = both_backends!(draw_ai_output_outcome, title, months);
    render_with(out_dir, "ai_output_outcome", title, (960, 380), svg, png)
}

fn draw_ai_output_outcome<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: &Style,
    title: &str,
    months: &[AiMonth],
) -> DrawResult {
    if months.iter().all(|m| m.ai.prs == 0) {
        return draw_empty(root, style, title);
    }
    let root = root
        .margin(style.px(6.0), 0, 0, 0)
        .titled(title, style.title())
        .map_err(|e| e.to_string())?;
    let body = root.margin(0, style.px(34.0), 0, 0);
    let (left, right) = body.split_horizontally(body.dim_in_pixel().0 / 2);
    let n = months.len().max(1);
    let labels: Vec<String> = months
        .iter()
        .map(|m| m.month.get(5..).unwrap_or(&m.month).to_string())
        .collect();
    let x_label = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let top = months
        .iter()
        .map(|m| m.ai.prs + m.other.prs)
        .max()
        .unwrap_or(0)
        .max(1) as f64
        * 1.15;
    let mut output = ChartBuilder::on(&left)
        .caption("PRs merged", style.font(15.0))
        .margin(style.px(8.0))
        .x_label_area_size(style.px(28.0))
        .y_label_area_size(style.px(44.0))
        .build_cartesian_2d(segments(n), 0f64..top)
        .map_err(|e| e.to_string())?;
    output
        .configure_mesh()
        .light_line_style(MESH)
        .bold_line_style(MESH)
        .disable_x_mesh()
        .label_style(style.font(11.0))
        .x_labels(n)
        .y_labels(5)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_label_formatter(&x_label)
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, m) in months.iter().enumerate() {
        let other = f64::from(m.other.prs);
        let all = other + f64::from(m.ai.prs);
        for (from, to, colour) in [(0.0, other, SKY), (other, all, ORANGE)] {
            if to <= from {
                continue;
            }
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), from),
                    (SegmentValue::Exact(i + 1), to),
                ],
                colour.mix(0.85).filled(),
            );
            bar.set_margin(0, 0, style.px(6.0), style.px(6.0));
            output
                .draw_series(std::iter::once(bar))
                .map_err(|e| e.to_string())?;
        }
    }
    let mut outcome = ChartBuilder::on(&right)
        .caption(
            "Reworked within 21 days, and failed (share of PRs)",
            style.font(15.0),
        )
        .margin(style.px(8.0))
        .x_label_area_size(style.px(28.0))
        .y_label_area_size(style.px(44.0))
        .build_cartesian_2d(segments(n), 0f64..1.05)
        .map_err(|e| e.to_string())?;
    outcome
        .configure_mesh()
        .light_line_style(MESH)
        .bold_line_style(MESH)
        .disable_x_mesh()
        .label_style(style.font(11.0))
        .x_labels(n)
        .y_labels(6)
        .y_label_formatter(&|v| format!("{:.0} %", v * 100.0))
        .x_label_formatter(&x_label)
        .draw()
        .map_err(|e| e.to_string())?;
    let lines: [(RateOf, RGBColor, bool); 4] = [
        (|m| m.ai.rework_rate(), ORANGE, false),
        (|m| m.other.rework_rate(), SKY, false),
        (|m| m.ai.failure_rate(), VERMILLION, true),
        (|m| m.other.failure_rate(), BLUE, true),
    ];
    for (pick, colour, dashed) in lines {
        let points: Vec<(SegmentValue<usize>, f64)> = months
            .iter()
            .enumerate()
            .filter_map(|(i, m)| pick(m).map(|r| (SegmentValue::CenterOf(i), r)))
            .collect();
        let stroke = colour.stroke_width(style.px(2.0));
        if dashed {
            outcome
                .draw_series(DashedLineSeries::new(
                    points.clone(),
                    style.px(6.0),
                    style.px(4.0),
                    stroke,
                ))
                .map_err(|e| e.to_string())?;
        } else {
            outcome
                .draw_series(LineSeries::new(points.clone(), stroke))
                .map_err(|e| e.to_string())?;
        }
        outcome
            .draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, style.px(3.0), colour.filled())),
            )
            .map_err(|e| e.to_string())?;
    }
    draw_legend(
        &root,
        style,
        &[
            ("AI-assisted: merged, reworked", ORANGE),
            ("other: merged, reworked", SKY),
            ("AI-assisted: failed (dashed)", VERMILLION),
            ("other: failed (dashed)", BLUE),
        ],
        (20.0, 230.0),
        14.0,
    )?;
    Ok(())
}

/// Actions by weekday and local hour, summed over the period: `counts[weekday][hour]`, Monday
/// first, each in the actor's own time zone.
#[derive(Debug, Clone)]
pub struct WeekHeatmap {
    pub counts: [[u32; 24]; 7],
    /// Working hours most people keep (shaded differently so after-hours cells stand out).
    pub work_start: u32,
    pub work_end: u32,
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Heatmap of when the organisation works: weekdays down, local hours across. Working-hours cells
/// are shaded blue, after-hours and weekend cells vermillion, so work outside hours is visible.
pub fn activity_heatmap(
    out_dir: &Path,
    title: &str,
    heatmap: &WeekHeatmap,
) -> Result<RenderedChart, ChartError> {
    let (svg, png) = both_backends!(draw_activity_heatmap, title, heatmap);
    render_with(out_dir, "activity_heatmap", title, (960, 390), svg, png)
}

fn draw_activity_heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: &Style,
    title: &str,
    heatmap: &WeekHeatmap,
) -> DrawResult {
    let max = heatmap.counts.iter().flatten().copied().max().unwrap_or(0);
    if max == 0 {
        return draw_empty(root, style, title);
    }
    let mut chart = ChartBuilder::on(root)
        .caption(title, style.title())
        .margin(style.px(14.0))
        .margin_bottom(style.px(36.0))
        .x_label_area_size(style.px(44.0))
        .y_label_area_size(style.px(56.0))
        .build_cartesian_2d(segments(24), segments(7))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("local hour of the day (each person's own time zone)")
        .axis_desc_style(style.label())
        .label_style(style.font(12.0))
        .x_labels(24)
        .y_labels(7)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(h) if h % 2 == 0 => format!("{h:02}"),
            _ => String::new(),
        })
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(d) => WEEKDAYS
                .get(6usize.saturating_sub(*d))
                .map(|s| s.to_string())
                .unwrap_or_default(),
            _ => String::new(),
        })
        .draw()
        .map_err(|e| e.to_string())?;
    let cells = (0..7usize).flat_map(|d| (0..24usize).map(move |h| (d, h)));
    chart
        .draw_series(cells.map(|(d, h)| {
            let count = heatmap.counts[d][h];
            let in_hours = d < 5 && (heatmap.work_start..heatmap.work_end).contains(&(h as u32));
            let base = if in_hours { BLUE } else { VERMILLION };
            let colour = if count == 0 {
                RGBColor(0xF6, 0xF8, 0xFA)
            } else {
                blend(base, 0.12 + 0.88 * (count as f64 / max as f64).sqrt())
            };
            let y = 6 - d;
            let mut cell = Rectangle::new(
                [
                    (SegmentValue::Exact(h), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(h + 1), SegmentValue::Exact(y + 1)),
                ],
                colour.filled(),
            );
            cell.set_margin(1, 1, 1, 1);
            cell
        }))
        .map_err(|e| e.to_string())?;
    draw_legend(
        root,
        style,
        &[
            ("actions in working hours", BLUE),
            ("after hours or at the weekend", VERMILLION),
        ],
        (70.0, 260.0),
        12.0,
    )?;
    Ok(())
}

/// One headline metric over the last months, for the trend small multiples.
#[derive(Debug, Clone)]
pub struct TrendSeries {
    pub label: String,
    /// The unit shown on the axis, such as `hours` or `%`.
    pub unit: String,
    /// `YYYY-MM` labels, oldest first.
    pub months: Vec<String>,
    pub values: Vec<Option<f64>>,
}

/// Small multiples, one panel per headline metric: its value each month as a line, the last
/// month marked.
pub fn trend_small_multiples(
    out_dir: &Path,
    title: &str,
    series: &[TrendSeries],
) -> Result<RenderedChart, ChartError> {
    let columns = 4;
    let rows = series.len().div_ceil(columns).max(1);
    let size = (960, (60 + 190 * rows) as u32);
    let (svg, png) = both_backends!(draw_trend_small_multiples, title, series);
    render_with(out_dir, "trends", title, size, svg, png)
}

fn draw_trend_small_multiples<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: &Style,
    title: &str,
    series: &[TrendSeries],
) -> DrawResult {
    if series.iter().all(|s| s.values.iter().all(Option::is_none)) {
        return draw_empty(root, style, title);
    }
    let root = root
        .titled(title, style.title())
        .map_err(|e| e.to_string())?;
    let columns = 4;
    let rows = series.len().div_ceil(columns);
    for (panel, metric) in root.split_evenly((rows, columns)).iter().zip(series) {
        let values: Vec<f64> = metric.values.iter().flatten().copied().collect();
        let n = metric.months.len().max(1);
        let high = values.iter().copied().fold(f64::MIN, f64::max);
        let low = values.iter().copied().fold(f64::MAX, f64::min);
        let (low, high) = if values.is_empty() {
            (0.0, 1.0)
        } else {
            let pad = ((high - low) * 0.15).max(high.abs() * 0.05).max(1e-6);
            ((low - pad).max(0.0), high + pad)
        };
        let labels: Vec<String> = metric
            .months
            .iter()
            .map(|m| m.get(5..).unwrap_or(m).to_string())
            .collect();
        let mut chart = ChartBuilder::on(panel)
            .caption(
                format!("{} ({})", metric.label, metric.unit),
                style.font(13.0),
            )
            .margin(style.px(8.0))
            .x_label_area_size(style.px(22.0))
            .y_label_area_size(style.px(44.0))
            .build_cartesian_2d(0..n - 1, low..high)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(MESH)
            .bold_line_style(MESH)
            .disable_x_mesh()
            .label_style(style.font(10.0))
            .x_labels(n)
            .y_labels(4)
            .x_label_formatter(&|i| labels.get(*i).cloned().unwrap_or_default())
            .y_label_formatter(&|v| {
                if high - low < 10.0 {
                    format!("{v:.1}")
                } else {
                    format!("{v:.0}")
                }
            })
            .draw()
            .map_err(|e| e.to_string())?;
        let points: Vec<(usize, f64)> = metric
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (i, v)))
            .collect();
        chart
            .draw_series(LineSeries::new(
                points.clone(),
                BLUE.stroke_width(style.px(2.0)),
            ))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(points.iter().map(|&(i, v)| {
                let last = i + 1 == n;
                Circle::new(
                    (i, v),
                    style.px(if last { 4.5 } else { 2.5 }),
                    if last { VERMILLION } else { BLUE }.filled(),
                )
            }))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_width(path: &Path) -> u32 {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(
            &bytes[..8],
            b"\x89PNG\r\n\x1a\n",
            "{} is a PNG",
            path.display()
        );
        u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]])
    }

    fn svg_width(svg: &str) -> u32 {
        let start = svg.find("width=\"").unwrap() + 7;
        svg[start..].split('"').next().unwrap().parse().unwrap()
    }

    fn check(chart: &RenderedChart, words: &[&str]) {
        assert!(chart.svg.contains("<svg") && chart.svg.contains("</svg>"));
        assert_eq!(
            png_width(&chart.png_path),
            2 * svg_width(&chart.svg),
            "PNG at 2×"
        );
        assert_eq!(std::fs::read_to_string(&chart.svg_path).unwrap(), chart.svg);
        for word in words {
            assert!(chart.svg.contains(word), "{} lacks {word}", chart.name);
        }
    }

    #[test]
    fn every_chart_renders_with_data_and_without() {
        let dir = tempfile::tempdir().unwrap();
        let shares = vec![
            ReviewShare {
                person: "dana".into(),
                team: "core".into(),
                approvals: 31,
                share: 0.78,
                is_manager: true,
            },
            ReviewShare {
                person: "omar".into(),
                team: "core".into(),
                approvals: 6,
                share: 0.15,
                is_manager: false,
            },
        ];
        check(
            &review_load_share(dir.path(), "Load", &shares).unwrap(),
            &["dana (core, manager)", "78 %"],
        );
        let matrix = ReviewMatrix {
            reviewers: vec!["dana".into(), "omar".into()],
            authors: vec!["omar".into(), "lena".into()],
            counts: vec![vec![5, 9], vec![0, 2]],
            managers: vec!["dana".into()],
        };
        check(
            &reviewer_author_matrix(dir.path(), "Matrix", &matrix).unwrap(),
            &["dana (mgr)", "lena"],
        );
        let weeks: Vec<WeekPhases> = (0..30)
            .map(|i| WeekPhases {
                week_start: chrono::NaiveDate::from_ymd_opt(2026, 5, 4).unwrap()
                    + chrono::Duration::weeks(i),
                coding_h: Some(10.0),
                pickup_h: Some(3.0 + i as f64),
                review_h: (i % 5 != 0).then_some(5.0),
                merge_h: Some(1.0),
                prs: 20,
            })
            .collect();
        check(
            &cycle_phases_by_week(dir.path(), "Phases", &weeks).unwrap(),
            &["pickup", "May 04"],
        );
        let teams: Vec<TeamSeries> = ["payments", "platform", "mobile", "search"]
            .iter()
            .map(|t| TeamSeries {
                team: t.to_string(),
                months: (5..=10)
                    .map(|m| MonthFigures {
                        month: format!("2026-{m:02}"),
                        prs_merged: 40 + m,
                        cycle_p50_h: Some(20.0 + m as f64),
                        cycle_p90_h: if m == 7 { None } else { Some(80.0) },
                    })
                    .collect(),
            })
            .collect();
        check(
            &output_outcome_by_month(dir.path(), "Output", &teams).unwrap(),
            &["payments", "search"],
        );

        let mut counts = [[0u32; 24]; 7];
        counts[0][10] = 40;
        counts[5][22] = 3;
        check(
            &activity_heatmap(
                dir.path(),
                "When",
                &WeekHeatmap {
                    counts,
                    work_start: 9,
                    work_end: 18,
                },
            )
            .unwrap(),
            &["Mon", "Sun", "local hour"],
        );
        let series = vec![TrendSeries {
            label: "Cycle time p50".into(),
            unit: "hours".into(),
            months: vec!["2026-09".into(), "2026-10".into()],
            values: vec![Some(30.0), None],
        }];
        check(
            &trend_small_multiples(dir.path(), "Trends", &series).unwrap(),
            &["Cycle time p50 (hours)", "09"],
        );
        let ai_months: Vec<AiMonth> = (5..=10)
            .map(|m| AiMonth {
                month: format!("2026-{m:02}"),
                ai: AiGroup {
                    prs: m * 2,
                    failed: 1,
                    reworked: m,
                    // The last month's rework not yet known: no point drawn, no 0 %.
                    rework_prs: if m == 10 { 0 } else { m * 2 },
                },
                other: AiGroup {
                    prs: 40,
                    failed: 2,
                    reworked: 10,
                    rework_prs: 40,
                },
            })
            .collect();
        check(
            &ai_output_outcome(dir.path(), "AI", &ai_months).unwrap(),
            &["PRs merged", "AI-assisted: merged, reworked", "10"],
        );

        let empty = tempfile::tempdir().unwrap();
        for chart in [
            activity_heatmap(
                empty.path(),
                "When",
                &WeekHeatmap {
                    counts: [[0; 24]; 7],
                    work_start: 9,
                    work_end: 18,
                },
            )
            .unwrap(),
            trend_small_multiples(empty.path(), "Trends", &[]).unwrap(),
            ai_output_outcome(empty.path(), "AI", &[]).unwrap(),
            review_load_share(empty.path(), "Load", &[]).unwrap(),
            reviewer_author_matrix(
                empty.path(),
                "Matrix",
                &ReviewMatrix {
                    reviewers: vec![],
                    authors: vec![],
                    counts: vec![],
                    managers: vec![],
                },
            )
            .unwrap(),
            cycle_phases_by_week(empty.path(), "Phases", &[]).unwrap(),
            output_outcome_by_month(empty.path(), "Output", &[]).unwrap(),
        ] {
            check(&chart, &["no data for this period"]);
        }
    }

    #[test]
    fn names_cannot_break_the_svg() {
        let dir = tempfile::tempdir().unwrap();
        let shares = vec![ReviewShare {
            person: "<script>&\"x".into(),
            team: "t".into(),
            approvals: 1,
            share: 0.5,
            is_manager: false,
        }];
        let chart = review_load_share(dir.path(), "</svg><script>", &shares).unwrap();
        assert!(!chart.svg.contains("<script>"), "{}", chart.svg);
        assert!(chart.svg.contains("&lt;script&gt;"));
    }

    #[test]
    fn long_names_are_shortened() {
        assert_eq!(short("abcdefghij", 5), "abcd…");
        assert_eq!(short("abc", 5), "abc");
    }
}
