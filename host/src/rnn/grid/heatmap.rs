//! Heat maps for the grid analysis figures (rate maps, autocorrelograms): a grid of square
//! panels, each an `n × n` map (rows = y, drawn with y up) under a one-line caption, coloured by
//! a viridis-like scale normalised per panel; NaN bins are drawn grey. The line plots stay in
//! [`crate::experiment::plot`].

use anyhow::anyhow;
use plotters::prelude::*;

use crate::experiment::ResultsDir;

/// One panel: a square map and its caption.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Caption above the map.
    pub caption: String,
    /// Side n.
    pub n: usize,
    /// n² values, rows = y.
    pub values: Vec<f64>,
}

/// Viridis anchor colours (matplotlib's at 0, 0.25, 0.5, 0.75, 1).
const VIRIDIS: [(u8, u8, u8); 5] = [
    (68, 1, 84),
    (59, 82, 139),
    (33, 145, 140),
    (94, 201, 98),
    (253, 231, 37),
];

/// The colour of `t` ∈ [0, 1] (linear between the anchors).
pub fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Draws `panels` as one SVG `name` in `dir`, `cols` per row, each `size` pixels square, under
/// `title`.
pub fn draw_maps(
    dir: &ResultsDir,
    name: &str,
    title: &str,
    panels: &[Panel],
    cols: usize,
    size: u32,
) -> anyhow::Result<()> {
    let cols = cols.clamp(1, panels.len().max(1));
    let rows = panels.len().div_ceil(cols).max(1);
    let head = 40u32;
    let cap = 18u32;
    let dims = (size * cols as u32, (size + cap) * rows as u32 + head);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, dims).into_drawing_area();
        let e = |e: DrawingAreaErrorKind<_>| anyhow!("plotting {name}: {e:?}");
        root.fill(&WHITE).map_err(e)?;
        let (top, body) = root.split_vertically(head);
        top.titled(title, ("sans-serif", 18)).map_err(e)?;
        for (k, p) in panels.iter().enumerate() {
            let (r, c) = (k / cols, k % cols);
            let x0 = c as i32 * size as i32;
            let y0 = r as i32 * (size + cap) as i32;
            body.draw(&Text::new(
                p.caption.clone(),
                (x0 + 4, y0 + 2),
                ("sans-serif", 12).into_font(),
            ))
            .map_err(e)?;
            let finite = p.values.iter().copied().filter(|v| v.is_finite());
            let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
            let span = if hi > lo { hi - lo } else { 1.0 };
            let inner = size as f64 - 8.0;
            let cell = inner / p.n.max(1) as f64;
            for (i, v) in p.values.iter().enumerate() {
                let (y, x) = (i / p.n, i % p.n);
                // Row y = 0 at the bottom.
                let px = x0 as f64 + 4.0 + x as f64 * cell;
                let py = (y0 + cap as i32) as f64 + (p.n - 1 - y) as f64 * cell;
                let colour = if v.is_finite() {
                    viridis((v - lo) / span)
                } else {
                    RGBColor(200, 200, 200)
                };
                body.draw(&Rectangle::new(
                    [
                        (px.floor() as i32, py.floor() as i32),
                        ((px + cell).ceil() as i32, (py + cell).ceil() as i32),
                    ],
                    colour.filled(),
                ))
                .map_err(e)?;
            }
        }
        root.present().map_err(e)?;
    }
    dir.write(name, svg.as_bytes())
}
