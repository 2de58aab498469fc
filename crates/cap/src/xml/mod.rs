//! A small, secure XML layer: decoding by declared encoding, a bounded parser that refuses
//! DTDs, an element tree that keeps what canonicalization needs, and C14N.
//!
//! Why our own tree instead of a DOM crate: CAP validation needs element paths, the XML-DSig
//! check needs namespace declarations and attribute order exactly as written, and both must
//! run on untrusted input with hard limits. quick-xml gives the tokens; this module adds the
//! rest in a few hundred lines.

pub mod c14n;
mod decode;
mod parse;
mod tree;

pub use decode::decode_to_utf8;
pub use parse::{parse_document, XmlError};
pub use tree::{Attribute, Document, Element, NamespaceDecl, Node, XML_NAMESPACE};

/// Limits applied while reading untrusted XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted document, in bytes (before decoding).
    pub max_bytes: usize,
    /// Deepest accepted element nesting (the root element is depth 1).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 5 * 1024 * 1024,
            max_depth: 32,
        }
    }
}
