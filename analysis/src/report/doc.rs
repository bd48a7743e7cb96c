//! The report as a list of blocks, rendered once as Markdown and once as
//! a self-contained HTML page (figures inlined as SVG), so the two never
//! say different things.

use std::collections::HashMap;
use std::fmt::Write;

/// One block of the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading of level 1–4.
    Heading(u8, String),
    /// A paragraph; `code` spans in backticks.
    Para(String),
    /// A bulleted list.
    List(Vec<String>),
    /// A table.
    Table(Table),
    /// A figure by name, with its caption.
    Figure {
        /// File stem under `figures/`.
        name: String,
        /// Its title.
        title: String,
        /// What it shows.
        caption: String,
    },
}

/// A table; numeric columns are right-aligned.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Rows, as wide as the header.
    pub rows: Vec<Vec<String>>,
    /// Right-aligned columns.
    pub numeric: Vec<bool>,
}

impl Table {
    /// An empty table with these columns, the last `numeric` of them numeric.
    pub fn new(header: Vec<String>, numeric: usize) -> Table {
        let n = header.len();
        Table {
            numeric: (0..n).map(|i| i + numeric >= n).collect(),
            header,
            rows: Vec::new(),
        }
    }
}

/// Markdown (GitHub flavour).
pub fn markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Heading(level, text) => {
                let _ = writeln!(out, "{} {text}\n", "#".repeat(*level as usize));
            }
            Block::Para(text) => {
                let _ = writeln!(out, "{text}\n");
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(out, "- {i}");
                }
                out.push('\n');
            }
            Block::Table(t) => {
                let row = |cells: &[String]| {
                    let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
                    format!("| {} |", cells.join(" | "))
                };
                let _ = writeln!(out, "{}", row(&t.header));
                let align: Vec<String> = t
                    .numeric
                    .iter()
                    .map(|n| if *n { "---:".into() } else { "---".into() })
                    .collect();
                let _ = writeln!(out, "| {} |", align.join(" | "));
                for r in &t.rows {
                    let _ = writeln!(out, "{}", row(r));
                }
                out.push('\n');
            }
            Block::Figure {
                name,
                title,
                caption,
            } => {
                let _ = writeln!(
                    out,
                    "![{title}](figures/{name}.svg)\n\n{caption} ([SVG](figures/{name}.svg), \
                     [PNG](figures/{name}.png))\n"
                );
            }
        }
    }
    out
}

/// Escapes text for HTML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escapes text and turns `code` spans into `<code>` and **bold** into
/// `<strong>` (the only inline markup the report uses).
fn inline(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", escape(part));
            continue;
        }
        for (j, text) in part.split("**").enumerate() {
            if j % 2 == 1 {
                let _ = write!(out, "<strong>{}</strong>", escape(text));
            } else {
                out.push_str(&escape(text));
            }
        }
    }
    out
}

const STYLE: &str = "body{font-family:'DejaVu Sans',sans-serif;max-width:1200px;margin:2em auto;\
padding:0 1em;color:#222;line-height:1.45}table{border-collapse:collapse;margin:1em 0;\
font-size:14px}th,td{border:1px solid #ccc;padding:3px 7px;vertical-align:top}th{background:#f3f3f3}\
td.n{text-align:right;white-space:nowrap}figure{margin:1.5em 0;overflow-x:auto}\
figcaption{font-size:14px;color:#444}code{background:#f5f5f5;padding:0 3px}\
.figure svg{max-width:100%;height:auto}";

/// A complete HTML page; `svgs` maps figure names to their SVG text,
/// inlined so the page needs no other file.
pub fn html(title: &str, blocks: &[Block], svgs: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    );
    for b in blocks {
        match b {
            Block::Heading(level, text) => {
                let _ = writeln!(out, "<h{level}>{}</h{level}>", inline(text));
            }
            Block::Para(text) => {
                let _ = writeln!(out, "<p>{}</p>", inline(text));
            }
            Block::List(items) => {
                out.push_str("<ul>\n");
                for i in items {
                    let _ = writeln!(out, "<li>{}</li>", inline(i));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(t) => {
                out.push_str("<table>\n<tr>");
                for h in &t.header {
                    let _ = write!(out, "<th>{}</th>", inline(h));
                }
                out.push_str("</tr>\n");
                for r in &t.rows {
                    out.push_str("<tr>");
                    for (i, c) in r.iter().enumerate() {
                        let class = if t.numeric.get(i) == Some(&true) {
                            " class=\"n\""
                        } else {
                            ""
                        };
                        let _ = write!(out, "<td{class}>{}</td>", inline(c));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</table>\n");
            }
            Block::Figure {
                name,
                title,
                caption,
            } => {
                let svg = svgs.get(name).map(String::as_str).unwrap_or("");
                // The SVG's own XML prolog is not allowed inside HTML.
                let svg = match svg.find("<svg") {
                    Some(i) => &svg[i..],
                    None => svg,
                };
                let _ = writeln!(
                    out,
                    "<figure class=\"figure\" id=\"{}\" aria-label=\"{}\">\n{svg}\n\
                     <figcaption>{}</figcaption>\n</figure>",
                    escape(name),
                    escape(title),
                    inline(caption)
                );
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks() -> Vec<Block> {
        let mut t = Table::new(vec!["name".into(), "ns".into()], 1);
        t.rows.push(vec!["a|b".into(), "1.5".into()]);
        vec![
            Block::Heading(1, "Title".into()),
            Block::Para("see `x<y` **now**".into()),
            Block::List(vec!["one".into()]),
            Block::Table(t),
            Block::Figure {
                name: "f".into(),
                title: "F".into(),
                caption: "shows".into(),
            },
        ]
    }

    #[test]
    fn markdown_has_tables_and_figure_links() {
        let md = markdown(&blocks());
        assert!(
            md.starts_with("# Title\n\nsee `x<y` **now**\n\n- one\n"),
            "{md}"
        );
        assert!(
            md.contains("| name | ns |\n| --- | ---: |\n| a\\|b | 1.5 |\n"),
            "{md}"
        );
        assert!(md.contains("![F](figures/f.svg)"), "{md}");
    }

    #[test]
    fn html_inlines_figures_and_escapes_text() {
        let svgs = HashMap::from([(
            "f".to_string(),
            "<?xml version=\"1.0\"?><svg a=\"1\"></svg>".to_string(),
        )]);
        let page = html("T", &blocks(), &svgs);
        assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
        assert!(
            page.contains("<code>x&lt;y</code> <strong>now</strong>"),
            "{page}"
        );
        assert!(
            page.contains("<svg a=\"1\"></svg>") && !page.contains("<?xml"),
            "{page}"
        );
        assert!(page.contains("<td class=\"n\">1.5</td>"), "{page}");
    }
}
