//! Bounded, DTD-free parsing of untrusted XML into a [`Document`].
//!
//! Security posture: any `<!DOCTYPE` is refused outright, so no entity can be declared and
//! neither "billion laughs" expansion nor external entity resolution can happen; the only
//! references accepted are the five predefined entities and character references. Size is
//! checked before decoding and nesting depth while parsing.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::decode::decode_to_utf8;
use super::tree::{Attribute, Document, Element, NamespaceDecl, Node, XML_NAMESPACE};
use super::Limits;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("document is {size} bytes, larger than the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("elements nested deeper than the limit of {limit} levels")]
    TooDeep { limit: usize },
    #[error("document type declarations (<!DOCTYPE>) are refused: they can declare entities (billion laughs, external entities)")]
    DoctypeForbidden,
    #[error("reference to undeclared entity &{0};")]
    UndeclaredEntity(String),
    #[error("declared encoding {0:?} is not supported")]
    UnsupportedEncoding(String),
    #[error("bytes are not valid {encoding} (from byte {offset})")]
    InvalidBytes { encoding: String, offset: usize },
    #[error("malformed XML declaration")]
    MalformedDeclaration,
    #[error("namespace prefix {0:?} is not declared")]
    UnboundPrefix(String),
    #[error("document has no root element")]
    NoRoot,
    #[error("content after the root element at byte {0}")]
    ContentAfterRoot(u64),
    #[error("text outside the root element at byte {0}")]
    TextOutsideRoot(u64),
    #[error("not well-formed XML at byte {position}: {message}")]
    Syntax { position: u64, message: String },
}

/// Parses `bytes` (any declared encoding) within `limits`.
pub fn parse_document(bytes: &[u8], limits: &Limits) -> Result<Document, XmlError> {
    if bytes.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let text = decode_to_utf8(bytes)?;
    TreeBuilder::new(&text, limits).run()
}

struct TreeBuilder<'a> {
    reader: Reader<&'a [u8]>,
    limits: &'a Limits,
    /// Open elements, innermost last.
    open: Vec<Element>,
    /// In-scope namespace bindings, innermost last; `scope_marks[i]` is the length of
    /// `bindings` before `open[i]` added its declarations.
    bindings: Vec<NamespaceDecl>,
    scope_marks: Vec<usize>,
    before_root: Vec<Node>,
    after_root: Vec<Node>,
    root: Option<Element>,
}

impl<'a> TreeBuilder<'a> {
    fn new(text: &'a str, limits: &'a Limits) -> Self {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        TreeBuilder {
            reader,
            limits,
            open: Vec::new(),
            bindings: Vec::new(),
            scope_marks: Vec::new(),
            before_root: Vec::new(),
            after_root: Vec::new(),
            root: None,
        }
    }

    fn syntax(&self, err: impl std::fmt::Display) -> XmlError {
        XmlError::Syntax {
            position: self.reader.error_position(),
            message: err.to_string(),
        }
    }

    fn run(mut self) -> Result<Document, XmlError> {
        loop {
            let event = match self.reader.read_event() {
                Ok(e) => e,
                Err(e) => return Err(self.syntax(e)),
            };
            match event {
                Event::Start(start) => {
                    let element = self.open_element(&start)?;
                    self.open.push(element);
                }
                Event::Empty(start) => {
                    let element = self.open_element(&start)?;
                    self.close_element(element);
                }
                Event::End(_) => {
                    // quick-xml has checked that the names match.
                    let element = self
                        .open
                        .pop()
                        .ok_or_else(|| self.syntax("unmatched end tag"))?;
                    self.close_element(element);
                }
                Event::Text(t) => {
                    let content = t.xml10_content();
                    self.push_text(&content)?;
                }
                Event::CData(c) => {
                    let content = c.xml10_content();
                    if self.open.is_empty() {
                        return Err(XmlError::TextOutsideRoot(self.reader.buffer_position()));
                    }
                    self.push_text(&content)?;
                }
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        Ok(None) => match &*r.xml10_content() {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "apos" => '\'',
                            "quot" => '"',
                            other => return Err(XmlError::UndeclaredEntity(other.to_string())),
                        },
                        Err(e) => return Err(self.syntax(e)),
                    };
                    let mut buf = [0u8; 4];
                    self.push_text(resolved.encode_utf8(&mut buf))?;
                }
                Event::PI(pi) => {
                    let node = Node::ProcessingInstruction {
                        target: pi.target().to_string(),
                        content: pi.content().trim_start().to_string(),
                    };
                    self.push_node(node);
                }
                Event::Comment(_) | Event::Decl(_) => {}
                Event::DocType(_) => return Err(XmlError::DoctypeForbidden),
                Event::Eof => break,
            }
        }
        if let Some(open) = self.open.last() {
            return Err(self.syntax(format!("element <{}> is not closed", open.qualified_name())));
        }
        let root = self.root.ok_or(XmlError::NoRoot)?;
        Ok(Document {
            before_root: self.before_root,
            root,
            after_root: self.after_root,
        })
    }

    fn push_node(&mut self, node: Node) {
        match self.open.last_mut() {
            Some(parent) => parent.children.push(node),
            None if self.root.is_none() => self.before_root.push(node),
            None => self.after_root.push(node),
        }
    }

    fn push_text(&mut self, text: &str) -> Result<(), XmlError> {
        let Some(parent) = self.open.last_mut() else {
            if text.chars().all(super::tree::is_xml_whitespace) {
                return Ok(());
            }
            return Err(XmlError::TextOutsideRoot(self.reader.buffer_position()));
        };
        // Adjacent text and references form one text node, as in the XPath data model.
        if let Some(Node::Text(last)) = parent.children.last_mut() {
            last.push_str(text);
        } else {
            parent.children.push(Node::Text(text.to_string()));
        }
        Ok(())
    }

    fn close_element(&mut self, element: Element) {
        if let Some(mark) = self.scope_marks.pop() {
            self.bindings.truncate(mark);
        }
        if self.open.is_empty() {
            self.root = Some(element);
        } else {
            self.push_node(Node::Element(element));
        }
    }

    fn open_element(&mut self, start: &BytesStart<'_>) -> Result<Element, XmlError> {
        if self.root.is_some() && self.open.is_empty() {
            return Err(XmlError::ContentAfterRoot(self.reader.buffer_position()));
        }
        if self.open.len() >= self.limits.max_depth {
            return Err(XmlError::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        self.scope_marks.push(self.bindings.len());
        let mut namespace_decls = Vec::new();
        let mut raw_attributes = Vec::new();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| self.syntax(e))?;
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| match e {
                    quick_xml::Error::Escape(
                        quick_xml::escape::EscapeError::UnrecognizedEntity(_, name),
                    ) => XmlError::UndeclaredEntity(name),
                    other => self.syntax(other),
                })?
                .into_owned();
            let key = attr.key.0;
            if key == "xmlns" {
                namespace_decls.push(NamespaceDecl {
                    prefix: None,
                    uri: value,
                });
            } else if let Some(prefix) = key.strip_prefix("xmlns:") {
                namespace_decls.push(NamespaceDecl {
                    prefix: Some(prefix.to_string()),
                    uri: value,
                });
            } else {
                let (prefix, local) = split_qname(key);
                raw_attributes.push((prefix.map(str::to_string), local.to_string(), value));
            }
        }
        self.bindings.extend(namespace_decls.iter().cloned());

        let (prefix, local) = split_qname(start.name().0);
        let namespace = self.resolve(prefix)?;
        let mut attributes = Vec::with_capacity(raw_attributes.len());
        for (prefix, local, value) in raw_attributes {
            let namespace = match &prefix {
                Some(p) => self.resolve(Some(p))?,
                None => None,
            };
            attributes.push(Attribute {
                prefix,
                local,
                namespace,
                value,
            });
        }
        Ok(Element {
            prefix: prefix.map(str::to_string),
            local: local.to_string(),
            namespace,
            namespace_decls,
            attributes,
            children: Vec::new(),
        })
    }

    fn resolve(&self, prefix: Option<&str>) -> Result<Option<String>, XmlError> {
        if prefix == Some("xml") {
            return Ok(Some(XML_NAMESPACE.to_string()));
        }
        let found = self
            .bindings
            .iter()
            .rev()
            .find(|b| b.prefix.as_deref() == prefix)
            .map(|b| b.uri.clone());
        match (prefix, found) {
            // xmlns="" undeclares the default namespace.
            (None, Some(uri)) if uri.is_empty() => Ok(None),
            (None, found) => Ok(found),
            (Some(_), Some(uri)) => Ok(Some(uri)),
            (Some(p), None) => Err(XmlError::UnboundPrefix(p.to_string())),
        }
    }
}

fn split_qname(name: &str) -> (Option<&str>, &str) {
    match name.split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Document, XmlError> {
        parse_document(s.as_bytes(), &Limits::default())
    }

    #[test]
    fn billion_laughs_is_refused_at_the_doctype() {
        let doc = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>
<lolz>&lol2;</lolz>"#;
        assert_eq!(parse(doc), Err(XmlError::DoctypeForbidden));
    }

    #[test]
    fn external_entity_is_refused() {
        let doc = r#"<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><a>&xxe;</a>"#;
        assert_eq!(parse(doc), Err(XmlError::DoctypeForbidden));
    }

    #[test]
    fn undeclared_entity_without_doctype_is_refused() {
        assert_eq!(
            parse("<a>&xxe;</a>"),
            Err(XmlError::UndeclaredEntity("xxe".into()))
        );
        assert_eq!(
            parse("<a b='&xxe;'/>"),
            Err(XmlError::UndeclaredEntity("xxe".into()))
        );
    }

    #[test]
    fn references_are_resolved_into_one_text_node() {
        let doc = parse("<a>x &lt;&#x5E94;&#24613; y</a>").unwrap();
        assert_eq!(doc.root.children, vec![Node::Text("x <应急 y".into())]);
    }

    #[test]
    fn oversized_documents_are_refused_before_parsing() {
        let limits = Limits {
            max_bytes: 10,
            max_depth: 5,
        };
        assert_eq!(
            parse_document(b"<a>0123456789</a>", &limits),
            Err(XmlError::TooLarge {
                size: 17,
                limit: 10
            })
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let limits = Limits {
            max_bytes: 1000,
            max_depth: 3,
        };
        assert!(parse_document(b"<a><b><c/></b></a>", &limits).is_ok());
        assert_eq!(
            parse_document(b"<a><b><c><d/></c></b></a>", &limits),
            Err(XmlError::TooDeep { limit: 3 })
        );
    }

    #[test]
    fn namespaces_are_resolved_per_scope() {
        let doc = parse(r#"<p:a xmlns:p="urn:p" xmlns="urn:d"><b/><c xmlns=""/></p:a>"#).unwrap();
        assert_eq!(doc.root.namespace.as_deref(), Some("urn:p"));
        let kids: Vec<_> = doc
            .root
            .child_elements()
            .map(|e| e.namespace.clone())
            .collect();
        assert_eq!(kids, vec![Some("urn:d".to_string()), None]);
        assert_eq!(parse("<q:a/>"), Err(XmlError::UnboundPrefix("q".into())));
    }

    #[test]
    fn malformed_documents_name_the_position() {
        assert!(matches!(parse("<a><b></a>"), Err(XmlError::Syntax { .. })));
        assert!(matches!(parse("<a>"), Err(XmlError::Syntax { .. })));
        assert_eq!(parse(""), Err(XmlError::NoRoot));
        assert!(matches!(
            parse("<a/><b/>"),
            Err(XmlError::ContentAfterRoot(_))
        ));
        assert!(matches!(
            parse("junk<a/>"),
            Err(XmlError::TextOutsideRoot(_))
        ));
    }
}
