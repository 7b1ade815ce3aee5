// The CPU quota of this process's cgroup: cgroup v2 `cpu.max` ("max 100000" or "150000 100000")
// or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` (−1 = none), on its own cgroup and every parent up
// to the hierarchy's mount point; the tightest one wins. Where the hierarchies are mounted comes
// from /proc/self/mountinfo and the cgroup paths from /proc/self/cgroup. The parsers are pure
// functions of the files' text; `quota(read:)` takes the file reader so tests can pass fixtures.
import Foundation

public enum CgroupCPUQuota {
    /// The quota in force for this process, or nil when there is none (or cgroups are unreadable).
    public static func current() -> CPUQuota? {
        quota { path in try? String(contentsOfFile: path, encoding: .utf8) }
    }

    /// The tightest quota found through `read` (path → file text, nil when missing).
    public static func quota(read: (String) -> String?) -> CPUQuota? {
        guard let membership = read("/proc/self/cgroup").map(parseMembership) else { return nil }
        let mounts =
            read("/proc/self/mountinfo").map(parseMountInfo)
            ?? Mounts(unified: Mount(root: "/", point: "/sys/fs/cgroup"), cpu: nil)
        var found: [CPUQuota] = []
        if let path = membership.unified, let mount = mounts.unified {
            for directory in levels(of: path, in: mount) {
                if let quota = read(directory + "/cpu.max").flatMap(parseCPUMax) { found.append(quota) }
            }
        }
        if let path = membership.cpu, let mount = mounts.cpu {
            for directory in levels(of: path, in: mount) {
                if let quota = read(directory + "/cpu.cfs_quota_us"), let period = read(directory + "/cpu.cfs_period_us"),
                    let limit = parseCFS(quota: quota, period: period)
                {
                    found.append(limit)
                }
            }
        }
        return found.min { $0.cpus < $1.cpus }
    }

    /// cgroup v2 `cpu.max`: "$MAX $PERIOD", where $MAX is "max" for no limit.
    public static func parseCPUMax(_ text: String) -> CPUQuota? {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]),
            quota > 0, period > 0
        else { return nil }
        return CPUQuota(quota: quota, period: period)
    }

    /// cgroup v1 `cpu.cfs_quota_us` (−1 for no limit) and `cpu.cfs_period_us`.
    public static func parseCFS(quota quotaText: String, period periodText: String) -> CPUQuota? {
        guard let quota = Int(quotaText.trimmingCharacters(in: .whitespacesAndNewlines)),
            let period = Int(periodText.trimmingCharacters(in: .whitespacesAndNewlines)),
            quota > 0, period > 0
        else { return nil }
        return CPUQuota(quota: quota, period: period)
    }

    /// This process's cgroup paths from /proc/self/cgroup: the v2 line "0::/path" and the v1 line
    /// whose controller list contains `cpu` ("4:cpu,cpuacct:/path").
    public static func parseMembership(_ text: String) -> (unified: String?, cpu: String?) {
        var unified: String?, cpu: String?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            if fields[0] == "0" && fields[1].isEmpty { unified = String(fields[2]) }
            if fields[1].split(separator: ",").contains("cpu") { cpu = String(fields[2]) }
        }
        return (unified, cpu)
    }

    /// A mounted cgroup hierarchy: `root` is the hierarchy path shown at `point` (not "/" inside
    /// some containers).
    public struct Mount: Equatable, Sendable {
        public let root: String
        public let point: String

        public init(root: String, point: String) {
            self.root = root
            self.point = point
        }
    }

    public struct Mounts: Equatable, Sendable {
        public var unified: Mount?
        public var cpu: Mount?

        public init(unified: Mount? = nil, cpu: Mount? = nil) {
            self.unified = unified
            self.cpu = cpu
        }
    }

    /// The cgroup2 mount and the v1 mount carrying the `cpu` controller, from /proc/self/mountinfo
    /// lines "ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER-OPTIONS".
    public static func parseMountInfo(_ text: String) -> Mounts {
        var mounts = Mounts()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), dash >= 5, fields.count >= dash + 4 else { continue }
            let mount = Mount(root: String(fields[3]), point: String(fields[4]))
            switch fields[dash + 1] {
            case "cgroup2" where mounts.unified == nil: mounts.unified = mount
            case "cgroup" where mounts.cpu == nil && fields[dash + 3].split(separator: ",").contains("cpu"):
                mounts.cpu = mount
            default: break
            }
        }
        return mounts
    }

    /// The directories of cgroup `path` and each parent, deepest first, ending at the mount point.
    public static func levels(of path: String, in mount: Mount) -> [String] {
        var relative = path
        if mount.root != "/" && (relative == mount.root || relative.hasPrefix(mount.root + "/")) {
            relative.removeFirst(mount.root.count)
        }
        var components = relative.split(separator: "/").map(String.init)
        var directories: [String] = []
        while true {
            directories.append(([mount.point] + components).joined(separator: "/"))
            if components.isEmpty { return directories }
            components.removeLast()
        }
    }
}
