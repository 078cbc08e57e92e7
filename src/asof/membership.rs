//! Which rows of a frame have a key among a set's: the test [`super::window`] makes dozens of
//! times to tell the old rows a window needs from those it does not.
//!
//! **Why `is_in` on one column, not a join.** Made as a left join on `(repo, number)`, the test
//! cost more than reading the rows: polars hashes the two columns of every row into a row
//! encoding and probes a table of them. Measured with Python's polars 2.1 on the 36-month,
//! 500-person simulated store's 2.1 million file changes (the script in docs/scale.md, "The old
//! rows told apart by `is_in`"): the join 0.12–0.14 s, `is_in` on one integer key per PR
//! 0.03–0.04 s, with the key's making included; on the 2.5 million ticket changes a join on the
//! ticket key 0.26 s, `is_in` on it 0.03–0.04 s. So a PR's
//! `(repo, number)` becomes one integer, the repository's place among the key set's
//! repositories times 2³² plus the number, and the test is `is_in` on it. A key set is hashed
//! once per evaluation, so the test runs on a frame in memory: on a scan the reader would hand
//! it batch by batch and the set would be hashed again for each.
//!
//! The test is exact. A repository the key set does not hold has no place, so its rows are not
//! members; a number outside 0..2³² (none that GitHub, Gerrit or a commit message gives) would
//! make two keys one, so a key set holding one is tested by a join instead. Keys of two columns
//! whose second is not an integer (a commit's `(repo, sha)`) are tested by `is_in` on the second
//! column first, which a SHA nearly decides alone, and by a join over the rows it lets through.

use polars::prelude::*;

/// The numbers a PR key holds: below 2³², so that the repository's place fills the bits above.
const NUMBER_BITS: u32 = 32;

/// `frame`, read into memory, with a boolean column `name`: whether its `left` columns' values
/// are a row of `keys`' `right` columns (as many, in the same order; nulls are never members).
pub fn marked(
    frame: LazyFrame,
    keys: &DataFrame,
    left: &[&str],
    right: &[&str],
    name: &str,
) -> PolarsResult<LazyFrame> {
    let frame = frame.collect()?;
    let test = match (left, right) {
        ([column], [key]) => {
            Some(col(*column).is_in(distinct(keys, key)?.lit().implode(true), false))
        }
        ([repo, number], [key_repo, key_number]) if is_integer(&frame, number)? => {
            pr_key_test(keys, key_repo, key_number)?.map(|test| test(col(*repo), col(*number)))
        }
        ([repo, text], [key_repo, key_text]) => {
            return superset_then_exact(frame, keys, (repo, text), (key_repo, key_text), name);
        }
        _ => None,
    };
    Ok(match test {
        Some(test) => frame
            .lazy()
            .with_column(test.fill_null(lit(false)).alias(name)),
        None => marked_lazily(frame.lazy(), keys.clone().lazy(), left, right, name),
    })
}

/// [`marked`] by a left join, left lazy: for a scan that should stay one (a reader that stops
/// at its first row), and the keys `is_in` cannot test exactly.
pub fn marked_lazily(
    frame: LazyFrame,
    keys: LazyFrame,
    left: &[&str],
    right: &[&str],
    name: &str,
) -> LazyFrame {
    let right_exprs: Vec<Expr> = right.iter().map(|c| col(*c)).collect();
    let mut selected = right_exprs.clone();
    selected.push(lit(true).alias(name));
    frame
        .join(
            keys.select(selected).unique(None, UniqueKeepStrategy::Any),
            left.iter().map(|c| col(*c)).collect::<Vec<_>>(),
            right_exprs,
            super::left_join(),
        )
        .with_column(col(name).fill_null(lit(false)))
}

/// A column's distinct values, nulls left out.
fn distinct(frame: &DataFrame, column: &str) -> PolarsResult<Series> {
    frame
        .column(column)?
        .as_materialized_series()
        .drop_nulls()
        .unique()
}

fn is_integer(frame: &DataFrame, column: &str) -> PolarsResult<bool> {
    Ok(frame.column(column)?.dtype().is_integer())
}

/// Membership of `(repo, number)` in `keys`' pairs as a test of two expressions, or `None` when
/// a number of `keys` does not fit a key (tested by a join then).
#[allow(clippy::type_complexity)]
fn pr_key_test(
    keys: &DataFrame,
    repo: &str,
    number: &str,
) -> PolarsResult<Option<Box<dyn Fn(Expr, Expr) -> Expr>>> {
    let repos = distinct(keys, repo)?;
    if repos.is_empty() {
        return Ok(Some(Box::new(|_, _| lit(false))));
    }
    let key = {
        let repos = repos.clone();
        move |repo: Expr, number: Expr| pr_key(repo, number, &repos)
    };
    let whole = keys
        .clone()
        .lazy()
        .filter(col(repo).is_not_null().and(col(number).is_not_null()))
        .select([key(col(repo), col(number)).alias("key")])
        .collect()?;
    let set = whole.column("key")?.as_materialized_series().clone();
    if set.null_count() > 0 {
        return Ok(None);
    }
    let set = set.unique()?;
    Ok(Some(Box::new(move |repo, number| {
        key(repo, number).is_in(set.clone().lit().implode(true), false)
    })))
}

/// One integer for a PR: its repository's place among `repos` times 2³², plus its number;
/// null when the repository is not among them or the number does not fit.
fn pr_key(repo: Expr, number: Expr, repos: &Series) -> Expr {
    let places = Series::new(
        "place".into(),
        (0..repos.len() as i64).collect::<Vec<i64>>(),
    );
    let place = repo.replace_strict(
        repos.clone().lit(),
        places.lit(),
        Some(lit(NULL).cast(DataType::Int64)),
        Some(DataType::Int64),
    );
    let number = number.cast(DataType::Int64);
    let fits = number
        .clone()
        .gt_eq(lit(0i64))
        .and(number.clone().lt(lit(1i64 << NUMBER_BITS)));
    when(fits)
        .then(place * lit(1i64 << NUMBER_BITS) + number)
        .otherwise(lit(NULL).cast(DataType::Int64))
}

/// [`marked`] for a key whose second column is text: `is_in` on that column lets through a
/// superset (the same text in another repository), which a join over those rows alone makes
/// exact; the marks go back to the rows by their place.
fn superset_then_exact(
    frame: DataFrame,
    keys: &DataFrame,
    (repo, text): (&str, &str),
    (key_repo, key_text): (&str, &str),
    name: &str,
) -> PolarsResult<LazyFrame> {
    const ROW: &str = "__membership_row";
    if frame.column(text)?.null_count() == frame.height() {
        // No row has one (a PR's file changes name no commit).
        let mut frame = frame;
        frame.with_column(Column::new(name.into(), vec![false; frame.height()]))?;
        return Ok(frame.lazy());
    }
    let candidates = frame
        .clone()
        .lazy()
        .select([col(repo), col(text)])
        .with_row_index(ROW, None)
        .filter(col(text).is_in(distinct(keys, key_text)?.lit().implode(true), false))
        .collect()?;
    let members = marked_lazily(
        candidates.lazy(),
        keys.clone().lazy(),
        &[repo, text],
        &[key_repo, key_text],
        name,
    )
    .filter(col(name))
    .select([col(ROW)])
    .collect()?;
    let mut marks = vec![false; frame.height()];
    for row in members.column(ROW)?.idx()?.into_no_null_iter() {
        marks[row as usize] = true;
    }
    let mut frame = frame;
    frame.with_column(Column::new(name.into(), marks))?;
    Ok(frame.lazy())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(frame: LazyFrame, name: &str) -> Vec<bool> {
        frame
            .collect()
            .unwrap()
            .column(name)
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .map(|v| v.unwrap())
            .collect()
    }

    fn by_join(frame: &DataFrame, keys: &DataFrame, columns: &[&str]) -> Vec<bool> {
        marks(
            marked_lazily(
                frame.clone().lazy(),
                keys.clone().lazy(),
                columns,
                columns,
                "m",
            ),
            "m",
        )
    }

    /// `marked` on `(repo, number)`, checked against the join it replaces.
    fn pr_marks(frame: &DataFrame, keys: &DataFrame) -> Vec<bool> {
        let pr = ["repo", "number"];
        let got = marks(
            marked(frame.clone().lazy(), keys, &pr, &pr, "m").unwrap(),
            "m",
        );
        assert_eq!(got, by_join(frame, keys, &pr));
        got
    }

    #[test]
    fn a_pr_is_a_member_by_its_repository_and_number_together() {
        let frame = df!(
            "repo" => [Some("a"), Some("a"), Some("b"), Some("c"), None, Some("b")],
            "number" => [Some(1i64), Some(2), Some(1), Some(1), Some(1), None],
        )
        .unwrap();
        let keys = df!("repo" => ["a", "b", "b"], "number" => [1i64, 2, 2]).unwrap();
        let got = pr_marks(&frame, &keys);
        // b's 1 is not b's 2; c is no repository of the keys; nulls are no one's.
        assert_eq!(got, vec![true, false, false, false, false, false]);
    }

    #[test]
    fn a_number_too_large_for_a_key_is_still_told_apart() {
        // 2³² + 1 in repository a would be repository b's 1 if it were packed into one key.
        let frame = df!("repo" => ["a", "b", "a"], "number" => [(1i64 << 32) + 1, 1, 1]).unwrap();
        let keys = df!("repo" => ["a", "b"], "number" => [(1i64 << 32) + 1, 7]).unwrap();
        let got = pr_marks(&frame, &keys);
        assert_eq!(got, vec![true, false, false]);
    }

    #[test]
    fn a_commit_is_a_member_by_its_repository_and_sha_together() {
        let frame = df!(
            "repo" => ["a", "b", "a", "a"],
            "sha" => [Some("x"), Some("x"), Some("y"), None],
            "other" => [1, 2, 3, 4],
        )
        .unwrap();
        let keys = df!("repo" => ["a"], "sha" => ["x"]).unwrap();
        let got = marked(
            frame.clone().lazy(),
            &keys,
            &["repo", "sha"],
            &["repo", "sha"],
            "m",
        )
        .unwrap()
        .collect()
        .unwrap();
        // The same SHA in another repository is not a member; the frame is as it was.
        assert_eq!(
            marks(got.clone().lazy(), "m"),
            vec![true, false, false, false]
        );
        assert_eq!(got.drop("m").unwrap(), frame);
        // A frame where no row names a commit.
        let none = df!("repo" => ["a"], "sha" => [None::<&str>]).unwrap();
        let got = marked(none.lazy(), &keys, &["repo", "sha"], &["repo", "sha"], "m").unwrap();
        assert_eq!(marks(got, "m"), vec![false]);
    }

    #[test]
    fn a_single_key_and_an_empty_key_set() {
        let frame = df!("key" => [Some("T-1"), Some("T-2"), None]).unwrap();
        let keys = df!("key" => ["T-2"]).unwrap();
        let got = marked(frame.clone().lazy(), &keys, &["key"], &["key"], "m").unwrap();
        assert_eq!(marks(got, "m"), vec![false, true, false]);
        let none = df!("repo" => Vec::<&str>::new(), "number" => Vec::<i64>::new()).unwrap();
        let prs = df!("repo" => ["a"], "number" => [1i64]).unwrap();
        let got = marked(
            prs.lazy(),
            &none,
            &["repo", "number"],
            &["repo", "number"],
            "m",
        )
        .unwrap();
        assert_eq!(marks(got, "m"), vec![false]);
    }
}
