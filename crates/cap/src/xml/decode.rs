//! Turning the bytes of a document into UTF-8 text according to its byte-order mark or
//! its XML declaration (`<?xml version="1.0" encoding="ISO-8859-1"?>`).

use encoding_rs::Encoding;
use std::borrow::Cow;

use super::XmlError;

/// Decodes `bytes` to UTF-8 text, honouring a BOM first and the declared encoding second;
/// without either the document must be UTF-8 (XML 1.0 §4.3.3). Bytes that are not valid in
/// the chosen encoding are an error, never silently replaced.
pub fn decode_to_utf8(bytes: &[u8]) -> Result<Cow<'_, str>, XmlError> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(encoding, &bytes[bom_len..]);
    }
    match declared_encoding(bytes)? {
        Some(label) => {
            let encoding = Encoding::for_label(label.as_bytes())
                .ok_or_else(|| XmlError::UnsupportedEncoding(label.clone()))?;
            // A UTF-16 label in a declaration readable as ASCII (no BOM) is contradictory;
            // the bytes themselves are 8-bit, so read them as UTF-8.
            if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
                return decode_with(encoding_rs::UTF_8, bytes);
            }
            decode_with(encoding, bytes)
        }
        None => decode_with(encoding_rs::UTF_8, bytes),
    }
}

fn decode_with<'a>(encoding: &'static Encoding, bytes: &'a [u8]) -> Result<Cow<'a, str>, XmlError> {
    if encoding == encoding_rs::UTF_8 {
        return std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|e| XmlError::InvalidBytes {
                encoding: "UTF-8".into(),
                offset: e.valid_up_to(),
            });
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or_else(|| XmlError::InvalidBytes {
            encoding: encoding.name().into(),
            offset: 0,
        })
}

/// Reads the `encoding` pseudo-attribute of an ASCII-compatible XML declaration.
fn declared_encoding(bytes: &[u8]) -> Result<Option<String>, XmlError> {
    if !bytes.starts_with(b"<?xml") {
        return Ok(None);
    }
    let window = &bytes[..bytes.len().min(512)];
    let end = window
        .windows(2)
        .position(|w| w == b"?>")
        .ok_or(XmlError::MalformedDeclaration)?;
    let decl = String::from_utf8_lossy(&window[..end]);
    let Some(at) = decl.find("encoding") else {
        return Ok(None);
    };
    let rest = decl[at + "encoding".len()..].trim_start();
    let rest = rest
        .strip_prefix('=')
        .ok_or(XmlError::MalformedDeclaration)?
        .trim_start();
    let quote = rest.chars().next().ok_or(XmlError::MalformedDeclaration)?;
    if quote != '"' && quote != '\'' {
        return Err(XmlError::MalformedDeclaration);
    }
    let value = &rest[1..];
    let close = value.find(quote).ok_or(XmlError::MalformedDeclaration)?;
    Ok(Some(value[..close].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_declared_document_is_decoded() {
        let mut bytes = b"<?xml version='1.0' encoding='ISO-8859-1'?><a>".to_vec();
        bytes.push(0xE9); // é in Latin-1
        bytes.extend_from_slice(b"</a>");
        let text = decode_to_utf8(&bytes).unwrap();
        assert!(text.contains("<a>\u{e9}</a>"));
    }

    #[test]
    fn undeclared_non_utf8_is_refused() {
        let bytes = b"<a>\xE9</a>";
        assert!(matches!(
            decode_to_utf8(bytes),
            Err(XmlError::InvalidBytes { offset: 3, .. })
        ));
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "<a>\u{5e94}</a>".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode_to_utf8(&bytes).unwrap(), "<a>\u{5e94}</a>");
    }

    #[test]
    fn unknown_encoding_is_named() {
        let bytes = b"<?xml version='1.0' encoding='klingon'?><a/>";
        assert!(
            matches!(decode_to_utf8(bytes), Err(XmlError::UnsupportedEncoding(l)) if l == "klingon")
        );
    }
}
