//! Verification of enveloped XML-DSig signatures on CAP alerts (as used by the WMO Alert
//! Hub): `Reference URI=""` with the enveloped-signature transform and C14N (1.0, 1.1 or
//! exclusive), SHA-2 digests, ECDSA (P-256, P-384) or RSA PKCS#1 v1.5 signatures (SHA-1 accepted for legacy rsa-sha1), and the
//! key taken from the embedded X.509 certificate.
//!
//! Deliberately not checked: certificate validity dates (archived alerts stay verifiable
//! after their short-lived certificates expire) and the chain of trust (which issuers to
//! trust is a deployment decision, not a property of the message).

mod keys;

use base64::Engine;
use sha2::{Digest, Sha256, Sha384, Sha512};

use keys::{signing_key, verify_signature_value};

use crate::schema::DSIG_NAMESPACE;
use crate::xml::c14n::{canonicalize_document, canonicalize_subtree, Method};
use crate::xml::{Document, Element};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature is malformed: {0}")]
    Malformed(String),
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    #[error("only same-document references to the whole alert (URI=\"\") with the enveloped-signature transform are supported, found {0}")]
    UnsupportedReference(String),
    #[error("X509Certificate is invalid: {0}")]
    BadCertificate(String),
    #[error("DigestValue is invalid: {0}")]
    BadDigestValue(String),
    #[error("digest mismatch: the signed content was changed after signing (computed {computed}, signed {signed})")]
    DigestMismatch { computed: String, signed: String },
    #[error("SignatureValue is invalid: {0}")]
    BadSignatureValue(String),
    #[error("SignatureValue does not verify against SignedInfo with the certificate's key")]
    SignatureMismatch,
}

impl SignatureError {
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Malformed(_) => "signature_malformed",
            SignatureError::UnsupportedAlgorithm(_) => "signature_unsupported_algorithm",
            SignatureError::UnsupportedReference(_) => "signature_unsupported_reference",
            SignatureError::BadCertificate(_) => "signature_bad_certificate",
            SignatureError::BadDigestValue(_) => "signature_bad_digest_value",
            SignatureError::DigestMismatch { .. } => "signature_digest_mismatch",
            SignatureError::BadSignatureValue(_) => "signature_bad_value",
            SignatureError::SignatureMismatch => "signature_mismatch",
        }
    }
}

fn ds<'a>(parent: &'a Element, local: &str) -> Result<&'a Element, SignatureError> {
    parent
        .child(DSIG_NAMESPACE, local)
        .ok_or_else(|| SignatureError::Malformed(format!("<{}> has no <{local}>", parent.local)))
}

fn algorithm(element: &Element) -> Result<&str, SignatureError> {
    element
        .attribute("Algorithm")
        .ok_or_else(|| SignatureError::Malformed(format!("<{}> has no Algorithm", element.local)))
}

/// Strict base64 (whitespace allowed between characters, as in xs:base64Binary): a value
/// whose padding bits are not zero has been altered and is refused.
fn strict_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(compact)
}

fn method_of(element: &Element) -> Result<Method, SignatureError> {
    let uri = algorithm(element)?;
    let mut method = Method::from_uri(uri)
        .ok_or_else(|| SignatureError::UnsupportedAlgorithm(uri.to_string()))?;
    if let Method::Exclusive10 { inclusive_prefixes } = &mut method {
        let list = element
            .child_elements()
            .find(|e| e.local == "InclusiveNamespaces")
            .and_then(|e| e.attribute("PrefixList"));
        if let Some(list) = list {
            *inclusive_prefixes = list.split_ascii_whitespace().map(str::to_string).collect();
        }
    }
    Ok(method)
}

#[derive(Clone, Copy)]
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Hash::Sha256 => Sha256::digest(data).to_vec(),
            Hash::Sha384 => Sha384::digest(data).to_vec(),
            Hash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    fn from_digest_uri(uri: &str) -> Option<Hash> {
        match uri {
            "http://www.w3.org/2000/09/xmldsig#sha1" => Some(Hash::Sha1),
            "http://www.w3.org/2001/04/xmlenc#sha256" => Some(Hash::Sha256),
            "http://www.w3.org/2001/04/xmldsig-more#sha384" => Some(Hash::Sha384),
            "http://www.w3.org/2001/04/xmlenc#sha512" => Some(Hash::Sha512),
            _ => None,
        }
    }
}

#[derive(Clone, Copy)]
enum KeyKind {
    Ecdsa,
    Rsa,
}

fn signature_method(uri: &str) -> Option<(KeyKind, Hash)> {
    if uri == "http://www.w3.org/2000/09/xmldsig#rsa-sha1" {
        return Some((KeyKind::Rsa, Hash::Sha1));
    }
    const MORE: &str = "http://www.w3.org/2001/04/xmldsig-more#";
    let name = uri.strip_prefix(MORE)?;
    Some(match name {
        "ecdsa-sha256" => (KeyKind::Ecdsa, Hash::Sha256),
        "ecdsa-sha384" => (KeyKind::Ecdsa, Hash::Sha384),
        "ecdsa-sha512" => (KeyKind::Ecdsa, Hash::Sha512),
        "rsa-sha256" => (KeyKind::Rsa, Hash::Sha256),
        "rsa-sha384" => (KeyKind::Rsa, Hash::Sha384),
        "rsa-sha512" => (KeyKind::Rsa, Hash::Sha512),
        _ => return None,
    })
}

/// Verifies the enveloped `signature` of the element at the end of `chain` (the chain runs
/// from the document root down to the signed alert). Returns the certificate subject.
///
/// `siblings` are all signatures of the same alert. The enveloped-signature transform
/// removes only the signature itself; when that digest does not match and the alert carries
/// several signatures, the digest is also tried with all of them removed, because some
/// issuers (Canada's NAAD) add parallel signatures each computed over the unsigned alert.
pub fn verify_enveloped(
    doc: &Document,
    chain: &[&Element],
    signature: &Element,
    siblings: &[&Element],
) -> Result<String, Vec<SignatureError>> {
    let signed_info = ds(signature, "SignedInfo").map_err(|e| vec![e])?;
    let (c14n_method, key_kind, sig_hash) =
        signed_info_algorithms(signed_info).map_err(|e| vec![e])?;
    let references: Vec<&Element> = signed_info
        .child_elements()
        .filter(|e| e.is(DSIG_NAMESPACE, "Reference"))
        .collect();
    if references.is_empty() {
        return Err(vec![SignatureError::Malformed(
            "<SignedInfo> has no <Reference>".into(),
        )]);
    }
    // Every independent fault is reported, not only the first one found.
    let mut faults = Vec::new();
    for reference in references {
        let own = check_reference(doc, &[signature], reference);
        let outcome = match own {
            Err(SignatureError::DigestMismatch { .. }) if siblings.len() > 1 => {
                check_reference(doc, siblings, reference).or(own)
            }
            other => other,
        };
        if let Err(e) = outcome {
            faults.push(e);
        }
    }
    let key = signing_key(signature).map_err(|e| faults.push(e)).ok();
    let value = ds(signature, "SignatureValue")
        .and_then(|v| {
            strict_base64(&v.text()).map_err(|e| {
                SignatureError::BadSignatureValue(format!(
                    "not base64 ({e}): the value was altered"
                ))
            })
        })
        .map_err(|e| faults.push(e))
        .ok();
    if let (Some((key, signer)), Some(value)) = (key, value) {
        let mut ancestors: Vec<&Element> = chain.to_vec();
        ancestors.push(signature);
        let canonical_signed_info = canonicalize_subtree(signed_info, &ancestors, &c14n_method);
        let hashed = sig_hash.digest(canonical_signed_info.as_bytes());
        match verify_signature_value(&key, key_kind, sig_hash, &hashed, &value) {
            Ok(()) if faults.is_empty() => return Ok(signer),
            Ok(()) => {}
            Err(e) => faults.push(e),
        }
    }
    Err(faults)
}

fn signed_info_algorithms(
    signed_info: &Element,
) -> Result<(Method, KeyKind, Hash), SignatureError> {
    let c14n_method = method_of(ds(signed_info, "CanonicalizationMethod")?)?;
    let sig_uri = algorithm(ds(signed_info, "SignatureMethod")?)?;
    let (key_kind, sig_hash) = signature_method(sig_uri)
        .ok_or_else(|| SignatureError::UnsupportedAlgorithm(sig_uri.to_string()))?;
    Ok((c14n_method, key_kind, sig_hash))
}

fn check_reference(
    doc: &Document,
    removed: &[&Element],
    reference: &Element,
) -> Result<(), SignatureError> {
    let uri = reference.attribute("URI").unwrap_or("(none)");
    if !uri.is_empty() {
        return Err(SignatureError::UnsupportedReference(format!("URI={uri:?}")));
    }
    let mut enveloped = false;
    let mut method = Method::Inclusive10; // the default when no C14N transform is listed
    if let Some(transforms) = reference.child(DSIG_NAMESPACE, "Transforms") {
        for transform in transforms
            .child_elements()
            .filter(|e| e.is(DSIG_NAMESPACE, "Transform"))
        {
            let uri = algorithm(transform)?;
            if uri == "http://www.w3.org/2000/09/xmldsig#enveloped-signature" {
                enveloped = true;
            } else {
                method = method_of(transform)?;
            }
        }
    }
    if !enveloped {
        return Err(SignatureError::UnsupportedReference(
            "a whole-document reference without the enveloped-signature transform".into(),
        ));
    }
    let digest_uri = algorithm(ds(reference, "DigestMethod")?)?;
    let hash = Hash::from_digest_uri(digest_uri)
        .ok_or_else(|| SignatureError::UnsupportedAlgorithm(digest_uri.to_string()))?;
    let signed_text = ds(reference, "DigestValue")?.text();
    let signed = strict_base64(&signed_text).map_err(|e| {
        SignatureError::BadDigestValue(format!("not base64 ({e}): the value was altered"))
    })?;
    let canonical = canonicalize_document(doc, &method, removed);
    let computed = hash.digest(canonical.as_bytes());
    if computed != signed {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        return Err(SignatureError::DigestMismatch {
            computed: b64(&computed),
            signed: b64(&signed),
        });
    }
    Ok(())
}
