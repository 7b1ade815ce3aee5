// A labelled image folder, the layout torchvision's ImageFolder and Hugging Face's imagefolder
// read: ROOT/<class>/<file>, one subfolder per class, the subfolder name is the class name.
// Classes are in sorted order (by UTF-8 bytes, i.e. code points, as Python's sorted()), so label
// k is the k-th name — unless ROOT/classes.txt lists the class folders one per line, which then
// fixes the label order (an exported Fashion-MNIST folder keeps its labels 0 = t-shirt … 9 =
// ankle-boot that way); it must name every class folder exactly once. Files within a class are
// taken recursively, sorted by their path below the class folder. Hidden entries (a leading ".")
// are ignored; other files directly under ROOT belong to no class and are reported. Which files
// are images is for libvips to say when decoding. Symbolic links, FIFOs, sockets and devices are
// never followed or opened: they are reported in `refused` (ImageFolder+Files.swift).
import Foundation
import Vocabulary

public struct ImageFolder: Sendable, Equatable {
    /// One candidate file: its path relative to the root ("cat/001.png") and its class index.
    public struct Entry: Sendable, Equatable {
        public let relativePath: String
        public let label: Int
    }

    public let root: String
    public let classNames: [String]
    /// Class-major, each class's files in sorted order.
    public let entries: [Entry]
    /// Files directly under the root, which belong to no class (reported, never read).
    public let strayFiles: [String]
    /// Entries never opened: links, special files, folders whose names cannot be class names.
    public var refused: [SkippedImage] = []

    /// The optional file fixing the label order.
    public static let classListName = "classes.txt"

    /// Lists `root`; throws when it is not a directory or has no class folders.
    public static func scan(root: String) throws -> ImageFolder {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else {
            throw DatasetError.missingFile(
                path: root, remedy: "give --data a directory with one subfolder of images per class (ROOT/<class>/<image>)")
        }
        guard isDirectory.boolValue else {
            throw DatasetError.corrupt(path: root, reason: "it is a file, not a folder of class subfolders")
        }
        var classNames: [String] = []
        var strayFiles: [String] = []
        var refused: [SkippedImage] = []
        var hasClassList = false
        for name in try visibleNames(in: root) {
            let kind = Self.kind(of: root + "/" + name)
            if let reason = refusal(kind) {
                refused.append(SkippedImage(path: root + "/" + Escaped.text(name), reason: reason))
            } else if kind == .directory {
                if Escaped.needsEscaping(name) || name.utf8.count > ClassNames.maximumNameLength {
                    refused.append(
                        SkippedImage(
                            path: root + "/" + Escaped.text(name),
                            reason: "a folder name with control characters (or over 255 bytes) cannot be a class name; rename it"))
                } else {
                    classNames.append(name)
                }
            } else if name == classListName {
                hasClassList = true
            } else {
                strayFiles.append(name)
            }
        }
        guard !classNames.isEmpty else {
            throw DatasetError.corrupt(
                path: root, reason: "it has no class subfolders; put each class's images in ROOT/<class>/")
        }
        if hasClassList { classNames = try orderedClasses(listedIn: root + "/" + classListName, folders: classNames) }
        var entries: [Entry] = []
        for (label, name) in classNames.enumerated() {
            for file in try files(below: root + "/" + name, prefix: name, refused: &refused) {
                entries.append(Entry(relativePath: file, label: label))
            }
        }
        var folder = ImageFolder(root: root, classNames: classNames, entries: entries, strayFiles: strayFiles)
        folder.refused = refused
        return folder
    }

    /// Folder names that name a split of a data set rather than the data set.
    public static let splitNames: Set<String> = ["train", "training", "test", "testing", "val", "valid", "validation", "held-out", "holdout"]

    /// The default data set name: the folder's own name ("flowers" for /data/flowers/), or its
    /// parent's when the folder is a split ("icons" for icons/train/, as `kac dataset split` writes),
    /// so a teacher trained on icons/train and a classifier judged on icons/test share one data set.
    public var name: String {
        let url = URL(fileURLWithPath: root).standardizedFileURL
        let last = url.lastPathComponent
        if Self.splitNames.contains(last.lowercased()) {
            let parent = url.deletingLastPathComponent().lastPathComponent
            if !parent.isEmpty, parent != "/" { return parent }
        }
        return last.isEmpty || last == "/" ? "images" : last
    }

    /// The class order `path` lists (one name a line, blank lines ignored), checked against the folders.
    static func orderedClasses(listedIn path: String, folders: [String]) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DatasetError.unreadable(path: path, reason: "it is not readable UTF-8 text")
        }
        let listed = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let duplicates = Dictionary(grouping: listed, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        let missing = folders.filter { !listed.contains($0) }
        let unknown = listed.filter { !folders.contains($0) }
        guard duplicates.isEmpty, missing.isEmpty, unknown.isEmpty else {
            var problems: [String] = []
            if !duplicates.isEmpty { problems.append("listed twice: \(duplicates.joined(separator: ", "))") }
            if !missing.isEmpty { problems.append("folders not listed: \(missing.joined(separator: ", "))") }
            if !unknown.isEmpty { problems.append("listed without a folder: \(unknown.joined(separator: ", "))") }
            throw DatasetError.corrupt(
                path: path,
                reason: problems.joined(separator: "; ") + "; it must name every class folder once, in label order")
        }
        return listed
    }

    /// Entry names of `directory` not starting with ".", sorted by UTF-8 bytes.
    static func visibleNames(in directory: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw DatasetError.unreadable(path: directory, reason: Reason("cannot list it", cause: error, joint: .parentheses))
        }
        return names.filter { !$0.hasPrefix(".") }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Every visible regular file below `directory`, as `prefix/relative/path`, sorted (depth
    /// first). Links and special files go to `refused`; real directories cannot form a loop.
    static func files(below directory: String, prefix: String, refused: inout [SkippedImage]) throws -> [String] {
        var result: [String] = []
        for name in try visibleNames(in: directory) {
            let path = directory + "/" + name
            let kind = Self.kind(of: path)
            if let reason = refusal(kind) {
                refused.append(SkippedImage(path: Escaped.text(path, limit: 1000), reason: reason))
            } else if kind == .directory {
                result += try files(below: path, prefix: prefix + "/" + name, refused: &refused)
            } else {
                result.append(prefix + "/" + name)
            }
        }
        return result.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    static func isDirectory(_ path: String) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
    }
}
