//! Small statistics over the handful of values a detector compares (per team, per month).

/// The median of the finite values, or `None` when there are none.
pub fn median(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut sorted: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    })
}

/// Gini coefficient of a load distribution: 0 when everyone carries the same, towards 1 when one
/// carries everything.
pub fn gini(loads: &[f64]) -> Option<f64> {
    let total: f64 = loads.iter().sum();
    if loads.len() < 2 || total <= 0.0 {
        return None;
    }
    let mut sorted = loads.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, x)| (2.0 * (i as f64 + 1.0) - n - 1.0) * x)
        .sum();
    Some(weighted / (n * total))
}

/// CHAOSS contributor absence factor: the fewest contributors who together make half of the
/// contributions. 1 means a single person carries half the load.
pub fn absence_factor(loads: &[f64]) -> Option<usize> {
    let total: f64 = loads.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut sorted = loads.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let mut running = 0.0;
    for (i, load) in sorted.iter().enumerate() {
        running += load;
        if running >= total / 2.0 {
            return Some(i + 1);
        }
    }
    Some(sorted.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median([3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median([4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median([f64::NAN]), None);
    }

    #[test]
    fn gini_is_zero_for_equal_loads_and_high_for_one_carrier() {
        assert_eq!(gini(&[5.0, 5.0, 5.0, 5.0]), Some(0.0));
        let concentrated = gini(&[0.0, 0.0, 0.0, 20.0]).unwrap();
        assert!((concentrated - 0.75).abs() < 1e-9, "{concentrated}");
        assert_eq!(gini(&[0.0, 0.0]), None);
    }

    #[test]
    fn absence_factor_counts_who_carries_half() {
        assert_eq!(absence_factor(&[9.0, 1.0, 1.0, 1.0]), Some(1));
        assert_eq!(absence_factor(&[3.0, 3.0, 3.0, 3.0]), Some(2));
        assert_eq!(absence_factor(&[]), None);
    }
}

/// The 95 % Wilson score interval of `k` successes in `n` trials, as (low, high); `None` for
/// n = 0. Unlike the normal approximation it stays inside 0–1 and is honest about small n: one
/// failure in four PRs is somewhere between 5 % and 70 %.
pub fn wilson(k: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let z = 1.959_963_984_540_054_f64;
    let p = k / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z * ((p * (1.0 - p) / n) + z * z / (4.0 * n * n)).sqrt() / denominator;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}
