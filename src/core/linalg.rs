//! The little dense linear algebra Newton's method needs: a square-root-free Cholesky
//! (LDLᵀ) for positive definite systems, and Gaussian elimination for the rest.
//!
//! Matrices here are Hessians of a handful of parameters; no LAPACK is worth its weight.

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
}
