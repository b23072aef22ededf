//! The declarations of the generated datasets: what `[data]` accepts for each, and the text
//! of `optplay list datasets` and `explain`.

/// How many classes a kind has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classes {
    /// Always this many (moons, circles and xor: 2; digits: 10); `classes` is not a key.
    Fixed(usize),
    /// The user chooses (spiral arms, Gaussian blobs) within `min..=max`.
    Free {
        /// Used when `[data]` does not say.
        default: usize,
        /// The fewest allowed.
        min: usize,
        /// The most allowed.
        max: usize,
    },
}

impl Classes {
    /// The number of classes when the user says nothing.
    pub fn default_count(self) -> usize {
        match self {
            Classes::Fixed(count) => count,
            Classes::Free { default, .. } => default,
        }
    }

    /// The allowed numbers of classes, inclusive (one value for a fixed kind).
    pub fn range(self) -> (usize, usize) {
        match self {
            Classes::Fixed(count) => (count, count),
            Classes::Free { min, max, .. } => (min, max),
        }
    }

    /// `requested` brought into the allowed range (a fixed kind's count whatever was asked).
    pub fn clamp(self, requested: usize) -> usize {
        let (min, max) = self.range();
        requested.clamp(min, max)
    }
}

/// Which code generates a kind: private, so that every kind is declared here, beside the
/// generators, and `generate` is a total match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Generator {
    Spiral,
    Moons,
    Circles,
    Xor,
    Gaussians,
    Digits,
}

/// A kind's declaration, for validation, `optplay list datasets` and `explain`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DatasetKind {
    /// The `[data] kind` value.
    pub name: &'static str,
    /// One line for `optplay list datasets`.
    pub summary: &'static str,
    /// A paragraph for `optplay explain`: the generator's formula and what it teaches.
    pub explain: &'static str,
    /// The total number of examples when `points` is not given.
    pub default_points: usize,
    /// The allowed totals, inclusive.
    pub points_range: (usize, usize),
    /// Fixed, or free within a range.
    pub classes: Classes,
    /// The noise when `noise` is not given.
    pub default_noise: f64,
    /// The allowed noise, inclusive (digits: `(0, 0)`, the images are what they are).
    pub noise_range: (f64, f64),
    /// True when each example is an image (augmented by shifts, never by flips).
    pub images: bool,
    pub(super) generator: Generator,
}

/// The range of `points` every toy kind accepts.
const TOY_POINTS: (usize, usize) = (2, 100_000);

/// CS231n's case study: K arms spiralling out of the origin.
pub const SPIRAL: DatasetKind = DatasetKind {
    name: "spiral",
    summary: "K interleaved spiral arms (CS231n's case study): no line separates them",
    explain: "The data of CS231n's neural-network case study. Arm j of K holds N = points / K \
        points (any remainder goes one each to the first arms): r = linspace(0, 1, N), \
        t = linspace(4j, 4(j+1), N) + noise * N(0, 1), x = (r sin t, r cos t). The arms wind \
        around each other, so a linear softmax classifier gets about half of the default 300 \
        points right while a network with one hidden layer of 100 ReLUs gets 98% or more: \
        the case study's argument for hidden layers. The noise perturbs the angle; larger \
        values blur the arms into each other.",
    default_points: 300,
    points_range: TOY_POINTS,
    classes: Classes::Free {
        default: 3,
        min: 2,
        max: 10,
    },
    default_noise: 0.2,
    noise_range: (0.0, 1.0),
    images: false,
    generator: Generator::Spiral,
};

/// scikit-learn's make_moons: two interleaved half circles.
pub const MOONS: DatasetKind = DatasetKind {
    name: "moons",
    summary: "two interleaved half circles (scikit-learn's make_moons)",
    explain: "scikit-learn's make_moons. Class 0, points / 2 of them, lies on the upper half \
        circle (cos s, sin s) and class 1 on the lower one (1 - cos s, 0.5 - sin s), s evenly \
        from 0 to pi on each; then every coordinate gets noise * N(0, 1). The classes hook \
        into each other, so the boundary must bend twice: a network with one hidden layer \
        separates them, a linear classifier stops near 87%.",
    default_points: 200,
    points_range: TOY_POINTS,
    classes: Classes::Fixed(2),
    default_noise: 0.1,
    noise_range: (0.0, 1.0),
    images: false,
    generator: Generator::Moons,
};

/// scikit-learn's make_circles: a ring around a disc.
pub const CIRCLES: DatasetKind = DatasetKind {
    name: "circles",
    summary: "a small circle inside a large one (scikit-learn's make_circles, factor 0.5)",
    explain: "scikit-learn's make_circles with factor 0.5. Class 0, points / 2 of them, lies \
        on the unit circle (cos s, sin s) and class 1 on the circle of radius 0.5, s evenly \
        spaced in [0, 2 pi) on each; then every coordinate gets noise * N(0, 1). No line \
        separates a ring from what it surrounds, but the radius does: a network must build \
        a closed boundary out of its hidden units, and a few of them suffice.",
    default_points: 200,
    points_range: TOY_POINTS,
    classes: Classes::Fixed(2),
    default_noise: 0.05,
    noise_range: (0.0, 1.0),
    images: false,
    generator: Generator::Circles,
};

/// The xor problem: the four quadrants, opposite ones alike.
pub const XOR: DatasetKind = DatasetKind {
    name: "xor",
    summary: "the four quadrants of [-1, 1]^2, labelled by the sign of x*y (xor)",
    explain: "The xor problem. Points are uniform in [-1, 1]^2 away from a margin of 0.05 \
        around the axes (each coordinate's size is uniform in [0.05, 1]), half of them with \
        x*y > 0 (class 0) and half with x*y < 0 (class 1); then every coordinate gets \
        noise * N(0, 1), which may carry points across the axes. A linear classifier does no \
        better than chance, which once made the case against perceptrons; one hidden layer \
        of two units is enough in principle, and a few more make it easy to find.",
    default_points: 200,
    points_range: TOY_POINTS,
    classes: Classes::Fixed(2),
    default_noise: 0.0,
    noise_range: (0.0, 1.0),
    images: false,
    generator: Generator::Xor,
};

/// Gaussian blobs with centres on a circle.
pub const GAUSSIANS: DatasetKind = DatasetKind {
    name: "gaussians",
    summary: "K Gaussian blobs with centres evenly on a circle of radius 0.75, std = noise",
    explain: "K Gaussian blobs: class k's points are 0.75 (cos 2 pi k/K, sin 2 pi k/K) + \
        noise * N(0, I), points / K of them (any remainder one each to the first classes). \
        At the default, two blobs 1.5 apart with std 0.5, about 7% of the points lie on the \
        other side of the best line (a linear classifier gets about 93%): a network that \
        reaches 100% training accuracy is memorising noise, and the validation accuracy \
        says so. More classes crowd the circle and overlap more; less noise pulls them apart.",
    default_points: 200,
    points_range: TOY_POINTS,
    classes: Classes::Free {
        default: 2,
        min: 2,
        max: 10,
    },
    default_noise: 0.5,
    noise_range: (0.0, 2.0),
    images: false,
    generator: Generator::Gaussians,
};

/// The 1,797 8x8 handwritten digits scikit-learn ships.
pub const DIGITS: DatasetKind = DatasetKind {
    name: "digits",
    summary: "1,797 8x8 handwritten digits, 10 classes (scikit-learn's load_digits, UCI)",
    explain: "The 1,797 handwritten digits scikit-learn ships (the test set of UCI's Optical \
        Recognition of Handwritten Digits): 32x32 bitmaps whose 4x4 blocks were counted into \
        8x8 images of 0..16, here divided by 16 so every input is in [0, 1]. Ten classes of \
        about 180 images; fewer points take a seeded subset with the same class proportions. \
        Real data with 64 inputs: enough for a network to overfit, so dropout, weight decay \
        and shift augmentation (never flips: a flipped digit is another digit) show their \
        effect on the validation accuracy.",
    default_points: 1797,
    points_range: (10, 1797),
    classes: Classes::Fixed(10),
    default_noise: 0.0,
    noise_range: (0.0, 0.0),
    images: true,
    generator: Generator::Digits,
};

/// Every generated kind, in the order `optplay list datasets` shows them (`csv` is not among
/// them: it is parsed, not generated).
pub const DATASETS: &[DatasetKind] = &[SPIRAL, MOONS, CIRCLES, XOR, GAUSSIANS, DIGITS];

/// The generated kind called `name`.
pub fn dataset_kind(name: &str) -> Option<&'static DatasetKind> {
    DATASETS.iter().find(|kind| kind.name == name)
}
