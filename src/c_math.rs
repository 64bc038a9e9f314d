//! The two C math functions the binary calls, `pow` (tokio's scheduler statistics) and `log`
//! (SQLite's FTS5 `bm25`), defined here so the executable does not load glibc's `libm.so.6`
//! for them.
//!
//! Why: loading libm resolves its IFUNC variants and maps its pages around each one; 540 KiB of
//! libm were resident at idle (smaps), 4 % of the idle RSS, for two calls that run rarely. With
//! both symbols defined in the executable the linker's `--as-needed` drops the library. The
//! bodies are the `libm` crate's (a port of musl's), correctly rounded to within 1 ulp, like
//! glibc's.
//!
//! Only for glibc targets: there, rustc links `-lm` as needed. Elsewhere the platform's own
//! functions stay.
#![allow(unsafe_code)]

/// `pow(3)`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
// SAFETY: `no_mangle` exports the C symbol `pow`; the signature is C's `double pow(double,
// double)`, and the body is safe Rust with no other symbol of that name in the executable.
#[unsafe(no_mangle)]
pub extern "C" fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// `log(3)`, the natural logarithm.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
// SAFETY: as for `pow`: C's `double log(double)`.
#[unsafe(no_mangle)]
pub extern "C" fn log(x: f64) -> f64 {
    libm::log(x)
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    /// The exported functions are the ones C callers reach: SQLite's `bm25` ranks with `log`,
    /// and their answers must stay those of C (values from CPython, which calls glibc).
    #[test]
    fn pow_and_log_agree_with_the_known_values() {
        assert_eq!(super::pow(2.0, 10.0), 1024.0);
        assert_eq!(super::pow(0.8, 0.0), 1.0);
        assert!((super::pow(0.8, 2.5) - 0.572_433_402_239_946_2).abs() < 1e-15);
        assert!(super::pow(-1.0, 0.5).is_nan());
        assert_eq!(super::log(1.0), 0.0);
        assert!((super::log(std::f64::consts::E) - 1.0).abs() < 1e-15);
        assert_eq!(super::log(0.0), f64::NEG_INFINITY);
        assert!(super::log(-1.0).is_nan());
    }
}
