// ThreadBudget: cgroup CPU-quota parsing on fixture text (v2 cpu.max, v1 CFS files, /proc/self/cgroup,
// /proc/self/mountinfo, the walk up the parents), the min(affinity, quota) rule, and the affinity
// count measured in a child process that `taskset` pins to one CPU (the test binary re-runs itself,
// with an environment switch that enables the child's test).
import Foundation
import TensorCore
import TestSupport
import Testing

@Suite struct ThreadBudgetTests {
    static let childOutput = "KAC_THREAD_BUDGET_CHILD_OUTPUT"
    static let isChild = ProcessInfo.processInfo.environment[childOutput] != nil
    static let taskset = ["/usr/bin/taskset", "/bin/taskset"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test func parsesCgroupV2CPUMax() {
        #expect(CgroupCPUQuota.parseCPUMax("max 100000\n") == nil)
        #expect(CgroupCPUQuota.parseCPUMax("200000 100000\n") == CPUQuota(quota: 200_000, period: 100_000))
        #expect(CgroupCPUQuota.parseCPUMax("150000 100000")?.cpus == 2)  // 1.5 CPUs round up
        #expect(CgroupCPUQuota.parseCPUMax("50000 100000")?.cpus == 1)
        #expect(CgroupCPUQuota.parseCPUMax("3200000 100000")?.cpus == 32)
        for broken in ["", "max", "100000", "0 100000", "-1 100000", "abc 100000", "1 2 3"] {
            #expect(CgroupCPUQuota.parseCPUMax(broken) == nil, "\(broken)")
        }
    }

    @Test func parsesCgroupV1CFSFiles() {
        #expect(CgroupCPUQuota.parseCFS(quota: "-1\n", period: "100000\n") == nil)
        #expect(CgroupCPUQuota.parseCFS(quota: "250000\n", period: "100000\n")?.cpus == 3)
        #expect(CgroupCPUQuota.parseCFS(quota: "100000", period: "0") == nil)
    }

    @Test func takesTheSmallerOfAffinityAndQuota() {
        let four = CPUQuota(quota: 400_000, period: 100_000)
        let wide = ThreadBudget.usable(affinityCPUs: 32, quota: nil)
        #expect(wide.threads == 32 && wide.source == .affinity)
        let limited = ThreadBudget.usable(affinityCPUs: 32, quota: four)
        #expect(limited.threads == 4 && limited.source == .cgroupQuota)
        let pinned = ThreadBudget.usable(affinityCPUs: 2, quota: four)
        #expect(pinned.threads == 2 && pinned.source == .affinity)
        let equal = ThreadBudget.usable(affinityCPUs: 4, quota: four)
        #expect(equal.threads == 4 && equal.source == .affinity)
        let fraction = ThreadBudget.usable(affinityCPUs: 8, quota: CPUQuota(quota: 50_000, period: 100_000))
        #expect(fraction.threads == 1 && fraction.source == .cgroupQuota)
        #expect(ThreadBudget.usable(affinityCPUs: 0, quota: nil).threads == 1)
        let asked = ThreadBudget.usable(affinityCPUs: 2, quota: four, requested: 6)
        #expect(asked.threads == 6 && asked.source == .option && asked.affinityCPUs == 2 && asked.quota == four)
        #expect(limited.description == "4 threads from cgroup quota (affinity: 32 CPUs, cgroup quota: 400000/100000 µs = 4 CPUs)")
    }

    /// A hybrid machine (v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified).
    static let hybridCgroup = "4:memory:/process_api/b141\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/kac\n0::/\n"
    static let hybridMountInfo = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """
    /// A systemd machine with only cgroup v2 (optional mountinfo fields before the "-").
    static let unifiedCgroup = "0::/system.slice/kacd.service\n"
    static let unifiedMountInfo = """
        22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/root rw
        29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
        """

    @Test func findsTheCgroupPathsAndMounts() {
        let hybrid = CgroupCPUQuota.parseMembership(Self.hybridCgroup)
        #expect(hybrid.unified == "/" && hybrid.cpu == "/kac")
        let combined = CgroupCPUQuota.parseMembership("5:cpu,cpuacct:/docker/abc\n")
        #expect(combined.unified == nil && combined.cpu == "/docker/abc")
        #expect(CgroupCPUQuota.parseMembership(Self.unifiedCgroup).unified == "/system.slice/kacd.service")
        #expect(
            CgroupCPUQuota.parseMountInfo(Self.hybridMountInfo)
                == CgroupCPUQuota.Mounts(
                    unified: .init(root: "/", point: "/sys/fs/cgroup/unified"), cpu: .init(root: "/", point: "/sys/fs/cgroup/cpu")))
        #expect(
            CgroupCPUQuota.parseMountInfo(Self.unifiedMountInfo)
                == CgroupCPUQuota.Mounts(
                    unified: .init(root: "/", point: "/sys/fs/cgroup"), cpu: nil))
    }

    @Test func walksFromTheCgroupUpToTheMountPoint() {
        let mount = CgroupCPUQuota.Mount(root: "/", point: "/sys/fs/cgroup")
        #expect(
            CgroupCPUQuota.levels(of: "/system.slice/kacd.service", in: mount)
                == ["/sys/fs/cgroup/system.slice/kacd.service", "/sys/fs/cgroup/system.slice", "/sys/fs/cgroup"])
        #expect(CgroupCPUQuota.levels(of: "/", in: mount) == ["/sys/fs/cgroup"])
        // Inside a container the hierarchy's root is the container's own cgroup.
        let container = CgroupCPUQuota.Mount(root: "/docker/abc", point: "/sys/fs/cgroup/cpu")
        #expect(CgroupCPUQuota.levels(of: "/docker/abc/job", in: container) == ["/sys/fs/cgroup/cpu/job", "/sys/fs/cgroup/cpu"])
    }

    @Test func theTightestQuotaOnTheWayUpWins() {
        var files = [
            "/proc/self/cgroup": Self.unifiedCgroup, "/proc/self/mountinfo": Self.unifiedMountInfo,
            "/sys/fs/cgroup/system.slice/kacd.service/cpu.max": "max 100000\n",
            "/sys/fs/cgroup/system.slice/cpu.max": "300000 100000\n",
        ]
        #expect(CgroupCPUQuota.quota { files[$0] }?.cpus == 3)
        files["/sys/fs/cgroup/system.slice/kacd.service/cpu.max"] = "150000 100000\n"
        #expect(CgroupCPUQuota.quota { files[$0] }?.cpus == 2)
        files["/sys/fs/cgroup/system.slice/cpu.max"] = "max 100000\n"
        files["/sys/fs/cgroup/system.slice/kacd.service/cpu.max"] = "max 100000\n"
        #expect(CgroupCPUQuota.quota { files[$0] } == nil)

        let hybrid = [
            "/proc/self/cgroup": Self.hybridCgroup, "/proc/self/mountinfo": Self.hybridMountInfo,
            "/sys/fs/cgroup/cpu/kac/cpu.cfs_quota_us": "-1\n", "/sys/fs/cgroup/cpu/kac/cpu.cfs_period_us": "100000\n",
            "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "100000\n", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
        ]
        #expect(CgroupCPUQuota.quota { hybrid[$0] }?.cpus == 1)
        #expect(CgroupCPUQuota.quota { _ in nil } == nil)
    }

    @Test(.disabled(if: isChild)) func affinityCountsTheAllowedCPUs() throws {
        // /proc/self/status lists the same mask as text, e.g. "0-1" or "0,2-5".
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        let ranges = line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces).split(separator: ",")
        let listed = ranges.reduce(0) { total, range in
            let ends = range.split(separator: "-").compactMap { Int($0) }
            return total + (ends.count == 2 ? ends[1] - ends[0] + 1 : 1)
        }
        #expect(SystemCPUs.affinityCount() == listed)
    }

    @Test(.disabled(if: isChild || taskset == nil)) func tasksetToOneCPUGivesOneThread() throws {
        let directory = TemporaryDirectory()
        let output = directory.file("child.txt")
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let cpu = try #require(Self.firstAllowedCPU())
        let child = try ChildProcess.run(
            try #require(Self.taskset),
            ["-c", "\(cpu)", executable, "--testing-library", "swift-testing", "--filter", "ThreadBudgetTests/childReportsItsBudget"],
            environment: [Self.childOutput: output])
        #expect(child.status == 0, "\(child.output)\(child.error)")
        let report = try String(contentsOfFile: output, encoding: .utf8)
        #expect(report == "affinity 1, threads 1, source affinity, OpenBLAS 1", "\(report)")
    }

    /// Runs only inside the child: writes what it measured and what OpenBLAS was told.
    @Test(.enabled(if: isChild)) func childReportsItsBudget() throws {
        let path = try #require(ProcessInfo.processInfo.environment[Self.childOutput])
        let budget = ThreadBudget.current
        let report =
            "affinity \(SystemCPUs.affinityCount()), threads \(budget.threads), source \(budget.source.rawValue), "
            + "OpenBLAS \(BLAS.threadCount)"
        try report.write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// The lowest CPU in this process's affinity list (CPU 0 may not be ours).
    static func firstAllowedCPU() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
        else { return nil }
        return Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces).prefix { $0.isNumber })
    }
}
