use plotters::coord::Shift;
use plotters::prelude::*;

use super::{PlotError, Scene};

pub fn draw_on<'r, DB: DrawingBackend + 'r>(
    _scene: &Scene,
    root: &'r DrawingArea<DB, Shift>,
) -> Result<(), PlotError> {
    root.fill(&WHITE)?;
    Ok(())
}
