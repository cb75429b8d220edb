import Crypto
import _CryptoExtras
import Foundation

/// AES Key Wrap with Padding (RFC 5649), the second half of the OpenBao / Vault transit BYOK wire format
/// (`transit/keys/:name/import`: RSA-OAEP-SHA256 of an ephemeral AES-256 key, then AES-KWP of the key material
/// under that ephemeral key). Built on the raw AES block function (swift-crypto `AES.permute`).
public enum AESKeyWrapPadded {
    /// Why wrapping failed.
    public enum Failure: Error, Equatable {
        /// The plaintext is empty or longer than 2³² − 1 bytes (RFC 5649 §3: the message length indicator is 32 bits).
        case badLength
    }

    /// Wraps `plaintext` under `kek` (RFC 5649 §4.1).
    /// - Parameters:
    ///   - plaintext: the key material, 1 to 2³² − 1 bytes.
    ///   - kek: the key-encryption key (AES-128, -192 or -256).
    /// - Returns: the wrapped key, 8 bytes longer than the plaintext padded to a multiple of 8 bytes.
    /// - Throws: ``Failure/badLength``, or swift-crypto's error for a key of the wrong size.
    public static func wrap(_ plaintext: Data, kek: SymmetricKey) throws -> Data {
        guard !plaintext.isEmpty, plaintext.count <= Int(UInt32.max) else { throw Failure.badLength }
        // Alternative initial value: A65959A6 followed by the 32-bit big-endian message length (RFC 5649 §3).
        var aiv: [UInt8] = [0xA6, 0x59, 0x59, 0xA6]
        let mli = UInt32(plaintext.count)
        aiv += [UInt8(mli >> 24), UInt8((mli >> 16) & 0xFF), UInt8((mli >> 8) & 0xFF), UInt8(mli & 0xFF)]
        var padded = [UInt8](plaintext)
        padded += [UInt8](repeating: 0, count: (8 - padded.count % 8) % 8)
        let n = padded.count / 8
        if n == 1 {
            // A single 64-bit block: one AES encryption of AIV || P (§4.1, step 2).
            var block = aiv + padded
            try AES.permute(&block, key: kek)
            return Data(block)
        }
        // The wrapping process W of RFC 3394 §2.2.1 with the alternative initial value.
        var a = aiv
        var r = (0..<n).map { Array(padded[($0 * 8)..<($0 * 8 + 8)]) }
        for j in 0..<6 {
            for i in 0..<n {
                var block = a + r[i]
                try AES.permute(&block, key: kek)
                let t = UInt64(n * j + i + 1)
                a = Array(block[0..<8])
                for k in 0..<8 { a[k] ^= UInt8((t >> (8 * UInt64(7 - k))) & 0xFF) }
                r[i] = Array(block[8..<16])
            }
        }
        return Data(a + r.flatMap { $0 })
    }
}

/// The transit BYOK wrapping of OpenBao / Vault (`GET transit/wrapping_key`, then `POST transit/keys/:name/import`,
/// OpenBao documentation "Transit secrets engine — Bring your own key"): `RSA-OAEP(SHA-256, MGF1-SHA-256)` of a
/// one-time AES-256 key under the server's wrapping key, followed by AES-KWP (RFC 5649) of the key material under
/// that one-time key.
public enum TransitKeyWrapping {
    /// The import `ciphertext` for `material`, base64-encoded. The one-time key never leaves this function.
    /// - Parameters:
    ///   - material: raw key bytes (symmetric keys) or PKCS#8 DER (asymmetric keys).
    ///   - wrappingKeyPEM: the server's RSA public key (`public_key` of `transit/wrapping_key`).
    /// - Throws: when the PEM is not an RSA public key of at least 2048 bits, or wrapping fails.
    public static func ciphertext(for material: Data, wrappingKeyPEM: String) throws -> String {
        let rsa = try _RSA.Encryption.PublicKey(pemRepresentation: wrappingKeyPEM)
        let ephemeral = SymmetricKey(size: .bits256)
        let wrappedKey = ephemeral.withUnsafeBytes { Data($0) }
        let head = try rsa.encrypt(wrappedKey, padding: .PKCS1_OAEP_SHA256)
        let tail = try AESKeyWrapPadded.wrap(material, kek: ephemeral)
        return (head + tail).base64EncodedString()
    }
}
