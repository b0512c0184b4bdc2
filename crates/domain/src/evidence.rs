//! Evidence files attached to progress reports: which kinds are accepted, judged by the
//! file's bytes alone (never by its name or the type the client declares), and how the
//! client's file name is kept and sent back.

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The longest file name kept, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 255;

/// What an accepted evidence file is: a photo (JPEG, PNG, WebP) or a PDF document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvidenceType {
    Jpeg,
    Png,
    Webp,
    Pdf,
}

impl EvidenceType {
    pub const ALL: &'static [EvidenceType] = &[Self::Jpeg, Self::Png, Self::Webp, Self::Pdf];

    /// The media type sent with the file.
    pub const fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Pdf => "application/pdf",
        }
    }

    /// The extension added to a file name that does not already end with one of
    /// [`EvidenceType::extensions`].
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Pdf => "pdf",
        }
    }

    /// Extensions (lower case) a file of this type may carry.
    pub const fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            Self::Png => &["png"],
            Self::Webp => &["webp"],
            Self::Pdf => &["pdf"],
        }
    }
}

/// The type of an evidence file, from its first bytes (magic numbers); `None` for
/// anything that is not a JPEG, PNG or WebP image or a PDF document.
pub fn sniff(bytes: &[u8]) -> Option<EvidenceType> {
    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(EvidenceType::Jpeg)
    } else if bytes.starts_with(PNG) {
        Some(EvidenceType::Png)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(EvidenceType::Webp)
    } else if bytes.starts_with(b"%PDF-") {
        Some(EvidenceType::Pdf)
    } else {
        None
    }
}

/// Lower-case hex sha256 of `bytes`: the key evidence is stored under.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// True for a 64-character lower-case hex string (a sha256 as [`sha256_hex`] writes it).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The name an evidence file is kept under: the base name of what the client sent (no
/// directories, no control characters, NFC-normalised, trimmed), at most
/// [`MAX_FILE_NAME_CHARS`] characters, ending with an extension that matches its real type
/// (one is appended otherwise, so `anh.exe` holding a JPEG becomes `anh.exe.jpg`).
pub fn sanitize_file_name(raw: &str, kind: EvidenceType) -> String {
    let base = raw
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .nfc()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .collect::<String>();
    let base = base.trim().trim_start_matches('.').trim();
    let ext = kind.extension();
    let has_ext = base.rsplit_once('.').is_some_and(|(stem, e)| {
        !stem.is_empty() && kind.extensions().contains(&e.to_lowercase().as_str())
    });
    let (stem, suffix) = if base.is_empty() {
        ("evidence", format!(".{ext}"))
    } else if has_ext {
        match base.rsplit_once('.') {
            Some((stem, e)) => (stem, format!(".{e}")),
            None => (base, String::new()),
        }
    } else {
        (base, format!(".{ext}"))
    };
    let room = MAX_FILE_NAME_CHARS.saturating_sub(suffix.chars().count());
    let stem: String = stem.chars().take(room).collect();
    let stem = stem.trim_end();
    let stem = if stem.is_empty() { "evidence" } else { stem };
    format!("{stem}{suffix}")
}

/// Bidirectional overrides and zero-width characters: they can disguise a name
/// (`gpj.exe` shown as `exe.jpg`) and have no place in one.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// An ASCII stand-in for a file name, for clients that ignore `filename*`: Vietnamese
/// letters lose their diacritics (`Báo cáo đợt 1` → `Bao cao dot 1`), anything else
/// outside printable ASCII, and `"` and `\`, become `_`.
pub fn ascii_file_name(name: &str) -> String {
    name.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            '"' | '\\' => '_',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '_',
        })
        .collect()
}

/// `Content-Disposition` for downloading `name`: an ASCII `filename` for old clients and
/// the exact name as `filename*` (RFC 5987 / RFC 6266, UTF-8, percent-encoded).
pub fn content_disposition(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        let attr_char = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            );
        if attr_char {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{encoded}",
        ascii_file_name(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_four_accepted_types_by_their_magic_numbers() {
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(EvidenceType::Jpeg)
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(EvidenceType::Png)
        );
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(EvidenceType::Webp));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(EvidenceType::Pdf));
    }

    #[test]
    fn refuses_everything_else_whatever_it_is_called() {
        for bytes in [
            &b"\x7fELF\x02\x01\x01\0"[..],
            b"MZ\x90\0",
            b"GIF89a",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"<html>",
            b"PK\x03\x04",
            b"RIFF\x24\0\0\0WAVEfmt ",
            b"RIFF\0\0\0\0WEB",
            b"%PDF",
            b"\xFF\xD8",
            b"\x89PNG\r\n\x1a",
            b"",
        ] {
            assert_eq!(sniff(bytes), None, "{bytes:?}");
        }
    }

    #[test]
    fn hashes_as_lower_case_hex() {
        let h = sha256_hex(b"abc");
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(is_sha256_hex(&h));
        assert!(!is_sha256_hex(&h.to_uppercase()));
        assert!(!is_sha256_hex("../../etc/passwd"));
        assert!(!is_sha256_hex(&h[..63]));
    }

    #[test]
    fn keeps_the_base_name_only() {
        let jpg = EvidenceType::Jpeg;
        assert_eq!(
            sanitize_file_name("../../etc/passwd.jpg", jpg),
            "passwd.jpg"
        );
        assert_eq!(
            sanitize_file_name("C:\\Users\\An\\Ảnh hội nghị.JPG", jpg),
            "Ảnh hội nghị.JPG"
        );
        assert_eq!(sanitize_file_name("a\u{0}b\r\nc.jpeg", jpg), "abc.jpeg");
        assert_eq!(sanitize_file_name("  .hidden.jpg  ", jpg), "hidden.jpg");
        assert_eq!(
            sanitize_file_name("x\u{202E}gpj.exe", jpg),
            "xgpj.exe.jpg",
            "bidi overrides are dropped, the real extension appended"
        );
    }

    #[test]
    fn gives_a_name_that_matches_the_real_type() {
        assert_eq!(
            sanitize_file_name("anh.exe", EvidenceType::Jpeg),
            "anh.exe.jpg"
        );
        assert_eq!(
            sanitize_file_name("bien-ban.PDF", EvidenceType::Pdf),
            "bien-ban.PDF"
        );
        assert_eq!(
            sanitize_file_name("scan.jpg", EvidenceType::Pdf),
            "scan.jpg.pdf"
        );
        for empty in ["", "   ", "/", "..", "dir/", "\u{1}\u{2}"] {
            assert_eq!(
                sanitize_file_name(empty, EvidenceType::Png),
                "evidence.png",
                "{empty:?}"
            );
        }
        assert_eq!(sanitize_file_name(".png", EvidenceType::Png), "png.png");
    }

    #[test]
    fn normalises_to_nfc_and_caps_the_length_keeping_the_extension() {
        // "Báo" with a combining acute accent (as iOS sends it) becomes precomposed.
        let nfd = "Ba\u{301}o ca\u{301}o.pdf";
        assert_eq!(sanitize_file_name(nfd, EvidenceType::Pdf), "Báo cáo.pdf");
        let long = format!("{}.jpg", "ả".repeat(400));
        let kept = sanitize_file_name(&long, EvidenceType::Jpeg);
        assert_eq!(kept.chars().count(), MAX_FILE_NAME_CHARS);
        assert!(kept.ends_with("ả.jpg"));
        let no_ext = "x".repeat(300);
        let kept = sanitize_file_name(&no_ext, EvidenceType::Webp);
        assert_eq!(kept.chars().count(), MAX_FILE_NAME_CHARS);
        assert!(kept.ends_with("x.webp"));
    }

    #[test]
    fn content_disposition_carries_vietnamese_names_both_ways() {
        assert_eq!(
            content_disposition("Báo cáo đợt 1.pdf"),
            "attachment; filename=\"Bao cao dot 1.pdf\"; filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20%C4%91%E1%BB%A3t%201.pdf"
        );
        assert_eq!(
            content_disposition("a\"b\\c;d.jpg"),
            "attachment; filename=\"a_b_c;d.jpg\"; filename*=UTF-8''a%22b%5Cc%3Bd.jpg"
        );
        assert_eq!(ascii_file_name("Ảnh 中.png"), "Anh _.png");
    }
}
