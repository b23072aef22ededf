//! The regions forming: every frame is the boundaries figure of one recorded step, drawn as
//! its PNG is, and the frames go through the trajectories animation's palette and encoder
//! (`plot/animation`), each after the first as the rectangle that changed.

use super::super::animation::encode_stills;
use super::super::{PlotError, check_size};
use super::regions::{CLASS_COLORS, RING};
use super::{BoundaryScene, boundaries, raster};

/// The last frame (the trained model) stays this long before the loop starts again, in
/// hundredths of a second.
const LAST_DELAY_CS: u16 = 250;

pub(super) fn animate(frames: &[BoundaryScene], frame_ms: u32) -> Result<Vec<u8>, PlotError> {
    let Some(first) = frames.first() else {
        return Err(PlotError::new(
            "an animation of the decision regions needs a frame",
        ));
    };
    let size = (first.width, first.height);
    check_size(first)?;
    if let Some(k) = frames.iter().position(|f| (f.width, f.height) != size) {
        return Err(PlotError::new(format!(
            "frame {k} of the decision regions is {}x{} pixels, the first {}x{}",
            frames[k].width, frames[k].height, size.0, size.1
        )));
    }
    let stills = frames
        .iter()
        .map(|frame| raster(size, |root| boundaries::draw(frame, root)).map(|(rgb, _)| rgb))
        .collect::<Result<Vec<_>, _>>()?;
    // GIF counts in hundredths; browsers slow anything under 2 down to 10.
    let each = (frame_ms / 10).clamp(2, u32::from(u16::MAX)) as u16;
    let delays: Vec<u16> = (0..stills.len())
        .map(|k| {
            if k + 1 == stills.len() {
                each.max(LAST_DELAY_CS)
            } else {
                each
            }
        })
        .collect();
    let mut exact = vec![[255, 255, 255], [0, 0, 0], [RING.0, RING.1, RING.2]];
    exact.extend(CLASS_COLORS.iter().map(|c| [c.0, c.1, c.2]));
    encode_stills(&stills, size, &delays, &exact)
}
