//! One small SVG line-plot helper (plotters) shared by the `hopfield` experiments: series with
//! markers, dashed theory lines, vertical reference marks, linear or log x axis.

use std::path::Path;

use anyhow::anyhow;
use plotters::prelude::*;

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
    /// y range; `None` fits the data.
    pub y_range: Option<(f64, f64)>,
    /// Legend in the upper left corner instead of the lower left.
    pub legend_upper: bool,
    /// Curves.
    pub series: Vec<Series>,
    /// Vertical marks.
    pub vlines: Vec<VLine>,
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
        if x.is_finite() && (!fig.log_x || x > 0.0) {
            x0 = x0.min(x);
            x1 = x1.max(x);
        }
        if y.is_finite() {
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    for v in &fig.vlines {
        if v.x.is_finite() && (!fig.log_x || v.x > 0.0) {
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
            (0.0, 1.0)
        } else {
            let pad = ((y1 - y0) * 0.05).max(1e-9);
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

/// Draws `fig` into an SVG at `path` (800 × 520).
pub fn draw(path: &Path, fig: &Figure) -> anyhow::Result<()> {
    let root = SVGBackend::new(path, (800, 520)).into_drawing_area();
    let e = |e: DrawingAreaErrorKind<_>| anyhow!("plotting {}: {e:?}", path.display());
    root.fill(&WHITE).map_err(e)?;
    let ((x0, x1), (y0, y1)) = bounds(fig);
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(&fig.title, ("sans-serif", 17))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60);
    // Log and linear x axes are different chart types in plotters: one macro, two expansions.
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
                let y_label = y1 - (y1 - y0) * (0.03 + 0.045 * (k % 7) as f64);
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
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .collect();
                if s.dashed {
                    chart
                        .draw_series(DashedLineSeries::new(pts, 6, 4, c.stroke_width(2)))
                        .map_err(e)?
                        .label(s.label.clone())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(1))
                        });
                } else {
                    chart
                        .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
                        .map_err(e)?
                        .label(s.label.clone())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))
                        });
                    chart
                        .draw_series(pts.iter().map(|&p| Circle::new(p, 3, c.filled())))
                        .map_err(e)?;
                }
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .position(if fig.legend_upper {
                    SeriesLabelPosition::UpperLeft
                } else {
                    SeriesLabelPosition::LowerLeft
                })
                .draw()
                .map_err(e)?;
        }};
    }
    if fig.log_x {
        body!(
            builder
                .build_cartesian_2d((x0..x1).log_scale(), y0..y1)
                .map_err(e)?
        );
    } else {
        body!(builder.build_cartesian_2d(x0..x1, y0..y1).map_err(e)?);
    }
    root.present().map_err(e)?;
    Ok(())
}
