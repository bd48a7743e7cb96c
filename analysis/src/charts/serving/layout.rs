//! How a footprint figure lays out its lines: one panel while every line
//! can have a colour of its own ([`COLOURS`]), else a panel per ABI or
//! per runtime.

use std::collections::BTreeMap;

use crate::figures::{COLOURS, Curve, Panel, Point};

/// One footprint line's identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    /// Runtime id.
    pub runtime: String,
    /// ABI, with its varying factors.
    pub abi: String,
    /// Instance allocator.
    pub allocator: String,
}

/// How a footprint figure splits its lines: every line in one panel when
/// their colours can all differ, else one panel per ABI, else one per
/// runtime (whichever needs fewest colours).
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Panel titles, left to right (one empty title: a single panel).
    pub titles: Vec<String>,
    /// Series names.
    pub series: Vec<String>,
    /// A line's panel and series.
    of: BTreeMap<Key, (usize, usize)>,
}

impl Layout {
    /// The layout of these lines.
    pub fn of(keys: &[Key]) -> Layout {
        type Split = fn(&Key) -> (String, String);
        let whole: Split = |k| {
            (
                String::new(),
                format!("{}/{} {}", k.runtime, k.abi, k.allocator),
            )
        };
        let by_abi: Split = |k| (k.abi.clone(), format!("{} {}", k.runtime, k.allocator));
        let by_runtime: Split = |k| (k.runtime.clone(), format!("{} {}", k.abi, k.allocator));
        let layouts: Vec<Layout> = [whole, by_abi, by_runtime]
            .into_iter()
            .map(|split| Layout::split(keys, split))
            .collect();
        let fewest = layouts
            .iter()
            .min_by_key(|l| l.series.len())
            .cloned()
            .expect("three layouts");
        layouts
            .into_iter()
            .find(|l| l.series.len() <= COLOURS)
            .unwrap_or(fewest)
    }

    fn split(keys: &[Key], split: fn(&Key) -> (String, String)) -> Layout {
        let mut l = Layout {
            titles: Vec::new(),
            series: Vec::new(),
            of: BTreeMap::new(),
        };
        for k in keys {
            let (panel, series) = split(k);
            let pi = position_or_push(&mut l.titles, panel);
            let si = position_or_push(&mut l.series, series);
            l.of.insert(k.clone(), (pi, si));
        }
        l
    }

    /// The panels, with each line's points (`points[i]` is `keys[i]`'s,
    /// if it has one) sorted by x.
    pub fn panels(&self, keys: &[Key], points: &[Option<Point>]) -> Vec<Panel> {
        let mut panels: Vec<Panel> = self
            .titles
            .iter()
            .map(|t| Panel {
                title: t.clone(),
                lines: Vec::new(),
            })
            .collect();
        for (k, pt) in keys.iter().zip(points) {
            let Some(pt) = pt else { continue };
            let (pi, si) = self.of[k];
            let lines = &mut panels[pi].lines;
            match lines.iter_mut().find(|c| c.series == si) {
                Some(c) => c.points.push(*pt),
                None => lines.push(Curve {
                    series: si,
                    points: vec![*pt],
                    fit: None,
                }),
            }
        }
        for panel in &mut panels {
            for c in &mut panel.lines {
                c.points.sort_by(|a, b| a.x.total_cmp(&b.x));
            }
        }
        panels
    }
}

fn position_or_push(v: &mut Vec<String>, s: String) -> usize {
    match v.iter().position(|x| *x == s) {
        Some(i) => i,
        None => {
            v.push(s);
            v.len() - 1
        }
    }
}
