// The one file that calls oneDNN (through the CBFloat16 shim): bf16 matrix products for inference.
// A `BF16Matrix` is the B operand of C = A·B, rounded to bf16 once and kept in oneDNN's layout;
// each product rounds A to bf16 at the call and sums in fp32 (AMX tiles where the CPU has them,
// else AVX512_BF16). Training never comes here. Callers check `BF16.isSupported` first.
import CBFloat16

public enum BF16 {
    /// Whether bf16 runs in this process, and if not, why.
    public enum Availability: Sendable, Equatable {
        case available
        /// cpuid + xgetbv: no AVX512_BF16 (read at run time, never assumed at build time).
        case cpuLacksBF16
        /// The CPU has it, but this process may not make written memory executable, and oneDNN
        /// generates its kernels at run time (MemoryDenyWriteExecute=, PR_SET_MDWE, SELinux execmem).
        case executableMemoryDenied
        /// oneDNN failed to build or run a 1×16·16×16 product; its message.
        case libraryFailed(String)
    }

    /// Decided once, on first use: the CPU's features, then whether oneDNN can run a small product.
    public static let availability: Availability = {
        guard kac_bf16_cpu_supported() != 0 else { return .cpuLacksBF16 }
        guard kac_jit_memory_allowed() != 0 else { return .executableMemoryDenied }
        guard kac_bf16_runtime_probe() != 0 else { return .libraryFailed(String(cString: kac_bf16_last_error())) }
        return .available
    }()

    /// bf16 runs here: the CPU and OS run AVX512_BF16 and oneDNN can generate its kernels.
    public static var isSupported: Bool { availability == .available }
    /// The CPU has AMX-BF16 tiles (oneDNN then uses them).
    public static let hasAMX: Bool = kac_bf16_cpu_has_amx() != 0

    /// bf16 dot-product FLOP/s of one thread on registers only (vdpbf16ps, 64 FLOPs each): the
    /// AVX512_BF16 ceiling. AMX's ceiling is not probed here; `kac-bench` reports achieved rates.
    public static func measureDotPeak(seconds: Double = 0.3) -> Double {
        precondition(isSupported, "BF16.measureDotPeak needs AVX512_BF16")
        var iterations = 100_000
        while true {
            let start = ContinuousClock.now
            let flops = kac_bf16_dot_probe(iterations)
            let elapsed = start.duration(to: .now)
            let measured = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            if measured >= seconds || iterations > 1 << 40 { return flops / measured }
            iterations *= 4
        }
    }
}

public struct BF16Error: Error, CustomStringConvertible {
    public let description: String
}

public final class BF16Matrix: @unchecked Sendable {
    // @unchecked: the handle is immutable after init and the shim guards its shape cache with a lock.
    private let handle: OpaquePointer
    public let rows: Int, columns: Int

    /// B [k×n] (row stride ldb), or Bᵀ stored [n×k] when `transposed`, rounded to bf16.
    public init(_ b: UnsafePointer<Float>, ldb: Int, transposed: Bool = false, k: Int, n: Int) throws {
        precondition(BF16.isSupported, "BF16Matrix needs a CPU with AVX512_BF16 (check BF16.isSupported)")
        guard let handle = kac_bf16_matrix_create(b, ldb, transposed ? 1 : 0, k, n) else {
            throw BF16Error(description: String(cString: kac_bf16_last_error()))
        }
        self.handle = handle
        (rows, columns) = (k, n)
    }

    deinit { kac_bf16_matrix_destroy(handle) }

    /// C[m×n] (row stride ldc) = (alpha·A)[m×k] (row stride lda) · B, on the calling thread only.
    public func multiply(
        m: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0 else { return }
        if kac_bf16_matmul(handle, m, alpha, a, lda, c, ldc) != 0 {
            fatalError("bf16 matrix product \(m)×\(rows)·\(rows)×\(columns): \(String(cString: kac_bf16_last_error()))")
        }
    }

    /// Bytes held: the bf16 copy and the per-shape layouts oneDNN asked for so far.
    public var residentBytes: Int { kac_bf16_matrix_bytes(handle) }

    /// oneDNN's name of the kernel the last shape prepared runs on (e.g. "brg:avx512_core_amx_bf16").
    public var implementation: String { String(cString: kac_bf16_matrix_implementation(handle)) }
}
