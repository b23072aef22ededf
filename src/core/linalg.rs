//! The little dense linear algebra Newton's method needs: a square-root-free Cholesky
//! (LDLᵀ) for positive definite systems, and Gaussian elimination for the rest; and the
//! eigen-decomposition of a small symmetric matrix, for the principal directions of a
//! network's path (the Gram matrix of a few hundred weight vectors).
//!
//! Matrices here are Hessians of a handful of parameters or Gram matrices of a few hundred
//! vectors; no LAPACK is worth its weight.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// The LDLᵀ factors of a symmetric positive definite matrix: unit lower `l`, diagonal `d`.
#[derive(Debug, Clone)]
pub struct Ldlt {
    l: Array2<f64>,
    d: Array1<f64>,
}

impl Ldlt {
    /// Factors `a` (symmetric; only its lower triangle is read), or `None` when `a` is not
    /// positive definite (a pivot ≤ 0 or not finite).
    ///
    /// LDLᵀ rather than LLᵀ: no square roots, so a diagonal system is solved exactly
    /// (`40 / 20` is 2; `40 / √20 / √20` need not be).
    pub fn new(a: ArrayView2<'_, f64>) -> Option<Ldlt> {
        let n = a.nrows();
        debug_assert_eq!(a.ncols(), n);
        let mut l = Array2::<f64>::eye(n);
        let mut d = Array1::<f64>::zeros(n);
        for j in 0..n {
            let mut dj = a[[j, j]];
            for k in 0..j {
                dj -= l[[j, k]] * l[[j, k]] * d[k];
            }
            if !(dj > 0.0 && dj.is_finite()) {
                return None;
            }
            d[j] = dj;
            for i in j + 1..n {
                let mut v = a[[i, j]];
                for k in 0..j {
                    v -= l[[i, k]] * l[[j, k]] * d[k];
                }
                l[[i, j]] = v / dj;
            }
        }
        Some(Ldlt { l, d })
    }

    /// x with A x = b.
    pub fn solve(&self, b: ArrayView1<'_, f64>) -> Array1<f64> {
        let n = self.d.len();
        let mut x = b.to_owned();
        for i in 0..n {
            for k in 0..i {
                x[i] -= self.l[[i, k]] * x[k];
            }
        }
        for i in 0..n {
            x[i] /= self.d[i];
        }
        for i in (0..n).rev() {
            for k in i + 1..n {
                x[i] -= self.l[[k, i]] * x[k];
            }
        }
        x
    }
}

/// x with A x = b by Gaussian elimination with partial pivoting, for any square `a`.
///
/// A singular matrix is not an error here: the division by a zero pivot gives infinities or
/// NaN, and the run loop reports the resulting point as diverged, which is what pure Newton
/// does on a singular Hessian.
pub fn solve_general(a: ArrayView2<'_, f64>, b: ArrayView1<'_, f64>) -> Array1<f64> {
    let n = a.nrows();
    let mut m = a.to_owned();
    let mut x = b.to_owned();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| m[[i, col]].abs().total_cmp(&m[[j, col]].abs()))
            .unwrap_or(col);
        if pivot != col {
            for k in 0..n {
                m.swap([col, k], [pivot, k]);
            }
            x.swap(col, pivot);
        }
        let p = m[[col, col]];
        for i in col + 1..n {
            let factor = m[[i, col]] / p;
            if factor == 0.0 {
                continue;
            }
            for k in col..n {
                m[[i, k]] -= factor * m[[col, k]];
            }
            x[i] -= factor * x[col];
        }
    }
    for i in (0..n).rev() {
        let mut v = x[i];
        for k in i + 1..n {
            v -= m[[i, k]] * x[k];
        }
        x[i] = v / m[[i, i]];
    }
    x
}

/// The most sweeps [`symmetric_eigen`] makes; cyclic Jacobi converges quadratically once
/// the off-diagonal is small, so a few dozen sweeps is more than any matrix here needs.
const JACOBI_SWEEPS: usize = 60;

/// The eigenvalues of the symmetric matrix `a` (only its upper triangle is read) in
/// decreasing order, and the unit eigenvectors as the columns of the second matrix, in the
/// same order.
///
/// Cyclic Jacobi: each rotation zeroes one off-diagonal entry, and every sweep visits all of
/// them, until what is left off the diagonal is rounding. Slower than LAPACK's tridiagonal
/// QR for large matrices, but exact to rounding, robust to equal eigenvalues (where power
/// iteration crawls) and a few dozen lines; the Gram matrices it serves are at most a few
/// hundred wide. A matrix with a value that is not finite gives NaN eigenvalues.
pub fn symmetric_eigen(a: ArrayView2<'_, f64>) -> (Array1<f64>, Array2<f64>) {
    let n = a.nrows().min(a.ncols());
    let mut m = Array2::from_shape_fn((n, n), |(i, j)| a[[i.min(j), i.max(j)]]);
    let mut v = Array2::<f64>::eye(n);
    if m.iter().any(|x| !x.is_finite()) {
        return (Array1::from_elem(n, f64::NAN), v);
    }
    // Worked on at unit scale: the sums of squares below would overflow for entries past
    // 1e154 (a diverged network's weights) and underflow below 1e-154.
    let scale = m.iter().fold(0.0f64, |s, x| s.max(x.abs()));
    if scale == 0.0 {
        return (Array1::zeros(n), v);
    }
    m /= scale;
    for _ in 0..JACOBI_SWEEPS {
        let off: f64 = (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .map(|(i, j)| m[[i, j]] * m[[i, j]])
            .sum();
        let diagonal: f64 = (0..n).map(|i| m[[i, i]] * m[[i, i]]).sum();
        if off <= f64::EPSILON * f64::EPSILON * diagonal || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                rotate(&mut m, &mut v, p, q);
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| m[[j, j]].total_cmp(&m[[i, i]]));
    let values = order.iter().map(|&k| m[[k, k]] * scale).collect();
    let vectors = Array2::from_shape_fn((n, n), |(i, k)| v[[i, order[k]]]);
    (values, vectors)
}

/// One Jacobi rotation in the (p, q) plane that zeroes `m[p][q]`, applied to `m` on both
/// sides and accumulated into `v` (Golub and Van Loan, §8.5.2: the smaller of the two angles,
/// so the rotation never swaps the pair).
fn rotate(m: &mut Array2<f64>, v: &mut Array2<f64>, p: usize, q: usize) {
    let apq = m[[p, q]];
    if apq == 0.0 {
        return;
    }
    let tau = (m[[q, q]] - m[[p, p]]) / (2.0 * apq);
    let t = tau.signum() / (tau.abs() + tau.hypot(1.0));
    let t = if tau == 0.0 { 1.0 } else { t };
    let c = 1.0 / t.hypot(1.0);
    let s = t * c;
    let n = m.nrows();
    for k in 0..n {
        let (mkp, mkq) = (m[[k, p]], m[[k, q]]);
        m[[k, p]] = c * mkp - s * mkq;
        m[[k, q]] = s * mkp + c * mkq;
    }
    for k in 0..n {
        let (mpk, mqk) = (m[[p, k]], m[[q, k]]);
        m[[p, k]] = c * mpk - s * mqk;
        m[[q, k]] = s * mpk + c * mqk;
    }
    // Exactly zero, as the rotation makes it up to rounding.
    m[[p, q]] = 0.0;
    m[[q, p]] = 0.0;
    for k in 0..n {
        let (vkp, vkq) = (v[[k, p]], v[[k, q]]);
        v[[k, p]] = c * vkp - s * vkq;
        v[[k, q]] = s * vkp + c * vkq;
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn ldlt_solves_a_positive_definite_system_and_refuses_an_indefinite_one() {
        let a = array![[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]];
        let b = array![1.0, -2.0, 0.5];
        let x = Ldlt::new(a.view()).unwrap().solve(b.view());
        let r = a.dot(&x) - &b;
        assert!(r.iter().all(|v| v.abs() < 1e-14), "{r}");
        assert!(Ldlt::new(array![[2.0, 0.0], [0.0, -1.0]].view()).is_none());
        assert!(Ldlt::new(array![[1.0, 2.0], [2.0, 1.0]].view()).is_none());
        assert!(Ldlt::new(array![[f64::NAN, 0.0], [0.0, 1.0]].view()).is_none());
    }

    #[test]
    fn a_diagonal_system_is_solved_exactly() {
        let x = Ldlt::new(array![[1.0, 0.0], [0.0, 20.0]].view())
            .unwrap()
            .solve(array![-3.0, 40.0].view());
        assert_eq!(x, array![-3.0, 2.0]);
    }

    #[test]
    fn gaussian_elimination_solves_indefinite_systems_and_overflows_on_singular_ones() {
        let a = array![[0.0, 1.0], [2.0, -1.0]];
        let x = solve_general(a.view(), array![1.0, 3.0].view());
        assert_eq!(x, array![2.0, 1.0]);
        let singular = solve_general(
            array![[1.0, 2.0], [2.0, 4.0]].view(),
            array![1.0, 1.0].view(),
        );
        assert!(singular.iter().any(|v| !v.is_finite()));
    }

    #[test]
    fn symmetric_eigen_recovers_a_known_decomposition() {
        // Q diag(5, 2, 2, −1) Qᵀ with Q a rotation: a repeated eigenvalue and a negative one.
        let (c, s) = (0.6, 0.8);
        let q = array![
            [c, -s, 0.0, 0.0],
            [s, c, 0.0, 0.0],
            [0.0, 0.0, c, s],
            [0.0, 0.0, -s, c]
        ];
        let d = Array2::from_diag(&array![2.0, 5.0, -1.0, 2.0]);
        let a = q.dot(&d).dot(&q.t());
        let (values, vectors) = symmetric_eigen(a.view());
        let expected = [5.0, 2.0, 2.0, -1.0];
        for (v, e) in values.iter().zip(expected) {
            assert!((v - e).abs() < 1e-12, "{values}");
        }
        // A V = V Λ and Vᵀ V = I.
        let residual = a.dot(&vectors) - vectors.dot(&Array2::from_diag(&values));
        assert!(residual.iter().all(|r| r.abs() < 1e-12), "{residual}");
        let gram = vectors.t().dot(&vectors) - Array2::<f64>::eye(4);
        assert!(gram.iter().all(|r| r.abs() < 1e-12), "{gram}");
    }

    #[test]
    fn symmetric_eigen_of_a_rank_one_matrix_and_of_nan() {
        let u = array![1.0, 2.0, 2.0];
        let a = Array2::from_shape_fn((3, 3), |(i, j)| u[i] * u[j]);
        let (values, vectors) = symmetric_eigen(a.view());
        assert!(
            (values[0] - 9.0).abs() < 1e-12 && values[1].abs() < 1e-12,
            "{values}"
        );
        let first = vectors.column(0);
        assert!((first.dot(&u).abs() - 3.0).abs() < 1e-12);
        let (values, _) = symmetric_eigen(array![[f64::NAN, 0.0], [0.0, 1.0]].view());
        assert!(values.iter().all(|v| v.is_nan()));
        // Far beyond where squares overflow, and far below where they underflow.
        for scale in [1e290, 1e-290] {
            let (values, _) = symmetric_eigen((&a * scale).view());
            assert!((values[0] / scale - 9.0).abs() < 1e-12, "{values}");
            assert!(values[1].abs() / scale < 1e-12, "{values}");
        }
        let (values, _) = symmetric_eigen(Array2::<f64>::zeros((2, 2)).view());
        assert_eq!(values, array![0.0, 0.0]);
    }
}
