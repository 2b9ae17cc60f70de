//! Charts as inline SVG, drawn with plotters' SVG backend: no fonts to
//! ship, no scripts, prints sharp. Each chart sits in a `<figure>` beside
//! a table of the same numbers, for screen readers and for copying.

use plotters::prelude::*;
use shared::follow_up::WeekDosage;

/// The bars' colours, named once: the report's legend shows these.
pub const MET: RGBColor = RGBColor(46, 125, 50);
pub const SHORT: RGBColor = RGBColor(178, 106, 0);
pub const UNDER_WAY: RGBColor = RGBColor(160, 168, 176);

/// The colour as CSS, for the legend's swatches.
pub fn css(c: RGBColor) -> String {
    format!("rgb({},{},{})", c.0, c.1, c.2)
}

/// One figure per week at one hotspot (bars: visits or minutes) against
/// what the plan prescribes per week (a line), weeks labelled by their ISO
/// number; the week under way on Stockholm day `today` is grey, since it
/// has not yet fallen short.
pub fn weekly(
    weeks: &[WeekDosage],
    value: impl Fn(&WeekDosage) -> u64,
    prescribed: u64,
    today: i64,
) -> String {
    let mut svg = String::new();
    // Drawing into a String cannot fail for IO; a layout error leaves the
    // figure empty, and the table beside it still has the numbers.
    let _ = draw(&mut svg, weeks, &value, prescribed, today);
    svg
}

fn draw<'a>(
    svg: &'a mut String,
    weeks: &[WeekDosage],
    value: &dyn Fn(&WeekDosage) -> u64,
    prescribed: u64,
    today: i64,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let root = SVGBackend::with_string(svg, (260, 120)).into_drawing_area();
    root.fill(&WHITE)?;
    let n = weeks.len().max(1) as f64;
    let top = weeks
        .iter()
        .map(value)
        .max()
        .unwrap_or(0)
        .max(prescribed)
        .max(1) as f64
        * 1.15;
    let mut chart = ChartBuilder::on(&root)
        .margin(6)
        .x_label_area_size(20)
        .y_label_area_size(28)
        .build_cartesian_2d(0f64..n, 0f64..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        // One line per labelled value is enough on a small chart.
        .light_line_style(RGBAColor(0, 0, 0, 0.0))
        .x_labels(weeks.len().min(7))
        .x_label_formatter(&|x| {
            weeks
                .get(*x as usize)
                .map(|w| format!("v{}", w.week_number()))
                .unwrap_or_default()
        })
        .y_labels(4)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(("sans-serif", 10))
        .draw()?;
    chart.draw_series(weeks.iter().enumerate().map(|(i, w)| {
        let v = value(w);
        let colour = if v >= prescribed {
            MET
        } else if !w.is_over(today) {
            UNDER_WAY
        } else {
            SHORT
        };
        Rectangle::new(
            [(i as f64 + 0.15, 0.0), (i as f64 + 0.85, v as f64)],
            colour.filled(),
        )
    }))?;
    chart.draw_series(LineSeries::new(
        [(0.0, prescribed as f64), (n, prescribed as f64)],
        BLACK.stroke_width(1),
    ))?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_an_svg_with_a_bar_per_week() {
        let weeks: Vec<WeekDosage> = (0..13)
            .map(|i| WeekDosage {
                monday: 20_454 + 7 * i,
                visits: i as u64 % 4,
                minutes: 0,
                in_window: 0,
            })
            .collect();
        let svg = weekly(&weeks, |w| w.visits, 2, 20_454 + 7 * 12 + 3);
        assert!(svg.starts_with("<svg"), "{svg}");
        // Weeks by ISO number; the last week, under way, grey not amber.
        let week_label = |l: &str| {
            l.trim()
                .strip_prefix('v')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        };
        assert!(svg.lines().any(week_label), "{svg}");
        assert!(svg.contains("#A0A8B0"), "the week under way in grey: {svg}");
        assert!(svg.matches("<rect").count() >= 13);
        assert!(svg.contains("<polyline") || svg.contains("<path"));
    }
}
