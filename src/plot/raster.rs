//! Filled polygons on the bitmap, faster than plotters' filler and with the very same pixels.
//!
//! Every line wider than a pixel (trajectory paths and their halos, loss and sweep curves)
//! is drawn by plotters as a polygon around it, filled by `plotters_backend`'s polygon
//! filler; the masks of a figure's planning draw each run alone, so that filler was a good
//! part of a sweep's CPU. It is slow by construction: a new list of active edges for every
//! sweep line, and a sort of that list whose every comparison recomputes both edges'
//! crossings with the sweep line (a multiplication and a division each).
//!
//! [`fill_polygon`] here scans the same way but keeps the list: each edge's crossing is
//! computed once per sweep line and kept in the edge, finished edges leave the list in
//! place, and the list, which barely changes from one line to the next, is kept sorted by
//! insertion. It makes the very same `draw_line` and `draw_pixel` calls as plotters', in
//! the same order and with the same colours (the edge pixels are blended, so on a pixel
//! two calls share the order matters): the figures stay byte for byte what they were. The
//! tests check that against plotters' filler on random polygons.
//!
//! [`Bitmap`] is plotters' bitmap backend with this filler, for the figures and the masks.

use std::cell::RefCell;

use plotters::prelude::BitMapBackend;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, DrawingBackend, DrawingErrorKind,
};

use super::coverage::Reach;

/// An edge of the polygon in sweep coordinates: `master` is the coordinate the sweep steps
/// along (x for a sweep across columns, y for one across rows), `slave` the other. Its end
/// with the smaller master coordinate is its start.
#[derive(Clone, Copy, Debug)]
struct Edge {
    /// The sweep line the edge starts on.
    start: i32,
    /// How many sweep lines after its start the edge ends (never 0: edges along a sweep line
    /// are left out).
    length: u32,
    /// The slave coordinate at its start, and how much it changes to its end.
    slave_start: i32,
    slave_change: i64,
    /// Sweep lines since its start.
    step: u32,
    /// Where it crosses the current sweep line.
    crossing: f64,
}

impl Edge {
    /// The edge from `a` to `b` (sweep coordinates); none along a sweep line.
    fn new(a: (i32, i32), b: (i32, i32)) -> Option<Edge> {
        let (from, to) = match a.0.cmp(&b.0) {
            std::cmp::Ordering::Equal => return None,
            std::cmp::Ordering::Less => (a, b),
            std::cmp::Ordering::Greater => (b, a),
        };
        // Wrapping as plotters' (release-built) arithmetic does; only spans beyond i32
        // could tell.
        Some(Edge {
            start: from.0,
            length: to.0.wrapping_sub(from.0) as u32,
            slave_start: from.1,
            slave_change: i64::from(to.1.wrapping_sub(from.1)),
            step: 0,
            crossing: f64::from(from.1),
        })
    }

    /// Whether the current sweep line is its last.
    fn ends(&self) -> bool {
        self.step == self.length
    }
}

/// Beyond this every f64 is a whole number (2⁵²).
const WHOLE: f64 = 4_503_599_627_370_496.0;

/// `x.floor()`, the same value (the sign of a zero too), without the libm call that the
/// baseline x86-64 target makes of it: four of them at every pair of crossings.
#[inline]
fn floor(x: f64) -> f64 {
    if x.is_nan() || x.abs() >= WHOLE {
        return x.floor();
    }
    let toward_zero = x as i64 as f64;
    let down = if toward_zero > x {
        toward_zero - 1.0
    } else {
        toward_zero
    };
    if down == 0.0 { 0f64.copysign(x) } else { down }
}

/// `x.ceil()`, as [`floor`] is `x.floor()`.
#[inline]
fn ceil(x: f64) -> f64 {
    if x.is_nan() || x.abs() >= WHOLE {
        return x.ceil();
    }
    let toward_zero = x as i64 as f64;
    let up = if toward_zero < x {
        toward_zero + 1.0
    } else {
        toward_zero
    };
    if up == 0.0 { 0f64.copysign(x) } else { up }
}

/// Moves every edge of `active` to the next sweep line, and says where it crosses it:
/// computed exactly as plotters does (the slave change times the steps as an integer, one
/// division by the length, then the start added), since which pixels are drawn, and which
/// edges pair up, hang on its last bit. The divisions have a loop of their own over
/// scratch vectors, which the compiler does two at a time: a thick path's polygon has
/// hundreds of edges across a sweep line where the path doubles back, and a division each
/// per line is most of a fill's own time.
fn advance(active: &mut [Edge], (quotients, lengths): &mut (Vec<f64>, Vec<f64>)) {
    quotients.clear();
    lengths.clear();
    for e in active.iter() {
        quotients.push((e.slave_change * i64::from(e.step + 1)) as f64);
        lengths.push(f64::from(e.length));
    }
    for (q, length) in quotients.iter_mut().zip(lengths.iter()) {
        *q /= length;
    }
    for (e, q) in active.iter_mut().zip(quotients.iter()) {
        e.step += 1;
        e.crossing = f64::from(e.slave_start) + q;
    }
}

/// Fills the polygon through `vertices` on `back` in `style`'s colour, with exactly the
/// calls plotters' `plotters_backend::rasterizer::fill_polygon` makes.
///
/// Like it: a polygon whose points all lie on one row or one column is a single
/// `draw_line` across its extent in `style` itself; any other is swept along its longer
/// side, line by line. On each sweep line the crossing edges, sorted by where they cross
/// (ties in the order they came: previous line's order, then new edges in the order of
/// their starts), are paired from the left, and each pair draws the span between them in
/// full colour and the pixel at either end blended by how much of it the span covers. An
/// edge on its last line does not pair with one that goes on (the latter pairs with the
/// next), and two edges both ending more than a pixel apart do not pair at all. On a sweep
/// across rows the far end's pixel gets a negative share (plotters' `floor - crossing`),
/// which the bitmap backend clamps to nothing: kept, for the same pixels.
pub fn fill_polygon<DB: DrawingBackend, S: BackendStyle>(
    back: &mut DB,
    vertices: &[BackendCoord],
    style: &S,
) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
    let Some(&first) = vertices.first() else {
        return Ok(());
    };
    let (mut low, mut high) = (first, first);
    for &(x, y) in vertices {
        low = (low.0.min(x), low.1.min(y));
        high = (high.0.max(x), high.1.max(y));
    }
    if low.0 == high.0 || low.1 == high.1 {
        return back.draw_line(low, high, style);
    }
    let across_columns = high.0.wrapping_sub(low.0) > high.1.wrapping_sub(low.1);
    let to_sweep = |(x, y): BackendCoord| if across_columns { (x, y) } else { (y, x) };

    let closing = (vertices[vertices.len() - 1], vertices[0]);
    let mut edges: Vec<Edge> = vertices
        .windows(2)
        .map(|pair| (pair[0], pair[1]))
        .chain(std::iter::once(closing))
        .filter_map(|(a, b)| Edge::new(to_sweep(a), to_sweep(b)))
        .collect();
    // Stable: edges starting on the same line join the active list in polygon order.
    edges.sort_by_key(|e| e.start);

    let (first_line, last_line) = if across_columns {
        (low.0, high.0)
    } else {
        (low.1, high.1)
    };
    let color = style.color();
    let mut waiting = edges.into_iter().peekable();
    let mut active: Vec<Edge> = Vec::new();
    let mut scratch = (Vec::new(), Vec::new());
    for line in first_line..=last_line {
        active.retain(|e| !e.ends());
        advance(&mut active, &mut scratch);
        // Kept sorted by insertion: from one line to the next only edges that cross swap.
        for i in 1..active.len() {
            let mut j = i;
            while j > 0 && active[j - 1].crossing > active[j].crossing {
                active.swap(j - 1, j);
                j -= 1;
            }
        }
        // New edges after every edge crossing at or before them.
        while let Some(edge) = waiting.next_if(|e| e.start <= line) {
            let at = active.partition_point(|e| e.crossing <= edge.crossing);
            active.insert(at, edge);
        }

        let mut open: Option<&Edge> = None;
        for b in &active {
            let Some(a) = open else {
                open = Some(b);
                continue;
            };
            if a.ends() != b.ends() {
                open = Some(if a.ends() { b } else { a });
                continue;
            }
            let (from, to) = (a.crossing, b.crossing);
            open = None;
            if a.ends() && to - from > 1.0 {
                continue;
            }
            let at = |slave: f64| {
                let slave = slave as i32;
                if across_columns {
                    (line, slave)
                } else {
                    (slave, line)
                }
            };
            let (from_up, from_down) = (ceil(from), floor(from));
            let (to_up, to_down) = (ceil(to), floor(to));
            back.draw_line(at(from_up), at(to_down), &color)?;
            back.draw_pixel(at(from_down), color.mix(from_up - from))?;
            let far_share = if across_columns {
                to - to_down
            } else {
                to_down - to
            };
            back.draw_pixel(at(to_up), color.mix(far_share))?;
        }
    }
    Ok(())
}

/// A segment of a path, its direction as plotters' `polygonize` normalises it: the integer
/// differences, their length (the root of the sum of their squares) and each divided by it.
#[derive(Clone, Copy)]
struct Direction {
    dx: i64,
    dy: i64,
    x: f64,
    y: f64,
}

impl Direction {
    fn new(from: BackendCoord, to: BackendCoord) -> Direction {
        let (dx, dy) = (i64::from(to.0 - from.0), i64::from(to.1 - from.1));
        let length = ((dx * dx + dy * dy) as f64).sqrt();
        Direction {
            dx,
            dy,
            x: dx as f64 / length,
            y: dy as f64 / length,
        }
    }

    /// The same segment walked the other way, as if normalised anew: −(d / l) is (−d) / l
    /// in floating point, but for d = 0, whose quotient is +0 either way.
    fn reversed(self) -> Direction {
        let flip = |d: i64, v: f64| if d == 0 { v } else { -v };
        Direction {
            dx: -self.dx,
            dy: -self.dy,
            x: flip(self.dx, self.x),
            y: flip(self.dy, self.y),
        }
    }
}

/// The outline of `points` drawn `width` pixels wide (more than one), exactly as plotters'
/// `polygonize` makes it (the same operations in the same order, so the same vertices),
/// but with each segment's direction normalised once rather than four times: plotters
/// normalises both segments at every corner, on both sides of the path, a square root and
/// two divisions each.
pub fn polygonize(points: &[BackendCoord], width: u32) -> Vec<BackendCoord> {
    let mut path: Vec<BackendCoord> = points.to_vec();
    path.dedup();
    let mut outline = Vec::new();
    if path.len() < 2 {
        return outline;
    }
    let forward: Vec<Direction> = path
        .windows(2)
        .map(|s| Direction::new(s[0], s[1]))
        .collect();
    let backward: Vec<Direction> = forward.iter().rev().map(|d| d.reversed()).collect();
    let reversed: Vec<BackendCoord> = path.iter().rev().copied().collect();
    outline_side(&path, &forward, width, &mut outline);
    outline_side(&reversed, &backward, width, &mut outline);
    outline
}

/// One side of the outline: plotters' `traverse_vertices` over `path` (no two neighbours
/// equal), whose segments go in `directions`.
fn outline_side(
    path: &[BackendCoord],
    directions: &[Direction],
    width: u32,
    outline: &mut Vec<BackendCoord>,
) {
    let half = f64::from(width) / 2.0;
    let offset = |p: BackendCoord, n: (f64, f64)| {
        (
            (f64::from(p.0) + n.0 * f64::from(width) / 2.0).round() as i32,
            (f64::from(p.1) + n.1 * f64::from(width) / 2.0).round() as i32,
        )
    };
    let first = directions[0];
    outline.push(offset(path[0], (-first.y, first.x)));
    for (corner, pair) in path.windows(3).zip(directions.windows(2)) {
        corner_vertices(corner[1], pair[0], pair[1].reversed(), half, outline);
    }
    let last = directions[directions.len() - 1].reversed();
    outline.push(offset(path[path.len() - 1], (last.y, -last.x)));
}

/// plotters' `compute_polygon_vertex` at `corner`, between the segment coming in (`a_t`,
/// its direction) and the one going out (`b_t`, its direction walked back to the corner),
/// `d` from the line.
fn corner_vertices(
    corner: BackendCoord,
    a_t: Direction,
    b_t: Direction,
    d: f64,
    outline: &mut Vec<BackendCoord>,
) {
    let (a_t, b_t) = ((a_t.x, a_t.y), (b_t.x, b_t.y));
    let (a_n, b_n) = ((-a_t.1, a_t.0), (b_t.1, -b_t.0));
    let (cx, cy) = (f64::from(corner.0), f64::from(corner.1));
    let a_p = (cx + d * a_n.0, cy + d * a_n.1);
    let b_p = (cx + d * b_n.0, cy + d * b_n.1);
    if (a_t.1 * b_t.0 - a_t.0 * b_t.1).abs() <= f64::EPSILON {
        outline.push((a_p.0 as i32, a_p.1 as i32));
        return;
    }
    let (a0, b0, c0) = (a_t.0, -b_t.0, b_p.0 - a_p.0);
    let (a1, b1, c1) = (a_t.1, -b_t.1, b_p.1 - a_p.1);
    let u = (c0 * b1 - c1 * b0) / (a0 * b1 - a1 * b0);
    let x = a_p.0 + u * a_t.0;
    let y = a_p.1 + u * a_t.1;
    let cross_product = a_t.0 * b_t.1 - a_t.1 * b_t.0;
    if (cross_product < 0.0 && d < 0.0) || (cross_product > 0.0 && d > 0.0) {
        let dist_square = (x - corner.0 as f64).powi(2) + (y - corner.1 as f64).powi(2);
        if dist_square > d * d * 16.0 {
            outline.push((a_p.0.round() as i32, a_p.1.round() as i32));
            outline.push((b_p.0.round() as i32, b_p.1.round() as i32));
            return;
        }
    }
    outline.push((x.round() as i32, y.round() as i32));
}

/// plotters' bitmap backend with [`fill_polygon`] (so also with it for every path wider
/// than a pixel), optionally remembering where it was asked to draw, for a mask's
/// scan (see `coverage`). It passes on only what the bitmap backend itself implements
/// (pixels, lines, rectangles, bitmaps) and lets plotters' own rasterizers turn everything
/// else (paths, circles, text) into those calls, as they do for the bitmap backend: the
/// very same pixels.
pub(in crate::plot) struct Bitmap<'a> {
    inner: BitMapBackend<'a>,
    reach: Option<&'a RefCell<Reach>>,
}

type BitmapError<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> Bitmap<'a> {
    /// Draws on the RGB `buffer`, a bitmap of `size` pixels.
    pub fn new(buffer: &'a mut [u8], size: (u32, u32)) -> Bitmap<'a> {
        Bitmap {
            inner: BitMapBackend::with_buffer(buffer, size),
            reach: None,
        }
    }

    /// Draws on the RGB `buffer`, widening `reach` to every pixel drawn on.
    pub fn tracking(
        buffer: &'a mut [u8],
        size: (u32, u32),
        reach: &'a RefCell<Reach>,
    ) -> Bitmap<'a> {
        Bitmap {
            inner: BitMapBackend::with_buffer(buffer, size),
            reach: Some(reach),
        }
    }

    /// A call drawing between `a` and `b` with lines `width` pixels wide: the bitmap
    /// backend touches no pixel further than the width from their box (a line's ends are
    /// rounded to pixels, and a wide line's sides stand out by half its width), so the box
    /// widened by the width and a pixel is where the mask's scan looks.
    fn reach(&self, a: BackendCoord, b: BackendCoord, width: i32) {
        self.reach_exactly(a, b, width.saturating_add(1));
    }

    /// The box with corners `a` and `b`, `margin` more on every side, is where the call
    /// may touch pixels.
    fn reach_exactly(&self, a: BackendCoord, b: BackendCoord, margin: i32) {
        if let Some(reach) = self.reach {
            reach.borrow_mut().widen(a, b, margin);
        }
    }
}

impl<'a> DrawingBackend for Bitmap<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), BitmapError<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), BitmapError<'a>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), BitmapError<'a>> {
        // The pixel itself: the bitmap backend draws nothing else.
        self.reach_exactly(point, point, 0);
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), BitmapError<'a>> {
        // A thin line along a row or a column (a filled polygon's spans): the bitmap
        // backend fills the pixels between its ends and no others.
        let thin_straight = style.stroke_width() == 1 && (from.0 == to.0 || from.1 == to.1);
        if thin_straight {
            self.reach_exactly(from, to, 0);
        } else {
            self.reach(from, to, style.stroke_width() as i32);
        }
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), BitmapError<'a>> {
        self.reach(upper_left, bottom_right, style.stroke_width() as i32);
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    /// plotters' own `draw_path`, with [`polygonize`] for a wide path.
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), BitmapError<'a>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        if style.stroke_width() == 1 {
            let mut begin: Option<BackendCoord> = None;
            for end in path {
                if let Some(begin) = begin {
                    self.draw_line(begin, end, style)?;
                }
                begin = Some(end);
            }
            return Ok(());
        }
        let points: Vec<BackendCoord> = path.into_iter().collect();
        let outline = polygonize(&points, style.stroke_width());
        fill_polygon(self, &outline, &style.color())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> Result<(), BitmapError<'a>> {
        let vertices: Vec<BackendCoord> = vertices.into_iter().collect();
        fill_polygon(self, &vertices, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), BitmapError<'a>> {
        let far = (
            pos.0.saturating_add(size.0 as i32),
            pos.1.saturating_add(size.1 as i32),
        );
        self.reach(pos, far, 0);
        self.inner.blit_bitmap(pos, size, src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters_backend::rasterizer;
    use proptest::prelude::*;

    const SIZE: (u32, u32) = (24, 20);

    /// A canvas whose every pixel differs from its neighbours, so that a blend drawn in a
    /// different share or order shows.
    fn canvas() -> Vec<u8> {
        (0..SIZE.0 * SIZE.1 * 3)
            .map(|i| (i * 37 % 251) as u8)
            .collect()
    }

    /// What a backend was asked to draw, alphas to the bit.
    #[derive(Debug, PartialEq)]
    enum Call {
        Pixel(BackendCoord, (u8, u8, u8), u64),
        Line(BackendCoord, BackendCoord, (u8, u8, u8), u64, u32),
    }

    /// A backend that only writes its calls down.
    #[derive(Default)]
    struct Recorder(Vec<Call>);

    impl DrawingBackend for Recorder {
        type ErrorType = std::fmt::Error;
        fn get_size(&self) -> (u32, u32) {
            SIZE
        }
        fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<std::fmt::Error>> {
            Ok(())
        }
        fn present(&mut self) -> Result<(), DrawingErrorKind<std::fmt::Error>> {
            Ok(())
        }
        fn draw_pixel(
            &mut self,
            point: BackendCoord,
            color: BackendColor,
        ) -> Result<(), DrawingErrorKind<std::fmt::Error>> {
            self.0
                .push(Call::Pixel(point, color.rgb, color.alpha.to_bits()));
            Ok(())
        }
        fn draw_line<S: BackendStyle>(
            &mut self,
            from: BackendCoord,
            to: BackendCoord,
            style: &S,
        ) -> Result<(), DrawingErrorKind<std::fmt::Error>> {
            let color = style.color();
            self.0.push(Call::Line(
                from,
                to,
                color.rgb,
                color.alpha.to_bits(),
                style.stroke_width(),
            ));
            Ok(())
        }
    }

    /// Asserts that [`fill_polygon`] makes plotters' calls and draws plotters' pixels.
    fn same_as_plotters(vertices: &[BackendCoord], (rgb, alpha): ((u8, u8, u8), f64)) {
        let color = BackendColor { alpha, rgb };
        let (mut theirs, mut ours) = (Recorder::default(), Recorder::default());
        rasterizer::fill_polygon(&mut theirs, vertices, &color).unwrap();
        fill_polygon(&mut ours, vertices, &color).unwrap();
        assert_eq!(ours.0, theirs.0, "calls for {vertices:?}");

        let (mut theirs, mut ours) = (canvas(), canvas());
        {
            let mut back = BitMapBackend::with_buffer(&mut theirs, SIZE);
            rasterizer::fill_polygon(&mut back, vertices, &color).unwrap();
        }
        {
            let mut back = Bitmap::new(&mut ours, SIZE);
            back.fill_polygon(vertices.iter().copied(), &color).unwrap();
        }
        assert!(ours == theirs, "pixels for {vertices:?}");
    }

    /// A colour as (rgb, alpha): `BackendColor` has no `Debug` for proptest to show.
    fn color() -> impl Strategy<Value = ((u8, u8, u8), f64)> {
        let rgb = prop_oneof![Just((200, 30, 60)), Just((255, 255, 255)), Just((0, 90, 0))];
        let alpha = prop_oneof![Just(1.0), Just(0.5), Just(0.3), Just(0.0)];
        (rgb, alpha)
    }

    /// Coordinates on the canvas and a few pixels beyond each side.
    fn point() -> impl Strategy<Value = BackendCoord> {
        (-6..SIZE.0 as i32 + 6, -6..SIZE.1 as i32 + 6)
    }

    /// Polygons of every kind: any points (self-intersecting mostly), points from a few
    /// (repeated points, edges along sweep lines, equal crossings), all on one row, all on
    /// one column.
    fn polygon() -> impl Strategy<Value = Vec<BackendCoord>> {
        let few = prop::collection::vec(prop::sample::select(vec![-3, 0, 4, 5, 11, 30]), 2);
        prop_oneof![
            prop::collection::vec(point(), 3..40),
            prop::collection::vec(few.prop_map(|v| (v[0], v[1])), 3..40),
            (point(), prop::collection::vec(-6..30, 3..40))
                .prop_map(|((_, y), xs)| xs.into_iter().map(|x| (x, y)).collect()),
            (point(), prop::collection::vec(-6..26, 3..40))
                .prop_map(|((x, _), ys)| ys.into_iter().map(|y| (x, y)).collect()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn fills_as_plotters_does(vertices in polygon(), color in color()) {
            same_as_plotters(&vertices, color);
        }

        /// Thick paths as plotters turns them into polygons: long thin ones with many
        /// crossings of the sweep line.
        #[test]
        fn fills_thick_paths_as_plotters_does(
            path in prop::collection::vec(point(), 2..30),
            width in 2..9u32,
            color in color(),
        ) {
            same_as_plotters(&rasterizer::polygonize(&path, width), color);
        }
    }

    proptest! {
        /// The inline floor and ceiling are libm's, bit for bit (zeros' signs, halves,
        /// whole numbers, the edges of the exact range, infinities and NaN).
        #[test]
        fn floor_and_ceil_are_libms(
            x in prop_oneof![
                any::<f64>(),
                -1e6f64..1e6,
                -2.0f64..2.0,
                (-1000i64..1000).prop_map(|k| k as f64 / 2.0),
                prop::sample::select(vec![
                    0.0, -0.0, 0.5, -0.5, 1.0, -1.0, WHOLE, -WHOLE, WHOLE - 0.5, 0.5 - WHOLE,
                    f64::INFINITY, f64::NEG_INFINITY, f64::NAN, f64::MIN_POSITIVE,
                    -f64::MIN_POSITIVE, 1e300, -1e300,
                ]),
            ],
        ) {
            prop_assert_eq!(floor(x).to_bits(), x.floor().to_bits());
            prop_assert_eq!(ceil(x).to_bits(), x.ceil().to_bits());
        }
    }

    /// Paths with what makes outlines differ: points repeated, straight runs, sharp turns
    /// and reversals, long and short segments.
    fn path() -> impl Strategy<Value = Vec<BackendCoord>> {
        let step = prop_oneof![
            (-40i32..40, -40i32..40),
            (-2i32..3, -2i32..3),
            Just((0, 0)),
            Just((5, 0)),
            Just((0, -5)),
        ];
        ((-50i32..50, -50i32..50), prop::collection::vec(step, 0..40)).prop_map(|(start, steps)| {
            let mut at = start;
            let mut path = vec![at];
            for (dx, dy) in steps {
                at = (at.0 + dx, at.1 + dy);
                path.push(at);
            }
            path
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        /// The outline of a wide path is plotters', vertex for vertex.
        #[test]
        fn outlines_as_plotters_does(path in path(), width in 2..12u32) {
            prop_assert_eq!(polygonize(&path, width), rasterizer::polygonize(&path, width));
        }
    }

    #[test]
    fn fills_the_smallest_polygons_as_plotters_does() {
        for vertices in [
            vec![],
            vec![(3, 4)],
            vec![(3, 4), (3, 4)],
            vec![(1, 1), (9, 6)],
            vec![(1, 1), (9, 2), (1, 1)],
            vec![(2, 2), (12, 2), (12, 9), (2, 9)],
        ] {
            same_as_plotters(&vertices, ((9, 8, 7), 0.6));
        }
    }

    /// A thick path drawn on a [`Bitmap`] (plotters' `draw_path`, then this filler) is the
    /// one plotters' bitmap backend draws.
    #[test]
    fn draws_thick_paths_as_the_bitmap_backend_does() {
        let path = [(-2, 3), (10, 18), (11, 18), (20, 1), (4, 9), (30, 12)];
        for width in [2, 3, 5] {
            let style = plotters::style::ShapeStyle {
                color: plotters::style::RGBAColor(10, 120, 230, 0.8),
                filled: false,
                stroke_width: width,
            };
            let (mut theirs, mut ours) = (canvas(), canvas());
            BitMapBackend::with_buffer(&mut theirs, SIZE)
                .draw_path(path, &style)
                .unwrap();
            Bitmap::new(&mut ours, SIZE)
                .draw_path(path, &style)
                .unwrap();
            assert!(ours == theirs, "width {width}");
        }
    }
}
