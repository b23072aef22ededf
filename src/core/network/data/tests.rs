use proptest::prelude::*;

use super::toy::{CIRCLES_FACTOR, GAUSSIANS_RADIUS, XOR_MARGIN, linspace};
use super::*;

fn bytes(data: &Dataset) -> Vec<u64> {
    data.features.iter().map(|value| value.to_bits()).collect()
}

#[test]
fn the_declarations_are_whole_and_consistent() {
    let names: Vec<&str> = DATASETS.iter().map(|kind| kind.name).collect();
    assert_eq!(
        names,
        ["spiral", "moons", "circles", "xor", "gaussians", "digits"]
    );
    for kind in DATASETS {
        assert_eq!(dataset_kind(kind.name), Some(kind));
        assert!(
            !kind.summary.is_empty() && !kind.summary.contains('\n'),
            "{}",
            kind.name
        );
        assert!(
            kind.explain.len() > 200,
            "{}: explain is a paragraph",
            kind.name
        );
        let (low, high) = kind.points_range;
        assert!(
            low <= kind.default_points && kind.default_points <= high,
            "{}",
            kind.name
        );
        let (min, max) = kind.classes.range();
        let classes = kind.classes.default_count();
        assert!(
            2 <= min && min <= classes && classes <= max && max <= 10,
            "{}",
            kind.name
        );
        let (quiet, loud) = kind.noise_range;
        assert!(
            quiet <= kind.default_noise && kind.default_noise <= loud,
            "{}",
            kind.name
        );
    }
    assert_eq!(dataset_kind("csv"), None, "csv is parsed, not generated");
    assert_eq!(MOONS.classes, Classes::Fixed(2));
    assert_eq!(DIGITS.classes, Classes::Fixed(10));
    assert!(matches!(SPIRAL.classes, Classes::Free { default: 3, .. }));
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_data() {
    for kind in DATASETS {
        let spec = DataSpec {
            points: kind.default_points.min(500),
            ..DataSpec::defaults(kind, 11)
        };
        let first = generate(&spec);
        assert_eq!(bytes(&first), bytes(&generate(&spec)), "{}", kind.name);
        assert_eq!(first.labels, generate(&spec).labels);
        let other = generate(&DataSpec { seed: 12, ..spec });
        assert_ne!(
            bytes(&first),
            bytes(&other),
            "{}: the seed matters",
            kind.name
        );
    }
}

#[test]
fn the_default_spiral_s_first_values_are_pinned() {
    // Identical on every machine: these bits are ChaCha8's stream through rand_distr's
    // normal sampler. A change here changes every spiral experiment's data.
    let data = generate(&DataSpec::defaults(&SPIRAL, 0));
    let pinned: Vec<u64> = data.features.row(1).iter().map(|v| v.to_bits()).collect();
    assert_eq!(pinned, PINNED_SPIRAL_ROW_1);
}

const PINNED_SPIRAL_ROW_1: [u64; 2] = [4548267801373818411, 4576976066466411572];

#[test]
fn every_kind_has_the_total_shape_and_balanced_classes() {
    for kind in DATASETS {
        for (points, classes) in [(kind.points_range.0, 2), (kind.default_points, 3), (307, 7)] {
            let points = points.clamp(kind.points_range.0, kind.points_range.1);
            let data = generate(&DataSpec {
                points,
                classes,
                ..DataSpec::defaults(kind, 1)
            });
            let expected_classes = kind.classes.clamp(classes);
            assert_eq!(data.len(), points, "{}", kind.name);
            assert_eq!(data.classes, expected_classes, "{}", kind.name);
            assert_eq!(
                data.inputs(),
                if kind.images { 64 } else { 2 },
                "{}",
                kind.name
            );
            let counts = data.class_counts();
            let (least, most) = (counts.iter().min(), counts.iter().max());
            assert_eq!(counts.iter().sum::<usize>(), points);
            assert!(least >= Some(&1), "{}: {counts:?}", kind.name);
            if !kind.images {
                assert!(
                    most.zip(least).is_some_and(|(m, l)| m - l <= 1),
                    "{counts:?}"
                );
            }
            assert!(
                data.labels.is_sorted() || kind.images,
                "{}: grouped by class",
                kind.name
            );
        }
    }
}

#[test]
fn the_spiral_without_noise_is_the_case_study_s_formula_exactly() {
    let data = generate(&DataSpec {
        points: 301,
        classes: 3,
        noise: 0.0,
        ..DataSpec::defaults(&SPIRAL, 4)
    });
    // 301 = 101 + 100 + 100: the remainder goes to the first arm.
    assert_eq!(data.class_counts(), [101, 100, 100]);
    let mut row = 0;
    for (arm, n) in [(0, 101), (1, 100), (2, 100)] {
        for i in 0..n {
            let r = i as f64 / (n - 1) as f64;
            let t = 4.0 * arm as f64 + 4.0 * i as f64 / (n - 1) as f64;
            let (x, y) = (data.features[[row, 0]], data.features[[row, 1]]);
            // The radius is linspace(0, 1, N) and the angle linspace(4j, 4(j+1), N) exactly
            // (numpy's arithmetic, checked against the formula to a few ulps).
            assert_eq!(
                x,
                linspace(0.0, 1.0, n, i)
                    * linspace(4.0 * arm as f64, 4.0 * (arm + 1) as f64, n, i).sin()
            );
            assert!((x - r * t.sin()).abs() < 1e-14 && (y - r * t.cos()).abs() < 1e-14);
            assert_eq!(data.labels[row], arm);
            row += 1;
        }
    }
    // The arm's ends: the origin and, at r = 1, the angle 4(j+1).
    assert_eq!(data.features.row(101).to_vec(), [0.0, 0.0]);
    assert_eq!(
        data.features.row(300).to_vec(),
        [12.0_f64.sin(), 12.0_f64.cos()]
    );
}

#[test]
fn the_spiral_s_noise_moves_the_angle_only() {
    let data = generate(&DataSpec::defaults(&SPIRAL, 2));
    for (arm, first_row) in [(0, 0), (1, 100), (2, 200)] {
        for i in 0..100 {
            let point = data.features.row(first_row + i);
            let radius = point.dot(&point).sqrt();
            assert!(
                (radius - linspace(0.0, 1.0, 100, i)).abs() < 1e-12,
                "arm {arm}"
            );
        }
    }
    let clean = generate(&DataSpec {
        noise: 0.0,
        ..DataSpec::defaults(&SPIRAL, 2)
    });
    assert_ne!(bytes(&data), bytes(&clean));
}

/// Distances of class `class`'s points from `centre`.
fn radii(data: &Dataset, class: usize, centre: [f64; 2]) -> Vec<f64> {
    (0..data.len())
        .filter(|&row| data.labels[row] == class)
        .map(|row| (data.features[[row, 0]] - centre[0]).hypot(data.features[[row, 1]] - centre[1]))
        .collect()
}

#[test]
fn moons_lie_on_make_moons_half_circles() {
    let data = generate(&DataSpec {
        points: 201,
        noise: 0.0,
        ..DataSpec::defaults(&MOONS, 0)
    });
    assert_eq!(
        data.class_counts(),
        [100, 101],
        "scikit-learn: n // 2 outer, the rest inner"
    );
    assert!(
        radii(&data, 0, [0.0, 0.0])
            .iter()
            .all(|r| (r - 1.0).abs() < 1e-12)
    );
    assert!(
        radii(&data, 1, [1.0, 0.5])
            .iter()
            .all(|r| (r - 1.0).abs() < 1e-12)
    );
    // Upper half for the outer moon, lower half for the inner one, ends included.
    assert!((0..100).all(|row| data.features[[row, 1]] >= 0.0));
    assert!((100..201).all(|row| data.features[[row, 1]] <= 0.5 + 1e-12));
    assert_eq!(data.features.row(0).to_vec(), [1.0, 0.0]);
    assert_eq!(data.features.row(100).to_vec(), [0.0, 0.5]);
    let noisy = generate(&DataSpec::defaults(&MOONS, 0));
    let spread = radii(&noisy, 0, [0.0, 0.0])
        .iter()
        .map(|r| (r - 1.0).powi(2))
        .sum::<f64>()
        / 100.0;
    assert!(
        spread.sqrt() > 0.05 && spread.sqrt() < 0.2,
        "noise 0.1 moves points off the circle"
    );
}

#[test]
fn circles_lie_on_radii_one_and_one_half() {
    let data = generate(&DataSpec {
        points: 100,
        noise: 0.0,
        ..DataSpec::defaults(&CIRCLES, 0)
    });
    assert_eq!(data.class_counts(), [50, 50]);
    assert!(
        radii(&data, 0, [0.0, 0.0])
            .iter()
            .all(|r| (r - 1.0).abs() < 1e-12)
    );
    assert!(
        radii(&data, 1, [0.0, 0.0])
            .iter()
            .all(|r| (r - CIRCLES_FACTOR).abs() < 1e-12)
    );
    // Evenly spaced without repeating the start: 50 distinct angles 2π/50 apart.
    assert_eq!(data.features.row(0).to_vec(), [1.0, 0.0]);
    let second = data.features.row(1);
    assert!((second[1].atan2(second[0]) - 2.0 * std::f64::consts::PI / 50.0).abs() < 1e-12);
}

#[test]
fn xor_labels_by_the_sign_of_the_product_away_from_the_axes() {
    let data = generate(&DataSpec {
        points: 1000,
        ..DataSpec::defaults(&XOR, 5)
    });
    assert_eq!(data.class_counts(), [500, 500]);
    let mut quadrants = [0; 4];
    for (row, &label) in data.labels.iter().enumerate() {
        let (x, y) = (data.features[[row, 0]], data.features[[row, 1]]);
        assert_eq!(label, usize::from(x * y < 0.0));
        assert!(x.abs() >= XOR_MARGIN && y.abs() >= XOR_MARGIN && x.abs() <= 1.0 && y.abs() <= 1.0);
        quadrants[usize::from(x < 0.0) * 2 + usize::from(y < 0.0)] += 1;
    }
    assert!(
        quadrants.iter().all(|&q| (200..=300).contains(&q)),
        "{quadrants:?}"
    );
}

#[test]
fn gaussian_blobs_sit_evenly_on_their_circle_with_std_noise() {
    let data = generate(&DataSpec {
        points: 4000,
        classes: 4,
        ..DataSpec::defaults(&GAUSSIANS, 8)
    });
    let centres = [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]];
    for (class, centre) in centres.iter().enumerate() {
        let rows: Vec<usize> = (0..data.len())
            .filter(|&r| data.labels[r] == class)
            .collect();
        assert_eq!(rows.len(), 1000);
        for (axis, &expected) in centre.iter().enumerate() {
            let values: Vec<f64> = rows.iter().map(|&r| data.features[[r, axis]]).collect();
            let mean = values.iter().sum::<f64>() / 1000.0;
            let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 999.0).sqrt();
            assert!(
                (mean - GAUSSIANS_RADIUS * expected).abs() < 0.05,
                "class {class} axis {axis}: {mean}"
            );
            assert!((std - 0.5).abs() < 0.05, "class {class} axis {axis}: {std}");
        }
    }
}

#[test]
fn digits_come_whole_or_as_a_stratified_subset() {
    let all = generate(&DataSpec::defaults(&DIGITS, 0));
    assert_eq!(all.len(), 1797);
    assert_eq!(
        all.class_counts(),
        [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    );
    assert_eq!(all.image, Some([8, 8]));
    assert!(all.features.iter().all(|&p| (0.0..=1.0).contains(&p)));
    let some = generate(&DataSpec {
        points: 200,
        ..DataSpec::defaults(&DIGITS, 0)
    });
    assert_eq!(some.len(), 200);
    assert!(
        some.class_counts().iter().all(|&c| (19..=21).contains(&c)),
        "{:?}",
        some.class_counts()
    );
}

#[test]
fn values_outside_the_declaration_are_brought_into_it() {
    let spec = DataSpec {
        points: 0,
        classes: 99,
        noise: f64::NAN,
        ..DataSpec::defaults(&SPIRAL, 0)
    };
    let data = generate(&spec);
    assert_eq!((data.len(), data.classes), (SPIRAL.points_range.0, 10));
    let moons = generate(&DataSpec {
        classes: 5,
        ..DataSpec::defaults(&MOONS, 0)
    });
    assert_eq!(moons.classes, 2, "a fixed kind ignores `classes`");
}

#[test]
fn kept_labels_are_renumbered_in_the_order_given() {
    let all = generate(&DataSpec::defaults(&DIGITS, 0));
    let upper = all.keep_labels(&[5, 6, 7, 8, 9]);
    assert_eq!(upper.classes, 5);
    let counts = all.class_counts();
    assert_eq!(upper.class_counts(), counts[5..].to_vec());
    assert_eq!(upper.len(), counts[5..].iter().sum::<usize>());
    // The first 5 of the file becomes class 0, with its pixels.
    let first_five = all.labels.iter().position(|&l| l == 5).unwrap();
    let first_zero = upper.labels.iter().position(|&l| l == 0).unwrap();
    assert_eq!(upper.features.row(first_zero), all.features.row(first_five));
    assert_eq!(
        all.keep_labels(&[3, 1]).class_counts(),
        [counts[3], counts[1]]
    );
}

#[test]
fn a_stratified_subset_keeps_every_class_and_the_original_order() {
    let spiral = generate(&DataSpec::defaults(&SPIRAL, 0));
    let small = stratified_subset(&spiral, 9, 4);
    assert_eq!(small.class_counts(), [3, 3, 3]);
    assert_eq!(stratified_subset(&spiral, 9, 4), small, "seeded");
    assert_ne!(
        stratified_subset(&spiral, 9, 5),
        small,
        "another seed, other rows"
    );
    assert_eq!(stratified_subset(&spiral, 10_000, 4), spiral);
    let rows: Vec<usize> = small
        .features
        .rows()
        .into_iter()
        .map(|r| {
            (0..spiral.len())
                .find(|&i| spiral.features.row(i) == r)
                .unwrap()
        })
        .collect();
    assert!(rows.is_sorted(), "{rows:?}");
}

#[test]
fn subset_and_counts_follow_the_rows_asked_for() {
    let data = generate(&DataSpec {
        points: 10,
        ..DataSpec::defaults(&GAUSSIANS, 0)
    });
    let part = data.subset(&[9, 0, 0]);
    assert_eq!(part.labels, [1, 0, 0]);
    assert_eq!(part.features.row(0), data.features.row(9));
    assert_eq!(part.class_counts(), [2, 1]);
    assert!(!part.is_empty() && data.subset(&[]).is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn generate_never_panics_and_is_finite_over_the_declared_ranges(
        which in 0..DATASETS.len(),
        points_fraction in 0.0..=1.0f64,
        classes_fraction in 0.0..=1.0f64,
        noise_fraction in 0.0..=1.0f64,
        seed in any::<u64>(),
    ) {
        let kind = &DATASETS[which];
        // Small totals are where the edge cases are; cap the large ones to keep this quick.
        let (low, high) = kind.points_range;
        let points = low + ((high.min(3000) - low) as f64 * points_fraction.powi(3)) as usize;
        let (min, max) = kind.classes.range();
        let classes = min + ((max - min) as f64 * classes_fraction).round() as usize;
        let (quiet, loud) = kind.noise_range;
        let noise = quiet + (loud - quiet) * noise_fraction;
        let data = generate(&DataSpec { kind, points, classes, noise, seed });
        prop_assert_eq!(data.len(), points);
        prop_assert_eq!(data.features.nrows(), data.labels.len());
        prop_assert!(data.features.iter().all(|v| v.is_finite()));
        prop_assert!(data.labels.iter().all(|&label| label < data.classes));
        if points >= data.classes {
            prop_assert!(data.class_counts().iter().all(|&count| count >= 1));
        }
    }
}
