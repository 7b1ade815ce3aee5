// A content digest (SHA-256) as a value, never a bare String. Text forms: `sha256-<hex>` (file
// names, the canonical form) and `sha256:<hex>` (OCI style); both parse. `DigestHasher` hashes
// streamed bytes so blobs are hashed while they are written and again while they are read.
import Crypto
import Vocabulary

public struct Digest: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// The 32 raw digest bytes.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws {
        guard bytes.count == 32 else {
            throw ModelStoreError.invalidDigest("\(bytes.count) bytes", reason: "a SHA-256 digest has 32 bytes")
        }
        self.bytes = bytes
    }

    /// Parses `sha256-<64 hex>` or `sha256:<64 hex>` (hex case-insensitive).
    public init(parsing text: String) throws {
        guard let hex = ModelReference.hexPart(of: text) else {
            throw ModelStoreError.invalidDigest(text, reason: "it does not start with sha256- or sha256:")
        }
        guard hex.count == 64, let bytes = Digest.decodeHex(hex) else {
            throw ModelStoreError.invalidDigest(text, reason: "it needs exactly 64 hexadecimal digits")
        }
        self.bytes = bytes
    }

    /// The SHA-256 digest of `data`.
    public static func sha256(of data: some Sequence<UInt8>) -> Digest {
        var hasher = DigestHasher()
        hasher.update(Array(data))
        return hasher.finalize()
    }

    /// Lower-case hex of the digest bytes.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return out
    }

    /// `sha256-<hex>`: the canonical form, also the blob's file name.
    public var description: String { "sha256-" + hex }

    /// `sha256-` plus the first 12 hex digits, for tables.
    public var short: String { "sha256-" + hex.prefix(12) }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func decodeHex(_ hex: Substring) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var high: UInt8?
        for character in hex {
            guard let value = character.hexDigitValue else { return nil }
            if let pending = high {
                bytes.append(pending << 4 | UInt8(value))
                high = nil
            } else {
                high = UInt8(value)
            }
        }
        return high == nil ? bytes : nil
    }
}

/// Incremental SHA-256 over streamed bytes.
public struct DigestHasher {
    private var hasher = SHA256()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) } }

    public func finalize() -> Digest {
        // SHA-256 always yields 32 bytes, the one invariant `Digest` checks.
        Digest(unchecked: Array(hasher.finalize()))
    }
}

extension Digest {
    fileprivate init(unchecked bytes: [UInt8]) { self.bytes = bytes }
}
