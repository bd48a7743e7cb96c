//! Splitting one matrix over several machines: `--shard i/n` keeps every
//! n-th cell of the plan, starting at the i-th, so n processes with the same
//! options and i = 1..n run every cell exactly once (natives included;
//! ratios to native are computed when the shards are merged and
//! reported). `--shard auto` takes i and n from a cluster scheduler's job
//! array: Slurm's `SLURM_ARRAY_TASK_ID` / `SLURM_ARRAY_TASK_COUNT` (with
//! `SLURM_ARRAY_TASK_MIN`), or a Kubernetes Indexed Job's
//! `JOB_COMPLETION_INDEX` with `ABILAB_SHARD_COUNT` set to its
//! `completions` (Kubernetes does not export the count). See
//! docs/cluster.md.

use std::fmt;

/// One shard of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, 1-based.
    pub index: usize,
    /// Of how many.
    pub count: usize,
}

impl Shard {
    /// Whether the cell at plan position `position` belongs to this shard.
    pub fn keeps(self, position: usize) -> bool {
        position % self.count == self.index - 1
    }

    /// Parses `i/n`, or `auto` from the environment `var` gives.
    pub fn parse(s: &str, var: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        if s.trim() == "auto" {
            return Shard::from_scheduler(var);
        }
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("--shard `{s}` is not I/N (e.g. 1/4) or auto"))?;
        let parse = |x: &str| {
            x.trim()
                .parse::<usize>()
                .map_err(|_| format!("--shard `{s}` is not I/N (e.g. 1/4) or auto"))
        };
        Shard::new(parse(i)?, parse(n)?).map_err(|e| format!("--shard `{s}`: {e}"))
    }

    fn new(index: usize, count: usize) -> Result<Shard, String> {
        if count == 0 || count > 100_000 {
            return Err(format!("{count} shards: use 1 to 100000"));
        }
        if index == 0 || index > count {
            return Err(format!(
                "shard {index} of {count}: the shard is 1..={count}"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The shard a job array's task is.
    fn from_scheduler(var: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let num = |name: &str| -> Result<Option<usize>, String> {
            match var(name) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<usize>()
                    .map(Some)
                    .map_err(|_| format!("--shard auto: {name}=`{v}` is not a number")),
            }
        };
        if let (Some(id), Some(count)) =
            (num("SLURM_ARRAY_TASK_ID")?, num("SLURM_ARRAY_TASK_COUNT")?)
        {
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let index = id.checked_sub(min).ok_or_else(|| {
                format!("--shard auto: task {id} below SLURM_ARRAY_TASK_MIN {min}")
            })?;
            return Shard::new(index + 1, count).map_err(|e| format!("--shard auto (Slurm): {e}"));
        }
        if let Some(index) = num("JOB_COMPLETION_INDEX")? {
            let count = num("ABILAB_SHARD_COUNT")?.ok_or(
                "--shard auto: JOB_COMPLETION_INDEX is set but ABILAB_SHARD_COUNT is not \
                 (set it to the Job's completions)",
            )?;
            return Shard::new(index + 1, count)
                .map_err(|e| format!("--shard auto (Kubernetes): {e}"));
        }
        Err(
            "--shard auto: no job array here (neither SLURM_ARRAY_TASK_ID and \
             SLURM_ARRAY_TASK_COUNT nor JOB_COMPLETION_INDEX is set)"
                .into(),
        )
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn shards_partition_the_plan() {
        let n = 4;
        let shards: Vec<Shard> = (1..=n).map(|i| Shard::new(i, n).unwrap()).collect();
        for position in 0..103 {
            assert_eq!(shards.iter().filter(|s| s.keeps(position)).count(), 1);
        }
        assert_eq!(Shard::parse("2/4", env(&[])).unwrap().to_string(), "2/4");
        for bad in ["0/4", "5/4", "1/0", "a/b", "3", ""] {
            assert!(Shard::parse(bad, env(&[])).is_err(), "{bad}");
        }
    }

    #[test]
    fn auto_reads_slurm_and_kubernetes() {
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "7"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "5"),
        ];
        assert_eq!(
            Shard::parse("auto", env(&slurm)).unwrap(),
            Shard { index: 3, count: 4 }
        );
        let k8s = [("JOB_COMPLETION_INDEX", "0"), ("ABILAB_SHARD_COUNT", "2")];
        assert_eq!(
            Shard::parse("auto", env(&k8s)).unwrap(),
            Shard { index: 1, count: 2 }
        );
        let e = Shard::parse("auto", env(&[("JOB_COMPLETION_INDEX", "0")])).unwrap_err();
        assert!(e.contains("ABILAB_SHARD_COUNT"), "{e}");
        assert!(
            Shard::parse("auto", env(&[]))
                .unwrap_err()
                .contains("no job array")
        );
        let past = [
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert!(Shard::parse("auto", env(&past)).is_err());
    }
}
