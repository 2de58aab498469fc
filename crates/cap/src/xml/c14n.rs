//! Canonical XML without comments: C14N 1.0, C14N 1.1 and Exclusive C14N 1.0, for a whole
//! document (optionally minus one element, as the enveloped-signature transform requires)
//! or for one element subtree (a `SignedInfo`).
//!
//! Written here because no maintained pure-Rust crate canonicalizes XML from a streaming
//! parser's output; the rules needed for XML-DSig of CAP messages are short: namespace and
//! attribute ordering, which namespace declarations to emit, and escaping.
//! Not implemented (absent from CAP signatures): xml:base fix-up of C14N 1.1.

use std::collections::BTreeMap;

use super::tree::{Attribute, Document, Element, NamespaceDecl, Node, XML_NAMESPACE};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// `http://www.w3.org/TR/2001/REC-xml-c14n-20010315`
    Inclusive10,
    /// `http://www.w3.org/2006/12/xml-c14n11`
    Inclusive11,
    /// `http://www.w3.org/2001/10/xml-exc-c14n#`, with its InclusiveNamespaces PrefixList.
    Exclusive10 { inclusive_prefixes: Vec<String> },
}

impl Method {
    /// The method named by an XML-DSig `Algorithm` URI (comments variants are not supported:
    /// with `URI=""` references comments are removed anyway).
    pub fn from_uri(uri: &str) -> Option<Method> {
        match uri {
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315" => Some(Method::Inclusive10),
            "http://www.w3.org/2006/12/xml-c14n11" => Some(Method::Inclusive11),
            "http://www.w3.org/2001/10/xml-exc-c14n#" => Some(Method::Exclusive10 {
                inclusive_prefixes: Vec::new(),
            }),
            _ => None,
        }
    }
}

/// Canonical form of a whole document, leaving out the `exclude`d elements (compared by
/// identity) and their descendants.
pub fn canonicalize_document(doc: &Document, method: &Method, exclude: &[&Element]) -> String {
    let mut out = String::with_capacity(4096);
    for node in &doc.before_root {
        if let Node::ProcessingInstruction { target, content } = node {
            write_pi(&mut out, target, content);
            out.push('\n');
        }
    }
    let mut writer = Writer {
        out,
        method,
        exclude,
    };
    writer.element(&doc.root, &Scope::default(), &[]);
    let mut out = writer.out;
    for node in &doc.after_root {
        if let Node::ProcessingInstruction { target, content } = node {
            out.push('\n');
            write_pi(&mut out, target, content);
        }
    }
    out
}

/// Canonical form of `element` as a document subset: `ancestors` are its ancestor elements
/// from the root down (they supply in-scope namespaces and inherited `xml:` attributes).
pub fn canonicalize_subtree(element: &Element, ancestors: &[&Element], method: &Method) -> String {
    let mut inherited_scope = Scope::default();
    let mut inherited_xml: BTreeMap<String, Attribute> = BTreeMap::new();
    for ancestor in ancestors {
        inherited_scope = inherited_scope.with(&ancestor.namespace_decls);
        for attr in &ancestor.attributes {
            if attr.namespace.as_deref() == Some(XML_NAMESPACE) {
                inherited_xml.insert(attr.local.clone(), attr.clone());
            }
        }
    }
    // Inclusive C14N copies inherited xml:* attributes onto the apex; 1.1 excludes xml:id
    // (and would fix up xml:base). Exclusive C14N inherits none.
    let inherited: Vec<Attribute> = match method {
        Method::Exclusive10 { .. } => Vec::new(),
        Method::Inclusive10 => inherited_xml.into_values().collect(),
        Method::Inclusive11 => inherited_xml
            .into_values()
            .filter(|a| a.local != "id" && a.local != "base")
            .collect(),
    };
    let mut writer = Writer {
        out: String::with_capacity(1024),
        method,
        exclude: &[],
    };
    // The apex has no output ancestor: nothing has been rendered yet.
    writer.element_with_scope(element, inherited_scope, &Scope::default(), &inherited);
    writer.out
}

/// Namespace bindings: prefix ("" for the default namespace) to URI.
#[derive(Debug, Clone, Default)]
struct Scope(BTreeMap<String, String>);

impl Scope {
    fn with(&self, decls: &[NamespaceDecl]) -> Scope {
        if decls.is_empty() {
            return self.clone();
        }
        let mut map = self.0.clone();
        for d in decls {
            map.insert(d.prefix.clone().unwrap_or_default(), d.uri.clone());
        }
        Scope(map)
    }

    fn get(&self, prefix: &str) -> Option<&str> {
        self.0.get(prefix).map(String::as_str)
    }
}

struct Writer<'a> {
    out: String,
    method: &'a Method,
    exclude: &'a [&'a Element],
}

impl Writer<'_> {
    /// `parent_scope`: namespaces in scope at the parent (in the input document);
    /// `rendered`: namespaces as rendered by the nearest output ancestor.
    fn element(&mut self, element: &Element, parent_scope: &Scope, rendered: &[(String, String)]) {
        let rendered_scope = Scope(rendered.iter().cloned().collect());
        self.element_with_scope(element, parent_scope.clone(), &rendered_scope, &[]);
    }

    /// `parent_scope`: namespaces in scope at the parent in the input document.
    fn element_with_scope(
        &mut self,
        element: &Element,
        parent_scope: Scope,
        rendered: &Scope,
        extra_attrs: &[Attribute],
    ) {
        if self
            .exclude
            .iter()
            .any(|excluded| std::ptr::eq(*excluded, element))
        {
            return;
        }
        let in_scope = parent_scope.with(&element.namespace_decls);
        let to_render = self.namespaces_to_render(element, &in_scope, rendered);
        let qname = element.qualified_name();
        self.out.push('<');
        self.out.push_str(&qname);
        let mut now_rendered = rendered.0.clone();
        for (prefix, uri) in &to_render {
            if prefix.is_empty() {
                self.out.push_str(" xmlns=\"");
            } else {
                self.out.push_str(" xmlns:");
                self.out.push_str(prefix);
                self.out.push_str("=\"");
            }
            escape_attr(&mut self.out, uri);
            self.out.push('"');
            now_rendered.insert(prefix.clone(), uri.clone());
        }
        let mut attrs: Vec<&Attribute> = element.attributes.iter().collect();
        for extra in extra_attrs {
            if !attrs
                .iter()
                .any(|a| a.namespace == extra.namespace && a.local == extra.local)
            {
                attrs.push(extra);
            }
        }
        attrs.sort_by(|a, b| {
            (a.namespace.as_deref().unwrap_or(""), a.local.as_str())
                .cmp(&(b.namespace.as_deref().unwrap_or(""), b.local.as_str()))
        });
        for attr in attrs {
            self.out.push(' ');
            if let Some(p) = &attr.prefix {
                self.out.push_str(p);
                self.out.push(':');
            }
            self.out.push_str(&attr.local);
            self.out.push_str("=\"");
            escape_attr(&mut self.out, &attr.value);
            self.out.push('"');
        }
        self.out.push('>');
        let rendered_now: Vec<(String, String)> = now_rendered.into_iter().collect();
        for child in &element.children {
            match child {
                Node::Element(e) => self.element(e, &in_scope, &rendered_now),
                Node::Text(t) => escape_text(&mut self.out, t),
                Node::ProcessingInstruction { target, content } => {
                    write_pi(&mut self.out, target, content)
                }
            }
        }
        self.out.push_str("</");
        self.out.push_str(&qname);
        self.out.push('>');
    }

    fn namespaces_to_render(
        &self,
        element: &Element,
        in_scope: &Scope,
        rendered: &Scope,
    ) -> Vec<(String, String)> {
        let mut result = Vec::new();
        let consider = |prefix: &str, result: &mut Vec<(String, String)>| {
            let uri = in_scope.get(prefix).unwrap_or("");
            let previously = rendered.get(prefix).unwrap_or("");
            if prefix.is_empty() {
                // xmlns="" is emitted only to undo a rendered non-empty default namespace.
                if uri != previously {
                    result.push((String::new(), uri.to_string()));
                }
            } else if !uri.is_empty() && rendered.get(prefix) != Some(uri) {
                result.push((prefix.to_string(), uri.to_string()));
            }
        };
        match self.method {
            Method::Inclusive10 | Method::Inclusive11 => {
                let prefixes: Vec<&String> = in_scope.0.keys().collect();
                for prefix in prefixes {
                    if prefix == "xml" {
                        continue;
                    }
                    consider(prefix, &mut result);
                }
                if in_scope.get("").is_none() {
                    consider("", &mut result);
                }
            }
            Method::Exclusive10 { inclusive_prefixes } => {
                let mut used: Vec<String> = vec![element.prefix.clone().unwrap_or_default()];
                for attr in &element.attributes {
                    if let Some(p) = &attr.prefix {
                        used.push(p.clone());
                    }
                }
                for p in inclusive_prefixes {
                    let p = if p == "#default" {
                        String::new()
                    } else {
                        p.clone()
                    };
                    if p.is_empty() || in_scope.get(&p).is_some() {
                        used.push(p);
                    }
                }
                used.retain(|p| p != "xml");
                used.sort();
                used.dedup();
                for prefix in &used {
                    consider(prefix, &mut result);
                }
            }
        }
        result.sort();
        result.dedup();
        result
    }
}

fn write_pi(out: &mut String, target: &str, content: &str) {
    out.push_str("<?");
    out.push_str(target);
    if !content.is_empty() {
        out.push(' ');
        out.push_str(content);
    }
    out.push_str("?>");
}

fn escape_text(out: &mut String, text: &str) {
    // Fast path for the common case (long polygon texts): nothing to escape.
    let bytes = text.as_bytes();
    if memchr::memchr3(b'&', b'<', b'>', bytes).is_none() && memchr::memchr(b'\r', bytes).is_none()
    {
        out.push_str(text);
        return;
    }
    escape_with(out, text, |c| match c {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'\r' => Some("&#xD;"),
        _ => None,
    });
}

fn escape_attr(out: &mut String, value: &str) {
    escape_with(out, value, |c| match c {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'"' => Some("&quot;"),
        b'\t' => Some("&#x9;"),
        b'\n' => Some("&#xA;"),
        b'\r' => Some("&#xD;"),
        _ => None,
    });
}

/// Copies `text` to `out`, replacing the ASCII bytes `replacement` names; unchanged runs are
/// copied as whole slices (documents are mostly plain text, polygons can be megabytes).
fn escape_with(out: &mut String, text: &str, replacement: impl Fn(u8) -> Option<&'static str>) {
    let bytes = text.as_bytes();
    let mut copied = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(rep) = replacement(b) {
            // `b` is ASCII, so `i` is a char boundary.
            out.push_str(&text[copied..i]);
            out.push_str(rep);
            copied = i + 1;
        }
    }
    out.push_str(&text[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{parse_document, Limits};

    fn doc(s: &str) -> Document {
        parse_document(s.as_bytes(), &Limits::default()).unwrap()
    }

    #[test]
    fn document_form_sorts_attributes_expands_empty_tags_and_drops_the_declaration() {
        let d = doc("<?xml version='1.0'?>\n<?pi  x?><!-- c --><a b='2' a=\"1&amp;&#9;\" xmlns='urn:x'><e/> t&gt; </a>");
        assert_eq!(
            canonicalize_document(&d, &Method::Inclusive11, &[]),
            "<?pi x?>\n<a xmlns=\"urn:x\" a=\"1&amp;&#x9;\" b=\"2\"><e></e> t&gt; </a>"
        );
    }

    #[test]
    fn excluded_element_is_left_out() {
        let d = doc("<a><keep/><sig><x/></sig></a>");
        let sig = d.root.child_elements().nth(1).unwrap();
        assert_eq!(
            canonicalize_document(&d, &Method::Inclusive10, &[sig]),
            "<a><keep></keep></a>"
        );
    }

    #[test]
    fn inclusive_subtree_carries_every_inherited_namespace_and_exclusive_only_used_ones() {
        let d = doc(
            r#"<a xmlns="urn:cap" xmlns:u="urn:unused"><ds:S xmlns:ds="urn:ds"><ds:I/></ds:S></a>"#,
        );
        let s = d.root.child_elements().next().unwrap();
        let info = s.child_elements().next().unwrap();
        assert_eq!(
            canonicalize_subtree(info, &[&d.root, s], &Method::Inclusive10),
            r#"<ds:I xmlns="urn:cap" xmlns:ds="urn:ds" xmlns:u="urn:unused"></ds:I>"#
        );
        let exclusive = Method::Exclusive10 {
            inclusive_prefixes: vec![],
        };
        assert_eq!(
            canonicalize_subtree(info, &[&d.root, s], &exclusive),
            r#"<ds:I xmlns:ds="urn:ds"></ds:I>"#
        );
    }

    #[test]
    fn redundant_declarations_are_not_repeated() {
        let d = doc(r#"<a xmlns="urn:x"><b xmlns="urn:x"/><c xmlns=""/></a>"#);
        assert_eq!(
            canonicalize_document(&d, &Method::Inclusive10, &[]),
            r#"<a xmlns="urn:x"><b></b><c xmlns=""></c></a>"#
        );
    }
}
