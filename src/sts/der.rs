//! Just enough DER to read RSA public keys: the `SubjectPublicKeyInfo` of an X.509 certificate
//! (client-assertion certificates) and the modulus and exponent of a PKCS#1 key (JWKS).

/// One TLV: tag, contents, and what follows it.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first & 0x80 == 0 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;

/// The PKCS#1 `RSAPublicKey` inside a DER certificate.
pub fn certificate_rsa_public_key(cert: &[u8]) -> Option<Vec<u8>> {
    let (tag, certificate, _) = tlv(cert)?;
    (tag == SEQUENCE).then_some(())?;
    let (tag, tbs, _) = tlv(certificate)?;
    (tag == SEQUENCE).then_some(())?;
    let mut rest = tbs;
    // [0] version is optional; then serial, signature, issuer, validity, subject, spki.
    let (tag, _, after) = tlv(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    for _ in 0..5 {
        let (_, _, after) = tlv(rest)?;
        rest = after;
    }
    let (tag, spki, _) = tlv(rest)?;
    (tag == SEQUENCE).then_some(())?;
    let (_, _algorithm, after) = tlv(spki)?;
    let (tag, bits, _) = tlv(after)?;
    (tag == BIT_STRING && bits.first() == Some(&0)).then_some(())?;
    Some(bits[1..].to_vec())
}

/// `(n, e)` of a PKCS#1 `RSAPublicKey`, without leading zero bytes.
pub fn rsa_modulus_exponent(pkcs1: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (tag, key, _) = tlv(pkcs1)?;
    (tag == SEQUENCE).then_some(())?;
    let (tag, n, rest) = tlv(key)?;
    (tag == INTEGER).then_some(())?;
    let (tag, e, _) = tlv(rest)?;
    (tag == INTEGER).then_some(())?;
    let trim = |v: &[u8]| {
        v.iter()
            .skip_while(|b| **b == 0)
            .copied()
            .collect::<Vec<u8>>()
    };
    Some((trim(n), trim(e)))
}

/// The DER bytes of the first `-----BEGIN CERTIFICATE-----` block of a PEM text.
pub fn pem_certificate_der(pem: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let start = pem.find("-----BEGIN CERTIFICATE-----")? + "-----BEGIN CERTIFICATE-----".len();
    let end = pem[start..].find("-----END CERTIFICATE-----")? + start;
    let body: String = pem[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_rsa_key_of_a_generated_certificate() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("key");
        let params =
            rcgen::CertificateParams::new(vec!["client.example".to_owned()]).expect("params");
        let cert = params.self_signed(&key).expect("cert");
        let der = pem_certificate_der(&cert.pem()).expect("pem");
        let pkcs1 = certificate_rsa_public_key(&der).expect("spki");
        assert_eq!(pkcs1, key.public_key_raw());
        let (n, e) = rsa_modulus_exponent(&pkcs1).expect("n, e");
        assert_eq!(n.len(), 256);
        assert_eq!(e, vec![1, 0, 1]);
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        for input in [
            &b""[..],
            &[0x30],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x03, 0x02, 0x01],
        ] {
            assert!(certificate_rsa_public_key(input).is_none());
            assert!(rsa_modulus_exponent(input).is_none());
        }
    }
}
