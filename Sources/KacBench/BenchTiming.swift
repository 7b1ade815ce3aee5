// The clocks every benchmark here reads: best-of-N wall clock beside process CPU time, and the
// calling thread's own CPU time (CLOCK_THREAD_CPUTIME_ID), which is what a stage costs whatever
// else shares the machine. Wall-clock figures get worse under load, never better; CPU-time
// figures stay close to an idle machine's, so ratios of CPU time are what a shared host can trust.
import Dispatch
import Foundation

public enum BenchClock {
    /// Seconds of a monotonic clock.
    public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// CPU time used so far by all threads of this process.
    public static func processCPUSeconds() -> Double { seconds(of: CLOCK_PROCESS_CPUTIME_ID) }

    /// CPU time used so far by the calling thread.
    public static func threadCPUSeconds() -> Double { seconds(of: CLOCK_THREAD_CPUTIME_ID) }

    private static func seconds(of clock: clockid_t) -> Double {
        var now = timespec()
        clock_gettime(clock, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Best wall-clock and best process-CPU seconds of `repetitions` runs after one warm-up run.
    public static func best(of repetitions: Int, _ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
        try body()
        var fastest = (wall: Double.infinity, cpu: Double.infinity)
        for _ in 0..<max(repetitions, 1) {
            let (start, startCPU) = (now(), processCPUSeconds())
            try body()
            fastest.wall = min(fastest.wall, now() - start)
            fastest.cpu = min(fastest.cpu, processCPUSeconds() - startCPU)
        }
        return fastest
    }

    /// VmRSS from /proc/self/status in kB (0 where unavailable).
    public static func residentKilobytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// The 1-, 5- and 15-minute load averages as printed by /proc/loadavg, or nil.
    public static func loadAverage() -> String? {
        guard let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return load.split(separator: " ").prefix(3).joined(separator: " ")
    }
}

/// The CPU time of libvips' pipeline threads (named "libvips worker"), which encode work hands
/// pixels to and which no clock of the calling thread sees: summed from /proc/self/task/*/schedstat
/// (nanoseconds on the CPU). Threads that ended between two readings drop out of the difference.
enum LibvipsThreads {
    static func cpuSeconds() -> Double {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return 0 }
        var nanoseconds = 0.0
        for task in tasks {
            guard let name = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
                name.hasPrefix("libvips worker"),
                let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/schedstat", encoding: .utf8),
                let running = stat.split(separator: " ").first.flatMap({ Double($0) })
            else { continue }
            nanoseconds += running
        }
        return nanoseconds / 1e9
    }
}
