//! The one SVG line-plot helper (plotters) every experiment uses: series with markers, dashed
//! theory lines, vertical reference marks, linear or log axes, one figure or a grid of panels.
//!
//! Non-finite points (an overflowed measurement, a log axis at ≤ 0) are left out of the drawing,
//! never passed to plotters (which can loop on them); ranges are always finite.

use anyhow::anyhow;
use plotters::prelude::*;

use super::dir::ResultsDir;

pub use crate::report::PALETTE;

/// One curve.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// (x, y) points in x order.
    pub points: Vec<(f64, f64)>,
    /// Colour index into [`PALETTE`].
    pub color: usize,
    /// Dashed, no markers (theory).
    pub dashed: bool,
    /// The marker of a solid series.
    pub marker: Marker,
}

impl Series {
    /// A measured (solid, sparse circles) or theory (dashed, no markers) curve.
    ///
    /// ```
    /// use engram::experiment::plot::{Marker, Series};
    /// let s = Series::line("theory", vec![(1.0, 2.0)], 1, true);
    /// assert_eq!((s.marker, s.dashed), (Marker::None, true));
    /// assert_eq!(Series::line("m", vec![], 0, false).marker, Marker::SparseCircle);
    /// ```
    pub fn line(label: &str, points: Vec<(f64, f64)>, color: usize, dashed: bool) -> Self {
        Series {
            label: label.to_owned(),
            points,
            color,
            dashed,
            marker: if dashed {
                Marker::None
            } else {
                Marker::SparseCircle
            },
        }
    }
}

/// The marker drawn on a solid series' points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Marker {
    /// A filled circle on every point.
    #[default]
    Circle,
    /// A filled triangle on about ten of the points.
    Triangle,
    /// A cross on about ten of the points.
    Cross,
    /// A filled circle on about ten of the points.
    SparseCircle,
    /// None.
    None,
}

/// A vertical mark at x with a label (e.g. α_c = 0.138).
#[derive(Debug, Clone)]
pub struct VLine {
    /// Position.
    pub x: f64,
    /// Label, drawn at the top.
    pub label: String,
    /// Colour index into [`PALETTE`].
    pub color: usize,
}

/// A whole figure.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Title above the plot.
    pub title: String,
    /// x axis label.
    pub x_desc: String,
    /// y axis label.
    pub y_desc: String,
    /// Log-scale x axis.
    pub log_x: bool,
    /// Log-scale y axis.
    pub log_y: bool,
    /// y range; `None` fits the data.
    pub y_range: Option<(f64, f64)>,
    /// Legend in the upper left corner instead of the lower left.
    pub legend_upper: bool,
    /// Legend in the lower right corner (overrides `legend_upper`).
    pub legend_right: bool,
    /// Curves.
    pub series: Vec<Series>,
    /// Vertical marks.
    pub vlines: Vec<VLine>,
}

/// Largest magnitude drawn: beyond it a value is treated as an overflow and left out.
const LIMIT: f64 = 1e300;

/// Whether a point can be drawn on `fig`'s axes.
fn drawable(x: f64, y: f64, fig: &Figure) -> bool {
    x.is_finite()
        && y.is_finite()
        && x.abs() <= LIMIT
        && y.abs() <= LIMIT
        && (!fig.log_x || x > 0.0)
        && (!fig.log_y || y > 0.0)
}

fn bounds(fig: &Figure) -> ((f64, f64), (f64, f64)) {
    let pts = fig.series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for &(x, y) in pts {
        if drawable(x, y, fig) {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    for v in &fig.vlines {
        if v.x.is_finite() && v.x.abs() <= LIMIT && (!fig.log_x || v.x > 0.0) {
            x0 = x0.min(v.x);
            x1 = x1.max(v.x);
        }
    }
    if !x0.is_finite() {
        (x0, x1) = (1.0, 2.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let (y0, y1) = fig.y_range.unwrap_or_else(|| {
        if !y0.is_finite() {
            if fig.log_y { (0.1, 10.0) } else { (0.0, 1.0) }
        } else if fig.log_y {
            (y0 / 1.3, y1 * 1.3)
        } else {
            let pad = ((y1 - y0) * 0.05).max(1e-9 * y1.abs().max(1.0));
            (y0 - pad, y1 + pad)
        }
    });
    let (x0, x1) = if fig.log_x {
        (x0 / 1.15, x1 * 1.15)
    } else {
        let pad = (x1 - x0) * 0.03;
        (x0 - pad, x1 + pad)
    };
    ((x0, x1), (y0, y1))
}

/// Draws `fig` as `name` (800 × 520) in the results directory.
pub fn draw(dir: &ResultsDir, name: &str, fig: &Figure) -> anyhow::Result<()> {
    draw_grid(dir, name, None, std::slice::from_ref(fig), (800, 520))
}

/// Draws several figures as panels of one SVG `name` (up to 3 per row, each `panel` pixels), under
/// an optional overall title.
pub fn draw_grid(
    dir: &ResultsDir,
    name: &str,
    title: Option<&str>,
    figs: &[Figure],
    panel: (u32, u32),
) -> anyhow::Result<()> {
    let cols = figs.len().clamp(1, 3);
    let rows = figs.len().div_ceil(cols).max(1);
    let head = if title.is_some() { 40 } else { 0 };
    let size = (panel.0 * cols as u32, panel.1 * rows as u32 + head);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let e = |e: DrawingAreaErrorKind<_>| anyhow!("plotting {name}: {e:?}");
        root.fill(&WHITE).map_err(e)?;
        let (top, body) = root.split_vertically(head);
        if let Some(t) = title {
            top.titled(t, ("sans-serif", 20)).map_err(e)?;
        }
        for (fig, area) in figs.iter().zip(body.split_evenly((rows, cols))) {
            panel_into(&area, fig).map_err(|err| anyhow!("plotting {name}: {err}"))?;
        }
        root.present().map_err(e)?;
    }
    dir.write(name, svg.as_bytes())
}

fn panel_into<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    fig: &Figure,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("{e:?}");
    let ((x0, x1), (y0, y1)) = bounds(fig);
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(&fig.title, ("sans-serif", 17))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60);
    // Log and linear axes are different chart types in plotters: one macro, four expansions.
    macro_rules! body {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(fig.x_desc.as_str())
                .y_desc(fig.y_desc.as_str())
                .light_line_style(WHITE.mix(0.0))
                .draw()
                .map_err(e)?;
            for (k, v) in fig.vlines.iter().enumerate() {
                let c = PALETTE[v.color % PALETTE.len()];
                // Stagger the labels so that close marks stay readable.
                let step = 0.03 + 0.045 * (k % 7) as f64;
                let y_label = if fig.log_y {
                    y1 * (y0 / y1).powf(step)
                } else {
                    y1 - (y1 - y0) * step
                };
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(v.x, y0), (v.x, y1)],
                        4,
                        4,
                        c.mix(0.7).stroke_width(1),
                    ))
                    .map_err(e)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        v.label.clone(),
                        (v.x, y_label),
                        ("sans-serif", 12).into_font().color(&c),
                    )))
                    .map_err(e)?;
            }
            for s in &fig.series {
                let c = PALETTE[s.color % PALETTE.len()];
                let pts: Vec<(f64, f64)> = s
                    .points
                    .iter()
                    .copied()
                    .filter(|&(x, y)| drawable(x, y, fig))
                    .collect();
                if s.dashed {
                    let series = chart
                        .draw_series(DashedLineSeries::new(pts, 6, 4, c.stroke_width(2)))
                        .map_err(e)?;
                    if !s.label.is_empty() {
                        series.label(s.label.clone()).legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(1))
                        });
                    }
                } else {
                    let series = chart
                        .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
                        .map_err(e)?;
                    if !s.label.is_empty() {
                        series.label(s.label.clone()).legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))
                        });
                    }
                    let every = if s.marker == Marker::Circle {
                        1
                    } else {
                        (pts.len() / 10).max(1)
                    };
                    let marks = pts.iter().step_by(every).copied();
                    match s.marker {
                        Marker::Circle | Marker::SparseCircle => {
                            chart
                                .draw_series(marks.map(|p| Circle::new(p, 3, c.filled())))
                                .map_err(e)?;
                        }
                        Marker::Triangle => {
                            chart
                                .draw_series(marks.map(|p| TriangleMarker::new(p, 4, c.filled())))
                                .map_err(e)?;
                        }
                        Marker::Cross => {
                            chart
                                .draw_series(marks.map(|p| Cross::new(p, 4, c.stroke_width(2))))
                                .map_err(e)?;
                        }
                        Marker::None => {}
                    }
                }
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .position(if fig.legend_right {
                    SeriesLabelPosition::LowerRight
                } else if fig.legend_upper {
                    SeriesLabelPosition::UpperLeft
                } else {
                    SeriesLabelPosition::LowerLeft
                })
                .draw()
                .map_err(e)?;
        }};
    }
    match (fig.log_x, fig.log_y) {
        (false, false) => body!(builder.build_cartesian_2d(x0..x1, y0..y1).map_err(e)?),
        (true, false) => body!(
            builder
                .build_cartesian_2d((x0..x1).log_scale(), y0..y1)
                .map_err(e)?
        ),
        (false, true) => body!(
            builder
                .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                .map_err(e)?
        ),
        (true, true) => body!(
            builder
                .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
                .map_err(e)?
        ),
    }
    Ok(())
}

/// A histogram as a step outline to draw as a [`Series`]: the fraction of the finite `values` in
/// each of `bins` equal bins over [lo, hi] (values outside fall into the end bins), as the corners
/// (lo, 0), (lo, f₁), (lo + w, f₁), (lo + w, f₂), …, (hi, 0).
///
/// ```
/// use engram::experiment::plot::histogram_steps;
/// let s = histogram_steps(&[0.1, 0.2, 0.9, f64::NAN], 2, 0.0, 1.0);
/// let (a, b) = (2.0 / 3.0, 1.0 / 3.0);
/// assert_eq!(s, vec![(0.0, 0.0), (0.0, a), (0.5, a), (0.5, b), (1.0, b), (1.0, 0.0)]);
/// ```
pub fn histogram_steps(values: &[f64], bins: usize, lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let bins = bins.max(1);
    let mut counts = vec![0usize; bins];
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let w = (hi - lo) / bins as f64;
    for v in &finite {
        let b = (((v - lo) / w).floor().max(0.0) as usize).min(bins - 1);
        if let Some(c) = counts.get_mut(b) {
            *c += 1;
        }
    }
    let n = finite.len().max(1) as f64;
    let mut pts = vec![(lo, 0.0)];
    for (i, c) in counts.iter().enumerate() {
        let f = *c as f64 / n;
        pts.push((lo + w * i as f64, f));
        pts.push((
            if i + 1 == bins {
                hi
            } else {
                lo + w * (i + 1) as f64
            },
            f,
        ));
    }
    pts.push((hi, 0.0));
    pts
}
