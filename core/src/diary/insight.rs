//! Flares and triggers: pure functions over daily figures.

use super::model::{Flare, TriggerInsight};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Triggers are only compared with at least this many days each way.
pub(crate) const MIN_DAYS_EACH_WAY: usize = 3;

/// Runs of consecutive days whose highest rating is at or above `threshold`,
/// at least `min_days` long. `daily_max` must be in date order.
pub(crate) fn flares(daily_max: &[(NaiveDate, f64)], threshold: f64, min_days: u32) -> Vec<Flare> {
    let mut out = Vec::new();
    let mut run: Option<(NaiveDate, NaiveDate, f64)> = None;
    let close = |run: Option<(NaiveDate, NaiveDate, f64)>, out: &mut Vec<Flare>| {
        if let Some((start, end, peak)) = run {
            let days = (end - start).num_days() as u32 + 1;
            if days >= min_days {
                out.push(Flare {
                    start: start.to_string(),
                    end: end.to_string(),
                    days,
                    peak,
                });
            }
        }
    };
    for &(day, value) in daily_max {
        if value < threshold {
            close(run.take(), &mut out);
            continue;
        }
        run = match run {
            Some((start, end, peak)) if (day - end).num_days() == 1 => {
                Some((start, day, peak.max(value)))
            }
            other => {
                close(other, &mut out);
                Some((day, day, value))
            }
        };
    }
    close(run, &mut out);
    out
}

/// For each tag: the mean of the daily mean rating on days with the tag
/// against days without it, where there are enough days of each. Sorted by
/// the difference, largest first.
pub(crate) fn triggers(
    daily_mean: &BTreeMap<NaiveDate, f64>,
    tag_days: &HashMap<String, HashSet<NaiveDate>>,
) -> Vec<TriggerInsight> {
    let mut out: Vec<TriggerInsight> = tag_days
        .iter()
        .filter_map(|(tag, days)| {
            let (with, without): (Vec<f64>, Vec<f64>) = {
                let mut with = Vec::new();
                let mut without = Vec::new();
                for (day, mean) in daily_mean {
                    if days.contains(day) {
                        with.push(*mean);
                    } else {
                        without.push(*mean);
                    }
                }
                (with, without)
            };
            if with.len() < MIN_DAYS_EACH_WAY || without.len() < MIN_DAYS_EACH_WAY {
                return None;
            }
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            Some(TriggerInsight {
                tag: tag.clone(),
                days_with: with.len() as u32,
                days_without: without.len() as u32,
                mean_with: mean(&with),
                mean_without: mean(&without),
            })
        })
        .collect();
    crate::order::sort_by(&mut out, |a, b| {
        (b.mean_with - b.mean_without)
            .total_cmp(&(a.mean_with - a.mean_without))
            .then_with(|| a.tag.cmp(&b.tag))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, day).expect("date")
    }

    #[test]
    fn flares_are_consecutive_runs_at_or_above_the_threshold() {
        let days = [
            (d(1), 7.0),
            (d(2), 8.0),
            (d(3), 9.0),
            (d(4), 3.0),
            (d(5), 7.0),
            (d(7), 7.0),
            (d(8), 7.5),
        ];
        let f = flares(&days, 7.0, 2);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(
            (f[0].start.as_str(), f[0].end.as_str(), f[0].days, f[0].peak),
            ("2026-03-01", "2026-03-03", 3, 9.0)
        );
        assert_eq!(
            (f[1].start.as_str(), f[1].days),
            ("2026-03-07", 2),
            "a gap day breaks a run"
        );
        assert_eq!(flares(&days, 7.0, 1).len(), 3);
        assert!(flares(&days, 9.5, 1).is_empty());
    }

    #[test]
    fn triggers_need_three_days_each_way() {
        let daily: BTreeMap<NaiveDate, f64> = (1..=8)
            .map(|i| (d(i), if i <= 3 { 8.0 } else { 4.0 }))
            .collect();
        let mut tags = HashMap::new();
        tags.insert(
            "weather".to_string(),
            [d(1), d(2), d(3)].into_iter().collect(),
        );
        tags.insert("rare".to_string(), [d(1), d(2)].into_iter().collect());
        let t = triggers(&daily, &tags);
        assert_eq!(t.len(), 1);
        assert_eq!(
            (t[0].tag.as_str(), t[0].days_with, t[0].days_without),
            ("weather", 3, 5)
        );
        assert_eq!((t[0].mean_with, t[0].mean_without), (8.0, 4.0));
    }
}
