//! The element tree produced by [`super::parse_document`].

/// The namespace bound to the `xml` prefix by the XML Namespaces recommendation.
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// A parsed document: the root element and the processing instructions around it
/// (kept because canonical XML includes them; comments are dropped).
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub before_root: Vec<Node>,
    pub root: Element,
    pub after_root: Vec<Node>,
}

/// A namespace declaration as written on an element: `xmlns="uri"` (prefix `None`) or
/// `xmlns:p="uri"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceDecl {
    pub prefix: Option<String>,
    pub uri: String,
}

/// An attribute other than a namespace declaration, with its value normalized and
/// unescaped as the XML specification requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub prefix: Option<String>,
    pub local: String,
    /// Namespace of a prefixed attribute (unprefixed attributes have none).
    pub namespace: Option<String>,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    /// Character data, with references resolved and line ends normalized.
    Text(String),
    ProcessingInstruction {
        target: String,
        content: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub prefix: Option<String>,
    pub local: String,
    /// Namespace URI the element's prefix (or the default namespace) resolves to.
    pub namespace: Option<String>,
    pub namespace_decls: Vec<NamespaceDecl>,
    pub attributes: Vec<Attribute>,
    pub children: Vec<Node>,
}

impl Element {
    /// The qualified name as written (`cap:alert` or `alert`).
    pub fn qualified_name(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{p}:{}", self.local),
            None => self.local.clone(),
        }
    }

    pub fn is(&self, namespace: &str, local: &str) -> bool {
        self.local == local && self.namespace.as_deref() == Some(namespace)
    }

    /// Child elements in document order.
    pub fn child_elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// First child element with this namespace and local name.
    pub fn child(&self, namespace: &str, local: &str) -> Option<&Element> {
        self.child_elements().find(|e| e.is(namespace, local))
    }

    /// Character data of the direct text children, borrowed when there is a single text
    /// node (the usual case; polygons can be large).
    pub fn text_ref(&self) -> std::borrow::Cow<'_, str> {
        let mut texts = self.children.iter().filter_map(|n| match n {
            Node::Text(t) => Some(t.as_str()),
            _ => None,
        });
        match (texts.next(), texts.next()) {
            (None, _) => std::borrow::Cow::Borrowed(""),
            (Some(only), None) => std::borrow::Cow::Borrowed(only),
            _ => std::borrow::Cow::Owned(self.text()),
        }
    }

    /// Concatenated character data of the direct text children.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                out.push_str(t);
            }
        }
        out
    }

    /// Whether any text child holds something other than XML whitespace.
    pub fn has_non_whitespace_text(&self) -> bool {
        self.children.iter().any(|n| match n {
            Node::Text(t) => !t.chars().all(is_xml_whitespace),
            _ => false,
        })
    }

    pub fn attribute(&self, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.prefix.is_none() && a.local == local)
            .map(|a| a.value.as_str())
    }
}

pub fn is_xml_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}
