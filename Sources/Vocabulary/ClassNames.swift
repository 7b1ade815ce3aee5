// Class names belong to a model: a manifest lists them (or, for Fashion-MNIST models published
// before the field existed, the dataset name implies the ten Fashion-MNIST names). A job or
// command line names a class by index or by name; `ClassLabel` keeps what was written until the
// model is known, and `ClassNames.resolve` turns it into an index or refuses it naming the classes.

/// A label as a user wrote it: an index or a class name.
public enum ClassLabel: Hashable, Sendable, CustomStringConvertible {
    case index(Int)
    case name(String)

    /// "3" → .index(3), "sneaker" → .name("sneaker") (trimmed).
    public init(parsing text: String) {
        let trimmed = String(text.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
        if let number = Int(trimmed) { self = .index(number) } else { self = .name(trimmed) }
    }

    public var description: String {
        switch self {
        case .index(let index): String(index)
        case .name(let name): name
        }
    }
}

/// The class vocabulary of one model, in label order.
public struct ClassNames: Hashable, Sendable, Codable {
    public let names: [String]

    public init(_ names: [String]) { self.names = names }

    /// `class0`, `class1`, … for a model whose manifest names no classes.
    public static func numbered(_ count: Int) -> ClassNames { ClassNames((0..<max(count, 0)).map { "class\($0)" }) }

    /// Fashion-MNIST in label order (0 = t-shirt … 9 = ankle-boot).
    public static let fashionMNIST = ClassNames([
        "t-shirt", "trouser", "pullover", "dress", "coat",
        "sandal", "shirt", "sneaker", "bag", "ankle-boot",
    ])

    /// The names a dataset implies when a manifest lists none (only Fashion-MNIST has any).
    public static func implied(byDataset dataset: String?, classCount: Int) -> ClassNames {
        if dataset == DatasetName.fashionMNIST.text, classCount == fashionMNIST.count { return fashionMNIST }
        return numbered(classCount)
    }

    public var count: Int { names.count }

    /// The name of `label`, or `class<k>` outside the list.
    public func name(of label: Int) -> String { names.indices.contains(label) ? names[label] : "class\(label)" }

    /// The index of `name`, compared case-insensitively.
    public func index(of name: String) -> Int? {
        let wanted = name.lowercased()
        return names.firstIndex { $0.lowercased() == wanted }
    }

    /// The index `label` stands for; the error names every class of `model`.
    public func resolve(_ label: ClassLabel, model: String) throws(ClassLabelError) -> Int {
        switch label {
        case .index(let index) where names.indices.contains(index): return index
        case .name(let name): if let index = index(of: name) { return index }
        default: break
        }
        throw ClassLabelError(label: label, model: model, classes: self)
    }

    public func resolve(_ labels: [ClassLabel], model: String) throws(ClassLabelError) -> [Int] {
        var result: [Int] = []
        for label in labels { result.append(try resolve(label, model: model)) }
        return result
    }

    /// "0 t-shirt, 1 trouser, …".
    public var listing: String { names.enumerated().map { "\($0.offset) \($0.element)" }.joined(separator: ", ") }

    /// The longest class name a job or `--labels` may give, in UTF-8 bytes (a folder name's limit).
    public static let maximumNameLength = 255

    /// Longest class part of an output file name (`NNNN-<part>.<ext>` must fit the spool's 64 bytes).
    public static let maximumFilePartLength = 40

    /// The name of `label` as it appears in an output file name: ASCII letters, digits, `.`, `_`
    /// and `-` kept, every other character (space, `/`, non-ASCII) replaced by `_`, cut to
    /// `maximumFilePartLength` bytes; `class<k>` when nothing is left. File names stay unique
    /// through their index prefix, so two names that map to the same part do not collide.
    public func filePart(of label: Int) -> String {
        let kept = name(of: label).unicodeScalars.prefix(Self.maximumFilePartLength).map { scalar -> Character in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": Character(scalar)
            default: "_"
            }
        }
        return kept.allSatisfy({ $0 == "_" }) ? "class\(label)" : String(kept)
    }
}

/// A label the model does not have.
public struct ClassLabelError: Error, Sendable, Equatable, CustomStringConvertible {
    public let label: ClassLabel
    public let model: String
    public let classes: ClassNames

    public var description: String {
        switch label {
        case .index(let index):
            "label \(index) is out of range: \(model) has classes 0…\(classes.count - 1) (\(classes.listing))"
        case .name(let name):
            "label \"\(name)\" is not a class of \(model); its classes are \(classes.listing)"
        }
    }
}
