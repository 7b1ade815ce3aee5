// Whether OpenBLAS fell back to a generic kernel on a CPU that could run a much faster one. Debian's
// OpenBLAS 0.3.21 selects its kernels at load time from the CPU model; on CPUs newer than it knows
// (seen here: an AVX-512/AMX Xeon reported as "Prescott", SSE3 kernels, ~5× slower sgemm than its
// SkylakeX kernels) it picks an old generic family. The product never changes OPENBLAS_CORETYPE
// itself; it tells the operator, who can set it in the environment (systemd: Environment=).
import Foundation

extension BLAS {
    /// Kernel families older than AVX2.
    static let genericCores: Set<String> = [
        "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai",
        "coppermine", "northwood", "banias", "opteron", "barcelona", "unknown",
    ]

    /// The CPU's instruction-set flags from /proc/cpuinfo (empty where unreadable).
    public static func cpuFlags(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> Set<String> {
        guard let line = cpuinfo?.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// A sentence for the log when the selected kernel family is generic but the CPU has AVX2 or
    /// AVX-512; nil when the selection is fine or OPENBLAS_CORETYPE was set by the operator.
    public static func kernelAdvice(
        core: String = coreName, flags: Set<String> = cpuFlags(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, genericCores.contains(core.lowercased()) else { return nil }
        let suggestion: String
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") {
            suggestion = "SkylakeX"
        } else if flags.contains("avx2") && flags.contains("fma") {
            suggestion = "Haswell"
        } else {
            return nil
        }
        return "OpenBLAS selected its generic \(core) kernels, but this CPU has "
            + (suggestion == "SkylakeX" ? "AVX-512" : "AVX2")
            + "; set OPENBLAS_CORETYPE=\(suggestion) in the environment (systemd: Environment=OPENBLAS_CORETYPE=\(suggestion)) "
            + "for several times faster rendering and training"
    }
}
