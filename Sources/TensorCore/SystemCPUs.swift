// The CPUs the scheduler lets this process run on: the size of its sched_getaffinity mask, which
// `taskset`, cpusets and systemd's CPUAffinity= shrink (unlike sysconf's count of online CPUs).
// Linux-specific; falls back to the online count if the call is unavailable.
#if canImport(Glibc)
import Glibc
#endif

public enum SystemCPUs {
    /// CPUs in this thread's affinity mask (threads inherit it from the process), at least 1.
    public static func affinityCount() -> Int {
        #if canImport(Glibc)
        if let count = schedGetaffinityCount() { return max(count, 1) }
        #endif
        return max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
    }

    #if canImport(Glibc)
    private typealias SchedGetaffinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer?) -> Int32

    /// Bits set in the affinity mask, or nil if glibc's sched_getaffinity cannot be called.
    /// XXX: Glibc's Swift module hides sched_getaffinity (it is declared under _GNU_SOURCE), so it
    /// is looked up by name; a C shim (like CSyscalls) would be the tidier home.
    private static func schedGetaffinityCount() -> Int? {
        guard let process = dlopen(nil, RTLD_NOW) else { return nil }
        defer { dlclose(process) }
        guard let symbol = dlsym(process, "sched_getaffinity") else { return nil }
        let call = unsafeBitCast(symbol, to: SchedGetaffinity.self)
        // The kernel refuses (EINVAL) a mask smaller than its own; grow from 1,024 CPUs.
        var bytes = 128
        while bytes <= 1 << 16 {
            let mask = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 8)
            defer { mask.deallocate() }
            mask.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            if call(0, bytes, mask) == 0 {
                let words = UnsafeBufferPointer(start: mask.assumingMemoryBound(to: UInt64.self), count: bytes / 8)
                return words.reduce(0) { $0 + $1.nonzeroBitCount }
            }
            guard errno == EINVAL else { return nil }
            bytes *= 2
        }
        return nil
    }
    #endif
}
