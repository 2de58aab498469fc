//! Verification keys: from an X.509 certificate, an `RSAKeyValue` or an XML-DSig 1.1
//! `ECKeyValue`, and checking a `SignatureValue` with them.

use der::Decode;
use sha2::{Sha256, Sha384, Sha512};
use x509_cert::Certificate;

use super::{ds, strict_base64, Hash, KeyKind, SignatureError};
use crate::schema::DSIG_NAMESPACE;
use crate::xml::Element;

/// The verifying key and a description of who holds it.
pub(super) enum PublicKey {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Rsa(rsa::RsaPublicKey),
}

/// The key from `<KeyInfo>`: an `X509Certificate` or, as older issuers do, an
/// `RSAKeyValue` (which proves integrity but names nobody).
pub(super) fn signing_key(signature: &Element) -> Result<(PublicKey, String), SignatureError> {
    let key_info = ds(signature, "KeyInfo")?;
    if let Some(data) = key_info.child(DSIG_NAMESPACE, "X509Data") {
        let text = ds(data, "X509Certificate")?.text();
        let der = strict_base64(&text).map_err(|e| {
            SignatureError::BadCertificate(format!(
                "not base64 ({e}): the certificate text was altered"
            ))
        })?;
        let certificate = Certificate::from_der(&der).map_err(|e| {
            SignatureError::BadCertificate(format!("not a DER X.509 certificate: {e}"))
        })?;
        let key = certificate_key(&certificate)?;
        return Ok((key, certificate.tbs_certificate.subject.to_string()));
    }
    if let Some(value) = key_info.child(DSIG_NAMESPACE, "KeyValue") {
        if let Some(ec_value) = value.child(DSIG11_NAMESPACE, "ECKeyValue") {
            return ec_key_value(ec_value);
        }
        let rsa_value = ds(value, "RSAKeyValue")?;
        let number = |name: &str| -> Result<rsa::BigUint, SignatureError> {
            let bytes = strict_base64(&ds(rsa_value, name)?.text()).map_err(|e| {
                SignatureError::BadCertificate(format!("RSAKeyValue {name} is not base64: {e}"))
            })?;
            Ok(rsa::BigUint::from_bytes_be(&bytes))
        };
        let key = rsa::RsaPublicKey::new(number("Modulus")?, number("Exponent")?)
            .map_err(|e| SignatureError::BadCertificate(format!("RSAKeyValue unusable: {e}")))?;
        return Ok((
            PublicKey::Rsa(key),
            "RSAKeyValue without certificate".into(),
        ));
    }
    Err(SignatureError::Malformed(
        "<KeyInfo> has neither <X509Data> nor <KeyValue>".into(),
    ))
}

/// Namespace of XML-DSig 1.1 additions (`ECKeyValue`).
const DSIG11_NAMESPACE: &str = "http://www.w3.org/2009/xmldsig11#";

/// An XML-DSig 1.1 `ECKeyValue`: a named curve and the SEC1-encoded public point.
fn ec_key_value(ec_value: &Element) -> Result<(PublicKey, String), SignatureError> {
    let child = |local: &str| {
        ec_value
            .child(DSIG11_NAMESPACE, local)
            .ok_or_else(|| SignatureError::Malformed(format!("<ECKeyValue> has no <{local}>")))
    };
    let curve = child("NamedCurve")?
        .attribute("URI")
        .unwrap_or_default()
        .to_string();
    let point = strict_base64(&child("PublicKey")?.text()).map_err(|e| {
        SignatureError::BadCertificate(format!("ECKeyValue PublicKey is not base64: {e}"))
    })?;
    let unreadable = |e: &dyn std::fmt::Display| {
        SignatureError::BadCertificate(format!("ECKeyValue unusable: {e}"))
    };
    let key = match curve.as_str() {
        "urn:oid:1.2.840.10045.3.1.7" => p256::ecdsa::VerifyingKey::from_sec1_bytes(&point)
            .map(PublicKey::P256)
            .map_err(|e| unreadable(&e))?,
        "urn:oid:1.3.132.0.34" => p384::ecdsa::VerifyingKey::from_sec1_bytes(&point)
            .map(PublicKey::P384)
            .map_err(|e| unreadable(&e))?,
        other => {
            return Err(SignatureError::UnsupportedAlgorithm(format!(
                "elliptic curve {other}"
            )))
        }
    };
    Ok((key, "ECKeyValue without certificate".into()))
}

const EC_PUBLIC_KEY: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("1.3.132.0.34");
const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

fn certificate_key(certificate: &Certificate) -> Result<PublicKey, SignatureError> {
    let spki = &certificate.tbs_certificate.subject_public_key_info;
    let key_bytes = spki.subject_public_key.raw_bytes();
    let unreadable = |e: &dyn std::fmt::Display| {
        SignatureError::BadCertificate(format!("public key unreadable: {e}"))
    };
    if spki.algorithm.oid == RSA_ENCRYPTION {
        use rsa::pkcs1::DecodeRsaPublicKey;
        return rsa::RsaPublicKey::from_pkcs1_der(key_bytes)
            .map(PublicKey::Rsa)
            .map_err(|e| unreadable(&e));
    }
    if spki.algorithm.oid != EC_PUBLIC_KEY {
        return Err(SignatureError::UnsupportedAlgorithm(format!(
            "certificate key type {}",
            spki.algorithm.oid
        )));
    }
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
        .ok_or_else(|| SignatureError::BadCertificate("EC key without a named curve".into()))?;
    if curve == P256 {
        p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes)
            .map(PublicKey::P256)
            .map_err(|e| unreadable(&e))
    } else if curve == P384 {
        p384::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes)
            .map(PublicKey::P384)
            .map_err(|e| unreadable(&e))
    } else {
        Err(SignatureError::UnsupportedAlgorithm(format!(
            "elliptic curve {curve}"
        )))
    }
}

pub(super) fn verify_signature_value(
    key: &PublicKey,
    kind: KeyKind,
    hash: Hash,
    hashed: &[u8],
    value: &[u8],
) -> Result<(), SignatureError> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    let bad_value = |e: &dyn std::fmt::Display| SignatureError::BadSignatureValue(e.to_string());
    let verified = match (key, kind) {
        (PublicKey::P256(key), KeyKind::Ecdsa) => {
            // XML-DSig ECDSA values are the raw r||s concatenation, not DER.
            let sig = p256::ecdsa::Signature::from_slice(value).map_err(|e| bad_value(&e))?;
            key.verify_prehash(hashed, &sig).is_ok()
        }
        (PublicKey::P384(key), KeyKind::Ecdsa) => {
            let sig = p384::ecdsa::Signature::from_slice(value).map_err(|e| bad_value(&e))?;
            key.verify_prehash(hashed, &sig).is_ok()
        }
        (PublicKey::Rsa(key), KeyKind::Rsa) => {
            let scheme = match hash {
                Hash::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                Hash::Sha256 => rsa::Pkcs1v15Sign::new::<Sha256>(),
                Hash::Sha384 => rsa::Pkcs1v15Sign::new::<Sha384>(),
                Hash::Sha512 => rsa::Pkcs1v15Sign::new::<Sha512>(),
            };
            key.verify(scheme, hashed, value).is_ok()
        }
        _ => {
            return Err(SignatureError::BadCertificate(
                "the key type does not match the SignatureMethod".into(),
            ))
        }
    };
    if verified {
        Ok(())
    } else {
        Err(SignatureError::SignatureMismatch)
    }
}
