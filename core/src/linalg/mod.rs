//! Dense linear algebra on borrowed, row-major slices with runtime dimensions.
//!
//! Every kernel checks the slice lengths against the dimensions it is given and returns
//! [`Error::DimensionMismatch`](crate::Error::DimensionMismatch) instead of panicking. Every
//! reduction is *sequential*: index 0 first, each term added to the running sum in index order, the
//! sum starting from `+0.0`. That fixed order is what makes the results bit-identical across targets;
//! host SIMD kernels that reorder sums live in the `engram` crate and are tested against these under
//! an error model.
//!
//! | kernel | computes | summation |
//! | --- | --- | --- |
//! | [`dot`] | Σᵢ aᵢbᵢ | sequential in i |
//! | [`axpy`] | y ← αx + y | none |
//! | [`matvec`] | y = A x | sequential over columns |
//! | [`matvec_t`] | y = Aᵀ x | sequential over rows |
//! | [`matmul`] | C = A B | sequential over the inner index |
//! | [`gram`] | G = XᵀX | sequential over rows of X |
//! | [`cholesky`] | A = L Lᵀ, in place | see the function |
//! | [`cholesky_solve`] | x = A⁻¹ b from L | sequential in each substitution |

mod cholesky;
mod matmul;
mod matvec;
mod vector;

pub use cholesky::{cholesky, cholesky_solve};
pub use matmul::{gram, matmul};
pub use matvec::{matvec, matvec_t};
pub use vector::{axpy, dot};
