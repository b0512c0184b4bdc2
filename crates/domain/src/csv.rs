//! CSV as Excel opens it: UTF-8 with a byte-order mark (so Vietnamese shows right),
//! comma-separated, CRLF line ends, quoted where needed; and no cell that a spreadsheet
//! would run as a formula (OWASP "CSV injection": a leading `=`, `+`, `-`, `@`, tab or CR
//! gets a `'` in front).

/// The UTF-8 byte-order mark that starts every export.
pub const BOM: &str = "\u{feff}";

/// One cell's text, quoted when it holds a separator, a quote or a line break, and
/// defused when a spreadsheet would read it as a formula.
pub fn cell(raw: &str) -> String {
    let defused = match raw.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{raw}"),
        _ => raw.to_owned(),
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// A number cell: written as it is (a leading minus is a number, not a formula).
pub fn number(n: impl std::fmt::Display) -> String {
    n.to_string()
}

/// One line: the cells joined by commas, ended with CRLF.
pub fn line(cells: &[String]) -> String {
    let mut s = cells.join(",");
    s.push_str("\r\n");
    s
}

/// The header line: plain labels, each escaped.
pub fn header(labels: &[&str]) -> String {
    line(&labels.iter().map(|l| cell(l)).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_only_when_needed() {
        assert_eq!(cell("Hạ Long"), "Hạ Long");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn formulas_are_defused_but_numbers_are_not() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+84 912"), "'+84 912");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(number(-3), "-3");
        assert_eq!(line(&[cell("a"), number(1)]), "a,1\r\n");
        assert_eq!(header(&["Tên", "Số"]), "Tên,Số\r\n");
    }
}
